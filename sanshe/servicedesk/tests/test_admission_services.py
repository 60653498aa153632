"""Community work admission: the gate's rules, the district's review, assignments, the burden figures."""

import datetime as dt
from collections import Counter
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from sanshe.core.exceptions import Denied, OutOfScope
from sanshe.servicedesk import services_admission as sa
from sanshe.servicedesk.choices_admission import (
    TRANSITIONS,
    AssignmentState,
    Frequency,
    RefusalReason,
    TaskAction,
    TaskKind,
    TaskState,
)
from sanshe.servicedesk.models import Certificate
from sanshe.servicedesk.models_admission import CommunityTask, ListEntry, TaskAssignment
from sanshe.servicedesk.testing_admission import build_admission, submit


@pytest.fixture
def aworld(sworld):
    return build_admission(sworld)


def _actions(task):
    return [s.action for s in task.steps.order_by("at", "pk")]


# --- the gate --------------------------------------------------------------------------------------------------
def test_on_list_named_entry_is_admitted_with_assignments(aworld):
    task = submit(aworld, entry="ledger")
    assert task.state == TaskState.ADMITTED and task.refusal_reason == ""
    assert _actions(task) == [TaskAction.SUBMIT, TaskAction.ADMIT]
    admit = task.steps.get(action=TaskAction.ADMIT)
    assert admit.actor is None and "ZR01" in admit.note and admit.from_state == TaskState.SUBMITTED
    rows = TaskAssignment.objects.filter(task=task)
    assert sorted(r.community.name for r in rows) == ["和平社区", "团结社区"]
    assert all(r.state == AssignmentState.ASSIGNED and r.district_id == aworld.nodes["D1"].pk for r in rows)
    assert all(r.street_id == aworld.nodes["S1"].pk for r in rows)


def test_on_list_by_title_without_entry_is_admitted(aworld):
    task = submit(aworld, entry=None, title="就业困难人员台账")
    assert task.state == TaskState.ADMITTED and task.entry == aworld.entries["ledger"]


def test_off_list_is_refused_with_reason_and_no_assignments(aworld):
    task = submit(aworld, title="创建文明城市迎检资料", kind=TaskKind.INSPECTION)
    assert task.state == TaskState.REFUSED and task.refusal_reason == RefusalReason.OFF_LIST
    assert "创建文明城市迎检资料" in task.decision_note
    assert _actions(task) == [TaskAction.SUBMIT, TaskAction.REFUSE]
    assert task.steps.get(action=TaskAction.REFUSE).data["reason"] == RefusalReason.OFF_LIST
    assert not task.assignments.exists()


@pytest.mark.parametrize("entry,kind,reason", [
    ("gone", TaskKind.ASSESSMENT, RefusalReason.WITHDRAWN),
    ("old", TaskKind.INSPECTION, RefusalReason.EXPIRED),
    ("ledger", TaskKind.REPORT, RefusalReason.KIND),
    ("civil", TaskKind.LEDGER, RefusalReason.DEPARTMENT),
])
def test_refusals(aworld, entry, kind, reason):
    task = submit(aworld, entry=entry, kind=kind, title="某项工作")
    assert task.state == TaskState.REFUSED and task.refusal_reason == reason
    assert task.decision_note and not task.assignments.exists()


def test_not_yet_in_force(aworld):
    entry = aworld.entries["report"]
    entry.effective_from = timezone.localdate() + dt.timedelta(days=5)
    entry.save()
    task = submit(aworld, entry="report", kind=TaskKind.REPORT)
    assert task.refusal_reason == RefusalReason.NOT_YET


def test_entry_of_other_district_cannot_be_named(aworld):
    with pytest.raises(ValidationError) as exc:
        submit(aworld, entry="other")
    assert "entry" in exc.value.message_dict


def test_submit_validation(aworld):
    for kwargs, field in [({"title": " "}, "title"), ({"communities": ()}, "communities"),
                          ({"communities": ("C4",)}, "communities"), ({"due_days": -3}, "due_date"),
                          ({"kind": "nonsense"}, "kind"), ({"hours": -1}, "hours")]:
        with pytest.raises(ValidationError) as exc:
            submit(aworld, **kwargs)
        assert field in exc.value.message_dict, kwargs
    assert not CommunityTask.objects.exists()


def test_only_department_staff_submit(aworld):
    with pytest.raises(Denied):
        submit(aworld, department="civil")  # t_dept_handler is not staff of 民政局
    with pytest.raises(Denied):
        submit(aworld, user="community_worker")


def test_withdrawing_an_entry_refuses_later_tasks(aworld):
    admin = aworld.user("district_admin")
    with pytest.raises(ValidationError):
        sa.withdraw_entry(actor=admin, entry=aworld.entries["ledger"], reason="")
    sa.withdraw_entry(actor=admin, entry=aworld.entries["ledger"], reason="并入统一台账")
    task = submit(aworld, entry="ledger")
    assert task.refusal_reason == RefusalReason.WITHDRAWN and "并入统一台账" in task.decision_note


# --- the district's review -------------------------------------------------------------------------------------
def test_exception_admits_a_refused_task_with_reason(aworld):
    admin = aworld.user("district_admin")
    task = submit(aworld, title="防汛物资检查", kind=TaskKind.INSPECTION)
    with pytest.raises(ValidationError) as exc:
        sa.transition(task, TaskAction.EXCEPTION, actor=admin, note=" ")
    assert "note" in exc.value.message_dict
    task = sa.transition(task, TaskAction.EXCEPTION, actor=admin, note="汛期临时任务，区政府同意")
    assert task.state == TaskState.ADMITTED and task.refusal_reason == ""
    step = task.steps.get(action=TaskAction.EXCEPTION)
    assert step.actor == admin and step.note == "汛期临时任务，区政府同意" and step.from_state == TaskState.REFUSED
    assert task.assignments.filter(state=AssignmentState.ASSIGNED).count() == 2


def test_overrule_refuses_an_admitted_task_and_cancels_open_work(aworld):
    admin = aworld.user("district_admin")
    task = submit(aworld, entry="ledger")
    done = task.assignments.get(community=aworld.nodes["C1"])
    sa.mark_done(actor=aworld.user("community_worker"), assignment=done)
    task = sa.transition(task, TaskAction.OVERRULE, actor=admin, note="与民政台账重复")
    assert task.state == TaskState.REFUSED and task.refusal_reason == RefusalReason.DISTRICT_REVIEW
    states = dict(task.assignments.values_list("community__name", "state"))
    assert states == {"和平社区": AssignmentState.DONE, "团结社区": AssignmentState.CANCELLED}
    assert task.steps.get(action=TaskAction.OVERRULE).data["cancelled"] == 1
    # and back by exception: the cancelled one is assigned again
    task = sa.transition(task, TaskAction.EXCEPTION, actor=admin, note="复核后保留")
    states = dict(task.assignments.values_list("community__name", "state"))
    assert states == {"和平社区": AssignmentState.DONE, "团结社区": AssignmentState.ASSIGNED}


def test_every_refused_transition(aworld):
    admin = aworld.user("district_admin")
    admitted = submit(aworld, entry="ledger")
    refused = submit(aworld, title="无目录工作")
    cases = [(admitted, TaskAction.EXCEPTION), (refused, TaskAction.OVERRULE),
             (admitted, TaskAction.ADMIT), (admitted, TaskAction.REFUSE), (admitted, TaskAction.SUBMIT),
             (admitted, "nonsense")]
    for task, action in cases:
        with pytest.raises(ValidationError):
            sa.transition(task, action, actor=admin, note="理由")
    with pytest.raises(Denied):
        sa.transition(admitted, TaskAction.OVERRULE, actor=aworld.user("dept_handler"), note="理由")
    with pytest.raises(Denied):
        sa.transition(admitted, TaskAction.OVERRULE, actor=aworld.user("street_official"), note="理由")
    assert set(TRANSITIONS) == set(TaskAction.values)


def test_other_district_admin_gets_out_of_scope(aworld):
    from sanshe.accounts.roles import Role
    from sanshe.accounts.services import bootstrap_account

    task = submit(aworld, entry="ledger")
    other = bootstrap_account(username="t_admin_d2", password="Test-pass-123", role=Role.DISTRICT_ADMIN,
                              node=aworld.nodes["D2"], full_name="邻区管理员")
    with pytest.raises(OutOfScope):
        sa.transition(task, TaskAction.OVERRULE, actor=other, note="理由")
    with pytest.raises(OutOfScope):
        sa.withdraw_entry(actor=other, entry=aworld.entries["ledger"], reason="理由")


# --- assignments -----------------------------------------------------------------------------------------------
def test_periods_per_frequency(aworld):
    today = timezone.localdate()
    monthly = submit(aworld, entry="report", kind=TaskKind.REPORT, title="社保参保情况月报",
                     frequency=Frequency.MONTHLY, due_days=100, communities=("C1",))
    months = sorted(monthly.assignments.values_list("period", flat=True))
    assert months[0] == today.replace(day=1) and months[-1] == monthly.due_date.replace(day=1)
    assert len(months) == len(set(months)) and 3 <= len(months) <= 5
    assert monthly.assignments.order_by("-period").first().due_date == monthly.due_date
    once = submit(aworld, entry="ledger", due_days=100, communities=("C1", "C2", "C3"))
    assert once.assignments.count() == 3
    assert set(once.assignments.values_list("period", flat=True)) == {once.due_date.replace(day=1)}


def test_mark_done_only_by_the_community(aworld):
    task = submit(aworld, entry="ledger")
    row = task.assignments.get(community=aworld.nodes["C2"])
    with pytest.raises(OutOfScope):
        sa.mark_done(actor=aworld.user("community_worker"), assignment=row)  # t_community_worker is of C1
    with pytest.raises(Denied):
        sa.mark_done(actor=aworld.user("street_official"), assignment=row)  # sees it, is not the community
    mine = task.assignments.get(community=aworld.nodes["C1"])
    sa.mark_done(actor=aworld.user("community_worker"), assignment=mine)
    mine.refresh_from_db()
    assert mine.state == AssignmentState.DONE and mine.done_at and mine.done_by == aworld.user("community_worker")
    with pytest.raises(ValidationError):
        sa.mark_done(actor=aworld.user("community_worker"), assignment=mine)


def test_scoping_of_assignments(aworld):
    submit(aworld, entry="ledger", communities=("C1", "C2", "C3"))
    def names(role):
        return sorted(TaskAssignment.objects.visible_to(aworld.user(role)).values_list("community__name", flat=True))
    assert names("community_worker") == ["和平社区"]
    assert names("street_official") == ["和平社区", "团结社区"]
    assert names("district_admin") == ["友谊社区", "和平社区", "团结社区"]
    assert sa.department_tasks(aworld.user("dept_handler")).count() == 1
    assert CommunityTask.objects.visible_to(aworld.user("community_worker")).count() == 0


# --- burden ----------------------------------------------------------------------------------------------------
def test_burden_against_independent_count(aworld):
    import random

    rng = random.Random(5)
    admin = aworld.user("district_admin")
    now = timezone.now()
    kinds = [("ledger", TaskKind.LEDGER, "就业困难人员台账"), ("report", TaskKind.REPORT, "社保参保情况月报"),
             (None, TaskKind.INSPECTION, "迎检"), (None, TaskKind.PLAQUE, "挂牌")]
    for i in range(25):
        entry, kind, title = rng.choice(kinds)
        at = now - dt.timedelta(days=rng.randrange(0, 300))
        task = submit(aworld, entry=entry, kind=kind, title=title, at=at,
                      due_days=(at.date() - timezone.localdate()).days + rng.randrange(0, 90),
                      frequency=rng.choice(list(Frequency.values)), hours=rng.choice([1, 2.5, 8]),
                      communities=rng.sample(["C1", "C2", "C3"], rng.randrange(1, 4)))
        if i % 7 == 3 and task.state == TaskState.REFUSED:
            sa.transition(task, TaskAction.EXCEPTION, actor=admin, note="例外", at=at)
    for k in range(4):
        c = Certificate(serial=f"T{k}", verify_code=f"V{k}", type_id=None, holder_name="某", body="x",
                        issued_at=now - dt.timedelta(days=35 * k))
        c.copy_ancestors_from(aworld.nodes["C1"])
        c.type = _cert_type(aworld)
        c.save()
    months = sa.month_list(timezone.localdate(), 12)
    communities = [aworld.nodes[c] for c in ("C1", "C2", "C3")]
    got = sa.burden(communities, months)
    # independently: walk the rows in Python
    for community in communities:
        for month in months:
            cell = got[community.pk][month]
            rows = [a for a in TaskAssignment.objects.select_related("task").all()
                    if a.community_id == community.pk and a.period == month and a.state != "cancelled"]
            assert dict(cell["admitted"]) == dict(Counter(a.task.kind for a in rows))
            assert cell["hours"] == sum((a.task.hours for a in rows), Decimal(0))
            refused = [t for t in CommunityTask.objects.filter(state=TaskState.REFUSED)
                       if community in t.communities.all()
                       and timezone.localtime(t.decided_at).date().replace(day=1) == month]
            assert dict(cell["refused"]) == dict(Counter(t.kind for t in refused))
            certs = [c for c in Certificate.objects.all() if c.community_id == community.pk
                     and timezone.localtime(c.issued_at).date().replace(day=1) == month]
            assert cell["certificates"] == len(certs)
    assert sum(sum(got[c.pk][m]["refused"].values()) for c in communities for m in months) > 0
    assert sum(got[aworld.nodes["C1"].pk][m]["certificates"] for m in months) == 4


def _cert_type(world):
    from sanshe.servicedesk.certificate_seed import ensure_certificate_types

    return next(iter(ensure_certificate_types(world.nodes["D1"]).values()))


def test_entry_save_rules(aworld):
    admin = aworld.user("district_admin")
    d1, hr = aworld.nodes["D1"], aworld.departments["hr"]
    today = timezone.localdate()
    entry = sa.save_entry(actor=admin, district=d1, code="ZR09", title="退役军人信息采集", kind=TaskKind.LEDGER,
                          department=hr, effective_from=today)
    assert ListEntry.objects.filter(pk=entry.pk, district=d1).exists()
    for kwargs, field in [({"code": "ZR01"}, "code"), ({"department": aworld.departments["other"]}, "department"),
                          ({"effective_to": today - dt.timedelta(days=1)}, "effective_to")]:
        args = {"code": "ZR10", "title": "x", "kind": TaskKind.LEDGER, "department": hr, "effective_from": today}
        args.update(kwargs)
        with pytest.raises(ValidationError) as exc:
            sa.save_entry(actor=admin, district=d1, **args)
        assert field in exc.value.message_dict
    with pytest.raises(Denied):
        sa.save_entry(actor=aworld.user("dept_handler"), district=d1, code="ZR11", title="x", kind=TaskKind.LEDGER,
                      department=hr, effective_from=today)
