"""End to end in headless Chromium, through the pages only: the social worker (on his phone) opens a case for a
resident, records the assessment, the plan, a session with notes, and closes the case; a community worker sees the
case's title and state but not one word of its notes."""

import re

import pytest
from playwright.sync_api import expect

from sanshe.core.models import AuditEntry
from sanshe.core.testing import PASSWORD, build_world
from sanshe.socialwork.models import Case
from sanshe.socialwork.testing_practice import build_practice

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def login(page, base, username, password=PASSWORD):
    page.context.clear_cookies()
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")


def test_case_from_intake_to_closure_and_notes_stay_confidential(live_server, phone, desktop, screenshot):
    world = build_practice(build_world())
    base = live_server.url

    login(phone, base, "t_social_worker")
    phone.goto(f"{base}/socialwork/practice/my/cases/")
    phone.click("#case-new")
    phone.fill("#client-search input[name=q]", "赵")
    phone.click("#client-search button")
    phone.click("text=赵大爷")
    expect(phone.locator("#chosen-client")).to_contain_text("赵大爷")
    form = phone.locator("#case-form")
    form.locator("#id_title").fill("独居老人情绪支持")
    form.locator("#id_kind").select_option("elderly")
    form.locator("#id_referral_source").select_option("grid")
    form.locator("#id_supervisor").select_option(str(world.sw["sup"].pk))
    form.locator("#id_problem").fill("老伴去世后情绪低落")
    screenshot(phone, "socialwork-practice-intake")
    form.locator("button[type=submit]").click()
    phone.wait_for_url(re.compile(r"/socialwork/practice/my/cases/\d+/$"))
    expect(phone.locator("#case-state")).to_have_class(re.compile("swp-state-intake"))

    phone.locator("#assess-form textarea").fill("社会支持薄弱，睡眠差")
    phone.locator("#assess-form button").click()
    expect(phone.locator("#case-state")).to_have_class(re.compile("swp-state-assessment"))
    phone.locator("#plan-form textarea[name=plan]").fill("每周家访一次")
    phone.locator("#plan-form textarea[name=goals]").fill("每周外出一次\n结识两位邻居")
    phone.locator("#plan-form button").click()
    expect(phone.locator("#case-state")).to_have_class(re.compile("swp-state-planning"))
    phone.locator("#start-form button").click()
    expect(phone.locator("#case-state")).to_have_class(re.compile("swp-state-serving"))

    session = phone.locator("#session-form")
    session.locator("#id_hours").fill("1.5")
    session.locator("#id_method").select_option("home_visit")
    session.locator("#id_notes").fill("家访：谈到失眠与对子女的思念")
    session.locator("button[type=submit]").click()
    expect(phone.locator("#session-list")).to_contain_text("家访：谈到失眠与对子女的思念")
    screenshot(phone, "socialwork-practice-case")

    phone.locator("#sec-closure summary").first.click()
    close = phone.locator("#close-form")
    close.locator("#id_outcome").select_option("achieved")
    close.locator("#id_closure_note").fill("情绪稳定，结案")
    close.locator("button[type=submit]").click()
    expect(phone.locator("#case-state")).to_have_class(re.compile("swp-state-closed"))
    expect(phone.locator("#closure-text")).to_contain_text("情绪稳定，结案")

    case = Case.objects.get(title="独居老人情绪支持")
    assert case.state == "closed"
    assert AuditEntry.objects.filter(action="socialwork.case.notes_read", object_id=str(case.pk)).count() >= 6

    # the community worker of 和平社区: the title and state, never the notes
    login(desktop, base, "t_community_worker")
    desktop.goto(f"{base}/socialwork/practice/cases/")
    desktop.click("text=独居老人情绪支持")
    expect(desktop.locator("#case-title")).to_contain_text("独居老人情绪支持")
    expect(desktop.locator("#notes-withheld")).to_be_visible()
    for secret in ("失眠", "社会支持薄弱", "每周家访", "情绪稳定，结案", "老伴去世"):
        expect(desktop.locator("body")).not_to_contain_text(secret)
    screenshot(desktop, "socialwork-practice-case-staff")
    response = desktop.goto(f"{base}/socialwork/practice/my/cases/{case.pk}/notes/")
    assert response.status == 403
