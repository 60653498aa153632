"""End to end in headless Chromium, through the pages only: the district admin enters a rate in the subsidy
table, reads the month's roll (valid certificates only) and downloads it as .xlsx; a street official records a
training on a phone; the social worker reads his own page on his phone."""

import datetime as dt
import io
import re

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from sanshe.core.testing import PASSWORD, build_world
from sanshe.socialwork.choices_workers import CertificateLevel as L
from sanshe.socialwork.models_workers import SubsidyRate, Training

from .workers_support import agency, cert, worker

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def login(page, base, username):
    page.context.clear_cookies()
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")


def test_rate_roll_download_training_and_my_profile(live_server, desktop, phone, screenshot):
    world = build_world()
    n = world.nodes
    org = agency(n["S1"])
    paid = worker(n["C1"], "杨慧", employer=org, user=world.user("social_worker"))
    cert(paid, L.INTERMEDIATE, number="ZJ-E2E-0001")
    unregistered = worker(n["C2"], "周婷", employer=org)
    cert(unregistered, L.SENIOR, registered=None, number="GJ-E2E-0002")
    base = live_server.url
    month = (dt.date.today().replace(day=1) - dt.timedelta(days=1)).replace(day=1)

    # 1. The district admin enters 中级 600 yuan/month for the district.
    page = desktop
    login(page, base, "t_district_admin")
    page.goto(f"{base}/socialwork/subsidy/rates/")
    page.select_option("#id_region", str(n["D1"].pk))
    page.select_option("#id_level", L.INTERMEDIATE)
    page.fill("#id_effective_from", "2020-01-01")
    page.fill("#id_amount", "600")
    page.click("#rate-submit")
    page.wait_for_url(re.compile(r"/socialwork/subsidy/rates/$"))
    expect(page.locator(f"table[data-current='{n['D1'].pk}']")).to_contain_text("600.00")
    assert SubsidyRate.objects.get().amount == 600
    screenshot(page, "socialwork-subsidy-rates")

    # 2. The roll of last month: 杨慧 paid, 周婷 (certificate not registered) listed apart with the reason.
    page.goto(f"{base}/socialwork/subsidy/roll/?node={n['D1'].pk}&month={month:%Y-%m}")
    expect(page.locator("#roll-total")).to_have_text("600.00")
    expect(page.locator(f"#roll-lines tr[data-worker='{paid.pk}']")).to_contain_text("ZJ-E2E-0001")
    expect(page.locator(f"#roll-excluded tr[data-worker='{unregistered.pk}']")).to_have_attribute(
        "data-reason", "not_registered")
    screenshot(page, "socialwork-subsidy-roll")
    with page.expect_download() as info:
        page.click("#roll-export")
    download = info.value
    assert download.suggested_filename.endswith(".xlsx")
    rows = list(load_workbook(io.BytesIO(open(download.path(), "rb").read())).worksheets[0].iter_rows(values_only=True))
    assert rows[1][0] == "杨慧" and rows[1][-1] == 600 and rows[-1][-1] == 600

    # 3. A street official records an on-site training on a phone.
    login(phone, base, "t_street_official")
    phone.goto(f"{base}/socialwork/trainings/new/")
    phone.fill("#id_title", "个案记录规范现场督导")
    phone.select_option("#id_kind", "on_site")
    phone.select_option("#id_node", str(n["C1"].pk))
    phone.fill("#id_held_on", "2026-04-10")
    phone.fill("#id_hours", "2")
    phone.check(f"input[name=attendees][value='{paid.pk}']")
    phone.check(f"input[name=attendees][value='{unregistered.pk}']")
    screenshot(phone, "socialwork-training-form-phone")
    phone.click("#training-submit")
    phone.wait_for_url(re.compile(r"/socialwork/trainings/\d+/$"))
    expect(phone.locator("#training-attendees li")).to_have_count(2)
    assert Training.objects.get().kind == "on_site"
    phone.goto(f"{base}/socialwork/workers/")
    expect(phone.locator("#worker-table tr[data-worker]")).to_have_count(2)
    screenshot(phone, "socialwork-roster-phone")

    # 4. The social worker's own page on his phone.
    login(phone, base, "t_social_worker")
    phone.goto(f"{base}/socialwork/me/")
    expect(phone.locator("#current-level [data-level='intermediate']")).to_have_count(1)
    expect(phone.locator("#worker-trainings")).to_contain_text("个案记录规范现场督导")
    screenshot(phone, "socialwork-my-profile-phone")
