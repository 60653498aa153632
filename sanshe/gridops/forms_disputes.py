"""Forms of the dispute pages: filters, registering (with parties), a mediation session, the outcome, an
attachment and a risk re-assessment. Forms only read input; the services in ``services_disputes`` write."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sanshe.accounts.roles import Perm
from sanshe.territory.choices import Level
from sanshe.territory.models import Node

from .models.disputes import (
    AttachmentKind,
    DisputeAction,
    DisputeKind,
    DisputeState,
    PartyRole,
    RiskLevel,
    SessionResult,
    SettledLevel,
)

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class NodeChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.get_level_display()} · {obj.name}"


def territory_queryset(user, permission, levels=(Level.STREET, Level.COMMUNITY, Level.GRID)):
    return Node.objects.visible_to(user, permission).filter(level__in=levels, is_active=True).order_by("code")


class DisputeFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False,
                        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("Number or words")}))
    node = NodeChoiceField(label=_("Territory"), queryset=Node.objects.none(), required=False,
                           empty_label=_("All my territory"))
    state = forms.ChoiceField(label=_("State"), required=False,
                              choices=[("", _("Any state")), ("open", _("Open")), *DisputeState.choices])
    risk_level = forms.ChoiceField(label=_("Risk level"), required=False,
                                   choices=[("", _("Any risk level")), *RiskLevel.choices])
    kind = forms.ChoiceField(label=_("Kind"), required=False, choices=[("", _("Any kind")), *DisputeKind.choices])
    start = forms.DateField(label=_("From"), required=False, widget=DATE)
    end = forms.DateField(label=_("To"), required=False, widget=DATE)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["node"].queryset = territory_queryset(
            user, Perm.DISPUTES_VIEW, (Level.DISTRICT, Level.STREET, Level.COMMUNITY, Level.GRID))

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["start"] > data["end"]:
            self.add_error("end", _("The end comes before the start."))
        return data


class DisputeForm(forms.Form):
    node = NodeChoiceField(label=_("Where"), queryset=Node.objects.none(), empty_label=None,
                           help_text=_("The grid (or community) where the dispute arose."))
    kind = forms.ChoiceField(label=_("Kind of dispute"), choices=DisputeKind.choices)
    risk_level = forms.ChoiceField(label=_("Risk level"), choices=RiskLevel.choices, initial=RiskLevel.YELLOW,
                                   widget=forms.RadioSelect,
                                   help_text=_("Red: the street and district are alerted at once. Orange: the "
                                               "street the same day. Yellow: settle it on the spot."))
    found_on = forms.DateField(label=_("Date accepted"), widget=DATE)
    address = forms.CharField(label=_("Place"), max_length=255, required=False)
    summary = forms.CharField(label=_("Summary of the dispute"), widget=forms.Textarea(attrs={"rows": 4}))
    settle_now = forms.BooleanField(label=_("Settled on the spot (yellow risk only)"), required=False)
    outcome = forms.CharField(label=_("How it was settled"), required=False,
                              widget=forms.Textarea(attrs={"rows": 2}))
    event = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["node"].queryset = territory_queryset(user, Perm.DISPUTES_MANAGE)
        self.fields["found_on"].initial = timezone.localdate()


class PartyForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=PartyRole.choices)
    resident = forms.IntegerField(required=False, widget=forms.HiddenInput(attrs={"data-party-resident": ""}))
    name = forms.CharField(label=_("Name"), max_length=100, required=False,
                           widget=forms.TextInput(attrs={"data-party-name": "", "autocomplete": "off"}))
    phone = forms.CharField(label=_("Phone"), max_length=30, required=False,
                            widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off",
                                                          "data-party-phone": ""}))
    note = forms.CharField(label=_("Note"), max_length=255, required=False)

    def is_blank(self) -> bool:
        data = self.cleaned_data if hasattr(self, "cleaned_data") else {}
        return not (data.get("resident") or (data.get("name") or "").strip())


PartyFormSet = forms.formset_factory(PartyForm, extra=0, min_num=2, max_num=10, validate_min=False)


class SessionForm(forms.Form):
    held_on = forms.DateField(label=_("Date"), widget=DATE)
    mediator_name = forms.CharField(label=_("Mediator"), max_length=100)
    participants = forms.CharField(label=_("Participants"), required=False,
                                   widget=forms.Textarea(attrs={"rows": 2}))
    place = forms.CharField(label=_("Place"), max_length=255, required=False)
    minutes = forms.CharField(label=_("Minutes"), widget=forms.Textarea(attrs={"rows": 6}))
    result = forms.ChoiceField(label=_("Result"), choices=SessionResult.choices, initial=SessionResult.CONTINUE)
    agreement = forms.FileField(label=_("Signed agreement or record (PDF, JPEG, PNG)"), required=False)


class OutcomeForm(forms.Form):
    action = forms.ChoiceField(label=_("Step"), choices=(), widget=forms.RadioSelect)
    outcome = forms.CharField(label=_("Outcome"), required=False, widget=forms.Textarea(attrs={"rows": 3}),
                              help_text=_("For a resolved dispute: what the parties agreed."))
    settled_level = forms.ChoiceField(label=_("Level settled at"), required=False,
                                      choices=[("", _("The level handling it now")), *SettledLevel.choices])
    note = forms.CharField(label=_("Reason or note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, actions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["action"].choices = [(a, DisputeAction(a).label) for a in actions]


class AttachmentForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=AttachmentKind.choices)
    file = forms.FileField(label=_("File (PDF, JPEG, PNG)"))


class RiskForm(forms.Form):
    risk_level = forms.ChoiceField(label=_("Risk level"), choices=RiskLevel.choices)
    note = forms.CharField(label=_("Reason"), max_length=500)


class LedgerForm(forms.Form):
    node = NodeChoiceField(label=_("Territory"), queryset=Node.objects.none(), required=False,
                           empty_label=_("All my territory"))
    start = forms.DateField(label=_("From"), required=False, widget=DATE)
    end = forms.DateField(label=_("To"), required=False, widget=DATE)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["node"].queryset = territory_queryset(
            user, Perm.DISPUTES_VIEW, (Level.DISTRICT, Level.STREET, Level.COMMUNITY, Level.GRID))

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["start"] > data["end"]:
            self.add_error("end", _("The end comes before the start."))
        return data
