"""Writes on the registry's configuration: special-group tag types (人员类别) and resident units (驻区单位).

Same rules as :mod:`sanshe.territory.registry`: one transaction, permission and territory re-checked inside,
one audit entry inside.
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from sanshe.accounts.roles import Perm
from sanshe.core import audit
from sanshe.core.services import require, require_visible
from sanshe.core.validators import validate_credit_code, validate_phone

from .choices import Level, UnitKind
from .models import Node, ResidentUnit, TagType

UNIT_LEVELS = (Level.COMMUNITY, Level.GRID, Level.COMPOUND, Level.BUILDING)
_KEY_RE = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
_CODE_RE = re.compile(r"^[a-z0-9_-]{1,40}$")


# --- tag types ---------------------------------------------------------------------------------------------
def clean_detail_fields(rows) -> list[dict]:
    """``[{"key", "label", "required"}]`` with keys unique and well formed; blank rows dropped."""
    out: list[dict] = []
    seen: set[str] = set()
    for row in rows or []:
        key = str(row.get("key") or "").strip()
        label = str(row.get("label") or "").strip()
        if not key and not label:
            continue
        if not _KEY_RE.match(key):
            raise ValidationError({"detail_fields": _(
                "Detail key “%(key)s”: use lower-case letters, digits and _ , starting with a letter.") % {"key": key}})
        if not label:
            raise ValidationError({"detail_fields": _("Detail “%(key)s” needs a label.") % {"key": key}})
        if key in seen:
            raise ValidationError({"detail_fields": _("Detail key “%(key)s” is used twice.") % {"key": key}})
        seen.add(key)
        out.append({"key": key, "label": label[:50], "required": bool(row.get("required"))})
    return out


def _check_tag_type(tag_type: TagType) -> None:
    tag_type.name = (tag_type.name or "").strip()
    if not tag_type.name:
        raise ValidationError({"name": _("This field is required.")})
    if tag_type.derived_min_age is not None and not 0 < tag_type.derived_min_age <= 150:
        raise ValidationError({"derived_min_age": _("Give an age between 1 and 150, or leave it empty.")})


@transaction.atomic
def create_tag_type(*, actor, code: str, name: str, detail_fields=None, derived_min_age: int | None = None,
                    is_active: bool = True, sort_order: int = 100) -> TagType:
    """A new special-group tag type (district configuration)."""
    require(actor, Perm.REGISTRY_CONFIGURE)
    code = (code or "").strip().lower()
    if not _CODE_RE.match(code):
        raise ValidationError({"code": _("Use lower-case letters, digits, - and _ (at most 40).")})
    if TagType.objects.filter(code=code).exists():
        raise ValidationError({"code": _("This code is already used.")})
    tag_type = TagType(code=code, name=name, detail_fields=clean_detail_fields(detail_fields),
                       derived_min_age=derived_min_age, is_active=is_active, sort_order=sort_order)
    _check_tag_type(tag_type)
    tag_type.save()
    audit.record("registry.tag_type.created", obj=tag_type, after=audit.snapshot(tag_type), actor=actor)
    return tag_type


@transaction.atomic
def update_tag_type(tag_type: TagType, *, actor, **changes) -> TagType:
    """Change a tag type's name, details, derived age, order or whether it is in use (its code stays)."""
    require(actor, Perm.REGISTRY_CONFIGURE)
    tag_type = TagType.objects.select_for_update().get(pk=tag_type.pk)
    before = audit.snapshot(tag_type)
    for field in ("name", "derived_min_age", "is_active", "sort_order"):
        if field in changes:
            setattr(tag_type, field, changes[field])
    if "detail_fields" in changes:
        tag_type.detail_fields = clean_detail_fields(changes["detail_fields"])
    _check_tag_type(tag_type)
    tag_type.save()
    after = audit.snapshot(tag_type)
    if before != after:
        audit.record("registry.tag_type.updated", obj=tag_type, before=before, after=after, actor=actor)
    return tag_type


# --- resident units ----------------------------------------------------------------------------------------
def _clean_unit(unit: ResidentUnit) -> None:
    errors: dict[str, list] = {}
    unit.name = (unit.name or "").strip()
    if not unit.name:
        errors["name"] = [_("This field is required.")]
    if unit.kind not in UnitKind.values:
        errors["kind"] = [_("Unknown kind.")]
    if unit.credit_code:
        try:
            unit.credit_code = validate_credit_code(unit.credit_code).code
        except ValidationError as exc:
            errors["credit_code"] = exc.messages
    if unit.contact_phone:
        try:
            unit.contact_phone = validate_phone(unit.contact_phone).normalized
        except ValidationError as exc:
            errors["contact_phone"] = exc.messages
    if errors:
        raise ValidationError(errors)
    if unit.credit_code:
        clash = ResidentUnit.objects.filter(credit_code=unit.credit_code)
        if unit.pk:
            clash = clash.exclude(pk=unit.pk)
        if clash.exists():
            raise ValidationError({"credit_code": _("A resident unit with this credit code is already registered.")})


def _unit_node(node: Node, actor) -> Node:
    node = require_visible(Node, node, actor, Perm.REGISTRY_MANAGE)
    if node.level not in UNIT_LEVELS or not node.is_active:
        raise ValidationError({"node": _("Choose an active community, grid, compound or building.")})
    return node


@transaction.atomic
def create_resident_unit(*, actor, name: str, node: Node, credit_code: str = "", kind: str = UnitKind.ENTERPRISE,
                         address: str = "", contact_name: str = "", contact_phone: str = "") -> ResidentUnit:
    """Register a resident unit (驻区单位) located in a community, grid, compound or building of the actor's."""
    require(actor, Perm.REGISTRY_MANAGE)
    node = _unit_node(node, actor)
    unit = ResidentUnit(name=name, node=node, credit_code=(credit_code or "").strip(), kind=kind,
                        address=(address or "").strip(), contact_name=(contact_name or "").strip(),
                        contact_phone=(contact_phone or "").strip())
    _clean_unit(unit)
    unit.copy_ancestors_from(node)
    unit.save()
    audit.record("registry.resident_unit.created", obj=unit, after=audit.snapshot(unit), actor=actor)
    return unit


UNIT_FIELDS = ("name", "credit_code", "kind", "address", "contact_name", "contact_phone", "is_active")


@transaction.atomic
def update_resident_unit(unit: ResidentUnit, *, actor, node: Node | None = None, **changes) -> ResidentUnit:
    """Change a resident unit's details, location or whether it is active."""
    require(actor, Perm.REGISTRY_MANAGE)
    unit = require_visible(ResidentUnit, unit, actor, Perm.REGISTRY_MANAGE, lock=True)
    before = audit.snapshot(unit)
    for field in UNIT_FIELDS:
        if field in changes and changes[field] is not None:
            value = changes[field]
            setattr(unit, field, value.strip() if isinstance(value, str) else value)
    if node is not None and node.pk != unit.node_id:
        node = _unit_node(node, actor)
        unit.node = node
        unit.copy_ancestors_from(node)
    _clean_unit(unit)
    unit.save()
    after = audit.snapshot(unit)
    if before != after:
        audit.record("registry.resident_unit.updated", obj=unit, before=before, after=after, actor=actor)
    return unit
