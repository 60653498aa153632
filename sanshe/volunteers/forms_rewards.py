"""Forms of the rewards and party pages (the services validate the rules; forms read the input)."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .choices import RecordSource
from .choices_rewards import RuleKind

DATE = forms.DateInput(attrs={"type": "date"})


class PointRuleForm(forms.Form):
    name = forms.CharField(label=_("name"), max_length=100)
    kind = forms.ChoiceField(label=_("kind"), choices=RuleKind.choices)
    points = forms.IntegerField(label=_("points"), min_value=1, max_value=100000)
    source = forms.ChoiceField(label=_("record source"), required=False,
                               choices=[("", _("any source"))] + list(RecordSource.choices))
    organization = forms.ModelChoiceField(label=_("organizer"), required=False, queryset=None,
                                          empty_label=_("any organizer"))
    effective_from = forms.DateField(label=_("effective from"), widget=DATE)
    effective_until = forms.DateField(label=_("effective until"), required=False, widget=DATE)

    def __init__(self, *args, organizations=None, **kwargs):
        super().__init__(*args, **kwargs)
        from sanshe.societies.models import Organization

        self.fields["organization"].queryset = organizations if organizations is not None else \
            Organization.objects.none()


class StarSchemeForm(forms.Form):
    name = forms.CharField(label=_("name"), max_length=100, required=False)
    star1 = forms.IntegerField(label=_("1 star (hours)"), min_value=1, initial=100)
    star2 = forms.IntegerField(label=_("2 stars (hours)"), min_value=1, initial=300)
    star3 = forms.IntegerField(label=_("3 stars (hours)"), min_value=1, initial=600)
    star4 = forms.IntegerField(label=_("4 stars (hours)"), min_value=1, initial=1000)
    star5 = forms.IntegerField(label=_("5 stars (hours)"), min_value=1, initial=1500)
    effective_from = forms.DateField(label=_("effective from"), widget=DATE)

    def thresholds(self):
        return [self.cleaned_data[f"star{i}"] for i in range(1, 6)]


class TimeCapForm(forms.Form):
    hours = forms.DecimalField(label=_("cap (hours)"), min_value=1, max_digits=8, decimal_places=2, initial=1500)
    effective_from = forms.DateField(label=_("effective from"), widget=DATE)


class EndRuleForm(forms.Form):
    until = forms.DateField(label=_("effective until"), widget=DATE)


class PartnerForm(forms.Form):
    community = forms.ModelChoiceField(label=_("community"), queryset=None)
    name = forms.CharField(label=_("name"), max_length=100)
    address = forms.CharField(label=_("address"), max_length=200, required=False)
    contact = forms.CharField(label=_("contact"), max_length=50, required=False)
    phone = forms.CharField(label=_("phone"), max_length=20, required=False)

    def __init__(self, *args, communities=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["community"].queryset = communities


class ItemForm(forms.Form):
    partner = forms.ModelChoiceField(label=_("partner unit"), queryset=None)
    name = forms.CharField(label=_("item"), max_length=100)
    description = forms.CharField(label=_("description"), max_length=300, required=False)
    points = forms.IntegerField(label=_("points"), min_value=1)
    stock = forms.IntegerField(label=_("stock"), min_value=0)
    is_active = forms.BooleanField(label=_("active"), required=False, initial=True)

    def __init__(self, *args, partners=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["partner"].queryset = partners


class AdjustForm(forms.Form):
    points = forms.IntegerField(label=_("points (negative to deduct)"))
    reason = forms.CharField(label=_("reason"), max_length=200)


class CertificateIssueForm(forms.Form):
    volunteer_number = forms.CharField(label=_("volunteer number"), max_length=20)
    community = forms.ModelChoiceField(label=_("issuing community"), queryset=None)
    start = forms.DateField(label=_("from"), widget=DATE)
    end = forms.DateField(label=_("until"), widget=DATE)
    person_in_charge = forms.CharField(label=_("person in charge"), max_length=50)

    def __init__(self, *args, communities=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["community"].queryset = communities


class OrgCertificateIssueForm(forms.Form):
    volunteer_number = forms.CharField(label=_("volunteer number"), max_length=20)
    organization = forms.ModelChoiceField(label=_("issuing organization"), queryset=None)
    start = forms.DateField(label=_("from"), widget=DATE)
    end = forms.DateField(label=_("until"), widget=DATE)
    person_in_charge = forms.CharField(label=_("person in charge"), max_length=50)

    def __init__(self, *args, organizations=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = organizations


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("reason"), max_length=200)


class TransferForm(forms.Form):
    target_number = forms.CharField(label=_("recipient's volunteer number"), max_length=20)
    target_name = forms.CharField(label=_("recipient's name"), max_length=50,
                                  help_text=_("As a check: the name must match the number."))
    hours = forms.DecimalField(label=_("hours"), min_value=0.01, max_digits=8, decimal_places=2)
    note = forms.CharField(label=_("note"), max_length=200, required=False)


class DonateForm(forms.Form):
    hours = forms.DecimalField(label=_("hours"), min_value=0.01, max_digits=8, decimal_places=2)
    note = forms.CharField(label=_("note"), max_length=200, required=False)


class WithdrawForm(forms.Form):
    beneficiary_id_number = forms.CharField(label=_("beneficiary's ID number"), max_length=18,
                                            help_text=_("The elderly resident who received the service."))
    volunteer_number = forms.CharField(label=_("pay from the volunteer number (empty: the public pool)"),
                                       max_length=20, required=False)
    hours = forms.DecimalField(label=_("hours"), min_value=0.01, max_digits=8, decimal_places=2)
    note = forms.CharField(label=_("service received"), max_length=200)


class NominationForm(forms.Form):
    community = forms.ModelChoiceField(label=_("community"), queryset=None)
    nominee_name = forms.CharField(label=_("nominee"), max_length=50)
    reason = forms.CharField(label=_("reason"), max_length=200)
    story = forms.CharField(label=_("story"), required=False, widget=forms.Textarea(attrs={"rows": 4}))
    name_consented = forms.BooleanField(label=_("the nominee agrees to show the full name"), required=False)

    def __init__(self, *args, communities=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["community"].queryset = communities


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(label=_("decision"), choices=[("approve", _("Approve")), ("reject", _("Reject"))])
    note = forms.CharField(label=_("note"), max_length=200, required=False)


class PartyReportForm(forms.Form):
    community = forms.ModelChoiceField(label=_("community where you live"), queryset=None)
    work_unit = forms.CharField(label=_("work unit"), max_length=100)
    party_branch = forms.CharField(label=_("party branch"), max_length=100)

    def __init__(self, *args, communities=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["community"].queryset = communities


class StaffPartyReportForm(PartyReportForm):
    volunteer_number = forms.CharField(label=_("volunteer number"), max_length=20)
    reported_on = forms.DateField(label=_("reported on"), widget=DATE, initial=timezone.localdate)

    field_order = ["volunteer_number", "community", "work_unit", "party_branch", "reported_on"]


class PartyPostForm(forms.Form):
    community = forms.ModelChoiceField(label=_("community"), queryset=None)
    title = forms.CharField(label=_("title"), max_length=100)
    description = forms.CharField(label=_("description"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    slots = forms.IntegerField(label=_("slots"), min_value=1, initial=5)

    def __init__(self, *args, communities=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["community"].queryset = communities


class ClaimForStaffForm(forms.Form):
    report = forms.ModelChoiceField(label=_("party member"), queryset=None)

    def __init__(self, *args, reports=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["report"].queryset = reports


class PostServiceForm(forms.Form):
    started_at = forms.DateTimeField(label=_("started at"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    hours = forms.DecimalField(label=_("hours"), min_value=0.5, max_value=24, max_digits=5, decimal_places=2)
    content = forms.CharField(label=_("content"), max_length=255, required=False)
