"""The service cloud's demo: ``seed_demo`` builds the catalogue, a station per community, the department staff,
six months of applications in every state through the services, certificates and appointments; a second run
adds nothing."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.db.models import Count, Q
from django.utils import timezone

from sanshe.accounts.models import User
from sanshe.gridops.models import UnitMember
from sanshe.servicedesk import indicators as ind
from sanshe.servicedesk.choices import Action, ApplicationState
from sanshe.servicedesk.models import (
    Application,
    ApplicationStep,
    Appointment,
    AppointmentSlot,
    Certificate,
    ServiceItem,
    ServiceStation,
)
from sanshe.territory.choices import Level
from sanshe.territory.models import Node

pytestmark = pytest.mark.django_db


def _counts():
    return (Application.objects.count(), ApplicationStep.objects.count(), ServiceStation.objects.count(),
            ServiceItem.objects.count(), Certificate.objects.count(), AppointmentSlot.objects.count(),
            Appointment.objects.count(), UnitMember.objects.count(), User.objects.count())


def test_seed_demo_applications_in_every_state_and_twice_adds_nothing():
    call_command("seed_demo", stdout=io.StringIO())
    district = Node.objects.get(code="510197")
    applications = Application.objects.filter(district=district)

    # a station per community, 3 windows each; the catalogue; dept_handler in 人社局
    communities = Node.objects.filter(district=district, level=Level.COMMUNITY, is_active=True)
    stations = ServiceStation.objects.filter(district=district)
    assert sorted(stations.values_list("node_id", flat=True)) == sorted(communities.values_list("pk", flat=True))
    assert set(stations.values_list("windows", flat=True)) == {3}
    assert ServiceItem.objects.filter(district=district).count() == 62
    handler = User.objects.get(username="dept_handler")
    assert list(handler.unit_memberships.values_list("unit__name", flat=True)) == ["人力资源和社会保障局"]

    # every state, at every station, over six months, with 补正, late, refused and rated ones
    assert set(applications.values_list("state", flat=True)) == set(ApplicationState.values)
    per_station = dict(applications.values_list("station").annotate(n=Count("id")))
    assert set(per_station) == set(stations.values_list("pk", flat=True)) and min(per_station.values()) >= 20
    for station in stations:
        mine = set(applications.filter(station=station).values_list("state", flat=True))
        assert {ApplicationState.RECEIVED, ApplicationState.PROCESSING, ApplicationState.SUPPLEMENT,
                ApplicationState.DONE} <= mine, station
    now = timezone.now()
    assert applications.filter(received_at__lt=now - timezone.timedelta(days=150)).exists()
    assert applications.filter(steps__action=Action.REQUEST_SUPPLEMENT).distinct().count() >= 10
    assert applications.filter(on_time=False).exists() and applications.filter(on_time=True).count() >= 50
    assert applications.exclude(rating="").count() >= 50
    assert applications.filter(resident__isnull=False).exists() and applications.filter(resident__isnull=True).exists()
    assert applications.filter(handler=handler).exists()
    assert not applications.filter(received_at__gt=now).exists()
    assert not ApplicationStep.objects.filter(at__gt=now).exists()
    # real history rows: one acceptance step each, steps in time order
    assert not applications.annotate(n=Count("steps", filter=Q(steps__action=Action.ACCEPT))).exclude(n=1).exists()

    # the figures page has something to show for the demo accounts
    period = ind.last_months(6)
    for username in ("district_admin", "street_official", "community_worker", "window_clerk"):
        result = ind.compute(User.objects.get(username=username), start=period.start, end=period.end)
        assert result.totals.accepted > 0 and result.totals.rated > 0, username
        assert result.totals.overdue > 0, username

    assert Certificate.objects.filter(district=district).count() >= 30
    assert Certificate.objects.filter(district=district, revoked_at__isnull=False).exists()
    assert AppointmentSlot.objects.filter(station__district=district).exists()
    assert Appointment.objects.filter(district=district).exists()

    before = _counts()
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    assert _counts() == before
    assert "nothing to add" in out.getvalue()
