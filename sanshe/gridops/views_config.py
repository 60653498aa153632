"""Configuration pages of grid governance: the catalogue (大类 / 小类), handling units and their staff, the
responsibility table, the district's settings and working-day overrides.

District admins (``gridops.configure``) edit; readers of events (``gridops.view``) read the catalogue and the
units. Reads go through ``visible_to`` (units: every unit of the reader's districts, see
:func:`services_config.readable_units`); writes through :mod:`sanshe.gridops.services_config`.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import FormView, TemplateView

from sanshe.accounts.models import User
from sanshe.accounts.roles import Perm
from sanshe.core.exceptions import OutOfScope
from sanshe.core.views import PermissionRequiredMixin, apply_validation_error
from sanshe.territory.choices import Level
from sanshe.territory.models import Node

from . import services_config
from .forms_config import CategoryForm, MemberForm, SettingsForm, UnitForm, WorkdayForm, configurable_units
from .models import EventCategory, EventSettings, HandlingUnit, Responsibility, UnitMember, WorkdayOverride

VIEW, CONFIGURE = Perm.EVENTS_VIEW, Perm.EVENTS_CONFIGURE
UNIT_PAGE_SIZE = 200


def _can_configure(request) -> bool:
    return request.user.has_permission(CONFIGURE)


def _chosen_district(request) -> Node:
    """The district the admin works on (``?district=``), among those he administers; 404 for another one."""
    districts = list(services_config.administered_districts(request.user))
    if not districts:
        raise Http404
    wanted = request.GET.get("district") or request.POST.get("district")
    if wanted:
        for district in districts:
            if str(district.pk) == wanted:
                return district
        outside = Node.objects.filter(pk=wanted if str(wanted).isdigit() else 0).first()
        if outside is None:
            raise Http404
        raise OutOfScope(CONFIGURE, outside)
    return districts[0]


# --- the catalogue ----------------------------------------------------------------------------------------------
class CategoryListView(PermissionRequiredMixin, TemplateView):
    """The catalogue as a tree: each 大类 with its 小类, their time limits, default units and flags."""

    required_permission = VIEW
    template_name = "gridops/config/category_list.html"

    def get_context_data(self, **kwargs):
        children = EventCategory.objects.filter(parent__isnull=False).select_related("default_unit")
        majors = (EventCategory.objects.filter(parent__isnull=True)
                  .prefetch_related(Prefetch("children", queryset=children, to_attr="subs")))
        show_retired = self.request.GET.get("retired") == "1"
        tree = []
        for major in majors:
            subs = [c for c in major.subs if show_retired or c.is_active]
            if major.is_active or show_retired:
                tree.append((major, subs))
        return super().get_context_data(tree=tree, show_retired=show_retired,
                                        can_configure=_can_configure(self.request), **kwargs)


class CategoryDetailView(PermissionRequiredMixin, TemplateView):
    required_permission = VIEW
    template_name = "gridops/config/category_detail.html"

    def get_context_data(self, **kwargs):
        category = get_object_or_404(EventCategory.objects.select_related("parent", "default_unit"),
                                     pk=self.kwargs["pk"])
        subs = list(category.children.all()) if category.parent_id is None else []
        return super().get_context_data(category=category, subs=subs, can_configure=_can_configure(self.request),
                                        **kwargs)


class CategoryFormView(PermissionRequiredMixin, FormView):
    """Create (``?parent=`` preselects the 大类) or edit a category, its Open311 attributes as rows."""

    required_permission = CONFIGURE
    template_name = "gridops/config/category_form.html"
    form_class = CategoryForm

    def get_instance(self):
        if "pk" not in self.kwargs:
            return None
        if not hasattr(self, "_instance"):
            self._instance = get_object_or_404(EventCategory, pk=self.kwargs["pk"])
        return self._instance

    def get_initial(self):
        parent = self.request.GET.get("parent")
        return {"parent": parent} if parent and parent.isdigit() else {}

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user, "instance": self.get_instance()}

    def get_context_data(self, **kwargs):
        instance = self.get_instance()
        title = _("Edit category “%(name)s”") % {"name": instance.name} if instance else _("New category")
        return super().get_context_data(title=title, instance=instance, **kwargs)

    def form_valid(self, form):
        try:
            instance = self.get_instance()
            if instance is None:
                category = services_config.create_category(
                    actor=self.request.user, code=form.cleaned_data["code"], parent=form.cleaned_data["parent"],
                    **form.values())
            else:
                category = services_config.update_category(instance, actor=self.request.user, **form.values())
        except ValidationError as exc:
            apply_validation_error(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("Saved."))
        return redirect("gridops:category_detail", pk=category.pk)


# --- handling units ---------------------------------------------------------------------------------------------
class UnitListView(PermissionRequiredMixin, TemplateView):
    """Handling units of the reader's districts, with their place and staff count."""

    required_permission = VIEW
    template_name = "gridops/config/unit_list.html"

    def get_context_data(self, **kwargs):
        q = (self.request.GET.get("q") or "").strip()
        qs = (services_config.readable_units(self.request.user).select_related("node")
              .annotate(staff=Count("members")).order_by("district_id", "kind", "name", "id"))
        if q:
            qs = qs.filter(name__contains=q)
        units = list(qs[: UNIT_PAGE_SIZE + 1])
        return super().get_context_data(units=units[:UNIT_PAGE_SIZE], more=len(units) > UNIT_PAGE_SIZE, q=q,
                                        can_configure=_can_configure(self.request), **kwargs)


class _UnitMixin(PermissionRequiredMixin):
    """One unit: read through ``readable_units``, written through ``visible_to(user, configure)``; outside → 404."""

    unit_permission = VIEW

    def get_unit(self) -> HandlingUnit:
        if not hasattr(self, "_unit"):
            pk = self.kwargs["pk"]
            qs = (HandlingUnit.objects.visible_to(self.request.user, CONFIGURE) if self.unit_permission == CONFIGURE
                  else services_config.readable_units(self.request.user))
            unit = qs.select_related("node").filter(pk=pk).first()
            if unit is None:
                outside = HandlingUnit.objects.filter(pk=pk).first()
                if outside is None:
                    raise Http404
                raise OutOfScope(self.unit_permission, outside)
            self._unit = unit
        return self._unit


class UnitDetailView(_UnitMixin, TemplateView):
    required_permission = VIEW
    template_name = "gridops/config/unit_detail.html"

    def get_context_data(self, **kwargs):
        unit = self.get_unit()
        members = UnitMember.objects.filter(unit=unit).select_related("user").order_by("user__username")
        can_edit = _can_configure(self.request) and HandlingUnit.objects.visible_to(
            self.request.user, CONFIGURE).filter(pk=unit.pk).exists()
        lines = (Responsibility.objects.filter(unit=unit).select_related("category", "node")
                 .order_by("category__code", "node__code")[:200])
        return super().get_context_data(
            unit=unit, members=members, can_edit=can_edit, lines=lines,
            member_form=kwargs.pop("member_form", None) or (MemberForm(unit=unit) if can_edit else None), **kwargs)


class UnitFormView(_UnitMixin, FormView):
    required_permission = CONFIGURE
    unit_permission = CONFIGURE
    template_name = "gridops/config/unit_form.html"
    form_class = UnitForm

    def dispatch(self, request, *args, **kwargs):
        self.object = None
        if "pk" in kwargs and request.user.is_authenticated and request.user.has_permission(CONFIGURE):
            self.object = self.get_unit()
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user, "instance": self.object}

    def get_context_data(self, **kwargs):
        title = (_("Edit handling unit “%(name)s”") % {"name": self.object.name} if self.object
                 else _("New handling unit"))
        return super().get_context_data(title=title, instance=self.object, **kwargs)

    def form_valid(self, form):
        d = form.cleaned_data
        try:
            if self.object is None:
                unit = services_config.create_unit(actor=self.request.user, name=d["name"], kind=d["kind"],
                                                   node=d["node"], phone=d["phone"])
            else:
                unit = services_config.update_unit(self.object, actor=self.request.user, **d)
        except ValidationError as exc:
            apply_validation_error(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("Saved."))
        return redirect("gridops:unit_detail", pk=unit.pk)


class UnitMemberAddView(_UnitMixin, View):
    required_permission = CONFIGURE
    unit_permission = CONFIGURE

    def post(self, request, pk):
        unit = self.get_unit()
        form = MemberForm(request.POST, unit=unit)
        if form.is_valid():
            try:
                services_config.add_member(unit, actor=request.user, user=form.cleaned_data["user"])
                messages.success(request, _("Added to the staff."))
                return redirect("gridops:unit_detail", pk=unit.pk)
            except ValidationError as exc:
                apply_validation_error(form, exc)
        view = UnitDetailView()
        view.setup(request, pk=pk)
        response = view.get(request, pk=pk, member_form=form)
        response.status_code = 400
        return response


class UnitMemberRemoveView(_UnitMixin, View):
    required_permission = CONFIGURE
    unit_permission = CONFIGURE

    def post(self, request, pk, user_pk):
        unit = self.get_unit()
        user = get_object_or_404(User, pk=user_pk)
        try:
            services_config.remove_member(unit, actor=request.user, user=user)
            messages.success(request, _("Removed from the staff."))
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        return redirect("gridops:unit_detail", pk=unit.pk)


# --- the responsibility table ----------------------------------------------------------------------------------
def _line_nodes(district: Node) -> list[Node]:
    """The district, its streets and their communities, in tree order (the places a line is usually set at)."""
    return list(Node.objects.filter(district=district, level__in=(Level.DISTRICT, Level.STREET, Level.COMMUNITY),
                                    is_active=True).order_by("code"))


class ResponsibilityView(PermissionRequiredMixin, TemplateView):
    """The table as a matrix: 小类 (rows) × the district and its streets (columns) → unit; lines set below a
    street are counted in the last column. A row opens its line for editing."""

    required_permission = CONFIGURE
    template_name = "gridops/config/responsibility.html"

    def get_context_data(self, **kwargs):
        district = _chosen_district(self.request)
        columns = [district, *Node.objects.filter(district=district, level=Level.STREET, is_active=True)
                   .order_by("code")]
        column_ids = [c.pk for c in columns]
        cells: dict[tuple[int, int], HandlingUnit] = {}
        below: dict[int, int] = {}
        for line in (Responsibility.objects.filter(node__district=district)
                     .select_related("unit", "node").only("category_id", "node_id", "node__level", "unit__name",
                                                          "unit__is_active")):
            if line.node_id in column_ids:
                cells[(line.category_id, line.node_id)] = line.unit
            else:
                below[line.category_id] = below.get(line.category_id, 0) + 1
        rows = []
        subs = (EventCategory.objects.filter(parent__isnull=False, is_active=True).select_related("parent",
                                                                                                   "default_unit")
                .order_by("parent__sort_order", "parent__code", "sort_order", "code"))
        for sub in subs:
            rows.append({"category": sub, "cells": [cells.get((sub.pk, c.pk)) for c in columns],
                         "below": below.get(sub.pk, 0)})
        return super().get_context_data(
            district=district, districts=services_config.administered_districts(self.request.user),
            columns=columns, rows=rows, **kwargs)


class ResponsibilityLineView(PermissionRequiredMixin, TemplateView):
    """One 小类's line: a unit (or none) for the district, each street and each community; grid lines that exist
    are listed too, and one more place may be added by its code."""

    required_permission = CONFIGURE
    template_name = "gridops/config/responsibility_line.html"

    def setup_line(self):
        self.district = _chosen_district(self.request)
        self.category = get_object_or_404(EventCategory, pk=self.kwargs["pk"], parent__isnull=False)
        self.lines = {r.node_id: r for r in Responsibility.objects.filter(
            category=self.category, node__district=self.district).select_related("unit", "node")}
        nodes = _line_nodes(self.district)
        known = {n.pk for n in nodes}
        nodes += sorted((r.node for r in self.lines.values() if r.node_id not in known), key=lambda n: n.code)
        self.nodes = nodes
        self.units = list(configurable_units(self.request.user).filter(district=self.district))

    def get(self, request, *args, **kwargs):
        self.setup_line()
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        rows = [{"node": n, "unit_id": self.lines[n.pk].unit_id if n.pk in self.lines else None,
                 "indent": {"district": 0, "street": 1, "community": 2}.get(n.level, 3)} for n in self.nodes]
        return super().get_context_data(district=self.district, category=self.category, rows=rows,
                                        units=self.units, **kwargs)

    def post(self, request, *args, **kwargs):
        self.setup_line()
        units = {str(u.pk): u for u in self.units}
        errors: list[str] = []
        changed = 0
        try:
            with transaction.atomic():
                for node in self.nodes:
                    wanted = request.POST.get(f"unit_{node.pk}", "")
                    current = self.lines.get(node.pk)
                    if wanted == (str(current.unit_id) if current else ""):
                        continue
                    if wanted and wanted not in units:
                        errors.append(_("%(place)s: choose an active handling unit of the district.") % {
                            "place": node.name})
                        continue
                    services_config.set_responsibility(actor=request.user, category=self.category, node=node,
                                                       unit=units.get(wanted))
                    changed += 1
                code, wanted = (request.POST.get("new_code") or "").strip(), request.POST.get("new_unit", "")
                if code or wanted:
                    node = Node.objects.visible_to(request.user, CONFIGURE).filter(
                        code=code, district=self.district).first()
                    if node is None:
                        errors.append(_("No place with code %(code)s in this district.") % {"code": code})
                    elif wanted not in units:
                        errors.append(_("Choose the handling unit for the added place."))
                    else:
                        services_config.set_responsibility(actor=request.user, category=self.category, node=node,
                                                           unit=units[wanted])
                        changed += 1
                if errors:
                    raise ValidationError(errors)
        except ValidationError as exc:
            context = self.get_context_data(errors=exc.messages, posted=request.POST)
            return self.render_to_response(context, status=400)
        messages.success(request, _("Saved: %(n)d change(s).") % {"n": changed})
        return redirect(f"{reverse('gridops:responsibility')}?district={self.district.pk}")


# --- settings and working days -------------------------------------------------------------------------------
class SettingsView(PermissionRequiredMixin, FormView):
    """The district's settings: duplicate radius and window, the yellow light, working hours."""

    required_permission = CONFIGURE
    template_name = "gridops/config/settings.html"
    form_class = SettingsForm

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and request.user.has_permission(CONFIGURE):
            self.district = _chosen_district(request)
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        instance = EventSettings.objects.filter(district=self.district).first() or EventSettings(
            district=self.district)
        return {**super().get_form_kwargs(), "instance": instance}

    def get_context_data(self, **kwargs):
        return super().get_context_data(district=self.district,
                                        districts=services_config.administered_districts(self.request.user),
                                        **kwargs)

    def form_valid(self, form):
        try:
            services_config.update_settings(actor=self.request.user, district=self.district,
                                            **{f: form.cleaned_data[f] for f in services_config.SETTINGS_FIELDS})
        except ValidationError as exc:
            apply_validation_error(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("Saved."))
        return redirect(f"{reverse('gridops:event_settings')}?district={self.district.pk}")


class WorkdayListView(PermissionRequiredMixin, FormView):
    """Working-day overrides: days declared working or off whatever chinese-calendar says."""

    required_permission = CONFIGURE
    template_name = "gridops/config/workdays.html"
    form_class = WorkdayForm

    def get_context_data(self, **kwargs):
        since = timezone.localdate().replace(month=1, day=1)
        show_all = self.request.GET.get("all") == "1"
        qs = WorkdayOverride.objects.all() if show_all else WorkdayOverride.objects.filter(date__gte=since)
        return super().get_context_data(overrides=qs.order_by("date")[:500], show_all=show_all, **kwargs)

    def form_valid(self, form):
        try:
            services_config.add_workday_override(actor=self.request.user, **form.cleaned_data)
        except ValidationError as exc:
            apply_validation_error(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("Saved."))
        return redirect("gridops:workdays")


class WorkdayDeleteView(PermissionRequiredMixin, View):
    required_permission = CONFIGURE

    def post(self, request, pk):
        override = get_object_or_404(WorkdayOverride, pk=pk)
        services_config.remove_workday_override(override, actor=request.user)
        messages.success(request, _("Removed."))
        return redirect("gridops:workdays")
