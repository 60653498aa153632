"""Field encryption and blind indexes for personal data (PIPL, 等保 2.0 level 3).

Keys
----
``settings.SANSHE_FIELD_KEY`` holds one or more base64-encoded master keys (standard or URL-safe alphabet,
at least 32 bytes each), separated by commas. From each master key HKDF-SHA256 derives three independent values:

* a 32-byte **encryption key** (AES-256-GCM),
* a 32-byte **index key** (HMAC-SHA256 blind index),
* a 4-byte **key id** written into every token, so decryption knows which key to use.

The encryption key and the index key are never the same bytes, and neither is the master key itself.

Tokens
------
``encrypt()`` returns ``v1:<key id, 8 hex>:<urlsafe base64 of nonce ‖ ciphertext ‖ tag, unpadded>``: a fresh
random 96-bit nonce per call, so the same plaintext never gives the same token. The ``v1:<key id>:`` prefix is
authenticated as associated data, so it cannot be swapped either.

Key rotation
------------
1. Put the new key **first** and keep the old one after it: ``SANSHE_FIELD_KEY=<new>,<old>``.
   New tokens are encrypted with the first key; every listed key still decrypts its own tokens.
2. Re-encrypt stored values (load and save each row) and recompute blind indexes with the new key.
   Until that is done, look rows up with :func:`blind_indexes` (one index per key) and ``__in``.
3. Drop the old key from the list once nothing refers to it. A token whose key id is no longer listed raises
   :class:`DecryptionError`.
"""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import hmac
import os
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

__all__ = [
    "BulkCipher", "DecryptionError", "blind_index", "blind_index_many", "blind_indexes", "bulk_cipher", "decrypt",
    "encrypt", "encrypt_many", "is_token",
]

VERSION = "v1"
NONCE_BYTES = 12
MIN_MASTER_KEY_BYTES = 32
_HKDF_SALT = b"sanshe-field-key-v1"
_INFO_ENCRYPTION = b"sanshe:field-encryption:aes-256-gcm"
_INFO_INDEX = b"sanshe:blind-index:hmac-sha256"
_INFO_KEY_ID = b"sanshe:key-id"


class DecryptionError(Exception):
    """A token could not be decrypted: malformed, tampered with, or made with a key that is not configured."""


@dataclass(frozen=True)
class _Key:
    key_id: str
    aead: AESGCM
    index_key: bytes


def _derive(master: bytes, info: bytes, length: int) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=length, salt=_HKDF_SALT, info=info).derive(master)


def _decode_master(text: str, position: int) -> bytes:
    padded = text + "=" * (-len(text) % 4)
    try:
        raw = base64.b64decode(padded.replace("-", "+").replace("_", "/"), validate=True)
    except (binascii.Error, ValueError):
        raise ImproperlyConfigured(f"SANSHE_FIELD_KEY: key #{position + 1} is not valid base64.") from None
    if len(raw) < MIN_MASTER_KEY_BYTES:
        raise ImproperlyConfigured(
            f"SANSHE_FIELD_KEY: key #{position + 1} has {len(raw)} bytes; at least {MIN_MASTER_KEY_BYTES} are needed."
        )
    return raw


@functools.lru_cache(maxsize=8)
def _keys_for(setting: str) -> tuple[_Key, ...]:
    texts = [part.strip() for part in setting.split(",") if part.strip()]
    if not texts:
        raise ImproperlyConfigured("SANSHE_FIELD_KEY is empty.")
    keys = []
    for position, text in enumerate(texts):
        master = _decode_master(text, position)
        keys.append(
            _Key(
                key_id=_derive(master, _INFO_KEY_ID, 4).hex(),
                aead=AESGCM(_derive(master, _INFO_ENCRYPTION, 32)),
                index_key=_derive(master, _INFO_INDEX, 32),
            )
        )
    ids = [key.key_id for key in keys]
    if len(set(ids)) != len(ids):
        raise ImproperlyConfigured("SANSHE_FIELD_KEY lists the same key twice.")
    return tuple(keys)


def _keys() -> tuple[_Key, ...]:
    """The configured keys, current (encrypting) key first. Derived once per distinct setting value."""
    setting = getattr(settings, "SANSHE_FIELD_KEY", "")
    if not isinstance(setting, str):
        raise ImproperlyConfigured("SANSHE_FIELD_KEY must be a string.")
    return _keys_for(setting)


def _b64encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64decode(text: str) -> bytes:
    return base64.b64decode(text + "=" * (-len(text) % 4), altchars=b"-_", validate=True)


def _aad(key_id: str) -> bytes:
    return f"{VERSION}:{key_id}".encode("ascii")


def encrypt(plaintext: str) -> str:
    """Encrypt ``plaintext`` with the current key; return an ASCII token (see the module docstring)."""
    if not isinstance(plaintext, str):
        raise TypeError("encrypt() takes a str")
    key = _keys()[0]
    nonce = os.urandom(NONCE_BYTES)
    sealed = key.aead.encrypt(nonce, plaintext.encode("utf-8"), _aad(key.key_id))
    return f"{VERSION}:{key.key_id}:{_b64encode(nonce + sealed)}"


def is_token(value: object) -> bool:
    """Whether ``value`` has the shape of a token made by :func:`encrypt` (says nothing about its validity)."""
    if not isinstance(value, str):
        return False
    parts = value.split(":")
    return len(parts) == 3 and parts[0] == VERSION and len(parts[1]) == 8


def decrypt(token: str) -> str:
    """Decrypt a token made by :func:`encrypt` with any configured key.

    Raises :class:`DecryptionError` if the token is malformed, was altered, or its key is not configured.
    """
    if not isinstance(token, str):
        raise DecryptionError("A field token must be a string.")
    parts = token.split(":")
    if len(parts) != 3:
        raise DecryptionError("Not a field encryption token.")
    version, key_id, body = parts
    if version != VERSION:
        raise DecryptionError(f"Unknown field token version {version!r}.")
    key = next((candidate for candidate in _keys() if candidate.key_id == key_id), None)
    if key is None:
        raise DecryptionError(f"No configured SANSHE_FIELD_KEY has key id {key_id!r}.")
    try:
        raw = _b64decode(body)
    except (binascii.Error, ValueError):
        raise DecryptionError("The field token is not valid base64.") from None
    if len(raw) < NONCE_BYTES + 16:
        raise DecryptionError("The field token is too short.")
    try:
        plaintext = key.aead.decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], _aad(key_id))
    except InvalidTag:
        raise DecryptionError(
            "The field token failed authentication: it was altered or the key is wrong."
        ) from None
    return plaintext.decode("utf-8")


def _normalize_for_index(value: str) -> str:
    """NFKC, no whitespace, upper case: ``" 11010519491231002x"`` and ``"11010519491231002X"`` index alike."""
    return "".join(unicodedata.normalize("NFKC", value).split()).upper()


def _index(key: _Key, value: str) -> str:
    return hmac.new(key.index_key, _normalize_for_index(value).encode("utf-8"), hashlib.sha256).hexdigest()


def blind_index(value: str) -> str:
    """HMAC-SHA256 (hex, 64 characters) of the normalized ``value`` under the current key's index key.

    Deterministic, so an equality lookup on the index column finds the row without decrypting anything.
    Normalize with the domain's own function first (``normalize_id_number``, ``normalize_phone``); this one only
    applies NFKC, drops whitespace and upper-cases.
    """
    if not isinstance(value, str):
        raise TypeError("blind_index() takes a str")
    return _index(_keys()[0], value)


def blind_indexes(value: str) -> list[str]:
    """The blind index of ``value`` under every configured key, current key first (for lookups during rotation)."""
    if not isinstance(value, str):
        raise TypeError("blind_indexes() takes a str")
    return [_index(key, value) for key in _keys()]


# --- bulk (imports, seeding: a million values in one go) -------------------------------------------------------
@dataclass(frozen=True)
class BulkCipher:
    """:func:`encrypt` and :func:`blind_index` bound to the current key once (see :func:`bulk_cipher`).

    Same results as the one-value functions (same key, same token format, a fresh random nonce per value); they
    only skip reading the setting and looking the key up for every value. They are closures: use them in the
    process that made them (a forked worker inherits them).
    """

    encrypt: Callable[[str], str]
    blind_index: Callable[[str], str]
    key_id: str


def bulk_cipher() -> BulkCipher:
    """The current key's encryption and blind index as two fast functions, for bulk writes."""
    key = _keys()[0]
    aad, seal, urandom, b64 = _aad(key.key_id), key.aead.encrypt, os.urandom, base64.urlsafe_b64encode
    prefix = f"{VERSION}:{key.key_id}:"
    index_key, new_hmac, sha256, nfkc = key.index_key, hmac.new, hashlib.sha256, unicodedata.normalize

    def encrypt_one(value: str) -> str:
        nonce = urandom(NONCE_BYTES)
        return prefix + b64(nonce + seal(nonce, value.encode("utf-8"), aad)).rstrip(b"=").decode("ascii")

    def index_one(value: str) -> str:
        text = value if value.isascii() else nfkc("NFKC", value)  # NFKC leaves ASCII as it is
        return new_hmac(index_key, "".join(text.split()).upper().encode("utf-8"), sha256).hexdigest()

    return BulkCipher(encrypt=encrypt_one, blind_index=index_one, key_id=key.key_id)


def encrypt_many(values: Iterable[str]) -> list[str]:
    """:func:`encrypt` of every value (current key; a fresh nonce each), in order."""
    encrypt_one = bulk_cipher().encrypt
    return [encrypt_one(value) for value in values]


def blind_index_many(values: Iterable[str]) -> list[str]:
    """:func:`blind_index` of every value (current key), in order."""
    index_one = bulk_cipher().blind_index
    return [index_one(value) for value in values]
