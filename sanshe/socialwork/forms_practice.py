"""Forms of social workers' practice (input shape only; the services check the rules)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .choices_practice import (
    ActivityMethod,
    CaseKind,
    CaseOutcome,
    GoalStatus,
    GroupKind,
    ReferralResult,
    ReferralSource,
    SessionMethod,
)

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class CaseOpenForm(forms.Form):
    client = forms.IntegerField(label=_("Client"), widget=forms.HiddenInput)
    title = forms.CharField(label=_("Title"), max_length=100)
    kind = forms.ChoiceField(label=_("Kind"), choices=CaseKind.choices)
    referral_source = forms.ChoiceField(label=_("Referral source"), choices=ReferralSource.choices)
    supervisor = forms.TypedChoiceField(label=_("Supervisor"), coerce=int, required=False, empty_value=None)
    opened_on = forms.DateField(label=_("Opened on"), required=False, widget=DATE)
    problem = forms.CharField(label=_("Presenting problem (confidential)"), required=False,
                              widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, supervisors=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["supervisor"].choices = [("", "—"), *[(w.pk, w.name) for w in supervisors]]


class AssessForm(forms.Form):
    assessment = forms.CharField(label=_("Assessment (confidential)"), widget=forms.Textarea(attrs={"rows": 3}))


class PlanForm(forms.Form):
    plan = forms.CharField(label=_("Plan (confidential)"), widget=forms.Textarea(attrs={"rows": 3}))
    goals = forms.CharField(label=_("Goals, one per line"), required=False, widget=forms.Textarea(attrs={"rows": 3}))


class GoalForm(forms.Form):
    text = forms.CharField(label=_("Goal"), max_length=200)


class GoalStatusForm(forms.Form):
    goal = forms.IntegerField(widget=forms.HiddenInput)
    status = forms.ChoiceField(label=_("Status"), choices=GoalStatus.choices)


class SessionForm(forms.Form):
    date = forms.DateField(label=_("Date"), widget=DATE)
    hours = forms.DecimalField(label=_("Hours"), min_value=0.1, max_value=24, decimal_places=1,
                               widget=forms.NumberInput(attrs={"step": "0.1"}))
    method = forms.ChoiceField(label=_("Method"), choices=SessionMethod.choices)
    notes = forms.CharField(label=_("Notes (confidential)"), required=False, widget=forms.Textarea(attrs={"rows": 3}))


class ReferralForm(forms.Form):
    to_whom = forms.CharField(label=_("Referred to"), max_length=100)
    reason = forms.CharField(label=_("Reason"), max_length=200)
    referred_on = forms.DateField(label=_("Referred on"), required=False, widget=DATE)


class ReferralResultForm(forms.Form):
    referral = forms.IntegerField(widget=forms.HiddenInput)
    result = forms.ChoiceField(label=_("Result"), choices=ReferralResult.choices)
    note = forms.CharField(label=_("Result note"), max_length=200, required=False)


class TransferForm(forms.Form):
    to_worker = forms.TypedChoiceField(label=_("To social worker"), coerce=int)
    note = forms.CharField(label=_("Reason"), max_length=200)

    def __init__(self, *args, workers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_worker"].choices = [(w.pk, w.name) for w in workers]


class CloseForm(forms.Form):
    outcome = forms.ChoiceField(label=_("Case outcome"), choices=CaseOutcome.choices)
    closure_note = forms.CharField(label=_("Closure note (confidential)"), widget=forms.Textarea(attrs={"rows": 3}))
    on = forms.DateField(label=_("Closed on"), required=False, widget=DATE)


class GroupForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=100)
    kind = forms.ChoiceField(label=_("Kind"), choices=GroupKind.choices)
    goals = forms.CharField(label=_("Goals"), widget=forms.Textarea(attrs={"rows": 3}))
    community = forms.TypedChoiceField(label=_("Community"), coerce=int)
    started_on = forms.DateField(label=_("Started on"), required=False, widget=DATE)
    co_workers = forms.TypedMultipleChoiceField(label=_("Co-workers"), coerce=int, required=False,
                                                widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, communities=(), workers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["community"].choices = [(c.pk, c.name) for c in communities]
        self.fields["co_workers"].choices = [(w.pk, w.name) for w in workers]


class GroupSessionForm(forms.Form):
    date = forms.DateField(label=_("Date"), widget=DATE)
    hours = forms.DecimalField(label=_("Hours"), min_value=0.1, max_value=24, decimal_places=1,
                               widget=forms.NumberInput(attrs={"step": "0.1"}))
    topic = forms.CharField(label=_("Topic"), max_length=100)


class ActivityForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=100)
    date = forms.DateField(label=_("Date"), widget=DATE)
    method = forms.ChoiceField(label=_("Method"), choices=ActivityMethod.choices)
    place = forms.CharField(label=_("Place"), max_length=100)
    participants = forms.IntegerField(label=_("Participants (person-times)"), min_value=1, max_value=100000)
    community = forms.TypedChoiceField(label=_("Community"), coerce=int)
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, communities=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["community"].choices = [(c.pk, c.name) for c in communities]


class FiguresForm(forms.Form):
    node = forms.IntegerField(label=_("Territory"), required=False, min_value=1)
    start = forms.DateField(label=_("From"), required=False, widget=DATE)
    end = forms.DateField(label=_("To"), required=False, widget=DATE)

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end and end < start:
            self.add_error("end", _("The last day must not be before the first day."))
        return data
