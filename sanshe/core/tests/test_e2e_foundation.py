"""End to end in headless Chromium: a grid worker logs in and sees his own grid only."""

import re

import pytest

from sanshe.accounts.roles import Role
from sanshe.core.testing import PASSWORD, build_world

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def login(page, base, username, password=PASSWORD):
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit], input[type=submit]")
    page.wait_for_load_state("networkidle")


def test_grid_worker_sees_his_grid_only(live_server, phone, screenshot):
    world = build_world()
    base = live_server.url
    page = phone
    page.goto(f"{base}/")
    assert "/accounts/login/" in page.url
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    assert "登录" in page.content()
    screenshot(page, "foundation-login-phone")

    login(page, base, "t_grid_worker")
    assert page.url.rstrip("/") == base
    screenshot(page, "foundation-home-grid-worker")

    page.goto(f"{base}/territory/")
    body = page.inner_text("main")
    assert "和平第一网格" in body
    for other in ("和平第二网格", "团结第一网格", "和平社区", "幸福街道", "远方第一网格"):
        assert other not in body, other
    screenshot(page, "foundation-territory-grid-worker")

    page.get_by_role("link", name=re.compile("和平第一网格")).first.click()
    page.wait_for_load_state("networkidle")
    assert "和平第一网格小区" in page.inner_text("main")
    screenshot(page, "foundation-grid-detail")

    sibling = world.nodes["G2"].pk
    response = page.goto(f"{base}/territory/{sibling}/")
    assert response.status == 404
    api = page.request.get(f"{base}/api/v1/territory/nodes/{sibling}/")
    assert api.status == 404
    own = page.request.get(f"{base}/api/v1/territory/nodes/").json()
    codes = {row["code"] for row in own["results"]}
    assert codes and all(code.startswith(world.nodes["G1"].code) for code in codes)

    assert world.user(Role.GRID_WORKER).is_authenticated


def _totp_from_page(page) -> str:
    import base64

    from django_otp.oath import totp

    secret = page.inner_text("code.secret").strip().replace(" ", "")
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    return f"{totp(key):06d}"


def test_district_admin_adds_a_grid_and_the_audit_admin_sees_it(live_server, desktop, screenshot):
    world = build_world()
    base = live_server.url
    page = desktop
    console_errors = []
    page.on("console", lambda msg: console_errors.append(msg.text) if msg.type == "error" else None)

    login(page, base, "t_district_admin")
    community = world.nodes["C1"]
    page.goto(f"{base}/territory/{community.pk}/")
    page.get_by_role("link", name=re.compile("新建")).first.click()
    page.fill("input[name=name]", "和平第三网格")
    page.click("form.stacked button[type=submit], main form button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert "和平第三网格" in page.inner_text("main")
    assert "510199001001003" in page.inner_text("main")
    screenshot(page, "foundation-grid-created")

    page.goto(f"{base}/api/docs/")
    page.wait_for_selector(".swagger-ui .info", timeout=15000)
    screenshot(page, "foundation-api-docs")
    page.goto(f"{base}/")
    page.click("header form button[type=submit]")  # log out
    page.wait_for_load_state("networkidle")

    # The audit administrator needs his second factor: set it up on the page with the secret it shows.
    login(page, base, "t_audit_admin")
    assert "/accounts/otp/" in page.url
    page.fill("input[name=token]", _totp_from_page(page))
    page.click("main form button[type=submit]")
    page.wait_for_load_state("networkidle")
    page.goto(f"{base}/audit/?action=territory.node.created")
    table = page.inner_text("main")
    assert "和平第三网格" in table and "t_district_admin" in table
    screenshot(page, "foundation-audit-list")
    assert not [e for e in console_errors if "Content Security Policy" in e], console_errors
