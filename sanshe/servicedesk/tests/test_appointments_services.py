"""Appointments: slots on working days only (holidays skipped, 调休 Saturdays open), capacity under the slot's
lock, one booking per person and slot, cancelling, attended / did not come, scoping."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from sanshe.core.exceptions import Denied, OutOfScope
from sanshe.core.models import AuditEntry
from sanshe.servicedesk import services_appointments as sa
from sanshe.servicedesk.choices import AppointmentState
from sanshe.servicedesk.models import Appointment, AppointmentSlot


def future_slot(world, station="C1", capacity=2, days_ahead=1):
    station = world.stations[station]
    start = timezone.localdate() + dt.timedelta(days=days_ahead)
    sa.ensure_slots(station, start, 1, capacity=capacity)
    return AppointmentSlot.objects.filter(station=station, date__gte=start).order_by("date", "start").first()


def test_slots_on_working_days_only_with_holidays_and_tiaoxiu(sworld):
    station = sworld.stations["C1"]
    # 2026-09-30 Wed, then the National Day holiday 10-01 … 10-07, then Thu 10-08, Fri 10-09, Sat 10-10 (调休)
    created = sa.ensure_slots(station, dt.date(2026, 9, 30), 4)
    assert created == 8
    days = sorted({s.date for s in AppointmentSlot.objects.filter(station=station)})
    assert days == [dt.date(2026, 9, 30), dt.date(2026, 10, 8), dt.date(2026, 10, 9), dt.date(2026, 10, 10)]
    first = AppointmentSlot.objects.filter(station=station, date=dt.date(2026, 9, 30))
    assert [(s.start, s.end) for s in first] == [(dt.time(9), dt.time(12)), (dt.time(14), dt.time(17))]
    # idempotent
    assert sa.ensure_slots(station, dt.date(2026, 9, 30), 4) == 0
    assert AppointmentSlot.objects.filter(station=station).count() == 8


def test_booking_respects_capacity_and_one_booking_per_person(sworld):
    slot = future_slot(sworld, capacity=2)
    item = sworld.items["retire"]
    a = sa.book(actor=None, slot=slot, item=item, name="张三", phone="13800001111")
    assert a.number.startswith(f"YY{slot.date:%Y%m%d}") and a.phone_masked == "138****1111"
    assert a.state == AppointmentState.BOOKED and a.community_id == sworld.nodes["C1"].pk
    assert Appointment.objects.filter(pk=a.pk, phone_masked="138****1111").exists()
    with pytest.raises(ValidationError) as exc:
        sa.book(actor=None, slot=slot, item=item, name="张三", phone="138 0000 1111")
    assert "phone" in exc.value.message_dict
    sa.book(actor=None, slot=slot, item=item, name="李四", phone="13800002222")
    with pytest.raises(ValidationError) as exc:
        sa.book(actor=None, slot=slot, item=item, name="王五", phone="13800003333")
    assert "slot" in exc.value.message_dict
    # a cancelled place is free again
    sa.cancel(a, actor=sworld.user("window_clerk"))
    assert sa.book(actor=None, slot=slot, item=item, name="王五", phone="13800003333").pk
    assert AuditEntry.objects.filter(action="servicedesk.appointment.booked").count() == 3
    assert AuditEntry.objects.filter(action="servicedesk.appointment.cancelled").count() == 1


def test_booking_validates_phone_item_and_past_slots(sworld):
    slot = future_slot(sworld)
    with pytest.raises(ValidationError) as exc:
        sa.book(actor=None, slot=slot, item=sworld.items["other"], name="", phone="12345")
    assert set(exc.value.message_dict) == {"name", "phone", "item"}
    past = AppointmentSlot.objects.create(station=sworld.stations["C1"], date=timezone.localdate() - dt.timedelta(
        days=1), start=dt.time(9), end=dt.time(12))
    with pytest.raises(ValidationError) as exc:
        sa.book(actor=None, slot=past, item=sworld.items["retire"], name="张三", phone="13800001111")
    assert "slot" in exc.value.message_dict


def test_public_cancel_needs_the_last_four_digits(sworld):
    slot = future_slot(sworld)
    a = sa.book(actor=None, slot=slot, item=sworld.items["retire"], name="张三", phone="13800001234")
    assert sa.find_for_public(a.number, "9999") is None
    assert sa.find_for_public(a.number, "") is None
    found = sa.find_for_public(a.number.lower(), "1234")
    assert found == a
    sa.cancel(found, verified=True)
    a.refresh_from_db()
    assert a.state == AppointmentState.CANCELLED
    with pytest.raises(ValidationError):
        sa.cancel(a, verified=True)


def test_window_marks_attended_or_no_show_in_its_territory_only(sworld):
    clerk = sworld.user("window_clerk")
    today = timezone.localdate()
    slot = AppointmentSlot.objects.create(station=sworld.stations["C1"], date=today, start=dt.time(0, 0),
                                          end=dt.time(23, 59))
    a = sa.book(actor=None, slot=slot, item=sworld.items["retire"], name="张三", phone="13800001234")
    b = sa.book(actor=None, slot=slot, item=sworld.items["retire"], name="李四", phone="13800005678")
    assert sa.mark_attended(a, actor=clerk).state == AppointmentState.ATTENDED
    assert sa.mark_no_show(b, actor=clerk).state == AppointmentState.NO_SHOW
    with pytest.raises(ValidationError):
        sa.mark_no_show(a, actor=clerk)
    # not the window's territory: 404; no window right: 403
    far = AppointmentSlot.objects.create(station=sworld.stations["D2"], date=today, start=dt.time(0, 0),
                                         end=dt.time(23, 59))
    c = sa.book(actor=None, slot=far, item=sworld.items["other"], name="赵六", phone="13800009999")
    with pytest.raises(OutOfScope):
        sa.mark_attended(c, actor=clerk)
    with pytest.raises(Denied):
        sa.mark_attended(a, actor=sworld.user("dept_handler"))


def test_no_show_not_before_the_day(sworld):
    slot = future_slot(sworld, days_ahead=3)
    a = sa.book(actor=None, slot=slot, item=sworld.items["retire"], name="张三", phone="13800001234")
    with pytest.raises(ValidationError):
        sa.mark_no_show(a, actor=sworld.user("window_clerk"))


def test_open_slots_needs_configure_and_the_station_in_scope(sworld):
    admin = sworld.user("district_admin")
    start = timezone.localdate() + dt.timedelta(days=1)
    assert sa.open_slots(actor=admin, station=sworld.stations["C1"], start=start, days=5, capacity=6) == 10
    assert set(AppointmentSlot.objects.values_list("capacity", flat=True)) == {6}
    with pytest.raises(OutOfScope):
        sa.open_slots(actor=admin, station=sworld.stations["D2"], start=start, days=5)
    with pytest.raises(Denied):
        sa.open_slots(actor=sworld.user("window_clerk"), station=sworld.stations["C1"], start=start, days=5)
    with pytest.raises(ValidationError):
        sa.open_slots(actor=admin, station=sworld.stations["C1"], start=start, days=0)
    assert AuditEntry.objects.filter(action="servicedesk.slots.opened").count() == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_bookings_never_exceed_the_capacity():
    if connection.vendor == "sqlite" and "memory" in str(connection.settings_dict["NAME"]):
        pytest.skip("an in-memory SQLite database is not shared between threads")
    from sanshe.core.testing import build_world
    from sanshe.servicedesk.testing import build_servicedesk

    world = build_servicedesk(build_world())
    slot = future_slot(world, capacity=3)
    item = world.items["retire"]
    results: list = []
    barrier = threading.Barrier(6)

    def worker(i):
        from django.db import connections

        try:
            barrier.wait()
            sa.book(actor=None, slot=slot, item=item, name=f"居民{i}", phone=f"1380000{i:04d}")
            results.append("ok")
        except ValidationError:
            results.append("full")
        except Exception as exc:  # noqa: BLE001 - a locked database counts as refused, never as over-booked
            results.append(type(exc).__name__)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results.count("ok") <= 3
    assert Appointment.objects.filter(slot=slot, state=AppointmentState.BOOKED).count() == results.count("ok")
    assert results.count("ok") >= 1
    if connection.vendor == "postgresql":  # the slot's row lock serializes them: exactly the capacity gets in
        assert sorted(results) == ["full"] * 3 + ["ok"] * 3


def test_the_window_finds_an_open_booking_to_accept_and_links_the_application(sworld):
    from sanshe.servicedesk.testing import accept

    slot = future_slot(sworld)
    a = sa.book(actor=None, slot=slot, item=sworld.items["retire"], name="张三", phone="13800001234")
    clerk = sworld.user("window_clerk")
    assert sa.appointment_for_window(clerk, str(a.pk)) == a
    assert sa.appointment_for_window(sworld.user("dept_handler"), a.pk) is None
    assert sa.appointment_for_window(clerk, "x") is None
    application = accept(sworld, name=a.name, phone=a.phone)
    a = sa.mark_attended(a, actor=clerk, application=application)
    assert a.state == AppointmentState.ATTENDED and a.application == application
    assert sa.appointment_for_window(clerk, a.pk) is None  # already accepted
