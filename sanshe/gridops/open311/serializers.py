"""From the event catalogue and events to Open311 GeoReport v2 documents, and back from its parameters.

What leaves the server (decided here, in one place):

* **services** are the public, active 小类 (``EventCategory.public``); ``group`` is the 大类's name.
* **service requests** are the events of public 小类 in the jurisdiction, from every source.
  ``status``: ``closed`` for 已结案 (closed) and 不予立案 (not filed), and for a merged report (并单) once its
  master is closed or not filed; ``open`` otherwise. ``updated_datetime`` of a closed request is the time it
  was closed. ``expected_datetime`` is the deadline, ``agency_responsible`` the handling unit,
  ``status_notes`` the latest public note, ``service_notice`` the 小类's time limit and closing condition.
* **never** the reporter's name, phone, e-mail, account or household. The free-text ``description`` is given
  only for requests that came in through Open311 (the submitter wrote it for this public API); reports by
  grid staff, residents on the web or the hotline carry staff notes and callers' details, so their
  description is null. Dispute 小类 (矛盾纠纷) concern the parties' homes: no description, address or
  coordinates at all. Free text that is shown is scrubbed of phone numbers, ID numbers, e-mail addresses and
  the reporter's name. Photos are never published; ``media_url`` is the URL an Open311 client submitted.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from sanshe.core.masking import mask_id_number, mask_phone

from ..choices import EventState, LimitUnit, Source
from ..models import Event, EventCategory

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
DATATYPES = ("string", "number", "datetime", "text", "singlevaluelist", "multivaluelist")
LIST_TYPES = ("singlevaluelist", "multivaluelist")
CLOSED_STATES = (EventState.CLOSED, EventState.NOT_FILED)

# A merged report follows its master: closed once the master is closed (or was not filed).
CLOSED_Q = Q(state__in=CLOSED_STATES) | (Q(state=EventState.MERGED) & (
    Q(closed_at__isnull=False) | Q(merged_into__state__in=CLOSED_STATES) | Q(merged_into__closed_at__isnull=False)))


# --- dates ---------------------------------------------------------------------------------------------------
_W3C_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_W3C_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2})")


def w3c(value: dt.datetime | None) -> str | None:
    """``2025-05-06T09:30:00+08:00`` (local time of the installation, with its offset)."""
    if value is None:
        return None
    return timezone.localtime(value).isoformat(timespec="seconds")


def parse_w3c(value: str) -> dt.datetime:
    """A W3C-note datetime with its timezone (``2010-01-01T00:00:00Z``, ``…+08:00``); a bare date
    (``2010-01-01``) means local midnight. A ``+`` left unescaped in a query string arrives as a space: it is
    put back. Raises ``ValueError``."""
    value = (value or "").strip()
    value = re.sub(r"(T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?) (\d{2}:\d{2})$", r"\1+\2", value)
    if _W3C_DATE.fullmatch(value):
        day = dt.date.fromisoformat(value)
        return timezone.make_aware(dt.datetime.combine(day, dt.time.min))
    if not _W3C_DATETIME.fullmatch(value):
        raise ValueError(value)
    return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))


# --- privacy -------------------------------------------------------------------------------------------------
_ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])")
_MOBILE = re.compile(r"(?<!\d)(?:\+?86[- ]?)?1[3-9]\d[- ]?\d{4}[- ]?\d{4}(?!\d)")
_LANDLINE = re.compile(r"(?<!\d)0\d{2,3}[- ]?\d{7,8}(?!\d)")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")


def scrub(text: str | None, *, names: tuple[str, ...] = ()) -> str:
    """Free text for publication: ID numbers, phone numbers and e-mail addresses masked, the given personal
    names (the reporter's) starred out."""
    if not text:
        return ""
    text = _ID_NUMBER.sub(lambda m: mask_id_number(m.group(0)), text)
    text = _MOBILE.sub(lambda m: mask_phone(re.sub(r"\D", "", m.group(0))[-11:]), text)
    text = _LANDLINE.sub(lambda m: mask_phone(re.sub(r"\D", "", m.group(0))), text)
    text = _EMAIL.sub("***@***", text)
    for name in names:
        name = (name or "").strip()
        if len(name) >= 2:
            text = text.replace(name, "*" * len(name))
    return text


# --- services ------------------------------------------------------------------------------------------------
def public_services():
    """The 小类 residents may report: public, active, under an active 大类."""
    return (EventCategory.objects.filter(parent__isnull=False, public=True, is_active=True, parent__is_active=True)
            .select_related("parent").order_by("sort_order", "code"))


def service_attributes(category: EventCategory) -> list[dict]:
    """The 小类's Open311 attributes, normalised: known datatypes only, orders 1…n without gaps or repeats,
    ``values`` only for list datatypes."""
    found = []
    for index, raw in enumerate(category.attributes or []):
        if not isinstance(raw, dict) or not str(raw.get("code") or "").strip():
            continue
        datatype = raw.get("datatype") if raw.get("datatype") in DATATYPES else "string"
        try:
            order = int(raw.get("order") or 0)
        except (TypeError, ValueError):
            order = 0
        attribute = {
            "variable": raw.get("variable", True) is not False,
            "code": str(raw["code"]).strip(),
            "datatype": datatype,
            "required": raw.get("required") is True,
            "datatype_description": str(raw.get("datatype_description") or ""),
            "order": order,
            "description": str(raw.get("description") or ""),
        }
        if datatype in LIST_TYPES:
            attribute["values"] = [
                {"key": str(v["key"]), "name": str(v.get("name") or v["key"])}
                for v in raw.get("values") or [] if isinstance(v, dict) and v.get("key") not in (None, "")]
        found.append((order if order > 0 else 10_000 + index, index, attribute))
    result = []
    for position, (_order, _index, attribute) in enumerate(sorted(found, key=lambda t: t[:2]), start=1):
        attribute["order"] = position
        result.append(attribute)
    return result


def service_dict(category: EventCategory) -> dict:
    return {
        "service_code": category.code,
        "service_name": category.name,
        "description": category.description or category.filing_condition,
        "metadata": bool(service_attributes(category)),
        "type": "realtime",
        "keywords": category.keywords,
        "group": category.parent.name if category.parent_id else "",
    }


def definition_dict(category: EventCategory) -> dict:
    return {"service_code": category.code, "attributes": service_attributes(category)}


def service_notice(category: EventCategory) -> str:
    """What the district commits to: the 小类's time limit and closing condition (结案条件)."""
    parts = []
    if category.time_limit:
        parts.append(_("Time limit: %(value)s %(unit)s (counted from dispatch).") % {
            "value": category.time_limit, "unit": LimitUnit(category.time_limit_unit).label})
    if category.closing_condition:
        parts.append(_("Closed when: %(condition)s") % {"condition": category.closing_condition})
    return " ".join(parts)


# --- service requests ----------------------------------------------------------------------------------------
def request_queryset(district):
    """Events an Open311 client may see in ``district``: those of public 小类."""
    return (Event.objects.filter(district=district, category__public=True)
            .select_related("category", "handling_unit", "merged_into", "grid", "community", "street", "district"))


def is_closed(event: Event) -> bool:
    if event.state in CLOSED_STATES:
        return True
    if event.state == EventState.MERGED:
        master = event.merged_into
        return event.closed_at is not None or (master is not None and (
            master.state in CLOSED_STATES or master.closed_at is not None))
    return False


def _updated(event: Event, closed: bool) -> dt.datetime:
    if closed:
        master = event.merged_into if event.state == EventState.MERGED else None
        return event.closed_at or (master.closed_at if master is not None else None) or event.updated_at
    return event.updated_at or event.reported_at


def _place(event: Event) -> str:
    """The event's address, or its grid, community, street and district (most specific first)."""
    if event.address:
        return event.address
    nodes = (event.grid, event.community, event.street, event.district)
    return ", ".join(node.name for node in nodes if node is not None)


def _coordinate(value) -> float | None:
    return float(value) if value is not None else None


def request_dict(event: Event, extras: dict | None = None) -> dict:
    """One ``<request>`` of GET requests: never the reporter's personal data (see the module docstring)."""
    extras = extras or {}
    closed = is_closed(event)
    category = event.category
    private_place = category.is_dispute
    from_open311 = event.source == Source.OPEN311
    names = (event.reporter_name,)
    return {
        "service_request_id": event.number,
        "status": "closed" if closed else "open",
        "status_notes": scrub(event.public_note, names=names),
        "service_name": category.name,
        "service_code": category.code,
        "description": scrub(event.description, names=names) if from_open311 and not private_place else "",
        "agency_responsible": event.handling_unit.name if event.handling_unit_id else "",
        "service_notice": service_notice(category),
        "requested_datetime": w3c(event.reported_at),
        "updated_datetime": w3c(_updated(event, closed)),
        "expected_datetime": w3c(event.deadline) or "",
        "address": "" if private_place else scrub(_place(event), names=names),
        "address_id": "",
        "zipcode": "",
        "lat": "" if private_place else _coordinate(event.latitude),
        "long": "" if private_place else _coordinate(event.longitude),
        "media_url": extras.get("media_url", "") if from_open311 and not private_place else "",
    }


def parse_decimal(value: str) -> Decimal:
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError) as exc:
        raise ValueError(value) from exc
    if not number.is_finite():
        raise ValueError(value)
    return number
