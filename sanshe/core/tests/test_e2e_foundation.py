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
