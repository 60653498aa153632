"""Appointment pages: the public booking and cancelling pages (no account), the window's list with its steps,
the slot page."""

from __future__ import annotations

import datetime as dt

from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from sanshe.core.models import AuditEntry
from sanshe.servicedesk import services_appointments as sa
from sanshe.servicedesk.choices import AppointmentState
from sanshe.servicedesk.models import Appointment, AppointmentSlot

BOOK = "/services/book/"


def test_public_booking_from_station_to_number(sworld, client):
    station = sworld.stations["C1"]
    response = client.get(reverse("servicedesk:appointment_book"))
    assert response.status_code == 200 and "和平社区便民服务站" in response.content.decode()
    response = client.get(reverse("servicedesk:appointment_book"), {"station": station.pk})
    html = response.content.decode()
    assert response.status_code == 200 and "退休申请" in html and 'name="slot"' in html
    slots = response.context["slots"]
    assert slots and all(sa.Calendar().is_workday(s.date) for s in slots)
    assert "最低生活保障申请" in html and "other" not in [i.code for i in response.context["form"].fields[
        "item"].queryset]
    slot = slots[0]
    response = client.post(reverse("servicedesk:appointment_book"), {
        "station": station.pk, "item": sworld.items["retire"].pk, "slot": slot.pk, "name": "张三",
        "phone": "13800001234"})
    assert response.status_code == 200
    appointment = Appointment.objects.get()
    assert appointment.number in response.content.decode() and appointment.booked_by is None
    assert "138****1234" in response.content.decode() and "13800001234" not in response.content.decode()
    # the same person again in the same slot: refused with the reason
    response = client.post(reverse("servicedesk:appointment_book"), {
        "station": station.pk, "item": sworld.items["retire"].pk, "slot": slot.pk, "name": "张三",
        "phone": "13800001234"})
    assert response.status_code == 400 and appointment.number in response.content.decode()


def test_public_booking_refuses_a_bad_phone_and_another_districts_item(sworld, client):
    station = sworld.stations["C1"]
    client.get(BOOK, {"station": station.pk})
    slot = AppointmentSlot.objects.filter(station=station).first()
    response = client.post(BOOK, {"station": station.pk, "item": sworld.items["other"].pk, "slot": slot.pk,
                                  "name": "张三", "phone": "123"})
    assert response.status_code == 400
    assert set(response.context["form"].errors) >= {"item"}
    assert not Appointment.objects.exists()


def test_public_cancel_with_number_and_last_digits_and_a_pause_after_wrong_tries(sworld, client):
    cache.clear()
    station = sworld.stations["C1"]
    sa.ensure_slots(station, timezone.localdate() + dt.timedelta(days=1), 1)
    slot = AppointmentSlot.objects.filter(station=station).first()
    a = sa.book(actor=None, slot=slot, item=sworld.items["retire"], name="张三", phone="13800001234")
    url = reverse("servicedesk:appointment_public_cancel")
    assert client.get(url, {"number": a.number}).status_code == 200
    response = client.post(url, {"number": a.number, "check": "0000"})
    assert response.status_code == 400
    response = client.post(url, {"number": a.number, "check": "1234"})
    assert response.status_code == 200 and "cancelled" in response.context
    a.refresh_from_db()
    assert a.state == AppointmentState.CANCELLED
    b = sa.book(actor=None, slot=slot, item=sworld.items["retire"], name="李四", phone="13800005678")
    for _i in range(5):
        client.post(url, {"number": b.number, "check": "0000"})
    response = client.post(url, {"number": b.number, "check": "5678"})
    assert response.status_code == 429
    b.refresh_from_db()
    assert b.state == AppointmentState.BOOKED
    cache.clear()


def test_window_list_shows_todays_bookings_and_marks_them(sworld, client_for):
    today = timezone.localdate()
    slot = AppointmentSlot.objects.create(station=sworld.stations["C1"], date=today, start=dt.time(0, 0),
                                          end=dt.time(23, 59))
    a = sa.book(actor=None, slot=slot, item=sworld.items["retire"], name="张三", phone="13800001234")
    b = sa.book(actor=None, slot=slot, item=sworld.items["retire"], name="李四", phone="13800005678")
    far = AppointmentSlot.objects.create(station=sworld.stations["D2"], date=today, start=dt.time(0, 0),
                                         end=dt.time(23, 59))
    sa.book(actor=None, slot=far, item=sworld.items["other"], name="远方人", phone="13800009999")
    client = client_for(sworld.user("window_clerk"))
    response = client.get(reverse("servicedesk:appointment_list"))
    html = response.content.decode()
    assert response.status_code == 200 and a.number in html and "远方人" not in html
    assert "138****1234" in html and "13800001234" not in html
    assert f"?appointment={a.pk}" in html  # the link to accept the application at the window
    response = client.post(reverse("servicedesk:appointment_attended", args=[a.pk]))
    assert response.status_code == 302
    response = client.post(reverse("servicedesk:appointment_no_show", args=[b.pk]))
    assert response.status_code == 302
    a.refresh_from_db()
    b.refresh_from_db()
    assert (a.state, b.state) == (AppointmentState.ATTENDED, AppointmentState.NO_SHOW)
    assert AuditEntry.objects.filter(action="servicedesk.appointment.attended").count() == 1
    response = client.get(reverse("servicedesk:appointment_list"), {"state": "no_show"})
    assert [row.number for row in response.context["rows"]] == [b.number]


def test_slot_page_opens_slots_for_working_days(sworld, client_for):
    client = client_for(sworld.user("district_admin"))
    station = sworld.stations["C1"]
    assert client.get(reverse("servicedesk:appointment_slots")).status_code == 200
    start = timezone.localdate() + dt.timedelta(days=1)
    response = client.post(reverse("servicedesk:appointment_slots"), {
        "station": station.pk, "start": start.isoformat(), "days": 3, "capacity": 5})
    assert response.status_code == 302
    assert AppointmentSlot.objects.filter(station=station).count() == 6
    response = client.get(response["Location"])
    assert response.status_code == 200 and len(response.context["slots"]) == 6
    response = client.post(reverse("servicedesk:appointment_slots"), {
        "station": sworld.stations["D2"].pk, "start": start.isoformat(), "days": 3})
    assert response.status_code == 400  # another district's station is not a choice
    assert client_for(sworld.user("window_clerk")).get(reverse("servicedesk:appointment_slots")).status_code == 403
