"""End to end in headless Chromium, through the pages only, the five orders (五单法): a resident places a need
on his phone (群众点单) → the party secretary issues an order for it (下单) → the social organization accepts it
(接单) → the supervisor records a check (督单) → the provider reports it done, the resident evaluates it on his
phone and the street official verifies it (验单) → the public page shows the four publicities (四公开)."""

import re

import pytest
from playwright.sync_api import expect

from sanshe.core.testing import PASSWORD, build_world
from sanshe.servicedesk.choices_orders import OrderState
from sanshe.servicedesk.models_orders import DemandOrder, Need
from sanshe.servicedesk.testing import build_servicedesk
from sanshe.servicedesk.testing_orders import build_orders

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def login(page, base, username):
    page.context.clear_cookies()
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")


def test_a_need_through_the_five_orders(live_server, desktop, phone, screenshot):
    world = build_orders(build_servicedesk(build_world()))
    base = live_server.url

    # 1. 群众点单: the resident, on his phone.
    login(phone, base, "t_resident")
    phone.goto(f"{base}/services/needs/new/")
    phone.select_option("#id_kind", value="elderly")
    phone.fill("#id_title", "希望社区开办老年助餐点")
    phone.fill("#id_description", "小区独居老人多，中午吃饭不方便")
    screenshot(phone, "servicedesk-orders-1-need-phone")
    phone.click("#need-form button[type=submit]")
    phone.wait_for_url(re.compile(r"/services/needs/\d+/$"))
    need = Need.objects.get()
    expect(phone.locator("#need-number")).to_have_text(need.number)
    expect(phone.locator("#need-state")).to_have_text(str(need.get_state_display()))
    phone.goto(f"{base}/services/needs/")
    expect(phone.locator(f"[data-need='{need.pk}']")).to_be_visible()
    screenshot(phone, "servicedesk-orders-1-my-needs-phone")

    # 2. 社区党组织下单: the party secretary at the review desk.
    login(desktop, base, "t_party_secretary")
    desktop.goto(f"{base}/services/orders/desk/")
    desktop.check(f"#need-{need.pk}")
    desktop.fill("#id_title", "老年助餐服务")
    desktop.fill("#id_content", "为辖区独居老人每周五天提供午餐")
    desktop.fill("#id_budget", "36000")
    desktop.select_option("#id_fund_source", value="purchase")
    desktop.fill("#id_responsible_member", "李建国")
    desktop.check(f"input[name=invited][value='{world.providers['p1'].pk}']")
    screenshot(desktop, "servicedesk-orders-2-desk")
    desktop.click("#issue-button")
    desktop.wait_for_url(re.compile(r"/services/orders/\d+/$"))
    order = DemandOrder.objects.get()
    expect(desktop.locator("#order-state")).to_have_text(str(OrderState.ISSUED.label))

    # 3. 社会组织接单: the provider accepts; the party secretary chooses it.
    login(desktop, base, "t_social_org")
    desktop.goto(f"{base}/services/offers/")
    desktop.click(f"[data-order='{order.pk}'] a >> nth=0")
    desktop.wait_for_url(re.compile(rf"/services/offers/{order.pk}/$"))
    desktop.fill("#accept-plan", "组建助餐服务队，两周内开餐")
    desktop.click("#accept-button")
    expect(desktop.locator("#order-bids")).to_contain_text("阳光社工服务中心")
    login(desktop, base, "t_party_secretary")
    desktop.goto(f"{base}/services/orders/{order.pk}/")
    desktop.click("#choose-button")
    expect(desktop.locator("#order-provider")).to_have_text("阳光社工服务中心")

    # 4. 社区监委会督单: the supervisor records a check.
    login(desktop, base, "t_supervisor")
    desktop.goto(f"{base}/services/orders/{order.pk}/")
    desktop.fill("#check-finding", "助餐点卫生良好，菜品符合要求")
    desktop.click("#check-button")
    expect(desktop.locator("#order-checks")).to_contain_text("助餐点卫生良好")
    screenshot(desktop, "servicedesk-orders-4-supervised")

    # the provider reports the work done
    login(desktop, base, "t_social_org")
    desktop.goto(f"{base}/services/offers/{order.pk}/")
    desktop.fill("#finish-note", "已连续开餐一个月")
    desktop.click("#finish-button")
    expect(desktop.locator("#order-state")).to_have_text(str(OrderState.SUBMITTED.label))

    # 5. the resident evaluates on his phone; 街道党工委验单: the street official verifies.
    phone.goto(f"{base}/services/needs/{need.pk}/")
    phone.check("#need-evaluate input[value=satisfied]")
    phone.fill("#need-evaluate input[name=comment]", "饭菜可口")
    screenshot(phone, "servicedesk-orders-5-evaluate-phone")
    phone.click("#need-evaluate button[type=submit]")
    expect(phone.locator("#need-rating")).to_contain_text("饭菜可口")
    login(desktop, base, "t_street_official")
    desktop.goto(f"{base}/services/orders/{order.pk}/")
    desktop.fill("#verify-note", "现场查验合格")
    desktop.click("#verify-button")
    expect(desktop.locator("#order-state")).to_have_text(str(OrderState.CLOSED.label))
    expect(desktop.locator("#order-timeline li")).to_have_count(7)
    screenshot(desktop, "servicedesk-orders-5-closed")
    order.refresh_from_db()
    assert order.state == OrderState.CLOSED and Need.objects.get().rating == "satisfied"
    desktop.goto(f"{base}/services/orders/stats/")
    expect(desktop.locator("[data-stage=closed] [data-count]")).to_have_text("1")
    screenshot(desktop, "servicedesk-orders-stats")

    # 6. 四公开: the public page, no account, on a phone.
    phone.context.clear_cookies()
    phone.goto(f"{base}/services/orders/public/{world.nodes['C1'].pk}/")
    card = phone.locator(f"[data-order='{order.number}']")
    expect(card).to_contain_text("为辖区独居老人每周五天提供午餐")
    expect(card.locator("[data-provider]")).to_have_text("阳光社工服务中心")
    expect(card.locator("[data-fund]")).to_contain_text("36000")
    expect(card.locator("[data-member]")).to_have_text("李建国")
    assert "希望社区开办老年助餐点" not in phone.content()
    screenshot(phone, "servicedesk-orders-6-public-phone")
