"""Permission matrix entries for social workers' practice (see ``sanshe.core.matrix``).

Inside: a case of 张社工 (``t_social_worker``) for a resident of 和平社区 (C1), supervised by 李督导, a group of his
there, and the same rows seen by the staff of C1 / S1 / D1. Outside: a case and a group of 远方社工 in 远方社区 (C4,
district D2) — nobody of the matrix world reaches them.

The case page and the notes page (``practice_case`` / ``practice_case_notes`` and the API's ``my-cases`` detail) are
the strictest: ``SOCIALWORK_PRACTICE``, which only the social worker role carries, and then only the case's own
social worker and its supervisor (every other social worker gets 404: ``test_practice_confidentiality``). Staff
with ``SOCIALWORK_VIEW`` get 403 there and reach only the title pages (``practice_case_staff``).
"""

import datetime as dt

from sanshe.accounts.roles import Perm
from sanshe.core.matrix import UrlCase

PRACTICE, VIEW = Perm.SOCIALWORK_PRACTICE, Perm.SOCIALWORK_VIEW


def practice_data(world, inside: bool) -> dict:
    from django.utils import timezone

    from sanshe.socialwork.choices_practice import CaseState
    from sanshe.socialwork.models import Case, CommunityActivity, Group, GroupSession
    from sanshe.socialwork.testing_practice import build_practice

    build_practice(world)
    cache = world.__dict__.setdefault("_matrix_practice", {})
    if inside not in cache:
        resident = world.residents["r1" if inside else "far"]
        worker = world.sw["sw1" if inside else "far"]
        case = Case(number=f"GAMATRIX{int(inside)}", title="矩阵个案", client=resident, referral_source="community",
                    worker=worker, supervisor=world.sw["sup"] if inside else None, state=CaseState.SERVING,
                    opened_on=timezone.localdate() - dt.timedelta(days=3), problem="机密", assessment="机密预估")
        case.copy_ancestors_from(resident)
        case.save()
        group = Group(number=f"XZMATRIX{int(inside)}", title="矩阵小组", goals="目标", started_on=timezone.localdate())
        group.copy_ancestors_from(resident)
        group.save()
        group.workers.set([worker])
        session = GroupSession.objects.create(group=group, date=timezone.localdate(), hours=1, topic="矩阵")
        activity = CommunityActivity(title="矩阵活动", date=timezone.localdate(), method="education", place="广场",
                                     participants=10, worker=worker)
        activity.copy_ancestors_from(resident)
        activity.save()
        cache[inside] = {"case": case, "group": group, "session": session, "activity": activity}
    return cache[inside]


def _pk(key):
    def kwargs(world, role, inside):
        return {"pk": practice_data(world, inside)[key].pk}
    return kwargs


def _session_data(world, role):
    return {"do": "attendance", "session": practice_data(world, True)["session"].pk,
            "present": [world.residents["r1"].pk]}


def _api_attendance(world, role):
    return {"session": practice_data(world, True)["session"].pk, "residents": [world.residents["r1"].pk]}


MATRIX = {
    # the social worker's pages
    "socialwork:practice_my_cases": UrlCase(PRACTICE),
    "socialwork:practice_case_create": UrlCase(PRACTICE),
    "socialwork:practice_case": UrlCase(PRACTICE, kwargs=_pk("case"), note="notes shown: worker and supervisor only"),
    "socialwork:practice_case_notes": UrlCase(PRACTICE, kwargs=_pk("case"),
                                              note="the strictest: worker and supervisor only, every read audited"),
    "socialwork:practice_case_action": UrlCase(PRACTICE, kwargs=_pk("case"), method="POST",
                                               data={"do": "goal", "text": "矩阵目标"}, ok=(302,)),
    "socialwork:practice_my_groups": UrlCase(PRACTICE),
    "socialwork:practice_group_create": UrlCase(PRACTICE),
    "socialwork:practice_group": UrlCase(PRACTICE, kwargs=_pk("group")),
    "socialwork:practice_group_action": UrlCase(PRACTICE, kwargs=_pk("group"), method="POST", data=_session_data,
                                                ok=(302,)),
    "socialwork:practice_my_activities": UrlCase(PRACTICE),
    # staff pages: titles, states and counts only
    "socialwork:practice_cases": UrlCase(VIEW),
    "socialwork:practice_case_staff": UrlCase(VIEW, kwargs=_pk("case")),
    "socialwork:practice_groups": UrlCase(VIEW),
    "socialwork:practice_group_staff": UrlCase(VIEW, kwargs=_pk("group")),
    "socialwork:practice_activities": UrlCase(VIEW),
    "socialwork:practice_figures": UrlCase(VIEW),
    # API
    "socialwork-case-list": UrlCase(VIEW, api=True),
    "socialwork-case-detail": UrlCase(VIEW, kwargs=_pk("case"), api=True),
    "socialwork-my-case-list": UrlCase(PRACTICE, api=True),
    "socialwork-my-case-detail": UrlCase(PRACTICE, kwargs=_pk("case"), api=True,
                                         note="notes: worker and supervisor only, every read audited"),
    "socialwork-my-case-transition": UrlCase(PRACTICE, kwargs=_pk("case"), api=True, method="POST",
                                             data={"action": "start"}, ok=(200, 400)),
    "socialwork-my-case-sessions": UrlCase(PRACTICE, kwargs=_pk("case"), api=True, method="POST",
                                           data=lambda w, r: {"date": str(dt.date.today()), "hours": "1.0",
                                                              "method": "phone", "notes": "矩阵"}, ok=(201, 400)),
    "socialwork-my-case-goals": UrlCase(PRACTICE, kwargs=_pk("case"), api=True, method="POST",
                                        data={"text": "矩阵目标"}, ok=(201,)),
    "socialwork-my-case-referrals": UrlCase(PRACTICE, kwargs=_pk("case"), api=True, method="POST",
                                            data={"to_whom": "街道", "reason": "矩阵"}, ok=(201,)),
    "socialwork-group-list": UrlCase(VIEW, api=True),
    "socialwork-group-detail": UrlCase(VIEW, kwargs=_pk("group"), api=True),
    "socialwork-my-group-list": UrlCase(PRACTICE, api=True),
    "socialwork-my-group-detail": UrlCase(PRACTICE, kwargs=_pk("group"), api=True),
    "socialwork-my-group-sessions": UrlCase(PRACTICE, kwargs=_pk("group"), api=True, method="POST",
                                            data=lambda w, r: {"date": str(dt.date.today()), "hours": "1.5",
                                                               "topic": "矩阵"}, ok=(201, 400)),
    "socialwork-my-group-attendance": UrlCase(PRACTICE, kwargs=_pk("group"), api=True, method="POST",
                                              data=_api_attendance, ok=(200,)),
    "socialwork-my-activity-list": UrlCase(PRACTICE, api=True),
    "socialwork-my-activity-detail": UrlCase(PRACTICE, kwargs=_pk("activity"), api=True),
}
