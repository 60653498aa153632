"""The application workflow: acceptance at any window of the territory, 补正 with the clock standing still,
办结 on time or late, 不予办理, rating by the applicant, and every refused step."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError

from sanshe.core.exceptions import Denied, OutOfScope
from sanshe.core.models import AuditEntry
from sanshe.gridops.workcalendar import Calendar
from sanshe.servicedesk.choices import TRANSITIONS, Action, ApplicationState, MaterialStatus
from sanshe.servicedesk.models import Application, ApplicationStep
from sanshe.servicedesk.services import (
    TransitionRefused,
    allowed_actions,
    find_for_applicant,
    remaining_working_seconds,
    transition,
)
from sanshe.servicedesk.testing import accept
from sanshe.territory.models import HouseholdTimelineEntry

TZ = ZoneInfo("Asia/Shanghai")
DAY = 8 * 3600  # the default working day, 09:00–17:00 … see Calendar.day_seconds


def at(y, m, d, h=10, mi=0):
    return dt.datetime(y, m, d, h, mi, tzinfo=TZ)


def test_acceptance_routes_to_the_department_with_a_deadline_in_working_days(sworld):
    # Monday 2026-09-28: 20 working days run over the National Day holiday (10-01 … 10-07) and its 调休 days
    app = accept(sworld, at=at(2026, 9, 28))
    cal = Calendar()
    assert app.state == ApplicationState.RECEIVED and app.department == sworld.departments["hr"]
    assert app.deadline == cal.deadline(at(2026, 9, 28), 20, "working_days")
    assert cal.working_seconds_between(app.received_at, app.deadline) == 20 * cal.day_seconds
    assert app.number.startswith("FW20260928") and app.applicant_phone_masked == "138****8000"
    assert [s.action for s in app.steps.all()] == [Action.ACCEPT]
    assert app.materials.filter(status=MaterialStatus.RECEIVED).count() == 3
    assert AuditEntry.objects.filter(action="servicedesk.application.accepted", object_id=str(app.pk)).exists()
    # the department's staff are told
    assert sworld.user("dept_handler").notifications.filter(kind="servicedesk.received").count() == 1


def test_missing_material_at_acceptance_starts_in_supplement_with_the_clock_stopped(sworld):
    item = sworld.items["retire"]
    photo_id = item.materials.get(name="户口簿").pk
    app = accept(sworld, missing=[photo_id], at=at(2026, 11, 2))
    assert app.state == ApplicationState.SUPPLEMENT and app.paused_since == at(2026, 11, 2)
    assert [s.action for s in app.steps.all()] == [Action.ACCEPT, Action.REQUEST_SUPPLEMENT]
    first = app.deadline
    # the materials come three working days later: the deadline moves by exactly that working time
    app = transition(app, Action.SUPPLEMENT, actor=sworld.user("window_clerk"), at=at(2026, 11, 5))
    assert app.state == ApplicationState.PROCESSING and app.paused_since is None
    assert app.paused_seconds == 3 * Calendar().day_seconds
    assert app.deadline == Calendar().add_working_seconds(first, 3 * Calendar().day_seconds)
    assert not app.materials.filter(status=MaterialStatus.MISSING).exists()


def test_the_whole_loop_with_a_pause_and_a_rating(sworld):
    clerk, handler = sworld.user("window_clerk"), sworld.user("dept_handler")
    app = accept(sworld, at=at(2026, 11, 2, 9, 30))  # Monday
    assert allowed_actions(app, handler) == ["start", "request_supplement", "complete", "refuse", "comment"]
    assert "start" not in allowed_actions(app, clerk)
    app = transition(app, Action.START, actor=handler, at=at(2026, 11, 3))
    app = transition(app, Action.REQUEST_SUPPLEMENT, actor=handler, missing=["社保缴费证明"],
                     note="请补交社保缴费证明", at=at(2026, 11, 4, 10))
    assert app.materials.get(name="社保缴费证明").status == MaterialStatus.MISSING
    left = remaining_working_seconds(app, at(2026, 11, 20))  # frozen while it waits
    assert left == remaining_working_seconds(app, at(2026, 11, 4, 12))
    app = transition(app, Action.SUPPLEMENT, actor=clerk, at=at(2026, 11, 6, 10))
    assert app.paused_seconds == 2 * Calendar().day_seconds
    app = transition(app, Action.COMPLETE, actor=handler, result_note="已办结，退休待遇自12月起发放",
                     at=at(2026, 11, 10))
    assert app.state == ApplicationState.DONE and app.on_time is True and app.result_note.startswith("已办结")
    # the applicant rates it from the public page after proving who he is (last four digits of his phone)
    assert find_for_applicant(app.number, "1234") is None
    found = find_for_applicant(app.number, "8000")
    app = transition(found, Action.RATE, actor=None, rating="satisfied", comment="很快", applicant_verified=True)
    assert app.rating == "satisfied" and app.rated_at is not None
    with pytest.raises(TransitionRefused):
        transition(app, Action.RATE, actor=None, rating="satisfied", applicant_verified=True)
    steps = list(ApplicationStep.objects.filter(application=app).values_list("action", "to_state"))
    assert steps == [("accept", "received"), ("start", "processing"), ("request_supplement", "supplement"),
                     ("supplement", "processing"), ("complete", "done"), ("rate", "done")]


def test_late_completion_is_not_on_time(sworld):
    app = accept(sworld, item="retire", at=at(2026, 11, 2))
    app = transition(app, Action.COMPLETE, actor=sworld.user("dept_handler"), at=app.deadline + dt.timedelta(
        minutes=1))
    assert app.on_time is False


def test_refusal_needs_a_reason_and_closes_a_pause(sworld):
    handler = sworld.user("dept_handler")
    app = accept(sworld, missing=[sworld.items["retire"].materials.first().pk], at=at(2026, 11, 2))
    with pytest.raises(TransitionRefused) as exc:
        transition(app, Action.REFUSE, actor=handler)
    assert "note" in exc.value.message_dict
    app = transition(app, Action.REFUSE, actor=handler, note="不符合退休年龄条件", at=at(2026, 11, 3))
    assert app.state == ApplicationState.REFUSED and app.paused_since is None and app.paused_seconds > 0


def test_only_the_department_handles_and_only_a_window_of_the_territory_accepts(sworld):
    app = accept(sworld)
    # a handler who is not staff of the department
    sworld.departments["hr"].unitmember_set.all().delete()
    with pytest.raises(TransitionRefused):
        transition(app, Action.START, actor=sworld.user("dept_handler"))
    # the grid worker has no service permission at all
    with pytest.raises(Denied):
        transition(app, Action.START, actor=sworld.user("grid_worker"))
    # a window clerk cannot accept at another community's station (out of his territory: 404)
    with pytest.raises(OutOfScope):
        accept(sworld, station="C2")
    # nor an item of another district
    with pytest.raises(ValidationError) as exc:
        accept(sworld, item="other")
    assert "item" in exc.value.message_dict


def test_every_refused_transition_by_state(sworld):
    handler, clerk = sworld.user("dept_handler"), sworld.user("window_clerk")
    app = accept(sworld)
    for action, step in TRANSITIONS.items():
        if app.state in step.sources or action == Action.COMMENT:
            continue
        with pytest.raises((TransitionRefused, Denied)):
            transition(app, action, actor=handler if step.who == "department" else clerk, note="x",
                       rating="satisfied", applicant_verified=True)
    assert Application.objects.get(pk=app.pk).state == ApplicationState.RECEIVED


def test_bad_applicant_data_is_refused_with_field_errors(sworld):
    with pytest.raises(ValidationError) as exc:
        accept(sworld, name="", id_number="110105198001010000", phone="123")
    errors = exc.value.message_dict
    assert {"applicant_name", "applicant_id_number", "applicant_phone"} <= errors.keys()


def test_a_resident_applicant_gets_a_household_timeline_entry(sworld):
    from sanshe.servicedesk.services import Applicant, accept_application
    from sanshe.territory.tests.matrix_registry_search import make_resident

    resident = make_resident(sworld, name="李桂芳")
    household = resident.household
    app = accept_application(actor=sworld.user("window_clerk"), item=sworld.items["retire"],
                             station=sworld.stations["C1"], applicant=Applicant(resident=resident))
    assert app.applicant_name == "李桂芳" and app.household == household
    assert app.applicant_phone_masked == "138****1111"
    assert HouseholdTimelineEntry.objects.filter(household=household, kind="servicedesk.application").count() == 1


def test_a_retried_submission_makes_one_application(sworld):
    first = accept(sworld, submission_key="k-1")
    again = accept(sworld, submission_key="k-1")
    assert first.pk == again.pk and Application.objects.count() == 1
