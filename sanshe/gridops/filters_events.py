"""The desk list's filters (state, category, grid, source, light, period) and its order: overdue first, then
due soon, then the rest, newest first."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.db.models import Case, IntegerField, Q, QuerySet, Value, When
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sanshe.accounts.roles import Perm
from sanshe.territory.choices import Level
from sanshe.territory.models import Node

from .choices import CLOCK_STATES, EventState, Light, Source
from .models import EventCategory

PERIODS = [("", _("Any time")), ("today", _("Today")), ("7d", _("Last 7 days")), ("30d", _("Last 30 days")),
           ("month", _("This month")), ("year", _("This year"))]


class CategoryField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.name if obj.parent_id is None else f"　{obj.name}"


class EventFilterForm(forms.Form):
    q = forms.CharField(label=_("Number or words"), required=False)
    state = forms.ChoiceField(label=_("State"), required=False,
                              choices=[("", _("All states")), ("open", _("Open")), *EventState.choices])
    category = CategoryField(label=_("Category"), required=False, empty_label=_("All categories"),
                             queryset=EventCategory.objects.none())
    grid = forms.ModelChoiceField(label=_("Grid"), required=False, empty_label=_("All grids"),
                                  queryset=Node.objects.none())
    source = forms.ChoiceField(label=_("Source"), required=False, choices=[("", _("All sources")), *Source.choices])
    light = forms.ChoiceField(label=_("Light"), required=False, choices=[
        ("", _("Any light")), (Light.RED, _("Overdue")), (Light.YELLOW, _("Due soon")), (Light.GREEN, _("On time"))])
    period = forms.ChoiceField(label=_("Period"), required=False, choices=PERIODS)
    date_from = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        cats = list(EventCategory.objects.filter(is_active=True).select_related("parent"))
        majors = sorted([c for c in cats if c.parent_id is None], key=lambda c: (c.sort_order, c.code))
        ordered = []
        for major in majors:
            ordered.append(major.pk)
            ordered += [c.pk for c in sorted(cats, key=lambda c: (c.sort_order, c.code)) if c.parent_id == major.pk]
        order = Case(*[When(pk=pk, then=Value(i)) for i, pk in enumerate(ordered)], default=Value(len(ordered)),
                     output_field=IntegerField())
        self.fields["category"].queryset = EventCategory.objects.filter(is_active=True).order_by(
            order if ordered else "sort_order")  # a constant CASE would be "ORDER BY 0" on PostgreSQL
        self.fields["grid"].queryset = (Node.objects.visible_to(user, Perm.EVENTS_VIEW)
                                        .filter(level=Level.GRID, is_active=True).order_by("code"))


def period_start(period: str, now: dt.datetime) -> dt.datetime | None:
    local = timezone.localtime(now)
    midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
    return {"today": midnight, "7d": midnight - dt.timedelta(days=6), "30d": midnight - dt.timedelta(days=29),
            "month": midnight.replace(day=1), "year": midnight.replace(month=1, day=1)}.get(period)


def light_q(light: str, now: dt.datetime) -> Q:
    clock = Q(state__in=CLOCK_STATES, deadline__isnull=False)
    if light == Light.RED:
        return clock & Q(deadline__lt=now)
    if light == Light.YELLOW:
        return clock & Q(deadline__gte=now, yellow_at__lte=now)
    return clock & Q(deadline__gte=now) & (Q(yellow_at__isnull=True) | Q(yellow_at__gt=now))


def with_urgency(qs: QuerySet, now: dt.datetime | None = None) -> QuerySet:
    """Annotate ``urgency`` (0 overdue, 1 due soon, 2 running, 3 waiting at the desk, 4 the rest)."""
    now = now or timezone.now()
    clock = Q(state__in=CLOCK_STATES, deadline__isnull=False)
    return qs.annotate(urgency=Case(
        When(clock & Q(deadline__lt=now), then=Value(0)),
        When(clock & Q(yellow_at__lte=now), then=Value(1)),
        When(clock, then=Value(2)),
        When(state__in=[EventState.REPORTED, EventState.ACCEPTED, EventState.FILED, EventState.FED_BACK,
                        EventState.VERIFIED], then=Value(3)),
        default=Value(4), output_field=IntegerField()))


def apply_filters(qs: QuerySet, form: EventFilterForm, now: dt.datetime | None = None) -> QuerySet:
    now = now or timezone.now()
    if not form.is_valid():
        return qs
    data = form.cleaned_data
    if data.get("q"):
        text = data["q"].strip()
        qs = qs.filter(Q(number__icontains=text) | Q(title__icontains=text) | Q(address__icontains=text))
    state = data.get("state")
    if state == "open":
        qs = qs.exclude(state__in=[EventState.CLOSED, EventState.NOT_FILED, EventState.MERGED])
    elif state:
        qs = qs.filter(state=state)
    category = data.get("category")
    if category is not None:
        qs = qs.filter(major_category=category) if category.parent_id is None else qs.filter(category=category)
    if data.get("grid") is not None:
        qs = qs.filter(grid=data["grid"])
    if data.get("source"):
        qs = qs.filter(source=data["source"])
    if data.get("light"):
        qs = qs.filter(light_q(data["light"], now))
    start = period_start(data.get("period") or "", now)
    if start is not None:
        qs = qs.filter(reported_at__gte=start)
    tz = timezone.get_current_timezone()
    if data.get("date_from"):
        qs = qs.filter(reported_at__gte=dt.datetime.combine(data["date_from"], dt.time.min, tzinfo=tz))
    if data.get("date_to"):
        qs = qs.filter(reported_at__lt=dt.datetime.combine(data["date_to"] + dt.timedelta(days=1), dt.time.min,
                                                           tzinfo=tz))
    return qs
