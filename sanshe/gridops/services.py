"""Writes of grid governance: reporting an event and moving it through the workflow.

``report_event`` and ``transition`` are the only ways an event changes. Each runs in one transaction, re-reads
the event locked and through the actor's scope, checks the step against ``choices.TRANSITIONS``, stamps the
event, writes the :class:`EventStep` history row (with its photos), the audit entry and the notifications.
Refusals are :class:`TransitionRefused` (a ``ValidationError`` with a Chinese message: 400 in the API, a form
error on the pages).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from sanshe.accounts.models import RoleGrant, User
from sanshe.accounts.notifications import notify
from sanshe.accounts.roles import ROLE_SPECS, Perm
from sanshe.core import audit, txn
from sanshe.core.exceptions import Denied, OutOfScope
from sanshe.core.masking import mask_phone
from sanshe.core.services import require
from sanshe.core.validators import validate_phone
from sanshe.core.workflow import TransitionRefused
from sanshe.core.workflow import actor_name as _actor_name
from sanshe.core.workflow import refuse as _refuse
from sanshe.territory.choices import Level
from sanshe.territory.models import Household, Node

from . import rollup  # [rollup]
from .choices import (
    CLOCK_STATES,
    OPEN_STATES,
    TRANSITIONS,
    Action,
    EscalationLevel,
    EventState,
    ExtensionState,
    Rating,
    Source,
    Who,
)
from .models import (
    Event,
    EventCategory,
    EventPhoto,
    EventSettings,
    EventStep,
    Extension,
    HandlingUnit,
    Responsibility,
)
from .workcalendar import Calendar

MAX_PHOTO_BYTES = 10 * 1024 * 1024
MAX_PHOTOS = 9
PHOTO_TYPES = {b"\xff\xd8\xff": ("image/jpeg", "jpg"), b"\x89PNG\r\n\x1a\n": ("image/png", "png"),
               b"RIFF": ("image/webp", "webp")}


# --- helpers -------------------------------------------------------------------------------------------------
def settings_for(district_id: int | None) -> EventSettings:
    found = EventSettings.objects.filter(district_id=district_id).first() if district_id else None
    return found or EventSettings(district_id=district_id)


def photo_kind(head: bytes) -> tuple[str, str] | None:
    for magic, kind in PHOTO_TYPES.items():
        if head.startswith(magic) and (magic != b"RIFF" or head[8:12] == b"WEBP"):
            return kind
    return None


def check_photos(photos: Sequence) -> list[tuple[bytes, str, str]]:
    """Read and check uploaded photos: JPEG, PNG or WebP, at most 10 MB each, at most 9."""
    if len(photos) > MAX_PHOTOS:
        _refuse("photos", _("At most %(n)d photos.") % {"n": MAX_PHOTOS})
    checked = []
    for photo in photos:
        data = photo.read() if hasattr(photo, "read") else bytes(photo)
        if len(data) > MAX_PHOTO_BYTES:
            _refuse("photos", _("A photo may be at most 10 MB."))
        kind = photo_kind(data[:16])
        if kind is None:
            _refuse("photos", _("Photos must be JPEG, PNG or WebP images."))
        checked.append((data, kind[0], kind[1]))
    return checked


def _store_photos(event: Event, step: EventStep | None, photos: list[tuple[bytes, str, str]],
                  actor) -> list[EventPhoto]:
    stored = []
    for i, (data, content_type, ext) in enumerate(photos, start=1):
        digest = hashlib.sha256(data).hexdigest()
        photo = EventPhoto(event=event, step=step, content_type=content_type, size=len(data), sha256=digest,
                           uploaded_by=actor if getattr(actor, "pk", None) else None)
        photo.image.save(f"{step.pk if step else 0}-{i}-{digest[:12]}.{ext}", ContentFile(data), save=False)
        photo.save()
        stored.append(photo)
    return stored


def _prefetched(obj, name: str, items: list) -> None:
    """Give ``obj.<name>.all()`` these objects without a query, as ``prefetch_related`` would."""
    qs = getattr(obj, name).all()
    qs._result_cache = list(items)
    qs._prefetch_done = True
    obj._prefetched_objects_cache = {**getattr(obj, "_prefetched_objects_cache", {}), name: qs}


def _user_or_none(actor):
    return actor if isinstance(actor, User) else None


def users_at(node_ids: Iterable[int], permission: str) -> list[User]:
    """Active accounts holding ``permission`` through a grant at one of ``node_ids``."""
    roles = [role for role, spec in ROLE_SPECS.items() if permission in spec.permissions]
    grants = RoleGrant.objects.active().filter(node_id__in=[n for n in node_ids if n], role__in=roles)
    return list(User.objects.filter(pk__in=grants.values("user_id"), is_active=True))


def desk_users(event: Event) -> list[User]:
    """The dispatch desk of the event's current level (community, then street, then district on escalation)."""
    level_node = {EscalationLevel.NONE: event.community_id or event.street_id or event.district_id,
                  EscalationLevel.STREET: event.street_id or event.district_id,
                  EscalationLevel.DISTRICT: event.district_id}[event.escalation]
    return users_at([level_node], Perm.EVENTS_DISPATCH)


def unit_users(unit: HandlingUnit | None) -> list[User]:
    return list(unit.members.filter(is_active=True)) if unit is not None else []


def event_url(event: Event) -> str:
    return f"/gridops/events/{event.pk}/"


def is_unit_member(user, unit_id: int | None) -> bool:
    return bool(unit_id) and user is not None and user.is_authenticated and \
        user.unit_memberships.filter(unit_id=unit_id).exists()


# --- where: territory of a report ----------------------------------------------------------------------------
def _point_in_ring(lng: float, lat: float, ring: list) -> bool:
    inside = False
    for (x1, y1), (x2, y2) in zip(ring, ring[1:] + ring[:1], strict=False):
        if (y1 > lat) != (y2 > lat) and lng < (x2 - x1) * (lat - y1) / ((y2 - y1) or 1e-12) + x1:
            inside = not inside
    return inside


def _polygons(geometry: dict | None) -> list:
    if not geometry:
        return []
    geometry = geometry.get("geometry", geometry) if geometry.get("type") == "Feature" else geometry
    if geometry.get("type") == "Polygon":
        return [geometry["coordinates"]]
    if geometry.get("type") == "MultiPolygon":
        return list(geometry["coordinates"])
    return []


def locate_grid(district: Node, lat: float, lng: float) -> Node | None:
    """The grid of ``district`` whose boundary (GeoJSON) contains the point; None when none does."""
    for grid in Node.objects.filter(district=district, level=Level.GRID, is_active=True).exclude(geometry=None):
        for polygon in _polygons(grid.geometry):
            if polygon and _point_in_ring(lng, lat, [tuple(p[:2]) for p in polygon[0]]) and not any(
                    _point_in_ring(lng, lat, [tuple(p[:2]) for p in hole]) for hole in polygon[1:]):
                return grid
    return None


def distance_m(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """Great-circle distance in metres (haversine)."""
    r = 6371008.8
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lng2 - lng1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * r * math.asin(math.sqrt(a))


def likely_duplicates(*, category: EventCategory, district_id: int, latitude, longitude,
                      at: dt.datetime | None = None, exclude_id: int | None = None, limit: int = 5) -> list[Event]:
    """Open events of the same 小类 within the district's radius and time window of a point (并单 candidates),
    nearest first."""
    if latitude is None or longitude is None:
        return []
    cfg = settings_for(district_id)
    at = at or timezone.now()
    lat, lng = float(latitude), float(longitude)
    dlat = cfg.duplicate_radius_m / 111_320
    dlng = dlat / max(math.cos(math.radians(lat)), 0.01)
    candidates = (Event.objects.filter(
        category=category, district_id=district_id, state__in=OPEN_STATES,
        reported_at__gte=at - dt.timedelta(hours=cfg.duplicate_window_hours), reported_at__lte=at,
        latitude__range=(Decimal(str(lat - dlat)), Decimal(str(lat + dlat))),
        longitude__range=(Decimal(str(lng - dlng)), Decimal(str(lng + dlng))),
    ).exclude(pk=exclude_id).values_list("pk", "latitude", "longitude"))
    near = {}
    for pk, e_lat, e_lng in candidates[:200]:  # points only: the few nearest are then read whole
        d = distance_m(lat, lng, float(e_lat), float(e_lng))
        if d <= cfg.duplicate_radius_m:
            near[pk] = round(d)
    nearest = sorted(near, key=lambda pk: (near[pk], pk))[:limit]
    found = list(Event.objects.filter(pk__in=nearest).select_related("category")) if nearest else []
    for event in found:
        event.distance_m = near[event.pk]
    return sorted(found, key=lambda e: (e.distance_m, e.pk))


# --- responsibility ------------------------------------------------------------------------------------------
def responsible_unit(event: Event) -> HandlingUnit | None:
    """The responsibility table's unit for the event's 小类 at its most specific node; else the default."""
    nodes = [n for n in (event.grid_id, event.community_id, event.street_id, event.district_id) if n]
    lines = {r.node_id: r.unit for r in Responsibility.objects.filter(
        category_id=event.category_id, node_id__in=nodes, unit__is_active=True).select_related("unit")}
    for node_id in nodes:
        if node_id in lines:
            return lines[node_id]
    unit = event.category.default_unit
    return unit if unit is not None and unit.is_active else None


# --- reporting -----------------------------------------------------------------------------------------------
@dataclass
class Report:
    event: Event
    created: bool
    duplicates: list[Event]


def _number(event: Event) -> str:
    return f"SJ{timezone.localtime(event.reported_at):%Y%m%d}{event.pk:07d}"[-20:]


def report_event(*, actor, category: EventCategory, description: str, node: Node | None = None,
                 title: str = "", source: str = Source.GRID, latitude=None, longitude=None, address: str = "",
                 photos: Sequence = (), reporter_name: str = "", reporter_phone: str = "",
                 household: Household | None = None, urgent: bool = False, submission_key: str | None = None,
                 open311_client=None, district: Node | None = None, at: dt.datetime | None = None) -> Report:
    """上报: create an event (with its photos, in one transaction).

    ``node`` is where it happened (a grid or a compound / building in it); without one, the point is located
    among the district's grid boundaries (Open311). A retried submission (same ``submission_key``) returns
    the event the first one created.
    """
    if submission_key:
        existing = Event.objects.filter(submission_key=submission_key).first()
        if existing is not None:
            return Report(existing, False, [])
    user = _user_or_none(actor)
    if open311_client is None and source != Source.OPEN311:
        require(user, Perm.EVENTS_REPORT)
    errors: dict[str, list] = {}
    description = (description or "").strip()
    if not description:
        errors.setdefault("description", []).append(_("Describe what you found."))
    if category is None or category.parent_id is None or not category.is_active:
        errors.setdefault("category", []).append(_("Choose an active sub-category."))
    if (latitude is None) != (longitude is None):
        errors.setdefault("latitude", []).append(_("Give both latitude and longitude, or neither."))
    if latitude is not None:
        try:
            latitude, longitude = Decimal(str(latitude)).quantize(Decimal("0.000001")), \
                Decimal(str(longitude)).quantize(Decimal("0.000001"))
            if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
                raise ValueError
        except (ArithmeticError, ValueError):
            errors.setdefault("latitude", []).append(_("Invalid coordinates."))
    phone_value = (reporter_phone or "").strip()
    if phone_value:
        try:
            phone_value = validate_phone(phone_value).normalized
        except ValidationError as exc:
            errors.setdefault("reporter_phone", []).extend(exc.messages)
    checked = []
    try:
        checked = check_photos(photos)
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            errors.setdefault(field, []).extend(messages)
    if errors:
        raise ValidationError(errors)

    with txn.atomic():  # the rollup's and the audit chain's shared rows are written at its end
        if node is not None:
            if user is not None and not Node.objects.visible_to(user, Perm.EVENTS_REPORT).filter(pk=node.pk).exists():
                _refuse("node", _("You can only report in your own territory."))
            if node.level in (Level.DISTRICT, Level.STREET, Level.COMMUNITY):
                if user is not None and source in (Source.GRID, Source.PATROL):
                    _refuse("node", _("Choose the grid where it happened."))
        elif latitude is not None and district is not None:
            node = locate_grid(district, float(latitude), float(longitude)) or district
        elif district is not None:
            node = district
        else:
            _refuse("node", _("Say where it happened."))
        event = Event(
            number=uuid.uuid4().hex[:20], category=category, major_category_id=category.parent_id,
            title=(title or "").strip()[:100] or category.name, description=description, source=source,
            urgent=bool(urgent), latitude=latitude, longitude=longitude, address=(address or "")[:255],
            reporter=user, reporter_name=(reporter_name or _actor_name(user))[:50],
            reporter_phone=phone_value, reporter_phone_masked=mask_phone(phone_value) if phone_value else "",
            household=household, open311_client=open311_client, submission_key=submission_key or None,
            reported_at=at or timezone.now(),
        )
        for level in ("district", "street", "community", "grid"):
            setattr(event, f"{level}_id", getattr(node, f"{level}_id", None))
        if household is not None and household.community_id != event.community_id:
            _refuse("household", _("The household is not in the event's community."))
        try:
            with transaction.atomic():
                event.save()
        except IntegrityError:
            if submission_key and Event.objects.filter(submission_key=submission_key).exists():
                return Report(Event.objects.get(submission_key=submission_key), False, [])
            raise
        event.number = _number(event)
        Event.objects.filter(pk=event.pk).update(number=event.number)
        rollup.apply(None, rollup.snapshot(event))  # [rollup] indicators' rollup, same transaction
        step = EventStep.objects.create(event=event, action=Action.REPORT, from_state="", to_state=event.state,
                                        actor=user, actor_name=_actor_name(user) or event.reporter_name,
                                        at=event.reported_at, note=description[:2000], public=True)
        # the new event comes back with its one step and photos in hand (the API answers without reading back)
        _prefetched(step, "photos", _store_photos(event, step, checked, user))
        _prefetched(event, "steps", [step])
        if household is not None:
            from sanshe.territory.registry import add_timeline_entry

            add_timeline_entry(household, kind="gridops.event",
                               title=_("Event reported: %(title)s") % {"title": event.title}, obj=event,
                               url=event_url(event), permission=Perm.EVENTS_VIEW, at=event.reported_at)
        notify(desk_users(event), title=_("New event %(number)s: %(title)s") % {
            "number": event.number, "title": event.title}, url=event_url(event), kind="gridops.reported")
        audit.record("gridops.event.reported", obj=event, after=audit.snapshot(event), actor=user)
    duplicates = likely_duplicates(category=category, district_id=event.district_id, latitude=latitude,
                                   longitude=longitude, at=event.reported_at, exclude_id=event.pk)
    return Report(event, True, duplicates)


# --- the workflow --------------------------------------------------------------------------------------------
def allowed_actions(event: Event, user) -> list[str]:
    """The actions ``user`` may take on ``event`` now (for the page's buttons)."""
    result = []
    for action, step in TRANSITIONS.items():
        if event.state not in step.sources or step.who == Who.SYSTEM:
            continue
        try:
            _check_actor(event, action, step, user)
        except (Denied, TransitionRefused):
            continue
        if action in (Action.APPROVE_EXTENSION, Action.DENY_EXTENSION) and not event.extensions.filter(
                state=ExtensionState.PENDING).exists():
            continue
        if action == Action.REQUEST_EXTENSION and event.extensions.filter(state=ExtensionState.PENDING).exists():
            continue
        if action == Action.RATE and event.rating:
            continue
        result.append(str(action))
    return result


def _check_actor(event: Event, action: str, step, user) -> None:
    """Who may take this step: permission and territory, membership of the unit, or being the reporter."""
    if step.who == Who.SYSTEM:
        if user is not None:
            _refuse("action", _("Only the system takes this step."))
        return
    if user is None or not user.is_authenticated:
        raise Denied(step.permission or "", event)
    if step.who == Who.REPORTER:
        if event.reporter_id == user.pk:
            return
        if user.has_permission(Perm.EVENTS_DISPATCH) and Event.objects.visible_to(
                user, Perm.EVENTS_DISPATCH).filter(pk=event.pk).exists():
            return  # the desk records the rating given on a follow-up call (回访)
        _refuse("action", _("Only the reporter rates an event (or the desk on a follow-up call)."))
    if step.who == Who.FIELD and event.grid_id is None and user.has_permission(Perm.EVENTS_DISPATCH):
        # an event that stayed at community level (no grid boundary holds it): the desk verifies it
        if not Event.objects.visible_to(user, Perm.EVENTS_DISPATCH).filter(pk=event.pk).exists():
            _refuse("action", _("This event is outside your territory."))
        return
    if step.permission and not user.has_permission(step.permission):
        raise Denied(step.permission, event)
    if step.who == Who.UNIT:
        if not is_unit_member(user, event.handling_unit_id):
            _refuse("action", _("Only the handling unit the event is dispatched to can do this."))
        return
    if not Event.objects.visible_to(user, step.permission).filter(pk=event.pk).exists():
        _refuse("action", _("This event is outside your territory."))


def transition(event: Event, action: str, *, actor, note: str = "", unit: HandlingUnit | None = None,
               photos: Sequence = (), rating: str = "", master: Event | None = None, extra: int | None = None,
               extra_unit: str = "working_days", public_note: str = "", at: dt.datetime | None = None) -> Event:
    """Apply one workflow step (see ``choices.TRANSITIONS``) and return the event as it is now."""
    step_def = TRANSITIONS.get(action)
    if step_def is None:
        _refuse("action", _("Unknown action."))
    user = _user_or_none(actor)
    note = (note or "").strip()
    checked = check_photos(photos)
    with txn.atomic():
        # of=self: PostgreSQL refuses FOR UPDATE on the nullable side of the handling unit's outer join
        event = (Event.objects.select_for_update(of=("self",)).select_related("category", "handling_unit")
                 .get(pk=event.pk))
        if user is not None and not Event.objects.visible_to(user, Perm.EVENTS_VIEW).filter(pk=event.pk).exists():
            raise OutOfScope(Perm.EVENTS_VIEW, event)  # 404: not his territory, unit or report
        _check_actor(event, action, step_def, user)
        if event.state not in step_def.sources:
            _refuse("action", _("“%(action)s” is not possible while the event is “%(state)s”.") % {
                "action": Action(action).label, "state": EventState(event.state).label})
        if step_def.needs_note and not note:
            _refuse("note", _("Give a reason or a note for this step."))
        now = at or timezone.now()
        before = audit.snapshot(event)
        from_state = event.state
        counted = rollup.snapshot(event)  # [rollup]
        data: dict = {}
        effect = _EFFECTS.get(action)
        notices = effect(event, user=user, now=now, note=note, unit=unit, rating=rating, master=master,
                         extra=extra, extra_unit=extra_unit, data=data) if effect else []
        if step_def.target is not None:
            event.state = step_def.target
        public = bool(public_note) or action in (Action.NOT_FILE, Action.FEED_BACK, Action.CLOSE, Action.MERGE,
                                                 Action.DISPATCH)
        if public_note or action in (Action.NOT_FILE, Action.CLOSE, Action.FEED_BACK):
            event.public_note = (public_note or note or EventState(event.state).label)[:255]
        elif action == Action.DISPATCH:
            event.public_note = _("Dispatched to %(unit)s") % {"unit": event.handling_unit.name}
        event.save()
        rollup.apply(counted, rollup.snapshot(event))  # [rollup]
        step = EventStep.objects.create(
            event=event, action=action, from_state=from_state, to_state=event.state, actor=user,
            actor_name=_actor_name(user) or (_("System") if user is None else ""), unit=data.pop("_unit", None),
            at=now, note=note, public=public, data=data)
        _store_photos(event, step, checked, user)
        audit.record(f"gridops.event.{action}", obj=event, before=before, after=audit.snapshot(event), actor=user,
                     message=note[:500])
        for users, title in notices:
            notify(users, title=title % {"number": event.number, "title": event.title}, body=note[:500],
                   url=event_url(event), kind=f"gridops.{action}")
        if action in (Action.CLOSE, Action.NOT_FILE):
            _tell_the_reporter(event, action)
        if action == Action.CLOSE:
            _close_merged(event, user, now)
    return event


def _tell_the_reporter(event: Event, action: str) -> None:
    """The outcome reaches the household file and, for reporters without an account (hotline, desk), their
    phone by SMS (诉求全响应)."""
    if action == Action.CLOSE:
        title = _("Event closed: %(title)s") % {"title": event.title}
    else:
        title = _("Event not filed: %(title)s") % {"title": event.title}
    if event.household_id:
        from sanshe.territory.registry import add_timeline_entry

        add_timeline_entry(event.household, kind="gridops.event", title=title, obj=event, url=event_url(event),
                           permission=Perm.EVENTS_VIEW)
    if event.reporter_id is None and event.reporter_phone:
        notify([], title=_("[Sanshe] Your report %(number)s: %(note)s") % {
            "number": event.number, "note": event.public_note}, sms_phones=[event.reporter_phone])


def _close_merged(master: Event, user, now) -> None:
    """Reports merged into a closed master are closed with it; their reporters are told the outcome."""
    for child in Event.objects.select_for_update().filter(merged_into=master):
        child.public_note = master.public_note
        child.closed_at = child.closed_at or now
        child.save(update_fields=["public_note", "closed_at", "updated_at"])
        EventStep.objects.create(event=child, action=Action.CLOSE, from_state=child.state, to_state=child.state,
                                 actor=user, actor_name=_actor_name(user), at=now, public=True,
                                 note=_("Closed with %(number)s: %(note)s") % {"number": master.number,
                                                                              "note": master.public_note})
        if child.reporter_id:
            notify([child.reporter], title=_("Your report %(number)s was handled") % {"number": child.number},
                   body=master.public_note, url=event_url(child), kind="gridops.merged_closed")


# Effects per action: change the event's fields, return [(users, title template)] to notify.
def _accept(event, *, now, **kw):
    event.accepted_at = now
    return []


def _file(event, *, now, **kw):
    event.accepted_at = event.accepted_at or now
    event.filed_at = now
    return []


def _not_file(event, *, now, **kw):
    event.accepted_at = event.accepted_at or now
    return [([event.reporter] if event.reporter_id else [], _("Your report %(number)s was not filed"))]


def _merge(event, *, master, now, data, **kw):
    if master is None or master.pk == event.pk:
        _refuse("master", _("Choose the event to merge into."))
    master = Event.objects.get(pk=master.pk)
    if master.state in (EventState.MERGED, EventState.NOT_FILED) or master.district_id != event.district_id:
        _refuse("master", _("This event cannot take merged reports."))
    event.merged_into = master
    event.public_note = _("Merged into %(number)s") % {"number": master.number}
    data["master"] = master.number
    return []


def _dispatch(event, *, unit, now, data, **kw):
    if unit is None:
        unit = responsible_unit(event)
    if unit is None or not unit.is_active:
        _refuse("unit", _("Choose the handling unit."))
    if unit.district_id != event.district_id:
        _refuse("unit", _("The handling unit belongs to another district."))
    event.handling_unit = unit
    event.dispatched_at = now
    _set_deadline(event, now)
    data["_unit"] = unit
    data["deadline"] = event.deadline.isoformat() if event.deadline else None
    return [(unit_users(unit), _("Event %(number)s dispatched to your unit: %(title)s"))]


def _set_deadline(event, start) -> None:
    category = event.category
    if not category.time_limit:
        event.deadline = event.yellow_at = None
        return
    cal = Calendar.for_district(event.district_id)
    event.deadline = cal.deadline(start, category.time_limit, category.time_limit_unit)
    share = settings_for(event.district_id).yellow_share / 100
    event.yellow_at = event.deadline - (event.deadline - start) * share


def _reassign(event, *, unit, now, data, **kw):
    if unit is None or unit.pk == event.handling_unit_id:
        _refuse("unit", _("Choose another handling unit."))
    old = event.handling_unit
    notices = _dispatch(event, unit=unit, now=now, data=data)
    data["from_unit"] = old.name if old else ""
    return notices + [(unit_users(old), _("Event %(number)s was re-dispatched to another unit"))]


def _return(event, *, user, now, data, **kw):
    data["_unit"] = event.handling_unit
    event.handling_unit = None
    event.dispatched_at = event.deadline = event.yellow_at = None
    return [(desk_users(event), _("Event %(number)s was returned by the handling unit"))]


def _start(event, **kw):
    return []


def _feed_back(event, *, now, data, **kw):
    first = event.fed_back_at is None
    event.fed_back_at = now
    data["_unit"] = event.handling_unit
    if first:
        event.handled_on_time = event.deadline is None or now <= event.deadline
        if event.dispatched_at:
            event.handling_seconds = int((now - event.dispatched_at).total_seconds())
    field = users_at([event.grid_id], Perm.EVENTS_VERIFY) if event.grid_id else []
    return [(field or desk_users(event), _("Event %(number)s was handled: please verify on site"))]


def _verify(event, *, now, **kw):
    event.verified_at = now
    return [(desk_users(event), _("Event %(number)s verified: ready to close"))]


def _rework(event, *, now, data, **kw):
    event.rework_count += 1
    data["_unit"] = event.handling_unit
    return [(unit_users(event.handling_unit), _("Event %(number)s failed verification: rework"))]


def _close(event, *, now, **kw):
    event.closed_at = now
    event.closed_on_time = event.deadline is None or now <= event.deadline
    return [([event.reporter] if event.reporter_id else [], _("Your report %(number)s was closed"))]


def _revisit(event, **kw):
    return []


def _rate(event, *, user, rating, now, data, **kw):
    if rating not in Rating.values:
        _refuse("rating", _("Choose 满意, 基本满意 or 不满意."))
    if event.rating:
        _refuse("rating", _("This event has already been rated."))
    event.rating = rating
    event.rated_at = now
    data["rating"] = rating
    notices = []
    if rating == Rating.UNSATISFIED:
        notices.append((desk_users(event), _("Event %(number)s was rated unsatisfied")))
    return notices


def _request_extension(event, *, user, now, note, extra, extra_unit, data, **kw):
    if not extra or extra <= 0:
        _refuse("extra", _("Say how much more time is needed."))
    if extra_unit not in ("working_days", "working_hours", "natural_days"):
        _refuse("extra_unit", _("Unknown unit of time."))
    if event.extensions.filter(state=ExtensionState.PENDING).exists():
        _refuse("action", _("An extension request is already pending."))
    Extension.objects.create(event=event, requested_by=user, requested_at=now, reason=note, extra=extra,
                             extra_unit=extra_unit, old_deadline=event.deadline)
    data.update(extra=extra, extra_unit=extra_unit)
    data["_unit"] = event.handling_unit
    return [(desk_users(event), _("Event %(number)s: the handling unit asks for more time"))]


def _decide_extension(approve: bool):
    def effect(event, *, user, now, data, **kw):
        ext = event.extensions.select_for_update().filter(state=ExtensionState.PENDING).first()
        if ext is None:
            _refuse("action", _("There is no pending extension request."))
        ext.state = ExtensionState.APPROVED if approve else ExtensionState.DENIED
        ext.decided_by, ext.decided_at = user, now
        if approve:
            cal = Calendar.for_district(event.district_id)
            base = max(event.deadline or now, now)
            event.deadline = cal.deadline(base, ext.extra, ext.extra_unit)
            share = settings_for(event.district_id).yellow_share / 100
            event.yellow_at = event.deadline - (event.deadline - base) * share
            event.extension_count += 1
            ext.new_deadline = event.deadline
            data["deadline"] = event.deadline.isoformat()
        ext.save()
        title = _("Event %(number)s: extension approved") if approve else _("Event %(number)s: extension refused")
        return [(unit_users(event.handling_unit), title)]
    return effect


def _supervise(event, *, user, now, **kw):
    event.supervised = True
    return [(unit_users(event.handling_unit) + desk_users(event), _("Event %(number)s is under supervision (督办)"))]


def _escalate(event, *, now, data, **kw):
    if event.escalation >= EscalationLevel.DISTRICT:
        _refuse("action", _("The event is already escalated to the district."))
    event.escalation += 1
    data["level"] = int(event.escalation)
    return [(desk_users(event), _("Overdue event %(number)s escalated to you"))]


def _comment(event, **kw):
    return []


_EFFECTS = {
    Action.ACCEPT: _accept, Action.FILE: _file, Action.NOT_FILE: _not_file, Action.MERGE: _merge,
    Action.DISPATCH: _dispatch, Action.REASSIGN: _reassign, Action.RETURN: _return, Action.START: _start,
    Action.FEED_BACK: _feed_back, Action.VERIFY: _verify, Action.REWORK: _rework, Action.CLOSE: _close,
    Action.REVISIT: _revisit, Action.RATE: _rate, Action.REQUEST_EXTENSION: _request_extension,
    Action.APPROVE_EXTENSION: _decide_extension(True), Action.DENY_EXTENSION: _decide_extension(False),
    Action.SUPERVISE: _supervise, Action.ESCALATE: _escalate, Action.COMMENT: _comment,
}


# --- deadlines ------------------------------------------------------------------------------------------------
def escalate_overdue(now: dt.datetime | None = None) -> int:
    """Escalate every overdue event one level up (community → street → district), at most once per level per
    deadline: an event is escalated again only when it is still overdue one more time limit later. Run by the
    background task; returns the number escalated."""
    now = now or timezone.now()
    count = 0
    ids = list(Event.objects.filter(state__in=CLOCK_STATES, deadline__lt=now,
                                    escalation__lt=EscalationLevel.DISTRICT).values_list("id", flat=True))
    for pk in ids:
        event = Event.objects.get(pk=pk)
        if event.escalation >= 1 and event.deadline and event.dispatched_at:
            span = event.deadline - event.dispatched_at
            if now < event.deadline + span * event.escalation:
                continue
        try:
            transition(event, Action.ESCALATE, actor=None, note=_("Overdue: escalated one level up."), at=now)
            count += 1
        except TransitionRefused:
            continue
    return count


def light(event: Event, now: dt.datetime | None = None) -> str:
    """green / yellow / red for an event whose clock runs; none otherwise."""
    from .choices import Light

    if event.state not in CLOCK_STATES or event.deadline is None:
        return Light.NONE
    now = now or timezone.now()
    if now > event.deadline:
        return Light.RED
    if event.yellow_at and now >= event.yellow_at:
        return Light.YELLOW
    return Light.GREEN


def event_queryset_for_unit(user):
    """Events dispatched to the user's handling units (the handler's work queue)."""
    units = list(user.unit_memberships.values_list("unit_id", flat=True))
    return Event.objects.filter(handling_unit_id__in=units)
