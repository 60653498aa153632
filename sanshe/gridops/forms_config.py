"""Forms of the grid-governance configuration pages (catalogue, handling units, responsibility table, settings,
working-day overrides). They only read input; :mod:`sanshe.gridops.services_config` validates and writes."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from sanshe.accounts.roles import Perm
from sanshe.territory.models import Node

from . import services_config
from .choices import LimitUnit, UnitKind
from .models import EventCategory, EventSettings, HandlingUnit

BLANK_ATTRIBUTE_ROWS = 2
DATATYPE_CHOICES = [(d, d) for d in services_config.DATATYPES]


class UnitChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name} · {obj.get_kind_display()}"


class NodeChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.get_level_display()} · {obj.name}"


def configurable_units(user):
    return (HandlingUnit.objects.visible_to(user, Perm.EVENTS_CONFIGURE).filter(is_active=True)
            .order_by("kind", "name"))


class CategoryForm(forms.Form):
    code = forms.CharField(label=_("Code"), max_length=20,
                           help_text=_("Digits or letters (0301); cannot be changed later."))
    parent = forms.ModelChoiceField(label=_("Major category"), queryset=EventCategory.objects.none(), required=False,
                                    empty_label=_("(none: this is a major category)"))
    name = forms.CharField(label=_("Name"), max_length=60)
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    filing_condition = forms.CharField(label=_("Filing condition (立案条件)"), required=False,
                                       widget=forms.Textarea(attrs={"rows": 2}))
    closing_condition = forms.CharField(label=_("Closing condition (结案条件)"), required=False,
                                        widget=forms.Textarea(attrs={"rows": 2}))
    time_limit = forms.IntegerField(label=_("Time limit"), required=False, min_value=1)
    time_limit_unit = forms.ChoiceField(label=_("Time limit counts in"), choices=LimitUnit.choices,
                                        initial=LimitUnit.WORKING_DAYS)
    default_unit = UnitChoiceField(label=_("Default handling unit"), queryset=HandlingUnit.objects.none(),
                                   required=False,
                                   help_text=_("Used where the responsibility table has no line for the place."))
    is_dispute = forms.BooleanField(label=_("A dispute (矛盾纠纷)"), required=False)
    public = forms.BooleanField(label=_("Residents may report it (Open311 service)"), required=False, initial=True)
    keywords = forms.CharField(label=_("Keywords"), max_length=255, required=False)
    sort_order = forms.IntegerField(label=_("Order"), min_value=0, max_value=32767, initial=100)
    is_active = forms.BooleanField(label=_("In use"), required=False, initial=True)

    MAIN = ("code", "parent", "name", "description", "filing_condition", "closing_condition", "time_limit",
            "time_limit_unit", "default_unit", "is_dispute", "public", "keywords", "sort_order", "is_active")

    def __init__(self, *args, user, instance: EventCategory | None = None, **kwargs):
        self.instance = instance
        attributes = list(instance.attributes or []) if instance is not None else []
        if instance is not None:
            kwargs["initial"] = {**{f: getattr(instance, f) for f in self.MAIN if f not in ("parent", "default_unit")},
                                 "parent": instance.parent_id, "default_unit": instance.default_unit_id,
                                 **(kwargs.get("initial") or {})}
        super().__init__(*args, **kwargs)
        self.fields["parent"].queryset = EventCategory.objects.filter(parent__isnull=True).order_by("sort_order",
                                                                                                    "code")
        self.fields["default_unit"].queryset = configurable_units(user)
        if instance is not None:
            del self.fields["code"]
            self.fields["parent"].disabled = True
        self.attribute_count = len(attributes) + BLANK_ATTRIBUTE_ROWS
        for i in range(self.attribute_count):
            row = attributes[i] if i < len(attributes) else {}
            self.fields[f"attr_code_{i}"] = forms.CharField(required=False, max_length=40,
                                                            initial=row.get("code", ""))
            self.fields[f"attr_datatype_{i}"] = forms.ChoiceField(required=False, choices=DATATYPE_CHOICES,
                                                                  initial=row.get("datatype", "string"))
            self.fields[f"attr_description_{i}"] = forms.CharField(required=False, max_length=255,
                                                                   initial=row.get("description", ""))
            self.fields[f"attr_required_{i}"] = forms.BooleanField(required=False,
                                                                   initial=bool(row.get("required")))
            self.fields[f"attr_order_{i}"] = forms.IntegerField(required=False, min_value=1,
                                                                initial=row.get("order") or i + 1)
            self.fields[f"attr_values_{i}"] = forms.CharField(
                required=False, max_length=1000, initial=services_config.format_values(row.get("values")))
            for name in ("code", "datatype", "description", "required", "order", "values"):
                self.fields[f"attr_{name}_{i}"].widget.attrs["aria-label"] = str(ATTRIBUTE_LABELS[name])

    def main_fields(self):
        return [self[n] for n in self.MAIN if n in self.fields]

    def attribute_rows(self):
        return [[self[f"attr_{name}_{i}"] for name in ATTRIBUTE_LABELS] for i in range(self.attribute_count)]

    def attributes(self) -> list[dict]:
        d = self.cleaned_data
        return [{"code": d.get(f"attr_code_{i}", ""), "datatype": d.get(f"attr_datatype_{i}") or "string",
                 "description": d.get(f"attr_description_{i}", ""), "required": d.get(f"attr_required_{i}", False),
                 "order": d.get(f"attr_order_{i}"),
                 "values": services_config.parse_values(d.get(f"attr_values_{i}", ""))}
                for i in range(self.attribute_count)]

    def values(self) -> dict:
        d = self.cleaned_data
        return {**{f: d[f] for f in self.MAIN if f in d and f not in ("code", "parent")},
                "attributes": self.attributes()}


ATTRIBUTE_LABELS = {
    "code": _("Code"), "datatype": _("Data type"), "description": _("Question"), "required": _("Required"),
    "order": _("Order"), "values": _("Values (key=name, …)"),
}


class UnitForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    kind = forms.ChoiceField(label=_("Kind"), choices=UnitKind.choices)
    node = NodeChoiceField(label=_("Located at"), queryset=Node.objects.none(),
                           help_text=_("A district department at the district, a street department at its street, "
                                       "a community team at its community."))
    phone = forms.CharField(label=_("Phone"), max_length=30, required=False)
    is_active = forms.BooleanField(label=_("Takes events"), required=False, initial=True)

    def __init__(self, *args, user, instance: HandlingUnit | None = None, **kwargs):
        if instance is not None:
            kwargs["initial"] = {"name": instance.name, "kind": instance.kind, "node": instance.node_id,
                                 "phone": instance.phone, "is_active": instance.is_active,
                                 **(kwargs.get("initial") or {})}
        super().__init__(*args, **kwargs)
        self.fields["node"].queryset = (Node.objects.visible_to(user, Perm.EVENTS_CONFIGURE)
                                        .filter(level__in=("district", "street", "community"), is_active=True)
                                        .order_by("code"))
        if instance is None:
            del self.fields["is_active"]


class MemberForm(forms.Form):
    user = forms.ModelChoiceField(label=_("Account"), queryset=None)

    def __init__(self, *args, unit: HandlingUnit, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = services_config.member_candidates(unit).exclude(
            unit_memberships__unit=unit)
        self.fields["user"].label_from_instance = lambda u: f"{u.get_full_name() or u.username} ({u.username})"


class SettingsForm(forms.ModelForm):
    class Meta:
        model = EventSettings
        fields = list(services_config.SETTINGS_FIELDS)
        widgets = {"workday_start": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
                   "workday_end": forms.TimeInput(attrs={"type": "time"}, format="%H:%M")}


class WorkdayForm(forms.Form):
    date = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    is_workday = forms.TypedChoiceField(label=_("This day is"), coerce=lambda v: v == "1",
                                        choices=[("0", _("a day off")), ("1", _("a working day"))], initial="0")
    name = forms.CharField(label=_("Name"), max_length=50, required=False,
                           help_text=_("e.g. 区运动会放假, 2031年春节"))
