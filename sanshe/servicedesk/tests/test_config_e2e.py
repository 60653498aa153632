"""End to end in headless Chromium: the district admin adds an item with its materials and a service station
through the pages (office PC), reads the catalogue on a phone, and a resident reads the public 办事指南 on his
phone without an account."""

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from sanshe.core.testing import PASSWORD, build_world
from sanshe.servicedesk.catalogue_seed import ensure_catalogue
from sanshe.servicedesk.models import ServiceItem, ServiceStation
from sanshe.servicedesk.testing import build_servicedesk

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
ARTIFACTS = Path(__file__).resolve().parents[3] / "test-artifacts"


def top(page, name):
    """The first screen only (what a person sees before scrolling)."""
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"))


def login(page, base, username):
    page.context.clear_cookies()
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")


def test_admin_configures_the_catalogue_and_residents_read_the_guide(live_server, desktop, phone, screenshot):
    world = build_servicedesk(build_world())
    ensure_catalogue(world.nodes["D1"])
    base = live_server.url
    hr = ServiceItem.objects.get(district=world.nodes["D1"], code="SD0101").department

    # 1. The district admin's catalogue on an office PC, filtered by department.
    page = desktop
    login(page, base, "t_district_admin")
    page.goto(f"{base}/services/catalogue/")
    expect(page.locator("tr[data-item]")).to_have_count(64)
    screenshot(page, "servicedesk-catalogue-desktop")
    top(page, "servicedesk-catalogue-desktop-top")
    page.select_option("#id_department", str(hr.pk))
    page.click(".sc-filters button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert page.locator("tr[data-item]").count() == 13
    assert page.locator("tr[data-item='SD0201']").count() == 0

    # 2. A new item with its materials, one per line, an optional one marked (可选).
    page.goto(f"{base}/services/catalogue/new/")
    page.fill("#id_code", "SD0199")
    page.fill("#id_name", "高校毕业生就业见习补贴申请")
    page.select_option("#id_category", label="劳动就业和社会保障")
    page.select_option("#id_department", str(hr.pk))
    page.fill("#id_description", "用人单位吸纳离校未就业高校毕业生参加就业见习的，按月给予见习补贴。")
    page.fill("#id_eligibility", "吸纳离校2年内未就业高校毕业生参加见习的见习单位")
    page.fill("#id_time_limit_days", "15")
    page.select_option("#id_channel", "both")
    page.fill("#id_materials", "见习补贴申请表\n见习人员花名册\n见习协议书\n毕业证书复印件(可选) | 见习人员本人")
    screenshot(page, "servicedesk-item-form-desktop")
    page.click("form.sc-form button[type=submit]")
    page.wait_for_url(re.compile(r"/services/catalogue/\d+/$"))
    item = ServiceItem.objects.get(district=world.nodes["D1"], code="SD0199")
    assert [(m.name, m.required) for m in item.materials.all()] == [
        ("见习补贴申请表", True), ("见习人员花名册", True), ("见习协议书", True), ("毕业证书复印件", False)]
    expect(page.locator(".sc-materials li")).to_have_count(4)
    screenshot(page, "servicedesk-item-detail-desktop")

    # 3. A mistake is shown by the field, the input kept.
    page.goto(f"{base}/services/catalogue/{item.pk}/edit/")
    page.fill("#id_materials", "见习补贴申请表\n见习补贴申请表")
    page.click("form.sc-form button[type=submit]")
    expect(page.locator(".field.has-error textarea#id_materials")).to_have_count(1)
    screenshot(page, "servicedesk-item-form-error-desktop")

    # 4. A service station for a community.
    page.goto(f"{base}/services/stations/new/")
    page.select_option("#id_node", str(world.nodes["C3"].pk))
    page.fill("#id_name", "友谊社区党群服务中心便民服务站")
    page.fill("#id_windows", "4")
    page.fill("#id_address", "友谊路88号一楼")
    page.fill("#id_phone", "028-85551234")
    page.fill("#id_opening_hours", "周一至周五 9:00—12:00，13:30—17:30")
    page.click("form.sc-form button[type=submit]")
    page.wait_for_url(re.compile(r"/services/stations/$"))
    station = ServiceStation.objects.get(name="友谊社区党群服务中心便民服务站")
    assert station.windows == 4 and station.community_id == world.nodes["C3"].pk
    expect(page.locator(f"tr[data-station='{station.pk}']")).to_have_count(1)
    screenshot(page, "servicedesk-stations-desktop")

    # 5. The catalogue on a phone: the table becomes cards.
    login(phone, base, "t_district_admin")
    phone.goto(f"{base}/services/catalogue/?q=残疾人")
    assert phone.locator("tr[data-item]").count() >= 3
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(phone, "servicedesk-catalogue-phone")
    top(phone, "servicedesk-catalogue-phone-top")

    # 6. A resident reads the guide on his phone, no account.
    phone.context.clear_cookies()
    phone.goto(f"{base}/services/guide/")
    assert "/accounts/login/" not in phone.url
    expect(phone.locator("li[data-item]")).to_have_count(65)
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(phone, "servicedesk-guide-phone")
    top(phone, "servicedesk-guide-phone-top")
    phone.click("li[data-item='SD0201'] a.sg-name")
    phone.wait_for_url(re.compile(r"/services/guide/\d+/$"))
    expect(phone.locator(".sg-materials li")).to_have_count(5)
    assert "民政局" in phone.content() and "友谊社区党群服务中心便民服务站" in phone.content()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(phone, "servicedesk-guide-item-phone")
