"""The applications API: scoped lists and detail with masked applicants, accepting with Idempotency-Key and
submission_key, the department's queue, workflow steps refused with field errors (never a 500)."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from sanshe.core.testing import login_as
from sanshe.servicedesk.choices import ApplicationState
from sanshe.servicedesk.models import Application
from sanshe.servicedesk.testing import accept
from sanshe.servicedesk.tests.matrix_applications import outsider

pytestmark = pytest.mark.django_db
URL = "/api/v1/servicedesk/applications/"
PDF = b"%PDF-1.4\n%%EOF\n"


def client_for(world, role) -> Client:
    client = Client()
    login_as(client, world.user(role))
    return client


def post(client, url, data, **headers):
    return client.post(url, json.dumps(data), content_type="application/json", **headers)


def body(world, **extra):
    item = world.items["retire"]
    return {"item": item.pk, "station": world.stations["C1"].pk, "window": 2, "applicant_name": "王大爷",
            "applicant_phone": "13800138000", "missing": [item.materials.get(name="户口簿").pk], **extra}


def test_list_and_detail_are_scoped_and_masked(sworld):
    mine = accept(sworld)
    from sanshe.servicedesk.services import Applicant, accept_application

    far = accept_application(actor=outsider(sworld), item=sworld.items["other"], station=sworld.stations["D2"],
                             applicant=Applicant(name="远方", phone="13900139000"))
    client = client_for(sworld, "window_clerk")
    data = client.get(URL).json()
    rows = data["results"] if isinstance(data, dict) else data
    assert [r["id"] for r in rows] == [mine.pk]
    assert rows[0]["applicant_phone_masked"] == "138****8000" and "applicant_phone" not in rows[0]
    assert "13800138000" not in json.dumps(data)
    detail = client.get(f"{URL}{mine.pk}/").json()
    assert detail["number"] == mine.number and len(detail["materials"]) == 3
    assert detail["allowed_actions"] == ["comment"]
    assert client.get(f"{URL}{far.pk}/").status_code == 404
    assert client_for(sworld, "grid_worker").get(URL).status_code == 403


def test_accept_with_idempotency_key_and_submission_key(sworld):
    client = client_for(sworld, "window_clerk")
    first = post(client, URL, body(sworld), HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == 201, first.content
    data = first.json()
    assert data["state"] == ApplicationState.SUPPLEMENT and data["clock_stopped"] is True and data["window"] == 2
    again = post(client, URL, body(sworld), HTTP_IDEMPOTENCY_KEY="k-1")
    assert again.status_code == 201 and again.json()["id"] == data["id"]
    assert Application.objects.count() == 1
    app = Application.objects.get()
    assert app.submission_key and app.submission_key.startswith("idem:")
    # a submission key: a retry under another header finds the same application
    one = post(client, URL, body(sworld, submission_key="tablet-7"), HTTP_IDEMPOTENCY_KEY="a")
    two = post(client, URL, body(sworld, submission_key="tablet-7"), HTTP_IDEMPOTENCY_KEY="b")
    assert one.status_code == 201 and two.status_code == 200 and one.json()["id"] == two.json()["id"]
    assert Application.objects.count() == 2


def test_accept_multipart_with_scans(sworld):
    client = client_for(sworld, "window_clerk")
    data = body(sworld)
    data.pop("missing")
    response = client.post(URL, {**data, "attachments": [
        SimpleUploadedFile("a.pdf", PDF, content_type="application/pdf")]})
    assert response.status_code == 201, response.content
    assert response.json()["attachments"][0]["name"] == "a.pdf"


def test_bad_acceptance_is_a_400_with_field_errors(sworld):
    client = client_for(sworld, "window_clerk")
    response = post(client, URL, body(sworld, applicant_name="", applicant_phone="123", window=9))
    assert response.status_code == 400
    assert {"applicant_name", "applicant_phone", "window"} <= response.json().keys()
    assert post(client, URL, body(sworld, item=sworld.items["other"].pk)).json().keys() >= {"item"}
    assert "station" in post(client, URL, body(sworld, station=sworld.stations["C2"].pk)).json()
    assert "missing" in post(client, URL, body(sworld, missing=["x"])).json()
    assert post(client, URL, body(sworld, missing=[999999])).status_code == 400
    assert not Application.objects.exists()
    assert post(client_for(sworld, "street_official"), URL, body(sworld)).status_code == 403


def test_the_department_queue_and_steps(sworld):
    mine, other = accept(sworld), accept(sworld, item="dibao")
    client = client_for(sworld, "dept_handler")
    queue = client.get(f"{URL}queue/").json()
    rows = queue["results"] if isinstance(queue, dict) else queue
    assert [r["id"] for r in rows] == [mine.pk]
    assert client.get(URL).status_code == 403  # no territory: the queue is his list
    assert client.get(f"{URL}{other.pk}/").status_code == 403
    step = f"{URL}{mine.pk}/transition/"
    response = post(client, step, {"action": "start"})
    assert response.status_code == 200 and response.json()["state"] == ApplicationState.PROCESSING
    response = post(client, step, {"action": "refuse"})
    assert response.status_code == 400 and "note" in response.json()
    response = post(client, step, {"action": "start"})
    assert response.status_code == 400 and "action" in response.json()
    assert post(client, step, {"action": "nope"}).status_code == 400
    assert post(client, step, {"action": "rate", "rating": "satisfied"}).status_code in (400, 403)
    response = post(client, step, {"action": "request_supplement", "missing": ["社保缴费证明"], "note": "请补交"})
    assert response.status_code == 200 and response.json()["clock_stopped"] is True
    clerk = client_for(sworld, "window_clerk")
    assert post(clerk, step, {"action": "supplement"}).json()["state"] == ApplicationState.PROCESSING
    done = post(client, step, {"action": "complete", "result_note": "已办结"}).json()
    assert done["state"] == ApplicationState.DONE and done["on_time"] is True
    assert done["remaining_working_seconds"] is None


@pytest.mark.parametrize("bad", [
    {}, {"item": "x"}, {"item": None, "station": []}, {"window": "two"}, {"missing": "1"}, {"missing": [None]},
    {"resident": 999999}, {"applicant_id_number": "1" * 40}, {"attachments": ["not a file"]},
])
def test_malformed_acceptance_is_never_a_500(sworld, bad):
    response = post(client_for(sworld, "window_clerk"), URL, {**body(sworld), **bad} if bad else {})
    assert response.status_code == 400, response.content


@pytest.mark.parametrize("bad", [{}, {"action": None}, {"action": "complete", "missing": "x"},
                                 {"action": "rate", "rating": "great"}, {"action": "accept"}])
def test_malformed_steps_are_never_a_500(sworld, bad):
    app = accept(sworld)
    response = post(client_for(sworld, "dept_handler"), f"{URL}{app.pk}/transition/", bad)
    assert response.status_code == 400, response.content
