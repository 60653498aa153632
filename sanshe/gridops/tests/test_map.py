import pytest
from django.test import Client
from django.urls import reverse

from sanshe.core.testing import login_as
from sanshe.gridops.choices import Action
from sanshe.gridops.services import transition
from sanshe.gridops.testing import report
from sanshe.territory.models import Node

pytestmark = pytest.mark.django_db

BOX = "-180,-90,180,90"


def _client(w, role):
    client = Client()
    login_as(client, w.user(role))
    return client


def _ids(client, **params):
    response = client.get(reverse("gridops:event_map_data"), {"bbox": BOX, **params})
    assert response.status_code == 200, response.content
    return {m["id"] for m in response.json()["markers"]}


def test_markers_are_scoped(gworld):
    w = gworld
    mine = report(w, latitude=30.65, longitude=104.06)
    other_grid = report(w, node="G3", user="street_official", latitude=30.66, longitude=104.07)
    no_position = report(w)
    assert _ids(_client(w, "grid_worker")) == {mine.pk}
    assert _ids(_client(w, "district_admin")) == {mine.pk, other_grid.pk}
    assert no_position.pk not in _ids(_client(w, "district_admin"))
    assert _client(w, "handler").get(reverse("gridops:event_map_data"), {"bbox": BOX}).status_code == 403


def test_bbox_and_filters(gworld):
    w = gworld
    a = report(w, latitude=30.65, longitude=104.06)
    b = report(w, category="0201", latitude=31.50, longitude=105.00)
    client = _client(w, "district_admin")
    assert _ids(client, bbox="104.0,30.6,104.1,30.7") == {a.pk}
    assert client.get(reverse("gridops:event_map_data"), {"bbox": "x"}).status_code == 400
    assert client.get(reverse("gridops:event_map_data")).status_code == 400
    assert client.get(reverse("gridops:event_map_data"), {"bbox": "10,10,5,5"}).status_code == 400
    assert _ids(client, category=w.categories["02"].pk) == {b.pk}
    assert _ids(client, category=w.categories["0301"].pk) == {a.pk}
    desk = w.user("community_worker")
    transition(a, Action.FILE, actor=desk)
    transition(a, Action.DISPATCH, actor=desk)
    assert _ids(client, state="dispatched") == {a.pk}
    assert _ids(client, light="green") == {a.pk}
    assert _ids(client, light="none") == {b.pk}
    assert _ids(client, state="closed") == set()
    assert _ids(client, **{"from": "2000-01-01", "to": "2000-02-01"}) == set()
    marker = client.get(reverse("gridops:event_map_data"), {"bbox": BOX, "state": "dispatched"}).json()["markers"][0]
    assert marker["url"] == f"/gridops/events/{a.pk}/" and marker["light"] == "green"


def test_markers_are_bounded(gworld, monkeypatch):
    from sanshe.gridops import views_map

    w = gworld
    for _ in range(3):
        report(w, latitude=30.65, longitude=104.06)
    monkeypatch.setattr(views_map, "MAX_MARKERS", 2)
    body = _client(w, "district_admin").get(reverse("gridops:event_map_data"), {"bbox": BOX}).json()
    assert len(body["markers"]) == 2 and body["truncated"] is True


def test_grid_boundaries_of_the_users_territory(gworld):
    w = gworld
    square = {"type": "Polygon", "coordinates": [[[104.0, 30.6], [104.1, 30.6], [104.1, 30.7], [104.0, 30.6]]]}
    Node.objects.filter(pk__in=[w.nodes["G1"].pk, w.nodes["G3"].pk]).update(geometry=square)
    names = {f["properties"]["name"] for f in
             _client(w, "grid_worker").get(reverse("gridops:event_map_grids")).json()["features"]}
    assert names == {w.nodes["G1"].name}
    names = {f["properties"]["name"] for f in
             _client(w, "district_admin").get(reverse("gridops:event_map_grids")).json()["features"]}
    assert names == {w.nodes["G1"].name, w.nodes["G3"].name}


def test_map_page(gworld, settings):
    w = gworld
    settings.SANSHE_TILE_URL = ""
    response = _client(w, "grid_worker").get(reverse("gridops:event_map"), {"state": "bogus", "from": "nope"})
    assert response.status_code == 200
    content = response.content.decode()
    assert "vendor/leaflet.markercluster/leaflet.markercluster" in content
    assert 'data-tile-url=""' in content and reverse("gridops:event_map_data") in content


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_e2e_map_clusters_markers_and_links_to_the_event(live_server, desktop, screenshot):
    from sanshe.core.testing import PASSWORD, build_world
    from sanshe.gridops.testing import build_gridops

    w = build_gridops(build_world())
    square = {"type": "Polygon", "coordinates": [[[104.05, 30.64], [104.08, 30.64], [104.08, 30.67],
                                                  [104.05, 30.67], [104.05, 30.64]]]}
    Node.objects.filter(pk=w.nodes["G1"].pk).update(geometry=square)
    events = [report(w, latitude=30.650 + i * 0.0001, longitude=104.060 + i * 0.0001) for i in range(12)]
    report(w, latitude=30.665, longitude=104.075)
    page = desktop
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: errors.append("console: " + msg.text) if msg.type == "error" else None)
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", "t_district_admin")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")
    page.goto(f"{live_server.url}{reverse('gridops:event_map')}")
    page.wait_for_load_state("networkidle")
    screenshot(page, "gridops-event-map")
    assert not errors, errors
    page.wait_for_selector(".marker-cluster")
    assert not errors, errors
    assert "13" in page.text_content("[data-map-status]")
    assert page.locator(".leaflet-overlay-pane path").count() >= 2  # the grid boundary and the lonely marker
    cluster_total = sum(int(t) for t in page.locator(".marker-cluster span").all_text_contents())
    assert cluster_total + page.locator("path.leaflet-interactive").count() - 1 >= len(events)
    page.goto(f"{live_server.url}{reverse('gridops:event_map')}?category={w.categories['0201'].pk}")
    page.wait_for_load_state("networkidle")
    assert page.locator(".marker-cluster").count() == 0
