"""End to end in headless Chromium, through the pages only: the department handler submits a task that is not on
the approved list and sees it refused with the reason, then one that is and sees it admitted; the community
worker (on his phone) sees the work, marks it done, and his burden page counts it."""

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from sanshe.core.testing import PASSWORD, build_world
from sanshe.servicedesk.choices_admission import AssignmentState, TaskState
from sanshe.servicedesk.models_admission import CommunityTask, TaskAssignment
from sanshe.servicedesk.testing import build_servicedesk
from sanshe.servicedesk.testing_admission import build_admission

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def login(page, base, username, password=PASSWORD):
    page.context.clear_cookies()
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")


def fill_task(page, world, title, kind, *, entry=None):
    page.fill("#id_title", title)
    page.select_option("#id_kind", kind)
    if entry is not None:
        page.select_option("#id_entry", str(entry.pk))
    page.check(f"input[name=communities][value='{world.nodes['C1'].pk}']")
    page.fill("#id_due_date", (timezone.localdate() + dt.timedelta(days=10)).isoformat())
    page.fill("#id_hours", "3")


def test_task_refused_then_admitted_done_and_counted(live_server, desktop, phone, screenshot):
    world = build_admission(build_servicedesk(build_world()))
    base = live_server.url

    # 1. Off the list: refused at the gate, with the reason on the page.
    login(desktop, base, "t_dept_handler")
    desktop.goto(f"{base}/services/admission/tasks/new/")
    fill_task(desktop, world, "创建文明城市迎检台账", "ledger")
    screenshot(desktop, "servicedesk-admission-submit")
    desktop.click("#task-submit")
    desktop.wait_for_url(re.compile(r"/services/admission/tasks/\d+/$"))
    refused = CommunityTask.objects.get(title="创建文明城市迎检台账")
    assert refused.state == TaskState.REFUSED
    expect(desktop.locator("#task-reason")).to_contain_text(refused.get_refusal_reason_display())
    expect(desktop.locator("#task-reason")).to_contain_text("创建文明城市迎检台账")
    screenshot(desktop, "servicedesk-admission-refused")

    # 2. On the list: admitted, one piece of work for 和平社区.
    desktop.goto(f"{base}/services/admission/tasks/new/")
    fill_task(desktop, world, "就业困难人员台账", "ledger", entry=world.entries["ledger"])
    desktop.click("#task-submit")
    desktop.wait_for_url(re.compile(r"/services/admission/tasks/\d+/$"))
    admitted = CommunityTask.objects.get(title="就业困难人员台账")
    assert admitted.state == TaskState.ADMITTED
    expect(desktop.locator("#assignment-table")).to_contain_text("和平社区")
    desktop.goto(f"{base}/services/admission/tasks/")
    expect(desktop.locator("#task-table")).to_contain_text(refused.number)
    expect(desktop.locator("#task-table")).to_contain_text(admitted.number)
    screenshot(desktop, "servicedesk-admission-tasks")

    # 3. The community worker, on his phone, sees the work and marks it done.
    login(phone, base, "t_community_worker")
    phone.goto(f"{base}/services/admission/work/")
    row = phone.locator("#work-table tbody tr", has_text="就业困难人员台账")
    expect(row).to_have_count(1)
    screenshot(phone, "servicedesk-admission-work-phone")
    row.locator("button.mark-done").click()
    phone.wait_for_load_state("networkidle")
    work = TaskAssignment.objects.get(task=admitted)
    assert work.state == AssignmentState.DONE
    expect(phone.locator("#work-table")).not_to_contain_text("就业困难人员台账")

    # 4. The burden page counts it: one admitted ledger, one refused, 3 hours, in the work's month.
    phone.goto(f"{base}/services/admission/burden/")
    phone.wait_for_url(re.compile(r"/services/admission/burden/\d+/$"))
    month = phone.locator(f"#burden-table tr[data-month='{work.period:%Y-%m}']")
    expect(month.locator("td.admitted")).to_have_text("1")
    expect(month.locator("td.hours")).to_have_text(re.compile(r"^3(\.0)?$"))
    expect(phone.locator("#burden-table tfoot")).to_contain_text("1")
    refused_month = phone.locator(f"#burden-table tr[data-month='{timezone.localdate():%Y-%m}'] td.refused")
    expect(refused_month).to_have_text("1")
    expect(phone.locator("#burden-chart canvas").first).to_be_visible()
    screenshot(phone, "servicedesk-admission-burden-phone")

    # 5. The district admin's ranking and review queue.
    login(desktop, base, "t_district_admin")
    desktop.goto(f"{base}/services/admission/burden/")
    expect(desktop.locator("#ranking-table tbody tr").first).to_contain_text("和平社区")
    expect(desktop.locator("#department-table")).to_contain_text("测试区人社局")
    screenshot(desktop, "servicedesk-admission-burden-district")
    desktop.goto(f"{base}/services/admission/list/")
    screenshot(desktop, "servicedesk-admission-list")


def test_burden_pages_on_the_demo_district(live_server, desktop, phone, screenshot):
    """The demo's year of tasks: the district ranking and one community's months render and add up."""
    from sanshe.accounts.demo import DEMO_PASSWORD

    from .test_admission_demo import _seed

    ctx = _seed()
    base = live_server.url
    login(desktop, base, "district_admin", DEMO_PASSWORD)
    desktop.goto(f"{base}/services/admission/burden/")
    rows = desktop.locator("#ranking-table tbody tr")
    expect(rows).to_have_count(6)
    expect(desktop.locator("#department-table tbody tr").first).to_be_visible()
    expect(desktop.locator("#burden-chart canvas").first).to_be_visible()
    screenshot(desktop, "servicedesk-admission-burden-demo")
    desktop.goto(f"{base}/services/admission/review/?state=refused")
    expect(desktop.locator("#task-table tbody tr").first.locator(".tag-bad")).to_be_visible()
    screenshot(desktop, "servicedesk-admission-review-demo")
    login(phone, base, "community_worker", DEMO_PASSWORD)
    phone.goto(f"{base}/services/admission/burden/{ctx.nodes['community'].pk}/")
    expect(phone.locator("#burden-table tbody tr")).to_have_count(14)
    screenshot(phone, "servicedesk-admission-burden-demo-phone")
