"""Patrols: start / points / end, distance, buildings passed, events found, coverage figures."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from sanshe.core.exceptions import Denied, OutOfScope
from sanshe.gridops import services_patrols as sp
from sanshe.gridops.choices import Source
from sanshe.gridops.models import Patrol, PatrolPoint
from sanshe.gridops.testing import report
from sanshe.territory.models import Node

pytestmark = pytest.mark.django_db

LAT, LNG = 30.650000, 104.060000
M_LAT = 1 / 111_195  # degrees of latitude per metre (haversine sphere)


def walk(start: dt.datetime, metres_north: list[float], step_s: int = 10):
    return [{"lat": LAT + m * M_LAT, "lng": LNG, "at": (start + dt.timedelta(seconds=i * step_s)).isoformat(),
             "accuracy": 8} for i, m in enumerate(metres_north)]


def place_building(node: Node, lat: float, lng: float):
    Node.objects.filter(pk=node.pk).update(geometry={"type": "Point", "coordinates": [lng, lat]})


def test_start_points_end_and_distance(gworld):
    w = gworld
    gw = w.user("grid_worker")
    start = timezone.now() - dt.timedelta(hours=1)
    patrol = sp.start_patrol(actor=gw, at=start)
    assert patrol.grid == w.nodes["G1"] and patrol.community_id == w.nodes["C1"].pk
    assert sp.start_patrol(actor=gw).pk == patrol.pk  # starting again returns the running patrol
    added = sp.add_points(patrol, actor=gw, points=walk(start, [0, 10, 20, 30, 40]))
    assert added == 5
    assert sp.add_points(patrol, actor=gw, points=walk(start, [0, 10, 20, 30, 40])) == 0  # a retried batch
    patrol.refresh_from_db()
    assert patrol.point_count == 5 and 39 <= patrol.distance_m <= 41
    # noisy fixes are left out of the distance: one imprecise, one 5 km jump
    noisy = walk(start + dt.timedelta(seconds=50), [50, 5000, 60])
    noisy[0]["accuracy"] = 500
    sp.add_points(patrol, actor=gw, points=noisy)
    patrol.refresh_from_db()
    assert patrol.point_count == 8 and 59 <= patrol.distance_m <= 61
    patrol = sp.end_patrol(patrol, actor=gw, at=start + dt.timedelta(minutes=30))
    assert patrol.ended_at and patrol.duration_seconds == 1800
    assert sp.end_patrol(patrol, actor=gw).ended_at == patrol.ended_at


def test_point_refusals(gworld):
    gw = gworld.user("grid_worker")
    start = timezone.now() - dt.timedelta(minutes=10)
    patrol = sp.start_patrol(actor=gw, at=start)
    for bad in ([{"lat": 91, "lng": 0, "at": start.isoformat()}], [{"lat": 30, "lng": 104, "at": "yesterday"}],
                [{"lat": 30, "lng": 104, "at": (start - dt.timedelta(days=1)).isoformat()}], "nope",
                [{"lat": 30, "lng": 104, "at": start.isoformat(), "accuracy": "x"}],
                [{"lat": 30, "lng": 104, "at": start.isoformat()}] * 501):
        with pytest.raises(ValidationError) as exc:
            sp.add_points(patrol, actor=gw, points=bad)
        assert "points" in exc.value.message_dict
    # epoch milliseconds (what JavaScript gives) are accepted
    ms = int((start + dt.timedelta(seconds=5)).timestamp() * 1000)
    assert sp.add_points(patrol, actor=gw, points=[{"lat": 30.1, "lng": 104.1, "at": ms}]) == 1


def test_only_own_grids_and_own_patrols(gworld):
    w = gworld
    gw = w.user("grid_worker")
    with pytest.raises(ValidationError):
        sp.start_patrol(actor=gw, grid=w.nodes["G2"])
    with pytest.raises(Denied):
        sp.start_patrol(actor=w.user("community_worker"))
    patrol = sp.start_patrol(actor=gw)
    with pytest.raises(ValidationError):
        sp.add_points(patrol, actor=w.user("grid_leader"), points=[])  # same grid, someone else's patrol
    assert not Patrol.objects.visible_to(w.user("handler")).exists()
    assert Patrol.objects.visible_to(w.user("community_worker")).filter(pk=patrol.pk).exists()
    from sanshe.accounts.roles import Role
    from sanshe.accounts.services import bootstrap_account

    far = bootstrap_account(username="t_far_gw", password="Test-pass-123", role=Role.GRID_WORKER,
                            node=w.nodes["G5"])
    with pytest.raises(OutOfScope):
        sp.end_patrol(patrol, actor=far)


def test_buildings_passed_and_coverage(gworld):
    w = gworld
    gw = w.user("grid_worker")
    # B1 is 30 m east of the route's third point; a second building of G1 is 500 m away
    place_building(w.nodes["B1"], LAT + 20 * M_LAT, LNG + 30 / (111_195 * 0.8607))
    far = Node.objects.create(level="building", code=w.nodes["P1"].code + "002", name="2栋", parent=w.nodes["P1"],
                              district_id=w.nodes["D1"].pk, street_id=w.nodes["S1"].pk,
                              community_id=w.nodes["C1"].pk, grid_id=w.nodes["G1"].pk,
                              compound_id=w.nodes["P1"].pk, geometry={"type": "Point",
                                                                      "coordinates": [LNG, LAT + 500 * M_LAT]})
    Node.objects.filter(pk=far.pk).update(building_id=far.pk)
    day1 = timezone.make_aware(dt.datetime(2025, 3, 3, 9, 0))
    day2 = day1 + dt.timedelta(days=1)
    p1 = sp.start_patrol(actor=gw, at=day1)
    sp.add_points(p1, actor=gw, points=walk(day1, [0, 10, 20, 30, 40]), at=day1)
    event = report(w, source=Source.PATROL, at=day1 + dt.timedelta(minutes=5))
    sp.link_event(p1, event, actor=gw)
    sp.link_event(p1, event, actor=gw)  # twice is harmless
    p1 = sp.end_patrol(p1, actor=gw, at=day1 + dt.timedelta(hours=1))
    assert p1.buildings_passed == [w.nodes["B1"].pk]
    p2 = sp.start_patrol(actor=gw, at=day2)
    sp.add_points(p2, actor=gw, points=walk(day2, [0, 100, 200]), at=day2)
    sp.end_patrol(p2, actor=gw, at=day2 + dt.timedelta(minutes=30))
    p3 = sp.start_patrol(actor=gw, at=day2 + dt.timedelta(hours=2))
    sp.end_patrol(p3, actor=gw, at=day2 + dt.timedelta(hours=3))

    qs = Patrol.objects.visible_to(w.user("community_worker"))
    rows = sp.coverage(qs, start=day1 - dt.timedelta(days=1), end=day2 + dt.timedelta(days=1), by="grid")
    assert len(rows) == 1
    row = rows[0]
    assert row.key == w.nodes["G1"].pk and row.patrols == 3 and row.days == 2 and row.hours == 2.5
    assert row.km == 0.2 and row.events == 1 and row.buildings == 2 and row.building_share == 50.0
    by_worker = sp.coverage(qs, start=day1, end=day2, by="worker")  # only day 1
    assert [(r.key, r.patrols, r.distance_m) for r in by_worker] == [(gw.pk, 1, 40)]
    assert PatrolPoint.objects.filter(patrol=p1).count() == 5


def test_coverage_without_building_positions(gworld):
    gw = gworld.user("grid_worker")
    start = timezone.now() - dt.timedelta(hours=2)
    p = sp.start_patrol(actor=gw, at=start)
    sp.end_patrol(p, actor=gw, at=start + dt.timedelta(hours=1))
    row = sp.coverage(Patrol.objects.all(), start=start - dt.timedelta(hours=1), end=timezone.now())[0]
    assert row.buildings is None and row.building_share is None and row.hours == 1.0


def test_link_event_refusals(gworld):
    w = gworld
    gw = w.user("grid_worker")
    patrol = sp.start_patrol(actor=gw)
    other = report(w, user="grid_leader")
    with pytest.raises(ValidationError):
        sp.link_event(patrol, other, actor=gw)
