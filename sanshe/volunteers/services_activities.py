"""Writes of the volunteer registry and its activities: registering volunteers (by staff, or oneself: 我要当志愿者),
teams, posting activities, signing up (slots held under a row lock), checking in and out by the activity's QR code,
closing forgotten check-outs by rule, and the organizer's confirmation of the hours (谁组织谁记录).

Every write is one transaction with its audit entry; confirming a record calls
:func:`sanshe.volunteers.rewards.on_hours_confirmed` inside it. Figures (registered volunteers and their share of
residents, confirmed hours, active volunteers, activities) are computed live for any node.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Count, Q, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from sanshe.accounts.roles import Perm
from sanshe.core import audit, txn
from sanshe.core.crypto import blind_index
from sanshe.core.exceptions import Denied, OutOfScope
from sanshe.core.masking import mask_id_number, mask_phone
from sanshe.core.services import require, require_visible
from sanshe.core.validators import validate_id_number, validate_phone
from sanshe.core.workflow import actor_name
from sanshe.core.workflow import refuse as _refuse

from .choices import RecordSource, RecordState, SignUpState
from .models import Activity, ServiceRecord, SignUp, Team, Volunteer, organization_ids

VIEW, MANAGE, ORGANIZE, SELF = (Perm.VOLUNTEERS_VIEW, Perm.VOLUNTEERS_MANAGE, Perm.VOLUNTEERS_ORGANIZE,
                                Perm.VOLUNTEER_SELF)
# How early before an activity's start a volunteer may check in (he may arrive early; hours count from the start).
CHECK_IN_EARLY = dt.timedelta(hours=1)
# Active volunteers: confirmed service within this many days.
ACTIVE_DAYS = 365
HALF_HOUR = Decimal("0.5")


def checkout_grace_hours() -> int:
    """Hours after an activity's end after which a forgotten check-out is closed by rule."""
    return int(getattr(settings, "SANSHE_VOLUNTEER_CHECKOUT_GRACE_HOURS", 2))


def reaches(user, permission: str, community) -> bool:
    """Does ``user`` hold ``permission`` over ``community`` (at it, its street or district)?"""
    for level, node_id in user.scope_nodes(permission):
        if level in ("district", "street", "community") and getattr(community, f"{level}_id", None) == node_id:
            return True
    return False


def _id_index(number: str) -> str:
    # The same blind index the registry uses for a resident ID card, so that both registries match.
    return blind_index(f"id_card:{number}")


def _community(node):
    from sanshe.territory.models import Node

    if not isinstance(node, Node) or node.level != "community":
        raise ValidationError({"community": [_("Choose a community.")]})
    return node


def _skills(skills) -> list[str]:
    if isinstance(skills, str):
        skills = skills.replace("，", ",").replace("、", ",").split(",")
    return [s.strip()[:20] for s in (skills or ()) if s and s.strip()][:20]


# --- registry ---------------------------------------------------------------------------------------------------
def register_volunteer(*, actor, community=None, name: str = "", resident=None, id_number: str = "",
                       phone: str = "", skills=(), availability: str = "", is_party_member: bool = False,
                       user=None, at=None) -> Volunteer:
    """Register a volunteer. Staff (VOLUNTEERS_MANAGE) register anyone of their territory; an account with
    VOLUNTEER_SELF registers himself (我要当志愿者). A registry resident brings his ID number and phone from the
    registry; anybody else gives them (validated). The same ID number cannot register twice."""
    from sanshe.territory.choices import ResidentStatus
    from sanshe.territory.models import Resident

    staff = actor.is_authenticated and actor.has_permission(MANAGE)
    if not staff:
        require(actor, SELF)
        user = actor
        resident = None  # a self-registration is matched to the registry by its ID number, never chosen
    errors: dict[str, list] = {}
    name = (name or "").strip()
    if resident is not None:
        if staff and not Resident.objects.visible_to(actor, Perm.REGISTRY_VIEW).filter(pk=resident.pk).exists() \
                and not reaches(actor, MANAGE, resident.community):
            raise OutOfScope(MANAGE, resident)
        community = resident.community
        name = resident.name
        number, index, masked = resident.id_number, resident.id_number_index, resident.id_number_masked
        phone_value, phone_index, phone_masked = resident.phone, resident.phone_index, resident.phone_masked
    else:
        if not name:
            errors.setdefault("name", []).append(_("Give the name."))
        number = index = masked = ""
        try:
            number = validate_id_number(id_number).number
            index, masked = _id_index(number), mask_id_number(number)
        except ValidationError as exc:
            errors.setdefault("id_number", []).extend(exc.messages)
        phone_value = phone_index = phone_masked = ""
        try:
            phone_value = validate_phone(phone).normalized
            phone_index, phone_masked = blind_index(phone_value), mask_phone(phone_value)
        except ValidationError as exc:
            errors.setdefault("phone", []).extend(exc.messages)
    if community is None:
        errors.setdefault("community", []).append(_("Choose a community."))
    if errors:
        raise ValidationError(errors)
    community = _community(community)
    if staff and not reaches(actor, MANAGE, community):
        raise OutOfScope(MANAGE, community)
    if not staff and community.district_id not in _self_districts(actor):
        raise OutOfScope(SELF, community)
    if user is not None and Volunteer.objects.filter(user=user).exists():
        _refuse("user", _("This account is already a registered volunteer."))
    at = at or timezone.now()
    with txn.atomic():
        if index and Volunteer.objects.select_for_update().filter(id_number_index=index).exists():
            _refuse("id_number", _("A volunteer with this ID number is already registered."))
        if resident is None and index:
            # Not chosen from the registry: a resident of the same district with this ID number is linked.
            resident = Resident.objects.filter(district_id=community.district_id, id_number_index=index,
                                               status=ResidentStatus.REGISTERED).first()
            if resident is not None and Volunteer.objects.filter(resident=resident).exists():
                _refuse("id_number", _("A volunteer with this ID number is already registered."))
        elif resident is not None and Volunteer.objects.filter(resident=resident).exists():
            _refuse("resident", _("This resident is already a registered volunteer."))
        volunteer = Volunteer(
            number=f"tmp-{secrets.token_hex(6)}", name=name[:50], user=user, resident=resident, id_number=number,
            id_number_index=index, id_number_masked=masked, phone=phone_value, phone_index=phone_index,
            phone_masked=phone_masked, skills=_skills(skills), availability=(availability or "").strip()[:200],
            is_party_member=bool(is_party_member), registered_on=timezone.localdate(at),
            registered_by=actor if actor.is_authenticated else None)
        volunteer.copy_ancestors_from(community)
        volunteer.save()
        volunteer.number = f"ZY{community.code[:6]}{volunteer.pk:08d}"
        volunteer.save(update_fields=["number"])
        audit.record("volunteers.volunteer.registered", obj=volunteer, after=audit.snapshot(volunteer),
                     actor=actor)
    return volunteer


def _self_districts(user) -> list[int]:
    from .models import self_districts

    return self_districts(user)


def update_volunteer(volunteer: Volunteer, *, actor, skills=None, availability=None, is_active=None,
                     is_party_member=None) -> Volunteer:
    """Change a volunteer's skills, availability, party membership or activity (staff or the volunteer)."""
    with txn.atomic():
        if actor.has_permission(MANAGE) and Volunteer.objects.visible_to(actor, MANAGE).filter(
                pk=volunteer.pk).exists():
            volunteer = require_visible(Volunteer, volunteer, actor, MANAGE, lock=True)
        else:
            require(actor, SELF)
            volunteer = require_visible(Volunteer, volunteer, actor, SELF, lock=True)
            is_active = None
        before = audit.snapshot(volunteer)
        if skills is not None:
            volunteer.skills = _skills(skills)
        if availability is not None:
            volunteer.availability = availability.strip()[:200]
        if is_active is not None:
            volunteer.is_active = bool(is_active)
        if is_party_member is not None:
            volunteer.is_party_member = bool(is_party_member)
        volunteer.save()
        audit.record("volunteers.volunteer.updated", obj=volunteer, before=before, after=audit.snapshot(volunteer),
                     actor=actor)
    return volunteer


# --- teams ------------------------------------------------------------------------------------------------------
def save_team(*, actor, community, name: str, organization=None, leader=None, members=(), service_field: str = "",
              team: Team | None = None) -> Team:
    """Create or change a team (name, community or organization, leader, members)."""
    community = _community(community)
    _require_organizer(actor, community, organization)
    name = (name or "").strip()
    if not name:
        _refuse("name", _("Give the name."))
    members = list(members or ())
    if leader is not None and leader not in members:
        members.append(leader)
    if any(m.district_id != community.district_id for m in members):
        _refuse("members", _("A member is not a volunteer of this district."))
    with txn.atomic():
        if team is not None:
            team = require_visible(Team, team, actor, ORGANIZE if organization else MANAGE, lock=True)
            before = audit.snapshot(team)
        else:
            if Team.objects.filter(community=community, name=name).exists():
                _refuse("name", _("The community already has a team of this name."))
            team, before = Team(), None
        team.name, team.organization, team.leader = name[:100], organization, leader
        team.service_field = (service_field or "").strip()[:100]
        team.founded_on = team.founded_on or timezone.localdate()
        team.copy_ancestors_from(community)
        team.save()
        team.members.set(members)
        audit.record("volunteers.team.saved", obj=team, before=before, after=audit.snapshot(team), actor=actor,
                     extra={"members": [m.pk for m in members]})
    return team


# --- activities -------------------------------------------------------------------------------------------------
def _require_organizer(actor, community, organization) -> None:
    """An organization's staff post for their organization; community staff for the community."""
    if organization is not None:
        require(actor, ORGANIZE)
        if organization.pk not in organization_ids(actor):
            raise Denied(ORGANIZE, organization)
        if organization.district_id != community.district_id:
            _refuse("community", _("The organization works in another district."))
        return
    require(actor, MANAGE)
    if not reaches(actor, MANAGE, community):
        raise OutOfScope(MANAGE, community)


def can_organize(user, activity: Activity) -> bool:
    """谁组织谁记录: the organization's staff for its activities, the community's staff for the community's."""
    if not user.is_authenticated:
        return False
    if activity.organization_id:
        return user.has_permission(ORGANIZE) and Activity.objects.visible_to(user, ORGANIZE).filter(
            pk=activity.pk).exists()
    return user.has_permission(MANAGE) and Activity.objects.visible_to(user, MANAGE).filter(pk=activity.pk).exists()


def post_activity(*, actor, community, title: str, place: str, starts_at, ends_at, slots, skills=(),
                  content: str = "", organization=None, team=None, contact: str = "",
                  allow_walk_in: bool = True) -> Activity:
    """Post an activity of a community (VOLUNTEERS_MANAGE) or of an organization (VOLUNTEERS_ORGANIZE)."""
    community = _community(community)
    _require_organizer(actor, community, organization)
    errors: dict[str, list] = {}
    title, place = (title or "").strip(), (place or "").strip()
    if not title:
        errors.setdefault("title", []).append(_("Give the title."))
    if not place:
        errors.setdefault("place", []).append(_("Give the place."))
    if not starts_at or not ends_at or ends_at <= starts_at:
        errors.setdefault("ends_at", []).append(_("The activity must end after it starts."))
    elif ends_at - starts_at > dt.timedelta(hours=24):
        errors.setdefault("ends_at", []).append(_("An activity lasts at most 24 hours; post one per day."))
    try:
        slots = int(slots)
    except (TypeError, ValueError):
        slots = 0
    if slots < 1 or slots > 10000:
        errors.setdefault("slots", []).append(_("Give the number of volunteers wanted (1 to 10,000)."))
    if team is not None and team.district_id != community.district_id:
        errors.setdefault("team", []).append(_("The team is of another district."))
    if errors:
        raise ValidationError(errors)
    with txn.atomic():
        activity = Activity(title=title[:100], organization=organization, place=place[:200],
                            content=(content or "").strip(), starts_at=starts_at, ends_at=ends_at, slots=slots,
                            skills=_skills(skills), created_by=actor, team=team, contact=(contact or "").strip()[:50],
                            allow_walk_in=bool(allow_walk_in), token=secrets.token_urlsafe(24))
        activity.copy_ancestors_from(community)
        activity.save()
        audit.record("volunteers.activity.posted", obj=activity, after=audit.snapshot(activity), actor=actor)
    return activity


def cancel_activity(activity: Activity, *, actor, reason: str) -> Activity:
    """Cancel an activity before it starts (its sign-ups stay, marked by the activity's cancellation)."""
    reason = (reason or "").strip()
    if not reason:
        _refuse("reason", _("Give a reason."))
    with txn.atomic():
        if not can_organize(actor, activity):
            raise Denied(ORGANIZE if activity.organization_id else MANAGE, activity)
        activity = Activity.objects.select_for_update().get(pk=activity.pk)
        if activity.cancelled_at:
            _refuse("activity", _("The activity is already cancelled."))
        if activity.records.exists():
            _refuse("activity", _("Volunteers have already checked in: the activity cannot be cancelled."))
        before = audit.snapshot(activity)
        activity.cancelled_at, activity.cancel_reason = timezone.now(), reason[:200]
        activity.save()
        audit.record("volunteers.activity.cancelled", obj=activity, before=before, after=audit.snapshot(activity),
                     actor=actor)
    return activity


def taken_slots(activity: Activity) -> int:
    return activity.signups.filter(state=SignUpState.SIGNED_UP).count()


def volunteer_of(user) -> Volunteer | None:
    if user is None or not user.is_authenticated:
        return None
    return Volunteer.objects.filter(user=user).first()


def _my_volunteer(actor) -> Volunteer:
    require(actor, SELF)
    volunteer = volunteer_of(actor)
    if volunteer is None:
        _refuse("volunteer", _("Register as a volunteer first."))
    if not volunteer.is_active:
        _refuse("volunteer", _("Your volunteer registration is not active."))
    return volunteer


def sign_up(activity: Activity, *, actor, at=None) -> SignUp:
    """报名: hold a slot of the activity (the activity row is locked so that slots are never overbooked)."""
    volunteer = _my_volunteer(actor)
    at = at or timezone.now()
    with txn.atomic():
        activity = require_visible(Activity, activity, actor, SELF, lock=True)
        if activity.cancelled_at:
            _refuse("activity", _("The activity was cancelled."))
        if activity.ends_at <= at:
            _refuse("activity", _("The activity is over."))
        signup = SignUp.objects.select_for_update().filter(activity=activity, volunteer=volunteer).first()
        if signup is not None and signup.state == SignUpState.SIGNED_UP:
            _refuse("activity", _("You have already signed up."))
        if taken_slots(activity) >= activity.slots:
            _refuse("activity", _("All slots are taken."))
        if signup is None:
            signup = SignUp(activity=activity, volunteer=volunteer)
        signup.state, signup.signed_up_at, signup.cancelled_at, signup.walk_in = SignUpState.SIGNED_UP, at, None, False
        signup.save()
        audit.record("volunteers.signup.created", obj=signup, actor=actor,
                     extra={"activity": activity.pk, "volunteer": volunteer.number})
    return signup


def cancel_sign_up(activity: Activity, *, actor, at=None) -> SignUp:
    """Cancel one's sign-up before the activity starts (the slot is freed)."""
    volunteer = _my_volunteer(actor)
    at = at or timezone.now()
    with txn.atomic():
        activity = require_visible(Activity, activity, actor, SELF, lock=True)
        signup = SignUp.objects.select_for_update().filter(activity=activity, volunteer=volunteer,
                                                           state=SignUpState.SIGNED_UP).first()
        if signup is None:
            _refuse("activity", _("You have not signed up."))
        if activity.starts_at <= at:
            _refuse("activity", _("The activity has started: the sign-up can no longer be cancelled."))
        signup.state, signup.cancelled_at = SignUpState.CANCELLED, at
        signup.save()
        audit.record("volunteers.signup.cancelled", obj=signup, actor=actor,
                     extra={"activity": activity.pk, "volunteer": volunteer.number})
    return signup


def activity_by_token(token: str, actor) -> Activity:
    """The activity a QR code names, as the actor may see it (404 when unknown or outside)."""
    from django.http import Http404

    activity = Activity.objects.filter(token=token or "-").first()
    if activity is None:
        raise Http404
    if not Activity.objects.visible_to(actor, SELF).filter(pk=activity.pk).exists():
        raise OutOfScope(SELF, activity)
    return activity


def check_in(activity: Activity, *, actor, at=None) -> ServiceRecord:
    """扫码签到: needs a sign-up, or a free slot for a walk-in; opens the volunteer's service record."""
    volunteer = _my_volunteer(actor)
    at = at or timezone.now()
    with txn.atomic():
        activity = require_visible(Activity, activity, actor, SELF, lock=True)
        if activity.cancelled_at:
            _refuse("activity", _("The activity was cancelled."))
        if at < activity.starts_at - CHECK_IN_EARLY:
            _refuse("activity", _("Check-in opens one hour before the activity starts."))
        if at >= activity.ends_at:
            _refuse("activity", _("The activity is over: check-in is closed."))
        if ServiceRecord.objects.filter(activity=activity, volunteer=volunteer).exists():
            _refuse("activity", _("You have already checked in."))
        signup = SignUp.objects.select_for_update().filter(activity=activity, volunteer=volunteer).first()
        if signup is None or signup.state != SignUpState.SIGNED_UP:
            if not activity.allow_walk_in:
                _refuse("activity", _("Sign up first: this activity takes no walk-ins."))
            if taken_slots(activity) >= activity.slots:
                _refuse("activity", _("All slots are taken."))
            if signup is None:
                signup = SignUp(activity=activity, volunteer=volunteer)
            signup.state, signup.signed_up_at, signup.cancelled_at, signup.walk_in = (
                SignUpState.SIGNED_UP, at, None, True)
            signup.save()
        record = ServiceRecord(volunteer=volunteer, activity=activity, organization_id=activity.organization_id,
                               source=RecordSource.ACTIVITY, started_at=at, place=activity.place,
                               content=activity.title[:255], state=RecordState.OPEN,
                               organizer_name=activity.organizer_name[:100])
        record.copy_ancestors_from(activity)
        record.save()
        audit.record("volunteers.record.checked_in", obj=record, after=audit.snapshot(record), actor=actor)
    return record


def service_hours(activity: Activity | None, started_at, ended_at) -> Decimal:
    """Hours of service: check-out − check-in, within the activity's own time window (travel is not service
    time), rounded to the nearest half hour."""
    start, end = started_at, ended_at
    if activity is not None:
        start, end = max(start, activity.starts_at), min(end, activity.ends_at)
    seconds = max(0, (end - start).total_seconds())
    halves = (Decimal(seconds) / Decimal(1800)).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return halves * HALF_HOUR


def check_out(activity: Activity, *, actor, at=None) -> ServiceRecord:
    """扫码签退: closes the volunteer's open record and computes its hours; it then awaits the organizer."""
    volunteer = _my_volunteer(actor)
    at = at or timezone.now()
    with txn.atomic():
        activity = require_visible(Activity, activity, actor, SELF)
        record = ServiceRecord.objects.select_for_update().filter(activity=activity, volunteer=volunteer).first()
        if record is None:
            _refuse("activity", _("You have not checked in."))
        if record.state != RecordState.OPEN:
            _refuse("activity", _("You have already checked out."))
        before = audit.snapshot(record)
        record.ended_at = max(at, record.started_at)
        record.hours = record.computed_hours = service_hours(activity, record.started_at, record.ended_at)
        record.state = RecordState.PENDING
        record.save()
        audit.record("volunteers.record.checked_out", obj=record, before=before, after=audit.snapshot(record),
                     actor=actor)
    return record


def close_forgotten_checkouts(*, now=None, grace_hours: int | None = None) -> int:
    """Close the records still open ``grace_hours`` after their activity's end: ended at the activity's end,
    hours computed the usual way, marked as closed by rule; they then await the organizer like any other."""
    now = now or timezone.now()
    grace = dt.timedelta(hours=checkout_grace_hours() if grace_hours is None else grace_hours)
    ids = list(ServiceRecord.objects.filter(state=RecordState.OPEN, activity__isnull=False,
                                            activity__ends_at__lte=now - grace).values_list("pk", flat=True))
    closed = 0
    for pk in ids:
        with txn.atomic():
            record = ServiceRecord.objects.select_for_update(of=("self",)).select_related("activity").filter(
                pk=pk, state=RecordState.OPEN).first()
            if record is None:
                continue
            before = audit.snapshot(record)
            record.ended_at = max(record.activity.ends_at, record.started_at)
            record.hours = record.computed_hours = service_hours(record.activity, record.started_at,
                                                                 record.ended_at)
            record.state, record.closed_by_rule = RecordState.PENDING, True
            record.save()
            audit.record("volunteers.record.closed_by_rule", obj=record, before=before,
                         after=audit.snapshot(record), actor=None, extra={"grace_hours": grace.total_seconds() / 3600})
            closed += 1
    return closed


# --- confirmation (谁组织谁记录) ----------------------------------------------------------------------------------
def _decide(record: ServiceRecord, actor):
    record = ServiceRecord.objects.select_for_update(of=("self",)).select_related("activity", "volunteer").get(pk=record.pk)
    activity = record.activity
    if activity is None or not can_organize(actor, activity):
        perm = ORGANIZE if record.organization_id else MANAGE
        if not actor.has_permission(perm):
            raise Denied(perm, record)
        raise OutOfScope(perm, record)
    if record.state != RecordState.PENDING:
        _refuse("record", _("Only records awaiting confirmation can be confirmed or rejected."))
    return record


def confirm_record(record: ServiceRecord, *, actor, hours=None, reason: str = "", at=None) -> ServiceRecord:
    """The organizer confirms the hours (adjusted with a reason if need be); the rewards follow in the same
    transaction."""
    from . import rewards

    reason = (reason or "").strip()
    at = at or timezone.now()
    with txn.atomic():
        record = _decide(record, actor)
        before = audit.snapshot(record)
        computed = record.hours
        if hours not in (None, ""):
            try:
                hours = Decimal(str(hours)).quantize(Decimal("0.01"))
            except ArithmeticError:
                _refuse("hours", _("Give the hours as a number."))
            window = service_hours(None, record.activity.starts_at, record.activity.ends_at)
            if hours <= 0 or hours > window:
                _refuse("hours", _("Hours must be more than 0 and at most the activity's length (%(max)s h).")
                        % {"max": window})
            if hours != computed and not reason:
                _refuse("reason", _("Give the reason for adjusting the hours."))
            record.hours = hours
        elif record.hours <= 0:
            _refuse("hours", _("The record has no hours: adjust them with a reason, or reject it."))
        record.state, record.confirmed_by, record.confirmed_at = RecordState.CONFIRMED, actor, at
        record.confirmer_name, record.decision_note = actor_name(actor), reason[:300]
        record.save()
        rewards.on_hours_confirmed(record)
        add_service_timeline(record, at)
        audit.record("volunteers.record.confirmed", obj=record, before=before, after=audit.snapshot(record),
                     actor=actor)
    return record


def reject_record(record: ServiceRecord, *, actor, reason: str, at=None) -> ServiceRecord:
    """The organizer rejects a record (he did not serve, a mistaken check-in …), with a reason."""
    reason = (reason or "").strip()
    if not reason:
        _refuse("reason", _("Give a reason."))
    at = at or timezone.now()
    with txn.atomic():
        record = _decide(record, actor)
        before = audit.snapshot(record)
        record.state, record.confirmed_by, record.confirmed_at = RecordState.REJECTED, actor, at
        record.confirmer_name, record.decision_note = actor_name(actor), reason[:300]
        record.save()
        audit.record("volunteers.record.rejected", obj=record, before=before, after=audit.snapshot(record),
                     actor=actor)
    return record


def add_service_timeline(record: ServiceRecord, at) -> None:
    """The household-file entry of a resident volunteer's confirmed service (activities and party posts alike)."""
    resident = record.volunteer.resident
    if resident is None or not resident.household_id:
        return
    from sanshe.territory.registry import add_timeline_entry

    add_timeline_entry(resident.household, kind="volunteers.service", resident=resident, at=at, obj=record,
                       title=_("Volunteer service: %(content)s, %(hours)s h") % {"content": record.content,
                                                                                 "hours": record.hours},
                       url=reverse("volunteers:volunteer_detail", args=[record.volunteer_id]), permission=VIEW)


# --- figures ----------------------------------------------------------------------------------------------------
@dataclass
class Figures:
    node: object
    volunteers: int
    residents: int
    share: float | None  # percent of registered residents
    resident_volunteers: int
    hours: Decimal
    active: int
    activities: int
    upcoming: int
    pending_records: int
    active_since: dt.date


def _node_filter(node, prefix: str = "") -> dict:
    if node.level not in ("district", "street", "community"):
        raise ValidationError({"node": [_("Choose a district, street or community.")]})
    return {f"{prefix}{node.level}_id": node.pk}


def figures(node, *, now=None) -> Figures:
    """Live figures of a district, street or community: registered (active) volunteers and their share of the
    registered residents (在册) of the same territory, confirmed hours, active volunteers (confirmed service in
    the last 12 months), activities (not cancelled)."""
    from sanshe.territory.choices import ResidentStatus
    from sanshe.territory.models import Resident

    now = now or timezone.now()
    where = _node_filter(node)
    volunteers = Volunteer.objects.filter(is_active=True, **where)
    residents = Resident.objects.filter(status=ResidentStatus.REGISTERED, **where).count()
    count = volunteers.count()
    since = now - dt.timedelta(days=ACTIVE_DAYS)
    confirmed = ServiceRecord.objects.filter(state=RecordState.CONFIRMED, **where)
    activities = Activity.objects.filter(cancelled_at__isnull=True, **where)
    return Figures(
        node=node, volunteers=count, residents=residents,
        share=round(count * 100 / residents, 2) if residents else None,
        resident_volunteers=volunteers.filter(resident__isnull=False).count(),
        hours=confirmed.aggregate(s=Sum("hours"))["s"] or Decimal(0),
        active=confirmed.filter(started_at__gte=since).values("volunteer_id").distinct().count(),
        activities=activities.count(), upcoming=activities.filter(starts_at__gt=now).count(),
        pending_records=ServiceRecord.objects.filter(state=RecordState.PENDING, **where).count(),
        active_since=timezone.localdate(since),
    )


def figures_by_child(node, *, now=None) -> list[Figures]:
    """The same figures for each street of a district, or each community of a street."""
    from sanshe.territory.models import Node

    child = {"district": "street", "street": "community"}.get(node.level)
    if child is None:
        return []
    children = Node.objects.filter(level=child, **{f"{node.level}_id": node.pk}).order_by("code")
    return [figures(c, now=now) for c in children]


def volunteer_hours(volunteer: Volunteer) -> dict:
    """A volunteer's confirmed hours, services and pending records."""
    rows = volunteer.records.aggregate(
        hours=Sum("hours", filter=Q(state=RecordState.CONFIRMED)),
        services=Count("pk", filter=Q(state=RecordState.CONFIRMED)),
        pending=Count("pk", filter=Q(state__in=[RecordState.PENDING, RecordState.OPEN])))
    return {"hours": rows["hours"] or Decimal(0), "services": rows["services"], "pending": rows["pending"]}
