"""Forms of the patrol pages: start (which grid), the list filter and the coverage period."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from sanshe.accounts.roles import Perm
from sanshe.territory.choices import Level
from sanshe.territory.models import Node

from .forms_disputes import DATE, NodeChoiceField, territory_queryset


class StartPatrolForm(forms.Form):
    grid = NodeChoiceField(label=_("Grid"), queryset=Node.objects.none(), empty_label=None)

    def __init__(self, *args, grids=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["grid"].queryset = Node.objects.filter(pk__in=[g.pk for g in grids]).order_by("code")


class PatrolPeriodForm(forms.Form):
    node = NodeChoiceField(label=_("Territory"), queryset=Node.objects.none(), required=False,
                           empty_label=_("All my territory"))
    start = forms.DateField(label=_("From"), required=False, widget=DATE)
    end = forms.DateField(label=_("To"), required=False, widget=DATE)
    by = forms.ChoiceField(label=_("Per"), required=False, choices=[("grid", _("grid")), ("worker", _("worker"))])

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["node"].queryset = territory_queryset(
            user, Perm.EVENTS_VIEW, (Level.DISTRICT, Level.STREET, Level.COMMUNITY, Level.GRID))

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["start"] > data["end"]:
            self.add_error("end", _("The end comes before the start."))
        return data
