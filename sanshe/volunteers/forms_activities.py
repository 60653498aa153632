"""Forms of the volunteer registry and activities (the services validate; these shape the input)."""

from django import forms
from django.utils.translation import gettext_lazy as _

DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"]


class VolunteerForm(forms.Form):
    """Staff register a volunteer; a registry resident is found by his ID number (name and phone come from the
    registry then)."""

    community = forms.ModelChoiceField(label=_("Community"), queryset=None)
    id_number = forms.CharField(label=_("ID number"), max_length=30)
    name = forms.CharField(label=_("Name"), max_length=50, required=False,
                           help_text=_("Not needed for a resident of the registry."))
    phone = forms.CharField(label=_("Phone"), max_length=30, required=False,
                            help_text=_("Not needed for a resident of the registry."))
    skills = forms.CharField(label=_("Skills (separated by commas)"), max_length=300, required=False)
    availability = forms.CharField(label=_("Availability"), max_length=200, required=False)
    is_party_member = forms.BooleanField(label=_("Party member"), required=False)

    def __init__(self, *args, communities, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["community"].queryset = communities
        if communities.count() == 1:
            self.fields["community"].initial = communities.first().pk


class SelfRegisterForm(forms.Form):
    """我要当志愿者."""

    community = forms.ModelChoiceField(label=_("Community where you serve"), queryset=None)
    name = forms.CharField(label=_("Name"), max_length=50)
    id_number = forms.CharField(label=_("ID number"), max_length=30)
    phone = forms.CharField(label=_("Phone"), max_length=30)
    skills = forms.CharField(label=_("Skills (separated by commas)"), max_length=300, required=False)
    availability = forms.CharField(label=_("Availability"), max_length=200, required=False,
                                   help_text=_("For example: weekends, weekday evenings."))

    def __init__(self, *args, communities, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["community"].queryset = communities


class VolunteerFilterForm(forms.Form):
    q = forms.CharField(label=_("Name or number"), required=False)
    community = forms.ModelChoiceField(label=_("Community"), queryset=None, required=False)
    skill = forms.CharField(label=_("Skill"), required=False)
    kind = forms.ChoiceField(label=_("Resident"), required=False, choices=[
        ("", _("All")), ("resident", _("Residents of the registry")), ("other", _("Not in the registry"))])
    active = forms.ChoiceField(label=_("Status"), required=False, choices=[
        ("", _("All")), ("1", _("Active")), ("0", _("Inactive"))])

    def __init__(self, *args, communities, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["community"].queryset = communities


class TeamForm(forms.Form):
    community = forms.ModelChoiceField(label=_("Community"), queryset=None)
    name = forms.CharField(label=_("Name"), max_length=100)
    service_field = forms.CharField(label=_("Service field"), max_length=100, required=False)
    leader = forms.CharField(label=_("Leader (volunteer number)"), max_length=20, required=False)
    members = forms.CharField(label=_("Members (volunteer numbers, separated by commas or lines)"),
                              widget=forms.Textarea(attrs={"rows": 3}), required=False)

    def __init__(self, *args, communities, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["community"].queryset = communities
        if communities.count() == 1:
            self.fields["community"].initial = communities.first().pk


class ActivityForm(forms.Form):
    organization = forms.ModelChoiceField(label=_("Organizing organization"), queryset=None)
    community = forms.ModelChoiceField(label=_("Community"), queryset=None)
    title = forms.CharField(label=_("Title"), max_length=100)
    place = forms.CharField(label=_("Place"), max_length=200)
    starts_at = forms.DateTimeField(label=_("Starts at"), widget=DATETIME, input_formats=DATETIME_FORMATS)
    ends_at = forms.DateTimeField(label=_("Ends at"), widget=DATETIME, input_formats=DATETIME_FORMATS)
    slots = forms.IntegerField(label=_("Volunteers wanted"), min_value=1, max_value=10000)
    skills = forms.CharField(label=_("Skills wanted (separated by commas)"), max_length=300, required=False)
    content = forms.CharField(label=_("Content"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    contact = forms.CharField(label=_("Person in charge"), max_length=50, required=False)
    allow_walk_in = forms.BooleanField(label=_("Walk-ins may check in while slots remain"), required=False,
                                       initial=True)

    def __init__(self, *args, communities, organizations=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["community"].queryset = communities
        if communities.count() == 1:
            self.fields["community"].initial = communities.first().pk
        if organizations is None:
            del self.fields["organization"]
        else:
            self.fields["organization"].queryset = organizations
            if organizations.count() == 1:
                self.fields["organization"].initial = organizations.first().pk


class ConfirmForm(forms.Form):
    hours = forms.DecimalField(label=_("Hours"), max_digits=5, decimal_places=2, min_value=0, required=False)
    reason = forms.CharField(label=_("Reason (needed to adjust or reject)"), max_length=300, required=False)


class CancelForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=200)


class MyProfileForm(forms.Form):
    """What a volunteer keeps current himself: what he can do and when."""

    skills = forms.CharField(label=_("Skills (separated by commas)"), max_length=300, required=False)
    availability = forms.CharField(label=_("Availability"), max_length=200, required=False)


class VolunteerEditForm(forms.Form):
    skills = forms.CharField(label=_("Skills (separated by commas)"), max_length=300, required=False)
    availability = forms.CharField(label=_("Availability"), max_length=200, required=False)
    is_party_member = forms.BooleanField(label=_("Party member"), required=False)
    is_active = forms.BooleanField(label=_("Active"), required=False)
