"""Case workflow, confidentiality of notes (and their audit), groups, attendance, activities."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from sanshe.core.exceptions import Denied, OutOfScope
from sanshe.core.models import AuditEntry
from sanshe.socialwork.choices_practice import CaseAction, CaseState
from sanshe.socialwork.models import Case, CaseSession, CaseStep, GroupAttendance
from sanshe.socialwork.services_practice import (
    NOTES_READ,
    add_goal,
    add_group_session,
    add_referral,
    create_group,
    read_notes,
    record_activity,
    record_session,
    set_attendance,
    set_referral_result,
    transition,
)
from sanshe.socialwork.testing_practice import build_practice, make_case, serving_case
from sanshe.territory.models import HouseholdTimelineEntry

pytestmark = pytest.mark.django_db


def test_workflow_with_history_rows(world):
    case = serving_case(world)
    assert case.state == CaseState.SERVING
    actor = world.user("social_worker")
    transition(case, CaseAction.CLOSE, actor=actor, outcome="achieved", closure_note="目标达成，结案")
    case.refresh_from_db()
    assert case.state == CaseState.CLOSED and case.closed_on == timezone.localdate()
    steps = list(CaseStep.objects.filter(case=case).values_list("action", "from_state", "to_state"))
    assert steps == [("open", "", "intake"), ("assess", "intake", "assessment"), ("plan", "assessment", "planning"),
                     ("start", "planning", "serving"), ("close", "serving", "closed")]
    with pytest.raises(ValidationError):
        record_session(case, actor=actor, date=timezone.localdate(), hours=1, method="phone")
    with pytest.raises(ValidationError):
        transition(case, CaseAction.START, actor=actor)


def test_wrong_order_and_missing_fields_are_refused(world):
    case = make_case(world)
    actor = world.user("social_worker")
    with pytest.raises(ValidationError) as exc:
        transition(case, CaseAction.START, actor=actor)
    assert "action" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        transition(case, CaseAction.ASSESS, actor=actor, assessment=" ")
    assert "assessment" in exc.value.message_dict
    transition(case, CaseAction.ASSESS, actor=actor, assessment="预估")
    with pytest.raises(ValidationError) as exc:
        transition(case, CaseAction.PLAN, actor=actor, plan="计划")
    assert "goals" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        transition(case, CaseAction.CLOSE, actor=actor, outcome="achieved")
    assert "closure_note" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        record_session(case, actor=actor, date=timezone.localdate(), hours="0", method="phone")
    assert "hours" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        record_session(case, actor=actor, date=timezone.localdate() + dt.timedelta(days=2), hours=1, method="phone")
    assert "date" in exc.value.message_dict


def test_transfer_needs_a_reason_and_moves_the_case(world):
    case = make_case(world)
    actor = world.user("social_worker")
    with pytest.raises(ValidationError):
        transition(case, CaseAction.TRANSFER, actor=actor, to_worker=world.sw["sw3"])
    transition(case, CaseAction.TRANSFER, actor=actor, to_worker=world.sw["sw3"], note="工作调整")
    case.refresh_from_db()
    assert case.worker == world.sw["sw3"] and case.state == CaseState.INTAKE
    # the former worker can no longer write nor read
    with pytest.raises(OutOfScope):
        add_goal(case, actor=actor, text="x")
    with pytest.raises(OutOfScope):
        read_notes(case, actor=actor)
    assert read_notes(case, actor=world.user("sw3")).problem


def test_notes_are_encrypted_at_rest(world):
    case = serving_case(world)
    with connection.cursor() as cursor:
        cursor.execute("SELECT problem, assessment, plan FROM socialwork_case WHERE id = %s", [case.pk])
        row = cursor.fetchone()
        cursor.execute("SELECT notes FROM socialwork_casesession WHERE case_id = %s", [case.pk])
        notes = cursor.fetchone()[0]
    assert all(v.startswith("v1:") for v in row) and notes.startswith("v1:")
    assert "失眠" not in notes
    assert CaseSession.objects.get(case=case).notes == "机密会谈记录：谈到失眠"
    # and never into the audit log
    assert not AuditEntry.objects.filter(changes__icontains="失眠").exists()
    assert not AuditEntry.objects.filter(changes__icontains="抑郁").exists()


def test_only_worker_and_supervisor_read_notes_and_each_read_is_audited(world):
    case = serving_case(world)
    before = AuditEntry.objects.filter(action=NOTES_READ).count()
    notes = read_notes(case, actor=world.user("social_worker"))
    assert notes.assessment.startswith("预估") and "失眠" in next(iter(notes.sessions.values()))
    assert read_notes(case, actor=world.user("sup")).plan.startswith("计划")
    entries = AuditEntry.objects.filter(action=NOTES_READ).order_by("seq")
    assert entries.count() == before + 2
    assert [e.username for e in entries][-2:] == ["t_social_worker", "t_sw_supervisor"]
    assert all(e.object_id == str(case.pk) for e in entries)
    for user in ["sw3", "far"]:
        with pytest.raises(OutOfScope):
            read_notes(case, actor=world.user(user))
    from sanshe.accounts.roles import Role
    for role in Role.values:
        if role == "social_worker":
            continue
        with pytest.raises((Denied, OutOfScope)):
            read_notes(case, actor=world.user(role))
    assert AuditEntry.objects.filter(action=NOTES_READ).count() == before + 2


def test_supervisor_reads_but_does_not_write(world):
    case = make_case(world)
    with pytest.raises(Denied):
        add_goal(case, actor=world.user("sup"), text="x")
    with pytest.raises(OutOfScope):
        add_goal(case, actor=world.user("sw3"), text="x")


def test_intake_rules(world):
    build_practice(world)
    with pytest.raises(OutOfScope):
        make_case(world, client="far")
    with pytest.raises(ValidationError) as exc:
        make_case(world, supervisor="far")
    assert "supervisor" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        make_case(world, supervisor="sw1")
    assert "supervisor" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        make_case(world, referral_source="nope")
    assert "referral_source" in exc.value.message_dict
    # an account that holds the role but is not on the roster
    from sanshe.accounts.services import bootstrap_account
    from sanshe.core.testing import PASSWORD
    loose = bootstrap_account(username="t_sw_loose", password=PASSWORD, role="social_worker",
                              node=world.nodes["D1"], full_name="x")
    from sanshe.socialwork.services_practice import open_case
    with pytest.raises(ValidationError) as exc:
        open_case(actor=loose, client=world.residents["r1"], title="t", referral_source="self")
    assert "worker" in exc.value.message_dict
    with pytest.raises(Denied):
        open_case(actor=world.user("community_worker"), client=world.residents["r1"], title="t",
                  referral_source="self")


def test_case_title_only_on_the_household_timeline(world):
    case = serving_case(world)
    entry = HouseholdTimelineEntry.objects.get(object_type="socialwork.case", object_id=str(case.pk))
    assert entry.title == "Case: 独居老人情绪支持" or "独居老人情绪支持" in entry.title
    assert entry.permission == "socialwork.view"
    assert entry.household_id == case.client.household_id
    assert "情绪低落" not in entry.title


def test_referrals(world):
    case = serving_case(world)
    actor = world.user("social_worker")
    ref = add_referral(case, actor=actor, to_whom="区心理咨询中心", reason="需要专业心理评估")
    set_referral_result(ref, actor=actor, result="accepted", note="已预约")
    ref.refresh_from_db()
    assert ref.result == "accepted"
    with pytest.raises(ValidationError):
        set_referral_result(ref, actor=actor, result="maybe")


def test_groups_and_attendance(world):
    build_practice(world)
    actor = world.user("social_worker")
    group = create_group(actor=actor, title="长者互助小组", goals="减少孤独感", community=world.nodes["C1"],
                         co_workers=[world.sw["sw3"]])
    assert set(group.workers.all()) == {world.sw["sw1"], world.sw["sw3"]}
    s1 = add_group_session(group, actor=actor, date=timezone.localdate(), hours=2, topic="相识")
    r = world.residents
    set_attendance(s1, actor=actor, residents=[r["r1"], r["r2"], r["r3"]])
    assert GroupAttendance.objects.filter(session=s1).count() == 3
    assert HouseholdTimelineEntry.objects.filter(kind="socialwork.group").count() == 3
    set_attendance(s1, actor=actor, residents=[r["r1"].pk, r["r2"].pk])
    assert GroupAttendance.objects.filter(session=s1).count() == 2
    assert HouseholdTimelineEntry.objects.filter(kind="socialwork.group").count() == 2
    with pytest.raises(ValidationError):
        set_attendance(s1, actor=actor, residents=[r["far"]])
    with pytest.raises(OutOfScope):
        add_group_session(group, actor=world.user("sup"), date=timezone.localdate(), hours=1, topic="x")
    # a co-worker takes attendance too
    set_attendance(s1, actor=world.user("sw3"), residents=[r["r1"].pk])
    assert GroupAttendance.objects.filter(session=s1).count() == 1
    with pytest.raises(ValidationError):
        create_group(actor=actor, title="x", goals="y", community=world.nodes["C4"])


def test_activities(world):
    build_practice(world)
    actor = world.user("social_worker")
    act = record_activity(actor=actor, title="社区防诈骗宣传", date=timezone.localdate(), method="education",
                          place="社区广场", participants=120)
    assert act.community_id == world.nodes["C1"].pk
    with pytest.raises(ValidationError) as exc:
        record_activity(actor=actor, title="x", date=timezone.localdate(), method="education", place="p",
                        participants=0)
    assert "participants" in exc.value.message_dict


def test_staff_queryset_sees_cases_in_territory(world):
    case = make_case(world)
    assert Case.objects.visible_to(world.user("community_worker")).filter(pk=case.pk).exists()
    assert Case.objects.visible_to(world.user("street_official")).filter(pk=case.pk).exists() is not False
    assert Case.objects.practice_of(world.user("social_worker")).filter(pk=case.pk).exists()
    assert Case.objects.practice_of(world.user("sup")).filter(pk=case.pk).exists()
    assert not Case.objects.practice_of(world.user("sw3")).filter(pk=case.pk).exists()
