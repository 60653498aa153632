"""End to end in headless Chromium: the dashboard on a desktop and on a phone (charts drawn, cards readable, the
period picker), with screenshots in test-artifacts/."""

import datetime as dt

import pytest
from django.utils import timezone

from sanshe.core.testing import PASSWORD, build_world
from sanshe.gridops.choices import Action, Rating
from sanshe.gridops.services import transition
from sanshe.gridops.testing import build_gridops, report

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _events(w):
    desk, handler = w.user("community_worker"), w.user("handler")
    now = timezone.now()
    for i in range(12):
        at = now - dt.timedelta(days=27 * i + 1)
        event = report(w, category=["0301", "0201", "0202"][i % 3], at=at)
        if i % 4 == 3:
            continue
        event = transition(event, Action.FILE, actor=desk, at=at + dt.timedelta(hours=1))
        event = transition(event, Action.DISPATCH, actor=desk, at=at + dt.timedelta(hours=2))
        event = transition(event, Action.FEED_BACK, actor=handler, note="已处置", at=at + dt.timedelta(hours=5))
        event = transition(event, Action.VERIFY, actor=w.user("grid_worker"), at=at + dt.timedelta(hours=6))
        event = transition(event, Action.CLOSE, actor=desk, at=at + dt.timedelta(hours=7))
        transition(event, Action.RATE, actor=w.user("grid_worker"), rating=Rating.values[i % 3],
                   at=at + dt.timedelta(hours=8))


def _login(page, base, username):
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")


@pytest.mark.parametrize("device", ["desktop", "phone"])
def test_dashboard_draws_its_charts(live_server, request, screenshot, device):
    w = build_gridops(build_world())
    _events(w)
    page = request.getfixturevalue(device)
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    _login(page, live_server.url, "t_street_official")
    page.goto(f"{live_server.url}/gridops/dashboard/?period=12m")
    try:
        page.wait_for_selector("[data-chart=trend][data-drawn]", timeout=15000)
    finally:
        screenshot(page, f"gridops-dashboard-{device}-first")
        print(errors)
    assert page.inner_text("[data-figure=reported] [data-value]") == "12"
    assert page.inner_text("[data-figure=closed] [data-value]") == "9"
    for chart in ("trend", "categories", "units", "children"):
        assert page.locator(f"[data-chart={chart}] canvas").count() == 1, chart
    assert page.locator(".stats-custom").first.is_hidden()
    page.select_option("[data-period]", "custom")
    assert page.locator(".stats-custom").first.is_visible()
    page.select_option("[data-period]", "12m")
    screenshot(page, f"gridops-dashboard-{device}")
    # down to the community through the child picker
    page.select_option("#id_child", label="和平社区")
    page.wait_for_selector("[data-node-name]:has-text('和平社区')", timeout=15000)
    assert page.inner_text("[data-figure=reported] [data-value]") == "12"
    assert not errors, errors
