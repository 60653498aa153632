"""Forms of the one window (一窗受理): accepting an application, the list filters, a workflow step and the
public rating. Forms only read input; :mod:`sanshe.servicedesk.services` writes."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from sanshe.accounts.roles import Perm
from sanshe.gridops.models import HandlingUnit

from .choices import Action, ApplicationState, MaterialStatus, Rating
from .models import ServiceCategory, ServiceItem, ServiceStation

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
MATERIAL_PREFIX = "material_"


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Any number of files (scans of the materials)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, (list, tuple)):
            return [single(d, initial) for d in data if d]
        return [single(data, initial)] if data else []


class StationChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name}（{obj.address}）" if obj.address else obj.name


def stations_for(user):
    return ServiceStation.objects.visible_to(user, Perm.SERVICES_ACCEPT).filter(is_active=True).order_by(
        "node__code", "name")


def items_for(district_ids, category=None):
    qs = ServiceItem.objects.filter(district_id__in=district_ids, is_active=True).select_related("category")
    if category is not None:
        qs = qs.filter(category=category)
    return qs.order_by("category__sort_order", "sort_order", "code")


class WindowForm(forms.Form):
    """受理: station and window, the item, the applicant, what is asked, the scans. The materials checklist is
    read from the ``material_<id>`` radio buttons (see :meth:`material_choices`)."""

    station = StationChoiceField(label=_("Station"), queryset=ServiceStation.objects.none(), empty_label=None)
    window = forms.IntegerField(label=_("Window"), min_value=1, max_value=99, required=False)
    category = forms.ModelChoiceField(label=_("Category"), queryset=ServiceCategory.objects.all(), required=False,
                                      empty_label=_("All categories"))
    item = forms.ModelChoiceField(label=_("Service item"), queryset=ServiceItem.objects.none(),
                                  empty_label=_("— choose —"))
    resident = forms.IntegerField(required=False, widget=forms.HiddenInput(attrs={"data-applicant-resident": ""}))
    appointment = forms.IntegerField(required=False, widget=forms.HiddenInput())
    applicant_name = forms.CharField(label=_("Applicant's name"), max_length=50, required=False,
                                     widget=forms.TextInput(attrs={"autocomplete": "off", "data-applicant-name": ""}))
    applicant_id_number = forms.CharField(
        label=_("ID number"), max_length=18, required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "data-applicant-id": ""}),
        help_text=_("Leave empty for a resident picked from the register: his own is used."))
    applicant_phone = forms.CharField(
        label=_("Phone"), max_length=20, required=False,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off", "data-applicant-phone": ""}))
    description = forms.CharField(label=_("What is asked"), required=False, max_length=2000,
                                  widget=forms.Textarea(attrs={"rows": 3}))
    attachments = MultipleFileField(label=_("Scans of the materials (PDF, JPEG, PNG)"))

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        stations = stations_for(user)
        self.fields["station"].queryset = stations
        districts = sorted({s.district_id for s in stations})
        self.fields["item"].queryset = items_for(districts)
        self.fields["category"].queryset = ServiceCategory.objects.filter(
            items__district_id__in=districts, items__is_active=True).distinct().order_by("sort_order", "code")
        if len(stations) == 1:
            self.fields["station"].widget = forms.HiddenInput()
            self.fields["station"].initial = stations[0].pk
            self.single_station = stations[0]
        else:
            self.single_station = None

    def material_choices(self, item) -> dict[int, str]:
        """The checklist as posted: {ItemMaterial id: MaterialStatus}; received when nothing was posted."""
        result = {}
        for m in item.materials.all():
            value = self.data.get(f"{MATERIAL_PREFIX}{m.pk}", MaterialStatus.RECEIVED)
            result[m.pk] = value if value in MaterialStatus.values else MaterialStatus.RECEIVED
        return result

    def clean(self):
        data = super().clean()
        if not data.get("resident") and not (data.get("applicant_name") or "").strip():
            self.add_error("applicant_name", _("Give the applicant's name or pick him from the register."))
        return data


class ApplicationFilterForm(forms.Form):
    state = forms.ChoiceField(label=_("State"), required=False,
                              choices=[("", _("Any state")), ("open", _("Open")), *ApplicationState.choices])
    item = forms.ModelChoiceField(label=_("Service item"), queryset=ServiceItem.objects.none(), required=False,
                                  empty_label=_("Any item"))
    station = forms.ModelChoiceField(label=_("Station"), queryset=ServiceStation.objects.none(), required=False,
                                     empty_label=_("Any station"))
    department = forms.ModelChoiceField(label=_("Department"), queryset=HandlingUnit.objects.none(), required=False,
                                        empty_label=_("Any department"))
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)
    start = forms.DateField(label=_("From"), required=False, widget=DATE)
    end = forms.DateField(label=_("To"), required=False, widget=DATE)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        stations = ServiceStation.objects.visible_to(user, Perm.SERVICES_VIEW).order_by("node__code", "name")
        self.fields["station"].queryset = stations
        districts = set(stations.values_list("district_id", flat=True))
        if getattr(user, "district_id", None):
            districts.add(user.district_id)
        self.fields["item"].queryset = items_for(districts)
        self.fields["department"].queryset = HandlingUnit.objects.filter(
            service_items__district_id__in=districts).distinct().order_by("name")

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["start"] > data["end"]:
            self.add_error("end", _("The end comes before the start."))
        return data


class ActionForm(forms.Form):
    """One step of the workflow (the fields the step uses are shown; the service says which are required)."""

    action = forms.ChoiceField(choices=[(a, label) for a, label in Action.choices if a != Action.ACCEPT],
                               widget=forms.HiddenInput)
    note = forms.CharField(label=_("Note"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))
    result_note = forms.CharField(label=_("Result given to the applicant"), required=False, max_length=2000,
                                  widget=forms.Textarea(attrs={"rows": 2}))
    missing = forms.MultipleChoiceField(label=_("Missing materials"), required=False,
                                        widget=forms.CheckboxSelectMultiple)
    missing_other = forms.CharField(label=_("Other missing materials (one a line)"), required=False,
                                    max_length=1000, widget=forms.Textarea(attrs={"rows": 2}))
    rating = forms.ChoiceField(label=_("Rating"), required=False, choices=Rating.choices, widget=forms.RadioSelect)
    comment = forms.CharField(label=_("Comment"), required=False, max_length=500)
    attachments = MultipleFileField(label=_("Files"))

    def __init__(self, *args, application=None, **kwargs):
        super().__init__(*args, **kwargs)
        names = [m.name for m in application.materials.all()] if application is not None else []
        self.fields["missing"].choices = [(n, n) for n in names]

    def missing_list(self) -> list[str]:
        data = self.cleaned_data
        extra = [line.strip() for line in (data.get("missing_other") or "").splitlines() if line.strip()]
        return [*data.get("missing", []), *extra]


class RateForm(forms.Form):
    """The applicant's rating on the public page, after proving who he is."""

    number = forms.CharField(widget=forms.HiddenInput, max_length=30)
    check = forms.CharField(label=_("Last four digits of your phone or ID number"), min_length=4, max_length=4,
                            widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "text",
                                                          "size": 6}))
    rating = forms.ChoiceField(label=_("How satisfied are you?"), choices=Rating.choices, widget=forms.RadioSelect)
    comment = forms.CharField(label=_("Comment"), required=False, max_length=500,
                              widget=forms.Textarea(attrs={"rows": 2}))
