"""End to end in headless Chromium, through the pages only (issue 6, item 6): a volunteer signs up for an
organization's activity on a phone-sized screen, checks in by the QR code's link, checks out; the organizer
(谁组织谁记录) confirms the hours on his page; the volunteer sees them confirmed.

The star level and certificate that follow a confirmation belong to the rewards area: its assertions go at the
marked spot at the end (they need the rewards pages)."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from sanshe.accounts.roles import Role
from sanshe.core.testing import PASSWORD, build_world
from sanshe.volunteers.choices import RecordState
from sanshe.volunteers.models import ServiceRecord
from sanshe.volunteers.testing_activities import make_activity, make_organization, make_volunteer

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def login(page, base, username):
    page.context.clear_cookies()
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")


def test_volunteer_signs_up_checks_in_by_qr_and_organizer_confirms(live_server, phone, desktop, screenshot):
    world = build_world()
    base = live_server.url
    c1 = world.nodes["C1"]
    org = make_organization(c1, name="阳光志愿服务中心", staff=[world.users[Role.SOCIAL_ORG]])
    volunteer = make_volunteer(c1, name="张志愿", user=world.users[Role.VOLUNTEER], seed=11)
    activity = make_activity(c1, title="关爱独居老人", organization=org,
                             start=timezone.now().replace(microsecond=0) - dt.timedelta(hours=2, minutes=10), hours=3,
                             slots=5)

    # 1. The volunteer finds the activity on his phone and signs up.
    login(phone, base, "t_volunteer")
    phone.goto(f"{base}/volunteers/me/activities/")
    card = phone.locator(f"[data-activity='{activity.pk}']")
    expect(card).to_contain_text("关爱独居老人")
    screenshot(phone, "volunteers-1-activities-phone")
    card.locator("a").first.click()
    phone.locator("#va-signup").click()
    expect(phone.locator("#va-signed")).to_be_visible()

    # 2. The organizer opens his activity: the QR code and the link it encodes.
    login(desktop, base, "t_social_org")
    desktop.goto(f"{base}/volunteers/org/activities/{activity.pk}/")
    expect(desktop.locator("#va-qr img")).to_be_visible()
    checkin_url = desktop.locator("#va-checkin-link").get_attribute("href")
    assert activity.token in checkin_url
    screenshot(desktop, "volunteers-2-organizer-qr")

    # 3. The volunteer scans it: the link opens his check-in page; he checks in.
    phone.goto(checkin_url)
    phone.locator("#va-checkin-btn").click()
    expect(phone.locator("#va-checkout-btn")).to_be_visible()
    screenshot(phone, "volunteers-3-checked-in-phone")
    # He came at the start and served two hours: the check-in is moved back to the activity's start so that the
    # check-out below computes them (2 h 10 min → 2 h, rounded to the half hour).
    record = ServiceRecord.objects.get(activity=activity, volunteer=volunteer)
    ServiceRecord.objects.filter(pk=record.pk).update(started_at=activity.starts_at)
    phone.locator("#va-checkout-btn").click()
    expect(phone.locator("#va-record-hours")).to_have_text("2")
    record.refresh_from_db()
    assert record.state == RecordState.PENDING

    # 4. The organizer confirms the hours (谁组织谁记录).
    desktop.reload()
    pending = desktop.locator(f"#va-pending [data-record='{record.pk}']")
    expect(pending).to_contain_text("张志愿")
    pending.locator(".va-confirm").click()
    expect(desktop.locator("#va-pending [data-record]")).to_have_count(0)
    record.refresh_from_db()
    assert record.state == RecordState.CONFIRMED and record.hours == Decimal("2")
    assert record.confirmed_by_id == world.users[Role.SOCIAL_ORG].pk

    # 5. The volunteer sees his confirmed hours.
    phone.goto(f"{base}/volunteers/me/records/")
    expect(phone.locator("#va-total")).to_have_text("2")
    screenshot(phone, "volunteers-4-my-hours-phone")

    phone.goto(f"{base}/volunteers/me/")
    expect(phone.locator("#va-hours")).to_have_text("2")
    screenshot(phone, "volunteers-5-home-phone")

    # 6. The street reads the figures, live: one volunteer of one, two hours, one active.
    login(desktop, base, "t_street_official")
    desktop.goto(f"{base}/volunteers/figures/")
    expect(desktop.locator("#va-fig-volunteers")).to_have_text("1")
    expect(desktop.locator("#va-fig-hours")).to_have_text("2")
    expect(desktop.locator("#va-fig-active")).to_have_text("1")
    screenshot(desktop, "volunteers-6-figures")
    desktop.goto(f"{base}/volunteers/")
    expect(desktop.locator("#va-volunteers")).to_contain_text(volunteer.id_number_masked)
    expect(desktop.locator("#va-volunteers")).not_to_contain_text(volunteer.id_number)

    # 7. Rewards (star level, certificate) follow the confirmation: the rewards area adds its assertions here.
    # (rewards area) His star level follows: 2 confirmed hours, no star yet, 98 hours to the first; the hours are in
    # his time bank. The organization that organized the service issues his certificate (谁记录谁证明); he downloads
    # it on his phone and the public verification page shows it, the name masked.
    from sanshe.volunteers import services_rewards as sr

    phone.goto(f"{base}/volunteers/me/rewards/")
    expect(phone.locator("#star-level")).to_have_attribute("data-stars", "0")
    expect(phone.locator("#star-next")).to_contain_text("98")
    expect(phone.locator("#time-balance")).to_have_text("2")
    today = timezone.localdate()
    cert = sr.issue_certificate(volunteer, actor=world.user(Role.SOCIAL_ORG), start=today - dt.timedelta(days=1),
                                end=today, person_in_charge="李主任", organization=org)
    assert cert.hours == Decimal("2") and cert.issuer_name == "阳光志愿服务中心"
    phone.goto(f"{base}/volunteers/me/certificates/")
    with phone.expect_download() as info:
        phone.click(f"[data-certificate='{cert.pk}'] [data-pdf]")
    assert info.value.suggested_filename == f"{cert.number}.pdf"
    phone.context.clear_cookies()
    phone.goto(f"{base}/volunteers/verify/?number={cert.number}")
    expect(phone.locator("#verify-state")).to_have_attribute("data-state", "valid")
    expect(phone.locator("#verify-holder")).to_have_text("张**")
    screenshot(phone, "volunteers-5-certificate-verified-phone")
