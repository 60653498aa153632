"""The window accepts the application of someone who booked: prefilled from the booking, which is then marked
attended and linked to the application."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse

from sanshe.servicedesk.choices import AppointmentState
from sanshe.servicedesk.models import Application, Appointment
from sanshe.servicedesk.services_appointments import book, ensure_slots
from sanshe.servicedesk.tests.test_applications_pages import client_for


def test_the_window_accepts_a_booked_application(sworld):
    station, item = sworld.stations["C1"], sworld.items["retire"]
    ensure_slots(station, dt.date.today(), 10)
    slot = station.slots.filter(date__gte=dt.date.today()).order_by("date", "start").first()
    booking = book(actor=None, slot=slot, item=item, name="赵大姐", phone="13912345678")
    client = client_for(sworld, "window_clerk")
    page = client.get(reverse("servicedesk:window") + f"?appointment={booking.pk}")
    assert page.status_code == 200
    content = page.content.decode()
    assert booking.number in content and "139****5678" in content and "13912345678" not in content
    response = client.post(reverse("servicedesk:window"), {
        "station": station.pk, "item": item.pk, "category": item.category_id, "appointment": booking.pk,
        "applicant_name": "赵大姐", "window": 1})
    assert response.status_code == 302, response.content.decode()[:2000]
    app = Application.objects.get()
    assert app.applicant_phone_masked == "139****5678"
    booking = Appointment.objects.get(pk=booking.pk)
    assert booking.state == AppointmentState.ATTENDED and booking.application_id == app.pk
    # a booking of another community's station is not offered to this window
    other = book(actor=None, slot=ensure_slots(sworld.stations["C2"], dt.date.today(), 10) and
                 sworld.stations["C2"].slots.filter(date__gte=dt.date.today()).first(), item=item, name="钱先生",
                 phone="13700001111")
    page = client.get(reverse("servicedesk:window") + f"?appointment={other.pk}")
    assert other.number not in page.content.decode()
