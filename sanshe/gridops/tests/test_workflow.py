"""The event workflow: every transition from every state, by the right and the wrong actor; extensions,
merging, escalation and duplicate suggestions."""

import datetime as dt

import pytest
from django.utils import timezone

from sanshe.accounts.models import Notification
from sanshe.core.exceptions import Denied, OutOfScope
from sanshe.core.models import AuditEntry
from sanshe.gridops.choices import TRANSITIONS, Action, EscalationLevel, EventState, Rating, Who
from sanshe.gridops.models import Event, EventStep, Extension
from sanshe.gridops.services import (
    TransitionRefused,
    allowed_actions,
    escalate_overdue,
    light,
    report_event,
    transition,
)
from sanshe.gridops.testing import PNG, report

pytestmark = pytest.mark.django_db

S = EventState
# How to bring a fresh event into each state: the actions, in order, each by its usual actor.
PATHS = {
    S.REPORTED: [],
    S.ACCEPTED: [Action.ACCEPT],
    S.NOT_FILED: [Action.NOT_FILE],
    S.FILED: [Action.FILE],
    S.DISPATCHED: [Action.FILE, Action.DISPATCH],
    S.HANDLING: [Action.FILE, Action.DISPATCH, Action.START],
    S.FED_BACK: [Action.FILE, Action.DISPATCH, Action.START, Action.FEED_BACK],
    S.VERIFIED: [Action.FILE, Action.DISPATCH, Action.START, Action.FEED_BACK, Action.VERIFY],
    S.CLOSED: [Action.FILE, Action.DISPATCH, Action.START, Action.FEED_BACK, Action.VERIFY, Action.CLOSE],
    S.MERGED: [Action.MERGE],
}


def actor_for(w, action):
    who = TRANSITIONS[action].who
    return {
        Who.DESK: w.user("community_worker"), Who.UNIT: w.user("handler"), Who.FIELD: w.user("grid_worker"),
        Who.REPORTER: w.user("grid_worker"), Who.SUPERVISOR: w.user("street_official"), Who.SYSTEM: None,
        Who.ANYONE: w.user("community_worker"),
    }[who]


def kwargs_for(w, action, event):
    kw = {"note": "处理说明"}
    if action in (Action.DISPATCH,):
        kw["unit"] = w.units["street"]
    if action == Action.REASSIGN:
        kw["unit"] = w.units["community"]
    if action == Action.RATE:
        kw["rating"] = Rating.SATISFIED
    if action == Action.MERGE:
        kw["master"] = report(w, description="同一处垃圾")
    if action == Action.REQUEST_EXTENSION:
        kw.update(extra=2, extra_unit="working_days")
    return kw


def apply(w, event, action):
    if action in (Action.APPROVE_EXTENSION, Action.DENY_EXTENSION) and not event.extensions.filter(
            state="pending").exists() and event.state in (S.DISPATCHED, S.HANDLING):
        transition(event, Action.REQUEST_EXTENSION, actor=w.user("handler"), note="需要更多时间", extra=1)
    if action == Action.ESCALATE and event.deadline:
        Event.objects.filter(pk=event.pk).update(deadline=timezone.now() - dt.timedelta(hours=1))
    return transition(event, action, actor=actor_for(w, action), **kwargs_for(w, action, event))


def in_state(w, state):
    event = report(w)
    for action in PATHS[state]:
        event = apply(w, event, action)
    assert event.state == state
    return event


@pytest.mark.parametrize("state", list(PATHS))
def test_every_action_from_every_state(gworld, state):
    w = gworld
    for action, step in TRANSITIONS.items():
        event = in_state(w, state)
        steps_before = EventStep.objects.filter(event=event).count()
        if state in step.sources:
            after = apply(w, event, action)
            assert after.state == (step.target or state), (action, state)
            assert EventStep.objects.filter(event=event).count() == steps_before + 1 + (
                action in (Action.APPROVE_EXTENSION, Action.DENY_EXTENSION))
            assert AuditEntry.objects.filter(action=f"gridops.event.{action}", object_id=str(event.pk)).exists()
        else:
            with pytest.raises((TransitionRefused, OutOfScope)):  # OutOfScope: the unit does not see it yet
                apply(w, event, action)
            event.refresh_from_db()
            assert event.state == state
            assert EventStep.objects.filter(event=event).count() == steps_before


def test_refused_by_the_wrong_actor(gworld):
    w = gworld
    event = in_state(w, S.FILED)
    with pytest.raises(Denied):  # a grid worker is not the desk
        transition(event, Action.DISPATCH, actor=w.user("grid_worker"), unit=w.units["street"])
    with pytest.raises(OutOfScope):  # another community's desk does not even see it
        from sanshe.accounts.services import bootstrap_account

        other = bootstrap_account(username="desk_c2", password="Test-pass-123", role="community_worker",
                                  node=w.nodes["C2"], full_name="团结社区")
        transition(event, Action.DISPATCH, actor=other, unit=w.units["street"])
    event = transition(event, Action.DISPATCH, actor=w.user("community_worker"), unit=w.units["community"])
    with pytest.raises(OutOfScope):  # the street department's staff: not their unit, not their event
        transition(event, Action.START, actor=w.user("handler"))
    with pytest.raises(TransitionRefused):  # a dispatch needs a unit of the same district
        transition(in_state(w, S.FILED), Action.DISPATCH, actor=w.user("community_worker"), unit=w.units["other"])


def test_reasons_are_required_where_the_table_says(gworld):
    w = gworld
    with pytest.raises(TransitionRefused) as err:
        transition(report(w), Action.NOT_FILE, actor=w.user("community_worker"))
    assert "note" in err.value.message_dict
    event = in_state(w, S.HANDLING)
    with pytest.raises(TransitionRefused):
        transition(event, Action.FEED_BACK, actor=w.user("handler"))


def test_only_the_reporter_or_the_desk_rates(gworld):
    w = gworld
    event = in_state(w, S.CLOSED)
    with pytest.raises(TransitionRefused):
        transition(event, Action.RATE, actor=w.user("handler"), rating=Rating.SATISFIED)
    with pytest.raises(TransitionRefused):
        transition(event, Action.RATE, actor=w.user("grid_worker"), rating="great")
    event = transition(event, Action.RATE, actor=w.user("community_worker"), rating=Rating.FAIRLY)
    assert event.rating == Rating.FAIRLY
    with pytest.raises(TransitionRefused):
        transition(event, Action.RATE, actor=w.user("grid_worker"), rating=Rating.SATISFIED)


def test_resident_reports_and_rates_his_own(gworld):
    w = gworld
    resident = w.user("resident")
    event = report_event(actor=resident, category=w.categories["0101"], description="井盖丢了",
                         node=w.nodes["G1"], source="resident").event
    assert event.reporter == resident and Event.objects.visible_to(resident).filter(pk=event.pk).exists()
    for action in PATHS[S.CLOSED]:
        event = apply(w, event, action)
    assert "rate" in allowed_actions(event, resident)
    event = transition(event, Action.RATE, actor=resident, rating=Rating.UNSATISFIED)
    assert Notification.objects.filter(user=w.user("community_worker"), kind="gridops.rate").exists()


def test_rework_and_timestamps(gworld):
    w = gworld
    event = in_state(w, S.FED_BACK)
    event = transition(event, Action.REWORK, actor=w.user("grid_worker"), note="垃圾仍未清完", photos=[PNG])
    assert event.state == S.HANDLING and event.rework_count == 1
    assert event.photos.filter(step__action=Action.REWORK).count() == 1
    event = transition(event, Action.FEED_BACK, actor=w.user("handler"), note="已彻底清运")
    assert event.rework_count == 1 and event.handled_on_time is True


def test_extension_moves_the_deadline(gworld):
    w = gworld
    event = in_state(w, S.HANDLING)
    old = event.deadline
    event = transition(event, Action.REQUEST_EXTENSION, actor=w.user("handler"), note="需协调物业", extra=2)
    assert "request_extension" not in allowed_actions(event, w.user("handler"))
    with pytest.raises(TransitionRefused):
        transition(event, Action.REQUEST_EXTENSION, actor=w.user("handler"), note="再申请", extra=1)
    event = transition(event, Action.APPROVE_EXTENSION, actor=w.user("community_worker"))
    assert event.deadline > old and event.extension_count == 1
    ext = Extension.objects.get(event=event)
    assert ext.state == "approved" and ext.new_deadline == event.deadline
    transition(event, Action.REQUEST_EXTENSION, actor=w.user("handler"), note="还要两天", extra=2)
    event = transition(event, Action.DENY_EXTENSION, actor=w.user("community_worker"), note="不予延期")
    assert event.extension_count == 1


def test_return_and_reassign(gworld):
    w = gworld
    event = in_state(w, S.DISPATCHED)
    event = transition(event, Action.RETURN, actor=w.user("handler"), note="不属于本单位职责")
    assert event.state == S.FILED and event.handling_unit is None and event.deadline is None
    event = transition(event, Action.DISPATCH, actor=w.user("community_worker"), unit=w.units["street"])
    event = transition(event, Action.REASSIGN, actor=w.user("community_worker"), unit=w.units["community"],
                       note="改派社区")
    assert event.handling_unit == w.units["community"] and event.state == S.DISPATCHED
    # the street department still sees the event it handled before, but may no longer act on it
    assert Event.objects.visible_to(w.user("handler")).filter(pk=event.pk).exists()
    assert allowed_actions(event, w.user("handler")) == []


def test_dispatch_follows_the_responsibility_table(gworld):
    w = gworld
    event = in_state(w, S.FILED)
    event = transition(event, Action.DISPATCH, actor=w.user("community_worker"))
    assert event.handling_unit == w.units["street"]  # 0301 at S1 → 幸福街道城管科
    unlisted = report(w, category="0101")
    unlisted = transition(unlisted, Action.FILE, actor=w.user("community_worker"))
    with pytest.raises(TransitionRefused) as err:
        transition(unlisted, Action.DISPATCH, actor=w.user("community_worker"))
    assert "unit" in err.value.message_dict


def test_merged_reports_follow_the_master(gworld):
    w = gworld
    master = report(w, description="小区门口垃圾")
    child = report_event(actor=w.user("resident"), category=w.categories["0301"], description="门口垃圾没人管",
                         node=w.nodes["G1"], source="resident").event
    transition(child, Action.MERGE, actor=w.user("community_worker"), master=master)
    for action in PATHS[S.CLOSED]:
        master = apply(w, master, action)
    child.refresh_from_db()
    assert child.state == S.MERGED and child.closed_at is not None and child.merged_into == master
    assert Notification.objects.filter(user=w.user("resident"), kind="gridops.merged_closed").exists()
    assert child.steps.filter(action=Action.CLOSE, public=True).exists()


def test_escalation_goes_up_one_level_at_a_time(gworld):
    w = gworld
    event = in_state(w, S.DISPATCHED)
    now = timezone.now()
    span = event.deadline - event.dispatched_at
    assert escalate_overdue(now) == 0 and light(event, now) == "green"
    assert light(event, event.yellow_at + dt.timedelta(seconds=1)) == "yellow"
    late = event.deadline + dt.timedelta(minutes=1)
    assert light(event, late) == "red"
    assert escalate_overdue(late) == 1
    event.refresh_from_db()
    assert event.escalation == EscalationLevel.STREET
    assert Notification.objects.filter(user=w.user("street_official"), kind="gridops.escalate").exists()
    assert escalate_overdue(late + dt.timedelta(minutes=1)) == 0  # not again for the same lateness
    assert escalate_overdue(event.deadline + span + dt.timedelta(minutes=1)) == 1
    event.refresh_from_db()
    assert event.escalation == EscalationLevel.DISTRICT
    assert Notification.objects.filter(user=w.user("district_admin"), kind="gridops.escalate").exists()
    assert escalate_overdue(event.deadline + span * 5) == 0
    assert list(event.steps.filter(action=Action.ESCALATE).values_list("actor", flat=True)) == [None, None]


def test_duplicates_are_offered_nearby_same_category_recent(gworld):
    w = gworld
    first = report(w, latitude=30.650000, longitude=104.060000)
    near = report_event(actor=w.user("grid_worker"), category=w.categories["0301"], description="又见垃圾",
                        node=w.nodes["G1"], latitude=30.650300, longitude=104.060200)  # ≈ 38 m
    assert [e.pk for e in near.duplicates] == [first.pk]
    far = report_event(actor=w.user("grid_worker"), category=w.categories["0301"], description="别处垃圾",
                       node=w.nodes["G1"], latitude=30.660000, longitude=104.060000)  # ≈ 1.1 km
    assert far.duplicates == []
    other = report_event(actor=w.user("grid_worker"), category=w.categories["0102"], description="路灯坏了",
                         node=w.nodes["G1"], latitude=30.650100, longitude=104.060100)
    assert other.duplicates == []
    later = report_event(actor=w.user("grid_worker"), category=w.categories["0301"], description="四天后",
                         node=w.nodes["G1"], latitude=30.650100, longitude=104.060100,
                         at=timezone.now() + dt.timedelta(days=4))
    assert first.pk not in [e.pk for e in later.duplicates]


def test_report_validation_and_idempotency(gworld):
    w = gworld
    gw = w.user("grid_worker")
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as err:
        report_event(actor=gw, category=w.categories["0301"], description="", node=w.nodes["G1"],
                     photos=[b"not an image"], reporter_phone="12")
    assert {"description", "photos", "reporter_phone"} <= set(err.value.message_dict)
    with pytest.raises(TransitionRefused):  # not his grid
        report_event(actor=gw, category=w.categories["0301"], description="别的网格", node=w.nodes["G2"])
    one = report_event(actor=gw, category=w.categories["0301"], description="一次", node=w.nodes["G1"],
                       submission_key="k-1", photos=[PNG])
    two = report_event(actor=gw, category=w.categories["0301"], description="一次", node=w.nodes["G1"],
                       submission_key="k-1", photos=[PNG])
    assert one.created and not two.created and one.event.pk == two.event.pk
    assert Event.objects.filter(submission_key="k-1").count() == 1 and one.event.photos.count() == 1
    assert one.event.number.startswith("SJ") and len(one.event.number) <= 20


def test_outcome_reaches_the_household_file_and_the_hotline_callers_phone(gworld, caplog):
    from sanshe.territory.models import Household, HouseholdTimelineEntry

    w = gworld
    household = Household.objects.create(number="GW-1", community_id=w.nodes["C1"].pk, district_id=w.nodes["D1"].pk,
                                         street_id=w.nodes["S1"].pk, grid_id=w.nodes["G1"].pk)
    event = report_event(actor=w.user("community_worker"), category=w.categories["0301"], description="热线来电",
                         node=w.nodes["G1"], source="hotline", reporter_name="张先生", reporter_phone="13800138000",
                         household=household).event
    event.reporter = None
    event.save(update_fields=["reporter"])
    caplog.set_level("INFO", logger="sanshe.sms")
    with __import__("django").test.TestCase.captureOnCommitCallbacks(execute=True):
        for action in PATHS[S.CLOSED]:
            event = apply(w, event, action)
    titles = list(HouseholdTimelineEntry.objects.filter(household=household, kind="gridops.event")
                  .values_list("title", flat=True))
    assert len(titles) == 2
    assert "138****8000" in caplog.text and "13800138000" not in caplog.text
