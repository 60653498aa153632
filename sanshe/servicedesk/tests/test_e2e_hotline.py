"""End to end in headless Chromium, through the pages only: the hotline operator records a call on an office PC
and turns it into an event of the grid workflow; a resident leaves a message on a phone without an account; the
community worker answers it from his inbox; the public answers page shows the answer with the name masked and
no phone."""

import pytest
from playwright.sync_api import expect

from sanshe.core.testing import PASSWORD, build_world
from sanshe.gridops.choices import Source
from sanshe.servicedesk.choices_hotline import CallState, MessageState
from sanshe.servicedesk.models_hotline import HotlineCall, Message
from sanshe.servicedesk.testing import build_servicedesk
from sanshe.servicedesk.testing_hotline import PHONE, build_hotline

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def login(page, base, username):
    page.context.clear_cookies()
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")


def test_a_call_becomes_an_event_and_a_message_is_answered_in_public(live_server, phone, desktop, screenshot):
    world = build_hotline(build_servicedesk(build_world()))
    base = live_server.url

    # 1. The operator records a call.
    login(desktop, base, "t_hotline_operator")
    desktop.goto(f"{base}/services/hotline/")
    expect(desktop.locator("#hotline-figures")).to_be_visible()
    form = desktop.locator("#call-form")
    form.locator("[name=caller_name]").fill("王建国")
    form.locator("[name=phone]").fill(PHONE)
    form.locator("[name=community]").select_option(str(world.nodes["C1"].pk))
    form.locator("[name=category]").select_option("complaint")
    form.locator("[name=content]").fill("小区门口垃圾堆了三天没人清运")
    screenshot(desktop, "hl_desk_filled")
    form.locator("button[type=submit]").click()
    desktop.wait_for_load_state("networkidle")
    expect(desktop.locator("#call-state")).to_have_text(str(CallState.NEW.label))
    expect(desktop.locator("body")).to_contain_text("139****5678")
    screenshot(desktop, "hl_call_new")

    # 2. … and turns it into an event.
    panel = desktop.locator("#panel-event")
    panel.locator("summary").click()
    panel.locator("[name=event_category]").select_option(str(world.categories["0301"].pk))
    panel.locator("button[type=submit]").click()
    desktop.wait_for_load_state("networkidle")
    expect(desktop.locator("#call-state")).to_have_text(str(CallState.TRANSFERRED.label))
    expect(desktop.locator("#call-outcome")).to_be_visible()
    screenshot(desktop, "hl_call_event")
    call = HotlineCall.objects.get(caller_name="王建国")
    assert call.event is not None and call.event.source == Source.HOTLINE
    assert call.household == world.resident.household

    # 2b. The same caller rings again: the desk shows the open call while the phone is typed in.
    desktop.goto(f"{base}/services/hotline/")
    form = desktop.locator("#call-form")
    form.locator("[name=community]").select_option(str(world.nodes["C1"].pk))
    form.locator("[name=phone]").fill(PHONE)
    form.locator("[name=caller_name]").click()  # leaving the phone field fires its change
    expect(desktop.locator("#repeats-found")).to_contain_text(call.number)
    for selector in (".htmx-added", ".htmx-settling", ".htmx-request"):
        expect(desktop.locator(selector)).to_have_count(0)
    screenshot(desktop, "hl_desk_repeat")

    # 3. A resident leaves a message on a phone, without an account.
    phone.goto(f"{base}/services/mailbox/")
    box = phone.locator("#message-form")
    box.locator("input[name=kind][value=message]").check()
    box.locator("[name=node]").select_option(str(world.nodes["C1"].pk))
    box.locator("[name=name]").fill("欧阳小明")
    box.locator("[name=phone]").fill("13655556666")
    box.locator("[name=subject]").fill("晚上广场舞太吵")
    box.locator("[name=content]").fill("每天晚上十点后还在跳，影响休息。")
    screenshot(phone, "hl_box_phone")
    box.locator("button[type=submit]").click()
    phone.wait_for_load_state("networkidle")
    expect(phone.locator("#message-thanks")).to_be_visible()
    message = Message.objects.get(subject="晚上广场舞太吵")

    # 4. The community worker answers it.
    login(desktop, base, "t_community_worker")
    desktop.goto(f"{base}/services/messages/")
    desktop.get_by_role("link", name=message.number).click()
    desktop.wait_for_load_state("networkidle")
    desktop.locator("#message-answer-form [name=answer]").fill("已与广场舞队协商，晚上九点半前结束。")
    desktop.locator("#message-answer-form button[type=submit]").click()
    desktop.wait_for_load_state("networkidle")
    expect(desktop.locator("#message-answer")).to_contain_text("九点半")
    message.refresh_from_db()
    assert message.state == MessageState.ANSWERED

    # 5. The public page shows the answer, no personal data.
    phone.goto(f"{base}/services/mailbox/answers/")
    answers = phone.locator("#answers")
    expect(answers).to_contain_text("晚上广场舞太吵")
    expect(answers).to_contain_text("九点半")
    expect(answers).to_contain_text("欧***")
    expect(answers).not_to_contain_text("欧阳小明")
    expect(answers).not_to_contain_text("6666")
    screenshot(phone, "hl_answers_phone")
