"""The audit log: named domain events with before/after diffs, written inside the caller's transaction.

Usage in a service::

    with transaction.atomic():
        before = audit.snapshot(node)
        node.name = name
        node.save()
        audit.record("territory.node.updated", obj=node, before=before, after=audit.snapshot(node), actor=actor)

Every row is chained to the previous one by SHA-256 (see :class:`sanshe.core.models.AuditEntry`).
"""

from __future__ import annotations

import datetime as dt
import decimal
import hashlib
import json
import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import models, transaction
from django.utils import timezone

from . import context, txn
from .masking import MASKERS
from .models import AuditChainHead, AuditEntry

ALWAYS_MASKED = {"password", "key_hash", "secret", "key", "token"}


def _jsonable(value):
    if value is None or isinstance(value, (str, int, bool)):
        return value
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, (decimal.Decimal, uuid.UUID)):
        return str(value)
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, models.Model):
        return value.pk
    return str(value)


def snapshot(obj: models.Model, fields: Iterable[str] | None = None) -> dict:
    """The audited state of an object: its concrete fields, with sensitive ones masked.

    A model lists its sensitive fields as ``AUDIT_MASKED = {"phone": "phone", "id_number": "id_number"}``
    (field name → masker in :data:`sanshe.core.masking.MASKERS`); ``AUDIT_EXCLUDE`` drops fields entirely.
    """
    masked = getattr(obj, "AUDIT_MASKED", {})
    excluded = set(getattr(obj, "AUDIT_EXCLUDE", ())) | {"updated_at", "created_at"}
    data = {}
    for field in obj._meta.concrete_fields:
        name = field.name
        if name in excluded or (fields is not None and name not in fields):
            continue
        value = getattr(obj, field.attname)
        if name in masked:
            value = MASKERS[masked[name]](value)
        elif name in ALWAYS_MASKED:
            value = MASKERS["secret"](value)
        data[name] = _jsonable(value)
    return data


def diff(before: dict | None, after: dict | None) -> dict:
    """``{field: [old, new]}`` for the fields that differ; a creation or deletion lists every field."""
    creation = before is None
    before = before or {}
    after = after or {}
    keys = list(dict.fromkeys([*before.keys(), *after.keys()]))
    changes = {k: [before.get(k), after.get(k)] for k in keys if before.get(k) != after.get(k)}
    if creation:  # a new object: its empty fields say nothing
        changes = {k: v for k, v in changes.items() if v[1] not in ("", None)}
    return changes


def _canonical(entry: AuditEntry) -> bytes:
    at = entry.at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    payload = [
        entry.seq, at, entry.user_id, entry.username, entry.roles, entry.territory, entry.action,
        entry.object_type, entry.object_id, entry.object_repr, entry.changes, entry.ip, entry.request_id,
        entry.result, entry.message, entry.prev_hash,
    ]
    return json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def compute_hash(entry: AuditEntry) -> str:
    return hashlib.sha256(_canonical(entry)).hexdigest()


def _actor_fields(actor) -> tuple[str, str]:
    if actor is None or not getattr(actor, "is_authenticated", False):
        return "", ""
    grants = actor.active_grants()
    roles = ",".join(sorted({g.role for g in grants}))
    territory = ",".join(sorted({g.node_code for g in grants}))
    return roles[:255], territory[:255]


def record(
    action: str,
    *,
    obj: models.Model | None = None,
    before: dict | None = None,
    after: dict | None = None,
    actor=None,
    result: str = AuditEntry.Result.SUCCESS,
    message: str = "",
    object_type: str = "",
    object_id: str = "",
    object_repr: str = "",
    username: str = "",
    extra: dict | None = None,
) -> AuditEntry:
    """Append one entry to the chain, inside the current transaction (a savepoint if one is open).

    Inside a :func:`sanshe.core.txn.atomic` block the entry is written at the block's end, just before the
    commit; the returned entry gets its ``pk``, ``seq`` and ``hash`` then.
    """
    ctx = context.current()
    if actor is None:
        actor = ctx.user
    roles, territory = _actor_fields(actor)
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
        object_repr = object_repr or str(obj)[:255]
        node_code = getattr(obj, "audit_territory", None)
        if node_code:
            territory = node_code
    changes = diff(before, after) if (before is not None or after is not None) else {}
    if extra:
        changes = {**changes, **_jsonable(extra)}
    user = actor if actor is not None and getattr(actor, "is_authenticated", False) else None
    entry = AuditEntry(
        at=timezone.now(),
        user=user,
        username=(user.get_username() if user else username)[:150],
        roles=roles,
        territory=territory[:255],
        action=action,
        object_type=object_type,
        object_id=str(object_id)[:64],
        object_repr=object_repr[:255],
        changes=changes,
        ip=ctx.ip,
        request_id=ctx.request_id,
        result=result,
        message=message,
    )
    # Chained as late as the transaction allows (see sanshe.core.txn): the head row's lock is then held for
    # the last statements only, not for the rest of the caller's work.
    txn.defer(lambda: _append(entry))
    return entry


def _append(entry: AuditEntry) -> None:
    """Link ``entry`` to the chain's head and write it (the head row stays locked until the commit)."""
    with transaction.atomic(savepoint=False):  # a failure here fails the caller's transaction: no savepoint
        head = AuditChainHead.objects.select_for_update().get_or_create(pk=1)[0]
        entry.seq = head.seq + 1
        entry.prev_hash = head.hash
        entry.hash = compute_hash(entry)
        entry.save(force_insert=True)
        head.seq = entry.seq
        head.hash = entry.hash
        head.save(update_fields=["seq", "hash"])


@dataclass
class ChainBreak:
    seq: int
    entry_id: int | None
    reason: str


def verify_chain(batch_size: int = 5000) -> tuple[int, ChainBreak | None]:
    """Walk the chain in order up to the head as read at the start (later appends are not a break).

    Returns (entries checked, first break or None).
    """
    head = AuditChainHead.objects.filter(pk=1).first()
    rows = AuditEntry.objects.order_by("seq")
    if head is None:
        first = rows.first()
        return 0, (ChainBreak(first.seq, first.pk, "tail") if first is not None else None)
    previous_hash = "0" * 64
    expected_seq = 1
    checked = 0
    for entry in rows.filter(seq__lte=head.seq).iterator(chunk_size=batch_size):
        if entry.seq != expected_seq:
            return checked, ChainBreak(expected_seq, None, "missing")
        if entry.prev_hash != previous_hash:
            return checked, ChainBreak(entry.seq, entry.pk, "link")
        if compute_hash(entry) != entry.hash:
            return checked, ChainBreak(entry.seq, entry.pk, "content")
        previous_hash = entry.hash
        expected_seq += 1
        checked += 1
    if head.seq != expected_seq - 1 or head.hash != previous_hash:
        return checked, ChainBreak(expected_seq, None, "tail")
    return checked, None
