"""End to end in headless Chromium: a community worker changes a dwelling's occupancy from the building register
and completes an imported tag's missing details (phone); a district admin narrows the resident search with the
territory picker (street → community → grid, htmx)."""

import importlib

import pytest
from django.apps import apps
from playwright.sync_api import expect

from sanshe.core.testing import PASSWORD, build_world
from sanshe.territory.choices import Occupancy
from sanshe.territory.imports_registry import import_residents
from sanshe.territory.models import Dwelling, ResidentTag

from .test_registry_import import csv_bytes, good_rows

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _tag_types():
    """The default tag types (a data migration): a transactional test before this one flushed them."""
    migration = importlib.import_module("sanshe.territory.migrations.0003_default_tag_types")
    migration.create(apps, None)


def login(page, base, username):
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")


def test_occupancy_and_missing_details_on_a_phone(live_server, phone, screenshot):
    world = build_world()
    rows = good_rows(world, 2)
    rows[1][12] = "残疾人"
    import_residents(csv_bytes(rows), "ledger.csv", actor=world.user("community_worker"),
                     community=world.nodes["C1"])
    base, page = live_server.url, phone
    login(page, base, "t_community_worker")

    page.goto(f"{base}/territory/building/{world.nodes['B1'].pk}/register/")
    screenshot(page, "registry-gaps-building-phone")
    page.click("a.occ-link")
    page.wait_for_load_state("networkidle")
    page.check(f"input[value={Occupancy.RENTED}]")
    screenshot(page, "registry-gaps-occupancy-form-phone")
    page.click("main form button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert "出租" in page.inner_text(".dwelling-room")
    assert Dwelling.objects.get(building=world.nodes["B1"]).occupancy == Occupancy.RENTED

    page.click(".dwelling-household")
    page.wait_for_load_state("networkidle")
    assert page.locator(".details-missing").count() == 1
    screenshot(page, "registry-gaps-household-missing-phone")
    page.click("a[href*='/details/']")
    page.wait_for_load_state("networkidle")
    page.click("main form button[type=submit]")  # empty grade: an inline error
    page.wait_for_load_state("networkidle")
    assert page.locator(".has-error input[name=detail_grade]").count() == 1
    screenshot(page, "registry-gaps-tag-details-error-phone")
    page.fill("input[name=detail_grade]", "二级")
    page.click("main form button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert page.locator(".details-missing").count() == 0
    assert ResidentTag.objects.get(tag_type__code="disabled").details == {"grade": "二级"}


def settled(page, selects: int) -> None:
    """The picker was swapped in with ``selects`` selects and htmx has bound them (it does so 20 ms after the
    swap, when it takes the ``htmx-added`` class off: a change made before then goes unheard)."""
    expect(page.locator("#rs-territory select")).to_have_count(selects)
    expect(page.locator(".htmx-added, .htmx-settling, .htmx-request")).to_have_count(0)


def test_district_admin_narrows_the_search_with_the_territory_picker(live_server, desktop, phone, screenshot):
    world = build_world()
    import_residents(csv_bytes(good_rows(world, 2)), "ledger.csv", actor=world.user("community_worker"),
                     community=world.nodes["C1"])
    base = live_server.url
    for page, name in ((desktop, "desktop"), (phone, "phone")):
        login(page, base, "t_district_admin")
        page.goto(f"{base}/territory/residents/")
        page.evaluate("document.querySelector('details.rs-more').open = true")
        selects = page.locator("#rs-territory select")
        assert selects.count() == 1
        selects.nth(0).select_option(str(world.nodes["S1"].pk))
        settled(page, 2)
        page.locator("#rs-territory select").nth(1).select_option(str(world.nodes["C1"].pk))
        settled(page, 3)
        page.locator("#rs-territory select").nth(2).select_option(str(world.nodes["G1"].pk))
        settled(page, 4)
        screenshot(page, f"registry-gaps-territory-picker-{name}")
        page.click("form[role=search] button[type=submit]")
        page.wait_for_url(f"**node={world.nodes['G1'].pk}**")
        assert "pick=" not in page.url
        expect(page.locator("main table, main .rs-table").first).to_contain_text("居民0")
        expect(page.locator("main")).to_contain_text("居民1")
        screenshot(page, f"registry-gaps-search-result-{name}")
