"""End to end in headless Chromium: the service figures page as a community worker on a desktop and on a phone
(charts drawn, cards readable, tables fit), with screenshots in test-artifacts/."""

import datetime as dt

import pytest
from django.utils import timezone

from sanshe.core.testing import PASSWORD, build_world
from sanshe.servicedesk.choices import Action, Rating
from sanshe.servicedesk.services import transition
from sanshe.servicedesk.testing import accept, build_servicedesk

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _applications(w):
    handler, clerk = w.user("dept_handler"), w.user("window_clerk")
    now = timezone.now().replace(microsecond=0)
    for i in range(10):
        at = timezone.localtime(now - dt.timedelta(days=17 * i + 1)).replace(hour=10, minute=0, second=0)
        a = accept(w, at=at, window=i % 3 + 1)
        if i % 4 == 0:
            continue
        a = transition(a, Action.START, actor=handler, at=at + dt.timedelta(hours=1))
        action = Action.REFUSE if i % 5 == 4 else Action.COMPLETE
        a = transition(a, action, actor=handler, note="已办结", at=at + dt.timedelta(hours=3))
        transition(a, Action.RATE, actor=clerk, rating=Rating.values[i % 3], at=at + dt.timedelta(hours=4))


def _login(page, base, username):
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")


@pytest.mark.parametrize("device", ["desktop", "phone"])
def test_stats_page_as_community_worker(live_server, request, screenshot, device):
    w = build_servicedesk(build_world())
    _applications(w)
    page = request.getfixturevalue(device)
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    _login(page, live_server.url, "t_community_worker")
    page.goto(f"{live_server.url}/services/stats/?period=6m")
    try:
        page.wait_for_selector("[data-chart=trend][data-drawn]", timeout=15000)
    finally:
        screenshot(page, f"servicedesk-stats-{device}")
    assert errors == []
    assert page.inner_text("[data-figure=accepted] [data-value]") == "10"
    assert page.inner_text("[data-figure=finished] [data-value]") == "7"
    for chart in ("trend", "categories", "stations", "departments"):
        assert page.locator(f"[data-chart={chart}] canvas").count() == 1, chart
    assert page.locator("[data-table=stations] tbody tr").count() == 1
    assert page.locator("[data-table=windows] tbody tr").count() == 3
    # nothing wider than the screen
    width = page.viewport_size["width"]
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    # the custom period shows its dates
    page.select_option("#id_period", "custom")
    assert page.locator("#id_start").is_visible()
