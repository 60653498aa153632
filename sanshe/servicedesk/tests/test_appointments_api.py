"""The appointments API: the slots of one's stations with free places (and the public read of a station's free
slots), opening slots, booking by a window with Idempotency-Key, capacity refused with 400 keyed by field,
cancelling, attended / did not come; scoping (404 outside), permissions (403), phones masked only."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.test import Client
from django.utils import timezone

from sanshe.core.models import AuditEntry
from sanshe.core.testing import login_as
from sanshe.servicedesk import services_appointments as sa
from sanshe.servicedesk.choices import AppointmentState
from sanshe.servicedesk.models import Appointment, AppointmentSlot
from sanshe.servicedesk.testing import accept

pytestmark = pytest.mark.django_db
SLOTS = "/api/v1/servicedesk/appointment-slots/"
URL = "/api/v1/servicedesk/appointments/"


def client_for(world, role) -> Client:
    client = Client()
    login_as(client, world.user(role))
    return client


def post(client, url, data=None, **headers):
    return client.post(url, json.dumps(data or {}), content_type="application/json", **headers)


def rows(response):
    data = response.json()
    return data["results"] if isinstance(data, dict) and "results" in data else data


def today_slot(world, station="C1", capacity=10) -> AppointmentSlot:
    """A slot of today that lasts all day: every step can be tried on it."""
    return AppointmentSlot.objects.get_or_create(
        station=world.stations[station], date=timezone.localdate(), start=dt.time(0, 0),
        defaults={"end": dt.time(23, 59), "capacity": capacity})[0]


def future_slot(world, station="C1", capacity=2) -> AppointmentSlot:
    start = timezone.localdate() + dt.timedelta(days=1)
    sa.ensure_slots(world.stations[station], start, 1, capacity=capacity)
    slot = AppointmentSlot.objects.filter(station=world.stations[station], date__gte=start).order_by(
        "date", "start").first()
    slot.capacity = capacity  # opened before with the default capacity: the test's capacity
    slot.save(update_fields=["capacity"])
    return slot


def public_booking(world, slot, phone="13800001111", item="retire", name="张三") -> Appointment:
    return sa.book(actor=None, slot=slot, item=world.items[item], name=name, phone=phone)


def test_slots_of_ones_stations_with_free_places(sworld):
    clerk = client_for(sworld, "window_clerk")
    response = clerk.get(SLOTS, {"station": sworld.stations["C1"].pk})
    assert response.status_code == 200, response.content
    slots = rows(response)
    assert slots and {s["station"] for s in slots} == {sworld.stations["C1"].pk}  # opened as the public page does
    first = AppointmentSlot.objects.get(pk=next(s["id"] for s in slots if not s["over"]))
    public_booking(sworld, first)
    again = {s["id"]: s for s in rows(clerk.get(SLOTS, {"station": sworld.stations["C1"].pk}))}
    assert again[first.pk]["taken"] == 1 and again[first.pk]["free"] == first.capacity - 1
    # without a station: the slots of every station the caller reads (never another district's)
    sa.ensure_slots(sworld.stations["D2"], timezone.localdate(), 3)
    every = rows(clerk.get(SLOTS))
    assert every and sworld.stations["D2"].pk not in {s["station"] for s in every}
    # a full slot disappears with ?free=true
    full = future_slot(sworld, capacity=1)
    public_booking(sworld, full, phone="13800002222")
    listed = {s["id"] for s in rows(clerk.get(SLOTS, {"station": sworld.stations["C1"].pk, "free": "true",
                                                     "date_from": full.date.isoformat()}))}
    assert full.pk not in listed
    # the street official reads (servicedesk.view); the hotline operator too (view and accept)
    assert client_for(sworld, "street_official").get(SLOTS).status_code == 200
    assert client_for(sworld, "hotline_operator").get(SLOTS, {"station": sworld.stations["C1"].pk}).status_code == 200


def test_slot_list_scoping_permissions_and_bad_filters(sworld):
    clerk = client_for(sworld, "window_clerk")
    assert clerk.get(SLOTS, {"station": sworld.stations["D2"].pk}).status_code == 404
    assert clerk.get(SLOTS, {"station": sworld.stations["C2"].pk}).status_code == 404  # another community's
    assert clerk.get(SLOTS, {"station": 99999999}).status_code == 404
    assert AuditEntry.objects.filter(action="permission.out_of_scope").exists()
    assert client_for(sworld, "grid_worker").get(SLOTS).status_code == 403
    assert Client().get(SLOTS).status_code in (401, 403)
    response = clerk.get(SLOTS, {"date_from": "yesterday"})
    assert response.status_code == 400 and "date_from" in response.json()
    response = clerk.get(SLOTS, {"date_from": "2026-01-10", "date_to": "2026-01-01"})
    assert response.status_code == 400 and "date_to" in response.json()
    assert clerk.get(SLOTS, {"station": "x"}).status_code == 400
    assert clerk.get(SLOTS, {"date_from": "9999-12-31", "station": sworld.stations["C1"].pk}).status_code == 200


def test_the_free_slots_of_a_station_are_public(sworld):
    anonymous = Client()
    response = anonymous.get(f"{SLOTS}public/", {"station": sworld.stations["D2"].pk})
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["station"] == sworld.stations["D2"].pk and data["slots"]
    assert set(data["slots"][0]) == {"id", "date", "start", "end", "free"}  # no bookings, no names
    slot = AppointmentSlot.objects.get(pk=data["slots"][0]["id"])
    for i in range(slot.capacity):
        public_booking(sworld, slot, phone=f"1380000{i:04d}", item="other")
    ids = {s["id"] for s in anonymous.get(f"{SLOTS}public/", {"station": slot.station_id}).json()["slots"]}
    assert slot.pk not in ids  # full: not offered
    response = anonymous.get(f"{SLOTS}public/")
    assert response.status_code == 400 and "station" in response.json()
    assert anonymous.get(f"{SLOTS}public/", {"station": 99999999}).status_code == 404
    assert anonymous.get(f"{SLOTS}public/", {"station": "9" * 30}).status_code == 400


def test_opening_slots(sworld):
    admin = client_for(sworld, "district_admin")
    start = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    body = {"station": sworld.stations["C2"].pk, "start": start, "days": 3, "capacity": 5}
    first = post(admin, f"{SLOTS}open/", body, HTTP_IDEMPOTENCY_KEY="open-1")
    assert first.status_code == 201, first.content
    assert first.json()["created"] == 6 and {s["capacity"] for s in first.json()["slots"]} == {5}
    replay = post(admin, f"{SLOTS}open/", body, HTTP_IDEMPOTENCY_KEY="open-1")
    assert replay.status_code == 201 and replay["Idempotent-Replayed"] == "true"
    assert replay.json() == first.json()
    again = post(admin, f"{SLOTS}open/", body)  # no key: idempotent by itself, existing slots stay
    assert again.status_code == 200 and again.json()["created"] == 0
    assert AppointmentSlot.objects.filter(station=sworld.stations["C2"]).count() == 6
    assert AuditEntry.objects.filter(action="servicedesk.slots.opened").count() == 2
    response = post(admin, f"{SLOTS}open/", {**body, "days": 0})
    assert response.status_code == 400 and "days" in response.json()
    response = post(admin, f"{SLOTS}open/", {**body, "capacity": 500})
    assert response.status_code == 400 and "capacity" in response.json()
    response = post(admin, f"{SLOTS}open/", {**body, "start": "2020-01-01"})
    assert response.status_code == 400 and "start" in response.json()
    response = post(admin, f"{SLOTS}open/", {**body, "station": sworld.stations["D2"].pk})
    assert response.status_code == 400 and "station" in response.json()
    response = post(admin, f"{SLOTS}open/", {**body, "days": "many"})
    assert response.status_code == 400 and "days" in response.json()
    assert post(client_for(sworld, "window_clerk"), f"{SLOTS}open/", body).status_code == 403


def test_a_window_books_for_a_caller_with_idempotency_key(sworld):
    clerk = client_for(sworld, "window_clerk")
    slot = future_slot(sworld, capacity=2)
    body = {"slot": slot.pk, "item": sworld.items["retire"].pk, "name": "王大爷", "phone": "13800138000"}
    first = post(clerk, URL, body, HTTP_IDEMPOTENCY_KEY="book-1")
    assert first.status_code == 201, first.content
    data = first.json()
    assert data["number"].startswith(f"YY{slot.date:%Y%m%d}") and data["state"] == AppointmentState.BOOKED
    assert data["phone_masked"] == "138****8000" and "phone" not in data and "13800138000" not in first.content.decode()
    assert data["allowed_actions"] == ["cancel", "attended"]
    again = post(clerk, URL, body, HTTP_IDEMPOTENCY_KEY="book-1")
    assert again.status_code == 201 and again.json()["id"] == data["id"] and again["Idempotent-Replayed"] == "true"
    assert Appointment.objects.count() == 1
    appointment = Appointment.objects.get()
    assert appointment.booked_by_id == sworld.users["window_clerk"].pk
    assert AuditEntry.objects.filter(action="servicedesk.appointment.booked").count() == 1
    # the same person again in the slot (a retry without a key): refused, keyed by field
    response = post(clerk, URL, body)
    assert response.status_code == 400 and "phone" in response.json()
    # the key used for another request
    assert post(clerk, URL, {**body, "phone": "13800138001"}, HTTP_IDEMPOTENCY_KEY="book-1").status_code == 422


def test_a_full_slot_is_refused_with_400(sworld):
    clerk = client_for(sworld, "window_clerk")
    slot = future_slot(sworld, capacity=1)
    body = {"slot": slot.pk, "item": sworld.items["retire"].pk, "name": "甲", "phone": "13800000001"}
    assert post(clerk, URL, body).status_code == 201
    response = post(clerk, URL, {**body, "name": "乙", "phone": "13800000002"})
    assert response.status_code == 400 and "slot" in response.json()
    assert Appointment.objects.count() == 1


def test_bad_bookings_are_400s_with_field_errors(sworld):
    clerk = client_for(sworld, "window_clerk")
    slot = future_slot(sworld)
    body = {"slot": slot.pk, "item": sworld.items["retire"].pk, "name": "王大爷", "phone": "13800138000"}
    response = post(clerk, URL, {**body, "name": "", "phone": "123"})
    assert response.status_code == 400 and {"name", "phone"} <= response.json().keys()
    response = post(clerk, URL, {**body, "item": sworld.items["other"].pk})
    assert response.status_code == 400 and "item" in response.json()
    far = future_slot(sworld, station="D2")
    response = post(clerk, URL, {**body, "slot": far.pk})  # another district's station: not a choice
    assert response.status_code == 400 and "slot" in response.json()
    response = post(clerk, URL, {**body, "slot": "x", "item": None})
    assert response.status_code == 400 and {"slot", "item"} <= response.json().keys()
    over = AppointmentSlot.objects.create(station=sworld.stations["C1"], date=timezone.localdate() - dt.timedelta(
        days=1), start=dt.time(9), end=dt.time(12), capacity=5)
    response = post(clerk, URL, {**body, "slot": over.pk})
    assert response.status_code == 400 and "slot" in response.json()
    assert not Appointment.objects.exists()
    # reading is not booking; nor is the public
    assert post(client_for(sworld, "street_official"), URL, body).status_code == 403
    assert post(Client(), URL, body).status_code in (401, 403)


def test_booking_for_a_resident_of_the_register(sworld):
    from .test_certificates_services import make_resident

    resident = make_resident(sworld, phone="13900002222")
    clerk = client_for(sworld, "window_clerk")
    slot = future_slot(sworld)
    response = post(clerk, URL, {"slot": slot.pk, "item": sworld.items["retire"].pk, "resident": resident.pk})
    assert response.status_code == 201, response.content
    assert response.json()["name"] == resident.name and response.json()["phone_masked"] == "139****2222"
    assert response.json()["resident"] == resident.pk
    # the hotline operator books too, but does not read the register
    response = post(client_for(sworld, "hotline_operator"), URL,
                    {"slot": slot.pk, "item": sworld.items["retire"].pk, "resident": resident.pk})
    assert response.status_code == 400 and "resident" in response.json()


def test_list_and_detail_are_scoped_and_masked(sworld):
    mine = public_booking(sworld, today_slot(sworld))
    far = public_booking(sworld, today_slot(sworld, "D2"), item="other", phone="13900139000")
    later = public_booking(sworld, future_slot(sworld), phone="13800003333")
    past_slot = AppointmentSlot.objects.create(station=sworld.stations["C1"], date=timezone.localdate() - dt.timedelta(
        days=3), start=dt.time(9), end=dt.time(12), capacity=5)
    old = Appointment(number="YYOLD", slot=past_slot, item=sworld.items["retire"], name="旧", phone="13800004444",
                      phone_masked="138****4444", state=AppointmentState.ATTENDED)
    old.copy_ancestors_from(sworld.stations["C1"])
    old.save()
    clerk = client_for(sworld, "window_clerk")
    response = clerk.get(URL)
    assert response.status_code == 200
    assert [r["id"] for r in rows(response)] == [mine.pk, later.pk]  # today and later, in order
    assert "13800001111" not in response.content.decode() and rows(response)[0]["phone_masked"] == "138****1111"
    assert [r["id"] for r in rows(clerk.get(URL, {"date": old.slot.date.isoformat()}))] == [old.pk]
    assert [r["id"] for r in rows(clerk.get(URL, {"date_from": "2000-01-01", "state": "attended"}))] == [old.pk]
    assert [r["id"] for r in rows(clerk.get(URL, {"station": sworld.stations["C2"].pk}))] == []
    response = clerk.get(URL, {"state": "nope"})
    assert response.status_code == 400 and "state" in response.json()
    assert clerk.get(URL, {"date": "2026-02-30"}).status_code == 400
    detail = clerk.get(f"{URL}{mine.pk}/")
    assert detail.status_code == 200 and detail.json()["number"] == mine.number
    assert detail.json()["allowed_actions"] == ["cancel", "attended", "no_show"]
    assert clerk.get(f"{URL}{far.pk}/").status_code == 404
    assert clerk.get(f"{URL}999999/").status_code == 404
    # a reader without the window's right sees no steps
    street = client_for(sworld, "street_official")
    assert street.get(f"{URL}{mine.pk}/").json()["allowed_actions"] == []
    assert {r["id"] for r in rows(street.get(URL))} == {mine.pk, later.pk}
    assert client_for(sworld, "grid_worker").get(URL).status_code == 403
    assert client_for(sworld, "grid_worker").get(f"{URL}{mine.pk}/").status_code == 403
    assert Client().get(URL).status_code in (401, 403)


def test_cancel_attended_and_no_show(sworld):
    slot = today_slot(sworld)
    a = public_booking(sworld, slot, phone="13800000001")
    b = public_booking(sworld, slot, phone="13800000002")
    c = public_booking(sworld, slot, phone="13800000003")
    tomorrow = public_booking(sworld, future_slot(sworld), phone="13800000004")
    far = public_booking(sworld, today_slot(sworld, "D2"), item="other")
    clerk = client_for(sworld, "window_clerk")
    response = post(clerk, f"{URL}{a.pk}/cancel/")
    assert response.status_code == 200, response.content
    assert response.json()["state"] == AppointmentState.CANCELLED and response.json()["allowed_actions"] == []
    response = post(clerk, f"{URL}{a.pk}/cancel/")
    assert response.status_code == 400 and "state" in response.json()
    response = post(clerk, f"{URL}{a.pk}/attended/")
    assert response.status_code == 400 and "state" in response.json()
    application = accept(sworld)
    response = post(clerk, f"{URL}{b.pk}/attended/", {"application": application.pk})
    assert response.status_code == 200 and response.json()["state"] == AppointmentState.ATTENDED
    assert response.json()["application"] == application.pk
    response = post(clerk, f"{URL}{c.pk}/no-show/")
    assert response.status_code == 200 and response.json()["state"] == AppointmentState.NO_SHOW
    # a no-show who comes after all
    assert post(clerk, f"{URL}{c.pk}/attended/").json()["state"] == AppointmentState.ATTENDED
    response = post(clerk, f"{URL}{tomorrow.pk}/no-show/")
    assert response.status_code == 400 and "state" in response.json()
    response = post(clerk, f"{URL}{tomorrow.pk}/attended/", {"application": 999999})
    assert response.status_code == 400 and "application" in response.json()
    assert post(clerk, f"{URL}{far.pk}/cancel/").status_code == 404
    assert post(client_for(sworld, "street_official"), f"{URL}{tomorrow.pk}/cancel/").status_code == 403
    assert Appointment.objects.get(pk=tomorrow.pk).state == AppointmentState.BOOKED
    # the services audit every step, once
    for action in ("cancelled", "attended", "no_show"):
        assert AuditEntry.objects.filter(action=f"servicedesk.appointment.{action}").count() == (
            2 if action == "attended" else 1)
