"""Admission pages and API: the list, the task form (admitted / refused), the review, the work list, burden."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from sanshe.core.testing import login_as
from sanshe.servicedesk.choices_admission import AssignmentState, TaskAction, TaskKind, TaskState
from sanshe.servicedesk.models_admission import CommunityTask, ListEntry, TaskAssignment
from sanshe.servicedesk.testing_admission import build_admission, submit


@pytest.fixture
def aworld(sworld):
    return build_admission(sworld)


def _client(client, world, role):
    login_as(client, world.user(role))
    return client


def _due(days=20):
    return (timezone.localdate() + dt.timedelta(days=days)).isoformat()


def test_entry_pages(client, aworld):
    c = _client(client, aworld, "district_admin")
    r = c.get(reverse("servicedesk:admission_entry_list"))
    assert r.status_code == 200 and "就业困难人员台账" in r.content.decode()
    r = c.post(reverse("servicedesk:admission_entry_create"), {
        "code": "ZR30", "title": "退役军人信息采集", "kind": "ledger", "department": aworld.departments["hr"].pk,
        "legal_basis": "《退役军人保障法》", "effective_from": "2026-01-01"})
    assert r.status_code == 302
    entry = ListEntry.objects.get(code="ZR30")
    r = c.post(reverse("servicedesk:admission_entry_create"), {
        "code": "ZR30", "title": "x", "kind": "ledger", "department": aworld.departments["hr"].pk,
        "effective_from": "2026-01-01"})
    assert r.status_code == 400
    r = c.post(reverse("servicedesk:admission_entry_edit", args=[entry.pk]), {
        "code": "ZR30", "title": "退役军人信息采集（更新）", "kind": "ledger", "department": aworld.departments["hr"].pk,
        "effective_from": "2026-01-01", "effective_to": "2025-01-01"})
    assert r.status_code == 400 and "effective_to" in r.context["form"].errors
    r = c.post(reverse("servicedesk:admission_entry_withdraw", args=[entry.pk]), {"reason": "减负清理"})
    assert r.status_code == 302
    entry.refresh_from_db()
    assert entry.withdrawn_at and entry.withdraw_reason == "减负清理"


def test_task_form_admits_and_refuses(client, aworld):
    c = _client(client, aworld, "dept_handler")
    base = {"department": aworld.departments["hr"].pk, "frequency": "once", "due_date": _due(), "hours": "3",
            "communities": [aworld.nodes["C1"].pk, aworld.nodes["C2"].pk]}
    r = c.post(reverse("servicedesk:admission_task_submit"), {**base, "title": "迎检资料汇编", "kind": "inspection"})
    assert r.status_code == 302
    task = CommunityTask.objects.get(title="迎检资料汇编")
    assert task.state == TaskState.REFUSED
    page = c.get(r["Location"]).content.decode()
    assert "Not on the approved list" in page or "不在" in page or task.decision_note in page
    r = c.post(reverse("servicedesk:admission_task_submit"), {**base, "title": "就业困难人员台账", "kind": "ledger",
                                                              "entry": aworld.entries["ledger"].pk,
                                                              "all_communities": "on", "communities": []})
    task = CommunityTask.objects.get(title="就业困难人员台账")
    assert task.state == TaskState.ADMITTED and task.communities.count() == 3  # C1 C2 C3 of D1
    r = c.post(reverse("servicedesk:admission_task_submit"), {**base, "title": "", "kind": "ledger",
                                                              "communities": []})
    assert r.status_code == 400 and {"title", "communities"} <= set(r.context["form"].errors)
    listing = c.get(reverse("servicedesk:admission_task_list")).content.decode()
    assert "迎检资料汇编" in listing and "就业困难人员台账" in listing


def test_review_page(client, aworld):
    task = submit(aworld, title="防汛物资清点", kind=TaskKind.INSPECTION)
    c = _client(client, aworld, "district_admin")
    r = c.get(reverse("servicedesk:admission_review"))
    assert r.status_code == 200 and task.number in r.content.decode()
    url = reverse("servicedesk:admission_review_detail", args=[task.pk])
    r = c.post(url, {"action": TaskAction.EXCEPTION, "note": ""})
    assert r.status_code == 400
    r = c.post(url, {"action": TaskAction.EXCEPTION, "note": "汛期临时任务"})
    assert r.status_code == 302
    task.refresh_from_db()
    assert task.state == TaskState.ADMITTED and task.assignments.count() == 2


def test_work_list_and_mark_done(client, aworld):
    task = submit(aworld, entry="ledger", communities=("C1", "C2"))
    c = _client(client, aworld, "community_worker")
    page = c.get(reverse("servicedesk:admission_assignments")).content.decode()
    assert page.count("mark-done") == 1  # only C1's
    row = task.assignments.get(community=aworld.nodes["C1"])
    other = task.assignments.get(community=aworld.nodes["C2"])
    assert c.post(reverse("servicedesk:admission_assignment_done", args=[other.pk])).status_code == 404
    assert c.post(reverse("servicedesk:admission_assignment_done", args=[row.pk])).status_code == 302
    row.refresh_from_db()
    assert row.state == AssignmentState.DONE


def test_burden_pages(client, aworld):
    submit(aworld, entry="ledger", communities=("C1",), hours=4)
    submit(aworld, title="迎检台账", kind=TaskKind.LEDGER, communities=("C1", "C2"))
    c = _client(client, aworld, "community_worker")
    r = c.get(reverse("servicedesk:admission_burden"))
    assert r.status_code == 302  # one community: its own page
    r = c.get(r["Location"])
    rows = r.context["rows"]
    due_month = TaskAssignment.objects.get(community=aworld.nodes["C1"]).period
    cell = next(x for x in rows if x["month"] == due_month)
    assert cell["admitted"] == 1 and cell["hours"] == 4
    assert r.context["totals"]["refused"] == 1 and r.context["totals"]["admitted"] == 1
    assert c.get(reverse("servicedesk:admission_burden_community", args=[aworld.nodes["C2"].pk])).status_code == 404
    admin = client.__class__()
    login_as(admin, aworld.user("district_admin"))
    r = admin.get(reverse("servicedesk:admission_burden"))
    assert r.status_code == 200
    ranking = r.context["ranking"]
    assert ranking[0]["community"] == aworld.nodes["C1"] and ranking[0]["hours"] == 4
    assert [d["department"] for d in r.context["departments"]] == ["测试区人社局"]
    assert r.context["departments"][0]["refused"] == 1


def test_api(client, aworld):
    c = _client(client, aworld, "dept_handler")
    r = c.get("/api/v1/servicedesk/admission-entries/")
    codes = {e["code"] for e in r.json()["results"]} if "results" in r.json() else {e["code"] for e in r.json()}
    assert "ZR01" in codes and len(codes) == 5  # D1's entries only
    body = {"title": "就业困难人员台账", "kind": "ledger", "due_date": _due(), "hours": "2",
            "communities": [aworld.nodes["C1"].pk]}
    r = c.post("/api/v1/servicedesk/admission-tasks/", body, content_type="application/json")
    assert r.status_code == 201 and r.json()["state"] == "admitted"
    r = c.post("/api/v1/servicedesk/admission-tasks/", {**body, "title": "无目录台账"},
               content_type="application/json")
    assert r.status_code == 201 and r.json()["state"] == "refused" and r.json()["refusal_reason"] == "off_list"
    refused_id = r.json()["id"]
    r = c.post("/api/v1/servicedesk/admission-tasks/", {**body, "hours": "-1"},
               content_type="application/json")
    assert r.status_code == 400 and "hours" in str(r.json()), r.json()
    r = c.post("/api/v1/servicedesk/admission-tasks/", {**body, "communities": [aworld.nodes["C4"].pk]},
               content_type="application/json")
    assert r.status_code == 400 and "communities" in str(r.json()), r.json()
    r = c.post("/api/v1/servicedesk/admission-tasks/", {**body, "due_date": "2000-01-01"},
               content_type="application/json")
    assert r.status_code == 400 and "due_date" in str(r.json())
    admin = client.__class__()
    login_as(admin, aworld.user("district_admin"))
    url = f"/api/v1/servicedesk/admission-reviews/{refused_id}/decide/"
    r = admin.post(url, {"action": "exception", "note": ""}, content_type="application/json")
    assert r.status_code == 400 and "note" in str(r.json())
    r = admin.post(url, {"action": "exception", "note": "例外准入"}, content_type="application/json")
    assert r.status_code == 200 and r.json()["state"] == "admitted"
    assert [s["action"] for s in r.json()["steps"]] == ["submit", "refuse", "exception"]
