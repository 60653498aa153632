"""Permission matrix entries for the service cloud: community work admission (see ``sanshe.core.matrix``).

Inside: entries and tasks of 测试区 (D1) — tasks of 测试区人社局 (``t_dept_handler`` is its staff) for 和平社区 (C1);
outside: the other district's entry and a task of 邻区人社局 for 远方社区 (C4), made directly (nobody of the
matrix world works there). Marking done is for the community's own staff only (the street and district see the
work but get 403).
"""

import datetime as dt

from sanshe.accounts.roles import Perm
from sanshe.core.matrix import UrlCase

VIEW, SUBMIT, REVIEW = Perm.ADMISSION_VIEW, Perm.ADMISSION_SUBMIT, Perm.ADMISSION_REVIEW


def admission_data(world, inside: bool) -> dict:
    from django.utils import timezone

    from sanshe.servicedesk.choices_admission import AssignmentState, TaskKind, TaskState
    from sanshe.servicedesk.models_admission import CommunityTask, TaskAssignment
    from sanshe.servicedesk.testing_admission import ensure_admission

    ensure_admission(world)
    cache = world.__dict__.setdefault("_matrix_admission", {})
    if inside not in cache:
        community = world.nodes["C1" if inside else "C4"]
        department = world.departments["hr" if inside else "other"]
        entry = world.entries["ledger" if inside else "other"]
        now = timezone.now()
        task = CommunityTask.objects.create(
            district_id=community.district_id, number=f"ZRMATRIX{int(inside)}", department=department,
            title=entry.title, kind=TaskKind.LEDGER, entry=entry, due_date=now.date() + dt.timedelta(days=30),
            hours=2, state=TaskState.ADMITTED, decision_note="矩阵", submitted_at=now, decided_at=now)
        task.communities.set([community])
        assignment = TaskAssignment(task=task, period=task.due_date.replace(day=1), due_date=task.due_date,
                                    state=AssignmentState.ASSIGNED)
        assignment.copy_ancestors_from(community)
        assignment.save()
        cache[inside] = {"entry": entry, "task": task, "assignment": assignment, "community": community}
    return cache[inside]


def _pk(key):
    def kwargs(world, role, inside):
        return {"pk": admission_data(world, inside)[key].pk}
    return kwargs


MATRIX = {
    "servicedesk:admission_entry_list": UrlCase(REVIEW),
    "servicedesk:admission_entry_create": UrlCase(REVIEW),
    "servicedesk:admission_entry_edit": UrlCase(REVIEW, kwargs=_pk("entry")),
    "servicedesk:admission_entry_withdraw": UrlCase(REVIEW, kwargs=_pk("entry"), method="POST",
                                                    data={"reason": "矩阵"}, ok=(302,)),
    "servicedesk:admission_task_list": UrlCase(SUBMIT),
    "servicedesk:admission_task_submit": UrlCase(SUBMIT),
    "servicedesk:admission_task_detail": UrlCase(SUBMIT, kwargs=_pk("task")),
    "servicedesk:admission_review": UrlCase(REVIEW),
    "servicedesk:admission_review_detail": UrlCase(REVIEW, kwargs=_pk("task")),
    "servicedesk:admission_assignments": UrlCase(VIEW),
    "servicedesk:admission_assignment_done": UrlCase(VIEW, kwargs=_pk("assignment"), method="POST", ok=(302,),
                                                     extra_forbidden=("district_admin", "street_official")),
    "servicedesk:admission_burden": UrlCase(VIEW, ok=(200, 302), note="one community: redirect to its page"),
    "servicedesk:admission_burden_community": UrlCase(VIEW, kwargs=_pk("community")),
    # API
    "servicedesk-admission-entry-list": UrlCase(SUBMIT, api=True),
    "servicedesk-admission-entry-detail": UrlCase(SUBMIT, kwargs=_pk("entry"), api=True),
    "servicedesk-admission-task-list": UrlCase(SUBMIT, api=True),
    "servicedesk-admission-task-detail": UrlCase(SUBMIT, kwargs=_pk("task"), api=True),
    "servicedesk-admission-review-list": UrlCase(REVIEW, api=True),
    "servicedesk-admission-review-detail": UrlCase(REVIEW, kwargs=_pk("task"), api=True),
    "servicedesk-admission-review-decide": UrlCase(REVIEW, kwargs=_pk("task"), api=True, method="POST",
                                                   data={"action": "overrule", "note": "矩阵"}, ok=(200, 400)),
}
