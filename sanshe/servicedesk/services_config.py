"""Writes on the service cloud's configuration: the catalogue's items with their materials, and the service
stations with their windows.

Same rules as every service: ``servicedesk.configure`` required, the district (or the station's place)
re-checked through ``visible_to`` inside one transaction, one audit entry inside it, validation errors keyed by
field. Items belong to a district (the admin of another district gets a 404); categories are platform-wide.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from sanshe.accounts.roles import Perm
from sanshe.core import audit, txn
from sanshe.core.services import require, require_visible
from sanshe.core.validators import validate_phone
from sanshe.gridops.choices import UnitKind
from sanshe.gridops.models import HandlingUnit
from sanshe.gridops.services_config import administered_districts
from sanshe.territory.choices import Level
from sanshe.territory.models import Node

from .choices import Channel
from .models import ItemMaterial, ServiceCategory, ServiceItem, ServiceStation

CONFIGURE, VIEW = Perm.SERVICES_CONFIGURE, Perm.SERVICES_VIEW
_CODE_RE = re.compile(r"^[0-9A-Za-z_-]{1,30}$")
MAX_MATERIALS = 30
MAX_TIME_LIMIT = 365
MAX_FEE = Decimal("100000")
MAX_WINDOWS = 50
DEPARTMENT_KINDS = (UnitKind.DISTRICT_DEPT, UnitKind.STREET_DEPT)
STATION_LEVELS = (Level.STREET, Level.COMMUNITY)
OPTIONAL_MARKERS = ("(可选)", "（可选）", "(optional)")


# --- reads shared by pages and the API ------------------------------------------------------------------------
def readable_districts(user, permission: str = VIEW):
    """The districts whose catalogue ``user`` may read (or, with ``configure``, edit)."""
    return administered_districts(user, permission)


def readable_items(user, permission: str = VIEW):
    """Items of the districts where ``user`` holds ``permission``: a community worker reads his district's
    catalogue, a district admin edits his district's."""
    if user is None or not user.is_authenticated:
        return ServiceItem.objects.none()
    return ServiceItem.objects.filter(district__in=readable_districts(user, permission))


def departments_of(district_ids):
    """Active departments an item of these districts may be routed to."""
    return HandlingUnit.objects.filter(district_id__in=district_ids, kind__in=DEPARTMENT_KINDS,
                                       is_active=True).order_by("district_id", "name")


def station_places(user):
    """Streets and communities where ``user`` may set up a service station."""
    return (Node.objects.visible_to(user, CONFIGURE).filter(level__in=STATION_LEVELS, is_active=True)
            .order_by("code"))


# --- materials ------------------------------------------------------------------------------------------------
def parse_materials(text: str) -> list[dict]:
    """One material per line; ``(可选)`` at the end marks it optional, a note follows ``|``:
    ``近期一寸免冠照片2张 (可选) | 白底彩色`` → ``{"name": "近期一寸免冠照片2张", "required": False,
    "note": "白底彩色"}``. Empty lines are dropped."""
    rows = []
    for line in (text or "").splitlines():
        name, _sep, note = line.partition("|")
        name = name.strip()
        required = True
        for marker in OPTIONAL_MARKERS:
            if name.lower().endswith(marker):
                name, required = name[: -len(marker)].strip(), False
                break
        if name or note.strip():
            rows.append({"name": name, "required": required, "note": note.strip()})
    return rows


def format_materials(materials) -> str:
    """The inverse of :func:`parse_materials` (for the edit form)."""
    lines = []
    for m in materials:
        name, required, note = (m["name"], m["required"], m.get("note", "")) if isinstance(m, dict) else (
            m.name, m.required, m.note)
        line = name if required else f"{name}(可选)"
        lines.append(f"{line} | {note}" if note else line)
    return "\n".join(lines)


def clean_materials(rows) -> list[dict]:
    """Check the materials list: each with a name (at most 200 characters), no name twice, at most 30."""
    out: list[dict] = []
    seen: set[str] = set()
    errors = []
    for i, row in enumerate(rows or [], start=1):
        if isinstance(row, str):
            row = {"name": row}
        name = str(row.get("name") or "").strip()
        note = str(row.get("note") or "").strip()
        if not name and not note:
            continue
        if not name:
            errors.append(_("Materials, line %(n)d: give the material's name.") % {"n": i})
            continue
        if len(name) > 200 or len(note) > 200:
            errors.append(_("Materials, line %(n)d: at most 200 characters for the name and the note.") % {"n": i})
            continue
        if name in seen:
            errors.append(_("Materials: “%(name)s” is listed twice.") % {"name": name})
            continue
        seen.add(name)
        out.append({"id": row.get("id"), "name": name, "required": row.get("required", True) is not False,
                    "note": note})
    if len(out) > MAX_MATERIALS:
        errors.append(_("Materials: at most %(n)d.") % {"n": MAX_MATERIALS})
    if errors:
        raise ValidationError({"materials": errors})
    return out


def materials_of(item: ServiceItem) -> list[dict]:
    return [{"name": m.name, "required": m.required, "note": m.note} for m in item.materials.all()]


def _save_materials(item: ServiceItem, rows: list[dict]) -> None:
    """Make the item's materials exactly ``rows``, in that order: a row with the ``id`` of one of the item's
    materials (or, without an id, its name) edits it; other rows are added; materials not listed are removed.
    Applications keep their own copies, so removing a material changes no application."""
    current = list(item.materials.all())
    by_id = {m.pk: m for m in current}
    by_name = {m.name: m for m in current}
    kept: set[int] = set()
    for position, row in enumerate(rows, start=1):
        material = by_id.get(row.get("id")) if row.get("id") else None
        if material is None or material.pk in kept:
            material = by_name.get(row["name"])
        if material is None or material.pk in kept:
            material = ItemMaterial(item=item)
        material.name, material.required, material.note = row["name"], row["required"], row["note"]
        material.sort_order = position * 10
        material.save()
        kept.add(material.pk)
    item.materials.exclude(pk__in=kept).delete()


# --- items ----------------------------------------------------------------------------------------------------
ITEM_FIELDS = ("name", "category", "department", "description", "eligibility", "time_limit_days", "fee",
               "channel", "is_active", "sort_order")


def _check_item(item: ServiceItem, *, old_name: str | None = None) -> None:
    errors: dict[str, list] = {}
    item.name = (item.name or "").strip()
    if not item.name:
        errors["name"] = [_("Name: this field is required.")]
    elif len(item.name) > 100:
        errors["name"] = [_("Name: at most 100 characters.")]
    elif item.name != old_name and ServiceItem.objects.filter(district_id=item.district_id, name=item.name).exclude(
            pk=item.pk).exists():
        errors["name"] = [_("Name: the district's catalogue already has an item of this name.")]
    item.description = (item.description or "").strip()
    item.eligibility = (item.eligibility or "").strip()
    if item.category_id is None:
        errors["category"] = [_("Category: choose a category.")]
    if item.department_id is None:
        errors["department"] = [_("Department: choose the department that handles it.")]
    elif not HandlingUnit.objects.filter(pk=item.department_id, district_id=item.district_id,
                                         kind__in=DEPARTMENT_KINDS, is_active=True).exists():
        errors["department"] = [_("Department: choose an active department of the item's district.")]
    try:
        days = int(item.time_limit_days)
    except (TypeError, ValueError):
        days = -1
    if not 0 <= days <= MAX_TIME_LIMIT:
        errors["time_limit_days"] = [_("Time limit: give a number of working days between 0 and %(n)d.") % {
            "n": MAX_TIME_LIMIT}]
    try:
        fee = Decimal(str(item.fee if item.fee not in (None, "") else 0))
        if not fee.is_finite() or fee < 0 or fee >= MAX_FEE or fee != fee.quantize(Decimal("0.01")):
            raise InvalidOperation
        item.fee = fee
    except (InvalidOperation, ValueError):
        errors["fee"] = [_("Fee: give an amount in yuan, 0 or more, with at most two decimals.")]
    if item.channel not in Channel.values:
        errors["channel"] = [_("How to apply: choose at a window, online, or both.")]
    try:
        if not 0 <= int(item.sort_order or 0) <= 32767:
            raise ValueError
    except (TypeError, ValueError):
        errors["sort_order"] = [_("Order: give a number between 0 and 32767.")]
    if errors:
        raise ValidationError(errors)


def _item_state(item: ServiceItem) -> dict:
    return {**audit.snapshot(item), "materials": format_materials(materials_of(item)).splitlines()}


def create_item(*, actor, district: Node, code: str, name: str, category: ServiceCategory,
                department: HandlingUnit, materials=(), **values) -> ServiceItem:
    """A new item of ``district``'s catalogue with its materials (in order)."""
    require(actor, CONFIGURE)
    code = (code or "").strip()
    errors: dict[str, list] = {}
    if not _CODE_RE.match(code):
        errors["code"] = [_("Code: use digits, letters, - and _ (at most 30).")]
    try:
        rows = clean_materials(materials)
    except ValidationError as exc:
        errors.update(exc.message_dict)
        rows = []
    with txn.atomic():
        district = require_visible(Node, district, actor, CONFIGURE)
        if district.level != Level.DISTRICT:
            errors.setdefault("district", []).append(_("District: choose a district."))
        if code and ServiceItem.objects.filter(district=district, code=code).exists():
            errors.setdefault("code", []).append(_("Code: already used in this district's catalogue."))
        item = ServiceItem(district=district, code=code, name=name, category=category, department=department)
        for field in ITEM_FIELDS:
            if field in values and values[field] is not None and field not in ("name", "category", "department"):
                setattr(item, field, values[field])
        try:
            _check_item(item)
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                errors.setdefault(field, []).extend(messages)
        if errors:
            raise ValidationError(errors)
        item.save()
        _save_materials(item, rows)
        audit.record("servicedesk.item.created", obj=item, after=_item_state(item), actor=actor)
    return item


def _lock_item(item: ServiceItem, actor) -> ServiceItem:
    """The item as it is now, locked; 404 when its district is not the actor's."""
    fresh = ServiceItem.objects.select_for_update().filter(pk=item.pk).first()
    if fresh is None:
        raise ValidationError({"item": _("This item no longer exists.")})
    require_visible(Node, fresh.district, actor, CONFIGURE)
    return fresh


def update_item(item: ServiceItem, *, actor, materials=None, **changes) -> ServiceItem:
    """Change an item's fields and, when ``materials`` is given, its materials list (add, edit, remove,
    reorder: the list is the new list). Its code and district stay."""
    require(actor, CONFIGURE)
    rows = clean_materials(materials) if materials is not None else None
    with txn.atomic():
        item = _lock_item(item, actor)
        before = _item_state(item)
        for field in ITEM_FIELDS:
            if field in changes and changes[field] is not None:
                setattr(item, field, changes[field])
        _check_item(item, old_name=before["name"])
        item.save()
        if rows is not None:
            _save_materials(item, rows)
        after = _item_state(item)
        if before != after:
            audit.record("servicedesk.item.updated", obj=item, before=before, after=after, actor=actor)
    return item


def set_item_active(item: ServiceItem, *, actor, active: bool) -> ServiceItem:
    """Take an item into (or out of) the catalogue: an inactive item is no longer accepted at the windows nor
    shown in the public guide; its applications stay."""
    require(actor, CONFIGURE)
    with txn.atomic():
        item = _lock_item(item, actor)
        if item.is_active == bool(active):
            return item
        before = audit.snapshot(item)
        item.is_active = bool(active)
        item.save(update_fields=["is_active", "updated_at"])
        audit.record("servicedesk.item.activated" if active else "servicedesk.item.deactivated", obj=item,
                     before=before, after=audit.snapshot(item), actor=actor)
    return item


# --- stations -------------------------------------------------------------------------------------------------
STATION_FIELDS = ("name", "address", "phone", "windows", "opening_hours", "is_active")


def _check_station(station: ServiceStation) -> None:
    errors: dict[str, list] = {}
    station.name = (station.name or "").strip()
    if not station.name:
        errors["name"] = [_("Name: this field is required.")]
    elif len(station.name) > 100:
        errors["name"] = [_("Name: at most 100 characters.")]
    elif ServiceStation.objects.filter(node_id=station.node_id, name=station.name).exclude(pk=station.pk).exists():
        errors["name"] = [_("Name: a station of this name already sits here.")]
    try:
        windows = int(station.windows)
    except (TypeError, ValueError):
        windows = 0
    if not 1 <= windows <= MAX_WINDOWS:
        errors["windows"] = [_("Windows: give a number between 1 and %(n)d.") % {"n": MAX_WINDOWS}]
    station.address = (station.address or "").strip()
    if len(station.address) > 255:
        errors["address"] = [_("Address: at most 255 characters.")]
    station.opening_hours = (station.opening_hours or "").strip()
    if len(station.opening_hours) > 100:
        errors["opening_hours"] = [_("Opening hours: at most 100 characters.")]
    station.phone = (station.phone or "").strip()
    if station.phone:
        try:
            validate_phone(station.phone)  # kept as typed (028-85551234 reads better than 02885551234)
        except ValidationError as exc:
            errors["phone"] = [_("Phone: %(error)s") % {"error": " ".join(exc.messages)}]
    if errors:
        raise ValidationError(errors)


def _station_node(node: Node, actor) -> Node:
    node = require_visible(Node, node, actor, CONFIGURE)
    if node.level not in STATION_LEVELS or not node.is_active:
        raise ValidationError({"node": [_("Located at: choose an active street or community of your district.")]})
    return node


def create_station(*, actor, node: Node, name: str, windows: int = 3, address: str = "", phone: str = "",
                   opening_hours: str = "") -> ServiceStation:
    """A new service station (便民服务站) at a street or community of the actor's district."""
    require(actor, CONFIGURE)
    if node is None:
        raise ValidationError({"node": [_("Located at: choose an active street or community of your district.")]})
    with txn.atomic():
        node = _station_node(node, actor)
        station = ServiceStation(node=node, name=name, windows=windows, address=address, phone=phone,
                                 opening_hours=opening_hours)
        station.copy_ancestors_from(node)
        _check_station(station)
        station.save()
        audit.record("servicedesk.station.created", obj=station, after=audit.snapshot(station), actor=actor)
    return station


def update_station(station: ServiceStation, *, actor, node: Node | None = None, **changes) -> ServiceStation:
    """Change a station's name, place (within its district), windows, address, phone, hours or whether it is
    open. A closed station accepts nothing new; its applications stay."""
    require(actor, CONFIGURE)
    with txn.atomic():
        station = require_visible(ServiceStation, station, actor, CONFIGURE, lock=True)
        before = audit.snapshot(station)
        for field in STATION_FIELDS:
            if field in changes and changes[field] is not None:
                setattr(station, field, changes[field])
        if node is not None and node.pk != station.node_id:
            node = _station_node(node, actor)
            if node.district_id != station.district_id:
                raise ValidationError({"node": [_("Located at: a station stays in its district.")]})
            station.node = node
            station.copy_ancestors_from(node)
        _check_station(station)
        station.save()
        after = audit.snapshot(station)
        if before != after:
            audit.record("servicedesk.station.updated", obj=station, before=before, after=after, actor=actor)
    return station
