"""Resident ID numbers, unified social credit codes and phone numbers (sanshe.core.validators)."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from sanshe.core.validators import (
    CREDIT_CODE_ALPHABET,
    PROVINCE_CODES,
    CreditCodeValidator,
    IdNumberValidator,
    PhoneValidator,
    credit_code_check_char,
    id_number_check_char,
    normalize_credit_code,
    normalize_id_number,
    normalize_phone,
    validate_credit_code,
    validate_id_number,
    validate_phone,
)

TODAY = date(2026, 6, 15)
# The example of GB 11643-1999 itself: 北京市朝阳区, born 1949-12-31, sequence 002 (female), check X.
STANDARD_EXAMPLE = "11010519491231002X"


def make_id(area: str, born: date, sequence: int) -> str:
    first17 = f"{area}{born:%Y%m%d}{sequence:03d}"
    return first17 + id_number_check_char(first17)


def make_credit_code(first17: str) -> str:
    return first17 + credit_code_check_char(first17)


def error_code(function, value, **kwargs) -> str:
    with pytest.raises(ValidationError) as excinfo:
        function(value, **kwargs)
    return excinfo.value.code


areas = st.builds(
    lambda province, rest: province + rest,
    st.sampled_from(sorted(PROVINCE_CODES)),
    st.text(alphabet="0123456789", min_size=4, max_size=4),
)
birth_dates = st.dates(min_value=date(1900, 1, 1), max_value=TODAY)
sequences = st.integers(min_value=0, max_value=999)
id_numbers = st.builds(make_id, areas, birth_dates, sequences)
credit_codes = st.builds(make_credit_code, st.text(alphabet=CREDIT_CODE_ALPHABET, min_size=17, max_size=17))


# --- ID numbers -----------------------------------------------------------------------------------------------


def test_standard_example():
    info = validate_id_number(STANDARD_EXAMPLE, today=TODAY)
    assert info.number == STANDARD_EXAMPLE
    assert info.birth_date == date(1949, 12, 31)
    assert info.sex == "F"
    assert info.area_code == "110105"
    assert info.warnings == []


@given(areas, birth_dates, sequences)
def test_generated_id_numbers_pass_with_birth_date_and_sex(area, born, sequence):
    number = make_id(area, born, sequence)
    info = validate_id_number(number, today=TODAY)
    assert info.number == number
    assert info.birth_date == born
    assert info.sex == ("M" if sequence % 2 else "F")
    assert info.area_code == area
    assert info.warnings == []


def _assert_every_substitution_caught(number: str) -> None:
    allowed = "0123456789X"
    for position in range(18):
        for char in allowed:
            if char == number[position]:
                continue
            changed = number[:position] + char + number[position + 1 :]
            code = error_code(validate_id_number, changed, today=TODAY)
            assert code in {"checksum", "date", "format"}, (changed, code)


def test_every_single_substitution_in_the_standard_example_is_caught():
    _assert_every_substitution_caught(STANDARD_EXAMPLE)


@given(id_numbers)
def test_every_single_substitution_is_caught(number):
    _assert_every_substitution_caught(number)


@pytest.mark.parametrize(
    "raw",
    [
        "11010519491231002x",
        " 110105 19491231 002X ",
        "１１０１０５１９４９１２３１００２Ｘ",
        "１１０１０５１９４９１２３１００２ｘ",
        "110105\u300019491231002X",
        "\t110105-19491231-002X".replace("-", ""),
    ],
)
def test_normalization(raw):
    assert normalize_id_number(raw) == STANDARD_EXAMPLE
    assert validate_id_number(raw, today=TODAY).number == STANDARD_EXAMPLE


def test_normalize_none_is_empty():
    assert normalize_id_number(None) == ""


@pytest.mark.parametrize(
    "raw", ["1.10105E+17", "1.10105e+17", "1.10105194912310E+17", "1.1E17", "110105194912310000.0"]
)
def test_excel_number_is_its_own_error(raw):
    with pytest.raises(ValidationError) as excinfo:
        validate_id_number(raw, today=TODAY)
    assert excinfo.value.code == "excel_number"
    with translation.override("en"):
        assert "Excel" in excinfo.value.messages[0]


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("", "required"),
        (None, "required"),
        ("11010519491231002", "length"),
        ("11010519491231002X1", "length"),
        ("110105491231002", "length"),  # an old 15-digit number
        ("1101051949123100AX", "format"),
        ("11010519491231002Y", "format"),
        ("110105194912310021", "checksum"),
    ],
)
def test_hard_errors(raw, code):
    assert error_code(validate_id_number, raw, today=TODAY) == code


@pytest.mark.parametrize("birth", ["19900230", "19900431", "20230229", "19901301", "19900000", "18991231"])
def test_impossible_birth_dates(birth):
    assert error_code(validate_id_number, make_id_from_birth(birth), today=TODAY) == "date"


def make_id_from_birth(birth: str) -> str:
    first17 = f"510108{birth}123"
    return first17 + id_number_check_char(first17)


def test_leap_day_exists():
    assert validate_id_number(make_id_from_birth("20240229"), today=TODAY).birth_date == date(2024, 2, 29)


def test_future_birth_date_is_an_error_and_today_is_not():
    assert (
        error_code(validate_id_number, make_id("510108", TODAY + timedelta(days=1), 1), today=TODAY) == "date"
    )
    assert validate_id_number(make_id("510108", TODAY, 1), today=TODAY).birth_date == TODAY


def test_future_check_uses_the_real_date_by_default():
    assert error_code(validate_id_number, make_id("510108", date.today() + timedelta(days=400), 1)) == "date"


@pytest.mark.parametrize("area", ["990101", "000000", "160101", "240101", "720101", "910101"])
def test_unknown_province_is_a_warning_not_an_error(area):
    info = validate_id_number(make_id(area, date(1980, 5, 17), 11), today=TODAY)
    assert info.sex == "M"
    assert [warning.code for warning in info.warnings] == ["unknown_area"]
    with translation.override("en"):
        assert area in str(info.warnings[0])


def test_check_char_rejects_bad_input():
    with pytest.raises(ValueError):
        id_number_check_char("1234")
    with pytest.raises(ValueError):
        id_number_check_char("1101051949123100X")


# --- Unified social credit codes ------------------------------------------------------------------------------


def test_alphabet_has_31_symbols_without_i_o_z_s_v():
    assert len(CREDIT_CODE_ALPHABET) == len(set(CREDIT_CODE_ALPHABET)) == 31
    assert not set("IOZSV") & set(CREDIT_CODE_ALPHABET)


@given(credit_codes)
def test_generated_credit_codes_pass(code):
    info = validate_credit_code(code)
    assert info.code == code
    assert info.registration_authority == code[0]
    assert info.organization_kind == code[1]
    assert info.is_civil_affairs == (code[0] == "5")


def _assert_every_credit_substitution_caught(code: str) -> None:
    for position in range(18):
        for char in CREDIT_CODE_ALPHABET:
            if char == code[position]:
                continue
            changed = code[:position] + char + code[position + 1 :]
            assert error_code(validate_credit_code, changed) == "checksum", changed


@given(credit_codes)
def test_every_single_credit_code_substitution_is_caught(code):
    _assert_every_credit_substitution_caught(code)


def test_every_single_substitution_in_a_fixed_credit_code_is_caught():
    _assert_every_credit_substitution_caught(make_credit_code("52510100MJ0000000"))


@pytest.mark.parametrize(
    ("kind", "label"),
    [("1", "Social group"), ("2", "Private non-enterprise unit"), ("3", "Foundation"), ("9", "Other")],
)
def test_civil_affairs_kinds(kind, label):
    info = validate_credit_code(make_credit_code(f"5{kind}510108MJ0000001"))
    assert info.is_civil_affairs
    with translation.override("en"):
        assert str(info.kind_label) == label


def test_non_civil_affairs_code_has_no_kind_label():
    info = validate_credit_code(make_credit_code("91510108MA6C00000"))
    assert not info.is_civil_affairs
    assert info.kind_label is None


def test_credit_code_normalization():
    code = make_credit_code("52510100MJ0000000")
    assert normalize_credit_code(f" {code.lower()} ") == code
    assert validate_credit_code(code.lower()).code == code
    full_width = "".join(chr(ord(char) + 0xFEE0) for char in code)
    assert validate_credit_code(full_width).code == code


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("", "required"),
        ("52510100MJ000000", "length"),
        ("52510100MJ00000000X", "length"),
        ("52510100MJ0000000I", "format"),
        ("5251O100MJ00000001", "format"),
        ("52510100MJ000000-0", "format"),
    ],
)
def test_credit_code_errors(raw, code):
    assert error_code(validate_credit_code, raw) == code


def test_credit_code_format_message_names_the_bad_characters():
    with pytest.raises(ValidationError) as excinfo:
        validate_credit_code("5251O100MJ0000S001")
    assert excinfo.value.params == {"chars": "O S"}


def test_credit_code_wrong_check_char():
    code = make_credit_code("52510100MJ0000000")
    wrong = next(char for char in CREDIT_CODE_ALPHABET if char != code[-1])
    assert error_code(validate_credit_code, code[:-1] + wrong) == "checksum"


# --- Phones ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        "13812345678",
        "138 1234 5678",
        "138-1234-5678",
        "+8613812345678",
        "+86 138 1234 5678",
        "008613812345678",
        "8613812345678",
        "(+86) 138-1234-5678",
        "１３８１２３４５６７８",
    ],
)
def test_mobile_forms(raw):
    info = validate_phone(raw)
    assert (info.normalized, info.kind) == ("13812345678", "mobile")
    assert normalize_phone(raw) == "13812345678"


@pytest.mark.parametrize(
    ("raw", "normalized", "area", "local", "extension"),
    [
        ("028-12345678", "02812345678", "028", "12345678", ""),
        ("02812345678", "02812345678", "028", "12345678", ""),
        ("(028) 1234 5678", "02812345678", "028", "12345678", ""),
        ("（028）12345678", "02812345678", "028", "12345678", ""),
        ("０２８－１２３４５６７８", "02812345678", "028", "12345678", ""),
        ("+86 28 12345678", "02812345678", "028", "12345678", ""),
        ("0086-28-12345678", "02812345678", "028", "12345678", ""),
        ("010-1234-5678", "01012345678", "010", "12345678", ""),
        ("010-1234-5678 ext 123", "01012345678-123", "010", "12345678", "123"),
        ("010-1234-5678 ext. 123", "01012345678-123", "010", "12345678", "123"),
        ("010-12345678转123", "01012345678-123", "010", "12345678", "123"),
        ("010-12345678 分机 8", "01012345678-8", "010", "12345678", "8"),
        ("010 12345678 x99", "01012345678-99", "010", "12345678", "99"),
        ("028-12345678-1234", "02812345678-1234", "028", "12345678", "1234"),
        ("02812345678-123", "02812345678-123", "028", "12345678", "123"),
        ("0311-1234567", "03111234567", "0311", "1234567", ""),
        ("0311-1234567-8", "03111234567-8", "0311", "1234567", "8"),
        ("0755-8765-4321", "075587654321", "0755", "87654321", ""),
        ("075587654321", "075587654321", "0755", "87654321", ""),
    ],
)
def test_landline_forms(raw, normalized, area, local, extension):
    info = validate_phone(raw)
    assert info.kind == "landline"
    assert (info.normalized, info.area_code, info.local_number, info.extension) == (
        normalized,
        area,
        local,
        extension,
    )
    assert normalize_phone(raw) == normalized
    assert validate_phone(normalized) == info  # the normal form reads back the same


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("", "required"),
        (None, "required"),
        ("1381234567", "length"),
        ("138123456789", "length"),
        ("12812345678", "format"),
        ("13812345678 ext 12", "format"),
        ("13812345678转1", "format"),
        ("138abc45678", "format"),
        ("12345678", "length"),
        ("85123456", "area_code"),
        ("2345678", "area_code"),
        ("028-123456", "landline"),
        ("028-123456789", "landline"),
        ("028-02345678", "landline"),
        ("0138-1234567", "landline"),
        ("400-123-4567", "area_code"),
        ("013812345678", "landline"),
    ],
)
def test_phone_errors(raw, code):
    assert error_code(validate_phone, raw) == code


def test_normalize_phone_of_invalid_value_is_cleaned_not_rejected():
    assert normalize_phone("+86 028-1234") == "0281234"
    assert normalize_phone(None) == ""


# --- Django validators ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("validator", "good", "bad"),
    [
        (IdNumberValidator(), STANDARD_EXAMPLE, "110105194912310021"),
        (CreditCodeValidator(), make_credit_code("52510100MJ0000000"), "52510100MJ00000000"),
        (PhoneValidator(), "028-12345678", "12345"),
    ],
)
def test_field_validators(validator, good, bad):
    validator(good)
    with pytest.raises(ValidationError):
        validator(bad)
    path, args, kwargs = validator.deconstruct()
    assert path == f"sanshe.core.validators.{type(validator).__name__}"
    assert (args, kwargs) == ((), {})
    assert validator == type(validator)()
    assert validator != PhoneValidator() or isinstance(validator, PhoneValidator)


def test_messages_are_translated_to_chinese_when_the_catalogue_has_them():
    # English source strings; the Chinese comes from the catalogue (merged by the lead from validators_zh.json).
    with translation.override("en"):
        with pytest.raises(ValidationError) as excinfo:
            validate_id_number("110105194912310021")
        assert excinfo.value.messages == [
            "The check character of this ID number is wrong. Please check the number and enter it again."
        ]
