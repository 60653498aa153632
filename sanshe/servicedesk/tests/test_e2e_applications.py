"""End to end in headless Chromium, through the pages only: the window clerk accepts an application (category →
item by htmx, the checklist, a scan) and prints the receipt; the department's handler starts it and asks for a
missing material (补正); the page shows the clock stopped; the window clerk records the materials; the handler
completes it (办结); the resident follows it by number on a phone and rates it. On the database: the deadline
moved by exactly the working time the clock stood still."""

import datetime as dt
import re

import pytest
from django.db.models import F
from playwright.sync_api import expect

from sanshe.core.testing import PASSWORD, build_world
from sanshe.core.validators import id_number_check_char
from sanshe.gridops.workcalendar import Calendar
from sanshe.servicedesk.choices import Action, ApplicationState, MaterialStatus
from sanshe.servicedesk.models import Application, ApplicationStep
from sanshe.servicedesk.services import first_deadline
from sanshe.servicedesk.testing import build_servicedesk

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
ID_NUMBER = "11010519620315001" + id_number_check_char("11010519620315001")


def login(page, base, username):
    page.context.clear_cookies()
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")


def settled(page):
    for selector in (".htmx-added", ".htmx-settling", ".htmx-request"):
        expect(page.locator(selector)).to_have_count(0)


def act(page, action, **fields):
    """Open the step's panel on the application page (if closed), fill it and submit it."""
    panel = page.locator(f"details[data-action={action}]")
    if panel.get_attribute("open") is None:
        panel.locator("summary").click()
    for name, value in fields.items():
        panel.locator(f"[name={name}]").fill(value)
    panel.locator(f"button[data-submit={action}]").click()
    page.wait_for_load_state("networkidle")


def test_an_application_through_supplement_to_done_and_rated(live_server, phone, desktop, screenshot):
    world = build_servicedesk(build_world())
    item = world.items["retire"]
    base = live_server.url
    cal = Calendar()

    # 1. The window clerk accepts an application on an office PC.
    login(desktop, base, "t_window_clerk")
    desktop.goto(f"{base}/services/window/")
    expect(desktop.locator("#window-form")).to_be_visible()
    assert desktop.locator("#station-name").inner_text() == world.stations["C1"].name  # his only station
    desktop.fill("#id_window", "2")
    with desktop.expect_response(lambda r: "/window/items/" in r.url):
        desktop.select_option("#id_category", str(item.category_id))
    settled(desktop)
    expect(desktop.locator("#id_item optgroup")).to_have_count(1)
    assert desktop.locator(f"#id_item option[value='{world.items['dibao'].pk}']").count() == 0
    with desktop.expect_response(lambda r: "/window/materials/" in r.url):
        desktop.select_option("#id_item", str(item.pk))
    settled(desktop)
    expect(desktop.locator("table.sd-checklist tbody tr")).to_have_count(3)
    optional = item.materials.get(required=False)
    desktop.check(f"input[name=material_{optional.pk}][value=not_needed]")
    desktop.fill("[data-applicant-name]", "王建国")
    desktop.fill("[data-applicant-id]", ID_NUMBER)
    desktop.fill("[data-applicant-phone]", "13800138000")
    desktop.fill("#id_description", "本人申请办理退休")
    desktop.set_input_files("#id_attachments", files=[{"name": "身份证.pdf", "mimeType": "application/pdf",
                                                       "buffer": PDF}])
    screenshot(desktop, "sd_window_filled")
    desktop.click("#window-submit")
    desktop.wait_for_url(re.compile(r"/services/applications/\d+/receipt/"))
    app = Application.objects.get()
    assert app.state == ApplicationState.RECEIVED and app.window == 2 and app.department == world.departments["hr"]
    assert app.applicant_id_masked and ID_NUMBER not in desktop.content()
    assert app.materials.get(name=optional.name).status == MaterialStatus.NOT_NEEDED
    assert app.attachments.count() == 1
    expect(desktop.locator("#receipt-number")).to_have_text(app.number)
    assert f"number={app.number}" in desktop.locator("#receipt-tracking").inner_text()
    assert desktop.locator("#notice-link").count() == 0  # nothing missing
    screenshot(desktop, "sd_receipt")
    desktop.emulate_media(media="print")
    expect(desktop.locator("header.topbar")).to_be_hidden()
    expect(desktop.locator("#print-receipt")).to_be_hidden()
    screenshot(desktop, "sd_receipt_print")
    desktop.emulate_media(media="screen")

    # 2. The department's handler finds it in his queue, starts it and asks for a missing material (补正).
    login(desktop, base, "t_dept_handler")
    desktop.goto(f"{base}/services/queue/")
    screenshot(desktop, "sd_queue")
    desktop.click(f"tr[data-application='{app.pk}'] a")
    desktop.wait_for_url(re.compile(rf"/services/applications/{app.pk}/$"))
    act(desktop, Action.START)
    assert Application.objects.get(pk=app.pk).state == ApplicationState.PROCESSING
    # a request without saying what is missing is refused, in place
    act(desktop, Action.REQUEST_SUPPLEMENT)
    expect(desktop.locator("details[data-action=request_supplement] .errorlist")).to_have_count(1)
    assert Application.objects.get(pk=app.pk).state == ApplicationState.PROCESSING
    act(desktop, Action.REQUEST_SUPPLEMENT, missing_other="社保缴费证明", note="请补交近十五年的社保缴费证明")
    app = Application.objects.get(pk=app.pk)
    assert app.state == ApplicationState.SUPPLEMENT and app.paused_since is not None
    expect(desktop.locator("#clock-stopped")).to_be_visible()
    expect(desktop.locator("[data-material-status=missing]")).to_have_count(1)
    screenshot(desktop, "sd_detail_clock_stopped")

    # The clock must stand for working days, not the seconds a test takes: the whole application is moved a
    # week back (acceptance, start, the 补正 request), its first deadline recomputed from the new acceptance.
    week = dt.timedelta(days=7)
    received = app.received_at - week
    Application.objects.filter(pk=app.pk).update(
        received_at=received, started_at=F("started_at") - week, paused_since=F("paused_since") - week,
        deadline=first_deadline(item, received, cal))
    ApplicationStep.objects.filter(application=app).update(at=F("at") - week)
    app = Application.objects.get(pk=app.pk)
    stopped_at, deadline_before = app.paused_since, app.deadline

    # 3. The window clerk records the materials: the clock runs again.
    login(desktop, base, "t_window_clerk")
    desktop.goto(f"{base}/services/applications/?state=supplement")
    screenshot(desktop, "sd_list")
    desktop.click(f"tr[data-application='{app.pk}'] a")
    expect(desktop.locator("#clock-stopped")).to_be_visible()
    assert desktop.locator("details[data-action=start]").count() == 0  # not the window's step
    act(desktop, Action.SUPPLEMENT, note="申请人已补交社保缴费证明")
    app = Application.objects.get(pk=app.pk)
    assert app.state == ApplicationState.PROCESSING and app.paused_since is None
    resumed_at = app.steps.get(action=Action.SUPPLEMENT).at
    stood = cal.working_seconds_between(stopped_at, resumed_at)
    assert stood >= 4 * cal.day_seconds  # a week holds at least four working days, even with a holiday
    assert app.paused_seconds == stood
    assert app.deadline == cal.add_working_seconds(deadline_before, stood)
    assert cal.working_seconds_between(app.received_at, app.deadline) == (
        item.time_limit_days * cal.day_seconds + stood)
    expect(desktop.locator("#deadline")).to_be_visible()
    expect(desktop.locator("#paused-total")).to_be_visible()
    screenshot(desktop, "sd_detail_resumed")

    # 4. The handler completes it (办结).
    login(desktop, base, "t_dept_handler")
    desktop.goto(f"{base}/services/applications/{app.pk}/")
    act(desktop, Action.COMPLETE, result_note="已办结，退休待遇自次月起发放")
    app = Application.objects.get(pk=app.pk)
    assert app.state == ApplicationState.DONE and app.on_time is True
    expect(desktop.locator("#result-note")).to_contain_text("退休待遇")
    screenshot(desktop, "sd_detail_done")

    # 5. The resident follows it by number on his phone (no account) and rates it.
    phone.goto(f"{base}/services/track/")
    phone.fill("#track-number", app.number)
    phone.click("#track-form button[type=submit]")
    phone.wait_for_load_state("networkidle")
    expect(phone.locator("#track-state")).to_have_text(app.get_state_display())
    expect(phone.locator("#track-applicant")).to_have_text("王**")
    content = phone.content()
    assert "13800138000" not in content and "王建国" not in content and "t_dept_handler" not in content
    assert phone.locator("#track-steps li").count() == app.steps.filter(public=True).count()
    phone.check("input[name=rating][value=satisfied]")
    phone.fill("textarea[name=comment]", "一次办好，很方便")
    phone.fill("input[name=check]", "1234")
    phone.click("#rate-submit")
    phone.wait_for_load_state("networkidle")
    expect(phone.locator("#rate-form .errorlist")).to_have_count(1)
    assert not Application.objects.get(pk=app.pk).rating
    screenshot(phone, "sd_track_wrong_digits")
    phone.check("input[name=rating][value=satisfied]")
    phone.fill("input[name=check]", "8000")
    phone.click("#rate-submit")
    phone.wait_for_load_state("networkidle")
    expect(phone.locator("#track-rated")).to_be_visible()
    assert phone.locator("#rate-form").count() == 0
    screenshot(phone, "sd_track_rated")
    app = Application.objects.get(pk=app.pk)
    assert app.rating == "satisfied" and app.rating_comment == "一次办好，很方便"
    assert list(app.steps.values_list("action", flat=True)) == [
        "accept", "start", "request_supplement", "supplement", "complete", "rate"]

    # 6. The window and the application page work on a phone too (a clerk at a mobile desk).
    login(phone, base, "t_window_clerk")
    phone.goto(f"{base}/services/window/")
    with phone.expect_response(lambda r: "/window/materials/" in r.url):
        phone.select_option("#id_item", str(item.pk))
    settled(phone)
    expect(phone.locator("table.sd-checklist tbody tr")).to_have_count(3)
    screenshot(phone, "sd_window_phone")
    phone.goto(f"{base}/services/applications/{app.pk}/")
    screenshot(phone, "sd_detail_phone")
    phone.goto(f"{base}/services/applications/{app.pk}/receipt/")
    screenshot(phone, "sd_receipt_phone")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390  # nothing sticks out sideways
