"""Forms of the registry pages (一院一图 · 一楼一册 · 一户一档). They gather input; the services validate and write.

Full ID numbers and phones are never put back into a form: the edit form leaves them blank ("unchanged") and
shows the masked value as help.
"""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .choices import IdType, Level, Occupancy, RegistrationKind, Relation, Sex
from .models import Node, TagType


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        kwargs.setdefault("format", "%Y-%m-%d")
        super().__init__(**kwargs)


def _blank(choices, label=None):
    return [("", label or "---------"), *choices]


class DwellingFieldsMixin(forms.Form):
    """Where a household lives: unit (单元) and room (房号) of a building; the floor follows from the room."""

    unit = forms.CharField(label=_("Unit"), max_length=10, required=False,
                           help_text=_("Leave blank when the building has no units."))
    room = forms.CharField(label=_("Room"), max_length=20, required=False,
                           help_text=_("For example 501; the floor is taken from the room number."))
    floor = forms.IntegerField(label=_("Floor"), required=False, min_value=-10, max_value=200,
                               help_text=_("Only when the room number does not say it."))


class HouseholdCreateForm(DwellingFieldsMixin):
    number = forms.CharField(label=_("Household number"), max_length=40)
    registration_kind = forms.ChoiceField(label=_("Registration kind"), choices=RegistrationKind.choices,
                                          initial=RegistrationKind.REGISTERED)
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    field_order = ["number", "unit", "room", "floor", "registration_kind", "note"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["room"].required = True


class HouseholdEditForm(DwellingFieldsMixin):
    registration_kind = forms.ChoiceField(label=_("Registration kind"), choices=RegistrationKind.choices)
    building = forms.ModelChoiceField(label=_("Building"), queryset=Node.objects.none(), required=False,
                                      help_text=_("Leave building and room blank for a household without a dwelling."))
    head = forms.ModelChoiceField(label=_("Head of household"), queryset=None, required=False)
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    field_order = ["registration_kind", "building", "unit", "room", "floor", "head", "note"]

    def __init__(self, *args, buildings, members, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["building"].queryset = buildings
        self.fields["building"].label_from_instance = lambda node: node.name
        self.fields["head"].queryset = members
        self.fields["head"].label_from_instance = lambda r: r.name

    def clean(self):
        data = super().clean()
        if data.get("building") and not (data.get("room") or "").strip():
            self.add_error("room", _("This field is required."))
        if (data.get("room") or "").strip() and not data.get("building"):
            self.add_error("building", _("This field is required."))
        return data


class ResidentForm(forms.Form):
    # Required, but checked by the service, so that every error of the form shows at once.
    name = forms.CharField(label=_("Full name"), max_length=50, required=False)
    relation = forms.ChoiceField(label=_("Relation to head"), choices=_blank(Relation.choices), required=False)
    id_type = forms.ChoiceField(label=_("ID type"), choices=IdType.choices, initial=IdType.ID_CARD)
    id_number = forms.CharField(label=_("ID number"), max_length=40, required=False,
                                widget=forms.TextInput(attrs={"autocomplete": "off", "class": "mono"}))
    sex = forms.ChoiceField(label=_("Sex"), choices=_blank(Sex.choices), required=False,
                            help_text=_("Taken from the ID number for a resident ID card."))
    birth_date = forms.DateField(label=_("Birth date"), required=False, widget=DateInput(),
                                 help_text=_("Taken from the ID number for a resident ID card."))
    ethnicity = forms.CharField(label=_("Ethnicity"), max_length=20, required=False, initial="汉族")
    phone = forms.CharField(label=_("Phone"), max_length=30, required=False,
                            widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "tel"}))
    move_in_date = forms.DateField(label=_("Move-in date"), required=False, widget=DateInput())
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class ResidentEditForm(ResidentForm):
    """The same fields; ID number and phone blank mean "unchanged" (their full values are never sent out)."""

    def __init__(self, *args, resident, **kwargs):
        super().__init__(*args, **kwargs)
        keep = _("Leave blank to keep the current value (%(masked)s).")
        if resident.id_number_masked:
            self.fields["id_number"].help_text = keep % {"masked": resident.id_number_masked}
        if resident.phone_masked:
            self.fields["phone"].help_text = keep % {"masked": resident.phone_masked}


class LeaveForm(forms.Form):
    """Move out or death: a date and a note."""

    date = forms.DateField(label=_("Date"), widget=DateInput(), initial=timezone.localdate)
    note = forms.CharField(label=_("Note"), max_length=255, required=False)


class TransferForm(forms.Form):
    household_number = forms.CharField(label=_("To household number"), max_length=40)
    relation = forms.ChoiceField(label=_("Relation to the new head"), choices=_blank(Relation.choices),
                                 required=False)
    date = forms.DateField(label=_("Date"), widget=DateInput(), initial=timezone.localdate)


class UnmaskForm(forms.Form):
    field = forms.ChoiceField(choices=[("id_number", _("ID number")), ("phone", _("Phone"))],
                              widget=forms.HiddenInput)
    reason = forms.CharField(label=_("Reason"), max_length=500,
                             help_text=_("Why you need the full value. It is recorded in the audit log."))


class TagAddForm(forms.Form):
    """A tag type, its validity and the details its type asks for (one field per detail of every type; the page
    shows only those of the chosen type)."""

    tag_type = forms.ModelChoiceField(label=_("Tag"), queryset=TagType.objects.none())
    valid_from = forms.DateField(label=_("Valid from"), required=False, widget=DateInput())
    valid_to = forms.DateField(label=_("Valid to"), required=False, widget=DateInput())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        types = list(TagType.objects.filter(is_active=True, derived_min_age__isnull=True))
        self.tag_types = types
        self.fields["tag_type"].queryset = TagType.objects.filter(pk__in=[t.pk for t in types])
        self.fields["tag_type"].widget.attrs["data-tag-type-select"] = ""
        self.detail_keys: dict[int, list[tuple[str, str]]] = {}
        for tag_type in types:
            keys = []
            for spec in tag_type.detail_fields or []:
                name = f"detail_{tag_type.pk}_{spec['key']}"
                self.fields[name] = detail_field(spec, label=f"{spec.get('label', spec['key'])}（{tag_type.name}）")
                self.fields[name].widget.attrs["data-tag-detail"] = str(tag_type.pk)
                self.fields[name].tag_type_pk = tag_type.pk
                keys.append((spec["key"], name))
            self.detail_keys[tag_type.pk] = keys

    def details(self) -> dict:
        tag_type = self.cleaned_data.get("tag_type")
        if tag_type is None:
            return {}
        return {key: self.cleaned_data.get(name, "") for key, name in self.detail_keys.get(tag_type.pk, [])}


def detail_field(spec: dict, *, label: str) -> forms.CharField:
    """A tag detail as a form field. Not required for the browser (the service checks required details, so that
    every error shows at once); ``detail_required`` puts the required mark on its label."""
    field = forms.CharField(label=label, max_length=200, required=False)
    field.detail_required = bool(spec.get("required"))
    return field


class TagDetailsForm(forms.Form):
    """Complete or correct the details of one tag (e.g. the 低保 certificate number an import left out)."""

    valid_from = forms.DateField(label=_("Valid from"), required=False, widget=DateInput())
    valid_to = forms.DateField(label=_("Valid to"), required=False, widget=DateInput())

    def __init__(self, *args, tag, **kwargs):
        super().__init__(*args, **kwargs)
        self.detail_keys: list[tuple[str, str]] = []
        details = tag.details or {}
        fields = {}
        for spec in tag.tag_type.detail_fields or []:
            name = f"detail_{spec['key']}"
            fields[name] = detail_field(spec, label=spec.get("label") or spec["key"])
            fields[name].initial = details.get(spec["key"], "")
            self.detail_keys.append((spec["key"], name))
        self.fields = {**fields, **self.fields}

    def details(self) -> dict:
        return {key: self.cleaned_data.get(name, "") for key, name in self.detail_keys}


class DwellingOccupancyForm(forms.Form):
    """How a dwelling is used: 自住 / 出租 / 空置."""

    occupancy = forms.ChoiceField(label=_("Occupancy"), choices=Occupancy.choices, widget=forms.RadioSelect)


class TagEndForm(forms.Form):
    valid_to = forms.DateField(label=_("Valid to"), widget=DateInput(), initial=timezone.localdate)


def building_choices(user, permission, community_id):
    """Buildings a household can move to: active, in the household's community, inside the user's scope."""
    return (Node.objects.visible_to(user, permission)
            .filter(level=Level.BUILDING, is_active=True, community_id=community_id).order_by("code"))
