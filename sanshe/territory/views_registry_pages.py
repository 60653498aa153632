"""Registry pages: 一院一图 (compound map and building list), 一楼一册 (a building as floors × units),
一户一档 (the household file) and the forms that change them.

Reading needs ``registry.view``, changing ``registry.manage``, seeing an ID number or phone in full
``registry.unmask`` (with a reason, audited by the service). Objects are looked up through ``visible_to``: outside
the user's territory a 404. Every change goes through :mod:`sanshe.territory.registry`. Pages show only the masked
copies of ID numbers and phones.
"""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, IntegerField, OuterRef, Prefetch, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.generic import FormView, TemplateView

from sanshe.accounts.roles import Perm
from sanshe.core.exceptions import OutOfScope
from sanshe.core.views import ScopedObjectMixin, apply_validation_error

from . import registry
from .choices import Level, Occupancy, Relation, ResidentStatus
from .forms_registry import (
    DwellingOccupancyForm,
    HouseholdCreateForm,
    HouseholdEditForm,
    LeaveForm,
    ResidentEditForm,
    ResidentForm,
    TagAddForm,
    TagDetailsForm,
    TagEndForm,
    TransferForm,
    UnmaskForm,
    building_choices,
)
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
from .views import breadcrumbs as node_ancestors

VIEW = Perm.REGISTRY_VIEW
MANAGE = Perm.REGISTRY_MANAGE
UNMASK = Perm.REGISTRY_UNMASK
TIMELINE_LIMIT = 200
OCCUPANCY_CLASS = {Occupancy.OCCUPIED: "occ-occupied", Occupancy.RENTED: "occ-rented", Occupancy.VACANT: "occ-vacant"}


# --- helpers --------------------------------------------------------------------------------------------------
def age_of(birth_date: dt.date | None, today: dt.date | None = None) -> int | None:
    if birth_date is None:
        return None
    today = today or timezone.localdate()
    return today.year - birth_date.year - ((today.month, today.day) < (birth_date.month, birth_date.day))


def _natural(value: str):
    """Units "1", "2", "10" in number order; others after them, by text."""
    return (0, int(value), "") if value.isdigit() else (1, 0, value)


def crumbs_for(node: Node | None, user, *extra) -> dict:
    """Breadcrumbs: the territory chain down to ``node`` (links where the user may open the node) and extras."""
    items = []
    if node is not None:
        chain = node_ancestors(node, user) + [{"node": node, "link": None}]
        visible = set(Node.objects.visible_to(user, Perm.TERRITORY_VIEW).filter(pk=node.pk).values_list("pk", flat=True))
        for crumb in chain:
            link = crumb["link"] if crumb["link"] is not None else node.pk in visible
            items.append({"label": crumb["node"].name,
                          "url": reverse("territory:node_detail", args=[crumb["node"].pk]) if link else ""})
    items += [{"label": label, "url": url} for label, url in extra]
    return {"crumbs": items}


def register_link(building_id) -> tuple[str, str]:
    return _("Building register"), reverse("territory:building_register", args=[building_id])


def household_place(household: Household) -> Node | None:
    """The lowest territory node a household sits in (building, compound, grid or community)."""
    for level in ("building", "compound", "grid", "community"):
        node = getattr(household, level, None)
        if node is not None:
            return node
    return None


class RegistryMixin(ScopedObjectMixin):
    required_permission = VIEW
    scope_permission = VIEW


# --- 一院一图 --------------------------------------------------------------------------------------------------
def building_rows(user, compound: Node) -> list[Node]:
    """The compound's buildings the user may read, each with its counts of dwellings, active households and
    registered residents (one query: a correlated count per column)."""

    def count(qs):
        return Coalesce(Subquery(qs.order_by().values("building_id").annotate(c=Count("id")).values("c")[:1],
                                 output_field=IntegerField()), Value(0))

    here = OuterRef("pk")
    return list(
        Node.objects.visible_to(user, VIEW).filter(parent=compound, level=Level.BUILDING, is_active=True)
        .annotate(
            n_dwellings=count(Dwelling.objects.filter(building_id=here)),
            n_households=count(Household.objects.filter(building_id=here, is_active=True)),
            n_residents=count(Resident.objects.filter(building_id=here, status=ResidentStatus.REGISTERED)),
        )
        .order_by("code")
    )


def compound_features(compound: Node, buildings: list[Node]) -> dict | None:
    features = []
    grid = compound.parent if compound.parent_id else None
    if grid is not None and grid.geometry:
        features.append({"type": "Feature", "geometry": grid.geometry,
                         "properties": {"name": grid.name, "context": True, "self": False, "url": ""}})
    if compound.geometry:
        features.append({"type": "Feature", "geometry": compound.geometry,
                         "properties": {"name": compound.name, "self": True, "context": False, "url": ""}})
    for building in buildings:
        if building.geometry:
            features.append({"type": "Feature", "geometry": building.geometry, "properties": {
                "name": building.name, "self": False, "context": False,
                "url": reverse("territory:building_register", args=[building.pk]),
            }})
    return {"type": "FeatureCollection", "features": features} if features else None


class CompoundMapView(RegistryMixin, TemplateView):
    """一院一图: the compound's map (grid boundary, compound, buildings) and its buildings with their counts.

    A user whose territory is one building of the compound (楼栋长) sees the compound with his buildings only.
    """

    model = Node
    template_name = "registry/pages/compound.html"

    def get_object(self, queryset=None):
        compound = Node.objects.filter(pk=self.kwargs["pk"], level=Level.COMPOUND).select_related("parent").first()
        if compound is None:
            raise Http404
        visible = Node.objects.visible_to(self.request.user, VIEW)
        if not (visible.filter(pk=compound.pk).exists()
                or visible.filter(parent=compound, level=Level.BUILDING).exists()):
            raise OutOfScope(VIEW, compound)
        return compound

    def get_context_data(self, **kwargs):
        user = self.request.user
        compound = self.get_object()
        buildings = building_rows(user, compound)
        totals = {key: sum(getattr(b, key) for b in buildings) for key in ("n_dwellings", "n_households",
                                                                           "n_residents")}
        return super().get_context_data(
            compound=compound, buildings=buildings, totals=totals, map_data=compound_features(compound, buildings),
            can_manage=user.has_permission(MANAGE), **crumbs_for(compound, user), **kwargs,
        )


# --- 一楼一册 --------------------------------------------------------------------------------------------------
def register_layout(dwellings: list[Dwelling]) -> dict:
    """Floors (high to low) × units; dwellings without a floor go to a list under the grid."""
    placed = [d for d in dwellings if d.floor is not None]
    unplaced = [d for d in dwellings if d.floor is None]
    units = sorted({d.unit for d in placed}, key=_natural)
    floors = sorted({d.floor for d in placed}, reverse=True)
    cells: dict[tuple[int, str], list[Dwelling]] = {}
    for d in placed:
        cells.setdefault((d.floor, d.unit), []).append(d)
    rows = [{"floor": floor, "cells": [sorted(cells.get((floor, unit), []), key=lambda d: _natural(d.room))
                                       for unit in units]} for floor in floors]
    return {"units": units, "rows": rows, "unplaced": sorted(unplaced, key=lambda d: (_natural(d.unit),
                                                                                      _natural(d.room)))}


class BuildingRegisterView(RegistryMixin, TemplateView):
    """一楼一册: every dwelling of a building with its households (head, members, occupancy)."""

    model = Node
    template_name = "registry/pages/building.html"

    def get_queryset(self):
        return super().get_queryset().filter(level=Level.BUILDING)

    def get_context_data(self, **kwargs):
        user = self.request.user
        building = self.get_object()
        households = list(
            Household.objects.visible_to(user, VIEW).filter(building_id=building.pk, is_active=True)
            .select_related("head")
            .annotate(n_members=Count("members", filter=Q(members__status=ResidentStatus.REGISTERED)))
            .order_by("number")
        )
        by_dwelling: dict[int, list[Household]] = {}
        for household in households:
            by_dwelling.setdefault(household.dwelling_id, []).append(household)
        dwellings = list(Dwelling.objects.visible_to(user, VIEW).filter(building=building))
        for d in dwellings:
            d.household_list = by_dwelling.get(d.pk, [])
            d.occupancy_class = OCCUPANCY_CLASS.get(d.occupancy, "")
        layout = register_layout(dwellings)
        compound = building.parent if building.parent and building.parent.level == Level.COMPOUND else None
        extra = [(_("Building register"), "")]
        return super().get_context_data(
            building=building, layout=layout, grid_mode=bool(layout["rows"]), without_dwelling=by_dwelling.get(None, []),
            n_dwellings=len(dwellings), n_households=len(households),
            n_residents=sum(h.n_members for h in households), occupancy=Occupancy,
            can_manage=user.has_permission(MANAGE), compound=compound,
            **crumbs_for(building, user, *extra), **kwargs,
        )


# --- 一户一档 --------------------------------------------------------------------------------------------------
class HouseholdDetailView(RegistryMixin, TemplateView):
    """一户一档: members, tags, the timeline (entries the reader may see) and the members' moves."""

    model = Household
    template_name = "registry/pages/household.html"

    def get_queryset(self):
        return super().get_queryset().select_related("dwelling", "building", "compound", "grid", "community")

    def get_context_data(self, **kwargs):
        user = self.request.user
        household = self.get_object()
        today = timezone.localdate()
        members = list(
            Resident.objects.filter(household=household)
            .prefetch_related(Prefetch("tags", queryset=ResidentTag.objects.select_related("tag_type")
                                       .order_by("tag_type__sort_order", "valid_from")))
            .order_by("status", "id")
        )
        derived = list(TagType.objects.filter(is_active=True, derived_min_age__isnull=False))
        relation_rank = {value: i for i, value in enumerate(Relation.values)}
        for member in members:
            member.age = age_of(member.birth_date, today)
            member.is_head = member.pk == household.head_id
            member.derived_tags = [t for t in derived if member.age is not None and member.age >= t.derived_min_age
                                   and member.status == ResidentStatus.REGISTERED]
            for tag in member.tags.all():
                tag.current = (tag.valid_from is None or tag.valid_from <= today) and (
                    tag.valid_to is None or tag.valid_to >= today)
                tag.detail_items = [(f.get("label", f["key"]), tag.details.get(f["key"]))
                                    for f in tag.tag_type.detail_fields if tag.details.get(f["key"])]
                tag.missing_details = registry.tag_missing_details(tag) if tag.valid_to is None or \
                    tag.valid_to >= today else []
        members.sort(key=lambda m: (m.status != ResidentStatus.REGISTERED, not m.is_head,
                                    relation_rank.get(m.relation, 99), m.pk))
        permissions = user.permissions()
        timeline = list(
            HouseholdTimelineEntry.objects.filter(household=household, permission__in=sorted(permissions))
            .select_related("resident").order_by("-at", "-id")[:TIMELINE_LIMIT]
        )
        moves = list(
            ResidentMove.objects.filter(resident__in=[m.pk for m in members])
            .select_related("resident", "from_household", "to_household").order_by("-date", "-id")
        )
        place = household_place(household)
        extra = [register_link(household.building_id)] if household.building_id else []
        extra.append((household.number, ""))
        return super().get_context_data(
            household=household, members=members, timeline=timeline, moves=moves,
            registered=[m for m in members if m.status == ResidentStatus.REGISTERED],
            can_manage=MANAGE in permissions, can_unmask=UNMASK in permissions,
            **crumbs_for(place, user, *extra), **kwargs,
        )


# --- unmask ---------------------------------------------------------------------------------------------------
class ResidentUnmaskView(ScopedObjectMixin, FormView):
    """查看完整: ask for a reason, then show one ID number or phone in full, once (never cached, audited)."""

    model = Resident
    required_permission = UNMASK
    scope_permission = UNMASK
    form_class = UnmaskForm

    def get_template_names(self):
        if self.request.htmx:
            return ["registry/pages/_unmask.html"]
        return ["registry/pages/unmask.html"]

    def dispatch(self, request, *args, **kwargs):
        response = super().dispatch(request, *args, **kwargs)
        add_never_cache_headers(response)
        return response

    def get_initial(self):
        field = self.request.GET.get("field")
        return {"field": field if field in ("id_number", "phone") else "id_number"}

    def get_context_data(self, **kwargs):
        resident = self.resident
        form = kwargs.get("form")
        field = (form["field"].value() if form is not None else None) or "id_number"
        return super().get_context_data(
            resident=resident, field=field, field_label=_("ID number") if field == "id_number" else _("Phone"),
            masked=resident.id_number_masked if field == "id_number" else resident.phone_masked,
            **crumbs_for(household_place(resident.household) if resident.household_id else None,
                         self.request.user, *([(resident.household.number,
                                                reverse("territory:household_detail",
                                                        args=[resident.household_id]))]
                                              if resident.household_id else [])),
            **kwargs,
        )

    def get(self, request, *args, **kwargs):
        self.resident = self.get_object()
        return super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        self.resident = self.get_object()
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        try:
            value = registry.unmask(self.resident, actor=self.request.user, field=form.cleaned_data["field"],
                                    reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            apply_validation_error(form, exc)
            return self.form_invalid(form)
        return self.render_to_response(self.get_context_data(form=form, value=value or "", revealed=True))


# --- forms ----------------------------------------------------------------------------------------------------
class RegistryFormView(ScopedObjectMixin, FormView):
    """A form on one registry object: scoped with ``registry.manage``; ``perform`` calls the services and returns
    the URL to go to, or raises a ValidationError that is shown on the form."""

    required_permission = MANAGE
    scope_permission = MANAGE
    template_name = "registry/pages/form.html"
    title = ""
    submit_label = ""
    success_message = ""

    def dispatch(self, request, *args, **kwargs):
        self.object = None
        return super().dispatch(request, *args, **kwargs)

    def setup_object(self):
        if self.object is None:
            self.object = self.get_object()
        return self.object

    def get(self, request, *args, **kwargs):
        self.setup_object()
        return super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        self.setup_object()
        return super().post(request, *args, **kwargs)

    def household(self) -> Household | None:
        obj = self.object
        if isinstance(obj, Household):
            return obj
        if isinstance(obj, Resident):
            return obj.household
        if isinstance(obj, ResidentTag):
            return obj.resident.household
        return None

    def cancel_url(self) -> str:
        household = self.household()
        if household is not None:
            return reverse("territory:household_detail", args=[household.pk])
        return reverse("territory:building_register", args=[self.object.pk])

    def page_crumbs(self) -> dict:
        household = self.household()
        if household is None:
            return crumbs_for(self.object, self.request.user, register_link(self.object.pk))
        extra = [register_link(household.building_id)] if household.building_id else []
        extra.append((household.number, reverse("territory:household_detail", args=[household.pk])))
        return crumbs_for(household_place(household), self.request.user, *extra)

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            title=self.get_title(), submit_label=self.submit_label or _("Save"), cancel_url=self.cancel_url(),
            object=self.object, **self.page_crumbs(), **kwargs,
        )

    def get_title(self) -> str:
        return self.title

    def form_valid(self, form):
        try:
            with transaction.atomic():
                url = self.perform(form)
        except ValidationError as exc:
            apply_validation_error(form, exc)
            return self.form_invalid(form)
        if self.success_message:
            messages.success(self.request, self.success_message)
        return redirect(url)

    def perform(self, form) -> str:  # pragma: no cover - every form view defines it
        raise NotImplementedError


def _warn(request, warnings) -> None:
    for warning in warnings:
        messages.warning(request, str(warning))


class HouseholdCreateView(RegistryFormView):
    """A new household at a dwelling of the building (the dwelling is created when it does not exist yet)."""

    model = Node
    form_class = HouseholdCreateForm

    def get_queryset(self):
        return super().get_queryset().filter(level=Level.BUILDING)

    def get_title(self):
        return _("New household in %(building)s") % {"building": self.object.name}

    def perform(self, form):
        data = form.cleaned_data
        dwelling = registry.get_or_create_dwelling(actor=self.request.user, building=self.object, unit=data["unit"],
                                                   room=data["room"], floor=data["floor"])
        household = registry.create_household(actor=self.request.user, number=data["number"], node=self.object,
                                              dwelling=dwelling, registration_kind=data["registration_kind"],
                                              note=data["note"])
        messages.success(self.request, _("Household %(number)s created.") % {"number": household.number})
        return reverse("territory:household_detail", args=[household.pk])


class HouseholdEditView(RegistryFormView):
    model = Household
    form_class = HouseholdEditForm

    def get_queryset(self):
        return super().get_queryset().select_related("dwelling")

    def get_title(self):
        return _("Edit household %(number)s") % {"number": self.object.number}

    def get_form_kwargs(self):
        household = self.object
        kwargs = super().get_form_kwargs()
        kwargs["buildings"] = building_choices(self.request.user, MANAGE, household.community_id)
        kwargs["members"] = Resident.objects.filter(household=household, status=ResidentStatus.REGISTERED)
        return kwargs

    def get_initial(self):
        household, dwelling = self.object, self.object.dwelling
        return {
            "registration_kind": household.registration_kind, "note": household.note, "head": household.head_id,
            "building": dwelling.building_id if dwelling else None, "unit": dwelling.unit if dwelling else "",
            "room": dwelling.room if dwelling else "", "floor": dwelling.floor if dwelling else None,
        }

    def perform(self, form):
        data, household, actor = form.cleaned_data, self.object, self.request.user
        dwelling = None
        if data["building"] is not None:
            dwelling = registry.get_or_create_dwelling(actor=actor, building=data["building"], unit=data["unit"],
                                                       room=data["room"], floor=data["floor"])
        changes = {"registration_kind": data["registration_kind"], "note": data["note"]}
        if dwelling != household.dwelling:
            changes["dwelling"] = dwelling
        household = registry.update_household(household, actor=actor, **changes)
        head = data["head"]
        if head is not None and head.pk != household.head_id:
            registry.set_head(household, head, actor=actor)
        messages.success(self.request, _("Household %(number)s saved.") % {"number": household.number})
        return reverse("territory:household_detail", args=[household.pk])


def _resident_values(data: dict) -> dict:
    return {key: data[key] for key in ("name", "relation", "ethnicity", "note", "move_in_date")}


class ResidentCreateView(RegistryFormView):
    model = Household
    form_class = ResidentForm

    def get_title(self):
        return _("Add a member to household %(number)s") % {"number": self.object.number}

    def perform(self, form):
        data = form.cleaned_data
        resident, warnings = registry.register_resident(
            actor=self.request.user, household=self.object, id_type=data["id_type"], id_number=data["id_number"],
            phone=data["phone"], sex=data["sex"], birth_date=data["birth_date"], **_resident_values(data),
        )
        messages.success(self.request, _("%(name)s registered.") % {"name": resident.name})
        _warn(self.request, warnings)
        return reverse("territory:household_detail", args=[self.object.pk])


class ResidentObjectMixin:
    model = Resident

    def get_queryset(self):
        return super().get_queryset().select_related("household")

    def back(self) -> str:
        if self.object.household_id:
            return reverse("territory:household_detail", args=[self.object.household_id])
        return reverse("territory:browser")


class ResidentEditView(ResidentObjectMixin, RegistryFormView):
    form_class = ResidentEditForm

    def get_title(self):
        return _("Edit %(name)s") % {"name": self.object.name}

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "resident": self.object}

    def get_initial(self):
        r = self.object
        return {"name": r.name, "relation": r.relation, "id_type": r.id_type, "sex": r.sex, "birth_date": r.birth_date,
                "ethnicity": r.ethnicity, "move_in_date": r.move_in_date, "note": r.note}

    def perform(self, form):
        data, resident, actor = form.cleaned_data, self.object, self.request.user
        changes = _resident_values(data)
        if data["sex"]:
            changes["sex"] = data["sex"]
        if data["birth_date"]:
            changes["birth_date"] = data["birth_date"]
        if data["id_number"].strip() or data["id_type"] != resident.id_type:
            changes["id_type"] = data["id_type"]
            if data["id_number"].strip():
                changes["id_number"] = data["id_number"]
        if data["phone"].strip():
            changes["phone"] = data["phone"]
        resident, warnings = registry.update_resident(resident, actor=actor, **changes)
        household = resident.household
        if data["relation"] == Relation.HEAD and household is not None and household.head_id != resident.pk \
                and resident.status == ResidentStatus.REGISTERED:
            registry.set_head(household, resident, actor=actor)
        messages.success(self.request, _("%(name)s saved.") % {"name": resident.name})
        _warn(self.request, warnings)
        return self.back()


class ResidentMoveOutView(ResidentObjectMixin, RegistryFormView):
    form_class = LeaveForm
    service = staticmethod(registry.move_out)

    def get_title(self):
        return _("%(name)s moves out") % {"name": self.object.name}

    def perform(self, form):
        self.service(self.object, actor=self.request.user, date=form.cleaned_data["date"],
                     note=form.cleaned_data["note"])
        messages.success(self.request, _("Recorded."))
        return self.back()


class ResidentDeathView(ResidentMoveOutView):
    service = staticmethod(registry.record_death)

    def get_title(self):
        return _("Record the death of %(name)s") % {"name": self.object.name}


class ResidentTransferView(ResidentObjectMixin, RegistryFormView):
    form_class = TransferForm

    def get_title(self):
        return _("Move %(name)s to another household") % {"name": self.object.name}

    def target(self, number: str) -> Household:
        candidates = Household.objects.visible_to(self.request.user, MANAGE).filter(number=number.strip(),
                                                                                   is_active=True)
        same = [h for h in candidates if h.community_id == self.object.community_id]
        found = same or list(candidates)
        if not found:
            raise ValidationError({"household_number": _("No household with this number in your territory.")})
        if len(found) > 1:
            raise ValidationError({"household_number": _("Several households have this number in your territory.")})
        return found[0]

    def perform(self, form):
        data = form.cleaned_data
        to = self.target(data["household_number"])
        moved = registry.transfer(self.object, actor=self.request.user, to_household=to, date=data["date"],
                                  relation=data["relation"])
        if data["relation"] == Relation.HEAD:
            registry.set_head(to, moved, actor=self.request.user)
        messages.success(self.request, _("%(name)s moved to household %(number)s.") % {
            "name": self.object.name, "number": to.number})
        return reverse("territory:household_detail", args=[to.pk])


class TagAddView(ResidentObjectMixin, RegistryFormView):
    form_class = TagAddForm

    def get_title(self):
        return _("Add a tag to %(name)s") % {"name": self.object.name}

    def perform(self, form):
        data = form.cleaned_data
        try:
            registry.add_tag(self.object, actor=self.request.user, tag_type=data["tag_type"],
                             valid_from=data["valid_from"], valid_to=data["valid_to"], details=form.details())
        except ValidationError as exc:
            raise details_inline(exc, data["tag_type"], form.details(),
                                 form.detail_keys.get(data["tag_type"].pk, [])) from exc
        messages.success(self.request, _("Tag added."))
        return self.back()


def details_inline(exc: ValidationError, tag_type, details: dict, names: list[tuple[str, str]]) -> ValidationError:
    """The service names missing details together; show each under its own field instead (``names``: detail key →
    form field name)."""
    if not hasattr(exc, "error_dict") or "details" not in exc.error_dict:
        return exc
    required = set(registry.required_detail_keys(tag_type))
    errors = {name: [_("This field is required.")] for key, name in names
              if key in required and not (details.get(key) or "").strip()}
    others = {field: errs for field, errs in exc.message_dict.items() if field != "details"}
    return ValidationError({**others, **errors} if errors else exc.message_dict)


class TagDetailsView(RegistryFormView):
    """Complete a tag's details (待补充: an imported tag without its certificate number, grade …)."""

    model = ResidentTag
    form_class = TagDetailsForm
    success_message = ""

    def get_queryset(self):
        return super().get_queryset().select_related("resident__household", "tag_type")

    def get_title(self):
        return _("Details of the tag %(tag)s of %(name)s") % {"tag": self.object.tag_type.name,
                                                              "name": self.object.resident.name}

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "tag": self.object}

    def get_initial(self):
        return {"valid_from": self.object.valid_from, "valid_to": self.object.valid_to}

    def perform(self, form):
        data, tag = form.cleaned_data, self.object
        try:
            registry.update_tag_details(tag, actor=self.request.user, details=form.details(),
                                        valid_from=data["valid_from"], valid_to=data["valid_to"])
        except ValidationError as exc:
            raise details_inline(exc, tag.tag_type, form.details(), form.detail_keys) from exc
        messages.success(self.request, _("Tag details saved."))
        return self.cancel_url() + f"#resident-{tag.resident_id}"


class DwellingOccupancyView(RegistryFormView):
    """自住 / 出租 / 空置 of one dwelling, from its cell on the building register or from a household's file."""

    model = Dwelling
    form_class = DwellingOccupancyForm

    def get_queryset(self):
        return super().get_queryset().select_related("building")

    def get_title(self):
        return _("Occupancy of %(building)s %(dwelling)s") % {"building": self.object.building.name,
                                                               "dwelling": str(self.object)}

    def get_initial(self):
        return {"occupancy": self.object.occupancy}

    def cancel_url(self) -> str:
        target = self.request.POST.get("next") or self.request.GET.get("next") or ""
        if target.startswith("/") and url_has_allowed_host_and_scheme(
                target, allowed_hosts={self.request.get_host()}, require_https=self.request.is_secure()):
            return target
        return reverse("territory:building_register", args=[self.object.building_id])

    def page_crumbs(self) -> dict:
        return crumbs_for(self.object.building, self.request.user, register_link(self.object.building_id),
                          (str(self.object), ""))

    def get_context_data(self, **kwargs):
        return super().get_context_data(next=self.cancel_url(), **kwargs)

    def perform(self, form):
        registry.set_dwelling_occupancy(self.object, actor=self.request.user,
                                        occupancy=form.cleaned_data["occupancy"])
        messages.success(self.request, _("Occupancy saved."))
        return self.cancel_url()


class TagEndView(RegistryFormView):
    model = ResidentTag
    form_class = TagEndForm

    def get_queryset(self):
        return super().get_queryset().select_related("resident__household", "tag_type")

    def get_title(self):
        return _("End the tag %(tag)s of %(name)s") % {"tag": self.object.tag_type.name,
                                                       "name": self.object.resident.name}

    def perform(self, form):
        registry.end_tag(self.object, actor=self.request.user, valid_to=form.cleaned_data["valid_to"])
        messages.success(self.request, _("Tag ended."))
        return self.cancel_url()
