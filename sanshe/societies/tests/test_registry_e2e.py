"""End to end in headless Chromium, through the pages only: a community worker registers a filed (备案) community
organization on her phone and adds a council seat; the street official records its evaluation on the score sheet
(the total and level follow as she types); the organization's page shows the level and the figures count it."""

import re

import pytest
from playwright.sync_api import expect

from sanshe.core.testing import PASSWORD, build_world
from sanshe.societies.models import Evaluation, Organization

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def login(page, base, username):
    page.context.clear_cookies()
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")


def test_register_a_filed_organization_and_evaluate_it(live_server, desktop, phone, screenshot):
    world = build_world()
    base = live_server.url

    # 1. The community worker files a community organization on her phone.
    login(phone, base, "t_community_worker")
    phone.goto(f"{base}/societies/")
    phone.click("#org-create")
    phone.fill("#id_name", "和平社区邻里守望志愿队")
    phone.select_option("#id_track", value="filed")
    phone.fill("#id_filing_number", "XF-BA-2026-001")
    phone.select_option("#id_node", value=str(world.nodes["C1"].pk))
    phone.select_option("#id_status", value="filed")
    phone.select_option("#id_service_field", value="volunteering")
    phone.fill("#id_legal_representative", "赵红梅")
    screenshot(phone, "societies-registry-1-register-phone")
    phone.click("#org-form button[type=submit]")
    phone.wait_for_url(re.compile(r"/societies/\d+/$"))
    org = Organization.objects.get(name="和平社区邻里守望志愿队")
    expect(phone.locator("#org-status")).to_have_text(str(org.get_status_display()))
    expect(phone.locator("#status-history li")).to_have_count(1)
    phone.goto(f"{base}/societies/{org.pk}/council/new/")
    phone.select_option("#id_role", value="chair")
    phone.fill("#id_holder_name", "赵红梅")
    phone.click("#org-form button[type=submit]")
    phone.wait_for_url(re.compile(rf"/societies/{org.pk}/$"))
    expect(phone.locator("#seat-table tbody tr")).to_have_count(1)
    screenshot(phone, "societies-registry-2-detail-phone")
    phone.goto(f"{base}/societies/?track=filed")
    expect(phone.locator("#org-table tbody tr")).to_have_count(1)
    screenshot(phone, "societies-registry-2b-list-phone")

    # 2. The street official scores it; the sheet adds up as she types.
    login(desktop, base, "t_street_official")
    desktop.goto(f"{base}/societies/{org.pk}/")
    desktop.click("#evaluate-link")
    desktop.fill("#id_evaluated_on", "2026-06-01")
    desktop.fill("#id_score_basic", "50")
    desktop.fill("#id_score_governance", "320")
    desktop.fill("#id_score_performance", "330")
    desktop.fill("#id_score_social", "120")
    expect(desktop.locator("#score-total")).to_have_text("820")
    expect(desktop.locator("#score-level")).to_have_text("4A")
    screenshot(desktop, "societies-registry-3-score-sheet")
    desktop.click("#evaluation-form button[type=submit]")
    desktop.wait_for_url(re.compile(rf"/societies/{org.pk}/$"))
    expect(desktop.locator("#org-level")).to_have_text("4A")
    assert Evaluation.objects.get(organization=org).total == 820

    # 3. The figures count it.
    desktop.goto(f"{base}/societies/figures/")
    expect(desktop.locator("[data-figure=filed] .num")).to_have_text("1")
    screenshot(desktop, "societies-registry-4-figures")
