"""Writes of the social organization registry: registering or filing an organization, its profile, its status
(``choices.TRANSITIONS``, with a :class:`StatusChange` row per step), incubation, annual inspections, the
evaluation configuration and score sheets, members, council seats and leadership posts.

Every write is one transaction with its audit entry. Staff (``SOCIETIES_MANAGE``) act inside their territory;
evaluations and their cut-offs need ``SOCIETIES_EVALUATE``; an organization's own accounts (``SOCIETIES_SELF``,
through :class:`OrganizationStaff`) edit its contacts, members and council only.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from sanshe.accounts.roles import Perm
from sanshe.core import audit, txn
from sanshe.core.exceptions import Denied, OutOfScope
from sanshe.core.services import require, require_visible
from sanshe.core.validators import validate_credit_code, validate_phone
from sanshe.core.workflow import actor_name
from sanshe.core.workflow import refuse as _refuse

from .choices import (
    INITIAL,
    TRANSITIONS,
    EvalLevel,
    IncubationStage,
    IncubatorLevel,
    InspectionResult,
    MemberKind,
    OrgStatus,
    SeatRole,
    ServiceField,
    Track,
)
from .models import (
    CouncilSeat,
    Evaluation,
    EvaluationConfig,
    Incubation,
    Inspection,
    LeadershipPost,
    Member,
    Organization,
    OrganizationStaff,
    StatusChange,
)

MANAGE, EVALUATE, SELF, VIEW = Perm.SOCIETIES_MANAGE, Perm.SOCIETIES_EVALUATE, Perm.SOCIETIES_SELF, \
    Perm.SOCIETIES_VIEW
PROFILE_FIELDS = ("name", "kind", "service_field", "is_social_work_agency", "legal_representative", "contact_name",
                  "contact_phone", "address", "founded_on", "description")
# What an organization's own accounts may change of its profile.
SELF_FIELDS = ("contact_name", "contact_phone", "address", "description")
DIMENSIONS = ("basic", "governance", "performance", "social")


def _err(errors: dict, field: str, message: str) -> None:
    errors.setdefault(field, []).append(message)


# --- reach ------------------------------------------------------------------------------------------------------
def own_organizations(user):
    """The organizations ``user`` is staff of (the ``social_org`` role's whole reach in this app)."""
    if user is None or not user.is_authenticated or not user.has_permission(SELF):
        return Organization.objects.none()
    return Organization.objects.filter(staff__user=user).distinct()


def _locked(actor, org: Organization, permission: str, *, allow_self: bool = False) -> Organization:
    """The organization re-read and locked for a write by ``actor``: staff with ``permission`` inside their
    territory, or (when ``allow_self``) one of the organization's own accounts."""
    if actor is not None and actor.is_authenticated and actor.has_permission(permission):
        if Organization.objects.is_visible_to(org, actor, permission):
            return require_visible(Organization, org, actor, permission, lock=True)
    if allow_self and actor is not None and actor.is_authenticated and actor.has_permission(SELF):
        fresh = own_organizations(actor).filter(pk=org.pk).first()
        if fresh is not None:
            return Organization.objects.select_for_update().get(pk=fresh.pk)
        raise OutOfScope(SELF, org)
    require(actor, permission, obj=org)
    raise OutOfScope(permission, org)


def is_self_actor(actor, org: Organization) -> bool:
    """Does ``actor`` act on ``org`` as its own account (not as staff)?"""
    if actor.has_permission(MANAGE) and Organization.objects.is_visible_to(org, actor, MANAGE):
        return False
    return own_organizations(actor).filter(pk=org.pk).exists()


def find_resident(actor, lookup: str, *, district_id=None):
    """A registered resident found by ID number (18) or mobile phone (11) among those ``actor`` may read."""
    from sanshe.core.crypto import blind_index
    from sanshe.territory.choices import ResidentStatus
    from sanshe.territory.models import Resident
    from sanshe.territory.registry import id_number_index

    lookup = (lookup or "").strip().upper()
    if not lookup:
        return None
    qs = Resident.objects.visible_to(actor, Perm.REGISTRY_VIEW).filter(status=ResidentStatus.REGISTERED)
    if district_id:
        qs = qs.filter(district_id=district_id)
    if len(lookup) == 11 and lookup.isdigit():
        qs = qs.filter(phone_index=blind_index(lookup))
    elif len(lookup) == 18:
        qs = qs.filter(id_number_index=id_number_index(lookup))
    else:
        return None
    return qs.first()


def _resident_or_error(actor, org, resident, lookup, errors, field="resident_lookup"):
    if resident is not None:
        from sanshe.territory.models import Resident

        if not Resident.objects.visible_to(actor, Perm.REGISTRY_VIEW).filter(pk=resident.pk).exists():
            _err(errors, field, _("This resident is not in your registry."))
            return None
        return resident
    if lookup:
        found = find_resident(actor, lookup, district_id=org.district_id)
        if found is None:
            _err(errors, field, _("No registered resident of your territory has this ID number or phone."))
        return found
    return None


# --- registering and the profile --------------------------------------------------------------------------------
def _clean_identity(org_pk, district_id, track, credit_code, filing_number, errors) -> tuple[str, str]:
    credit_code = (credit_code or "").strip().upper()
    filing_number = (filing_number or "").strip()
    if track == Track.REGISTERED:
        if not credit_code:
            _err(errors, "credit_code", _("A registered organization needs its unified social credit code."))
        else:
            try:
                info = validate_credit_code(credit_code)
            except ValidationError as exc:
                _err(errors, "credit_code", " ".join(exc.messages))
            else:
                credit_code = info.code
                if not info.is_civil_affairs:
                    _err(errors, "credit_code", _("Social organizations are registered with civil affairs: their "
                                                  "credit code begins with 5."))
                elif Organization.objects.filter(district_id=district_id, credit_code=credit_code).exclude(
                        pk=org_pk).exists():
                    _err(errors, "credit_code", _("Another organization of the district has this credit code."))
        filing_number = ""
    elif track == Track.FILED:
        if credit_code:
            _err(errors, "credit_code", _("A filed organization has a filing number and no credit code."))
        if not filing_number:
            _err(errors, "filing_number", _("A filed organization needs its filing number."))
        elif Organization.objects.filter(district_id=district_id, filing_number=filing_number).exclude(
                pk=org_pk).exists():
            _err(errors, "filing_number", _("Another organization of the district has this filing number."))
    else:
        _err(errors, "track", _("Choose registered or filed."))
    return credit_code, filing_number


def _clean_profile(data: dict, errors: dict) -> dict:
    out = {}
    for key in PROFILE_FIELDS:
        if key not in data:
            continue
        value = data[key]
        if isinstance(value, str):
            value = value.strip()
        out[key] = value
    if "name" in out and not out["name"]:
        _err(errors, "name", _("Give the organization's name."))
    if "service_field" in out and out["service_field"] not in ServiceField.values:
        _err(errors, "service_field", _("Choose a service field."))
    if out.get("contact_phone"):
        try:
            out["contact_phone"] = validate_phone(out["contact_phone"]).normalized
        except ValidationError as exc:
            _err(errors, "contact_phone", " ".join(exc.messages))
    if "founded_on" in out and out["founded_on"] and out["founded_on"] > timezone.localdate():
        _err(errors, "founded_on", _("The founding date cannot be in the future."))
    if "founded_on" in out and not out["founded_on"]:
        out["founded_on"] = None
    if "is_social_work_agency" in out:
        out["is_social_work_agency"] = bool(out["is_social_work_agency"])
    return out


def _history(org, from_status, to_status, *, actor, note="", on_date=None, at=None) -> StatusChange:
    at = at or timezone.now()
    return StatusChange.objects.create(
        organization=org, from_status=from_status, to_status=to_status, at=at,
        on_date=on_date or timezone.localdate(at), actor=actor if actor and actor.is_authenticated else None,
        actor_name=actor_name(actor), note=(note or "")[:300])


def register_organization(*, actor, node, name, track, credit_code="", filing_number="", status="",
                          on_date=None, at=None, **profile) -> Organization:
    """登记 or 备案: a new organization of ``node`` (a street or community inside the actor's territory)."""
    require(actor, MANAGE)
    from sanshe.territory.choices import Level
    from sanshe.territory.models import Node

    with txn.atomic():
        errors: dict[str, list] = {}
        if node is None or node.level not in (Level.DISTRICT, Level.STREET, Level.COMMUNITY):
            _err(errors, "node", _("Choose the district, street or community the organization works in."))
        elif not Node.objects.visible_to(actor, MANAGE).filter(pk=node.pk).exists():
            raise OutOfScope(MANAGE, node)
        district_id = node.district_id if node is not None else None
        credit_code, filing_number = _clean_identity(None, district_id, track, credit_code, filing_number, errors)
        data = _clean_profile({"name": name, **profile}, errors)
        status = status or OrgStatus.PREPARING
        if track in INITIAL and status not in INITIAL[track]:
            _err(errors, "status", _("A new organization on this track cannot start in this status."))
        if errors:
            raise ValidationError(errors)
        org = Organization(track=track, credit_code=credit_code, filing_number=filing_number, status=status,
                           node=node, **data)
        org.copy_ancestors_from(node)
        if node.level == Level.DISTRICT:
            org.district_id = node.pk
        org.save()
        _history(org, "", status, actor=actor, note=_("Entered in the registry"), on_date=on_date, at=at)
        audit.record("societies.organization.registered", obj=org, actor=actor, after=audit.snapshot(org))
    return org


def update_organization(*, actor, org: Organization, **changes) -> Organization:
    """Change the profile. Staff change any profile field (and the track's identity: credit code, filing
    number); an organization's own account changes its contacts only."""
    with txn.atomic():
        org = _locked(actor, org, MANAGE, allow_self=True)
        as_self = is_self_actor(actor, org)
        allowed = set(SELF_FIELDS) if as_self else set(PROFILE_FIELDS) | {"credit_code", "filing_number"}
        refused = sorted(set(changes) - allowed)
        if refused:
            if as_self:
                raise Denied(MANAGE, org)
            raise ValidationError({refused[0]: [_("This field cannot be changed here.")]})
        errors: dict[str, list] = {}
        data = _clean_profile(changes, errors)
        if "credit_code" in changes or "filing_number" in changes:
            code, number = _clean_identity(org.pk, org.district_id, org.track,
                                           changes.get("credit_code", org.credit_code),
                                           changes.get("filing_number", org.filing_number), errors)
            data["credit_code"], data["filing_number"] = code, number
        if errors:
            raise ValidationError(errors)
        before = audit.snapshot(org)
        for key, value in data.items():
            setattr(org, key, value)
        org.save()
        audit.record("societies.organization.updated", obj=org, actor=actor, before=before,
                     after=audit.snapshot(org))
    return org


def change_status(*, actor, org: Organization, to: str, note="", on_date=None, credit_code="", filing_number="",
                  at=None) -> Organization:
    """Move the organization along ``TRANSITIONS``. Becoming 已登记 needs a valid credit code (a filed
    organization that registers gives it here and moves to the registered track, dropping its filing number);
    becoming 已备案 needs the filed track and a filing number; 注销 needs a note."""
    with txn.atomic():
        org = _locked(actor, org, MANAGE)
        if to not in TRANSITIONS.get(org.status, ()):
            _refuse("to", _("An organization in this status cannot move to that one."))
        errors: dict[str, list] = {}
        before = audit.snapshot(org)
        if to == OrgStatus.REGISTERED:
            code = credit_code or org.credit_code
            code, _number = _clean_identity(org.pk, org.district_id, Track.REGISTERED, code, "", errors)
            org.track, org.credit_code, org.filing_number = Track.REGISTERED, code, ""
        elif to == OrgStatus.FILED:
            if org.track != Track.FILED:
                _err(errors, "to", _("Only an organization on the filed track can be filed."))
            number = filing_number or org.filing_number
            _code, number = _clean_identity(org.pk, org.district_id, Track.FILED, "", number, errors)
            org.filing_number = number
        elif to == OrgStatus.DEREGISTERED and not (note or "").strip():
            _err(errors, "note", _("Say why the organization is deregistered."))
        if on_date and on_date > timezone.localdate():
            _err(errors, "on_date", _("The date cannot be in the future."))
        if errors:
            raise ValidationError(errors)
        from_status = org.status
        org.status = to
        org.save()
        _history(org, from_status, to, actor=actor, note=note, on_date=on_date, at=at)
        audit.record("societies.organization.status_changed", obj=org, actor=actor, before=before,
                     after=audit.snapshot(org), extra={"from": from_status, "to": to})
    return org


# --- incubation and inspection ----------------------------------------------------------------------------------
def save_incubation(*, actor, org: Organization, level, stage, entered_on, incubator="", left_on=None, note="",
                    incubation: Incubation | None = None) -> Incubation:
    """Record (or correct) a stay in an incubator; a graduation sets the stage and the date it left."""
    with txn.atomic():
        org = _locked(actor, org, MANAGE)
        errors: dict[str, list] = {}
        if level not in IncubatorLevel.values:
            _err(errors, "level", _("Choose the incubator level."))
        if stage not in IncubationStage.values:
            _err(errors, "stage", _("Choose the stage."))
        if not entered_on:
            _err(errors, "entered_on", _("Give the date it entered."))
        elif left_on and left_on < entered_on:
            _err(errors, "left_on", _("It cannot leave before it entered."))
        if incubation is None and not left_on and org.incubations.filter(left_on__isnull=True).exists():
            _err(errors, "entered_on", _("The organization is already in an incubator; record when it left first."))
        if errors:
            raise ValidationError(errors)
        if incubation is not None:
            incubation = Incubation.objects.select_for_update().get(pk=incubation.pk, organization=org)
            before = audit.snapshot(incubation)
        else:
            incubation, before = Incubation(organization=org), None
        incubation.level, incubation.stage, incubation.incubator = level, stage, (incubator or "").strip()
        incubation.entered_on, incubation.left_on, incubation.note = entered_on, left_on, (note or "").strip()
        incubation.save()
        audit.record("societies.incubation.saved", obj=incubation, actor=actor, before=before,
                     after=audit.snapshot(incubation))
    return incubation


def record_inspection(*, actor, org: Organization, year: int, result: str, notes="") -> Inspection:
    """The annual inspection of ``year`` (one per year; recording it again corrects it)."""
    with txn.atomic():
        org = _locked(actor, org, MANAGE)
        errors: dict[str, list] = {}
        this_year = timezone.localdate().year
        if not year or year < 1980 or year > this_year:
            _err(errors, "year", _("Give a year up to this one."))
        if result not in InspectionResult.values:
            _err(errors, "result", _("Choose the result."))
        if errors:
            raise ValidationError(errors)
        row = Inspection.objects.filter(organization=org, year=year).first()
        before = audit.snapshot(row) if row else None
        row = row or Inspection(organization=org, year=year)
        row.result, row.notes, row.recorded_by = result, (notes or "").strip(), actor
        row.save()
        audit.record("societies.inspection.recorded", obj=row, actor=actor, before=before,
                     after=audit.snapshot(row))
    return row


# --- evaluation ---------------------------------------------------------------------------------------------------
def config_on(district_id, on: dt.date | None = None) -> EvaluationConfig | None:
    """The configuration in force in the district on ``on`` (today by default)."""
    on = on or timezone.localdate()
    return EvaluationConfig.objects.filter(district_id=district_id, effective_from__lte=on).order_by(
        "-effective_from", "-pk").first()


def default_config(district_id) -> EvaluationConfig:
    """The configuration in force today, or the defaults (5A ≥ 900 … 1A ≥ 500), unsaved, when there is none."""
    return config_on(district_id) or EvaluationConfig(district_id=district_id, effective_from=dt.date(2000, 1, 1))


def level_for(total, config: EvaluationConfig) -> str:
    for level, cut in config.cutoffs():
        if total >= cut:
            return level
    return EvalLevel.NONE


def save_config(*, actor, district, effective_from, note="", **values) -> EvaluationConfig:
    """A new configuration from ``effective_from`` (cut-offs descending; maximum points summing to 1000)."""
    require(actor, EVALUATE)
    from sanshe.territory.models import Node

    with txn.atomic():
        if not Node.objects.visible_to(actor, EVALUATE).filter(pk=district.pk).exists():
            raise OutOfScope(EVALUATE, district)
        defaults = EvaluationConfig()
        errors: dict[str, list] = {}
        fields = ("cut_5a", "cut_4a", "cut_3a", "cut_2a", "cut_1a", "max_basic", "max_governance",
                  "max_performance", "max_social", "validity_years")
        data = {}
        for key in fields:
            value = values.get(key, getattr(defaults, key))
            try:
                data[key] = int(value)
            except (TypeError, ValueError):
                _err(errors, key, _("Give a whole number."))
        if not effective_from:
            _err(errors, "effective_from", _("Give the date it takes effect."))
        if not errors:
            cuts = [data[k] for k in fields[:5]]
            if any(a <= b for a, b in zip(cuts, cuts[1:], strict=False)) or cuts[0] > 1000 or cuts[-1] <= 0:
                _err(errors, "cut_5a", _("The cut-offs must fall from 5A to 1A, between 1 and 1000."))
            if sum(data[k] for k in fields[5:9]) != 1000:
                _err(errors, "max_basic", _("The four dimensions' maximum points must add up to 1000."))
            if not 1 <= data["validity_years"] <= 10:
                _err(errors, "validity_years", _("Between 1 and 10 years."))
            if EvaluationConfig.objects.filter(district=district, effective_from=effective_from).exists():
                _err(errors, "effective_from", _("A configuration already takes effect on this date."))
        if errors:
            raise ValidationError(errors)
        config = EvaluationConfig.objects.create(district=district, effective_from=effective_from,
                                                 note=(note or "").strip(), **data)
        audit.record("societies.evaluation_config.saved", obj=config, actor=actor, after=audit.snapshot(config))
    return config


def _add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def record_evaluation(*, actor, org: Organization, evaluated_on, scores: dict, evaluator="",
                      notes="") -> Evaluation:
    """A score sheet: four dimension scores within their maximum points → total → level by the cut-offs in force
    on ``evaluated_on``; the level is valid for the configured years (5 by default). The organization's current
    level is that of its latest evaluation."""
    with txn.atomic():
        org = _locked(actor, org, EVALUATE)
        errors: dict[str, list] = {}
        if not evaluated_on:
            _err(errors, "evaluated_on", _("Give the date of the evaluation."))
            evaluated_on = timezone.localdate()
        elif evaluated_on > timezone.localdate():
            _err(errors, "evaluated_on", _("The date cannot be in the future."))
        if org.status == OrgStatus.DEREGISTERED:
            _err(errors, "evaluated_on", _("A deregistered organization is not evaluated."))
        config = config_on(org.district_id, evaluated_on)
        if config is None:
            config = EvaluationConfig.objects.filter(district_id=org.district_id).order_by("effective_from").first()
            if config is None:
                config = EvaluationConfig.objects.create(district_id=org.district_id,
                                                         effective_from=dt.date(2000, 1, 1),
                                                         note=_("Defaults"))
        maxima = config.maxima()
        clean: dict[str, Decimal] = {}
        for dim in DIMENSIONS:
            field = f"score_{dim}"
            try:
                value = Decimal(str(scores.get(dim, scores.get(field, ""))))
            except (InvalidOperation, ValueError):
                _err(errors, field, _("Give a score."))
                continue
            if value < 0 or value > maxima[dim]:
                _err(errors, field, _("Between 0 and %(max)d points.") % {"max": maxima[dim]})
            clean[dim] = value.quantize(Decimal("0.1"))
        if errors:
            raise ValidationError(errors)
        total = sum(clean.values(), Decimal("0"))
        level = level_for(total, config)
        valid_until = _add_years(evaluated_on, config.validity_years) if level != EvalLevel.NONE else None
        ev = Evaluation.objects.create(
            organization=org, config=config, evaluated_on=evaluated_on, total=total, level=level,
            valid_until=valid_until, evaluator=(evaluator or "").strip(), notes=(notes or "").strip(),
            recorded_by=actor, **{f"score_{d}": v for d, v in clean.items()})
        latest = org.evaluations.order_by("-evaluated_on", "-pk").first()
        if latest.pk == ev.pk:
            org.evaluation_level = "" if level == EvalLevel.NONE else level
            org.evaluation_valid_until = valid_until
            org.save(update_fields=["evaluation_level", "evaluation_valid_until", "updated_at"])
        audit.record("societies.evaluation.recorded", obj=ev, actor=actor, after=audit.snapshot(ev))
    return ev


def current_level(org: Organization, on: dt.date | None = None) -> str:
    """The level in force on ``on``: the latest evaluation's, while it is valid."""
    on = on or timezone.localdate()
    if org.evaluation_level and org.evaluation_valid_until and org.evaluation_valid_until >= on:
        return org.evaluation_level
    return ""


# --- members, council, posts ------------------------------------------------------------------------------------
def add_member(*, actor, org: Organization, kind: str, name="", resident=None, resident_lookup="", unit=None,
               joined_on=None) -> Member:
    """A member: an individual (a resident of the registry, or a typed name) or a resident unit."""
    with txn.atomic():
        org = _locked(actor, org, MANAGE, allow_self=True)
        errors: dict[str, list] = {}
        name = (name or "").strip()
        if kind == MemberKind.INDIVIDUAL:
            resident = _resident_or_error(actor, org, resident, resident_lookup, errors)
            unit = None
            if resident is not None:
                name = resident.name
                if org.members.filter(resident=resident, left_on__isnull=True).exists():
                    _err(errors, "resident_lookup", _("This resident is already a member."))
        elif kind == MemberKind.UNIT:
            resident = None
            if unit is not None:
                from sanshe.territory.models import ResidentUnit

                if not ResidentUnit.objects.visible_to(actor, Perm.REGISTRY_VIEW).filter(pk=unit.pk).exists() \
                        and not ResidentUnit.objects.filter(pk=unit.pk, district_id=org.district_id).exists():
                    _err(errors, "unit", _("This resident unit is not of the district."))
                else:
                    name = unit.name
                    if org.members.filter(unit=unit, left_on__isnull=True).exists():
                        _err(errors, "unit", _("This unit is already a member."))
        else:
            _err(errors, "kind", _("Choose individual or unit."))
        if not name and not errors:
            _err(errors, "name", _("Give the member's name or choose one from the registry."))
        if joined_on and joined_on > timezone.localdate():
            _err(errors, "joined_on", _("The date cannot be in the future."))
        if errors:
            raise ValidationError(errors)
        member = Member(organization=org, kind=kind, resident=resident, unit=unit, name=name[:100],
                        joined_on=joined_on or timezone.localdate())
        _copy_org_scope(member, org)
        member.save()
        audit.record("societies.member.added", obj=member, actor=actor, after=audit.snapshot(member))
    return member


def _copy_org_scope(row, org) -> None:
    row.district_id, row.street_id, row.community_id = org.district_id, org.street_id, org.community_id


def end_membership(*, actor, member: Member, left_on=None) -> Member:
    with txn.atomic():
        _locked(actor, member.organization, MANAGE, allow_self=True)
        member = Member.objects.select_for_update().get(pk=member.pk)
        if member.left_on:
            _refuse("left_on", _("This membership has already ended."))
        left_on = left_on or timezone.localdate()
        if member.joined_on and left_on < member.joined_on:
            raise ValidationError({"left_on": [_("It cannot end before it began.")]})
        before = audit.snapshot(member)
        member.left_on = left_on
        member.save(update_fields=["left_on", "updated_at"])
        audit.record("societies.member.ended", obj=member, actor=actor, before=before, after=audit.snapshot(member))
    return member


def save_seat(*, actor, org: Organization, role: str, holder_name="", resident=None, resident_lookup="",
              term_start=None, term_end=None, seat: CouncilSeat | None = None) -> CouncilSeat:
    """A council (理事会) seat and its holder (a resident of the registry, or a typed name; empty = vacant)."""
    with txn.atomic():
        org = _locked(actor, org, MANAGE, allow_self=True)
        errors: dict[str, list] = {}
        if role not in SeatRole.values:
            _err(errors, "role", _("Choose the seat."))
        resident = _resident_or_error(actor, org, resident, resident_lookup, errors)
        holder_name = resident.name if resident is not None else (holder_name or "").strip()
        if term_start and term_end and term_end < term_start:
            _err(errors, "term_end", _("The term cannot end before it begins."))
        if errors:
            raise ValidationError(errors)
        if seat is not None:
            seat = CouncilSeat.objects.select_for_update().get(pk=seat.pk, organization=org)
            before = audit.snapshot(seat)
            if not resident_lookup and resident is None and holder_name == seat.holder_name:
                resident = seat.resident
        else:
            seat, before = CouncilSeat(organization=org), None
            _copy_org_scope(seat, org)
        seat.role, seat.holder_name, seat.resident = role, holder_name[:50], resident
        seat.term_start, seat.term_end = term_start, term_end
        seat.save()
        audit.record("societies.council_seat.saved", obj=seat, actor=actor, before=before, after=audit.snapshot(seat))
    return seat


def remove_seat(*, actor, seat: CouncilSeat) -> None:
    with txn.atomic():
        _locked(actor, seat.organization, MANAGE, allow_self=True)
        audit.record("societies.council_seat.removed", obj=seat, actor=actor, before=audit.snapshot(seat))
        seat.delete()


def save_post(*, actor, org: Organization, title: str, holder_name="", resident=None, resident_lookup="",
              holder_is_cadre=False, post: LeadershipPost | None = None) -> LeadershipPost:
    """A leadership post (会长, 秘书长, 队长 …) and its holder."""
    with txn.atomic():
        org = _locked(actor, org, MANAGE)
        errors: dict[str, list] = {}
        title = (title or "").strip()
        if not title:
            _err(errors, "title", _("Name the post."))
        resident = _resident_or_error(actor, org, resident, resident_lookup, errors)
        holder_name = resident.name if resident is not None else (holder_name or "").strip()
        if errors:
            raise ValidationError(errors)
        if post is not None:
            post = LeadershipPost.objects.select_for_update().get(pk=post.pk, organization=org)
            before = audit.snapshot(post)
            if not resident_lookup and resident is None and holder_name == post.holder_name:
                resident = post.resident
        else:
            post, before = LeadershipPost(organization=org), None
            _copy_org_scope(post, org)
        post.title, post.holder_name, post.resident = title[:50], holder_name[:50], resident
        post.holder_is_cadre = bool(holder_is_cadre)
        post.save()
        audit.record("societies.post.saved", obj=post, actor=actor, before=before, after=audit.snapshot(post))
    return post


def add_staff(*, actor, org: Organization, user=None, username="", title="") -> OrganizationStaff:
    """Give an account the organization's own pages (the ``social_org`` role reaches what it is staff of). The
    account must be of the organization's district and hold the organization role."""
    from sanshe.accounts.models import User

    with txn.atomic():
        org = _locked(actor, org, MANAGE)
        if user is None:
            user = User.objects.filter(username=(username or "").strip(), is_active=True).first()
        if user is None or (user.district_id and user.district_id != org.district_id) \
                or not user.has_permission(SELF):
            raise ValidationError({"username": [_("No active account of the district with the social organization "
                                                  "role has this user name.")]})
        row, created = OrganizationStaff.objects.get_or_create(organization=org, user=user,
                                                                defaults={"title": (title or "")[:50]})
        if created:
            audit.record("societies.staff.added", obj=row, actor=actor, after=audit.snapshot(row))
    return row


def remove_staff(*, actor, staff: OrganizationStaff) -> None:
    with txn.atomic():
        _locked(actor, staff.organization, MANAGE)
        audit.record("societies.staff.removed", obj=staff, actor=actor, before=audit.snapshot(staff))
        staff.delete()


def remove_post(*, actor, post: LeadershipPost) -> None:
    with txn.atomic():
        _locked(actor, post.organization, MANAGE)
        audit.record("societies.post.removed", obj=post, actor=actor, before=audit.snapshot(post))
        post.delete()
