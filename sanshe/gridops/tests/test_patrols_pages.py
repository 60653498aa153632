"""Patrol pages (phone page, batches of points, end, list, route, coverage) and the patrol API."""

import datetime as dt
import json

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from sanshe.core.testing import login_as
from sanshe.gridops.models import Patrol

pytestmark = pytest.mark.django_db


def client_for(world, role):
    client = Client()
    login_as(client, world.user(role))
    return client


def points(start, n, *, lat=30.65):
    return [{"lat": lat + i * 0.0001, "lng": 104.06, "at": int((start + dt.timedelta(seconds=15 * i)).timestamp()
                                                                 * 1000), "accuracy": 10} for i in range(n)]


def test_phone_page_start_points_end(gworld):
    w = gworld
    c = client_for(w, "grid_worker")
    page = c.get(reverse("gridops:patrol_my"))
    assert page.status_code == 200 and b'id="start-patrol"' in page.content
    assert c.post(reverse("gridops:patrol_start"), {"grid": w.nodes["G1"].pk}).status_code == 302
    patrol = Patrol.objects.get()
    page = c.get(reverse("gridops:patrol_my")).content.decode()
    assert f'data-points-url="/gridops/patrols/{patrol.pk}/points/"' in page
    assert f"/gridops/events/report/?patrol={patrol.pk}" in page and "patrol.js" in page
    url = reverse("gridops:patrol_points", args=[patrol.pk])
    start = patrol.started_at
    r = c.post(url, json.dumps({"points": points(start, 4)}), content_type="application/json")
    assert r.status_code == 200 and r.json()["added"] == 4 and 30 <= r.json()["distance_m"] <= 36
    # the same batch again (a retry): nothing new
    r = c.post(url, json.dumps({"points": points(start, 4)}), content_type="application/json")
    assert r.json()["added"] == 0
    bad = c.post(url, json.dumps({"points": [{"lat": "x"}]}), content_type="application/json")
    assert bad.status_code == 400 and "points" in bad.json()["errors"]
    assert c.post(url, "not json", content_type="application/json").status_code == 400
    r = c.post(reverse("gridops:patrol_end", args=[patrol.pk]), {"note": "一切正常"})
    assert r.status_code == 302 and r["Location"] == reverse("gridops:patrol_detail", args=[patrol.pk])
    patrol.refresh_from_db()
    assert patrol.ended_at and patrol.note == "一切正常"
    detail = c.get(r["Location"])
    assert detail.status_code == 200 and len(detail.context["route"]) == 4


def test_someone_elses_patrol(gworld):
    w = gworld
    client_for(w, "grid_worker").post(reverse("gridops:patrol_start"))
    patrol = Patrol.objects.get()
    other = client_for(w, "grid_leader")
    r = other.post(reverse("gridops:patrol_points", args=[patrol.pk]), json.dumps({"points": []}),
                   content_type="application/json")
    assert r.status_code == 400  # same grid, not his patrol
    assert client_for(w, "community_worker").post(reverse("gridops:patrol_end", args=[patrol.pk])).status_code == 403


def test_list_and_coverage_pages(gworld):
    w = gworld
    c = client_for(w, "grid_worker")
    c.post(reverse("gridops:patrol_start"))
    patrol = Patrol.objects.get()
    Patrol.objects.filter(pk=patrol.pk).update(started_at=timezone.now() - dt.timedelta(hours=2))
    c.post(reverse("gridops:patrol_end", args=[patrol.pk]))
    desk = client_for(w, "community_worker")
    listing = desk.get(reverse("gridops:patrol_list"))
    assert [p.pk for p in listing.context["page"]] == [patrol.pk]
    coverage = desk.get(reverse("gridops:patrol_coverage"))
    rows = coverage.context["rows"]
    assert len(rows) == 1 and rows[0].patrols == 1 and rows[0].hours == 2.0 and rows[0].days == 1
    by_worker = desk.get(reverse("gridops:patrol_coverage"), {"by": "worker"}).context["rows"]
    assert by_worker[0].key == w.user("grid_worker").pk
    other = desk.get(reverse("gridops:patrol_coverage"), {"node": w.nodes["G2"].pk}).context["rows"]
    assert other == []


def test_api_patrols(gworld):
    w = gworld
    c = client_for(w, "grid_worker")
    r = c.post("/api/v1/gridops/patrols/", json.dumps({}), content_type="application/json",
               HTTP_IDEMPOTENCY_KEY="p-1")
    assert r.status_code == 201
    pk = r.json()["id"]
    start = Patrol.objects.get(pk=pk).started_at
    body = json.dumps({"points": points(start, 3)})
    r1 = c.post(f"/api/v1/gridops/patrols/{pk}/points/", body, content_type="application/json",
                HTTP_IDEMPOTENCY_KEY="b-1")
    r2 = c.post(f"/api/v1/gridops/patrols/{pk}/points/", body, content_type="application/json",
                HTTP_IDEMPOTENCY_KEY="b-1")
    assert r1.status_code == r2.status_code == 200 and r1.json()["point_count"] == 3 == r2.json()["point_count"]
    r = c.post(f"/api/v1/gridops/patrols/{pk}/end/", json.dumps({"note": "完"}), content_type="application/json")
    assert r.status_code == 200 and r.json()["ended_at"]
    assert client_for(w, "handler").get("/api/v1/gridops/patrols/").status_code == 403
