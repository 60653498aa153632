"""Writes of the Open311 server: API keys of client applications, and service requests (through
:func:`sanshe.gridops.services.report_event`, the one way an event is created)."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from sanshe.core import audit
from sanshe.territory.choices import Level
from sanshe.territory.models import Node

from ..choices import Action, Source
from ..models import Event, EventCategory, EventStep, Open311Client
from ..services import report_event

KEY_PREFIX_LENGTH = 8


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def client_for_key(key: str) -> Open311Client | None:
    """The active client application holding ``key`` (looked up by the key's SHA-256, never stored in clear)."""
    key = (key or "").strip()
    if not key or len(key) > 200:
        return None
    return Open311Client.objects.select_related("district").filter(key_hash=hash_key(key), is_active=True).first()


@transaction.atomic
def create_client(*, name: str, district: Node) -> tuple[Open311Client, str]:
    """Issue an API key to a client application; returns the client and the key (shown once, never stored)."""
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise ValidationError({"name": [_("Give a name of at most 100 characters.")]})
    if district.level != Level.DISTRICT:
        raise ValidationError({"district": [_("Choose a district.")]})
    if Open311Client.objects.filter(name=name).exists():
        raise ValidationError({"name": [_("A client with this name exists already.")]})
    key = secrets.token_urlsafe(32)
    client = Open311Client.objects.create(name=name, district=district, key_hash=hash_key(key),
                                          key_prefix=key[:KEY_PREFIX_LENGTH])
    audit.record("gridops.open311_client.created", obj=client,
                 after={"name": client.name, "district": district.code, "key_prefix": client.key_prefix})
    return client, key


@transaction.atomic
def revoke_client(*, name: str) -> Open311Client:
    client = Open311Client.objects.select_for_update().filter(name=(name or "").strip()).first()
    if client is None:
        raise ValidationError({"name": [_("No Open311 client has this name.")]})
    if client.is_active:
        client.is_active = False
        client.save(update_fields=["is_active", "updated_at"])
        audit.record("gridops.open311_client.revoked", obj=client, before={"is_active": True},
                     after={"is_active": False})
    return client


# --- service requests ----------------------------------------------------------------------------------------
def submission_key(client: Open311Client, key: str) -> str:
    return f"open311:{client.pk}:{key}"


def token_for(client_id: int, key: str) -> str:
    """The public token of a request: ``<client id>-<its Idempotency-Key>`` (or the key the server drew)."""
    return f"{client_id}-{key}"


def event_for_token(token: str) -> Event | None:
    client_id, sep, key = (token or "").partition("-")
    if not sep or not client_id.isdigit() or not key:
        return None
    return Event.objects.filter(submission_key=f"open311:{int(client_id)}:{key}").first()


class KeyReused(Exception):
    """The Idempotency-Key was used before for a different request."""


@dataclass
class Submission:
    event: Event
    created: bool
    token: str


def open311_data(event: Event) -> dict:
    """What the Open311 submission kept beside the event (on its report step): media URL, attributes …"""
    step = EventStep.objects.filter(event=event, action=Action.REPORT).only("data").first()
    return (step.data or {}).get("open311", {}) if step is not None else {}


def open311_data_for(events) -> dict[int, dict]:
    ids = [e.pk for e in events if e.source == Source.OPEN311]
    if not ids:
        return {}
    rows = EventStep.objects.filter(event_id__in=ids, action=Action.REPORT).values_list("event_id", "data")
    return {event_id: (data or {}).get("open311", {}) for event_id, data in rows}


def _replayed(event: Event, fingerprint: str, token: str) -> Submission:
    if open311_data(event).get("fingerprint", fingerprint) != fingerprint:
        raise KeyReused
    return Submission(event, False, token)


def submit_request(*, client: Open311Client, district: Node, category: EventCategory, description: str,
                   idempotency_key: str | None, fingerprint: str, latitude=None, longitude=None,
                   address: str = "", node: Node | None = None, reporter_name: str = "", reporter_phone: str = "",
                   extras: dict | None = None) -> Submission:
    """POST Service Request: create the event (or, for a retried ``Idempotency-Key``, return the one the first
    attempt created). ``extras`` (media URL, attribute answers, account id) are kept on the report step, in
    the same transaction. Raises ``ValidationError`` (400) and :class:`KeyReused` (400)."""
    key = idempotency_key or uuid.uuid4().hex
    skey = submission_key(client, key)
    token = token_for(client.pk, key)
    existing = Event.objects.filter(submission_key=skey).first()
    if existing is not None:
        return _replayed(existing, fingerprint, token)
    with transaction.atomic():
        report = report_event(
            actor=None, category=category, description=description, node=node, source=Source.OPEN311,
            latitude=latitude, longitude=longitude, address=address, reporter_name=reporter_name,
            reporter_phone=reporter_phone, open311_client=client, district=district, submission_key=skey)
        if not report.created:
            return _replayed(report.event, fingerprint, token)
        data = {"client": client.name, "token": token, "fingerprint": fingerprint, **(extras or {})}
        EventStep.objects.filter(event=report.event, action=Action.REPORT).update(data={"open311": data})
        Open311Client.objects.filter(pk=client.pk).update(last_used_at=timezone.now())
    return Submission(report.event, True, token)
