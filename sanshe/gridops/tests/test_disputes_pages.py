"""Dispute pages, the printable ledger and its export, and the disputes API."""

import io
import json

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from sanshe.core.models import AuditEntry
from sanshe.core.testing import login_as
from sanshe.gridops import services_disputes as sd
from sanshe.gridops.models import Dispute
from sanshe.gridops.models.disputes import DisputeState, SettledLevel
from sanshe.territory import registry

pytestmark = pytest.mark.django_db


def client_for(world, role):
    client = Client()
    login_as(client, world.user(role))
    return client


def make(w, summary="楼上漏水", **kwargs):
    kwargs.setdefault("parties", [{"role": "applicant", "name": "张三", "phone": "13800001234"},
                                  {"role": "respondent", "name": "李四"}])
    return sd.register_dispute(actor=w.user("grid_worker"), node=w.nodes["G1"], kind="neighbour", summary=summary,
                               **kwargs)


def test_register_through_the_page_with_a_registry_party(gworld):
    w = gworld
    cw = w.user("community_worker")
    household = registry.create_household(actor=cw, number="H1", node=w.nodes["B1"])
    resident, _ = registry.register_resident(actor=cw, household=household, name="赵六", phone="13900002222",
                                             relation="head")
    c = client_for(w, "grid_worker")
    page = c.get(reverse("gridops:dispute_create"))
    assert page.status_code == 200 and b'name="party-TOTAL_FORMS"' in page.content
    pick = c.get(reverse("gridops:dispute_resident_pick"), {"q": "赵"}).json()["results"]
    assert pick == [{"id": resident.pk, "name": "赵六", "id_number": "", "phone": "139****2222",
                     "where": "和平第一网格 1栋"}]
    assert c.get(reverse("gridops:dispute_resident_pick"), {"q": "13900002222"}).json()["results"][0]["id"] == \
        resident.pk
    data = {"node": w.nodes["G1"].pk, "kind": "neighbour", "risk_level": "orange",
            "found_on": timezone.localdate().isoformat(), "summary": "楼道堆物", "address": "1栋",
            "party-TOTAL_FORMS": "2", "party-INITIAL_FORMS": "0", "party-MIN_NUM_FORMS": "0",
            "party-MAX_NUM_FORMS": "10",
            "party-0-role": "applicant", "party-0-resident": str(resident.pk), "party-0-name": "赵六",
            "party-1-role": "respondent", "party-1-name": "钱七", "party-1-phone": "13700001111"}
    response = c.post(reverse("gridops:dispute_create"), data)
    assert response.status_code == 302
    dispute = Dispute.objects.get()
    assert response["Location"] == reverse("gridops:dispute_detail", args=[dispute.pk])
    assert dispute.risk_level == "orange" and dispute.alert_due_at is not None
    assert sorted(dispute.parties.values_list("name", flat=True)) == ["赵六", "钱七"]
    detail = c.get(response["Location"]).content.decode()
    assert "137****1111" in detail and "13700001111" not in detail and "13900002222" not in detail


def test_register_page_errors_are_400(gworld):
    c = client_for(gworld, "grid_worker")
    response = c.post(reverse("gridops:dispute_create"), {
        "node": gworld.nodes["G1"].pk, "kind": "neighbour", "risk_level": "yellow", "found_on": "2020-01-01",
        "summary": "x", "party-TOTAL_FORMS": "2", "party-INITIAL_FORMS": "0", "party-0-role": "applicant",
        "party-1-role": "respondent"})
    assert response.status_code == 400 and not Dispute.objects.exists()
    assert response.context["form"].errors


def test_session_and_outcome_pages(gworld):
    w = gworld
    d = make(w)
    c = client_for(w, "grid_worker")
    assert c.get(reverse("gridops:dispute_session", args=[d.pk])).status_code == 200
    pdf = io.BytesIO(b"%PDF-1.4\n%%EOF\n")
    pdf.name = "协议书.pdf"
    response = c.post(reverse("gridops:dispute_session", args=[d.pk]), {
        "held_on": timezone.localdate().isoformat(), "mediator_name": "王调解员", "participants": "张三、李四",
        "minutes": "达成协议", "result": "agreed", "agreement": pdf})
    assert response.status_code == 302
    d.refresh_from_db()
    assert d.state == DisputeState.MEDIATING and d.attachments.count() == 1
    attachment = d.attachments.get()
    download = c.get(reverse("gridops:dispute_attachment", args=[d.pk, attachment.pk]))
    assert download.status_code == 200 and download["Content-Type"] == "application/pdf"
    assert AuditEntry.objects.filter(action="gridops.dispute.attachment_viewed").exists()
    page = c.get(reverse("gridops:dispute_outcome", args=[d.pk]))
    assert page.status_code == 200 and "resolve" in page.content.decode()
    bad = c.post(reverse("gridops:dispute_outcome", args=[d.pk]), {"action": "resolve"})
    assert bad.status_code == 400
    ok = c.post(reverse("gridops:dispute_outcome", args=[d.pk]), {"action": "resolve", "outcome": "赔偿2000元",
                                                                  "settled_level": "community"})
    assert ok.status_code == 302
    d.refresh_from_db()
    assert d.state == DisputeState.RESOLVED and d.settled_level == SettledLevel.COMMUNITY


def test_upload_refuses_a_non_pdf(gworld):
    d = make(gworld)
    c = client_for(gworld, "grid_worker")
    fake = io.BytesIO(b"MZ\x90\x00 an exe")
    fake.name = "协议.pdf"
    response = c.post(reverse("gridops:dispute_attach", args=[d.pk]), {"kind": "agreement", "file": fake},
                      follow=True)
    assert response.status_code == 200 and d.attachments.count() == 0


def test_list_filters_and_scope(gworld):
    w = gworld
    a = make(w, summary="邻里噪音", risk_level="red")
    sd.register_dispute(actor=w.user("district_admin"), node=w.nodes["G2"], kind="family", summary="家庭矛盾",
                        parties=[{"name": "王五"}])
    c = client_for(w, "grid_worker")
    response = c.get(reverse("gridops:dispute_list"))
    assert [d.pk for d in response.context["page"]] == [a.pk]  # G2 is not his grid
    c = client_for(w, "community_worker")
    assert len(c.get(reverse("gridops:dispute_list")).context["page"]) == 2
    assert [d.pk for d in c.get(reverse("gridops:dispute_list"), {"risk_level": "red"}).context["page"]] == [a.pk]
    assert [d.pk for d in c.get(reverse("gridops:dispute_list"), {"q": "噪音"}).context["page"]] == [a.pk]
    assert c.get(reverse("gridops:dispute_list"), {"state": "bogus"}).status_code == 200


def test_ledger_print_and_export(gworld):
    w = gworld
    d = make(w, summary="=HYPERLINK(\"http://evil\")", parties=[{"name": "-张三"}])
    sd.record_session(d, actor=w.user("grid_worker"), held_on=timezone.localdate(), minutes="调解",
                      mediator_name="王调解员", result="agreed")
    sd.transition_dispute(d, "resolve", actor=w.user("grid_worker"), outcome="已化解")
    c = client_for(w, "community_worker")
    page = c.get(reverse("gridops:dispute_ledger"))
    assert page.status_code == 200
    assert len(page.context["rows"]) == 1 and len(page.context["columns"]) == 10
    assert b"disputes.css" in page.content and b'id="ledger"' in page.content
    response = c.get(reverse("gridops:dispute_ledger_export"))
    assert response.status_code == 200 and response["Content-Disposition"].endswith('.xlsx"')
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    sheet = book.worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows[0]) == 10 and rows[1][0] == 1
    assert rows[1][4].startswith("'=")  # formula-injection guard on the summary
    assert rows[1][3].startswith("'-")
    entry = AuditEntry.objects.get(action="gridops.dispute.ledger_exported")
    assert entry.user_id == w.user("community_worker").pk and entry.changes["rows"] == 1
    # another period: nothing
    empty = c.get(reverse("gridops:dispute_ledger"), {"start": "2020-01-01", "end": "2020-12-31"})
    assert empty.context["rows"] == []
    bad = c.get(reverse("gridops:dispute_ledger"), {"start": "2021-01-01", "end": "2020-12-31"})
    assert bad.status_code == 200 and bad.context["form"].errors


def test_api_disputes(gworld):
    w = gworld
    c = client_for(w, "grid_worker")
    body = {"node": w.nodes["G1"].pk, "kind": "labour", "summary": "拖欠工资", "risk_level": "red",
            "parties": [{"role": "applicant", "name": "民工甲", "phone": "13800001234"},
                        {"role": "respondent", "name": "某公司"}]}
    r1 = c.post("/api/v1/gridops/disputes/", json.dumps(body), content_type="application/json",
                HTTP_IDEMPOTENCY_KEY="abc-1")
    r2 = c.post("/api/v1/gridops/disputes/", json.dumps(body), content_type="application/json",
                HTTP_IDEMPOTENCY_KEY="abc-1")
    assert r1.status_code == 201 and r2.status_code == 201 and r1.json()["id"] == r2.json()["id"]
    assert Dispute.objects.count() == 1
    data = r1.json()
    assert data["parties"][0]["phone_masked"] == "138****1234" and "phone" not in data["parties"][0]
    assert "13800001234" not in r1.content.decode()
    pk = data["id"]
    r = c.post(f"/api/v1/gridops/disputes/{pk}/sessions/", json.dumps({
        "held_on": timezone.localdate().isoformat(), "mediator_name": "王", "minutes": "记录", "result": "agreed"}),
        content_type="application/json")
    assert r.status_code == 201 and r.json()["state"] == "mediating"
    r = c.post(f"/api/v1/gridops/disputes/{pk}/step/", json.dumps({"action": "resolve"}),
               content_type="application/json")
    assert r.status_code == 400 and "outcome" in r.json()
    r = c.post(f"/api/v1/gridops/disputes/{pk}/step/", json.dumps({"action": "resolve", "outcome": "已支付"}),
               content_type="application/json")
    assert r.status_code == 200 and r.json()["settled_level"] == "grid"
    bad = c.post("/api/v1/gridops/disputes/", json.dumps({"kind": "x", "parties": []}),
                 content_type="application/json")
    assert bad.status_code == 400
    listing = client_for(w, "street_official").get("/api/v1/gridops/disputes/").json()
    results = listing["results"] if isinstance(listing, dict) else listing
    assert [r["id"] for r in results] == [pk]
