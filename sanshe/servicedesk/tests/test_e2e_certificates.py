"""End to end in headless Chromium, through the pages only: the window clerk issues a 居住证明 for a resident
picked from the register and downloads its PDF; the public verification page (no account, phone-sized) shows it
valid; a resident books an appointment on his phone and the window sees it in its list."""

import re

import pytest
from playwright.sync_api import expect

from sanshe.core.testing import PASSWORD, build_world
from sanshe.servicedesk.certificate_seed import ensure_certificate_types
from sanshe.servicedesk.choices import AppointmentState
from sanshe.servicedesk.models import Appointment, Certificate
from sanshe.servicedesk.testing import build_servicedesk

from .test_certificates_services import id_number, make_resident

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def login(page, base, username):
    page.context.clear_cookies()
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")


def test_certificate_issued_downloaded_and_verified(live_server, desktop, phone, screenshot):
    world = build_servicedesk(build_world())
    ensure_certificate_types(world.nodes["D1"])
    resident = make_resident(world)
    base = live_server.url

    # 1. The window clerk issues a 居住证明 for a resident picked from the register.
    login(desktop, base, "t_window_clerk")
    desktop.goto(f"{base}/services/certificates/new/")
    desktop.select_option("#id_type", label="居住证明")
    with desktop.expect_response(lambda r: "/certificates/residents/" in r.url):
        desktop.fill("#holder-search", "王秀")
    pick = desktop.locator(f"button[data-pick='{resident.pk}']")
    expect(pick).to_be_visible()
    assert id_number() not in desktop.content()
    pick.click()
    expect(desktop.locator("#holder-picked")).to_contain_text("王秀英")
    assert desktop.input_value("#id_holder_name") == "王秀英"
    desktop.fill("#id_purpose", "办理子女入学")
    screenshot(desktop, "servicedesk-certificate-issue")
    desktop.click("#issue-submit")
    desktop.wait_for_url(re.compile(r"/services/certificates/\d+/$"))
    certificate = Certificate.objects.get()
    assert certificate.resident_id == resident.pk and certificate.household_id == resident.household_id
    expect(desktop.locator("#certificate-body")).to_contain_text(certificate.holder_id_masked)
    assert id_number() not in desktop.content()
    screenshot(desktop, "servicedesk-certificate-detail")

    # 2. The PDF.
    with desktop.expect_download() as info:
        desktop.click("#pdf-link")
    download = info.value
    assert download.suggested_filename == f"{certificate.serial}.pdf"
    with open(download.path(), "rb") as f:
        assert f.read(5) == b"%PDF-"

    # 3. The list counts it.
    desktop.goto(f"{base}/services/certificates/")
    expect(desktop.locator("#certificate-counts [data-total]")).to_have_text("1")
    screenshot(desktop, "servicedesk-certificate-list")

    # 4. Anyone verifies it from a phone, without an account.
    phone.goto(f"{base}/services/verify/")
    phone.fill("#id_code", certificate.verify_code.lower())
    phone.click("#verify-form button[type=submit]")
    expect(phone.locator("#verify-state")).to_have_attribute("data-state", "valid")
    expect(phone.locator("#verify-serial")).to_have_text(certificate.serial)
    assert "王秀英" not in phone.content() and "王**" in phone.content()
    screenshot(phone, "servicedesk-certificate-verify-phone")


def test_resident_books_an_appointment_on_a_phone(live_server, desktop, phone, screenshot):
    world = build_servicedesk(build_world())
    base = live_server.url
    station = world.stations["C1"]

    # 1. A resident books from his phone (no account needed).
    phone.goto(f"{base}/services/book/")
    phone.select_option("#id_pick_station", str(station.pk))
    phone.click("#station-next")
    phone.wait_for_url(re.compile(r"station="))
    phone.select_option("#id_item", label="退休申请")
    first_slot = phone.locator("#slot-choices input[type=radio]").first
    expect(first_slot).to_be_visible()
    first_slot.check()
    phone.fill("#id_name", "张大爷")
    phone.fill("#id_phone", "13800001234")
    screenshot(phone, "servicedesk-book-phone")
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 392, f"the booking page scrolls sideways on a phone ({width}px)"
    phone.click("#book-submit")
    expect(phone.locator("#booking-number")).to_be_visible()
    appointment = Appointment.objects.get()
    expect(phone.locator("#booking-number")).to_have_text(appointment.number)
    assert appointment.state == AppointmentState.BOOKED and appointment.phone_masked == "138****1234"
    screenshot(phone, "servicedesk-booked-phone")

    # 2. The window sees it among the upcoming bookings, with the link to accept it at the window.
    login(desktop, base, "t_window_clerk")
    desktop.goto(f"{base}/services/appointments/")
    row = desktop.locator(f"tr[data-appointment='{appointment.pk}']")
    expect(row).to_contain_text("张大爷")
    expect(row.locator("a[data-accept]")).to_have_attribute("href", re.compile(rf"appointment={appointment.pk}"))
    screenshot(desktop, "servicedesk-appointment-list")
    login(phone, base, "t_window_clerk")  # the same list on a phone: cards, no sideways scrolling
    phone.goto(f"{base}/services/appointments/")
    expect(phone.locator(f"tr[data-appointment='{appointment.pk}']")).to_contain_text("张大爷")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 392
    screenshot(phone, "servicedesk-appointment-list-phone")
    phone.context.clear_cookies()

    # 3. He cancels it himself with the number and the last four digits.
    phone.goto(f"{base}/services/book/cancel/?number={appointment.number}")
    phone.fill("#id_check", "1234")
    phone.click("#cancel-form button[type=submit]")
    expect(phone.locator("#cancelled")).to_be_visible()
    appointment.refresh_from_db()
    assert appointment.state == AppointmentState.CANCELLED
