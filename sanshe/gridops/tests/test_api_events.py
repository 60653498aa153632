import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from sanshe.core.testing import login_as
from sanshe.gridops.choices import EventState, Source
from sanshe.gridops.models import Event, EventCategory
from sanshe.gridops.services import report_event
from sanshe.gridops.testing import PNG, report

pytestmark = pytest.mark.django_db

EVENTS = "/api/v1/gridops/events/"


def _client(w, role):
    client = Client()
    login_as(client, w.user(role))
    return client


def _post(client, url, data, **headers):
    return client.post(url, json.dumps(data), content_type="application/json", **headers)


def _report_body(w, **extra):
    return {"category": w.categories["0301"].pk, "description": "小区门口垃圾堆放", "node": w.nodes["G1"].pk,
            "latitude": "30.650000", "longitude": "104.060000", **extra}


def test_report_with_photos_multipart(gworld):
    w = gworld
    client = _client(w, "grid_worker")
    response = client.post(EVENTS, {**_report_body(w), "photos": [
        SimpleUploadedFile("a.png", PNG, content_type="image/png"),
        SimpleUploadedFile("b.png", PNG, content_type="image/png")]})
    assert response.status_code == 201, response.content
    body = response.json()
    event = Event.objects.get(pk=body["id"])
    assert event.photos.count() == 2 and event.source == Source.GRID and event.grid_id == w.nodes["G1"].pk
    assert body["state"] == EventState.REPORTED and [s["action"] for s in body["steps"]] == ["report"]
    assert len(body["steps"][0]["photos"]) == 2


def test_same_idempotency_key_gives_one_event(gworld):
    w = gworld
    client = _client(w, "grid_worker")
    first = _post(client, EVENTS, _report_body(w), HTTP_IDEMPOTENCY_KEY="phone-1-report-7")
    again = _post(client, EVENTS, _report_body(w), HTTP_IDEMPOTENCY_KEY="phone-1-report-7")
    assert first.status_code == again.status_code == 201
    assert again["Idempotent-Replayed"] == "true"
    assert again.json()["id"] == first.json()["id"]
    assert Event.objects.count() == 1
    # The same key for another body is refused, not a second event.
    other = _post(client, EVENTS, _report_body(w, description="另一件事"), HTTP_IDEMPOTENCY_KEY="phone-1-report-7")
    assert other.status_code == 422 and Event.objects.count() == 1


def test_retries_under_other_headers_share_the_submission_key(gworld):
    """Two retries of one submission racing through different Idempotency-Keys (a phone that lost the first
    answer and re-signed the request): the submission key keeps one event."""
    w = gworld
    client = _client(w, "grid_worker")
    body = _report_body(w, submission_key="sub-0001")
    first = _post(client, EVENTS, body, HTTP_IDEMPOTENCY_KEY="a-1")
    second = _post(client, EVENTS, body, HTTP_IDEMPOTENCY_KEY="a-2")
    third = _post(client, EVENTS, body)
    assert first.status_code == 201 and second.status_code == 200 and third.status_code == 200
    assert first.json()["id"] == second.json()["id"] == third.json()["id"]
    assert Event.objects.count() == 1
    # Another reporter's identical key is his own submission, not a look at this one.
    other = _post(_client(w, "community_worker"), EVENTS, body)
    assert other.status_code == 201 and other.json()["id"] != first.json()["id"]
    assert Event.objects.count() == 2


def test_a_failed_report_can_be_retried_with_the_same_key(gworld):
    w = gworld
    client = _client(w, "grid_worker")
    bad = _post(client, EVENTS, _report_body(w, description=""), HTTP_IDEMPOTENCY_KEY="k-9")
    assert bad.status_code == 400 and "description" in bad.json()
    good = _post(client, EVENTS, _report_body(w, description="x"), HTTP_IDEMPOTENCY_KEY="k-9")
    assert good.status_code == 201 and Event.objects.count() == 1


def test_report_validation_and_scope(gworld):
    w = gworld
    client = _client(w, "grid_worker")
    response = _post(client, EVENTS, _report_body(w, node=w.nodes["G5"].pk, category=w.categories["03"].pk))
    assert response.status_code == 400
    assert set(response.json()) == {"node", "category"}
    response = client.post(EVENTS, {**_report_body(w), "photos": [SimpleUploadedFile("x.png", b"not an image")]})
    assert response.status_code == 400 and "photos" in response.json()
    assert _post(_client(w, "handler"), EVENTS, _report_body(w)).status_code == 403
    assert Event.objects.count() == 0


def test_reporter_phone_is_masked(gworld):
    w = gworld
    client = _client(w, "community_worker")
    response = _post(client, EVENTS, _report_body(w, reporter_name="王阿姨", reporter_phone="13812345678",
                                                  source="hotline"))
    assert response.status_code == 201, response.content
    assert response.json()["reporter_phone_masked"] == "138****5678"
    assert "reporter_phone" not in response.json()
    for url in (EVENTS, f"{EVENTS}{response.json()['id']}/"):
        content = client.get(url).content.decode()
        assert "13812345678" not in content and "138****5678" in content
    assert Event.objects.get().reporter_phone == "13812345678"


def test_transition_and_refusals(gworld):
    w = gworld
    event = report(w)
    desk = _client(w, "community_worker")
    url = f"{EVENTS}{event.pk}/transition/"
    response = _post(desk, url, {"action": "close"})  # not before verification
    assert response.status_code == 400 and "action" in response.json()
    response = _post(desk, url, {"action": "not_file"})
    assert response.status_code == 400 and "note" in response.json()
    response = _post(desk, url, {"action": "fly"})
    assert response.status_code == 400 and "action" in response.json()
    response = _post(desk, url, {"action": "file"})
    assert response.status_code == 200 and response.json()["state"] == EventState.FILED
    response = _post(desk, url, {"action": "dispatch", "unit": w.units["other"].pk})
    assert response.status_code == 400 and "unit" in response.json()
    response = _post(desk, url, {"action": "dispatch", "unit": w.units["street"].pk},
                     HTTP_IDEMPOTENCY_KEY="dispatch-1")
    assert response.status_code == 200 and response.json()["handling_unit"] == w.units["street"].pk
    assert response.json()["deadline"] is not None
    replay = _post(desk, url, {"action": "dispatch", "unit": w.units["street"].pk},
                   HTTP_IDEMPOTENCY_KEY="dispatch-1")
    assert replay.status_code == 200 and replay["Idempotent-Replayed"] == "true"
    assert event.steps.filter(action="dispatch").count() == 1
    # The grid worker may not start handling: he sees the event, the step is refused (403, not 500).
    response = _post(_client(w, "grid_worker"), url, {"action": "start"})
    assert response.status_code == 403


def test_out_of_territory_is_404(gworld):
    w = gworld
    far = report_event(actor=None, category=w.categories["0301"], description="远方", node=w.nodes["G5"],
                       source=Source.OPEN311).event
    client = _client(w, "grid_worker")
    assert client.get(f"{EVENTS}{far.pk}/").status_code == 404
    assert _post(client, f"{EVENTS}{far.pk}/transition/", {"action": "comment", "note": "x"}).status_code == 404
    assert client.get(f"{EVENTS}999999/").status_code == 404
    assert far.pk not in [e["id"] for e in client.get(EVENTS).json()["results"]]


def test_list_filters_and_cursor(gworld):
    w = gworld
    events = [report(w, category="0301") for _ in range(3)] + [report(w, category="0201")]
    client = _client(w, "district_admin")
    body = client.get(EVENTS, {"page_size": 2}).json()
    assert [e["id"] for e in body["results"]] == [events[3].pk, events[2].pk]
    body2 = client.get(body["next"]).json()
    assert [e["id"] for e in body2["results"]] == [events[1].pk, events[0].pk]
    assert {e["id"] for e in client.get(EVENTS, {"category": w.categories["02"].pk}).json()["results"]} == {
        events[3].pk}
    assert len(client.get(EVENTS, {"state": "open"}).json()["results"]) == 4
    assert client.get(EVENTS, {"state": "closed"}).json()["results"] == []
    assert len(client.get(EVENTS, {"light": "none"}).json()["results"]) == 4
    assert client.get(EVENTS, {"state": "bogus"}).status_code == 400


def _bulk_events(w, n):
    """``n`` events in G1, written directly (fast) with the fields a list shows."""
    from django.utils import timezone

    category = w.categories["0301"]
    now = timezone.now()
    Event.objects.bulk_create([Event(
        number=f"Q{i:08d}", category=category, major_category_id=category.parent_id, title="批量", description="d",
        source=Source.GRID, district=w.nodes["D1"], street=w.nodes["S1"], community=w.nodes["C1"], grid=w.nodes["G1"],
        reported_at=now - timezone.timedelta(minutes=i), reporter_phone_masked="138****0000",
        handling_unit=w.units["street"] if i % 2 else None, state=EventState.DISPATCHED if i % 2 else
        EventState.REPORTED) for i in range(n)])


@pytest.mark.parametrize("role", ["district_admin", "grid_worker"])
def test_list_query_count_does_not_grow_with_the_page(gworld, role):
    w = gworld
    _bulk_events(w, 100)
    client = _client(w, role)
    client.get(EVENTS, {"page_size": 5})  # warm the session
    counts = []
    for size in (20, 100):
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(EVENTS, {"page_size": size})
        assert response.status_code == 200 and len(response.json()["results"]) == size
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1], counts


def test_categories_and_units(gworld):
    w = gworld
    reader = _client(w, "grid_worker")
    rows = reader.get("/api/v1/gridops/categories/").json()
    assert {"0301", "03"} <= {c["code"] for c in rows}
    units = reader.get("/api/v1/gridops/units/").json()["results"]
    assert {u["name"] for u in units} == {"幸福街道城管科", "和平社区综治队"}
    assert reader.get(f"/api/v1/gridops/units/{w.units['other'].pk}/").status_code == 404
    new = {"code": "0398", "parent": w.categories["03"].pk, "name": "井盖异响", "time_limit": 3,
           "time_limit_unit": "working_days", "attributes": [{"code": "where", "description": "位置"}]}
    assert _post(reader, "/api/v1/gridops/categories/", new).status_code == 403
    admin = _client(w, "district_admin")
    response = _post(admin, "/api/v1/gridops/categories/", new)
    assert response.status_code == 201, response.content
    assert response.json()["attributes"][0]["code"] == "where"
    response = _post(admin, "/api/v1/gridops/categories/", {**new, "code": "0397", "time_limit": None})
    assert response.status_code == 400 and "time_limit" in response.json()
    pk = EventCategory.objects.get(code="0398").pk
    response = admin.patch(f"/api/v1/gridops/categories/{pk}/", json.dumps({"time_limit": 5}),
                           content_type="application/json")
    assert response.status_code == 200 and response.json()["time_limit"] == 5
