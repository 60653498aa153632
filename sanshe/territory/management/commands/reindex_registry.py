"""``manage.py reindex_registry``: after a change of ``SANSHE_FIELD_KEY``, bring every resident's encrypted ID
number and phone and their blind indexes to the current key.

How keys rotate (see :mod:`sanshe.core.crypto`): the new key goes first in ``SANSHE_FIELD_KEY`` (``<new>,<old>``);
tokens name their key, so every listed key still decrypts its own. The blind indexes (``id_number_index``,
``phone_index``: exact search and the one-ID-number-per-district rule) are HMACs under the *current* key, so after
the switch they no longer match what a search computes: this command recomputes them and re-encrypts every value
that is not under the current key yet. An old key may also be given only to this command, in the environment
variable named by ``--old-key-env`` (``SANSHE_FIELD_KEY_OLD`` by default, comma-separated like the setting), so
that it never has to sit in the web server's configuration.

Residents are read by ascending id in chunks; each chunk is read, rewritten and committed in its own transaction
(rows locked on PostgreSQL), so the command can be stopped and run again (what is done is not done twice: a
row already under the current key with the right indexes is left alone). ``--dry-run`` only counts. One audit
entry ``registry.reindexed`` records the counts. Run it when nobody imports (an import writes with the current
key anyway, so running alongside is safe, only slower).
"""

from __future__ import annotations

import binascii
import os
import time

from cryptography.exceptions import InvalidTag
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from sanshe.core import audit, crypto
from sanshe.territory.models import Resident

DEFAULT_OLD_KEY_ENV = "SANSHE_FIELD_KEY_OLD"


class Keys:
    """The current key (encrypts, indexes) and every key that may decrypt: the setting's and the old ones."""

    def __init__(self, old_setting: str = ""):
        configured = crypto._keys()
        self.current = configured[0]
        extra = crypto._keys_for(old_setting) if old_setting.strip() else ()
        self.by_id = {key.key_id: key for key in (*extra, *configured)}
        self.prefix = f"{crypto.VERSION}:{self.current.key_id}:"

    def decrypt(self, token: str) -> str:
        """Like :func:`crypto.decrypt`, with the old keys as well."""
        parts = token.split(":")
        if len(parts) != 3 or parts[0] != crypto.VERSION:
            raise crypto.DecryptionError("Not a field encryption token.")
        key = self.by_id.get(parts[1])
        if key is None:
            raise crypto.DecryptionError(f"No key with id {parts[1]!r} (give the old key in the environment).")
        try:
            raw = crypto._b64decode(parts[2])
            return key.aead.decrypt(raw[:crypto.NONCE_BYTES], raw[crypto.NONCE_BYTES:],
                                    crypto._aad(parts[1])).decode("utf-8")
        except (binascii.Error, ValueError, InvalidTag) as exc:
            raise crypto.DecryptionError("The field token cannot be decrypted.") from exc

    def encrypt(self, plaintext: str) -> str:
        nonce = os.urandom(crypto.NONCE_BYTES)
        sealed = self.current.aead.encrypt(nonce, plaintext.encode("utf-8"), crypto._aad(self.current.key_id))
        return self.prefix + crypto._b64encode(nonce + sealed)

    def index(self, value: str) -> str:
        return crypto._index(self.current, value)


def reindex_row(keys: Keys, id_type: str, id_token: str, phone_token: str, id_index: str, phone_index: str):
    """The new (id_number, phone, id_number_index, phone_index) of one resident, or None when all is current.

    Raises :class:`crypto.DecryptionError` when a value cannot be read with any key given."""
    values, changed = [], False
    for token in (id_token, phone_token):
        if not token:
            values.append((token or "", ""))
            continue
        plain = keys.decrypt(token) if crypto.is_token(token) else token
        if token.startswith(keys.prefix):
            values.append((token, plain))
        else:  # another key's token (or a stray plain value): encrypt under the current key
            values.append((keys.encrypt(plain), plain))
            changed = True
    (new_id, id_plain), (new_phone, phone_plain) = values
    new_id_index = keys.index(f"{id_type}:{id_plain}") if id_plain else ""
    new_phone_index = keys.index(phone_plain) if phone_plain else ""
    if not changed and (new_id_index, new_phone_index) == (id_index or "", phone_index or ""):
        return None
    return new_id, new_phone, new_id_index, new_phone_index


class Command(BaseCommand):
    help = ("Recompute the blind indexes of residents' ID numbers and phones and re-encrypt them under the current "
            "SANSHE_FIELD_KEY (after a key rotation). In chunks, one transaction each; --dry-run only counts.")

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Count what would change; write nothing.")
        parser.add_argument("--chunk", type=int, default=2000, help="Residents per transaction (default 2000).")
        parser.add_argument("--old-key-env", default=DEFAULT_OLD_KEY_ENV,
                            help="Environment variable holding old key(s) that may still decrypt stored values "
                                 f"(default {DEFAULT_OLD_KEY_ENV}; comma-separated like SANSHE_FIELD_KEY).")

    def handle(self, *args, dry_run=False, chunk=2000, old_key_env=DEFAULT_OLD_KEY_ENV, **options):
        if chunk < 1:
            raise CommandError("--chunk must be at least 1.")
        try:
            keys = Keys(os.environ.get(old_key_env, ""))
        except Exception as exc:  # noqa: BLE001 - ImproperlyConfigured and friends: say which variable
            raise CommandError(f"{old_key_env} / SANSHE_FIELD_KEY: {exc}") from exc
        table = Resident._meta.db_table
        lock = " FOR UPDATE" if connection.features.has_select_for_update and not dry_run else ""
        read = changed = 0
        unreadable: list[int] = []
        after = 0
        started = time.monotonic()
        while True:
            with transaction.atomic():
                with connection.cursor() as cursor:
                    cursor.execute(
                        f'SELECT id, id_type, id_number, phone, id_number_index, phone_index FROM "{table}" '
                        f"WHERE id > %s ORDER BY id LIMIT %s{lock}", [after, chunk])
                    rows = cursor.fetchall()
                if not rows:
                    break
                updates = []
                for pk, id_type, id_token, phone_token, id_index, phone_index in rows:
                    try:
                        new = reindex_row(keys, id_type, id_token, phone_token, id_index, phone_index)
                    except crypto.DecryptionError:
                        unreadable.append(pk)
                        continue
                    if new is not None:
                        updates.append((*new, pk))
                if updates and not dry_run:
                    with connection.cursor() as cursor:
                        cursor.executemany(
                            f'UPDATE "{table}" SET id_number = %s, phone = %s, id_number_index = %s, '
                            "phone_index = %s WHERE id = %s", updates)
                read += len(rows)
                changed += len(updates)
                after = rows[-1][0]
            if options.get("verbosity", 1) > 1:
                self.stdout.write(f"… {read} read, {changed} to change")
        seconds = time.monotonic() - started
        if not dry_run:
            with transaction.atomic():
                audit.record("registry.reindexed", object_type="territory.resident", object_repr="residents",
                             extra={"read": read, "changed": changed, "unreadable": len(unreadable),
                                    "key_id": keys.current.key_id, "chunk": chunk})
        verb = "would change" if dry_run else "changed"
        self.stdout.write(f"Residents: {read} read, {changed} {verb}, {len(unreadable)} unreadable "
                          f"({seconds:.1f} s; current key {keys.current.key_id}){' — dry run' if dry_run else ''}.")
        if unreadable:
            shown = ", ".join(str(pk) for pk in unreadable[:20])
            raise CommandError(
                f"{len(unreadable)} residents could not be decrypted with SANSHE_FIELD_KEY or {old_key_env} "
                f"(ids {shown}{' …' if len(unreadable) > 20 else ''}); their values were left as they are.")
