"""Filters of the events API (``/api/v1/gridops/events/``): state, 大类 / 小类, source, territory, handling
unit, deadline light, period. Every filter is an indexed equality or range on the event row."""

from __future__ import annotations

import django_filters
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .choices import OPEN_STATES, EventState, Light, Source
from .models import Event
from .views_map import light_q

STATE_CHOICES = [("open", _("All open")), *EventState.choices]


class EventFilter(django_filters.FilterSet):
    state = django_filters.MultipleChoiceFilter(label=_("state"), choices=STATE_CHOICES, method="filter_state",
                                                help_text=_("Repeat for several; “open” = every open state."))
    category = django_filters.NumberFilter(label=_("category"), method="filter_category",
                                           help_text=_("A sub-category, or a major category with all of its own."))
    source = django_filters.ChoiceFilter(label=_("source"), choices=Source.choices)
    urgent = django_filters.BooleanFilter(label=_("urgent"))
    supervised = django_filters.BooleanFilter(label=_("supervised"))
    handling_unit = django_filters.NumberFilter(label=_("handling unit"), field_name="handling_unit_id")
    street = django_filters.NumberFilter(label=_("street"), field_name="street_id")
    community = django_filters.NumberFilter(label=_("community"), field_name="community_id")
    grid = django_filters.NumberFilter(label=_("grid"), field_name="grid_id")
    light = django_filters.ChoiceFilter(label=_("deadline light"), choices=Light.choices, method="filter_light")
    reported_after = django_filters.IsoDateTimeFilter(label=_("reported at or after"), field_name="reported_at",
                                                      lookup_expr="gte")
    reported_before = django_filters.IsoDateTimeFilter(label=_("reported before"), field_name="reported_at",
                                                       lookup_expr="lt")
    number = django_filters.CharFilter(label=_("number"), field_name="number")
    mine = django_filters.BooleanFilter(label=_("reported by me"), method="filter_mine")

    class Meta:
        model = Event
        fields: list[str] = []

    def filter_state(self, qs, name, values):
        if not values:
            return qs
        states = set(v for v in values if v != "open")
        if "open" in values:
            states |= set(OPEN_STATES)
        return qs.filter(state__in=sorted(states))

    def filter_category(self, qs, name, value):
        if value is None:
            return qs
        return qs.filter(Q(category_id=value) | Q(major_category_id=value))

    def filter_light(self, qs, name, value):
        q = light_q(value, timezone.now()) if value else None
        return qs.filter(q) if q is not None else qs

    def filter_mine(self, qs, name, value):
        if value:
            return qs.filter(reporter_id=getattr(self.request.user, "pk", None))
        return qs
