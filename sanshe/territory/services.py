"""Writes on the territory tree. Each keeps the copied ancestor columns and codes of the subtree right."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models.functions import Concat, Substr
from django.utils import timezone
from django.utils.translation import gettext as _

from sanshe.core import audit
from sanshe.core.exceptions import Denied
from sanshe.core.services import require, require_visible

from .choices import LEVEL_DEPTH, LEVEL_ORDER, Level, levels_at_or_above, parent_level
from .models import Dwelling, Household, Node, Resident, ResidentTag, ResidentUnit
from .validators import validate_code, validate_geometry

MANAGE = "territory.manage"

# Models outside this app that copy territory ancestors onto their rows register here, so that moving a node
# moves their rows too: {model: {level: column}}. Those columns are derived, so the node's move entry in the
# audit log covers them.
ANCESTOR_COPIES: list[type[models.Model]] = [Dwelling, Household, Resident, ResidentTag, ResidentUnit]


def register_ancestor_copy(model: type[models.Model]) -> type[models.Model]:
    ANCESTOR_COPIES.append(model)
    return model


def ancestor_copy_models() -> list[type[models.Model]]:
    """The registered models and every concrete :class:`sanshe.core.models.ScopedRow` of any app."""
    from django.apps import apps

    from sanshe.core.models import ScopedRow

    found = list(ANCESTOR_COPIES)
    found += [m for m in apps.get_models() if issubclass(m, ScopedRow) and m not in found]
    return found


def _copy_ancestors(node: Node, parent: Node | None) -> None:
    for level in LEVEL_ORDER:
        setattr(node, f"{level}_id", None)
    if parent is not None:
        for level in levels_at_or_above(parent.level):
            setattr(node, f"{level}_id", getattr(parent, f"{level}_id"))
    if node.pk:
        setattr(node, f"{node.level}_id", node.pk)


def _check_parent(level: str, parent: Node | None) -> None:
    expected = parent_level(level)
    if expected is None:
        if parent is not None:
            raise ValidationError({"parent": _("A district has no parent.")})
        return
    if parent is None:
        raise ValidationError({"parent": _("This field is required.")})
    if parent.level != expected:
        raise ValidationError(
            {"parent": _("The parent of a %(level)s must be a %(parent)s.")
             % {"level": Level(level).label, "parent": Level(expected).label}}
        )
    if not parent.is_active:
        raise ValidationError({"parent": _("The parent node has been retired.")})


def _check_code(level: str, code: str, parent: Node | None, *, exclude_pk: int | None = None) -> str:
    code = (code or "").strip()
    if not code:
        raise ValidationError({"code": _("This field is required.")})
    try:
        validate_code(level, code, parent.code if parent else None)
    except ValidationError as exc:
        raise ValidationError({"code": exc.messages}) from exc
    if Node.objects.filter(code=code).exclude(pk=exclude_pk).exists():
        raise ValidationError({"code": _("Another node already has the code %(code)s.") % {"code": code}})
    return code


def _check_name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("This field is required.")})
    return name


def _geometry(geometry):
    try:
        return validate_geometry(geometry)
    except ValidationError as exc:
        raise ValidationError({"geometry": exc.messages}) from exc


def next_child_code(parent: Node, level: str) -> str:
    """The next free code for a new child of ``parent`` at ``level``."""
    if level == Level.STREET:
        prefix, width, suffix = parent.code[:6], 3, "000"
    elif level == Level.COMMUNITY:
        prefix, width, suffix = parent.code[:9], 3, ""
    else:
        prefix, width, suffix = parent.code, 3, ""
    taken = set(
        Node.objects.filter(code__startswith=prefix, level=level).values_list("code", flat=True)
    )
    for i in range(1, 10**width):
        code = f"{prefix}{i:0{width}d}{suffix}"
        if code not in taken:
            return code
    raise ValidationError({"code": _("No free code is left under this parent.")})


@transaction.atomic
def create_node(*, actor, level: str, parent: Node | None, name: str, code: str = "", geometry=None) -> Node:
    """Create a node under ``parent``; without a code the next free one is given."""
    require(actor, MANAGE)
    if level not in Level.values:
        raise ValidationError({"level": _("Unknown level.")})
    if parent is None:
        raise Denied(MANAGE, message=_("Districts are created with `manage.py bootstrap_district`."))
    parent = require_visible(Node, parent, actor, MANAGE)
    _check_parent(level, parent)
    code = _check_code(level, code or next_child_code(parent, level), parent)
    return _insert(level=level, parent=parent, name=_check_name(name), code=code, geometry=_geometry(geometry),
                   actor=actor)


def _insert(*, level, parent, name, code, geometry, actor) -> Node:
    node = Node(level=level, parent=parent, name=name, code=code, geometry=geometry)
    _copy_ancestors(node, parent)
    node.save()
    setattr(node, f"{level}_id", node.pk)
    node.save(update_fields=[f"{level}"])
    audit.record("territory.node.created", obj=node, after=audit.snapshot(node), actor=actor)
    return node


@transaction.atomic
def bootstrap_district(*, code: str, name: str) -> Node:
    """Create (or find) a district; for ``manage.py bootstrap_district`` and demo seeding."""
    existing = Node.objects.filter(code=code).first()
    if existing is not None:
        if existing.level != Level.DISTRICT:
            raise ValidationError({"code": _("Another node already has the code %(code)s.") % {"code": code}})
        return existing
    code = _check_code(Level.DISTRICT, code, None)
    return _insert(level=Level.DISTRICT, parent=None, name=_check_name(name), code=code, geometry=None,
                   actor=None)


@transaction.atomic
def update_node(node: Node, *, actor, name: str | None = None, code: str | None = None, geometry=...) -> Node:
    """Rename, re-code (the subtree's codes follow) or re-draw a node."""
    require(actor, MANAGE)
    node = require_visible(Node, node, actor, MANAGE, lock=True)
    before = audit.snapshot(node)
    parent = node.parent
    if name is not None:
        node.name = _check_name(name)
    if geometry is not ...:
        node.geometry = _geometry(geometry)
    old_code = node.code
    if code is not None and code.strip() != old_code:
        node.code = _check_code(node.level, code, parent, exclude_pk=node.pk)
    node.save()
    if node.code != old_code:
        _recode_descendants(node, old_code, actor)
    after = audit.snapshot(node)
    if before != after:
        audit.record("territory.node.updated", obj=node, before=before, after=after, actor=actor)
    return node


def _recode_descendants(node: Node, old_code: str, actor) -> None:
    descendants = Node.objects.descendants_of(node).filter(code__startswith=old_code)
    befores = {n.pk: n.code for n in descendants}
    if not befores:
        return
    descendants.update(code=Concat(models.Value(node.code), Substr("code", len(old_code) + 1)))
    for child in Node.objects.filter(pk__in=befores).order_by("code"):
        audit.record("territory.node.recoded", obj=child, before={"code": befores[child.pk]},
                     after={"code": child.code}, actor=actor, message=f"{old_code} → {node.code}")


@transaction.atomic
def move_node(node: Node, *, actor, new_parent: Node, new_code: str = "") -> Node:
    """Move a node (and its subtree) under another parent of the right level, both inside the actor's scope.

    The node gets a code under its new parent (given, or the next free one), its descendants' codes follow,
    and the copied ancestor columns of the subtree (and of registered models) are rewritten.
    """
    require(actor, MANAGE)
    node = require_visible(Node, node, actor, MANAGE, lock=True)
    new_parent = require_visible(Node, new_parent, actor, MANAGE)
    if node.level == Level.DISTRICT:
        raise ValidationError({"parent": _("A district cannot be moved.")})
    _check_parent(node.level, new_parent)
    if new_parent.pk == node.parent_id:
        raise ValidationError({"parent": _("The node is already there.")})
    before = audit.snapshot(node)
    old_code = node.code
    try:
        validate_code(node.level, old_code, new_parent.code)
        code_fits = not new_code
    except ValidationError:
        code_fits = False
    code = old_code if code_fits else _check_code(
        node.level, new_code or next_child_code(new_parent, node.level), new_parent, exclude_pk=node.pk
    )
    node.parent = new_parent
    node.code = code
    _copy_ancestors(node, new_parent)
    node.save()
    upper = {f"{level}_id": getattr(new_parent, f"{level}_id") for level in levels_at_or_above(new_parent.level)}
    Node.objects.descendants_of(node).update(**upper)
    for model in ancestor_copy_models():
        # Derived columns of registered models (their own audit is the node's move entry); a model that has no
        # column for the moved node's level has no rows to carry.
        columns = {f.attname for f in model._meta.concrete_fields}
        if f"{node.level}_id" in columns:
            model._base_manager.filter(**{f"{node.level}_id": node.pk}).update(
                **{column: value for column, value in upper.items() if column in columns})
    if code != old_code:
        _recode_descendants(node, old_code, actor)
    audit.record("territory.node.moved", obj=node, before=before, after=audit.snapshot(node), actor=actor)
    return node


@transaction.atomic
def retire_node(node: Node, *, actor, reason: str = "") -> Node:
    """Retire a node that has no active children; grants held there stop counting."""
    require(actor, MANAGE)
    node = require_visible(Node, node, actor, MANAGE, lock=True)
    if node.level == Level.DISTRICT:
        raise ValidationError({"node": _("A district cannot be retired here.")})
    if not node.is_active:
        raise ValidationError({"node": _("This node is already retired.")})
    active_children = node.children.filter(is_active=True).count()
    if active_children:
        raise ValidationError(
            {"node": _("Retire or move its %(n)d active child nodes first.") % {"n": active_children}}
        )
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Please give a reason.")})
    before = audit.snapshot(node)
    node.is_active = False
    node.retired_at = timezone.now()
    node.retired_reason = reason[:255]
    node.save()
    audit.record("territory.node.retired", obj=node, before=before, after=audit.snapshot(node), actor=actor)
    return node


@transaction.atomic
def reactivate_node(node: Node, *, actor) -> Node:
    require(actor, MANAGE)
    node = require_visible(Node, node, actor, MANAGE, lock=True)
    if node.is_active:
        return node
    if node.parent is not None and not node.parent.is_active:
        raise ValidationError({"node": _("Reactivate the parent node first.")})
    before = audit.snapshot(node)
    node.is_active = True
    node.retired_at = None
    node.retired_reason = ""
    node.save()
    audit.record("territory.node.reactivated", obj=node, before=before, after=audit.snapshot(node), actor=actor)
    return node


def depth_sorted(levels: list[str]) -> list[str]:
    return sorted(levels, key=LEVEL_DEPTH.__getitem__)
