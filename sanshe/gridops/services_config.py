"""Writes on the configuration of grid governance: the catalogue (大类 / 小类), handling units and their staff, the
responsibility table (小类 × territory → unit), per-district settings and working-day overrides.

Same rules as every service: ``gridops.configure`` required, the territory re-checked inside one transaction
(``visible_to``), one audit entry inside it, Chinese validation errors keyed by field.

The catalogue and the working-day overrides are platform-wide configuration (no territory); handling units,
responsibility lines and settings belong to a district the actor administers.
"""

from __future__ import annotations

import datetime as dt
import re

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from sanshe.accounts.models import RoleGrant, User
from sanshe.accounts.roles import ROLE_SPECS, Perm
from sanshe.core import audit
from sanshe.core.services import require, require_visible
from sanshe.core.validators import validate_phone
from sanshe.territory.choices import Level
from sanshe.territory.models import Node

from .choices import LimitUnit, UnitKind
from .models import EventCategory, EventSettings, HandlingUnit, Responsibility, UnitMember, WorkdayOverride

CONFIGURE = Perm.EVENTS_CONFIGURE
_CODE_RE = re.compile(r"^[0-9A-Za-z_-]{1,20}$")
_ATTR_CODE_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_-]{0,39}$")
DATATYPES = ("string", "number", "datetime", "text", "singlevaluelist", "multivaluelist")
LIST_TYPES = ("singlevaluelist", "multivaluelist")
# The level a handling unit of each kind sits at.
KIND_LEVELS = {
    UnitKind.DISTRICT_DEPT: (Level.DISTRICT,),
    UnitKind.STREET_DEPT: (Level.STREET,),
    UnitKind.COMMUNITY_TEAM: (Level.COMMUNITY,),
    UnitKind.SOCIAL_ORG: (Level.DISTRICT, Level.STREET, Level.COMMUNITY),
}
RESPONSIBILITY_LEVELS = (Level.DISTRICT, Level.STREET, Level.COMMUNITY, Level.GRID)
MAX_TIME_LIMIT = {LimitUnit.URGENT_HOURS: 24 * 30, LimitUnit.WORKING_HOURS: 8 * 60,
                  LimitUnit.WORKING_DAYS: 365, LimitUnit.NATURAL_DAYS: 365}


def _errors(errors: dict) -> None:
    if errors:
        raise ValidationError(errors)


# --- reads shared by pages and the API ------------------------------------------------------------------------
def administered_districts(user, permission: str = CONFIGURE):
    """The districts in which ``user`` holds ``permission`` (through a grant anywhere inside them)."""
    node_ids = [node_id for _level, node_id in user.scope_nodes(permission)] if user.is_authenticated else []
    district_ids = Node.objects.filter(pk__in=node_ids).values("district_id")
    return Node.objects.filter(pk__in=district_ids, level=Level.DISTRICT, is_active=True).order_by("code")


def readable_units(user):
    """Handling units a reader of events may see: every unit of the districts he works in (the desk dispatches
    to a street or district department above its own community). Writers use ``visible_to(user, CONFIGURE)``."""
    return HandlingUnit.objects.filter(district__in=administered_districts(user, Perm.EVENTS_VIEW))


# --- the catalogue ----------------------------------------------------------------------------------------------
def clean_attributes(rows) -> list[dict]:
    """Open311 service-definition attributes, checked: ``[{code, datatype, required, variable, order,
    description, datatype_description, values: [{key, name}]}]``; rows without a code dropped."""
    out: list[dict] = []
    codes: set[str] = set()
    orders: set[int] = set()
    for i, row in enumerate(rows or [], start=1):
        code = str(row.get("code") or "").strip()
        description = str(row.get("description") or "").strip()
        if not code and not description:
            continue
        if not _ATTR_CODE_RE.match(code):
            raise ValidationError({"attributes": _(
                "Attribute %(n)d: the code uses letters, digits, - and _, starting with a letter.") % {"n": i}})
        if code in codes:
            raise ValidationError({"attributes": _("Attribute code “%(code)s” is used twice.") % {"code": code}})
        datatype = str(row.get("datatype") or "string").strip()
        if datatype not in DATATYPES:
            raise ValidationError({"attributes": _("Attribute “%(code)s”: unknown data type.") % {"code": code}})
        if not description:
            raise ValidationError({"attributes": _(
                "Attribute “%(code)s” needs a description (what the resident is asked).") % {"code": code}})
        try:
            order = int(row.get("order") or len(out) + 1)
        except (TypeError, ValueError):
            order = 0
        if order < 1 or order in orders:
            raise ValidationError({"attributes": _(
                "Attribute “%(code)s”: the order must be a positive number not used by another attribute.") % {
                "code": code}})
        values = []
        for value in row.get("values") or []:
            key, name = str(value.get("key") or "").strip(), str(value.get("name") or "").strip()
            if key or name:
                values.append({"key": key or name, "name": name or key})
        if datatype in LIST_TYPES and not values:
            raise ValidationError({"attributes": _(
                "Attribute “%(code)s”: a list needs its values.") % {"code": code}})
        if len({v["key"] for v in values}) != len(values):
            raise ValidationError({"attributes": _(
                "Attribute “%(code)s”: a value key is used twice.") % {"code": code}})
        codes.add(code)
        orders.add(order)
        out.append({"code": code, "datatype": datatype, "required": bool(row.get("required")),
                    "variable": row.get("variable", True) is not False, "order": order,
                    "description": description[:255],
                    "datatype_description": str(row.get("datatype_description") or "").strip()[:255],
                    "values": values if datatype in LIST_TYPES else []})
    return sorted(out, key=lambda a: a["order"])


def parse_values(text: str) -> list[dict]:
    """``"1=一楼, 2=二楼"`` (or one per line) → ``[{"key": "1", "name": "一楼"}, …]`` (a bare word is its own key)."""
    values = []
    for part in re.split(r"[,，;；\n]+", text or ""):
        part = part.strip()
        if not part:
            continue
        key, _sep, name = part.partition("=")
        values.append({"key": key.strip(), "name": (name or key).strip()})
    return values


def format_values(values) -> str:
    return ", ".join(v["key"] if v["key"] == v["name"] else f"{v['key']}={v['name']}" for v in values or [])


CATEGORY_FIELDS = ("name", "description", "filing_condition", "closing_condition", "time_limit", "time_limit_unit",
                   "default_unit", "is_dispute", "public", "attributes", "keywords", "is_active", "sort_order")


def _check_category(category: EventCategory, actor) -> None:
    errors: dict[str, list] = {}
    category.name = (category.name or "").strip()
    if not category.name:
        errors["name"] = [_("This field is required.")]
    for field in ("description", "filing_condition", "closing_condition", "keywords"):
        setattr(category, field, (getattr(category, field) or "").strip())
    if category.parent_id is not None:
        parent = category.parent
        if parent.parent_id is not None:
            errors["parent"] = [_("A sub-category belongs to a major category, not to another sub-category.")]
        if category.pk and category.children.exists():
            errors["parent"] = [_("This major category has sub-categories: it cannot become a sub-category.")]
    if category.time_limit_unit not in LimitUnit.values:
        errors["time_limit_unit"] = [_("Choose how the time limit counts.")]
    if category.time_limit is not None:
        if category.time_limit <= 0:
            errors["time_limit"] = [_("The time limit must be a positive number.")]
        elif category.time_limit > MAX_TIME_LIMIT.get(category.time_limit_unit, 365):
            errors["time_limit"] = [_("The time limit is too long for this unit.")]
    if category.parent_id is not None and category.time_limit is None and category.is_active:
        errors.setdefault("time_limit", []).append(_("An active sub-category needs its time limit."))
    if category.parent_id is None:
        # A 大类 carries no workflow of its own.
        category.time_limit = None
        category.default_unit = None
        category.attributes = []
    if category.default_unit_id is not None:
        if not HandlingUnit.objects.visible_to(actor, CONFIGURE).filter(pk=category.default_unit_id,
                                                                          is_active=True).exists():
            errors["default_unit"] = [_("Choose an active handling unit of your district.")]
    if not 0 <= (category.sort_order or 0) <= 32767:
        errors["sort_order"] = [_("Give an order between 0 and 32767.")]
    _errors(errors)


@transaction.atomic
def create_category(*, actor, code: str, name: str, parent: EventCategory | None = None, **values) -> EventCategory:
    """A new 大类 (no parent) or 小类 (parent = its 大类) of the catalogue."""
    require(actor, CONFIGURE)
    code = (code or "").strip()
    if not _CODE_RE.match(code):
        raise ValidationError({"code": _("Use digits, letters, - and _ (at most 20).")})
    if EventCategory.objects.filter(code=code).exists():
        raise ValidationError({"code": _("This code is already used.")})
    if parent is not None:
        parent = EventCategory.objects.get(pk=parent.pk)
    category = EventCategory(code=code, name=name, parent=parent)
    for field in CATEGORY_FIELDS:
        if field in values and field != "name":
            setattr(category, field, values[field])
    category.attributes = clean_attributes(values.get("attributes"))
    _check_category(category, actor)
    category.save()
    audit.record("gridops.category.created", obj=category, after=audit.snapshot(category), actor=actor)
    return category


@transaction.atomic
def update_category(category: EventCategory, *, actor, **changes) -> EventCategory:
    """Change a category's name, conditions, time limit, default unit, flags, attributes or order (its code and
    its 大类 stay: events keep pointing at it)."""
    require(actor, CONFIGURE)
    category = EventCategory.objects.select_for_update().get(pk=category.pk)
    before = audit.snapshot(category)
    for field in CATEGORY_FIELDS:
        if field in changes:
            setattr(category, field, changes[field])
    if "attributes" in changes:
        category.attributes = clean_attributes(changes["attributes"])
    _check_category(category, actor)
    if category.parent_id is None and not category.is_active and before["is_active"]:
        if category.children.filter(is_active=True).exists():
            raise ValidationError({"is_active": _("Retire its sub-categories first.")})
    category.save()
    after = audit.snapshot(category)
    if before != after:
        audit.record("gridops.category.updated", obj=category, before=before, after=after, actor=actor)
    return category


# --- handling units ---------------------------------------------------------------------------------------------
UNIT_FIELDS = ("name", "kind", "phone", "is_active")


def _unit_node(node: Node, kind: str, actor) -> Node:
    node = require_visible(Node, node, actor, CONFIGURE)
    if not node.is_active:
        raise ValidationError({"node": _("Choose an active place.")})
    if node.level not in KIND_LEVELS.get(kind, ()):
        raise ValidationError({"node": _(
            "A district department sits at the district, a street department at a street, a community team at a "
            "community; a social organization at any of them.")})
    return node


def _clean_unit(unit: HandlingUnit) -> None:
    errors: dict[str, list] = {}
    unit.name = (unit.name or "").strip()
    if not unit.name:
        errors["name"] = [_("This field is required.")]
    elif len(unit.name) > 100:
        errors["name"] = [_("At most 100 characters.")]
    if unit.kind not in UnitKind.values:
        errors["kind"] = [_("Unknown kind.")]
    unit.phone = (unit.phone or "").strip()
    if unit.phone:
        try:
            unit.phone = validate_phone(unit.phone).normalized
        except ValidationError as exc:
            errors["phone"] = exc.messages
    _errors(errors)
    clash = HandlingUnit.objects.filter(node_id=unit.node_id, name=unit.name)
    if unit.pk:
        clash = clash.exclude(pk=unit.pk)
    if clash.exists():
        raise ValidationError({"name": _("A handling unit of this name already sits here.")})


def _place(unit: HandlingUnit, node: Node) -> None:
    unit.node = node
    unit.district_id, unit.street_id, unit.community_id = node.district_id, node.street_id, node.community_id


@transaction.atomic
def create_unit(*, actor, name: str, kind: str, node: Node, phone: str = "") -> HandlingUnit:
    """A new handling unit of the actor's district: a department, a community team or a social organization."""
    require(actor, CONFIGURE)
    unit = HandlingUnit(name=name, kind=kind, phone=phone)
    _place(unit, _unit_node(node, kind, actor))
    _clean_unit(unit)
    unit.save()
    audit.record("gridops.unit.created", obj=unit, after=audit.snapshot(unit), actor=actor)
    return unit


@transaction.atomic
def update_unit(unit: HandlingUnit, *, actor, node: Node | None = None, **changes) -> HandlingUnit:
    """Change a unit's name, kind, place, phone or whether it takes events. A retired unit is no longer
    offered for dispatch; what it already has stays with it."""
    require(actor, CONFIGURE)
    unit = require_visible(HandlingUnit, unit, actor, CONFIGURE, lock=True)
    before = audit.snapshot(unit)
    for field in UNIT_FIELDS:
        if field in changes and changes[field] is not None:
            setattr(unit, field, changes[field])
    if node is not None and node.pk != unit.node_id or "kind" in changes:
        place = _unit_node(node if node is not None else unit.node, unit.kind, actor)
        if place.district_id != unit.district_id:
            raise ValidationError({"node": _("A handling unit stays in its district.")})
        _place(unit, place)
    _clean_unit(unit)
    unit.save()
    after = audit.snapshot(unit)
    if before != after:
        audit.record("gridops.unit.updated", obj=unit, before=before, after=after, actor=actor)
    return unit


def member_candidates(unit: HandlingUnit):
    """Active accounts that may join ``unit``: holding ``gridops.handle`` through a grant in its district."""
    roles = [role for role, spec in ROLE_SPECS.items() if Perm.EVENTS_HANDLE in spec.permissions]
    grants = RoleGrant.objects.active().filter(role__in=roles, node__district_id=unit.district_id)
    return User.objects.filter(pk__in=grants.values("user_id"), is_active=True).order_by("username")


@transaction.atomic
def add_member(unit: HandlingUnit, *, actor, user: User) -> UnitMember:
    """Make an account staff of the unit (it then sees and handles what is dispatched to the unit)."""
    require(actor, CONFIGURE)
    unit = require_visible(HandlingUnit, unit, actor, CONFIGURE, lock=True)
    if user is None or not member_candidates(unit).filter(pk=user.pk).exists():
        raise ValidationError({"user": _(
            "Choose an active account with the department-staff or social-organization role in this district.")})
    if UnitMember.objects.filter(unit=unit, user=user).exists():
        raise ValidationError({"user": _("This account is already staff of the unit.")})
    member = UnitMember.objects.create(unit=unit, user=user)
    audit.record("gridops.unit.member_added", obj=unit, actor=actor, extra={"user": user.username})
    return member


@transaction.atomic
def remove_member(unit: HandlingUnit, *, actor, user: User) -> None:
    """Take an account off the unit's staff."""
    require(actor, CONFIGURE)
    unit = require_visible(HandlingUnit, unit, actor, CONFIGURE, lock=True)
    deleted, _rows = UnitMember.objects.filter(unit=unit, user=user).delete()
    if not deleted:
        raise ValidationError({"user": _("This account is not staff of the unit.")})
    audit.record("gridops.unit.member_removed", obj=unit, actor=actor, extra={"user": user.username})


# --- the responsibility table ------------------------------------------------------------------------------------
@transaction.atomic
def set_responsibility(*, actor, category: EventCategory, node: Node,
                       unit: HandlingUnit | None) -> Responsibility | None:
    """Set (or, with no unit, remove) the line 小类 × node → unit. Returns the line, or None when removed."""
    require(actor, CONFIGURE)
    node = require_visible(Node, node, actor, CONFIGURE)
    category = EventCategory.objects.get(pk=category.pk)
    if category.parent_id is None:
        raise ValidationError({"category": _("Choose a sub-category.")})
    if node.level not in RESPONSIBILITY_LEVELS or not node.is_active:
        raise ValidationError({"node": _("Choose an active district, street, community or grid.")})
    line = Responsibility.objects.select_for_update().filter(category=category, node=node).first()
    before = audit.snapshot(line) if line else None
    if unit is None:
        if line is None:
            return None
        line.delete()
        audit.record("gridops.responsibility.removed", object_type="gridops.responsibility",
                     object_id=str(before["id"]), object_repr=f"{category.code}@{node.code}", before=before,
                     actor=actor)
        return None
    unit = require_visible(HandlingUnit, unit, actor, CONFIGURE)
    if not unit.is_active:
        raise ValidationError({"unit": _("This handling unit is retired.")})
    if unit.district_id != node.district_id:
        raise ValidationError({"unit": _("The handling unit belongs to another district.")})
    if line is None:
        line = Responsibility.objects.create(category=category, node=node, unit=unit)
    elif line.unit_id == unit.pk:
        return line
    else:
        line.unit = unit
        line.save()
    audit.record("gridops.responsibility.set", obj=line, before=before, after=audit.snapshot(line), actor=actor,
                 object_repr=f"{category.code}@{node.code} → {unit.name}")
    return line


@transaction.atomic
def remove_responsibility(line: Responsibility, *, actor) -> None:
    """Remove one line of the table (events of that 小类 there fall back to a wider line or the default unit)."""
    require(actor, CONFIGURE)
    line = Responsibility.objects.select_related("category", "node").get(pk=line.pk)
    set_responsibility(actor=actor, category=line.category, node=line.node, unit=None)


# --- settings and the calendar ---------------------------------------------------------------------------------
SETTINGS_FIELDS = ("duplicate_radius_m", "duplicate_window_hours", "yellow_share", "workday_start", "workday_end")


@transaction.atomic
def update_settings(*, actor, district: Node, **values) -> EventSettings:
    """The district's settings: duplicate radius and time window, yellow-light share, working hours."""
    require(actor, CONFIGURE)
    district = require_visible(Node, district, actor, CONFIGURE)
    if district.level != Level.DISTRICT:
        raise ValidationError({"district": _("Choose a district.")})
    cfg = EventSettings.objects.select_for_update().filter(district=district).first()
    before = audit.snapshot(cfg) if cfg else None
    cfg = cfg or EventSettings(district=district)
    for field in SETTINGS_FIELDS:
        if field in values and values[field] is not None:
            setattr(cfg, field, values[field])
    errors: dict[str, list] = {}
    if not 10 <= int(cfg.duplicate_radius_m) <= 5000:
        errors["duplicate_radius_m"] = [_("Give a radius between 10 and 5000 metres.")]
    if not 1 <= int(cfg.duplicate_window_hours) <= 24 * 30:
        errors["duplicate_window_hours"] = [_("Give a window between 1 hour and 30 days (720 hours).")]
    if not 0 <= int(cfg.yellow_share) <= 90:
        errors["yellow_share"] = [_("Give a share between 0 and 90 %.")]
    start, end = cfg.workday_start, cfg.workday_end
    if isinstance(start, str):
        start = dt.time.fromisoformat(start)
    if isinstance(end, str):
        end = dt.time.fromisoformat(end)
    if end <= start:
        errors["workday_end"] = [_("The working day must end after it starts.")]
    _errors(errors)
    cfg.save()
    after = audit.snapshot(cfg)
    if before != after:
        audit.record("gridops.settings.updated", obj=cfg, before=before, after=after, actor=actor,
                     object_repr=district.name)
    return cfg


@transaction.atomic
def add_workday_override(*, actor, date: dt.date, is_workday: bool, name: str = "") -> WorkdayOverride:
    """Declare a day a working day or a day off, whatever chinese-calendar says (a local holiday, a year the
    package does not know yet). Deadlines computed from now on follow it."""
    require(actor, CONFIGURE)
    if date is None:
        raise ValidationError({"date": _("This field is required.")})
    if WorkdayOverride.objects.filter(date=date).exists():
        raise ValidationError({"date": _("This day is already overridden; remove that line first.")})
    override = WorkdayOverride.objects.create(date=date, is_workday=bool(is_workday), name=(name or "").strip()[:50])
    audit.record("gridops.workday.added", obj=override, after=audit.snapshot(override), actor=actor)
    return override


@transaction.atomic
def remove_workday_override(override: WorkdayOverride, *, actor) -> None:
    require(actor, CONFIGURE)
    override = WorkdayOverride.objects.select_for_update().get(pk=override.pk)
    before = audit.snapshot(override)
    override.delete()
    audit.record("gridops.workday.removed", object_type="gridops.workdayoverride", object_id=str(before["id"]),
                 object_repr=str(before["date"]), before=before, actor=actor)
