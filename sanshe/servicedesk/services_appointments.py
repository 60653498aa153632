"""Writes of appointments (预约): bookable slots per station, booking, cancelling, attended / did not come.

A station opens a morning and an afternoon slot on every working day (statutory holidays and 调休 from the same
calendar as the deadlines). Booking locks the slot's row, so that two people booking the last place at the same
moment cannot both get it; one person (same phone or same resident) holds at most one booking per slot.
Every function here is one transaction with its audit entry.
"""

from __future__ import annotations

import datetime as dt
import secrets

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from sanshe.accounts.roles import Perm
from sanshe.core import audit, txn
from sanshe.core.exceptions import Denied
from sanshe.core.masking import mask_phone
from sanshe.core.services import require, require_visible
from sanshe.core.validators import validate_phone
from sanshe.gridops.workcalendar import Calendar
from sanshe.territory.models import Resident

from .choices import AppointmentState, Channel
from .models import Appointment, AppointmentSlot, ServiceItem, ServiceStation

MORNING_END = dt.time(12, 0)
AFTERNOON_START = dt.time(14, 0)
MAX_DAYS = 60  # how far ahead a station opens slots at a time
ACTIVE_STATES = (AppointmentState.BOOKED, AppointmentState.ATTENDED)


def _error(field: str, message: str):
    raise ValidationError({field: [message]})


def _is_user(actor) -> bool:
    return actor is not None and getattr(actor, "is_authenticated", False)


def default_capacity(station: ServiceStation) -> int:
    """Places per half day: two per window (the rest of the window's time is for walk-ins)."""
    return max(2, 2 * (station.windows or 1))


def half_days(calendar: Calendar) -> list[tuple[dt.time, dt.time]]:
    """The morning and the afternoon slot of a working day of ``calendar``."""
    morning = (calendar.start, MORNING_END if calendar.start < MORNING_END else calendar.end)
    afternoon = (max(AFTERNOON_START, calendar.start), calendar.end)
    slots = [morning]
    if afternoon[0] < afternoon[1] and afternoon[0] >= morning[1]:
        slots.append(afternoon)
    return slots


def working_days(calendar: Calendar, start: dt.date, days: int) -> list[dt.date]:
    """The first ``days`` working days from ``start`` (inclusive)."""
    found, day = [], start
    for _i in range(max(days, 0) * 3 + 30):
        if len(found) >= days:
            break
        if calendar.is_workday(day):
            found.append(day)
        day += dt.timedelta(days=1)
    return found


def ensure_slots(station: ServiceStation, start: dt.date, days: int, *, capacity: int | None = None) -> int:
    """Open a morning and an afternoon slot on each of the next ``days`` working days from ``start``
    (holidays and weekends skipped, 调休 Saturdays included). Idempotent: existing slots stay as they are.
    Returns how many slots were created."""
    calendar = Calendar.for_district(station.district_id)
    capacity = capacity or default_capacity(station)
    created = 0
    with transaction.atomic():
        existing = set(AppointmentSlot.objects.filter(station=station, date__gte=start).values_list("date", "start"))
        for day in working_days(calendar, start, days):
            for begin, end in half_days(calendar):
                if (day, begin) in existing:
                    continue
                try:
                    with transaction.atomic():
                        AppointmentSlot.objects.create(station=station, date=day, start=begin, end=end,
                                                       capacity=capacity)
                except IntegrityError:  # opened at the same moment by someone else
                    continue
                created += 1
    return created


def open_slots(*, actor, station: ServiceStation, start: dt.date, days: int, capacity: int | None = None) -> int:
    """The slot page: a station's manager opens slots for the next ``days`` working days (audited)."""
    require(actor, Perm.SERVICES_CONFIGURE)
    if not 1 <= days <= MAX_DAYS:
        _error("days", _("Open slots for 1 to %(n)s working days.") % {"n": MAX_DAYS})
    if capacity is not None and not 1 <= capacity <= 200:
        _error("capacity", _("A slot has 1 to 200 places."))
    if start < timezone.localdate():
        _error("start", _("Slots start today or later."))
    with txn.atomic():
        station = require_visible(ServiceStation, station, actor, Perm.SERVICES_CONFIGURE)
        created = ensure_slots(station, start, days, capacity=capacity)
        audit.record("servicedesk.slots.opened", obj=station, actor=actor,
                     extra={"start": start.isoformat(), "days": days, "capacity": capacity, "created": created})
    return created


def free_places(slot: AppointmentSlot) -> int:
    taken = getattr(slot, "taken", None)
    if taken is None:
        taken = slot.appointments.filter(state__in=ACTIVE_STATES).count()
    return max(0, slot.capacity - taken)


def slot_started(slot: AppointmentSlot, now: dt.datetime | None = None) -> bool:
    now = timezone.localtime(now or timezone.now()).replace(tzinfo=None)
    return dt.datetime.combine(slot.date, slot.end) <= now


def _number(appointment: Appointment) -> str:
    return f"YY{appointment.slot.date:%Y%m%d}{appointment.pk:06d}"


def book(*, actor, slot: AppointmentSlot, item: ServiceItem, name: str, phone: str,
         resident: Resident | None = None, at: dt.datetime | None = None) -> Appointment:
    """Book a place in ``slot`` for ``item``: by the public (``actor`` None or a resident's account) or by a
    window for someone on the phone. Raises ValidationError when the slot is full, past, or already booked by
    the same person."""
    errors: dict[str, list] = {}
    name = (name or "").strip()
    if resident is not None:
        if not (_is_user(actor) and actor.has_permission(Perm.SERVICES_ACCEPT)):
            raise Denied(Perm.SERVICES_ACCEPT, resident)
        name = name or resident.name
        phone = (phone or "").strip() or (resident.phone or "")
    if not name:
        errors.setdefault("name", []).append(_("Give your name."))
    try:
        phone = validate_phone(phone).normalized
    except ValidationError as exc:
        errors.setdefault("phone", []).extend(exc.messages)
    station = slot.station
    if not item.is_active or item.district_id != station.district_id:
        errors.setdefault("item", []).append(_("This item is not in the catalogue of the station's district."))
    elif item.channel == Channel.ONLINE:
        errors.setdefault("item", []).append(_("This item is handled online only: no appointment is needed."))
    if errors:
        raise ValidationError(errors)
    at = at or timezone.now()
    with txn.atomic():
        slot = AppointmentSlot.objects.select_for_update().select_related("station").get(pk=slot.pk)
        station = slot.station
        if not station.is_active:
            _error("slot", _("This station takes no appointments."))
        if slot_started(slot, at):
            _error("slot", _("This time slot is over."))
        if resident is not None:
            resident = require_visible(Resident, resident, actor, Perm.REGISTRY_VIEW)
        active = list(slot.appointments.filter(state__in=ACTIVE_STATES))
        for other in active:
            if (other.phone or "") == phone or (resident is not None and other.resident_id == resident.pk):
                _error("phone", _("You already have a booking in this time slot (number %(number)s).") % {
                    "number": other.number})
        if len(active) >= slot.capacity:
            _error("slot", _("This time slot is fully booked: choose another one."))
        appointment = Appointment(
            number=f"tmp-{secrets.token_hex(8)}", slot=slot, item=item, name=name[:50], phone=phone,
            phone_masked=mask_phone(phone), resident=resident, booked_by=actor if _is_user(actor) else None,
            state=AppointmentState.BOOKED)
        appointment.copy_ancestors_from(station)
        appointment.save()
        appointment.number = _number(appointment)
        appointment.save(update_fields=["number"])
        audit.record("servicedesk.appointment.booked", obj=appointment, after=audit.snapshot(appointment),
                     actor=actor if _is_user(actor) else None, username="" if _is_user(actor) else "public")
    return appointment


def find_for_public(number: str, check: str) -> Appointment | None:
    """The appointment with this number when ``check`` is the last four digits of its phone."""
    check = (check or "").strip()
    appointment = Appointment.objects.filter(number=(number or "").strip().upper()).select_related(
        "slot__station", "item").first()
    if appointment is None or len(check) != 4 or not (appointment.phone or "").endswith(check):
        return None
    return appointment


def _staff_lock(appointment: Appointment, actor) -> Appointment:
    require(actor, Perm.SERVICES_ACCEPT)
    return require_visible(Appointment, appointment, actor, Perm.SERVICES_ACCEPT, lock=True)


def _set_state(appointment: Appointment, state: str, *, actor, action: str, **extra) -> Appointment:
    before = audit.snapshot(appointment)
    appointment.state = state
    for key, value in extra.items():
        setattr(appointment, key, value)
    appointment.save()
    audit.record(f"servicedesk.appointment.{action}", obj=appointment, before=before,
                 after=audit.snapshot(appointment), actor=actor if _is_user(actor) else None,
                 username="" if _is_user(actor) else "public")
    return appointment


def cancel(appointment: Appointment, *, actor=None, verified: bool = False) -> Appointment:
    """Cancel a booking: by a window of the station's territory, or by the person who booked it once he proved
    it (``verified``: number and the last four digits of the phone, see :func:`find_for_public`)."""
    with txn.atomic():
        if verified:
            appointment = Appointment.objects.select_for_update().get(pk=appointment.pk)
        else:
            appointment = _staff_lock(appointment, actor)
        if appointment.state != AppointmentState.BOOKED:
            _error("state", _("Only a booking that is still open can be cancelled."))
        if slot_started(appointment.slot):
            _error("state", _("This time slot is over."))
        return _set_state(appointment, AppointmentState.CANCELLED, actor=actor if not verified else None,
                          action="cancelled")


def mark_attended(appointment: Appointment, *, actor, application=None) -> Appointment:
    """The person came (the window may link the application it accepted for him)."""
    with txn.atomic():
        appointment = _staff_lock(appointment, actor)
        if appointment.state not in (AppointmentState.BOOKED, AppointmentState.NO_SHOW):
            _error("state", _("Only an open booking can be marked as attended."))
        extra = {"application": application} if application is not None else {}
        return _set_state(appointment, AppointmentState.ATTENDED, actor=actor, action="attended", **extra)


def mark_no_show(appointment: Appointment, *, actor) -> Appointment:
    """The person did not come (on the slot's day or later)."""
    with txn.atomic():
        appointment = _staff_lock(appointment, actor)
        if appointment.state != AppointmentState.BOOKED:
            _error("state", _("Only an open booking can be marked as not attended."))
        if appointment.slot.date > timezone.localdate():
            _error("state", _("The slot's day has not come yet."))
        return _set_state(appointment, AppointmentState.NO_SHOW, actor=actor, action="no_show")


def appointment_for_window(user, pk) -> Appointment | None:
    """The open booking ``pk`` when ``user`` is a window of its territory (for the window page's
    ``?appointment=<pk>``: it prefills item, station, name, phone and resident from it, then calls
    :func:`mark_attended` with the accepted application)."""
    if not str(pk or "").isdigit() or not (_is_user(user) and user.has_permission(Perm.SERVICES_ACCEPT)):
        return None
    return (Appointment.objects.visible_to(user, Perm.SERVICES_ACCEPT)
            .filter(pk=pk, state__in=ACTIVE_STATES, application__isnull=True)
            .select_related("slot__station", "item", "resident").first())
