"""Writes on the resident registry (the services of 一院一图 · 一楼一册 · 一户一档).

Each function: one transaction, permission and territory re-checked inside, one audit entry inside (ID numbers
and phones masked in it). ID numbers and phones are validated and normalised (``sanshe.core.validators``),
stored encrypted with a blind index and a masked copy.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from sanshe.accounts.roles import Perm
from sanshe.core import audit, crypto
from sanshe.core.masking import mask_id_number, mask_phone
from sanshe.core.services import require, require_visible
from sanshe.core.validators import FieldWarning, validate_id_number, validate_phone

from .choices import IdType, Level, MoveKind, Occupancy, Relation, ResidentStatus
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
def set_dwelling_occupancy(dwelling: Dwelling, *, actor, occupancy: str) -> Dwelling:
    """How a dwelling is used (自住 / 出租 / 空置): audited, and noted on the file of every household living there."""
    require(actor, MANAGE)
    dwelling = require_visible(Dwelling, dwelling, actor, MANAGE, lock=True)
    if occupancy not in Occupancy.values:
        raise ValidationError({"occupancy": _("Choose owner-occupied, rented out or vacant.")})
    if occupancy == dwelling.occupancy:
        return dwelling
    before = audit.snapshot(dwelling)
    dwelling.occupancy = occupancy
    dwelling.save(update_fields=["occupancy", "updated_at"])
    audit.record("registry.dwelling.occupancy_changed", obj=dwelling, before=before, after=audit.snapshot(dwelling),
                 actor=actor)
    title = _("Dwelling %(dwelling)s is now: %(occupancy)s") % {"dwelling": str(dwelling),
                                                               "occupancy": Occupancy(occupancy).label}
    for household in Household.objects.filter(dwelling=dwelling, is_active=True):
        add_timeline_entry(household, kind="registry.dwelling.occupancy_changed", title=title, obj=dwelling)
    return dwelling


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
        ResidentTag.objects.filter(resident__household=household).update(
            building_id=household.building_id, compound_id=household.compound_id, grid_id=household.grid_id,
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
def required_detail_keys(tag_type: TagType) -> list[str]:
    return [f["key"] for f in tag_type.detail_fields or [] if f.get("required")]


def clean_details(tag_type: TagType, details: dict | None) -> dict:
    """The details of a tag of ``tag_type``: trimmed, blanks dropped, keys of the type only; every required one
    present, else one ValidationError on ``details`` naming the missing ones (in the type's words)."""
    known = {f["key"] for f in tag_type.detail_fields or []}
    details = {k: str(v).strip()[:200] for k, v in (details or {}).items() if k in known and str(v).strip()}
    missing = [f.get("label") or f["key"] for f in tag_type.detail_fields or []
               if f.get("required") and not details.get(f["key"])]
    if missing:
        raise ValidationError({"details": _("Please fill in: %(fields)s.") % {"fields": "、".join(missing)}})
    return details


def tag_missing_details(tag: ResidentTag) -> list[str]:
    """The labels of the required details a tag does not have yet (an imported tag: 待补充)."""
    return [f.get("label") or f["key"] for f in tag.tag_type.detail_fields or []
            if f.get("required") and not str((tag.details or {}).get(f["key"]) or "").strip()]


def details_missing_q(prefix: str = "") -> Q:
    """Tags (``prefix`` = path to the tag, e.g. ``"tags__"``) lacking a required detail of their type.

    One condition per tag type with required details (a handful, configuration), on the JSON column; works on
    PostgreSQL and SQLite. Matches nothing when no type requires details.
    """
    q = Q(pk__in=[])
    for tag_type in TagType.objects.filter(is_active=True, derived_min_age__isnull=True):
        keys = required_detail_keys(tag_type)
        if not keys:
            continue
        lacking = Q()
        for key in keys:
            lacking |= ~Q(**{f"{prefix}details__has_key": key}) | Q(**{f"{prefix}details__{key}": ""})
        q |= Q(**{f"{prefix}tag_type": tag_type}) & lacking
    return q


@transaction.atomic
def update_tag_details(tag: ResidentTag, *, actor, details: dict, valid_from: dt.date | None = ...,
                       valid_to: dt.date | None = ...) -> ResidentTag:
    """Complete or correct a tag's details (e.g. the certificate number an import could not bring)."""
    require(actor, MANAGE)
    tag = require_visible(ResidentTag, tag, actor, MANAGE, lock=True)
    tag_type = TagType.objects.get(pk=tag.tag_type_id)
    before = audit.snapshot(tag)
    tag.details = clean_details(tag_type, details)
    if valid_from is not ...:
        tag.valid_from = valid_from
    if valid_to is not ...:
        tag.valid_to = valid_to
    if tag.valid_from and tag.valid_to and tag.valid_to < tag.valid_from:
        raise ValidationError({"valid_to": _("The end of validity is before its start.")})
    try:
        with transaction.atomic():
            tag.save(update_fields=["details", "valid_from", "valid_to", "updated_at"])
    except IntegrityError as exc:
        raise ValidationError({"valid_from": _("The resident already has this tag from that date.")}) from exc
    after = audit.snapshot(tag)
    if before != after:
        audit.record("registry.tag.details_changed", obj=tag, before=before, after=after, actor=actor,
                     extra={"resident": tag.resident_id, "tag": tag_type.code})
        resident = Resident.objects.filter(pk=tag.resident_id).only("pk", "name", "household_id").first()
        if resident is not None and resident.household_id:
            add_timeline_entry(Household(pk=resident.household_id), kind="registry.tag.details_changed",
                               resident=resident, title=_("%(name)s: details of %(tag)s completed")
                               % {"name": resident.name, "tag": tag_type.name})
    return tag


@transaction.atomic
def add_tag(resident: Resident, *, actor, tag_type: TagType, valid_from: dt.date | None = None,
            valid_to: dt.date | None = None, details: dict | None = None) -> ResidentTag:
    require(actor, MANAGE)
    resident = require_visible(Resident, resident, actor, MANAGE)
    if tag_type.derived_min_age is not None:
        raise ValidationError({"tag_type": _("This tag is derived from the birth date and cannot be assigned.")})
    if not tag_type.is_active:
        raise ValidationError({"tag_type": _("This tag is no longer in use.")})
    details = clean_details(tag_type, details)
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


# --- what a re-import changes (called by ``registry_bulk.write`` inside the import's transaction) ----------------
# The import writes one ``registry.import`` audit entry for the whole file (see ``registry_bulk``); these functions
# add the household-file timeline entries and return counts for that entry. They work set by set (district scale).
_ANCESTOR_COLUMNS = ("district_id", "street_id", "community_id", "grid_id", "compound_id", "building_id")
_CHUNK = 5000


def _chunked(items, size: int = _CHUNK):
    items = list(items)
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _address(dwelling: Dwelling | None) -> str:
    if dwelling is None:
        return ""
    parts = [n.name for n in (dwelling.compound, dwelling.building) if n is not None]
    return " ".join([*parts, str(dwelling)])


def relocate_imported_households(moves: dict, *, now: dt.datetime | None = None) -> dict:
    """Households that the file places at another dwelling move there.

    ``moves``: key → (household id, new dwelling id). The household, its members (all, as ``update_household``
    does) and their tags take the dwelling's building, compound and grid; the household's file gets a timeline
    entry "moved from … to …". Returns key → (household id, dwelling id, ancestors) for the import's lookup.
    """
    if not moves:
        return {}
    now = now or timezone.now()
    households: dict[int, Household] = {}
    for part in _chunked(h for h, _d in moves.values()):
        households.update((h.pk, h) for h in Household.objects.filter(pk__in=part).select_related(
            "dwelling__compound", "dwelling__building"))
    dwellings: dict[int, Dwelling] = {}
    for part in _chunked({d for _h, d in moves.values()}):
        dwellings.update((d.pk, d) for d in Dwelling.objects.filter(pk__in=part).select_related(
            "compound", "building"))
    out, household_rows, member_rows, timeline = {}, [], [], []
    stamp = connection.ops.adapt_datetimefield_value(now)
    for key, (household_id, dwelling_id) in moves.items():
        household, dwelling = households[household_id], dwellings[dwelling_id]
        ancestors = tuple(getattr(dwelling, column) for column in _ANCESTOR_COLUMNS)
        out[key] = (household_id, dwelling_id, ancestors)
        household_rows.append((dwelling_id, *ancestors, stamp, household_id))
        member_rows.append((dwelling_id, *ancestors[3:], household_id))
        old = _address(household.dwelling)
        title = (_("Household moved from %(old)s to %(new)s") if old else _("Household moved to %(new)s")) % {
            "old": old, "new": _address(dwelling)}
        timeline.append(HouseholdTimelineEntry(
            household_id=household_id, at=now, kind="registry.household.moved", title=title[:255],
            object_type=Dwelling._meta.label_lower, object_id=str(dwelling_id), permission=Perm.REGISTRY_VIEW))
    tables = {m: m._meta.db_table for m in (Household, Resident, ResidentTag)}
    with connection.cursor() as cursor:
        cursor.executemany(
            f'UPDATE "{tables[Household]}" SET dwelling_id = %s, '
            + ", ".join(f"{c} = %s" for c in _ANCESTOR_COLUMNS) + ", updated_at = %s WHERE id = %s", household_rows)
        cursor.executemany(
            f'UPDATE "{tables[Resident]}" SET dwelling_id = %s, grid_id = %s, compound_id = %s, building_id = %s '
            "WHERE household_id = %s", member_rows)
        cursor.executemany(
            f'UPDATE "{tables[ResidentTag]}" SET grid_id = %s, compound_id = %s, building_id = %s WHERE resident_id '
            f'IN (SELECT id FROM "{tables[Resident]}" WHERE household_id = %s)', [row[1:] for row in member_rows])
    HouseholdTimelineEntry.objects.bulk_create(timeline, batch_size=_CHUNK)
    return out


def record_import_transfers(transfers: list[tuple[int, str, int | None, int]], *,
                            now: dt.datetime | None = None) -> int:
    """Timeline entries for residents the file puts in another household (their ``ResidentMove`` of kind
    "changed household" is written with the residents): "X left for household N" in the old household's file,
    "X joined from another household" in the new one's. ``transfers``: (resident id, name, from, to)."""
    if not transfers:
        return 0
    now = now or timezone.now()
    numbers: dict[int, str] = {}
    for part in _chunked({t[3] for t in transfers}):
        numbers.update(Household.objects.filter(pk__in=part).values_list("pk", "number"))
    entries = []
    for resident_id, name, from_id, to_id in transfers:
        if from_id is not None:
            entries.append(HouseholdTimelineEntry(
                household_id=from_id, resident_id=resident_id, at=now, kind="registry.resident.transferred",
                title=(_("%(name)s left for household %(number)s") % {"name": name, "number": numbers.get(to_id, "")}
                       )[:255]))
        entries.append(HouseholdTimelineEntry(
            household_id=to_id, resident_id=resident_id, at=now, kind="registry.resident.transferred",
            title=(_("%(name)s joined from another household") % {"name": name})[:255]))
    HouseholdTimelineEntry.objects.bulk_create(entries, batch_size=_CHUNK)
    return len(transfers)


def settle_import_heads(community: Node, file_heads: dict[int, str], *,
                        known: Callable[[str], int | None] | None = None, now: dt.datetime | None = None) -> int:
    """The heads of the community's households after an import, following the file.

    1. A head who is no longer a registered member of his household (moved to another household, moved out,
       died) stops being its head.
    2. ``file_heads`` (household id → blind index of the ID number on the file's 户主 row): that resident becomes
       the head where the household had another one (timeline entry "X became head of household").
    3. Households still without a head get their registered member marked 户主 (the lowest id).

    ``known``: blind index → resident id (or None) for residents the import already looked up. Returns how many
    heads step 2 changed.
    """
    now = now or timezone.now()
    household_table, resident_table = Household._meta.db_table, Resident._meta.db_table
    registered = ResidentStatus.REGISTERED
    with connection.cursor() as cursor:
        cursor.execute(
            f'UPDATE "{household_table}" SET head_id = NULL WHERE community_id = %s AND head_id IS NOT NULL '
            f'AND NOT EXISTS (SELECT 1 FROM "{resident_table}" r WHERE r.id = "{household_table}".head_id '
            f'AND r.household_id = "{household_table}".id AND r.status = %s)', [community.pk, registered])
    current = dict(Household.objects.filter(community_id=community.pk, head_id__isnull=False)
                   .values_list("pk", "head_id"))
    wanted = {h: idx for h, idx in file_heads.items() if h in current}
    ids = {}
    for idx in set(wanted.values()):
        pk = known(idx) if known is not None else None
        if pk is not None:
            ids[idx] = pk
    unknown = [idx for idx in set(wanted.values()) if idx not in ids]
    for part in _chunked(unknown):
        ids.update(Resident.objects.filter(district_id=community.district_id, id_number_index__in=part)
                   .values_list("id_number_index", "pk"))
    candidates = {h: ids[idx] for h, idx in wanted.items() if idx in ids and ids[idx] != current[h]}
    members: dict[int, tuple[int, str]] = {}
    for part in _chunked(candidates.values()):
        members.update((pk, (household_id, name)) for pk, household_id, name in Resident.objects.filter(
            pk__in=part, status=registered).values_list("pk", "household_id", "name"))
    changes = [(pk, h) for h, pk in candidates.items() if pk in members and members[pk][0] == h]
    if changes:
        with connection.cursor() as cursor:
            cursor.executemany(f'UPDATE "{household_table}" SET head_id = %s, updated_at = %s WHERE id = %s',
                               [(pk, connection.ops.adapt_datetimefield_value(now), h) for pk, h in changes])
        HouseholdTimelineEntry.objects.bulk_create([
            HouseholdTimelineEntry(household_id=h, resident_id=pk, at=now, kind="registry.household.head_changed",
                                   title=(_("%(name)s became head of household") % {"name": members[pk][1]})[:255])
            for pk, h in changes], batch_size=_CHUNK)
    with connection.cursor() as cursor:
        cursor.execute(
            f'UPDATE "{household_table}" SET head_id = (SELECT MIN(r.id) FROM "{resident_table}" r '
            f'WHERE r.household_id = "{household_table}".id AND r.relation = %s AND r.status = %s) '
            f'WHERE community_id = %s AND head_id IS NULL AND EXISTS (SELECT 1 FROM "{resident_table}" r '
            f'WHERE r.household_id = "{household_table}".id AND r.relation = %s AND r.status = %s)',
            [Relation.HEAD, registered, community.pk, Relation.HEAD, registered])
    return len(changes)
