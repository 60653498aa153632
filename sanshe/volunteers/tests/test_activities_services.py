"""Services of the volunteer registry and activities: registration, sign-up capacity, check-in/out hours, closing
forgotten check-outs by rule, the organizer's confirmation, and the figures against an independent count."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from sanshe.accounts.roles import Role
from sanshe.core.exceptions import Denied, OutOfScope
from sanshe.core.models import AuditEntry
from sanshe.volunteers import rewards
from sanshe.volunteers import services_activities as sv
from sanshe.volunteers.choices import RecordState, SignUpState
from sanshe.volunteers.models import ServiceRecord, SignUp, Volunteer
from sanshe.volunteers.testing_activities import (
    activities_world,
    id_number,
    make_activity,
    make_organization,
    make_record,
    make_volunteer,
)

pytestmark = pytest.mark.django_db


def _resident(community, name="赵在册", seed=500, status="registered"):
    from sanshe.core.crypto import blind_index
    from sanshe.core.masking import mask_id_number
    from sanshe.territory.models import Resident

    number = id_number(seed)
    r = Resident(name=name, id_number=number, id_number_index=blind_index(f"id_card:{number}"),
                 id_number_masked=mask_id_number(number), phone="13912345678",
                 phone_index=blind_index("13912345678"), phone_masked="139****5678", status=status)
    r.district_id, r.street_id, r.community_id = community.district_id, community.street_id, community.pk
    r.save()
    return r


# --- registration -----------------------------------------------------------------------------------------------
def test_staff_register_a_non_resident_with_validated_identity(world):
    worker = world.user(Role.COMMUNITY_WORKER)
    c1 = world.nodes["C1"]
    with pytest.raises(ValidationError) as exc:
        sv.register_volunteer(actor=worker, community=c1, name="钱", id_number="110105199001011234", phone="123")
    assert "id_number" in exc.value.message_dict and "phone" in exc.value.message_dict
    v = sv.register_volunteer(actor=worker, community=c1, name="钱多多", id_number=id_number(7),
                              phone="138 0013 8000", skills="助老、理发", availability="周末")
    assert v.number.startswith("ZY510199") and v.skills == ["助老", "理发"]
    assert v.phone == "13800138000" and v.phone_masked.startswith("138") and "*" in v.phone_masked
    assert v.id_number_masked != v.id_number and v.community_id == c1.pk and v.resident is None
    entry = AuditEntry.objects.filter(action="volunteers.volunteer.registered").latest("seq")
    assert id_number(7) not in str(entry.changes)
    # the same ID number cannot register twice
    with pytest.raises(ValidationError) as exc:
        sv.register_volunteer(actor=worker, community=c1, name="钱多多", id_number=id_number(7), phone="13800138001")
    assert "id_number" in exc.value.message_dict


def test_register_a_registry_resident_brings_identity_from_the_registry(world):
    worker = world.user(Role.COMMUNITY_WORKER)
    resident = _resident(world.nodes["C1"])
    v = sv.register_volunteer(actor=worker, resident=resident)
    assert v.resident == resident and v.name == resident.name and v.id_number == resident.id_number
    assert v.phone == resident.phone and v.community_id == resident.community_id
    with pytest.raises(ValidationError):
        sv.register_volunteer(actor=worker, resident=resident)


def test_register_outside_territory_is_refused(world):
    worker = world.user(Role.COMMUNITY_WORKER)
    with pytest.raises(OutOfScope):
        sv.register_volunteer(actor=worker, community=world.nodes["C2"], name="外", id_number=id_number(8),
                              phone="13800138000")


def test_self_registration_links_the_registry_resident_by_id_number(world):
    resident_user = world.user(Role.RESIDENT)
    resident = _resident(world.nodes["C1"], seed=600)
    v = sv.register_volunteer(actor=resident_user, community=world.nodes["C1"], name="赵在册",
                              id_number=resident.id_number, phone="13912345678", resident=None)
    assert v.user == resident_user and v.resident == resident
    with pytest.raises(ValidationError):
        sv.register_volunteer(actor=resident_user, community=world.nodes["C1"], name="赵在册",
                              id_number=id_number(601), phone="13912345678")
    with pytest.raises(Denied):
        sv.register_volunteer(actor=world.user(Role.GRID_WORKER), community=world.nodes["C1"], name="x",
                              id_number=id_number(602), phone="13800138000")


# --- activities and sign-up -------------------------------------------------------------------------------------
def test_post_activity_by_community_and_by_organization(world):
    c1 = world.nodes["C1"]
    start = timezone.now() + dt.timedelta(days=1)
    worker, org_user = world.user(Role.COMMUNITY_WORKER), world.user(Role.SOCIAL_ORG)
    a = sv.post_activity(actor=worker, community=c1, title="义诊", place="广场", starts_at=start,
                         ends_at=start + dt.timedelta(hours=2), slots=5, skills=["医疗护理"])
    assert a.token and a.organization is None and a.community_id == c1.pk
    with pytest.raises(ValidationError) as exc:
        sv.post_activity(actor=worker, community=c1, title="", place="", starts_at=start, ends_at=start, slots=0)
    assert set(exc.value.message_dict) >= {"title", "place", "ends_at", "slots"}
    with pytest.raises(Denied):  # social_org has no VOLUNTEERS_MANAGE: the community's activities are not his
        sv.post_activity(actor=org_user, community=c1, title="x", place="y", starts_at=start,
                         ends_at=start + dt.timedelta(hours=1), slots=1)
    mine = make_organization(c1, staff=[org_user])
    other = make_organization(c1, name="别家")
    a2 = sv.post_activity(actor=org_user, community=c1, organization=mine, title="读书会", place="图书室",
                          starts_at=start, ends_at=start + dt.timedelta(hours=2), slots=3)
    assert a2.organization == mine and a2.organizer_name == mine.name
    with pytest.raises(Denied):
        sv.post_activity(actor=org_user, community=c1, organization=other, title="x", place="y", starts_at=start,
                         ends_at=start + dt.timedelta(hours=1), slots=1)


def test_sign_up_holds_slots_and_cancel_frees_them(world):
    c1 = world.nodes["C1"]
    vol_user, res_user = world.user(Role.VOLUNTEER), world.user(Role.RESIDENT)
    make_volunteer(c1, user=vol_user, seed=1)
    make_volunteer(c1, user=res_user, seed=2)
    activity = make_activity(c1, slots=1)
    s = sv.sign_up(activity, actor=vol_user)
    assert s.state == SignUpState.SIGNED_UP and sv.taken_slots(activity) == 1
    with pytest.raises(ValidationError):
        sv.sign_up(activity, actor=vol_user)  # twice
    with pytest.raises(ValidationError) as exc:
        sv.sign_up(activity, actor=res_user)  # full
    assert "activity" in exc.value.message_dict
    sv.cancel_sign_up(activity, actor=vol_user)
    assert sv.taken_slots(activity) == 0
    sv.sign_up(activity, actor=res_user)
    assert SignUp.objects.get(activity=activity, volunteer__user=res_user).state == SignUpState.SIGNED_UP
    # outside the volunteer's district: 404
    far = make_activity(world.nodes["C4"])
    with pytest.raises(OutOfScope):
        sv.sign_up(far, actor=vol_user)


def test_sign_up_without_registration_is_refused(world):
    activity = make_activity(world.nodes["C1"])
    with pytest.raises(ValidationError) as exc:
        sv.sign_up(activity, actor=world.user(Role.VOLUNTEER))
    assert "volunteer" in exc.value.message_dict


# --- check-in and check-out -------------------------------------------------------------------------------------
def test_check_in_out_hours_are_capped_by_the_activity_window_and_rounded(world):
    c1 = world.nodes["C1"]
    user = world.user(Role.VOLUNTEER)
    v = make_volunteer(c1, user=user, seed=3)
    start = timezone.now().replace(microsecond=0) + dt.timedelta(minutes=30)
    activity = make_activity(c1, start=start, hours=3)
    sv.sign_up(activity, actor=user)
    with pytest.raises(ValidationError):
        sv.check_in(activity, actor=user, at=start - dt.timedelta(hours=2))  # too early
    record = sv.check_in(activity, actor=user, at=start - dt.timedelta(minutes=40))  # arrives early
    assert record.state == RecordState.OPEN and record.volunteer == v and record.place == activity.place
    with pytest.raises(ValidationError):
        sv.check_in(activity, actor=user, at=start)  # twice
    record = sv.check_out(activity, actor=user, at=start + dt.timedelta(hours=4))  # leaves late: capped at 3 h
    assert record.state == RecordState.PENDING and record.hours == Decimal("3.0")
    with pytest.raises(ValidationError):
        sv.check_out(activity, actor=user)
    assert sv.service_hours(activity, start + dt.timedelta(minutes=10), start + dt.timedelta(minutes=84)) == \
        Decimal("1.0")  # 74 minutes → 1 h
    assert sv.service_hours(activity, start, start + dt.timedelta(minutes=105)) == Decimal("2.0")  # 1.75 → 2
    assert sv.service_hours(activity, start, start + dt.timedelta(minutes=14)) == Decimal("0.0")


def test_walk_in_needs_a_free_slot_and_the_activity_allowing_it(world):
    c1 = world.nodes["C1"]
    vol_user, res_user = world.user(Role.VOLUNTEER), world.user(Role.RESIDENT)
    make_volunteer(c1, user=vol_user, seed=4)
    make_volunteer(c1, user=res_user, seed=5)
    start = timezone.now() - dt.timedelta(minutes=5)
    activity = make_activity(c1, start=start, slots=1)
    record = sv.check_in(activity, actor=vol_user)  # walk-in takes the last slot
    assert record.state == RecordState.OPEN
    assert SignUp.objects.get(activity=activity, volunteer=record.volunteer).walk_in
    with pytest.raises(ValidationError):
        sv.check_in(activity, actor=res_user)  # no slot left
    closed = make_activity(c1, start=start, slots=5, allow_walk_in=False)
    with pytest.raises(ValidationError):
        sv.check_in(closed, actor=res_user)


def test_activity_by_token_is_scoped(world):
    activity = make_activity(world.nodes["C4"])
    with pytest.raises(OutOfScope):
        sv.activity_by_token(activity.token, world.user(Role.VOLUNTEER))
    inside = make_activity(world.nodes["C2"])
    assert sv.activity_by_token(inside.token, world.user(Role.VOLUNTEER)) == inside


# --- closing by rule --------------------------------------------------------------------------------------------
def test_forgotten_check_outs_are_closed_by_rule_at_the_activity_end(world):
    c1 = world.nodes["C1"]
    now = timezone.now()
    v = make_volunteer(c1, seed=6)
    old = make_activity(c1, start=now - dt.timedelta(hours=8), hours=3)  # ended 5 h ago
    recent = make_activity(c1, title="刚结束", start=now - dt.timedelta(hours=4), hours=3)  # ended 1 h ago
    r_old = make_record(v, old, state=RecordState.OPEN, started_at=old.starts_at + dt.timedelta(minutes=20))
    r_recent = make_record(v, recent, state=RecordState.OPEN)
    ServiceRecord.objects.filter(pk__in=[r_old.pk, r_recent.pk]).update(ended_at=None, hours=0)
    assert sv.close_forgotten_checkouts(now=now, grace_hours=2) == 1
    r_old.refresh_from_db()
    r_recent.refresh_from_db()
    assert r_old.state == RecordState.PENDING and r_old.closed_by_rule and r_old.ended_at == old.ends_at
    assert r_old.hours == Decimal("2.5")  # 2 h 40 min → 2.5
    assert r_recent.state == RecordState.OPEN
    assert AuditEntry.objects.filter(action="volunteers.record.closed_by_rule").count() == 1
    assert sv.close_forgotten_checkouts(now=now, grace_hours=2) == 0


def test_the_periodic_task_closes_them(world):
    from sanshe.volunteers.tasks_activities import close_forgotten_checkouts

    v = make_volunteer(world.nodes["C1"], seed=9)
    a = make_activity(world.nodes["C1"], start=timezone.now() - dt.timedelta(days=1))
    make_record(v, a, state=RecordState.OPEN)
    assert close_forgotten_checkouts.call() == {"closed": 1}


# --- confirmation -----------------------------------------------------------------------------------------------
def test_organizer_confirms_with_adjustment_and_the_hook_runs_inside(world, monkeypatch):
    data = activities_world(world)
    record = data[True]["record"]
    seen = []

    def hook(r):
        from django.db import connection

        seen.append((r.pk, r.state, connection.in_atomic_block))

    monkeypatch.setattr(rewards, "on_hours_confirmed", hook)
    org_user, worker = world.user(Role.SOCIAL_ORG), world.user(Role.COMMUNITY_WORKER)
    # the organization's activity: the community worker sees it but does not organize it
    with pytest.raises(Denied):
        sv.confirm_record(record, actor=worker)
    with pytest.raises(ValidationError) as exc:
        sv.confirm_record(record, actor=org_user, hours="2.5")
    assert "reason" in exc.value.message_dict
    with pytest.raises(ValidationError):
        sv.confirm_record(record, actor=org_user, hours="9", reason="多")
    record = sv.confirm_record(record, actor=org_user, hours="2.5", reason="中途离开半小时")
    assert record.state == RecordState.CONFIRMED and record.hours == Decimal("2.5")
    assert record.computed_hours == Decimal("3") and record.confirmed_by == org_user
    assert record.confirmer_name and record.decision_note == "中途离开半小时"
    assert seen == [(record.pk, RecordState.CONFIRMED, True)]
    with pytest.raises(ValidationError):
        sv.confirm_record(record, actor=org_user)  # only once
    # an organization staff member cannot confirm the other district's record
    with pytest.raises((OutOfScope, Denied)):
        sv.confirm_record(data[False]["record"], actor=org_user)


def test_community_confirms_and_rejects_its_own_activity_records(world):
    c1 = world.nodes["C1"]
    worker = world.user(Role.COMMUNITY_WORKER)
    a = make_activity(c1, start=timezone.now() - dt.timedelta(days=2))
    r1 = make_record(make_volunteer(c1, seed=21), a)
    r2 = make_record(make_volunteer(c1, seed=22), a)
    sv.confirm_record(r1, actor=worker)
    with pytest.raises(ValidationError):
        sv.reject_record(r2, actor=worker, reason="")
    r2 = sv.reject_record(r2, actor=worker, reason="未到场")
    assert r2.state == RecordState.REJECTED
    with pytest.raises(Denied):
        sv.confirm_record(make_record(make_volunteer(c1, seed=23), a), actor=world.user(Role.VOLUNTEER))
    outside = make_activity(world.nodes["C2"], start=timezone.now() - dt.timedelta(days=2))
    with pytest.raises(OutOfScope):
        sv.confirm_record(make_record(make_volunteer(world.nodes["C2"], seed=24), outside), actor=worker)


def test_a_failing_hook_rolls_the_confirmation_back(world, monkeypatch):
    c1 = world.nodes["C1"]
    a = make_activity(c1, start=timezone.now() - dt.timedelta(days=2))
    r = make_record(make_volunteer(c1, seed=31), a)

    def boom(record):
        raise RuntimeError("rewards failed")

    monkeypatch.setattr(rewards, "on_hours_confirmed", boom)
    with pytest.raises(RuntimeError):
        sv.confirm_record(r, actor=world.user(Role.COMMUNITY_WORKER))
    r.refresh_from_db()
    assert r.state == RecordState.PENDING


# --- figures ----------------------------------------------------------------------------------------------------
def test_figures_against_an_independent_count(world):
    from sanshe.territory.models import Resident

    now = timezone.now()
    c1, c2, c3 = world.nodes["C1"], world.nodes["C2"], world.nodes["C3"]
    for i, community in enumerate([c1, c1, c1, c2, c3, c3]):
        _resident(community, name=f"居民{i}", seed=700 + i)
    _resident(c1, name="迁出", seed=720, status="moved_out")
    vols = [make_volunteer(c, seed=800 + i) for i, c in enumerate([c1, c1, c2, c3])]
    make_volunteer(c1, seed=850, is_active=False)
    recent = make_activity(c1, start=now - dt.timedelta(days=30))
    old = make_activity(c1, start=now - dt.timedelta(days=500))
    make_activity(c2, start=now + dt.timedelta(days=3))
    make_activity(c3, start=now + dt.timedelta(days=3), cancelled_at=now)
    make_record(vols[0], recent, state=RecordState.CONFIRMED, hours=3)
    make_record(vols[1], old, state=RecordState.CONFIRMED, hours=2)
    make_record(vols[1], recent, state=RecordState.PENDING, hours=3)
    a2 = make_activity(c2, start=now - dt.timedelta(days=10))
    make_record(vols[2], a2, state=RecordState.CONFIRMED, hours="1.5")
    make_record(vols[2], old, state=RecordState.REJECTED, hours=1)

    # the independent count: plain Python over the rows
    def count(node):
        level = f"{node.level}_id"
        residents = [r for r in Resident.objects.all() if getattr(r, level) == node.pk and r.status == "registered"]
        volunteers = [v for v in Volunteer.objects.all() if getattr(v, level) == node.pk and v.is_active]
        records = [r for r in ServiceRecord.objects.all() if getattr(r, level) == node.pk and r.state == "confirmed"]
        active = {r.volunteer_id for r in records if r.started_at >= now - dt.timedelta(days=365)}
        return len(volunteers), len(residents), sum(Decimal(r.hours) for r in records), len(active)

    for key in ("D1", "S1", "C1", "C2", "S2"):
        node = world.nodes[key]
        f = sv.figures(node, now=now)
        vols_n, res_n, hours, active = count(node)
        assert (f.volunteers, f.residents, f.hours, f.active) == (vols_n, res_n, hours, active), key
        assert f.share == (round(vols_n * 100 / res_n, 2) if res_n else None)
    f = sv.figures(world.nodes["C1"], now=now)
    assert (f.volunteers, f.residents, f.hours, f.active, f.activities) == (2, 3, Decimal(5), 1, 2)
    assert f.share == 66.67
    d = sv.figures(world.nodes["D1"], now=now)
    assert (d.volunteers, d.residents, d.hours, d.active, d.activities, d.upcoming) == \
        (4, 6, Decimal("6.5"), 2, 4, 1)
    assert [x.node.pk for x in sv.figures_by_child(world.nodes["D1"], now=now)] == \
        [world.nodes["S1"].pk, world.nodes["S2"].pk]


# --- household file and concurrency -----------------------------------------------------------------------------
def test_confirmed_service_appears_on_the_household_timeline(world):
    from sanshe.territory.models import HouseholdTimelineEntry
    from sanshe.territory.tests.matrix_registry_search import make_resident

    resident = make_resident(world, True, name="钱户主")
    v = make_volunteer(world.nodes["C1"], resident=resident, name=resident.name, seed=61)
    a = make_activity(world.nodes["C1"], title="助老送餐", start=timezone.now() - dt.timedelta(days=1))
    r = make_record(v, a)
    sv.confirm_record(r, actor=world.user(Role.COMMUNITY_WORKER))
    entry = HouseholdTimelineEntry.objects.get(household=resident.household, kind="volunteers.service")
    assert "助老送餐" in entry.title and entry.resident == resident and entry.permission == sv.VIEW


@pytest.mark.django_db(transaction=True)
def test_volunteers_racing_for_the_last_slots_never_overbook():
    import threading

    from django.db import connection, connections

    if connection.vendor == "sqlite" and "memory" in str(connection.settings_dict["NAME"]):
        pytest.skip("an in-memory SQLite database is not shared between threads")
    from sanshe.core.testing import build_world

    world = build_world()
    c1 = world.nodes["C1"]
    users = [world.user(Role.VOLUNTEER), world.user(Role.RESIDENT)]
    for i, user in enumerate(users):
        make_volunteer(c1, user=user, seed=70 + i)
    activity = make_activity(c1, slots=1)
    barrier = threading.Barrier(2)
    outcomes = []

    def attempt(user):
        try:
            barrier.wait()
            sv.sign_up(activity, actor=user)
            outcomes.append("ok")
        except ValidationError:
            outcomes.append("full")
        except Exception as exc:  # noqa: BLE001 - a locked database counts as refused, never as over-booked
            outcomes.append(type(exc).__name__)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=attempt, args=(u,)) for u in users]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert outcomes.count("ok") == 1
    assert SignUp.objects.filter(activity=activity, state=SignUpState.SIGNED_UP).count() == 1
    if connection.vendor == "postgresql":  # the activity's row lock serializes them
        assert sorted(outcomes) == ["full", "ok"]
