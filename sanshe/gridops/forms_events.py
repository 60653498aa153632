"""Forms of the event pages: the report form (grid staff, desk, residents), the one action form every workflow
step posts (``services.transition`` decides; its refusals come back as field errors) and batch dispatch.

The forms only read and check input; ``services.report_event`` and ``services.transition`` write.
"""

from __future__ import annotations

import uuid

from django import forms
from django.utils.translation import gettext_lazy as _

from sanshe.accounts.roles import Perm
from sanshe.territory.choices import Level
from sanshe.territory.models import Household, Node

from .choices import Action, Rating, Source
from .models import Event, EventCategory, HandlingUnit

REPORT_LEVELS = (Level.GRID, Level.COMPOUND, Level.BUILDING)
DESK_SOURCES = (Source.DESK, Source.HOTLINE, Source.GRID)
MAX_TERRITORY_CHOICES = 3000


class MultipleImageInput(forms.ClearableFileInput):
    """``<input type=file accept="image/*" capture="environment" multiple>``: the phone opens its camera."""

    allow_multiple_selected = True

    def __init__(self, attrs=None):
        base = {"accept": "image/*", "capture": "environment"}
        super().__init__({**base, **(attrs or {})})


class PhotosField(forms.FileField):
    """Several photos at once (the service checks kind, size and count)."""

    widget = MultipleImageInput

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else ([data] if data else [])
        if self.required and not files:
            raise forms.ValidationError(self.error_messages["required"], code="required")
        return [f for f in files if f]


def reporter_mode(user) -> str:
    """How the user reports: ``desk`` (source and caller given), ``field`` (grid staff: his grids) or
    ``resident`` (his own place, no territory to pick)."""
    if user.has_permission(Perm.EVENTS_DISPATCH):
        return "desk"
    if user.has_permission(Perm.EVENTS_VERIFY) or user.has_permission(Perm.PATROL):
        return "field"
    return "resident"


def report_territory(user):
    """The grids, compounds and buildings the user may report in (active, code order)."""
    return (Node.objects.visible_to(user, Perm.EVENTS_REPORT)
            .filter(level__in=REPORT_LEVELS, is_active=True).order_by("code"))


def home_node(user) -> Node | None:
    """The node of the user's first grant that lets him report (his grid, for a grid worker)."""
    ids = [node_id for _level, node_id in user.scope_nodes(Perm.EVENTS_REPORT)]
    if not ids:
        return None
    nodes = {n.pk: n for n in Node.objects.filter(pk__in=ids, is_active=True)}
    for node_id in ids:
        if node_id in nodes:
            return nodes[node_id]
    return None


def major_categories(public_only: bool):
    qs = EventCategory.objects.filter(parent__isnull=True, is_active=True)
    if public_only:
        qs = qs.filter(children__public=True, children__is_active=True).distinct()
    return qs.order_by("sort_order", "code")


def sub_categories(major_id=None, public_only: bool = False):
    qs = EventCategory.objects.filter(parent__isnull=False, is_active=True, parent__is_active=True)
    if public_only:
        qs = qs.filter(public=True)
    if major_id:
        qs = qs.filter(parent_id=major_id)
    return qs.select_related("parent").order_by("parent__sort_order", "parent__code", "sort_order", "code")


class NodeChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.get_level_display()} · {obj.name}"


class SubCategoryField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.name


class ReportForm(forms.Form):
    """上报: 大类 → 小类, what was found, photos, where (map or phone), territory, household."""

    major = forms.ModelChoiceField(label=_("Major category"), queryset=EventCategory.objects.none(),
                                   required=False, empty_label=_("— all —"))
    category = SubCategoryField(label=_("Sub-category"), queryset=EventCategory.objects.none(),
                                empty_label=_("— choose —"))
    description = forms.CharField(label=_("What did you find?"), max_length=2000,
                                  widget=forms.Textarea(attrs={"rows": 3}))
    urgent = forms.BooleanField(label=_("Urgent"), required=False)
    photos = PhotosField(label=_("Photos"), required=False,
                         help_text=_("Take them with the phone camera; at most 9."))
    node = NodeChoiceField(label=_("Where (grid or compound)"), queryset=Node.objects.none(), required=False)
    address = forms.CharField(label=_("Address or landmark"), max_length=255, required=False)
    latitude = forms.DecimalField(label=_("Latitude"), max_digits=9, decimal_places=6, required=False,
                                  min_value=-90, max_value=90, widget=forms.HiddenInput)
    longitude = forms.DecimalField(label=_("Longitude"), max_digits=9, decimal_places=6, required=False,
                                   min_value=-180, max_value=180, widget=forms.HiddenInput)
    household = forms.CharField(label=_("Household number (optional)"), max_length=40, required=False)
    source = forms.ChoiceField(label=_("Source"), choices=[(s.value, s.label) for s in DESK_SOURCES],
                               required=False)
    reporter_name = forms.CharField(label=_("Caller's name"), max_length=50, required=False)
    reporter_phone = forms.CharField(label=_("Caller's phone"), max_length=30, required=False,
                                     widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}))
    submission_key = forms.CharField(max_length=80, widget=forms.HiddenInput)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.mode = reporter_mode(user)
        public_only = self.mode == "resident"
        self.fields["major"].queryset = major_categories(public_only)
        major_id = self.data.get("major") if self.is_bound else self.initial.get("major")
        try:
            major_id = int(major_id) if major_id else None
        except (TypeError, ValueError):
            major_id = None
        self.fields["category"].queryset = sub_categories(None, public_only)
        self.category_options = sub_categories(major_id, public_only)
        if not self.is_bound and not self.initial.get("submission_key"):
            self.initial["submission_key"] = uuid.uuid4().hex
        self.home = home_node(user)
        if self.mode == "resident":
            for name in ("node", "household", "source", "reporter_name", "reporter_phone"):
                del self.fields[name]
        else:
            self.fields["node"].queryset = report_territory(user)
            self.fields["node"].required = True
            if self.home is not None and self.home.level in REPORT_LEVELS:
                self.initial.setdefault("node", self.home.pk)
            if not user.has_permission(Perm.REGISTRY_VIEW):
                del self.fields["household"]
            if self.mode != "desk":
                for name in ("source", "reporter_name", "reporter_phone"):
                    del self.fields[name]
            else:
                self.fields["source"].initial = Source.DESK

    def territory_choices(self):
        return self.fields["node"].queryset[:MAX_TERRITORY_CHOICES] if "node" in self.fields else []

    def clean(self):
        data = super().clean()
        category, major = data.get("category"), data.get("major")
        if category is not None and major is not None and category.parent_id != major.pk:
            self.add_error("category", _("This sub-category belongs to another major category."))
        if (data.get("latitude") is None) != (data.get("longitude") is None):
            self.add_error(None, _("Give both latitude and longitude, or neither."))
        number = (data.get("household") or "").strip()
        data["household_obj"] = None
        if number:
            node = data.get("node")
            qs = Household.objects.visible_to(self.user, Perm.REGISTRY_VIEW).filter(number=number, is_active=True)
            if node is not None:
                qs = qs.filter(community_id=node.community_id)
            household = qs.first()
            if household is None:
                self.add_error("household", _("No household with this number in your territory."))
            data["household_obj"] = household
        return data

    def source_value(self) -> str:
        if self.mode == "resident":
            return Source.RESIDENT
        if self.mode == "desk":
            return self.cleaned_data.get("source") or Source.DESK
        return Source.GRID


class ActionForm(forms.Form):
    """One workflow step on an event; which fields matter depends on the action (the service checks)."""

    action = forms.ChoiceField(choices=Action.choices, widget=forms.HiddenInput)
    note = forms.CharField(label=_("Note"), max_length=2000, required=False,
                           widget=forms.Textarea(attrs={"rows": 2}))
    public_note = forms.CharField(label=_("Public note (shown to the reporter)"), max_length=255,
                                  required=False)
    unit = forms.ModelChoiceField(label=_("Handling unit"), queryset=HandlingUnit.objects.none(), required=False,
                                  empty_label=_("By the responsibility table"))
    rating = forms.ChoiceField(label=_("Rating"), choices=Rating.choices, required=False,
                               widget=forms.RadioSelect)
    master = forms.ModelChoiceField(label=_("Merge into"), queryset=Event.objects.none(), required=False,
                                    widget=forms.RadioSelect)
    master_number = forms.CharField(label=_("or the event number"), max_length=20, required=False)
    extra = forms.IntegerField(label=_("Extra time"), min_value=1, max_value=365, required=False)
    extra_unit = forms.ChoiceField(label=_("Time unit"), choices=[
        ("working_days", _("working days")), ("working_hours", _("working hours")),
        ("natural_days", _("calendar days"))], required=False, initial="working_days")
    photos = PhotosField(label=_("Photos"), required=False)

    def __init__(self, *args, event: Event, user, masters=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = HandlingUnit.objects.filter(
            district_id=event.district_id, is_active=True).order_by("kind", "name")
        self.fields["master"].queryset = masters if masters is not None else Event.objects.visible_to(
            user, Perm.EVENTS_DISPATCH).filter(district_id=event.district_id).exclude(pk=event.pk)

    def clean(self):
        data = super().clean()
        number = (data.get("master_number") or "").strip()
        if data.get("master") is None and number:
            data["master"] = self.fields["master"].queryset.filter(number=number).first()
            if data["master"] is None:
                self.add_error("master_number", _("No event with this number in your territory."))
        return data


class BatchForm(forms.Form):
    """Batch 立案 / 派遣 on the desk list: several events, one unit or each to its responsible unit."""

    ACTIONS = [(Action.FILE.value, _("File")), (Action.DISPATCH.value, _("Dispatch"))]
    action = forms.ChoiceField(label=_("Action"), choices=ACTIONS)
    events = forms.ModelMultipleChoiceField(queryset=Event.objects.none(), error_messages={
        "required": _("Select at least one event.")})
    unit = forms.ModelChoiceField(label=_("Handling unit"), queryset=HandlingUnit.objects.none(), required=False,
                                  empty_label=_("Each to its responsible unit (按责任表)"))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["events"].queryset = Event.objects.visible_to(user, Perm.EVENTS_DISPATCH)
        self.fields["unit"].queryset = units_for(user)


def units_for(user):
    """The active handling units of the districts the user works in (dispatch targets)."""
    districts = set(Node.objects.filter(pk__in=[n for _l, n in user.scope_nodes(Perm.EVENTS_DISPATCH)])
                    .values_list("district_id", flat=True))
    return HandlingUnit.objects.filter(district_id__in=districts, is_active=True).order_by("kind", "name")
