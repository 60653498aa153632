"""Forms of the social workers' roster: the worker, his posts and certificates, the subsidy table and roll,
trainings, the list filters. Choices are limited to what the user may reach; the services re-check everything."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils.translation import gettext_lazy as _

from .choices_workers import CertificateLevel, TrainingKind

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def node_label(node) -> str:
    return f"{node.name}（{node.get_level_display()}）"


class PlaceChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return node_label(obj)


class MonthField(forms.CharField):
    """A month typed as YYYY-MM (``<input type=month>``) → the first day of that month."""

    widget = forms.DateInput(attrs={"type": "month"})

    def to_python(self, value):
        value = (super().to_python(value) or "").strip()
        if not value:
            return None
        try:
            year, month = (int(x) for x in value.split("-")[:2])
            return dt.date(year, month, 1) if 2000 <= year <= 2100 else None
        except ValueError:
            raise forms.ValidationError(_("Give a month as YYYY-MM.")) from None

    def prepare_value(self, value):
        return f"{value:%Y-%m}" if isinstance(value, dt.date) else value


class WorkerForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=50)
    node = PlaceChoiceField(label=_("Works in"), queryset=None,
                            help_text=_("The community (or street, district) where he works."))
    username = forms.CharField(label=_("Account"), max_length=150, required=False,
                               help_text=_("The user name of his account, if he has one."))
    id_number = forms.CharField(label=_("ID number (to link the registry)"), max_length=18, required=False,
                                help_text=_("Optional: links him to his record in the registry; never shown."))
    is_active = forms.BooleanField(label=_("On the roster (active)"), required=False, initial=True)

    def __init__(self, *args, places, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["node"].queryset = places


class WorkerCreateForm(WorkerForm):
    employer = forms.ModelChoiceField(label=_("Employer"), queryset=None, required=False,
                                      empty_label=_("No employer"))
    post = forms.CharField(label=_("Post title"), max_length=50, required=False)
    started_on = forms.DateField(label=_("In post from"), required=False, widget=DATE)

    def __init__(self, *args, employers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["employer"].queryset = employers
        del self.fields["is_active"]


class PostForm(forms.Form):
    employer = forms.ModelChoiceField(label=_("Employer"), queryset=None, required=False,
                                      empty_label=_("No employer"))
    title = forms.CharField(label=_("Post title"), max_length=50)
    started_on = forms.DateField(label=_("From"), widget=DATE)

    def __init__(self, *args, employers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["employer"].queryset = employers


class EndPostForm(forms.Form):
    ended_on = forms.DateField(label=_("Last day in post"), widget=DATE)


class CertificateForm(forms.Form):
    level = forms.ChoiceField(label=_("Certificate level"), choices=CertificateLevel.choices)
    number = forms.CharField(label=_("Certificate number"), max_length=40)
    issued_on = forms.DateField(label=_("Issued on"), widget=DATE)
    registered_on = forms.DateField(label=_("Registered on"), required=False, widget=DATE,
                                    help_text=_("Empty while the certificate is not registered: it is not valid."))
    valid_until = forms.DateField(label=_("Valid until"), required=False, widget=DATE,
                                  help_text=_("Empty when it does not expire."))


class RevokeForm(forms.Form):
    revoked_on = forms.DateField(label=_("Revoked from"), required=False, widget=DATE,
                                 help_text=_("Today when empty; the certificate is not valid from that day."))
    reason = forms.CharField(label=_("Reason"), max_length=200)


class RateForm(forms.Form):
    region = PlaceChoiceField(label=_("Region"), queryset=None,
                              help_text=_("The most specific region holding a rate applies."))
    level = forms.ChoiceField(label=_("Certificate level"), choices=CertificateLevel.choices)
    effective_from = forms.DateField(label=_("Effective from"), widget=DATE,
                                     help_text=_("A rate applies to the months starting on or after this date."))
    amount = forms.DecimalField(label=_("Yuan per month"), min_value=0, max_value=100000, decimal_places=2)
    note = forms.CharField(label=_("Note"), max_length=200, required=False)

    def __init__(self, *args, places, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = places


class RollForm(forms.Form):
    node = PlaceChoiceField(label=_("Territory"), queryset=None, required=False, empty_label=None)
    month = MonthField(label=_("Month"), required=False)

    def __init__(self, *args, places, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["node"].queryset = places


class FiguresForm(RollForm):
    month = None


class WorkerAttendeeField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        where = obj.community or obj.street or obj.district
        return f"{obj.name} · {where.name}" if where else obj.name


class TrainingForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind"), choices=TrainingKind.choices)
    node = PlaceChoiceField(label=_("Organized by (territory)"), queryset=None)
    held_on = forms.DateField(label=_("Date"), widget=DATE)
    hours = forms.DecimalField(label=_("Hours"), min_value=0.5, max_value=200, decimal_places=1)
    place = forms.CharField(label=_("Place"), max_length=200, required=False)
    organizer = forms.CharField(label=_("Organizer"), max_length=100, required=False)
    attendees = WorkerAttendeeField(label=_("Attendees"), queryset=None, required=False,
                                    widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, places, workers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["node"].queryset = places
        self.fields["attendees"].queryset = workers


class WorkerFilterForm(forms.Form):
    q = forms.CharField(label=_("Name or certificate number"), max_length=50, required=False)
    node = PlaceChoiceField(label=_("Territory"), queryset=None, required=False, empty_label=_("All"))
    employer = forms.ModelChoiceField(label=_("Employer"), queryset=None, required=False, empty_label=_("All"))
    level = forms.ChoiceField(label=_("Valid certificate"), required=False,
                              choices=[("", _("All")), ("any", _("Any level")), ("none", _("None")),
                                       *CertificateLevel.choices])
    active = forms.ChoiceField(label=_("Status"), required=False,
                               choices=[("1", _("Active")), ("0", _("Left")), ("", _("All"))])

    def __init__(self, *args, places, employers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["node"].queryset = places
        self.fields["employer"].queryset = employers


class TrainingFilterForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), required=False, choices=[("", _("All")), *TrainingKind.choices])
    year = forms.IntegerField(label=_("Year"), required=False, min_value=2000, max_value=2100)
