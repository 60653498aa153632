"""Forms of the social organization registry (pages); the rules live in ``services_registry``."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .choices import (
    IncubationStage,
    IncubatorLevel,
    InspectionResult,
    MemberKind,
    OrgStatus,
    SeatRole,
    ServiceField,
    Track,
)

DATE = forms.DateInput(attrs={"type": "date"})


def _blank(choices):
    return [("", "—"), *choices]


class FilterForm(forms.Form):
    q = forms.CharField(label=_("Name or code"), required=False)
    track = forms.ChoiceField(label=_("Track"), choices=_blank(Track.choices), required=False)
    service_field = forms.ChoiceField(label=_("Service field"), choices=_blank(ServiceField.choices), required=False)
    status = forms.ChoiceField(label=_("Status"), choices=_blank(OrgStatus.choices), required=False)
    node = forms.ModelChoiceField(label=_("Territory"), queryset=None, required=False, empty_label="—")

    def __init__(self, *args, nodes, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["node"].queryset = nodes


class OrganizationForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    track = forms.ChoiceField(label=_("Track"), choices=Track.choices)
    credit_code = forms.CharField(label=_("Unified social credit code"), max_length=18, required=False,
                                  help_text=_("Registered organizations only: 18 characters, beginning with 5."))
    filing_number = forms.CharField(label=_("Filing number"), max_length=40, required=False,
                                    help_text=_("Filed organizations only."))
    node = forms.ModelChoiceField(label=_("Territory"), queryset=None)
    status = forms.ChoiceField(label=_("Status"), choices=OrgStatus.choices[:4], initial=OrgStatus.PREPARING)
    kind = forms.CharField(label=_("Kind"), max_length=50, required=False)
    service_field = forms.ChoiceField(label=_("Service field"), choices=ServiceField.choices)
    is_social_work_agency = forms.BooleanField(label=_("Social work agency (employs social workers)"),
                                               required=False)
    legal_representative = forms.CharField(label=_("Legal representative"), max_length=50, required=False)
    contact_name = forms.CharField(label=_("Contact person"), max_length=50, required=False)
    contact_phone = forms.CharField(label=_("Contact phone"), max_length=20, required=False)
    address = forms.CharField(label=_("Address"), max_length=200, required=False)
    founded_on = forms.DateField(label=_("Founded on"), widget=DATE, required=False)
    description = forms.CharField(label=_("Description"), widget=forms.Textarea(attrs={"rows": 3}), required=False)

    def __init__(self, *args, nodes=None, editing=False, **kwargs):
        super().__init__(*args, **kwargs)
        if editing:
            for key in ("track", "node", "status"):
                del self.fields[key]
        else:
            self.fields["node"].queryset = nodes


class ContactsForm(forms.Form):
    contact_name = forms.CharField(label=_("Contact person"), max_length=50, required=False)
    contact_phone = forms.CharField(label=_("Contact phone"), max_length=20, required=False)
    address = forms.CharField(label=_("Address"), max_length=200, required=False)
    description = forms.CharField(label=_("Description"), widget=forms.Textarea(attrs={"rows": 3}), required=False)


class StatusForm(forms.Form):
    to = forms.ChoiceField(label=_("New status"), choices=OrgStatus.choices)
    on_date = forms.DateField(label=_("Effective on"), widget=DATE, required=False)
    credit_code = forms.CharField(label=_("Unified social credit code"), max_length=18, required=False,
                                  help_text=_("When it registers."))
    filing_number = forms.CharField(label=_("Filing number"), max_length=40, required=False,
                                    help_text=_("When it is filed."))
    note = forms.CharField(label=_("Note"), max_length=300, required=False)

    def __init__(self, *args, allowed=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to"].choices = [(v, OrgStatus(v).label) for v in allowed]


class IncubationForm(forms.Form):
    level = forms.ChoiceField(label=_("Incubator level"), choices=IncubatorLevel.choices)
    incubator = forms.CharField(label=_("Incubator"), max_length=100, required=False)
    stage = forms.ChoiceField(label=_("Incubation stage"), choices=IncubationStage.choices)
    entered_on = forms.DateField(label=_("Entered on"), widget=DATE)
    left_on = forms.DateField(label=_("Left on"), widget=DATE, required=False)
    note = forms.CharField(label=_("Note"), max_length=300, required=False)


class InspectionForm(forms.Form):
    year = forms.IntegerField(label=_("Year"), min_value=1980, max_value=2100)
    result = forms.ChoiceField(label=_("Result"), choices=InspectionResult.choices)
    notes = forms.CharField(label=_("Notes"), widget=forms.Textarea(attrs={"rows": 3}), required=False)


class EvaluationForm(forms.Form):
    evaluated_on = forms.DateField(label=_("Evaluated on"), widget=DATE)
    score_basic = forms.DecimalField(label=_("Basic conditions"), min_value=0, decimal_places=1)
    score_governance = forms.DecimalField(label=_("Internal governance"), min_value=0, decimal_places=1)
    score_performance = forms.DecimalField(label=_("Work performance"), min_value=0, decimal_places=1)
    score_social = forms.DecimalField(label=_("Social evaluation"), min_value=0, decimal_places=1)
    evaluator = forms.CharField(label=_("Evaluating body"), max_length=100, required=False)
    notes = forms.CharField(label=_("Notes"), widget=forms.Textarea(attrs={"rows": 3}), required=False)

    def __init__(self, *args, maxima, non_enterprise=False, **kwargs):
        super().__init__(*args, **kwargs)
        if non_enterprise:
            self.fields["score_performance"].label = _("Business activities and integrity")
        for dim, top in maxima.items():
            field = self.fields[f"score_{dim}"]
            field.max_value = top
            field.widget.attrs.update({"max": top, "step": "0.5", "data-score": dim})
            field.help_text = _("Up to %(max)d points.") % {"max": top}


class ConfigForm(forms.Form):
    effective_from = forms.DateField(label=_("Effective from"), widget=DATE)
    cut_5a = forms.IntegerField(label=_("5A from (points)"), min_value=1, max_value=1000)
    cut_4a = forms.IntegerField(label=_("4A from (points)"), min_value=1, max_value=1000)
    cut_3a = forms.IntegerField(label=_("3A from (points)"), min_value=1, max_value=1000)
    cut_2a = forms.IntegerField(label=_("2A from (points)"), min_value=1, max_value=1000)
    cut_1a = forms.IntegerField(label=_("1A from (points)"), min_value=1, max_value=1000)
    max_basic = forms.IntegerField(label=_("Basic conditions, max points"), min_value=0, max_value=1000)
    max_governance = forms.IntegerField(label=_("Internal governance, max points"), min_value=0, max_value=1000)
    max_performance = forms.IntegerField(label=_("Work performance, max points"), min_value=0, max_value=1000)
    max_social = forms.IntegerField(label=_("Social evaluation, max points"), min_value=0, max_value=1000)
    validity_years = forms.IntegerField(label=_("Level valid (years)"), min_value=1, max_value=10)
    note = forms.CharField(label=_("Note"), max_length=200, required=False)


class MemberForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=MemberKind.choices)
    resident_lookup = forms.CharField(label=_("Resident's ID number or mobile"), max_length=20, required=False,
                                      help_text=_("Links the member to the registry; leave empty to type a name."))
    unit = forms.ModelChoiceField(label=_("Resident unit"), queryset=None, required=False)
    name = forms.CharField(label=_("Name"), max_length=100, required=False)
    joined_on = forms.DateField(label=_("Joined on"), widget=DATE, required=False)

    def __init__(self, *args, units, registry=True, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units
        if not registry:
            del self.fields["resident_lookup"]


class SeatForm(forms.Form):
    role = forms.ChoiceField(label=_("Seat"), choices=SeatRole.choices, initial=SeatRole.DIRECTOR)
    resident_lookup = forms.CharField(label=_("Holder's ID number or mobile"), max_length=20, required=False,
                                      help_text=_("Links the holder to the registry (a resident of the district)."))
    holder_name = forms.CharField(label=_("Held by"), max_length=50, required=False)
    term_start = forms.DateField(label=_("Term from"), widget=DATE, required=False)
    term_end = forms.DateField(label=_("Term until"), widget=DATE, required=False)

    def __init__(self, *args, registry=True, **kwargs):
        super().__init__(*args, **kwargs)
        if not registry:
            del self.fields["resident_lookup"]


class PostForm(forms.Form):
    title = forms.CharField(label=_("Post"), max_length=50)
    resident_lookup = forms.CharField(label=_("Holder's ID number or mobile"), max_length=20, required=False)
    holder_name = forms.CharField(label=_("Held by"), max_length=50, required=False)
    holder_is_cadre = forms.BooleanField(label=_("Held by a community or party cadre"), required=False)


class StaffForm(forms.Form):
    username = forms.CharField(label=_("User name"), max_length=150,
                               help_text=_("An account with the social organization role."))
    title = forms.CharField(label=_("Job title"), max_length=50, required=False)
