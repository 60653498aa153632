"""Validators for the identifiers a community register holds.

Pure functions (no database, no settings) plus Django validator classes for model and form fields:

* resident ID numbers (GB 11643, 公民身份号码): :func:`normalize_id_number`, :func:`validate_id_number`;
* unified social credit codes (GB 32100, 统一社会信用代码): :func:`normalize_credit_code`,
  :func:`validate_credit_code`;
* phone numbers (mobile and landline): :func:`normalize_phone`, :func:`validate_phone`.

Every ``validate_*`` function normalizes its input first, raises :class:`~django.core.exceptions.ValidationError`
with a stable ``code`` on a hard error, and otherwise returns a small frozen dataclass describing the value.
Soft problems (an area code we do not know, say) are *warnings* on that dataclass, never errors: codes are
added and abolished, and a register must not refuse a real person because our table is old.

Messages are English source strings wrapped in gettext; the Chinese lives in the catalogue.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext_lazy as _

__all__ = [
    "CREDIT_CODE_ALPHABET",
    "CreditCodeInfo",
    "CreditCodeValidator",
    "FieldWarning",
    "IdNumberInfo",
    "IdNumberValidator",
    "PROVINCE_CODES",
    "PhoneInfo",
    "PhoneValidator",
    "credit_code_check_char",
    "id_number_check_char",
    "normalize_credit_code",
    "normalize_id_number",
    "normalize_phone",
    "validate_credit_code",
    "validate_id_number",
    "validate_phone",
]


@dataclass(frozen=True)
class FieldWarning:
    """A soft problem with an otherwise valid value: shown to the user, never blocks a save.

    ``message`` is a lazy translatable string with ``%(name)s`` placeholders filled from ``params`` when the
    warning is turned into text, so it speaks the language active at display time.
    """

    code: str
    message: str
    params: dict = field(default_factory=dict)

    def __str__(self) -> str:
        return str(self.message) % self.params if self.params else str(self.message)


def _text(value: object) -> str:
    """NFKC-fold ``value`` (full-width digits, letters and punctuation become ASCII) and drop all whitespace."""
    if value is None:
        return ""
    text = unicodedata.normalize("NFKC", str(value))
    return "".join(text.split())


def _required() -> ValidationError:
    return ValidationError(_("This value is empty."), code="required")


# --------------------------------------------------------------------------------------------------------------
# Resident ID number (GB 11643-1999)
# --------------------------------------------------------------------------------------------------------------

ID_NUMBER_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_NUMBER_CHECK_CHARS = "10X98765432"
ID_NUMBER_MIN_BIRTH_DATE = date(1900, 1, 1)

#: Province-level prefixes of GB/T 2260 (the first two digits of an area code). 83 is not a GB/T 2260
#: province but is what residence permits for Taiwan residents use (830000), so it is known too.
PROVINCE_CODES = frozenset(
    [f"{n}" for n in range(11, 16)]
    + [f"{n}" for n in range(21, 24)]
    + [f"{n}" for n in range(31, 38)]
    + [f"{n}" for n in range(41, 47)]
    + [f"{n}" for n in range(50, 55)]
    + [f"{n}" for n in range(61, 66)]
    + ["71", "81", "82", "83"]
)

# What Excel shows after it has turned an 18-digit ID number into a floating-point number: scientific notation
# (1.10105E+17) or a decimal (110105199001011000.0). Either way the last digits are gone and cannot be recovered.
_EXCEL_NUMBER_RE = re.compile(r"^(?:\d+(?:\.\d*)?E\+?\d+|\d{15,18}\.\d*)$")
_ID_NUMBER_FORMAT_RE = re.compile(r"^\d{17}[\dX]$")


@dataclass(frozen=True)
class IdNumberInfo:
    """What a valid resident ID number says about its holder."""

    number: str
    """The normalized 18-character number (ASCII digits, upper-case ``X``)."""
    birth_date: date
    sex: str
    """``"M"`` or ``"F"``, from the parity of the 17th digit (odd = male)."""
    area_code: str
    """The six-digit administrative division code of the place of first registration."""
    warnings: list[FieldWarning] = field(default_factory=list)


def normalize_id_number(value: object) -> str:
    """Return ``value`` as an ID number would be stored, without validating it.

    Whitespace is removed, full-width digits and letters become ASCII and a lower-case ``x`` becomes ``X``.
    ``None`` becomes ``""``.
    """
    return _text(value).upper()


def id_number_check_char(first17: str) -> str:
    """The GB 11643 check character (``0``–``9`` or ``X``) for the first 17 digits of an ID number.

    Raises :class:`ValueError` unless ``first17`` is exactly 17 ASCII digits.
    """
    if len(first17) != 17 or not first17.isascii() or not first17.isdigit():
        raise ValueError("first17 must be 17 ASCII digits")
    total = sum(int(digit) * weight for digit, weight in zip(first17, ID_NUMBER_WEIGHTS, strict=True))
    return ID_NUMBER_CHECK_CHARS[total % 11]


def validate_id_number(value: object, *, today: date | None = None) -> IdNumberInfo:
    """Validate a resident ID number and return what it encodes.

    Hard errors (``ValidationError.code``):

    ``required``      the value is empty;
    ``excel_number``  the value is what Excel makes of an ID number stored as a number (``1.10105E+17``);
                      the digits are lost, so the user must re-enter it as text — we never guess;
    ``length``        not 18 characters (an old 15-digit number included);
    ``format``        a non-digit among the first 17 characters, or a last character other than a digit or X;
    ``checksum``      the check character does not match;
    ``date``          the birth date does not exist, is in the future or is before 1900.

    An unknown province prefix is a warning (``unknown_area``) on the result, not an error.
    ``today`` defaults to the local date; pass it to make the future-date check deterministic.
    """
    number = normalize_id_number(value)
    if not number:
        raise _required()
    if _EXCEL_NUMBER_RE.match(number):
        raise ValidationError(
            _(
                "Excel has turned this ID number into a number (%(value)s) and its last digits are lost. "
                "Format the column as text and enter the ID number again."
            ),
            code="excel_number",
            params={"value": number},
        )
    if len(number) != 18:
        if len(number) == 15 and number.isdigit():
            raise ValidationError(
                _(
                    "This is an old 15-digit ID number. Enter the 18-character number from the current ID card."
                ),
                code="length",
                params={"length": 15},
            )
        raise ValidationError(
            _("An ID number has 18 characters; this one has %(length)d."),
            code="length",
            params={"length": len(number)},
        )
    if not _ID_NUMBER_FORMAT_RE.match(number) or not number.isascii():
        raise ValidationError(
            _("The first 17 characters of an ID number are digits and the last is a digit or X."),
            code="format",
        )
    if id_number_check_char(number[:17]) != number[17]:
        raise ValidationError(
            _("The check character of this ID number is wrong. Please check the number and enter it again."),
            code="checksum",
        )
    birth = number[6:14]
    try:
        birth_date = date(int(birth[:4]), int(birth[4:6]), int(birth[6:8]))
    except ValueError:
        raise ValidationError(
            _("The birth date in this ID number (%(date)s) does not exist."),
            code="date",
            params={"date": birth},
        ) from None
    if today is None:
        today = timezone.localdate()
    if birth_date > today:
        raise ValidationError(
            _("The birth date in this ID number (%(date)s) is in the future."),
            code="date",
            params={"date": birth_date.isoformat()},
        )
    if birth_date < ID_NUMBER_MIN_BIRTH_DATE:
        raise ValidationError(
            _("The birth date in this ID number (%(date)s) is before 1900."),
            code="date",
            params={"date": birth_date.isoformat()},
        )
    area_code = number[:6]
    warnings: list[FieldWarning] = []
    if area_code[:2] not in PROVINCE_CODES:
        warnings.append(
            FieldWarning(
                code="unknown_area",
                message=_(
                    "The area code %(area)s of this ID number is not a known province. Please check it."
                ),
                params={"area": area_code},
            )
        )
    sex = "M" if int(number[16]) % 2 else "F"
    return IdNumberInfo(number=number, birth_date=birth_date, sex=sex, area_code=area_code, warnings=warnings)


# --------------------------------------------------------------------------------------------------------------
# Unified social credit code (GB 32100-2015)
# --------------------------------------------------------------------------------------------------------------

#: The 31 symbols of GB 32100: digits and upper-case letters without I, O, Z, S and V.
CREDIT_CODE_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_CODE_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_CREDIT_CODE_VALUES = {char: index for index, char in enumerate(CREDIT_CODE_ALPHABET)}

#: Registration authority ``5`` is civil affairs (民政); its organization kinds.
CIVIL_AFFAIRS_KINDS = {
    "1": _("Social group"),
    "2": _("Private non-enterprise unit"),
    "3": _("Foundation"),
    "9": _("Other"),
}


@dataclass(frozen=True)
class CreditCodeInfo:
    """What a valid unified social credit code says about the organization."""

    code: str
    """The normalized 18-character code (upper case)."""
    registration_authority: str
    """First character: the registering authority (``5`` = civil affairs, ``9`` = market regulation, …)."""
    organization_kind: str
    """Second character: the kind of organization within that authority."""
    is_civil_affairs: bool
    kind_label: str | None
    """For civil-affairs registrations: social group, private non-enterprise unit, foundation or other."""


def normalize_credit_code(value: object) -> str:
    """Return ``value`` as a credit code would be stored: no whitespace, ASCII, upper case. ``None`` → ``""``."""
    return _text(value).upper()


def credit_code_check_char(first17: str) -> str:
    """The GB 32100 check character for the first 17 characters of a credit code.

    Raises :class:`ValueError` unless ``first17`` is 17 characters of :data:`CREDIT_CODE_ALPHABET`.
    """
    if len(first17) != 17 or any(char not in _CREDIT_CODE_VALUES for char in first17):
        raise ValueError("first17 must be 17 characters of the credit code alphabet")
    total = sum(
        _CREDIT_CODE_VALUES[char] * weight for char, weight in zip(first17, CREDIT_CODE_WEIGHTS, strict=True)
    )
    return CREDIT_CODE_ALPHABET[(31 - total % 31) % 31]


def validate_credit_code(value: object) -> CreditCodeInfo:
    """Validate a unified social credit code.

    Hard errors (``ValidationError.code``): ``required`` (empty), ``length`` (not 18 characters),
    ``format`` (a character outside the 31-symbol alphabet; the message names them — I, O, Z, S and V are
    never used), ``checksum`` (the last character does not match).
    """
    code = normalize_credit_code(value)
    if not code:
        raise _required()
    if len(code) != 18:
        raise ValidationError(
            _("A unified social credit code has 18 characters; this one has %(length)d."),
            code="length",
            params={"length": len(code)},
        )
    bad = sorted({char for char in code if char not in _CREDIT_CODE_VALUES})
    if bad:
        raise ValidationError(
            _(
                "A unified social credit code contains only digits and capital letters other than "
                "I, O, Z, S and V; this one contains %(chars)s."
            ),
            code="format",
            params={"chars": " ".join(bad)},
        )
    if credit_code_check_char(code[:17]) != code[17]:
        raise ValidationError(
            _(
                "The check character of this unified social credit code is wrong. Please check the code and enter it again."
            ),
            code="checksum",
        )
    is_civil_affairs = code[0] == "5"
    return CreditCodeInfo(
        code=code,
        registration_authority=code[0],
        organization_kind=code[1],
        is_civil_affairs=is_civil_affairs,
        kind_label=CIVIL_AFFAIRS_KINDS.get(code[1]) if is_civil_affairs else None,
    )


# --------------------------------------------------------------------------------------------------------------
# Phone numbers
# --------------------------------------------------------------------------------------------------------------

_MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")
# A written extension: "ext 123", "ext. 123", "x123", "转123", "分机123", "#123".
_EXTENSION_RE = re.compile(
    r"^(?P<main>.*?)\s*(?:extension|ext\.?|x|转|分机|#)\s*(?P<ext>\d{1,6})$", re.IGNORECASE
)
_COUNTRY_PREFIX_RE = re.compile(r"^\(?(?:\+|00)86\)?")
_SEPARATORS_RE = re.compile(r"[\s\-()./]+")


@dataclass(frozen=True)
class PhoneInfo:
    """A valid phone number.

    ``normalized`` is ASCII digits only: ``13812345678`` for a mobile, ``02812345678`` for a landline,
    and ``02812345678-123`` for a landline with extension (``-`` then the extension).
    """

    normalized: str
    kind: str
    """``"mobile"`` or ``"landline"``."""
    area_code: str = ""
    """Landlines only: ``010``, ``02x`` or a four-digit ``0xxx``."""
    local_number: str = ""
    extension: str = ""


def _split_landline(digits: str) -> tuple[str, str] | None:
    """Split ``0`` + area code + local number; ``None`` unless it is a well-formed landline.

    Area codes are ``010`` and ``020``–``029`` (three digits) or ``0`` + three digits starting 3–9 (four digits);
    the local number has 7 or 8 digits and does not start with 0.
    """
    if digits.startswith("010") or digits.startswith("02"):
        area, local = digits[:3], digits[3:]
    elif len(digits) >= 2 and digits[0] == "0" and digits[1] in "3456789":
        area, local = digits[:4], digits[4:]
    else:
        return None
    if len(local) in (7, 8) and local.isdigit() and local[0] != "0":
        return area, local
    return None


def _aligned(groups: list[str], area: str) -> bool:
    """Whether the way the user grouped the digits agrees with an area/local split.

    Accepted groupings: one block, or the area code then the local number in one block or as 3–4 + 4 digits.
    """
    if len(groups) == 1:
        return True
    if groups[0] != area:
        return False
    local = groups[1:]
    return len(local) == 1 or (len(local) == 2 and len(local[0]) in (3, 4) and len(local[1]) == 4)


def _parse_phone(value: object) -> PhoneInfo:
    text = unicodedata.normalize("NFKC", "" if value is None else str(value)).strip()
    if not text:
        raise _required()
    extension = ""
    match = _EXTENSION_RE.match(text)
    if match:
        text, extension = match.group("main"), match.group("ext")
    international = False
    match = _COUNTRY_PREFIX_RE.match(text)
    if match:
        text, international = text[match.end() :], True
    groups = [group for group in _SEPARATORS_RE.split(text) if group]
    digits = "".join(groups)
    if not digits or not digits.isascii() or not digits.isdigit():
        raise ValidationError(
            _("A phone number may contain only digits, spaces, dashes, brackets and a leading +86."),
            code="format",
        )
    if not international and len(digits) == 13 and digits.startswith("86") and _MOBILE_RE.match(digits[2:]):
        digits, groups, international = digits[2:], [digits[2:]], True
    if international and digits[0] not in "01":
        # +86 28 12345678: the trunk prefix 0 is dropped after the country code.
        digits, groups = "0" + digits, ["0" + groups[0], *groups[1:]]

    if digits[0] == "1":
        if extension and _MOBILE_RE.match(digits):
            raise ValidationError(_("A mobile number has no extension."), code="format")
        if not _MOBILE_RE.match(digits):
            if len(digits) != 11:
                raise ValidationError(
                    _("A mobile number has 11 digits; this one has %(length)d."),
                    code="length",
                    params={"length": len(digits)},
                )
            raise ValidationError(_("This is not a valid mobile number."), code="format")
        return PhoneInfo(normalized=digits, kind="mobile")

    if digits[0] != "0":
        raise ValidationError(
            _("A landline number needs its area code, for example 028-12345678."),
            code="area_code",
        )

    # Landline. Candidates: all digits are the number, or (without a written "ext") the last group is an extension.
    candidates: list[tuple[list[str], str]] = [(groups, extension)]
    if not extension and len(groups) > 1 and len(groups[-1]) <= 6:
        candidates.append((groups[:-1], groups[-1]))
    parsed = [(g, ext, _split_landline("".join(g))) for g, ext in candidates]
    valid = [(g, ext, split) for g, ext, split in parsed if split]
    chosen = next(((g, ext, split) for g, ext, split in valid if _aligned(g, split[0])), None) or (
        valid[0] if valid else None
    )
    if chosen is None:
        raise ValidationError(
            _(
                "This is not a valid landline number. Enter the area code and a 7- or 8-digit number, "
                "for example 028-12345678."
            ),
            code="landline",
        )
    _groups, extension, (area, local) = chosen
    normalized = area + local + (f"-{extension}" if extension else "")
    return PhoneInfo(
        normalized=normalized, kind="landline", area_code=area, local_number=local, extension=extension
    )


def normalize_phone(value: object) -> str:
    """Return ``value`` as a phone number would be stored.

    A valid number gets the canonical form of :class:`PhoneInfo` (``+86``/``0086``/``86`` prefixes, spaces,
    dashes and brackets removed, full-width digits made ASCII, an extension kept after ``-``). An invalid one is
    cleaned the same way as far as possible and returned for :func:`validate_phone` to reject.
    """
    try:
        return _parse_phone(value).normalized
    except ValidationError:
        text = _text(value)
        text = _COUNTRY_PREFIX_RE.sub("", text)
        return _SEPARATORS_RE.sub("", text)


def validate_phone(value: object) -> PhoneInfo:
    """Validate a mobile or landline number.

    Mobile: 11 digits starting ``1[3-9]``. Landline: ``0`` + a 2–3 digit area code, then a 7–8 digit local number
    (not starting with 0), optionally an extension written ``ext 123``, ``转123``, ``#123`` or as a last
    dash-separated group (``028-12345678-123``). Accepted spellings include ``028-12345678``, ``02812345678``,
    ``(028) 1234 5678``, ``010-1234-5678 ext 123``, ``+86 28 12345678``, ``+86 138 1234 5678``.

    Error codes: ``required``, ``format`` (characters, or a mobile prefix that does not exist), ``length``
    (a mobile number without 11 digits), ``area_code`` (a local number without area code), ``landline``.
    """
    return _parse_phone(value)


# --------------------------------------------------------------------------------------------------------------
# Django validators
# --------------------------------------------------------------------------------------------------------------


@deconstructible
class _FunctionValidator:
    """Base for the field validators: call ``function`` and let its ValidationError through."""

    function = staticmethod(lambda value: None)

    def __call__(self, value: object) -> None:
        type(self).function(value)

    def __eq__(self, other: object) -> bool:
        return type(self) is type(other)

    def __hash__(self) -> int:
        return hash(type(self))


@deconstructible(path="sanshe.core.validators.IdNumberValidator")
class IdNumberValidator(_FunctionValidator):
    """Field validator for resident ID numbers (:func:`validate_id_number`); warnings are not raised."""

    function = staticmethod(validate_id_number)


@deconstructible(path="sanshe.core.validators.CreditCodeValidator")
class CreditCodeValidator(_FunctionValidator):
    """Field validator for unified social credit codes (:func:`validate_credit_code`)."""

    function = staticmethod(validate_credit_code)


@deconstructible(path="sanshe.core.validators.PhoneValidator")
class PhoneValidator(_FunctionValidator):
    """Field validator for mobile and landline numbers (:func:`validate_phone`)."""

    function = staticmethod(validate_phone)
