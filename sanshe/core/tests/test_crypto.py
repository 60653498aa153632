"""Field encryption, blind indexes, key rotation and EncryptedTextField (sanshe.core.crypto, sanshe.core.fields)."""

import base64
import hashlib
import hmac
import re
import secrets

import pytest
from django.core.exceptions import FieldError, ImproperlyConfigured
from django.db import models
from django.test import override_settings
from django.test.utils import isolate_apps
from hypothesis import given
from hypothesis import strategies as st

from sanshe.core import crypto
from sanshe.core.fields import EncryptedTextField

TOKEN_RE = re.compile(r"^v1:[0-9a-f]{8}:[A-Za-z0-9_-]+$")


def new_key() -> str:
    return base64.b64encode(secrets.token_bytes(32)).decode()


# Fixed keys: test ids (parametrize) must be the same in every test process (pytest-xdist).
KEY_A = base64.b64encode(bytes(range(32))).decode()
KEY_B = base64.b64encode(bytes(range(32, 64))).decode()


@pytest.fixture
def key_a():
    with override_settings(SANSHE_FIELD_KEY=KEY_A):
        yield


@given(st.text())
def test_round_trip_random_unicode(plaintext):
    token = crypto.encrypt(plaintext)
    assert token.isascii()
    assert TOKEN_RE.match(token)
    assert crypto.decrypt(token) == plaintext


def test_round_trip_chinese():
    assert (
        crypto.decrypt(crypto.encrypt("张三 11010519491231002X 成华区")) == "张三 11010519491231002X 成华区"
    )


def test_same_plaintext_encrypts_differently():
    assert crypto.encrypt("13812345678") != crypto.encrypt("13812345678")


def test_token_does_not_contain_the_plaintext():
    token = crypto.encrypt("11010519491231002X")
    assert "11010519491231002X" not in token
    assert "11010519491231002X" not in base64.urlsafe_b64decode(token.split(":")[2] + "==").decode("latin-1")


def _flip(text: str, index: int) -> str:
    char = text[index]
    replacement = "A" if char != "A" else "B"
    return text[:index] + replacement + text[index + 1 :]


@given(st.text(min_size=0, max_size=50), st.data())
def test_tampering_anywhere_in_the_body_is_detected(plaintext, data):
    token = crypto.encrypt(plaintext)
    prefix, body = token.rsplit(":", 1)
    # The last base64 character may carry unused padding bits; flip a character that carries only data.
    usable = len(body) - 1 if len(body) % 4 else len(body)
    index = data.draw(st.integers(min_value=0, max_value=usable - 1))
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt(f"{prefix}:{_flip(body, index)}")


@pytest.mark.parametrize(
    "token",
    ["", "plain text", "v1:abc", "v2:00000000:AAAA", "v1:00000000:AAAA", "v1::", 12345, None],
)
def test_malformed_tokens(token):
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt(token)


def test_truncated_and_non_base64_bodies():
    prefix, body = crypto.encrypt("x").rsplit(":", 1)
    for bad in (body[:10], body + "!!", body[:-4], ""):
        with pytest.raises(crypto.DecryptionError):
            crypto.decrypt(f"{prefix}:{bad}")


def test_key_id_is_authenticated():
    with override_settings(SANSHE_FIELD_KEY=f"{KEY_A},{KEY_B}"):
        token = crypto.encrypt("secret")
        key_id_b = crypto._keys()[1].key_id
        _version, _key_id, body = token.split(":")
        with pytest.raises(crypto.DecryptionError):
            crypto.decrypt(f"v1:{key_id_b}:{body}")


def test_wrong_key_is_an_error():
    with override_settings(SANSHE_FIELD_KEY=KEY_A):
        token = crypto.encrypt("secret")
    with override_settings(SANSHE_FIELD_KEY=KEY_B):
        with pytest.raises(crypto.DecryptionError, match="key id"):
            crypto.decrypt(token)


def test_rotation_old_key_still_decrypts_new_key_encrypts():
    with override_settings(SANSHE_FIELD_KEY=KEY_A):
        old_token = crypto.encrypt("old secret")
        old_index = crypto.blind_index("110105")
    with override_settings(SANSHE_FIELD_KEY=f"{KEY_B}, {KEY_A}"):
        assert crypto.decrypt(old_token) == "old secret"
        new_token = crypto.encrypt("new secret")
        assert new_token.split(":")[1] != old_token.split(":")[1]
        assert crypto.decrypt(new_token) == "new secret"
        assert crypto.blind_indexes("110105")[1] == old_index
        assert crypto.blind_indexes("110105")[0] == crypto.blind_index("110105") != old_index
    with override_settings(SANSHE_FIELD_KEY=KEY_B):
        assert crypto.decrypt(new_token) == "new secret"
        with pytest.raises(crypto.DecryptionError):
            crypto.decrypt(old_token)


def test_urlsafe_and_unpadded_keys_are_accepted():
    raw = secrets.token_bytes(32)
    standard = base64.b64encode(raw).decode()
    urlsafe = base64.urlsafe_b64encode(raw).decode().rstrip("=")
    with override_settings(SANSHE_FIELD_KEY=standard):
        token, index = crypto.encrypt("x"), crypto.blind_index("x")
    with override_settings(SANSHE_FIELD_KEY=urlsafe):
        assert crypto.decrypt(token) == "x"
        assert crypto.blind_index("x") == index


@pytest.mark.parametrize(
    "setting",
    ["", " , ", "not base64 at all!", base64.b64encode(b"too short").decode(), f"{KEY_A},{KEY_A}"],
)
def test_bad_key_settings(setting):
    with override_settings(SANSHE_FIELD_KEY=setting):
        with pytest.raises(ImproperlyConfigured):
            crypto.encrypt("x")


def test_development_key_works():
    # settings.py ships a fixed development key; it must be usable.
    assert crypto.decrypt(crypto.encrypt("demo")) == "demo"


# --- blind index ----------------------------------------------------------------------------------------------


@given(st.text())
def test_blind_index_is_deterministic_hex(value):
    index = crypto.blind_index(value)
    assert re.fullmatch(r"[0-9a-f]{64}", index)
    assert crypto.blind_index(value) == index


def test_blind_index_differs_per_key():
    with override_settings(SANSHE_FIELD_KEY=KEY_A):
        a = crypto.blind_index("11010519491231002X")
    with override_settings(SANSHE_FIELD_KEY=KEY_B):
        b = crypto.blind_index("11010519491231002X")
    assert a != b


def test_blind_index_normalizes():
    assert crypto.blind_index(" 11010519491231002x") == crypto.blind_index(
        "１１０１０５１９４９１２３１００２Ｘ"
    )
    assert crypto.blind_index("13812345678") != crypto.blind_index("13812345679")


def test_blind_index_key_is_not_the_encryption_key(key_a):
    master = base64.b64decode(KEY_A)
    encryption_key = crypto._derive(master, crypto._INFO_ENCRYPTION, 32)
    index_key = crypto._keys()[0].index_key
    assert index_key == crypto._derive(master, crypto._INFO_INDEX, 32)
    assert len({encryption_key, index_key, master}) == 3
    # HMAC with the raw master key or with the encryption key must not reproduce the index.
    for key in (master, encryption_key):
        assert crypto.blind_index("x") != hmac.new(key, b"X", hashlib.sha256).hexdigest()


def test_type_errors():
    with pytest.raises(TypeError):
        crypto.encrypt(123)
    with pytest.raises(TypeError):
        crypto.blind_index(None)


# --- EncryptedTextField ---------------------------------------------------------------------------------------


@given(st.text(min_size=1))
def test_field_stores_ciphertext_and_loads_plaintext(plaintext):
    field = EncryptedTextField()
    stored = field.get_prep_value(plaintext)
    assert TOKEN_RE.match(stored)
    assert stored != plaintext
    assert field.from_db_value(stored, None, None) == plaintext


def test_field_db_prep_save_encrypts():
    from django.db import connection

    field = EncryptedTextField()
    stored = field.get_db_prep_save("11010519491231002X", connection)
    assert stored.startswith("v1:")
    assert "11010519491231002X" not in stored
    assert field.from_db_value(stored, None, connection) == "11010519491231002X"


@pytest.mark.parametrize("value", [None, ""])
def test_field_keeps_none_and_empty(value):
    field = EncryptedTextField(null=True, blank=True)
    assert field.get_prep_value(value) == value
    assert field.from_db_value(value, None, None) == value


def test_field_load_with_tampered_value_raises():
    field = EncryptedTextField()
    stored = field.get_prep_value("secret")
    with pytest.raises(crypto.DecryptionError):
        field.from_db_value(stored[:-3] + ("AAA" if not stored.endswith("AAA") else "BBB"), None, None)


def test_field_to_python_is_plaintext():
    field = EncryptedTextField()
    assert field.to_python("abc") == "abc"
    assert field.to_python(None) is None
    assert field.to_python(12) == "12"


def test_field_deconstructs():
    name, path, args, kwargs = EncryptedTextField(blank=True, verbose_name="phone").deconstruct()
    assert path == "sanshe.core.fields.EncryptedTextField"
    assert kwargs == {"blank": True, "verbose_name": "phone"}


@isolate_apps("sanshe.core")
def test_field_refuses_lookups_except_isnull():
    class Person(models.Model):  # noqa: DJ008
        secret = EncryptedTextField(null=True)

        class Meta:
            app_label = "core"

    with pytest.raises(FieldError, match="blind-index"):
        Person.objects.filter(secret="x")
    with pytest.raises(FieldError, match="blind-index"):
        Person.objects.filter(secret__icontains="x")
    assert "IS NULL" in str(Person.objects.filter(secret__isnull=True).query)
    assert "IS NULL" in str(Person.objects.filter(secret=None).query)
    assert "v1:" not in str(Person.objects.filter(secret="").query)
    assert "v1:" not in str(Person.objects.exclude(secret="").query)


@isolate_apps("sanshe.core")
def test_field_check_refuses_unique_and_index():
    class Person(models.Model):  # noqa: DJ008
        secret = EncryptedTextField(unique=True)
        other = EncryptedTextField()

        class Meta:
            app_label = "core"

    assert [error.id for error in Person._meta.get_field("secret").check()] == ["sanshe.E001"]
    assert Person._meta.get_field("other").check() == []
