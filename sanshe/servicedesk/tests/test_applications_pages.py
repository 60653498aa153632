"""The one window's pages: accepting (station, item by category, checklist, applicant from the register or typed,
scans), the receipt and the 一次性告知书, the list, the department's queue, the application page with its steps
and refusals, the scans' download."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from sanshe.accounts.models import RoleGrant
from sanshe.accounts.roles import Role
from sanshe.core.models import AuditEntry
from sanshe.core.testing import login_as
from sanshe.servicedesk.choices import Action, ApplicationState, MaterialStatus
from sanshe.servicedesk.models import Application
from sanshe.servicedesk.services import transition
from sanshe.servicedesk.testing import accept
from sanshe.territory.tests.matrix_registry_search import make_resident

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.4\n%%EOF\n"
WINDOW = reverse("servicedesk:window")


def client_for(world, role) -> Client:
    client = Client()
    login_as(client, world.user(role))
    return client


def window_data(world, item="retire", **extra):
    return {"station": world.stations["C1"].pk, "window": "1", "item": world.items[item].pk,
            "applicant_name": "王大爷", "applicant_phone": "13800138000", "description": "申请", **extra}


# --- the window ------------------------------------------------------------------------------------------------
def test_the_window_offers_the_clerks_station_and_the_districts_items(sworld):
    response = client_for(sworld, "window_clerk").get(WINDOW)
    assert response.status_code == 200
    form = response.context["form"]
    assert form.single_station == sworld.stations["C1"]
    assert set(form.fields["item"].queryset) == {sworld.items["retire"], sworld.items["dibao"]}
    assert b'id="station-name"' in response.content


def test_a_clerk_reaching_several_stations_picks_one(sworld):
    clerk = sworld.user("window_clerk")
    RoleGrant.objects.create(user=clerk, role=Role.WINDOW_CLERK, node=sworld.nodes["C2"])
    response = client_for(sworld, "window_clerk").get(WINDOW)
    form = response.context["form"]
    assert form.single_station is None
    assert set(form.fields["station"].queryset) == {sworld.stations["C1"], sworld.stations["C2"]}
    assert b'id="station-name"' not in response.content


def test_category_narrows_the_items_and_the_item_brings_its_checklist(sworld):
    client = client_for(sworld, "window_clerk")
    retire, dibao = sworld.items["retire"], sworld.items["dibao"]
    response = client.get(reverse("servicedesk:window_items"), {"category": retire.category_id})
    assert response.status_code == 200 and retire.name.encode() in response.content
    assert f'value="{dibao.pk}"'.encode() not in response.content
    response = client.get(reverse("servicedesk:window_materials"), {"item": retire.pk})
    body = response.content.decode()
    assert body.count('type="radio"') == 3 * 3
    assert retire.department.name in body
    # an item of another district is not offered
    response = client.get(reverse("servicedesk:window_materials"), {"item": sworld.items["other"].pk})
    assert 'type="radio"' not in response.content.decode()


def test_accepting_with_a_missing_material_prints_receipt_and_notice(sworld):
    client = client_for(sworld, "window_clerk")
    item = sworld.items["retire"]
    book = item.materials.get(name="户口簿")
    photo = item.materials.get(required=False)
    response = client.post(WINDOW, {
        **window_data(sworld), f"material_{book.pk}": "missing", f"material_{photo.pk}": "not_needed",
        "attachments": [SimpleUploadedFile("a.pdf", PDF, content_type="application/pdf"),
                        SimpleUploadedFile("b.pdf", PDF, content_type="application/pdf")]})
    app = Application.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("servicedesk:application_receipt",
                                                                            args=[app.pk])
    assert app.state == ApplicationState.SUPPLEMENT and app.window == 1 and app.attachments.count() == 2
    assert app.materials.get(name="户口簿").status == MaterialStatus.MISSING
    assert app.materials.get(name=photo.name).status == MaterialStatus.NOT_NEEDED
    receipt = client.get(response["Location"])
    body = receipt.content.decode()
    assert app.number in body and 'id="receipt"' in body and "13800138000" not in body
    assert reverse("servicedesk:application_notice", args=[app.pk]) in body
    assert f"/services/track/?number={app.number}" in body
    notice = client.get(reverse("servicedesk:application_notice", args=[app.pk])).content.decode()
    assert 'id="notice-missing"' in notice and "户口簿" in notice and "身份证原件及复印件" not in notice
    assert 'style="' not in body + notice  # CSP: no inline styles


def test_a_resident_from_the_register_is_the_applicant(sworld):
    resident = make_resident(sworld, name="李桂芳")
    outside = make_resident(sworld, inside=False, name="李远方")
    client = client_for(sworld, "window_clerk")
    found = client.get(reverse("servicedesk:window_resident_pick"), {"q": "李"}).json()["results"]
    assert [r["id"] for r in found] == [resident.pk]
    assert found[0]["phone"] == "138****1111"
    response = client.post(WINDOW, window_data(sworld, applicant_name="", applicant_phone="",
                                               resident=str(resident.pk)))
    assert response.status_code == 302
    app = Application.objects.get()
    assert app.resident == resident and app.applicant_name == "李桂芳" and app.household == resident.household
    # a resident outside the clerk's register is refused, not used
    response = client.post(WINDOW, window_data(sworld, applicant_name="", resident=str(outside.pk)))
    assert response.status_code == 400 and Application.objects.count() == 1


def test_bad_input_is_shown_on_the_form(sworld):
    client = client_for(sworld, "window_clerk")
    response = client.post(WINDOW, window_data(sworld, applicant_name="", applicant_phone="123",
                                               applicant_id_number="110105198001010000", window="9"))
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert {"applicant_name"} <= errors.keys()
    response = client.post(WINDOW, window_data(sworld, applicant_phone="123",
                                               applicant_id_number="110105198001010000", window="9"))
    errors = response.context["form"].errors
    assert {"applicant_phone", "applicant_id_number", "window"} <= errors.keys()
    response = client.post(WINDOW, window_data(sworld, item="other"))
    assert "item" in response.context["form"].errors
    assert not Application.objects.exists()


# --- lists -----------------------------------------------------------------------------------------------------
def test_the_list_is_scoped_filtered_and_overdue_first(sworld):
    now = timezone.now()
    late = accept(sworld, at=now - dt.timedelta(days=60))
    fresh = accept(sworld, item="dibao")
    client = client_for(sworld, "window_clerk")
    response = client.get(reverse("servicedesk:application_list"))
    rows = list(response.context["page"].object_list)
    assert [a.pk for a in rows] == [late.pk, fresh.pk] and rows[0].overdue and not rows[1].overdue
    assert response.context["counts"]["overdue"] == 1
    assert b"sd-row-overdue" in response.content
    response = client.get(reverse("servicedesk:application_list"), {"overdue": "on"})
    assert [a.pk for a in response.context["page"].object_list] == [late.pk]
    response = client.get(reverse("servicedesk:application_list"),
                          {"department": sworld.departments["civil"].pk, "state": "open"})
    assert [a.pk for a in response.context["page"].object_list] == [fresh.pk]
    today = timezone.localdate().isoformat()
    response = client.get(reverse("servicedesk:application_list"), {"start": today, "end": today})
    assert [a.pk for a in response.context["page"].object_list] == [fresh.pk]
    # the street official sees them, a window clerk of another community does not
    assert client_for(sworld, "street_official").get(reverse("servicedesk:application_list")).context[
        "page"].paginator.count == 2
    RoleGrant.objects.filter(user=sworld.users["window_clerk"]).update(node=sworld.nodes["C2"])
    assert client_for(sworld, "window_clerk").get(reverse("servicedesk:application_list")).context[
        "page"].paginator.count == 0


def test_the_queue_shows_the_departments_applications_open_first(sworld):
    handler = sworld.user("dept_handler")
    done = accept(sworld)
    transition(done, Action.COMPLETE, actor=handler)
    waiting = accept(sworld)
    accept(sworld, item="dibao")  # another department's
    client = client_for(sworld, "dept_handler")
    response = client.get(reverse("servicedesk:queue"))
    assert [a.pk for a in response.context["page"].object_list] == [waiting.pk]
    assert 0 < response.context["page"].object_list[0].remaining_days <= 20
    response = client.get(reverse("servicedesk:queue"), {"show": "all"})
    assert [a.pk for a in response.context["page"].object_list] == [waiting.pk, done.pk]


# --- the application page --------------------------------------------------------------------------------------
def test_the_department_handles_from_the_application_page(sworld):
    app = accept(sworld)
    client = client_for(sworld, "dept_handler")
    url = reverse("servicedesk:application_detail", args=[app.pk])
    response = client.get(url)
    assert response.status_code == 200
    assert [p["action"] for p in response.context["panels"]] == ["start", "complete", "request_supplement",
                                                                  "refuse", "comment"]
    assert b"138****8000" in response.content and b"13800138000" not in response.content
    action = reverse("servicedesk:application_action", args=[app.pk])
    # a refusal without a reason: 400, the error on the refuse panel
    response = client.post(action, {"action": "refuse"})
    assert response.status_code == 400
    panel = next(p for p in response.context["panels"] if p["action"] == "refuse")
    assert panel["open"] and "note" in panel["form"].errors
    assert client.post(action, {"action": "start"}).status_code == 302
    response = client.post(action, {"action": "request_supplement", "missing": ["户口簿"],
                                    "missing_other": "社保缴费证明\n", "note": "请补交"})
    assert response.status_code == 302
    app.refresh_from_db()
    assert app.state == ApplicationState.SUPPLEMENT
    assert set(app.materials.filter(status=MaterialStatus.MISSING).values_list("name", flat=True)) == {
        "户口簿", "社保缴费证明"}
    page = client.get(url)
    assert b'id="clock-stopped"' in page.content
    # a step that is no longer possible: its error on top
    response = client.post(action, {"action": "start"})
    assert response.status_code == 400 and response.context["stray_errors"]
    # the window completes the materials; the department finishes
    clerk = client_for(sworld, "window_clerk")
    assert clerk.post(action, {"action": "supplement"}).status_code == 302
    assert client.post(action, {"action": "complete", "result_note": "已办结"}).status_code == 302
    app.refresh_from_db()
    assert app.state == ApplicationState.DONE and app.result_note == "已办结"


def test_only_the_departments_staff_reach_an_application_without_territory(sworld):
    mine, other = accept(sworld), accept(sworld, item="dibao")
    client = client_for(sworld, "dept_handler")
    assert client.get(reverse("servicedesk:application_detail", args=[mine.pk])).status_code == 200
    assert client.get(reverse("servicedesk:application_detail", args=[other.pk])).status_code == 403
    assert client_for(sworld, "grid_worker").get(
        reverse("servicedesk:application_detail", args=[mine.pk])).status_code == 403
    assert client.get(reverse("servicedesk:application_list")).status_code == 403


def test_a_scan_downloads_audited(sworld):
    app = accept(sworld, attachments=[SimpleUploadedFile("身份证.pdf", PDF, content_type="application/pdf")])
    attachment = app.attachments.get()
    response = client_for(sworld, "window_clerk").get(
        reverse("servicedesk:application_attachment", args=[app.pk, attachment.pk]))
    assert response.status_code == 200 and b"".join(response.streaming_content) == PDF
    assert response["Cache-Control"] == "no-store"
    assert AuditEntry.objects.filter(action="servicedesk.application.attachment_viewed",
                                     object_id=str(app.pk)).count() == 1
    other = accept(sworld)
    assert client_for(sworld, "window_clerk").get(
        reverse("servicedesk:application_attachment", args=[other.pk, attachment.pk])).status_code == 404


def test_list_pages_do_not_query_per_row(sworld):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries(client, url):
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx)

    clerk, handler = client_for(sworld, "window_clerk"), client_for(sworld, "dept_handler")
    list_url, queue_url = reverse("servicedesk:application_list"), reverse("servicedesk:queue")
    accept(sworld)
    before = (queries(clerk, list_url), queries(handler, queue_url), queries(clerk, "/api/v1/servicedesk/applications/"))
    for _ in range(5):
        accept(sworld)
    after = (queries(clerk, list_url), queries(handler, queue_url), queries(clerk, "/api/v1/servicedesk/applications/"))
    assert after == before
