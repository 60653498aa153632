"""The admission demo: the approved list, a year of tasks (some refused), work done and open; twice adds nothing."""

import pytest
from django.utils import timezone

from sanshe.core.management.commands.seed_demo import DemoContext
from sanshe.servicedesk.choices_admission import AssignmentState, RefusalReason, TaskAction, TaskState
from sanshe.servicedesk.models_admission import CommunityTask, ListEntry, TaskAssignment, TaskStep

pytestmark = pytest.mark.django_db


def _seed():
    from sanshe.accounts import demo as accounts_demo
    from sanshe.servicedesk import demo as sd_demo
    from sanshe.servicedesk import demo_admission
    from sanshe.territory import demo as territory_demo

    ctx = DemoContext("demo")
    territory_demo.seed(ctx)
    accounts_demo.seed(ctx)
    sd_demo.seed_window(ctx)
    demo_admission.seed(ctx)
    return ctx


def _counts():
    return (ListEntry.objects.count(), CommunityTask.objects.count(), TaskStep.objects.count(),
            TaskAssignment.objects.count(), TaskAssignment.objects.filter(state=AssignmentState.DONE).count())


def test_demo_admission():
    ctx = _seed()
    district = ctx.nodes["district"]
    assert ListEntry.objects.filter(district=district).count() >= 20
    assert ListEntry.objects.filter(district=district, withdrawn_at__isnull=False).exists()
    tasks = CommunityTask.objects.filter(district=district)
    assert tasks.count() >= 50
    assert tasks.values("department").distinct().count() >= 8
    reasons = set(tasks.filter(state=TaskState.REFUSED).values_list("refusal_reason", flat=True))
    assert {RefusalReason.OFF_LIST, RefusalReason.KIND, RefusalReason.WITHDRAWN} <= reasons
    assert TaskStep.objects.filter(action=TaskAction.EXCEPTION).exists()
    assert TaskStep.objects.filter(action=TaskAction.OVERRULE).exists()
    mine = tasks.filter(submitted_by__username="dept_handler")
    assert mine.filter(state=TaskState.ADMITTED).exists() and mine.filter(state=TaskState.REFUSED).exists()
    months = {t.submitted_at.astimezone(timezone.get_current_timezone()).strftime("%Y-%m") for t in tasks}
    assert len(months) >= 11
    work = TaskAssignment.objects.filter(district=district)
    assert work.filter(state=AssignmentState.DONE).exists() and work.filter(state=AssignmentState.ASSIGNED).exists()
    assert work.filter(community=ctx.nodes["community"], done_by__username="community_worker").exists()
    # every task has its history: submit then the gate
    for task in tasks[:20]:
        actions = list(task.steps.values_list("action", flat=True))
        assert actions[:2] in ([TaskAction.SUBMIT, TaskAction.ADMIT], [TaskAction.SUBMIT, TaskAction.REFUSE])
    before = _counts()
    _seed()
    assert _counts() == before
