"""Writes and computations of volunteer rewards: points, the catalogue and redemptions, star levels,
certificates (谁记录谁证明), the time bank (时间银行) and recognition (身边好人).

Only **confirmed** service records count. Ledgers are append-only sums (points, time bank); every write that
reads a balance locks the volunteer's row first (two volunteers: in primary-key order; the district pool: the
district's node row), so balances never go negative and the cap holds under concurrency.

Time bank deposits are **automatic**: every confirmed record deposits its hours (``on_hours_confirmed``); the
part that would take the balance above the cap in effect is donated to the district's pool at once.
"""

from __future__ import annotations

import datetime as dt
import secrets
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import ValidationError
from django.db.models import Count, Q, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from sanshe.accounts.roles import Perm
from sanshe.core import audit, txn
from sanshe.core.exceptions import Denied
from sanshe.core.masking import mask_id_number
from sanshe.core.services import require, require_visible
from sanshe.territory.choices import Level
from sanshe.territory.models import Node

from .choices import RecordState
from .choices_rewards import NominationState, PointKind, RedemptionState, RuleKind, TimeKind
from .models import ServiceRecord, Volunteer
from .models_rewards import (
    DEFAULT_STAR_THRESHOLDS,
    DEFAULT_TIME_BANK_CAP,
    CatalogueItem,
    Nomination,
    PartnerUnit,
    PointEntry,
    PointRule,
    Redemption,
    ServiceCertificate,
    StarScheme,
    TimeBankCap,
    TimeBankEntry,
)

MANAGE, CONFIGURE, SELF, ORGANIZE = (Perm.VOLUNTEERS_MANAGE, Perm.VOLUNTEERS_CONFIGURE, Perm.VOLUNTEER_SELF,
                                     Perm.VOLUNTEERS_ORGANIZE)
ZERO = Decimal("0")
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
ELDERLY_AGE = 60


def _error(field: str, message: str):
    raise ValidationError({field: [message]})


def _code(n: int) -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _i in range(n))


def _today() -> dt.date:
    return timezone.localdate()


def volunteer_of(user) -> Volunteer | None:
    """The volunteer row of an account (None when the account is not a registered volunteer)."""
    if user is None or not user.is_authenticated:
        return None
    return Volunteer.objects.filter(user=user).first()


def _lock(volunteer: Volunteer) -> Volunteer:
    return Volunteer.objects.select_for_update().get(pk=volunteer.pk)


def _own_volunteer(actor, volunteer: Volunteer | None = None) -> Volunteer:
    """Self-service: the actor's own volunteer row (403 when he acts for someone else)."""
    require(actor, SELF)
    own = volunteer_of(actor)
    if own is None:
        _error("volunteer", _("Your account is not registered as a volunteer."))
    if volunteer is not None and volunteer.pk != own.pk:
        raise Denied(SELF, volunteer)
    return own


def _managed_volunteer(actor, volunteer: Volunteer, *, lock: bool = True) -> Volunteer:
    require(actor, MANAGE)
    return require_visible(Volunteer, volunteer, actor, MANAGE, lock=lock)


def _district_of(node_or_row) -> Node:
    return Node.objects.get(pk=node_or_row.district_id)


def _configurable_district(actor, district: Node) -> Node:
    require(actor, CONFIGURE)
    if district.level != Level.DISTRICT:
        _error("district", _("Rules belong to a district."))
    return require_visible(Node, district, actor, CONFIGURE)


# --- confirmed hours and star levels --------------------------------------------------------------------------
def confirmed_records(volunteer: Volunteer):
    return ServiceRecord.objects.filter(volunteer=volunteer, state=RecordState.CONFIRMED)


def _day_end(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min))


def confirmed_hours(volunteer: Volunteer, on: dt.date | None = None) -> Decimal:
    """The volunteer's confirmed hours served up to the end of ``on`` (today by default)."""
    qs = confirmed_records(volunteer)
    if on is not None:
        qs = qs.filter(started_at__lt=_day_end(on))
    return qs.aggregate(h=Sum("hours"))["h"] or ZERO


def star_thresholds(district_id: int, on: dt.date | None = None) -> tuple[list[int], StarScheme | None]:
    """The five thresholds (hours for 1 … 5 stars) in effect in the district on ``on``; the default otherwise."""
    on = on or _today()
    scheme = (StarScheme.objects.filter(district_id=district_id, effective_from__lte=on)
              .order_by("-effective_from", "-pk").first())
    return (list(scheme.thresholds) if scheme else list(DEFAULT_STAR_THRESHOLDS)), scheme


def stars_for(hours: Decimal, thresholds: list[int]) -> int:
    """Stars reached with ``hours``: a threshold reached exactly counts."""
    return sum(1 for t in thresholds if hours >= Decimal(t))


def star_level(volunteer: Volunteer, on: dt.date | None = None) -> dict:
    """The volunteer's star level on ``on`` from his confirmed hours up to then, with the progress to the next."""
    on = on or _today()
    hours = confirmed_hours(volunteer, on)
    thresholds, scheme = star_thresholds(volunteer.district_id, on)
    stars = stars_for(hours, thresholds)
    next_at = thresholds[stars] if stars < len(thresholds) else None
    previous = Decimal(thresholds[stars - 1]) if stars else ZERO
    if next_at is None:
        progress = 100
    else:
        span = Decimal(next_at) - previous
        progress = int(((hours - previous) / span * 100).to_integral_value(rounding="ROUND_FLOOR")) if span else 0
    return {"stars": stars, "hours": hours, "thresholds": thresholds, "scheme": scheme, "on": on,
            "next_at": next_at, "to_next": (Decimal(next_at) - hours) if next_at is not None else None,
            "progress": max(0, min(100, progress)), "star_range": range(1, len(thresholds) + 1)}


def save_star_scheme(*, actor, district: Node, name: str, thresholds: list, effective_from: dt.date) -> StarScheme:
    """A new set of thresholds from ``effective_from`` (the earlier schemes stay for the dates before)."""
    district = _configurable_district(actor, district)
    try:
        values = [int(t) for t in thresholds]
    except (TypeError, ValueError):
        _error("thresholds", _("Give five whole numbers of hours."))
    if len(values) != 5 or any(v <= 0 for v in values) or any(b <= a for a, b in zip(values, values[1:], strict=False)):
        _error("thresholds", _("Give five positive numbers of hours, each larger than the one before."))
    if not (name or "").strip():
        name = _("Star thresholds from %(date)s") % {"date": effective_from.isoformat()}
    with txn.atomic():
        scheme = StarScheme(name=name.strip()[:100], thresholds=values, effective_from=effective_from,
                            created_by=actor)
        scheme.copy_ancestors_from(district)
        scheme.save()
        audit.record("volunteers.star_scheme.created", obj=scheme, after=audit.snapshot(scheme), actor=actor)
    return scheme


# --- points -----------------------------------------------------------------------------------------------------
def rules_in_effect(district_id: int, on: dt.date):
    return PointRule.objects.filter(district_id=district_id, effective_from__lte=on).filter(
        Q(effective_until__isnull=True) | Q(effective_until__gte=on))


def _record_organization_id(record: ServiceRecord):
    if record.organization_id:
        return record.organization_id
    return record.activity.organization_id if record.activity_id else None


def _matches(rule: PointRule, record: ServiceRecord, org_id) -> bool:
    if rule.source and rule.source != record.source:
        return False
    return not (rule.organization_id and rule.organization_id != org_id)


def points_for(record: ServiceRecord) -> tuple[int, list[PointRule]]:
    """Points a confirmed record earns under the rules in effect on the day it was served: the most specific
    per-hour rule (organizer, then source, then general; the latest) × hours, plus every matching bonus."""
    on = timezone.localtime(record.started_at).date()
    org_id = _record_organization_id(record)
    rules = [r for r in rules_in_effect(record.district_id, on) if _matches(r, record, org_id)]
    hourly = [r for r in rules if r.kind == RuleKind.PER_HOUR]
    hourly.sort(key=lambda r: (bool(r.organization_id), bool(r.source), r.effective_from, r.pk), reverse=True)
    applied: list[PointRule] = []
    total = Decimal(0)
    if hourly:
        applied.append(hourly[0])
        total += Decimal(hourly[0].points) * (record.hours or ZERO)
    for rule in rules:
        if rule.kind == RuleKind.BONUS:
            applied.append(rule)
            total += rule.points
    return int(total.quantize(Decimal(1), rounding=ROUND_HALF_UP)), applied


def points_balance(volunteer: Volunteer) -> int:
    return PointEntry.objects.filter(volunteer=volunteer).aggregate(p=Sum("points"))["p"] or 0


def _point_entry(volunteer, kind, points, *, actor=None, record=None, redemption=None, reason="", at=None):
    entry = PointEntry(volunteer=volunteer, kind=kind, points=points, record=record, redemption=redemption,
                       reason=reason[:200], at=at or timezone.now(), created_by=actor)
    entry.copy_ancestors_from(volunteer)
    entry.save()
    return entry


def award_points(record: ServiceRecord) -> PointEntry | None:
    """Earned points of a confirmed record (once per record; nothing when no rule gives any)."""
    if record.state != RecordState.CONFIRMED or PointEntry.objects.filter(
            record=record, kind=PointKind.EARNED).exists():
        return None
    points, applied = points_for(record)
    if points <= 0:
        return None
    volunteer = _lock(record.volunteer)
    entry = _point_entry(volunteer, PointKind.EARNED, points, record=record,
                         reason="、".join(r.name for r in applied), at=record.confirmed_at)
    audit.record("volunteers.points.earned", obj=entry, actor=record.confirmed_by,
                 extra={"record": record.pk, "points": points})
    return entry


def save_point_rule(*, actor, district: Node, name: str, kind: str, points: int, effective_from: dt.date,
                    effective_until: dt.date | None = None, source: str = "", organization=None) -> PointRule:
    district = _configurable_district(actor, district)
    errors = {}
    if not (name or "").strip():
        errors["name"] = [_("Give the rule a name.")]
    if kind not in RuleKind.values:
        errors["kind"] = [_("Unknown kind.")]
    if points is None or int(points) <= 0:
        errors["points"] = [_("Give a positive number of points.")]
    if effective_until is not None and effective_until < effective_from:
        errors["effective_until"] = [_("The end date is before the start date.")]
    if organization is not None and organization.district_id != district.pk:
        errors["organization"] = [_("This organization belongs to another district.")]
    if errors:
        raise ValidationError(errors)
    with txn.atomic():
        rule = PointRule(name=name.strip()[:100], kind=kind, points=int(points), source=source or "",
                         organization=organization, effective_from=effective_from, effective_until=effective_until,
                         created_by=actor)
        rule.copy_ancestors_from(district)
        rule.save()
        audit.record("volunteers.point_rule.created", obj=rule, after=audit.snapshot(rule), actor=actor)
    return rule


def end_point_rule(rule: PointRule, *, actor, until: dt.date) -> PointRule:
    """End a rule on ``until`` (inclusive); rules are never deleted, so past records keep their explanation."""
    require(actor, CONFIGURE)
    with txn.atomic():
        rule = require_visible(PointRule, rule, actor, CONFIGURE, lock=True)
        if until < rule.effective_from:
            _error("effective_until", _("The end date is before the start date."))
        before = audit.snapshot(rule)
        rule.effective_until = until
        rule.save(update_fields=["effective_until", "updated_at"])
        audit.record("volunteers.point_rule.ended", obj=rule, before=before, after=audit.snapshot(rule),
                     actor=actor)
    return rule


def adjust_points(volunteer: Volunteer, *, actor, points: int, reason: str) -> PointEntry:
    """A manual adjustment with a reason (correction, award); the balance may not go below zero."""
    reason = (reason or "").strip()
    if not reason:
        _error("reason", _("Give a reason."))
    if not points:
        _error("points", _("Give a number of points other than zero."))
    with txn.atomic():
        volunteer = _managed_volunteer(actor, volunteer)
        if points_balance(volunteer) + points < 0:
            _error("points", _("The balance would fall below zero."))
        entry = _point_entry(volunteer, PointKind.ADJUSTED, points, actor=actor, reason=reason)
        audit.record("volunteers.points.adjusted", obj=entry, actor=actor,
                     extra={"volunteer": volunteer.pk, "points": points, "reason": reason})
    return entry


# --- the catalogue and redemptions --------------------------------------------------------------------------------
def save_partner(*, actor, community: Node, name: str, address: str = "", contact: str = "", phone: str = "",
                 partner: PartnerUnit | None = None, is_active: bool = True) -> PartnerUnit:
    require(actor, CONFIGURE)
    if not (name or "").strip():
        _error("name", _("Give the partner unit's name."))
    with txn.atomic():
        community = require_visible(Node, community, actor, CONFIGURE)
        if community.level != Level.COMMUNITY:
            _error("community", _("Pick a community."))
        before = None
        if partner is not None:
            partner = require_visible(PartnerUnit, partner, actor, CONFIGURE, lock=True)
            before = audit.snapshot(partner)
        else:
            partner = PartnerUnit()
        partner.name, partner.address, partner.contact, partner.phone = (
            name.strip()[:100], address[:200], contact[:50], phone[:20])
        partner.is_active = is_active
        partner.copy_ancestors_from(community)
        partner.save()
        audit.record("volunteers.partner.saved", obj=partner, before=before, after=audit.snapshot(partner),
                     actor=actor)
    return partner


def save_item(*, actor, partner: PartnerUnit, name: str, points: int, stock: int, description: str = "",
              item: CatalogueItem | None = None, is_active: bool = True) -> CatalogueItem:
    require(actor, CONFIGURE)
    errors = {}
    if not (name or "").strip():
        errors["name"] = [_("Give the item's name.")]
    if points is None or int(points) <= 0:
        errors["points"] = [_("Give a positive number of points.")]
    if stock is None or int(stock) < 0:
        errors["stock"] = [_("The stock cannot be negative.")]
    if errors:
        raise ValidationError(errors)
    with txn.atomic():
        partner = require_visible(PartnerUnit, partner, actor, CONFIGURE)
        before = None
        if item is not None:
            item = require_visible(CatalogueItem, item, actor, CONFIGURE, lock=True)
            before = audit.snapshot(item)
        else:
            item = CatalogueItem()
        item.partner = partner
        item.name, item.description = name.strip()[:100], (description or "")[:300]
        item.points, item.stock, item.is_active = int(points), int(stock), is_active
        item.copy_ancestors_from(partner)
        item.save()
        audit.record("volunteers.catalogue_item.saved", obj=item, before=before, after=audit.snapshot(item),
                     actor=actor)
    return item


def redeem(item: CatalogueItem, *, actor) -> Redemption:
    """The volunteer redeems one item with his points: balance and stock are checked under locks (the volunteer's
    row, then the item's), so two redemptions at once can overdraw neither."""
    volunteer = _own_volunteer(actor)
    with txn.atomic():
        volunteer = _lock(volunteer)
        item = require_visible(CatalogueItem, item, actor, SELF, lock=True)
        if not item.is_active or not item.partner.is_active:
            _error("item", _("This item is no longer offered."))
        if item.stock < 1:
            _error("item", _("This item is out of stock."))
        balance = points_balance(volunteer)
        if balance < item.points:
            _error("item", _("Not enough points: %(balance)s, the item needs %(points)s.") % {
                "balance": balance, "points": item.points})
        now = timezone.now()
        code = _code(10)
        while Redemption.objects.filter(code=code).exists():
            code = _code(10)
        redemption = Redemption(volunteer=volunteer, item=item, points=item.points, code=code, redeemed_at=now)
        redemption.copy_ancestors_from(item)
        redemption.save()
        item.stock -= 1
        item.save(update_fields=["stock", "updated_at"])
        _point_entry(volunteer, PointKind.REDEEMED, -item.points, actor=actor, redemption=redemption,
                     reason=str(item), at=now)
        audit.record("volunteers.redemption.created", obj=redemption, actor=actor,
                     extra={"item": item.pk, "points": item.points})
    return redemption


def close_redemption(redemption: Redemption, *, actor, used: bool) -> Redemption:
    """The partner unit honoured the voucher (used), or it is cancelled: points and stock go back."""
    require(actor, MANAGE)
    with txn.atomic():
        redemption = require_visible(Redemption, redemption, actor, MANAGE, lock=True)
        if redemption.state != RedemptionState.ISSUED:
            _error("state", _("This voucher is already %(state)s.") % {"state": redemption.get_state_display()})
        volunteer = _lock(redemption.volunteer)
        redemption.state = RedemptionState.USED if used else RedemptionState.CANCELLED
        redemption.closed_at, redemption.closed_by = timezone.now(), actor
        redemption.save(update_fields=["state", "closed_at", "closed_by", "updated_at"])
        if not used:
            item = CatalogueItem.objects.select_for_update().get(pk=redemption.item_id)
            item.stock += 1
            item.save(update_fields=["stock", "updated_at"])
            _point_entry(volunteer, PointKind.REFUNDED, redemption.points, actor=actor, redemption=redemption,
                         reason=_("Voucher %(code)s cancelled") % {"code": redemption.code})
        audit.record("volunteers.redemption.closed", obj=redemption, actor=actor,
                     extra={"state": redemption.state})
    return redemption


# --- the time bank ------------------------------------------------------------------------------------------------
def time_cap(district_id: int, on: dt.date | None = None) -> Decimal:
    on = on or _today()
    cap = (TimeBankCap.objects.filter(district_id=district_id, effective_from__lte=on)
           .order_by("-effective_from", "-pk").first())
    return cap.hours if cap else Decimal(DEFAULT_TIME_BANK_CAP)


def save_time_cap(*, actor, district: Node, hours, effective_from: dt.date) -> TimeBankCap:
    district = _configurable_district(actor, district)
    hours = Decimal(str(hours or 0))
    if hours <= 0:
        _error("hours", _("Give a positive number of hours."))
    with txn.atomic():
        cap = TimeBankCap(hours=hours, effective_from=effective_from, created_by=actor)
        cap.copy_ancestors_from(district)
        cap.save()
        audit.record("volunteers.time_cap.created", obj=cap, after=audit.snapshot(cap), actor=actor)
    return cap


def time_balance(volunteer: Volunteer) -> Decimal:
    return TimeBankEntry.objects.filter(volunteer=volunteer).aggregate(h=Sum("hours"))["h"] or ZERO


def pool_balance(district_id: int) -> Decimal:
    return TimeBankEntry.objects.filter(volunteer__isnull=True, district_id=district_id).aggregate(
        h=Sum("hours"))["h"] or ZERO


def _time_entry(volunteer, kind, hours, *, batch, district_id=None, actor=None, **extra) -> TimeBankEntry:
    entry = TimeBankEntry(volunteer=volunteer, kind=kind, hours=hours, batch=batch, at=extra.pop("at", None)
                          or timezone.now(), created_by=actor, **extra)
    if volunteer is not None:
        entry.copy_ancestors_from(volunteer)
    else:
        entry.district_id = district_id
    entry.save()
    return entry


def _lock_pool(district_id: int) -> None:
    Node.objects.select_for_update().filter(pk=district_id).first()


def _hours(value, field="hours") -> Decimal:
    try:
        hours = Decimal(str(value)).quantize(Decimal("0.01"))
    except Exception:  # noqa: BLE001 - any unreadable amount is the same user error
        _error(field, _("Give a number of hours."))
    if hours <= 0:
        _error(field, _("Give a positive number of hours."))
    return hours


def deposit(record: ServiceRecord) -> TimeBankEntry | None:
    """Deposit a confirmed record's hours (once); what would exceed the cap goes to the pool at once."""
    if record.state != RecordState.CONFIRMED or not record.hours or TimeBankEntry.objects.filter(
            record=record, kind=TimeKind.DEPOSIT).exists():
        return None
    volunteer = _lock(record.volunteer)
    batch = _code(16)
    balance = time_balance(volunteer)
    cap = time_cap(volunteer.district_id)
    entry = _time_entry(volunteer, TimeKind.DEPOSIT, record.hours, batch=batch, record=record,
                        actor=record.confirmed_by, note=record.content[:200])
    excess = max(ZERO, balance + record.hours - max(cap, balance))
    if excess > 0:
        _lock_pool(volunteer.district_id)
        _time_entry(volunteer, TimeKind.CAP_DONATE, -excess, batch=batch, record=record,
                    note=_("Above the cap of %(cap)s hours") % {"cap": cap})
        _time_entry(None, TimeKind.POOL_IN, excess, batch=batch, district_id=volunteer.district_id,
                    counterpart=volunteer, record=record, note=_("Above the cap of %(cap)s hours") % {"cap": cap})
    audit.record("volunteers.time.deposited", obj=entry, actor=record.confirmed_by,
                 extra={"record": record.pk, "hours": record.hours, "to_pool": excess})
    return entry


def transfer_hours(source: Volunteer, target: Volunteer, *, actor, hours, note: str = "") -> str:
    """Transfer hours to another volunteer (a family member …): by the volunteer himself or by staff. Refused
    when the source lacks them or the target would go above the cap."""
    hours = _hours(hours)
    if source.pk == target.pk:
        _error("target", _("Pick another volunteer."))
    if actor.has_permission(MANAGE) and Volunteer.objects.visible_to(actor, MANAGE).filter(pk=source.pk).exists():
        by_staff = True
    else:
        _own_volunteer(actor, source)
        by_staff = False
    with txn.atomic():
        first, second = sorted([source, target], key=lambda v: v.pk)
        locked = {v.pk: _lock(v) for v in (first, second)}
        source, target = locked[source.pk], locked[target.pk]
        if not target.is_active:
            _error("target", _("This volunteer is no longer active."))
        if time_balance(source) < hours:
            _error("hours", _("Not enough hours in the time bank."))
        cap = time_cap(target.district_id)
        if time_balance(target) + hours > cap:
            _error("hours", _("%(name)s would hold more than the cap of %(cap)s hours.") % {
                "name": target.name, "cap": cap})
        batch = _code(16)
        _time_entry(source, TimeKind.TRANSFER_OUT, -hours, batch=batch, counterpart=target, actor=actor, note=note)
        entry = _time_entry(target, TimeKind.TRANSFER_IN, hours, batch=batch, counterpart=source, actor=actor,
                            note=note)
        audit.record("volunteers.time.transferred", obj=entry, actor=actor,
                     extra={"from": source.pk, "to": target.pk, "hours": hours, "by_staff": by_staff})
    return batch


def donate_hours(volunteer: Volunteer, *, actor, hours, note: str = "") -> str:
    """Donate hours to the district's public pool (by the volunteer himself)."""
    hours = _hours(hours)
    volunteer = _own_volunteer(actor, volunteer)
    with txn.atomic():
        volunteer = _lock(volunteer)
        if time_balance(volunteer) < hours:
            _error("hours", _("Not enough hours in the time bank."))
        _lock_pool(volunteer.district_id)
        batch = _code(16)
        entry = _time_entry(volunteer, TimeKind.DONATE, -hours, batch=batch, actor=actor, note=note)
        _time_entry(None, TimeKind.POOL_IN, hours, batch=batch, district_id=volunteer.district_id,
                    counterpart=volunteer, actor=actor, note=note)
        audit.record("volunteers.time.donated", obj=entry, actor=actor, extra={"hours": hours})
    return batch


def is_elderly(resident, on: dt.date | None = None) -> bool:
    if resident is None or resident.birth_date is None:
        return False
    on = on or _today()
    b = resident.birth_date
    return on.year - b.year - ((on.month, on.day) < (b.month, b.day)) >= ELDERLY_AGE


def withdraw_hours(*, actor, beneficiary, hours, note: str = "", volunteer: Volunteer | None = None,
                   district: Node | None = None) -> TimeBankEntry:
    """Services received by an elderly resident paid from a volunteer's account (his own savings or a family
    member's) or from the district's pool (``volunteer`` empty); recorded by the community."""
    hours = _hours(hours)
    require(actor, MANAGE)
    if beneficiary is None:
        _error("beneficiary", _("Pick the resident who received the service."))
    if not is_elderly(beneficiary):
        _error("beneficiary", _("The time bank pays for services to residents aged %(age)s or more.") % {
            "age": ELDERLY_AGE})
    with txn.atomic():
        communities = Node.objects.visible_to(actor, MANAGE).filter(level=Level.COMMUNITY)
        if not communities.filter(pk=beneficiary.community_id).exists():
            _error("beneficiary", _("This resident does not live in your territory."))
        batch = _code(16)
        if volunteer is not None:
            volunteer = _managed_volunteer(actor, volunteer)
            if time_balance(volunteer) < hours:
                _error("hours", _("Not enough hours in the time bank."))
            entry = _time_entry(volunteer, TimeKind.WITHDRAW, -hours, batch=batch, beneficiary=beneficiary,
                                actor=actor, note=note)
        else:
            district_id = (district.pk if district is not None else beneficiary.district_id)
            if district_id != beneficiary.district_id:
                _error("beneficiary", _("This resident lives in another district."))
            _lock_pool(district_id)
            if pool_balance(district_id) < hours:
                _error("hours", _("Not enough hours in the pool."))
            entry = _time_entry(None, TimeKind.POOL_OUT, -hours, batch=batch, district_id=district_id,
                                beneficiary=beneficiary, actor=actor, note=note)
        if beneficiary.household_id:
            from sanshe.territory.registry import add_timeline_entry

            add_timeline_entry(beneficiary.household, kind="volunteers.timebank", resident=beneficiary, obj=entry,
                               title=_("Time bank service received: %(hours)s h (%(note)s)") % {
                                   "hours": hours, "note": note or "—"},
                               url=reverse("volunteers:rewards_timebank"), permission=MANAGE)
        audit.record("volunteers.time.withdrawn", obj=entry, actor=actor,
                     extra={"hours": hours, "beneficiary": beneficiary.pk,
                            "volunteer": volunteer.pk if volunteer else None})
    return entry


# --- certificates (谁记录谁证明) ------------------------------------------------------------------------------------
def issuer_records(volunteer: Volunteer, *, start: dt.date, end: dt.date, community: Node | None = None,
                   organization=None):
    """The volunteer's confirmed records organized by the issuer in the period (days inclusive)."""
    qs = confirmed_records(volunteer).filter(
        started_at__gte=timezone.make_aware(dt.datetime.combine(start, dt.time.min)), started_at__lt=_day_end(end))
    if organization is not None:
        return qs.filter(Q(organization=organization) | Q(organization__isnull=True, activity__organization=organization))
    return qs.filter(community=community, organization__isnull=True).filter(
        Q(activity__isnull=True) | Q(activity__organization__isnull=True))


def _content_summary(records) -> str:
    counts: dict[str, list] = {}
    for record in records.select_related("activity").order_by("started_at"):
        label = (record.activity.title if record.activity_id else "") or record.content or _("Volunteer service")
        counts.setdefault(label, [0, ZERO])
        counts[label][0] += 1
        counts[label][1] += record.hours or ZERO
    return "；".join(_("%(label)s (%(n)s times, %(hours)s hours)") % {"label": label, "n": n, "hours": h.normalize()}
                    for label, (n, h) in counts.items())


def _issuer_check(actor, *, community, organization) -> Node:
    """The issuing body: a community the actor manages, or an organization he is staff of (or manages)."""
    if organization is not None:
        from sanshe.societies.models import Organization, OrganizationStaff

        staff = actor.has_permission(ORGANIZE) and OrganizationStaff.objects.filter(
            organization=organization, user=actor).exists()
        manager = actor.has_permission(MANAGE) and Organization.objects.visible_to(actor, MANAGE).filter(
            pk=organization.pk).exists()
        if not (staff or manager):
            raise Denied(ORGANIZE, organization)
        return organization
    if community is None:
        _error("community", _("Pick the issuing community or organization."))
    require(actor, MANAGE)
    community = require_visible(Node, community, actor, MANAGE)
    if community.level != Level.COMMUNITY:
        _error("community", _("Pick a community."))
    return community


def issue_certificate(volunteer: Volunteer, *, actor, start: dt.date, end: dt.date, person_in_charge: str,
                      community: Node | None = None, organization=None) -> ServiceCertificate:
    """Issue a certificate of the volunteer's confirmed service organized by the issuer in the period; the
    name, ID (masked), volunteer number, hours, content, issuer and person in charge are frozen."""
    person_in_charge = (person_in_charge or "").strip()
    errors = {}
    if not person_in_charge:
        errors["person_in_charge"] = [_("Give the issuer's person in charge.")]
    if end < start:
        errors["end"] = [_("The end date is before the start date.")]
    if end > _today():
        errors["end"] = [_("The period cannot end in the future.")]
    if errors:
        raise ValidationError(errors)
    with txn.atomic():
        issuer = _issuer_check(actor, community=community, organization=organization)
        records = issuer_records(volunteer, start=start, end=end, community=community, organization=organization)
        agg = records.aggregate(h=Sum("hours"), n=Count("id"))
        if not agg["n"]:
            _error("volunteer", _("%(name)s has no confirmed service organized by %(issuer)s in this period.") % {
                "name": volunteer.name, "issuer": issuer.name})
        district_id = issuer.district_id
        _lock_pool(district_id)  # the district's row serializes its certificate numbers
        district = Node.objects.get(pk=district_id)
        now = timezone.now()
        prefix = f"ZY{''.join(ch for ch in district.code if ch.isdigit())[:6]}{timezone.localtime(now).year}"
        sequence = ServiceCertificate.objects.filter(number__startswith=prefix).count() + 1
        certificate = ServiceCertificate(
            number=f"{prefix}{sequence:05d}{_code(4)}", volunteer=volunteer, organization=organization,
            issuer_name=issuer.name[:100], person_in_charge=person_in_charge[:50], holder_name=volunteer.name,
            id_masked=mask_id_number(volunteer.id_number) if volunteer.id_number else "",
            volunteer_number=volunteer.number, period_start=start, period_end=end, hours=agg["h"] or ZERO,
            record_count=agg["n"], content=_content_summary(records), issued_by=actor, issued_at=now)
        certificate.copy_ancestors_from(issuer)
        certificate.save()
        audit.record("volunteers.certificate.issued", obj=certificate, actor=actor,
                     extra={"volunteer": volunteer.pk, "hours": certificate.hours, "records": agg["n"]})
    return certificate


def revoke_certificate(certificate: ServiceCertificate, *, actor, reason: str) -> ServiceCertificate:
    reason = (reason or "").strip()
    if not reason:
        _error("reason", _("Give a reason."))
    require(actor, MANAGE)
    with txn.atomic():
        certificate = require_visible(ServiceCertificate, certificate, actor, MANAGE, lock=True)
        if certificate.revoked_at is not None:
            _error("reason", _("This certificate is already revoked."))
        certificate.revoked_at, certificate.revoke_reason = timezone.now(), reason[:200]
        certificate.save(update_fields=["revoked_at", "revoke_reason", "updated_at"])
        audit.record("volunteers.certificate.revoked", obj=certificate, actor=actor, extra={"reason": reason})
    return certificate


def verify_path(certificate: ServiceCertificate) -> str:
    return reverse("volunteers:certificate_verify") + f"?number={certificate.number}"


# --- recognition (身边好人) -----------------------------------------------------------------------------------------
def nominate(*, actor, community: Node, nominee_name: str, reason: str, story: str = "",
             volunteer: Volunteer | None = None, name_consented: bool = False) -> Nomination:
    """A nomination by staff (VOLUNTEERS_MANAGE) or a resident / volunteer (VOLUNTEER_SELF) of his community."""
    permission = MANAGE if actor.has_permission(MANAGE) else SELF
    require(actor, permission)
    errors = {}
    if not (nominee_name or "").strip():
        errors["nominee_name"] = [_("Give the nominee's name.")]
    if not (reason or "").strip():
        errors["reason"] = [_("Say why.")]
    if errors:
        raise ValidationError(errors)
    with txn.atomic():
        community = require_visible(Node, community, actor, permission)
        if community.level != Level.COMMUNITY:
            _error("community", _("Pick a community."))
        nomination = Nomination(nominee_name=nominee_name.strip()[:50], volunteer=volunteer,
                                reason=reason.strip()[:200], story=(story or "").strip(),
                                name_consented=name_consented, nominated_by=actor, nominated_at=timezone.now())
        nomination.copy_ancestors_from(community)
        nomination.save()
        audit.record("volunteers.nomination.created", obj=nomination, actor=actor)
    return nomination


def review_nomination(nomination: Nomination, *, actor, approve: bool, note: str = "") -> Nomination:
    require(actor, MANAGE)
    note = (note or "").strip()
    if not approve and not note:
        _error("note", _("Say why the nomination is not approved."))
    with txn.atomic():
        nomination = require_visible(Nomination, nomination, actor, MANAGE, lock=True)
        if nomination.state != NominationState.PENDING:
            _error("state", _("This nomination was already reviewed."))
        nomination.state = NominationState.APPROVED if approve else NominationState.REJECTED
        nomination.reviewed_by, nomination.reviewed_at, nomination.review_note = actor, timezone.now(), note[:200]
        nomination.save(update_fields=["state", "reviewed_by", "reviewed_at", "review_note", "updated_at"])
        audit.record("volunteers.nomination.reviewed", obj=nomination, actor=actor,
                     extra={"state": nomination.state})
    return nomination
