"""The grid-governance demo: ``seed_demo`` builds units, the responsibility table and a year of events in every
state through the real services (history rows included), the handler and resident accounts; a second run adds
nothing. The district-scale bulk events are consistent with one another the way the services stamp them."""

from __future__ import annotations

import io
from collections import Counter
from types import SimpleNamespace

import pytest
from django.core.management import call_command
from django.db.models import Count, F, Q
from django.utils import timezone

from sanshe.accounts.models import User
from sanshe.gridops import demo_scale, services
from sanshe.gridops.choices import Action, EventState, Light, Source, UnitKind
from sanshe.gridops.models import Event, EventSettings, EventStep, HandlingUnit, Responsibility, UnitMember
from sanshe.territory.models import HouseholdTimelineEntry, Node

pytestmark = pytest.mark.django_db


def _counts():
    return (Event.objects.count(), EventStep.objects.count(), HandlingUnit.objects.count(),
            Responsibility.objects.count(), UnitMember.objects.count(), User.objects.count())


def test_seed_demo_events_in_every_state_through_the_services_and_twice_adds_nothing():
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    district = Node.objects.get(code="510197")
    events = Event.objects.filter(district=district)

    # accounts: handler is staff of the street department of grid_worker's street; resident lives in grid 1
    handler, resident = User.objects.get(username="handler"), User.objects.get(username="resident")
    assert handler.check_password("sanshe-demo") and resident.check_password("sanshe-demo")
    assert [(g.role, g.node_code) for g in handler.active_grants()] == [("handler", "510197001000")]
    assert [(g.role, g.node_code) for g in resident.active_grants()] == [("resident", "510197001001001")]
    assert list(handler.handling_units.values_list("name", flat=True)) == ["锦华街道城管科"]
    assert "handler" in out.getvalue() and "resident" in out.getvalue()

    # units, responsibility table, settings
    kinds = set(HandlingUnit.objects.filter(district=district).values_list("kind", flat=True))
    assert kinds == {UnitKind.DISTRICT_DEPT, UnitKind.STREET_DEPT, UnitKind.COMMUNITY_TEAM, UnitKind.SOCIAL_ORG}
    assert HandlingUnit.objects.filter(kind=UnitKind.COMMUNITY_TEAM).count() == 6
    assert Responsibility.objects.filter(unit__district=district).count() >= 25
    assert EventSettings.objects.filter(district=district).exists()

    # every state, and the special paths
    states = set(events.values_list("state", flat=True))
    assert states == set(EventState.values), set(EventState.values) - states
    assert events.count() >= 250
    assert events.filter(extension_count__gt=0).exists()
    assert events.filter(rework_count__gt=0).exists()
    assert events.filter(escalation__gt=0).exists()
    assert events.filter(supervised=True).exists()
    assert events.filter(state=EventState.MERGED, merged_into__isnull=False).exists()
    assert events.filter(state=EventState.CLOSED).exclude(rating="").count() >= 50
    assert set(events.exclude(rating="").values_list("rating", flat=True)) == {"satisfied", "fairly", "unsatisfied"}
    assert events.filter(steps__action=Action.RETURN).exists() and events.filter(steps__action=Action.REASSIGN).exists()
    lights = Counter(services.light(e) for e in events.filter(state__in=[EventState.DISPATCHED,
                                                                         EventState.HANDLING]))
    assert lights[Light.RED] >= 3 and lights[Light.YELLOW] >= 3, lights
    # spread over the last 12 months, across the district, by grid workers and residents
    now = timezone.now()
    assert events.filter(reported_at__lt=now - timezone.timedelta(days=300)).exists()
    assert events.filter(reported_at__gt=now - timezone.timedelta(days=7)).exists()
    assert events.values("grid").distinct().count() >= 20
    sources = set(events.values_list("source", flat=True))
    assert {Source.GRID, Source.RESIDENT, Source.HOTLINE, Source.OPEN311} <= sources
    assert events.filter(reporter=resident).exists()

    # real history rows: a report step each, steps in time order, timestamps as the steps say
    assert not events.annotate(n=Count("steps", filter=Q(steps__action=Action.REPORT))).exclude(n=1).exists()
    closed = events.filter(state=EventState.CLOSED).first()
    steps = list(closed.steps.order_by("at", "id").values_list("action", "at"))
    assert [a for a, _at in steps][:2] == [Action.REPORT, Action.ACCEPT] and Action.CLOSE in [a for a, _at in steps]
    assert [at for _a, at in steps] == sorted(at for _a, at in steps)
    assert closed.closed_at == closed.steps.get(action=Action.CLOSE).at
    assert not events.filter(state=EventState.CLOSED, closed_at__lt=F("reported_at")).exists()
    assert not events.filter(reported_at__gt=now).exists() and not EventStep.objects.filter(at__gt=now).exists()

    # the household file shows the reports that concern it, when they were made
    linked = events.filter(household__isnull=False)
    assert linked.count() >= 10
    event = linked.first()
    entry = HouseholdTimelineEntry.objects.get(kind="gridops.event", object_id=str(event.pk))
    assert entry.household_id == event.household_id and entry.at == event.reported_at

    before = _counts()
    second = io.StringIO()
    call_command("seed_demo", stdout=second)
    assert _counts() == before
    assert "nothing to add" in second.getvalue()


def test_district_scale_events_are_consistent_and_seeded_once():
    call_command("seed_demo", stdout=io.StringIO())  # territory, units, responsibility table
    district = Node.objects.get(code="510197")
    ctx = SimpleNamespace(nodes={"district": district}, count=lambda *a, **k: None)
    before = Event.objects.count()
    last = Event.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    assert demo_scale.seed(ctx, count=5000) == 5000
    bulk = Event.objects.filter(pk__gt=last)  # the demo's own (grid workflow, hotline hand-offs) came before
    assert bulk.count() == 5000 == Event.objects.count() - before
    states = Counter(bulk.values_list("state", flat=True))
    assert states[EventState.CLOSED] > 0.7 * 5000
    assert {EventState.NOT_FILED, EventState.MERGED, EventState.HANDLING} <= set(states)
    # stamped the way the services stamp them
    assert not bulk.filter(state=EventState.CLOSED).filter(
        Q(closed_at__isnull=True) | Q(verified_at__isnull=True) | Q(fed_back_at__isnull=True)
        | Q(dispatched_at__isnull=True) | Q(handling_unit__isnull=True) | Q(closed_on_time__isnull=True)).exists()
    # on time = the FIRST feedback by the deadline (fed_back_at is the last one: after a rework it may be later)
    first = bulk.filter(fed_back_at__isnull=False, rework_count=0)
    assert not first.filter(handled_on_time=True, fed_back_at__gt=F("deadline")).exists()
    assert not first.filter(handled_on_time=False, fed_back_at__lte=F("deadline")).exists()
    assert not bulk.filter(closed_at__lt=F("reported_at")).exists()
    assert not bulk.filter(state=EventState.MERGED, merged_into__isnull=True).exists()
    assert not bulk.exclude(rating="").exclude(state=EventState.CLOSED).exists()
    assert bulk.filter(state=EventState.CLOSED).exclude(rating="").count() > 0.5 * states[EventState.CLOSED]
    assert not bulk.filter(reported_at__gt=timezone.now()).exists()
    assert bulk.values("grid").distinct().count() == Node.objects.filter(level="grid").count()
    event = bulk.filter(state=EventState.CLOSED).first()
    assert event.number.startswith("SJ") and event.number.endswith(f"{event.pk:07d}")
    assert event.handling_unit.district_id == district.pk
    # once
    assert demo_scale.seed(ctx, count=5000) == 0
    assert Event.objects.count() == before + 5000

