"""Writes on the resident registry (the services of 一院一图 · 一楼一册 · 一户一档).

Each function: one transaction, permission and territory re-checked inside, one audit entry inside (ID numbers
and phones masked in it). ID numbers and phones are validated and normalised (``sanshe.core.validators``),
stored encrypted with a blind index and a masked copy.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from sanshe.accounts.roles import Perm
from sanshe.core import audit, crypto
from sanshe.core.masking import mask_id_number, mask_phone
from sanshe.core.services import require, require_visible
from sanshe.core.validators import FieldWarning, validate_id_number, validate_phone

from .choices import IdType, Level, MoveKind, Relation, ResidentStatus
from .models import (
    Dwelling,
    Household,
    HouseholdTimelineEntry,
    Node,
    Resident,
    ResidentMove,
    ResidentTag,
    TagType,
)

MANAGE = Perm.REGISTRY_MANAGE


@dataclass
class Identity:
    """The identity fields of a resident, validated and ready to store."""

    id_type: str
    id_number: str
    id_number_index: str
    id_number_masked: str
    birth_date: dt.date | None
    sex: str
    phone: str
    phone_index: str
    phone_masked: str
    warnings: list[FieldWarning]


def check_identity(*, id_type: str = IdType.ID_CARD, id_number: str = "", phone: str = "",
                   birth_date: dt.date | None = None, sex: str = "") -> Identity:
    """Validate and normalise an ID number and a phone; field errors as one ValidationError dict."""
    errors: dict[str, list] = {}
    warnings: list[FieldWarning] = []
    number = (id_number or "").strip()
    if id_type == IdType.ID_CARD and number:
        try:
            info = validate_id_number(number)
        except ValidationError as exc:
            errors["id_number"] = exc.messages
        else:
            number, birth_date, sex = info.number, info.birth_date, info.sex
            warnings.extend(info.warnings)
    phone_value = (phone or "").strip()
    if phone_value:
        try:
            phone_value = validate_phone(phone_value).normalized
        except ValidationError as exc:
            errors["phone"] = exc.messages
    if errors:
        raise ValidationError(errors)
    return Identity(
        id_type=id_type, id_number=number,
        id_number_index=crypto.blind_index(f"{id_type}:{number}") if number else "",
        id_number_masked=mask_id_number(number), birth_date=birth_date, sex=sex or "",
        phone=phone_value, phone_index=crypto.blind_index(phone_value) if phone_value else "",
        phone_masked=mask_phone(phone_value), warnings=warnings,
    )


def id_number_index(number: str, id_type: str = IdType.ID_CARD) -> str:
    """The blind index a search uses to find a full ID number (normalised first)."""
    if id_type == IdType.ID_CARD:
        from sanshe.core.validators import normalize_id_number

        number = normalize_id_number(number)
    return crypto.blind_index(f"{id_type}:{number}")


def _apply_identity(resident: Resident, identity: Identity) -> None:
    for name in ("id_type", "id_number", "id_number_index", "id_number_masked", "phone", "phone_index",
                 "phone_masked"):
        setattr(resident, name, getattr(identity, name))
    if identity.birth_date:
        resident.birth_date = identity.birth_date
    if identity.sex:
        resident.sex = identity.sex


def _check_unique_in_district(resident: Resident) -> None:
    if not resident.id_number_index:
        return
    clash = Resident.objects.filter(district_id=resident.district_id, id_number_index=resident.id_number_index)
    if resident.pk:
        clash = clash.exclude(pk=resident.pk)
    if clash.exists():
        raise ValidationError({"id_number": _("This ID number is already registered in the district.")})


def _save_resident(resident: Resident) -> None:
    try:
        with transaction.atomic():
            resident.save()
    except IntegrityError as exc:
        raise ValidationError({"id_number": _("This ID number is already registered in the district.")}) from exc


def add_timeline_entry(household: Household, *, kind: str, title: str, at: dt.datetime | None = None,
                       obj=None, url: str = "", resident: Resident | None = None,
                       permission: str = Perm.REGISTRY_VIEW) -> HouseholdTimelineEntry:
    """The household-file hook: any app's service adds what happened to a household (inside its transaction)."""
    return HouseholdTimelineEntry.objects.create(
        household=household, resident=resident, at=at or timezone.now(), kind=kind, title=title[:255],
        object_type=obj._meta.label_lower if obj is not None else "", object_id=str(obj.pk) if obj else "",
        url=url, permission=permission,
    )


# --- dwellings and households ------------------------------------------------------------------------------
@transaction.atomic
def get_or_create_dwelling(*, actor, building: Node, unit: str = "", room: str, floor: int | None = None) -> Dwelling:
    require(actor, MANAGE)
    building = require_visible(Node, building, actor, MANAGE)
    if building.level != Level.BUILDING:
        raise ValidationError({"building": _("A dwelling belongs to a building.")})
    room = (room or "").strip()
    if not room:
        raise ValidationError({"room": _("This field is required.")})
    unit = (unit or "").strip()
    dwelling = Dwelling.objects.filter(building=building, unit=unit, room=room).first()
    if dwelling is not None:
        return dwelling
    dwelling = Dwelling(building=building, unit=unit, room=room, floor=floor if floor is not None else floor_of(room))
    dwelling.copy_ancestors_from(building)
    dwelling.save()
    audit.record("registry.dwelling.created", obj=dwelling, after=audit.snapshot(dwelling), actor=actor)
    return dwelling


def floor_of(room: str) -> int | None:
    """501 → 5, 1203 → 12; None when the room number does not say."""
    digits = "".join(ch for ch in room if ch.isdigit())
    if len(digits) in (3, 4) and digits == room.strip():
        return int(digits[:-2]) or None
    return None


@transaction.atomic
def create_household(*, actor, number: str, node: Node, dwelling: Dwelling | None = None,
                     registration_kind: str = "registered", note: str = "") -> Household:
    """A household in ``node``'s community (at a dwelling, or at a compound or grid when it has none)."""
    require(actor, MANAGE)
    if dwelling is not None:
        dwelling = require_visible(Dwelling, dwelling, actor, MANAGE)
        node = dwelling.building
    node = require_visible(Node, node, actor, MANAGE)
    if node.community_id is None:
        raise ValidationError({"node": _("A household belongs to a community.")})
    number = (number or "").strip()
    if not number:
        raise ValidationError({"number": _("This field is required.")})
    if Household.objects.filter(community_id=node.community_id, number=number).exists():
        raise ValidationError({"number": _("This household number is already used in the community.")})
    household = Household(number=number, dwelling=dwelling, registration_kind=registration_kind, note=note)
    household.copy_ancestors_from(node)
    household.save()
    audit.record("registry.household.created", obj=household, after=audit.snapshot(household), actor=actor)
    add_timeline_entry(household, kind="registry.household.created", title=_("Household file opened"))
    return household


@transaction.atomic
def update_household(household: Household, *, actor, registration_kind: str | None = None,
                     dwelling: Dwelling | None = ..., note: str | None = None) -> Household:
    require(actor, MANAGE)
    household = require_visible(Household, household, actor, MANAGE, lock=True)
    before = audit.snapshot(household)
    if registration_kind is not None:
        household.registration_kind = registration_kind
    if note is not None:
        household.note = note
    if dwelling is not ...:
        if dwelling is not None:
            dwelling = require_visible(Dwelling, dwelling, actor, MANAGE)
            if dwelling.community_id != household.community_id:
                raise ValidationError({"dwelling": _("The dwelling is in another community.")})
            household.copy_ancestors_from(dwelling.building)
        household.dwelling = dwelling
        Resident.objects.filter(household=household).update(
            dwelling=dwelling, building_id=household.building_id, compound_id=household.compound_id,
            grid_id=household.grid_id,
        )
    household.full_clean(exclude=["head", "dwelling"])
    household.save()
    after = audit.snapshot(household)
    if before != after:
        audit.record("registry.household.updated", obj=household, before=before, after=after, actor=actor)
        add_timeline_entry(household, kind="registry.household.updated", title=_("Household details changed"))
    return household


@transaction.atomic
def set_head(household: Household, resident: Resident, *, actor) -> Household:
    require(actor, MANAGE)
    household = require_visible(Household, household, actor, MANAGE, lock=True)
    if resident.household_id != household.pk:
        raise ValidationError({"head": _("The head must be a member of the household.")})
    before = audit.snapshot(household)
    household.head = resident
    household.save(update_fields=["head", "updated_at"])
    Resident.objects.filter(pk=resident.pk).update(relation=Relation.HEAD)
    audit.record("registry.household.head_changed", obj=household, before=before, after=audit.snapshot(household),
                 actor=actor)
    add_timeline_entry(household, kind="registry.household.head_changed", resident=resident,
                       title=_("%(name)s became head of household") % {"name": resident.name})
    return household


# --- residents ---------------------------------------------------------------------------------------------
RESIDENT_FIELDS = ("name", "sex", "ethnicity", "relation", "note", "move_in_date")


@transaction.atomic
def register_resident(*, actor, household: Household, name: str, id_type: str = IdType.ID_CARD,
                      id_number: str = "", phone: str = "", relation: str = "", sex: str = "",
                      ethnicity: str = "汉族", birth_date: dt.date | None = None,
                      move_in_date: dt.date | None = None, note: str = "") -> tuple[Resident, list[FieldWarning]]:
    """Register a resident into a household (a move-in). Returns the resident and any warnings."""
    require(actor, MANAGE)
    household = require_visible(Household, household, actor, MANAGE, lock=True)
    name = (name or "").strip()
    errors = {}
    if not name:
        errors["name"] = [_("This field is required.")]
    try:
        identity = check_identity(id_type=id_type, id_number=id_number, phone=phone, birth_date=birth_date, sex=sex)
    except ValidationError as exc:
        errors.update(exc.message_dict)
        identity = None
    if errors:
        raise ValidationError(errors)
    resident = Resident(name=name, ethnicity=(ethnicity or "").strip(), relation=relation or "", note=note,
                        household=household, dwelling=household.dwelling, move_in_date=move_in_date,
                        birth_date=birth_date, sex=sex or "")
    resident.copy_ancestors_from(household)
    _apply_identity(resident, identity)
    _check_unique_in_district(resident)
    _save_resident(resident)
    ResidentMove.objects.create(resident=resident, kind=MoveKind.MOVE_IN, to_household=household, actor=actor,
                                date=move_in_date or timezone.localdate())
    if relation == Relation.HEAD:
        Household.objects.filter(pk=household.pk).update(head=resident)
    audit.record("registry.resident.registered", obj=resident, after=audit.snapshot(resident), actor=actor)
    add_timeline_entry(household, kind="registry.resident.moved_in", resident=resident,
                       title=_("%(name)s moved in") % {"name": name})
    return resident, identity.warnings


@transaction.atomic
def update_resident(resident: Resident, *, actor, **changes) -> tuple[Resident, list[FieldWarning]]:
    """Change a resident's details (name, sex, ethnicity, relation, note, dates, ID, phone)."""
    require(actor, MANAGE)
    resident = require_visible(Resident, resident, actor, MANAGE, lock=True)
    before = audit.snapshot(resident)
    warnings: list[FieldWarning] = []
    for field in RESIDENT_FIELDS:
        if field in changes and changes[field] is not None:
            setattr(resident, field, changes[field].strip() if isinstance(changes[field], str) else changes[field])
    if not resident.name:
        raise ValidationError({"name": _("This field is required.")})
    if {"id_number", "id_type", "phone"} & changes.keys():
        identity = check_identity(
            id_type=changes.get("id_type", resident.id_type),
            id_number=changes.get("id_number", resident.id_number),
            phone=changes.get("phone", resident.phone),
            birth_date=changes.get("birth_date", resident.birth_date), sex=changes.get("sex", resident.sex),
        )
        _apply_identity(resident, identity)
        warnings = identity.warnings
        _check_unique_in_district(resident)
    elif "birth_date" in changes and resident.id_type != IdType.ID_CARD:
        resident.birth_date = changes["birth_date"]
    _save_resident(resident)
    after = audit.snapshot(resident)
    if before != after:
        audit.record("registry.resident.updated", obj=resident, before=before, after=after, actor=actor)
        if resident.household_id:
            add_timeline_entry(resident.household, kind="registry.resident.updated", resident=resident,
                               title=_("%(name)s's details changed") % {"name": resident.name})
    return resident, warnings


def _leave(resident: Resident, *, actor, kind: str, status: str, date: dt.date, note: str) -> Resident:
    require(actor, MANAGE)
    resident = require_visible(Resident, resident, actor, MANAGE, lock=True)
    if resident.status != ResidentStatus.REGISTERED:
        raise ValidationError({"status": _("This resident is no longer registered here.")})
    if date is None:
        raise ValidationError({"date": _("This field is required.")})
    if date > timezone.localdate():
        raise ValidationError({"date": _("The date cannot be in the future.")})
    before = audit.snapshot(resident)
    resident.status = status
    if kind == MoveKind.DEATH:
        resident.death_date = date
    else:
        resident.move_out_date = date
    resident.save()
    ResidentMove.objects.create(resident=resident, kind=kind, date=date, from_household=resident.household,
                                note=note[:255], actor=actor)
    household = resident.household
    if household is not None and household.head_id == resident.pk:
        Household.objects.filter(pk=household.pk).update(head=None)
    audit.record(f"registry.resident.{kind}", obj=resident, before=before, after=audit.snapshot(resident), actor=actor,
                 message=note[:500])
    if household is not None:
        title = (_("%(name)s moved out") if kind == MoveKind.MOVE_OUT else _("%(name)s died")) % {"name": resident.name}
        add_timeline_entry(household, kind=f"registry.resident.{kind}", resident=resident, title=title)
    return resident


@transaction.atomic
def move_out(resident: Resident, *, actor, date: dt.date, note: str = "") -> Resident:
    return _leave(resident, actor=actor, kind=MoveKind.MOVE_OUT, status=ResidentStatus.MOVED_OUT, date=date, note=note)


@transaction.atomic
def record_death(resident: Resident, *, actor, date: dt.date, note: str = "") -> Resident:
    return _leave(resident, actor=actor, kind=MoveKind.DEATH, status=ResidentStatus.DECEASED, date=date, note=note)


@transaction.atomic
def transfer(resident: Resident, *, actor, to_household: Household, date: dt.date, relation: str = "") -> Resident:
    """Move a registered resident to another household (within the actor's territory)."""
    require(actor, MANAGE)
    resident = require_visible(Resident, resident, actor, MANAGE, lock=True)
    to_household = require_visible(Household, to_household, actor, MANAGE)
    if resident.status != ResidentStatus.REGISTERED:
        raise ValidationError({"status": _("This resident is no longer registered here.")})
    if to_household.pk == resident.household_id:
        raise ValidationError({"household": _("The resident is already in this household.")})
    before = audit.snapshot(resident)
    old = resident.household
    resident.household = to_household
    resident.dwelling = to_household.dwelling
    resident.relation = relation or ""
    resident.copy_ancestors_from(to_household)
    resident.save()
    if old is not None and old.head_id == resident.pk:
        Household.objects.filter(pk=old.pk).update(head=None)
    ResidentMove.objects.create(resident=resident, kind=MoveKind.TRANSFER, date=date, from_household=old,
                                to_household=to_household, actor=actor)
    audit.record("registry.resident.transferred", obj=resident, before=before, after=audit.snapshot(resident),
                 actor=actor)
    for household, title in ((old, _("%(name)s left for household %(number)s")),
                             (to_household, _("%(name)s joined from another household"))):
        if household is not None:
            add_timeline_entry(household, kind="registry.resident.transferred", resident=resident,
                               title=title % {"name": resident.name, "number": to_household.number})
    return resident


@transaction.atomic
def unmask(resident: Resident, *, actor, field: str, reason: str) -> str:
    """Show one ID number or phone in full: a permission, a reason, an audit entry."""
    if field not in ("id_number", "phone"):
        raise ValidationError({"field": _("Unknown field.")})
    require(actor, Perm.REGISTRY_UNMASK, obj=resident)
    resident = require_visible(Resident, resident, actor, Perm.REGISTRY_UNMASK)
    reason = (reason or "").strip()
    if len(reason) < 2:
        raise ValidationError({"reason": _("Please say why you need to see it in full.")})
    audit.record("registry.resident.unmasked", obj=resident, actor=actor, message=reason[:500],
                 extra={"field": field})
    return getattr(resident, field)


# --- tags --------------------------------------------------------------------------------------------------
@transaction.atomic
def add_tag(resident: Resident, *, actor, tag_type: TagType, valid_from: dt.date | None = None,
            valid_to: dt.date | None = None, details: dict | None = None) -> ResidentTag:
    require(actor, MANAGE)
    resident = require_visible(Resident, resident, actor, MANAGE)
    if tag_type.derived_min_age is not None:
        raise ValidationError({"tag_type": _("This tag is derived from the birth date and cannot be assigned.")})
    if not tag_type.is_active:
        raise ValidationError({"tag_type": _("This tag is no longer in use.")})
    details = {k: str(v).strip() for k, v in (details or {}).items() if str(v).strip()}
    missing = [f["label"] for f in tag_type.detail_fields if f.get("required") and not details.get(f["key"])]
    if missing:
        raise ValidationError({"details": _("Please fill in: %(fields)s.") % {"fields": "、".join(missing)}})
    if valid_from and valid_to and valid_to < valid_from:
        raise ValidationError({"valid_to": _("The end of validity is before its start.")})
    tag = ResidentTag(resident=resident, tag_type=tag_type, valid_from=valid_from, valid_to=valid_to, details=details)
    tag.copy_ancestors_from(resident)
    try:
        with transaction.atomic():
            tag.save()
    except IntegrityError as exc:
        raise ValidationError({"tag_type": _("The resident already has this tag from that date.")}) from exc
    audit.record("registry.tag.added", obj=tag, after=audit.snapshot(tag), actor=actor,
                 extra={"resident": resident.pk, "tag": tag_type.code})
    if resident.household_id:
        add_timeline_entry(resident.household, kind="registry.tag.added", resident=resident,
                           title=_("%(name)s: %(tag)s") % {"name": resident.name, "tag": tag_type.name})
    return tag


@transaction.atomic
def end_tag(tag: ResidentTag, *, actor, valid_to: dt.date) -> ResidentTag:
    require(actor, MANAGE)
    tag = require_visible(ResidentTag, tag, actor, MANAGE, lock=True)
    if tag.valid_from and valid_to < tag.valid_from:
        raise ValidationError({"valid_to": _("The end of validity is before its start.")})
    before = audit.snapshot(tag)
    tag.valid_to = valid_to
    tag.save(update_fields=["valid_to", "updated_at"])
    audit.record("registry.tag.ended", obj=tag, before=before, after=audit.snapshot(tag), actor=actor)
    return tag
