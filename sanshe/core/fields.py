"""Model fields for personal data.

``EncryptedTextField`` keeps a value encrypted at rest (see :mod:`sanshe.core.crypto`). Equality lookups on
ciphertext cannot work (every encryption uses a fresh nonce), so the field refuses every lookup except
``isnull`` and ``exact`` against ``None`` or ``""`` (empty values are stored unencrypted). Search through a
separate blind-index ``CharField(max_length=64, db_index=True)`` that the service fills with
:func:`sanshe.core.crypto.blind_index`.
"""

from __future__ import annotations

from django.core import checks
from django.core.exceptions import FieldError
from django.db import models
from django.db.models.lookups import Exact

from sanshe.core import crypto


def _lookup_refused(field, lookup_name: str) -> str:
    return (
        f"{getattr(field, 'model', object).__name__}.{field.name} is encrypted and cannot be filtered with "
        f"'{lookup_name}'; filter on its blind-index field instead."
    )


class _EmptyOnlyExact(Exact):
    """``exact`` against ``None`` (Django turns it into ``isnull``) or ``""`` (stored as is); nothing else."""

    def get_prep_lookup(self):
        if self.rhs is not None and self.rhs != "":
            raise FieldError(_lookup_refused(self.lhs.output_field, "exact"))
        return super().get_prep_lookup()


class EncryptedTextField(models.TextField):
    """A text field stored as an AES-256-GCM token (``v1:…``) and read back as plain text.

    ``None`` and ``""`` are stored as they are (so ``null``/``blank`` keep their meaning). Validators, forms,
    serializers and the admin see the plain text; only the database sees the token.
    """

    description = "Text encrypted at rest"

    def from_db_value(self, value, expression, connection):
        if value is None or value == "":
            return value
        return crypto.decrypt(value)

    def to_python(self, value):
        if value is None or isinstance(value, str):
            return value
        return str(value)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return crypto.encrypt(value)

    def get_lookup(self, lookup_name):
        if lookup_name == "isnull":
            return super().get_lookup(lookup_name)
        if lookup_name == "exact":
            return _EmptyOnlyExact  # filter(field=None) / filter(field="") still work
        raise FieldError(_lookup_refused(self, lookup_name))

    def check(self, **kwargs):
        errors = super().check(**kwargs)
        if self.unique or self.db_index or self.primary_key:
            errors.append(
                checks.Error(
                    "EncryptedTextField cannot be unique, indexed or a primary key: the ciphertext differs each time.",
                    hint="Put unique=True / db_index=True on the blind-index field instead.",
                    obj=self,
                    id="sanshe.E001",
                )
            )
        return errors
