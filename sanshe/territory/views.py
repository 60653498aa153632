"""Territory pages: the browser (top nodes in scope, search), node detail with drill-down, the admin forms
(create, edit, move, retire, reactivate) and the spreadsheet import.

Reading needs ``territory.view``, changing ``territory.manage``; nodes are looked up through ``visible_to`` so
that a node outside the user's territory is a 404. Every change goes through :mod:`sanshe.territory.services`.
"""

from __future__ import annotations

from functools import cached_property
from urllib.parse import quote

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Exists, OuterRef, Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import FormView, TemplateView

from sanshe.accounts.models import RoleGrant
from sanshe.accounts.roles import GRID_CHAIN, Perm, Role
from sanshe.core.views import PermissionRequiredMixin, ScopedObjectMixin, apply_validation_error

from . import services
from .choices import LEVEL_ORDER, Level, child_level, levels_at_or_above, levels_below, parent_level
from .forms import ImportForm, NodeCreateForm, NodeEditForm, NodeMoveForm, NodeRetireForm
from .imports import ImportFileError, import_territory, template_workbook
from .models import Node

VIEW = Perm.TERRITORY_VIEW
MANAGE = Perm.TERRITORY_MANAGE
SEARCH_LIMIT = 50
MAP_FEATURE_LIMIT = 2000


def _level_label(level: str) -> str:
    return str(Level(level).label)


def top_nodes(user) -> list[Node]:
    """The highest nodes the user may read: his grant nodes, without those that lie below another of them."""
    ids = {node_id for _level, node_id in user.scope_nodes(VIEW)}
    nodes = Node.objects.filter(pk__in=ids, is_active=True).order_by("code")
    return [
        node for node in nodes
        if not any(getattr(node, f"{level}_id") in ids for level in LEVEL_ORDER[: node.depth])
    ]


def descendant_counts(nodes: list[Node]) -> dict[int, dict[str, int]]:
    """For each node: how many active nodes of each lower level it holds (one query per level present)."""
    counts: dict[int, dict[str, int]] = {node.pk: {} for node in nodes}
    for level in {node.level for node in nodes}:
        ids = [node.pk for node in nodes if node.level == level]
        rows = (
            Node.objects.filter(**{f"{level}_id__in": ids}, is_active=True).exclude(level=level)
            .values(f"{level}_id", "level").annotate(n=Count("id"))
        )
        for row in rows:
            counts[row[f"{level}_id"]][row["level"]] = row["n"]
    return counts


def _count_cells(node_level: str, counts: dict[str, int]) -> list[dict]:
    return [{"level": level, "label": _level_label(level), "n": counts.get(level, 0)}
            for level in levels_below(node_level)]


class BrowserView(PermissionRequiredMixin, TemplateView):
    """The user's top nodes with their counts, and a search over every node in scope."""

    required_permission = VIEW
    template_name = "territory/browser.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        tops = top_nodes(user)
        counts = descendant_counts(tops)
        query = self.request.GET.get("q", "").strip()[:50]
        results = None
        if query:
            results = list(
                Node.objects.visible_to(user, VIEW)
                .filter(Q(name__icontains=query) | Q(code__startswith=query))
                .select_related("parent").order_by("code")[: SEARCH_LIMIT + 1]
            )
            parent_ids = {n.parent_id for n in results if n.parent_id}
            visible = set(Node.objects.visible_to(user, VIEW).filter(pk__in=parent_ids).values_list("pk", flat=True))
            for node in results:
                node.visible_parent = node.parent if node.parent_id in visible else None
        return super().get_context_data(
            tops=[{"node": node, "counts": _count_cells(node.level, counts[node.pk])} for node in tops],
            query=query,
            results=results[:SEARCH_LIMIT] if results is not None else None,
            more_results=results is not None and len(results) > SEARCH_LIMIT,
            can_manage=user.has_permission(MANAGE),
            **kwargs,
        )


# --- node detail ----------------------------------------------------------------------------------------------
def _active_chain_grants():
    return RoleGrant.objects.filter(
        revoked_at__isnull=True, role__in=GRID_CHAIN, user__is_active=True, node__is_active=True
    ).select_related("user", "node")


def staff_chain(node: Node) -> dict:
    """The grid staff chain (网格指导员 · 网格长 · 网格员 · 居民小组长 · 楼栋长) that concerns ``node``.

    From the grid down: the people of each role, those above the node (its grid, its compound) and those below
    it. Above the grid: how many people of each role work inside the node, and how many grids have no 网格员.
    """
    grid_depth = LEVEL_ORDER.index(Level.GRID)
    if node.depth < grid_depth:
        rows = (
            RoleGrant.objects.filter(revoked_at__isnull=True, role__in=GRID_CHAIN, user__is_active=True,
                                     node__is_active=True, **{f"node__{node.level}_id": node.pk})
            .values("role").annotate(n=Count("user", distinct=True))
        )
        by_role = {row["role"]: row["n"] for row in rows}
        without_worker = Node.objects.filter(
            level=Level.GRID, is_active=True, **{f"{node.level}_id": node.pk}
        ).filter(~Exists(RoleGrant.objects.filter(
            node=OuterRef("pk"), role=Role.GRID_WORKER, revoked_at__isnull=True, user__is_active=True
        ))).count()
        return {
            "summary": [{"role": role, "label": str(Role(role).label), "n": by_role.get(role, 0)}
                        for role in GRID_CHAIN],
            "grids_without_worker": without_worker,
        }
    # The grid and compound above the node (none for a grid itself).
    above = [getattr(node, f"{level}_id") for level in levels_at_or_above(node.level)[grid_depth:-1]]
    grants = _active_chain_grants().filter(
        Q(node_id__in=[i for i in above if i]) | Q(**{f"node__{node.level}_id": node.pk})
    )
    by_role: dict[str, list] = {role: [] for role in GRID_CHAIN}
    for grant in sorted(grants, key=lambda g: (g.node.code, g.user.full_name or g.user.username)):
        grant.position = "here" if grant.node_id == node.pk else ("above" if grant.node_id in above else "below")
        by_role[grant.role].append(grant)
    # Roles a node of this level is expected to have, shown as vacant when nobody holds them.
    expected = {
        Level.GRID: {Role.GRID_INSTRUCTOR, Role.GRID_LEADER, Role.GRID_WORKER},
        Level.COMPOUND: {Role.GRID_INSTRUCTOR, Role.GRID_LEADER, Role.GRID_WORKER},
        Level.BUILDING: {Role.GRID_WORKER, Role.BUILDING_LEADER},
    }[node.level]
    return {
        "roles": [
            {"role": role, "label": str(Role(role).label), "grants": by_role[role], "expected": role in expected}
            for role in GRID_CHAIN
            if by_role[role] or role in expected
        ]
    }


def _feature(node: Node, *, own: bool = False, context: bool = False) -> dict:
    return {
        "type": "Feature",
        "geometry": node.geometry,
        "properties": {
            "name": node.name, "code": node.code, "level": node.level, "self": own, "context": context,
            "url": "" if own else reverse("territory:node_detail", args=[node.pk]),
        },
    }


def map_features(node: Node, children: list[Node]) -> dict | None:
    """The node's own shape and those below it (for a grid or compound: every building too), or None.

    A building alone is a dot on an empty map, so its compound's outline and its neighbours come along.
    """
    features = [_feature(node, own=True)] if node.geometry else []
    if node.level in (Level.GRID, Level.COMPOUND):
        below = (
            Node.objects.descendants_of(node).filter(is_active=True, geometry__isnull=False)
            .only("id", "name", "code", "level", "geometry").order_by("code")[:MAP_FEATURE_LIMIT]
        )
        features += [_feature(n) for n in below if n.geometry]
    elif node.level == Level.BUILDING:
        if not node.geometry:
            return None
        around = (
            Node.objects.filter(Q(pk=node.parent_id) | Q(parent_id=node.parent_id), is_active=True,
                                geometry__isnull=False)
            .exclude(pk=node.pk).only("id", "name", "code", "level", "geometry").order_by("code")
        )
        features = [_feature(n, context=True) for n in around if n.geometry] + features
    else:
        features += [_feature(n) for n in children if n.geometry]
    if not features:
        return None
    return {"type": "FeatureCollection", "features": features}


def breadcrumbs(node: Node, user) -> list[dict]:
    """The chain above ``node``: links for the ancestors the user can open, plain names for the others."""
    ancestors = node.ancestors()
    visible = set(
        Node.objects.visible_to(user, VIEW).filter(pk__in=[a.pk for a in ancestors]).values_list("pk", flat=True)
    )
    return [{"node": a, "link": a.pk in visible} for a in ancestors]


class NodeDetailView(ScopedObjectMixin, TemplateView):
    model = Node
    required_permission = VIEW
    template_name = "territory/node_detail.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        node = self.get_object()
        show_retired = self.request.GET.get("retired") == "1"
        tally = node.children.aggregate(active=Count("id", filter=Q(is_active=True)),
                                        retired=Count("id", filter=Q(is_active=False)))
        children = node.children.order_by("code")
        if not show_retired:
            children = children.filter(is_active=True)
        children = list(children)
        counts = Node.objects.child_counts(node)
        lower = child_level(node.level)
        below_child = levels_below(lower) if lower else []
        totals = {lower: tally["active"]} if lower else {}
        for per_child in counts.values():
            for level, n in per_child.items():
                totals[level] = totals.get(level, 0) + n
        can_manage = user.has_permission(MANAGE) and Node.objects.is_visible_to(node, user, MANAGE)
        return super().get_context_data(
            node=node,
            crumbs=breadcrumbs(node, user),
            children=[{"node": c, "counts": [counts.get(c.pk, {}).get(level, 0) for level in below_child]}
                      for c in children],
            child_level_label=_level_label(lower) if lower else "",
            count_headers=[_level_label(level) for level in below_child],
            totals=[{"label": _level_label(level), "n": totals.get(level, 0)} for level in levels_below(node.level)],
            show_retired=show_retired,
            retired_children=tally["retired"],
            staff=staff_chain(node),
            map_data=map_features(node, children),
            can_manage=can_manage,
            can_create=can_manage and node.is_active and lower is not None,
            can_move=can_manage and node.is_active and node.level != Level.DISTRICT,
            can_retire=can_manage and node.is_active and node.level != Level.DISTRICT,
            can_reactivate=can_manage and not node.is_active,
            **kwargs,
        )


# --- forms ----------------------------------------------------------------------------------------------------
class NodeFormView(ScopedObjectMixin, FormView):
    """Base of the admin forms on one node: looked up within the user's *manage* scope, saved by a service."""

    model = Node
    required_permission = MANAGE
    scope_permission = MANAGE
    template_name = "territory/node_form.html"
    title = ""
    submit_label = ""
    danger = False

    @cached_property
    def node(self) -> Node:
        node = self.get_object()
        self.check_node(node)
        return node

    def check_node(self, node: Node) -> None:
        """Refuse (404) a node this form does not apply to."""

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "node": self.node}

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            node=self.node, crumbs=breadcrumbs(self.node, self.request.user) + [{"node": self.node, "link": True}],
            title=self.get_title(), submit_label=self.submit_label, danger=self.danger, **kwargs,
        )

    def get_title(self) -> str:
        return self.title

    def form_valid(self, form):
        try:
            node = self.perform(form)
        except ValidationError as exc:
            apply_validation_error(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, self.success_message(node))
        return redirect("territory:node_detail", pk=node.pk)

    def perform(self, form) -> Node:
        raise NotImplementedError

    def success_message(self, node: Node) -> str:
        return _("Saved.")


class NodeCreateView(NodeFormView):
    form_class = NodeCreateForm
    pk_url_kwarg = "parent_pk"
    submit_label = _("Create")

    def check_node(self, node):
        if child_level(node.level) is None:
            raise Http404

    @property
    def level(self) -> str:
        return child_level(self.node.level)

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs.pop("node")
        return {**kwargs, "parent": self.node, "level": self.level}

    def get_title(self):
        return _("New %(level)s in %(parent)s") % {"level": _level_label(self.level), "parent": self.node.name}

    def perform(self, form):
        data = form.cleaned_data
        return services.create_node(actor=self.request.user, level=self.level, parent=self.node, name=data["name"],
                                    code=data["code"], geometry=data["geometry"])

    def success_message(self, node):
        return _("%(name)s was created with the code %(code)s.") % {"name": node.name, "code": node.code}


class NodeEditView(NodeFormView):
    form_class = NodeEditForm
    submit_label = _("Save")

    def get_title(self):
        return _("Edit %(name)s") % {"name": self.node.name}

    def perform(self, form):
        data = form.cleaned_data
        return services.update_node(self.node, actor=self.request.user, name=data["name"], code=data["code"],
                                    geometry=data["geometry"])

    def success_message(self, node):
        return _("%(name)s was saved.") % {"name": node.name}


class NodeMoveView(NodeFormView):
    form_class = NodeMoveForm
    submit_label = _("Move")

    def check_node(self, node):
        if node.level == Level.DISTRICT or not node.is_active:
            raise Http404

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def get_title(self):
        return _("Move %(name)s") % {"name": self.node.name}

    def get_context_data(self, **kwargs):
        descendants = Node.objects.descendants_of(self.node).filter(is_active=True).count()
        return super().get_context_data(
            intro=_("The %(level)s moves with the %(n)d active nodes below it; their codes follow its new code.")
            % {"level": _level_label(self.node.level), "n": descendants},
            parent_level_label=_level_label(parent_level(self.node.level)),
            **kwargs,
        )

    def perform(self, form):
        data = form.cleaned_data
        return services.move_node(self.node, actor=self.request.user, new_parent=data["new_parent"],
                                  new_code=data["new_code"])

    def success_message(self, node):
        return _("%(name)s was moved to %(parent)s; its code is now %(code)s.") % {
            "name": node.name, "parent": node.parent.name, "code": node.code}


class NodeRetireView(NodeFormView):
    form_class = NodeRetireForm
    submit_label = _("Retire")
    danger = True

    def check_node(self, node):
        if node.level == Level.DISTRICT or not node.is_active:
            raise Http404

    def get_title(self):
        return _("Retire %(name)s") % {"name": self.node.name}

    def get_context_data(self, **kwargs):
        active_children = self.node.children.filter(is_active=True).count()
        intro = _("A retired node keeps its history but no longer appears in lists, and roles held there stop "
                  "counting. It can be reactivated later.")
        warning = ""
        if active_children:
            warning = _("It still has %(n)d active nodes below it: retire or move them first.") % {
                "n": active_children}
        return super().get_context_data(intro=intro, warning=warning, **kwargs)

    def perform(self, form):
        return services.retire_node(self.node, actor=self.request.user, reason=form.cleaned_data["reason"])

    def success_message(self, node):
        return _("%(name)s was retired.") % {"name": node.name}


class NodeReactivateView(ScopedObjectMixin, View):
    """POST only: reactivate a retired node (its parent must be active)."""

    model = Node
    required_permission = MANAGE
    scope_permission = MANAGE
    http_method_names = ["post"]

    def post(self, request, pk):
        node = self.get_object()
        try:
            node = services.reactivate_node(node, actor=request.user)
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("%(name)s was reactivated.") % {"name": node.name})
        return redirect("territory:node_detail", pk=node.pk)


# --- import ---------------------------------------------------------------------------------------------------
class ImportView(PermissionRequiredMixin, FormView):
    required_permission = MANAGE
    template_name = "territory/import.html"
    form_class = ImportForm

    def form_valid(self, form):
        upload = form.cleaned_data["file"]
        try:
            result = import_territory(upload.read(), actor=self.request.user, filename=upload.name,
                                      dry_run=form.cleaned_data["dry_run"])
        except ImportFileError as exc:
            form.add_error("file", str(exc))
            return self.form_invalid(form)
        return render(self.request, self.template_name,
                      self.get_context_data(form=ImportForm(), result=result, filename=upload.name))


class ImportTemplateView(PermissionRequiredMixin, View):
    required_permission = MANAGE

    def get(self, request):
        response = HttpResponse(
            template_workbook(),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = (
            "attachment; filename=\"territory-import.xlsx\"; filename*=UTF-8''" + quote("区划导入模板.xlsx")
        )
        return response


browser_view = BrowserView.as_view()
