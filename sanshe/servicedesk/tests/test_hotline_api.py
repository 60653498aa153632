"""Hotline API: record, read, transition; messages read for staff; 4xx with field errors."""

import pytest
from rest_framework.test import APIClient

from sanshe.core.testing import PASSWORD, bootstrap_account, login_as
from sanshe.gridops.choices import Source
from sanshe.servicedesk import services_hotline as sh
from sanshe.servicedesk.models_hotline import HotlineCall
from sanshe.servicedesk.testing_hotline import PHONE, build_hotline, call

BASE = "/api/v1/servicedesk/hotline-calls/"


@pytest.fixture
def hworld(sworld):
    return build_hotline(sworld)


def api(user):
    client = APIClient()
    login_as(client, user)
    return client


def test_record_read_and_turn_into_an_event(hworld):
    client = api(hworld.user("hotline_operator"))
    r = client.post(BASE, {"caller_name": "王建国", "phone": PHONE, "community": hworld.nodes["C1"].pk,
                           "category": "complaint", "content": "路灯不亮"}, format="json")
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["caller_phone_masked"] == "139****5678" and PHONE not in r.content.decode()
    assert body["state"] == "new" and "answer" in body["allowed_actions"] and len(body["steps"]) == 1
    r = client.post(f"{BASE}{body['id']}/transition/", {"action": "to_event",
                                                        "event_category": hworld.categories["0301"].pk},
                    format="json")
    assert r.status_code == 200, r.content
    call_ = HotlineCall.objects.get(pk=body["id"])
    assert call_.event.source == Source.HOTLINE and r.json()["state"] == "transferred"
    listed = client.get(BASE).json()
    assert [row["id"] for row in listed.get("results", listed)] == [body["id"]]


def test_field_errors(hworld):
    client = api(hworld.user("hotline_operator"))
    r = client.post(BASE, {"caller_name": "", "community": hworld.nodes["S1"].pk, "category": "x", "content": ""},
                    format="json")
    assert r.status_code == 400 and {"caller_name", "category", "content"} <= set(r.json())
    r = client.post(BASE, {"caller_name": "甲", "phone": "12", "community": hworld.nodes["S1"].pk,
                           "category": "help", "content": "c"}, format="json")
    assert r.status_code == 400 and {"phone", "community"} <= set(r.json())
    c = call(hworld)
    r = client.post(f"{BASE}{c.pk}/transition/", {"action": "answer", "answer": ""}, format="json")
    assert r.status_code == 400 and "answer" in r.json()
    r = client.post(f"{BASE}{c.pk}/transition/", {"action": "close"}, format="json")
    assert r.status_code == 400 and "action" in r.json()


def test_scoping_and_permissions(hworld):
    c = call(hworld)
    other = bootstrap_account(username="t_op_api", password=PASSWORD, role="hotline_operator",
                              node=hworld.nodes["D2"], full_name="邻区话务员")
    assert api(other).get(f"{BASE}{c.pk}/").status_code == 404
    assert api(hworld.user("grid_worker")).get(BASE).status_code == 403
    m = sh.leave_message(node=hworld.nodes["C1"], kind="message", subject="s", content="c", name="甲",
                         phone="13600001234")
    r = api(hworld.user("community_worker")).get("/api/v1/servicedesk/messages/")
    assert r.status_code == 200 and "13600001234" not in r.content.decode()
    assert api(other).get(f"/api/v1/servicedesk/messages/{m.pk}/").status_code == 404
