import json

import pytest
from django.test import Client

from sanshe.accounts.roles import Role
from sanshe.accounts.services import bootstrap_account
from sanshe.core.models import AuditEntry
from sanshe.core.testing import PASSWORD, login_as
from sanshe.servicedesk.models import ServiceItem

pytestmark = pytest.mark.django_db

ITEMS = "/api/v1/servicedesk/items/"
CATEGORIES = "/api/v1/servicedesk/categories/"


def _client(user):
    client = Client()
    login_as(client, user)
    return client


def _send(client, method, url, data, **headers):
    return client.generic(method, url, json.dumps(data), content_type="application/json", **headers)


def _body(w, **extra):
    return {"code": "T0160", "name": "就业登记", "category": w.service_categories["T01"].pk,
            "department": w.departments["hr"].pk, "time_limit_days": 1, "channel": "both",
            "materials": [{"name": "居民身份证"}, {"name": "一寸照片", "required": False, "note": "白底"}], **extra}


def test_staff_read_items_with_materials(sworld):
    w = sworld
    client = _client(w.user("window_clerk"))
    data = client.get(ITEMS).json()
    rows = data["results"] if isinstance(data, dict) else data
    assert {r["code"] for r in rows} == {"T0101", "T0201"}
    retire = next(r for r in rows if r["code"] == "T0101")
    assert retire["department_name"] == "测试区人社局" and retire["time_limit_days"] == 20
    assert [(m["name"], m["required"]) for m in retire["materials"]] == [
        ("身份证原件及复印件", True), ("户口簿", True), ("一寸照片", False)]
    data = client.get(ITEMS, {"category": w.service_categories["T02"].pk}).json()
    rows = data["results"] if isinstance(data, dict) else data
    assert [r["code"] for r in rows] == ["T0201"]
    assert client.get(f"{ITEMS}{w.items['other'].pk}/").status_code == 404
    assert {c["code"] for c in client.get(CATEGORIES).json()} >= {"T01", "T02"}
    assert _client(w.user("dept_handler")).get(ITEMS).status_code == 403


def test_admin_creates_and_changes_an_item(sworld):
    w = sworld
    client = _client(w.user("district_admin"))
    response = _send(client, "POST", ITEMS, _body(w), HTTP_IDEMPOTENCY_KEY="item-1")
    assert response.status_code == 201, response.content
    created = response.json()
    assert created["district"] == w.nodes["D1"].pk
    assert [(m["name"], m["required"], m["note"]) for m in created["materials"]] == [
        ("居民身份证", True, ""), ("一寸照片", False, "白底")]
    replay = _send(client, "POST", ITEMS, _body(w), HTTP_IDEMPOTENCY_KEY="item-1")
    assert replay.status_code == 201 and replay["Idempotent-Replayed"] == "true"
    assert ServiceItem.objects.filter(code="T0160").count() == 1
    photo = created["materials"][1]["id"]
    response = _send(client, "PATCH", f"{ITEMS}{created['id']}/", {
        "fee": "10.00", "materials": [{"id": photo, "name": "二寸照片", "required": True}, {"name": "申请表"}]})
    assert response.status_code == 200, response.content
    changed = response.json()
    assert changed["fee"] == "10.00"
    assert [(m["id"] == photo, m["name"]) for m in changed["materials"]] == [(True, "二寸照片"), (False, "申请表")]
    assert AuditEntry.objects.filter(action="servicedesk.item.updated", object_id=str(created["id"])).exists()


def test_api_validation_errors_and_refusals(sworld):
    w = sworld
    admin = _client(w.user("district_admin"))
    response = _send(admin, "POST", ITEMS, _body(w, code="T0101", materials=[{"name": "身份证"}, {"name": "身份证"}]))
    assert response.status_code == 400 and set(response.json()) >= {"code", "materials"}
    response = _send(admin, "POST", ITEMS, _body(w, department=w.departments["other"].pk))
    assert response.status_code == 400 and "department" in response.json()
    worker = _client(w.user("community_worker"))
    assert _send(worker, "POST", ITEMS, _body(w)).status_code == 403
    assert _send(worker, "PATCH", f"{ITEMS}{w.items['retire'].pk}/", {"fee": "1"}).status_code == 403
    other = _client(bootstrap_account(username="t_admin_d2", password=PASSWORD, role=Role.DISTRICT_ADMIN,
                                      node=w.nodes["D2"]))
    assert _send(other, "PATCH", f"{ITEMS}{w.items['retire'].pk}/", {"fee": "1"}).status_code == 404
    assert other.get(f"{ITEMS}{w.items['retire'].pk}/").status_code == 404
    assert ServiceItem.objects.get(pk=w.items["retire"].pk).fee == 0
