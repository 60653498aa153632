"""Forms of the service cloud's configuration pages (catalogue items with their materials, service stations).
They only read input; :mod:`sanshe.servicedesk.services_config` validates and writes."""

from __future__ import annotations

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from sanshe.territory.models import Node

from . import services_config
from .choices import Channel
from .models import ServiceCategory, ServiceItem, ServiceStation


class _LabelledChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.name


class NodeChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.get_level_display()} · {obj.name}"


class ItemFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=50)
    category = _LabelledChoice(label=_("Category"), queryset=ServiceCategory.objects.none(), required=False,
                               empty_label=_("All categories"))
    department = _LabelledChoice(label=_("Department"), queryset=None, required=False,
                                 empty_label=_("All departments"))
    active = forms.ChoiceField(label=_("Status"), required=False, choices=[
        ("", _("Active and inactive")), ("1", pgettext_lazy("service item", "Active")), ("0", _("Inactive"))])

    def __init__(self, *args, district_ids, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = ServiceCategory.objects.order_by("sort_order", "code")
        self.fields["department"].queryset = services_config.departments_of(district_ids)
        for field in self.fields.values():
            field.widget.attrs["aria-label"] = str(field.label)
        self.fields["q"].widget.attrs["placeholder"] = _("Name or code")
        self.fields["q"].widget.input_type = "search"

    def filter(self, qs):
        if not self.is_valid():
            return qs
        d = self.cleaned_data
        if d["q"]:
            q = d["q"].strip()
            qs = qs.filter(Q(name__contains=q) | Q(code__icontains=q) | Q(description__contains=q))
        if d["category"]:
            qs = qs.filter(category=d["category"])
        if d["department"]:
            qs = qs.filter(department=d["department"])
        if d["active"] in ("0", "1"):
            qs = qs.filter(is_active=d["active"] == "1")
        return qs


class ItemForm(forms.Form):
    code = forms.CharField(label=_("Code"), max_length=30,
                           help_text=_("Digits or letters (SD0101); cannot be changed later."))
    name = forms.CharField(label=_("Name"), max_length=100)
    category = _LabelledChoice(label=_("Category"), queryset=ServiceCategory.objects.none())
    department = _LabelledChoice(label=_("Department"), queryset=None,
                                 help_text=_("Its queue receives the applications."))
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    eligibility = forms.CharField(label=_("Who may apply"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    time_limit_days = forms.IntegerField(label=_("Legal time limit (working days)"), min_value=0, max_value=365,
                                         initial=20, help_text=_("1 for a 即办件 (done on the spot)."))
    fee = forms.DecimalField(label=_("Fee (yuan)"), min_value=0, max_digits=8, decimal_places=2, initial=0)
    channel = forms.ChoiceField(label=_("How to apply"), choices=Channel.choices, initial=Channel.BOTH)
    materials = forms.CharField(
        label=_("Required materials"), required=False, widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("One per line, in the order the window checks them. Add (可选) at the end of an optional "
                    "one; a note after |, e.g. 近期一寸免冠照片2张(可选) | 白底彩色."))
    sort_order = forms.IntegerField(label=_("Order"), min_value=0, max_value=32767, initial=100)
    is_active = forms.BooleanField(label=_("In the catalogue (accepted at the windows)"), required=False,
                                   initial=True)
    district = forms.ModelChoiceField(label=_("District"), queryset=Node.objects.none())

    FIELDS = ("name", "category", "department", "description", "eligibility", "time_limit_days", "fee", "channel",
              "sort_order", "is_active")

    def __init__(self, *args, user, instance: ServiceItem | None = None, **kwargs):
        self.instance = instance
        if instance is not None:
            kwargs["initial"] = {**{f: getattr(instance, f) for f in self.FIELDS if f not in ("category",
                                                                                           "department")},
                                 "category": instance.category_id, "department": instance.department_id,
                                 "materials": services_config.format_materials(instance.materials.all()),
                                 **(kwargs.get("initial") or {})}
        super().__init__(*args, **kwargs)
        districts = services_config.readable_districts(user, services_config.CONFIGURE)
        district_ids = [instance.district_id] if instance is not None else list(
            districts.values_list("pk", flat=True))
        self.fields["category"].queryset = ServiceCategory.objects.order_by("sort_order", "code")
        self.fields["department"].queryset = services_config.departments_of(district_ids)
        self.fields["district"].queryset = districts
        if instance is not None:
            del self.fields["code"]
            del self.fields["district"]
        elif len(district_ids) <= 1:
            self.fields["district"].widget = forms.HiddenInput()
            self.fields["district"].initial = district_ids[0] if district_ids else None

    def values(self) -> dict:
        d = self.cleaned_data
        return {**{f: d[f] for f in self.FIELDS if f in d},
                "materials": services_config.parse_materials(d.get("materials", ""))}


class StationForm(forms.Form):
    node = NodeChoiceField(label=_("Located at"), queryset=Node.objects.none(),
                           help_text=_("The community (or street) whose service station this is."))
    name = forms.CharField(label=_("Name"), max_length=100)
    windows = forms.IntegerField(label=_("Windows"), min_value=1, max_value=services_config.MAX_WINDOWS, initial=3,
                                 help_text=_("Any window accepts any item (一窗多能)."))
    address = forms.CharField(label=_("Address"), max_length=255, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=30, required=False)
    opening_hours = forms.CharField(label=_("Opening hours"), max_length=100, required=False,
                                    help_text=_("e.g. 周一至周五 9:00—12:00，13:30—17:30"))
    is_active = forms.BooleanField(label=_("Open (accepts applications)"), required=False, initial=True)

    def __init__(self, *args, user, instance: ServiceStation | None = None, **kwargs):
        self.instance = instance
        if instance is not None:
            kwargs["initial"] = {**{f: getattr(instance, f) for f in services_config.STATION_FIELDS},
                                 "node": instance.node_id, **(kwargs.get("initial") or {})}
        super().__init__(*args, **kwargs)
        places = services_config.station_places(user)
        if instance is not None:
            places = places.filter(district_id=instance.district_id)
        self.fields["node"].queryset = places
        if instance is None:
            del self.fields["is_active"]
