"""Permission matrix: the volunteer registry, teams, activities, sign-up, check-in and out, hours, figures.

Inside: rows of 和平社区 (C1, 测试区) — ``t_volunteer`` and ``t_resident`` are its volunteers, ``t_social_org`` is
staff of its organization; outside: the same rows in 远方社区 (C4, 邻区). Staff pages need VOLUNTEERS_VIEW (writes
VOLUNTEERS_MANAGE), an organization's pages VOLUNTEERS_ORGANIZE, the volunteer's pages VOLUNTEER_SELF. Refused
writes (already confirmed, already signed up …) redirect back with a message, hence 302.
"""

from sanshe.accounts.roles import Perm
from sanshe.core.matrix import UrlCase

VIEW, MANAGE, ORGANIZE, SELF = (Perm.VOLUNTEERS_VIEW, Perm.VOLUNTEERS_MANAGE, Perm.VOLUNTEERS_ORGANIZE,
                                Perm.VOLUNTEER_SELF)


def _pk(key):
    def kwargs(world, role, inside):
        from sanshe.volunteers.testing_activities import activities_world

        return {"pk": activities_world(world)[inside][key].pk}
    return kwargs


def _token(world, role, inside):
    from sanshe.volunteers.testing_activities import activities_world

    return {"token": activities_world(world)[inside]["activity"].token}


def _api(key):
    def kwargs(world, role, inside):
        from sanshe.volunteers.testing_activities import activities_world

        return {"pk": activities_world(world)[inside][key].pk}
    return kwargs


MATRIX = {
    # the volunteer's pages
    "volunteers:my_home": UrlCase(SELF),
    "volunteers:my_register": UrlCase(SELF, ok=(200, 302)),
    "volunteers:my_activities": UrlCase(SELF),
    "volunteers:my_activity": UrlCase(SELF, kwargs=_pk("activity")),
    "volunteers:my_signup": UrlCase(SELF, kwargs=_pk("activity"), method="POST", ok=(302,)),
    "volunteers:my_signup_cancel": UrlCase(SELF, kwargs=_pk("activity"), method="POST", ok=(302,)),
    "volunteers:my_records": UrlCase(SELF),
    "volunteers:checkin": UrlCase(SELF, kwargs=_token),
    # staff
    "volunteers:volunteer_list": UrlCase(VIEW),
    "volunteers:volunteer_export": UrlCase(VIEW),
    "volunteers:volunteer_create": UrlCase(MANAGE),
    "volunteers:volunteer_detail": UrlCase(VIEW, kwargs=_pk("volunteer")),
    "volunteers:volunteer_edit": UrlCase(MANAGE, kwargs=_pk("volunteer"), method="POST",
                                         data={"skills": "助老", "is_active": "on"}, ok=(302,)),
    "volunteers:team_list": UrlCase(VIEW),
    "volunteers:team_create": UrlCase(MANAGE),
    "volunteers:team_detail": UrlCase(VIEW, kwargs=_pk("team")),
    "volunteers:activity_list": UrlCase(VIEW),
    "volunteers:activity_create": UrlCase(MANAGE),
    "volunteers:activity_detail": UrlCase(VIEW, kwargs=_pk("activity")),
    "volunteers:activity_qr": UrlCase(VIEW, kwargs=_pk("activity")),
    "volunteers:activity_cancel": UrlCase(MANAGE, kwargs=_pk("activity"), method="POST", data={"reason": "矩阵"},
                                          ok=(302,)),
    "volunteers:record_confirm": UrlCase(MANAGE, kwargs=_pk("c_record"), method="POST", ok=(302,)),
    "volunteers:record_reject": UrlCase(MANAGE, kwargs=_pk("c_record"), method="POST", data={"reason": "矩阵"},
                                        ok=(302,)),
    "volunteers:figures": UrlCase(VIEW),
    # an organization's pages
    "volunteers:org_activity_list": UrlCase(ORGANIZE),
    "volunteers:org_activity_create": UrlCase(ORGANIZE),
    "volunteers:org_activity_detail": UrlCase(ORGANIZE, kwargs=_pk("org_activity")),
    "volunteers:org_activity_qr": UrlCase(ORGANIZE, kwargs=_pk("org_activity")),
    "volunteers:org_activity_cancel": UrlCase(ORGANIZE, kwargs=_pk("org_activity"), method="POST",
                                              data={"reason": "矩阵"}, ok=(302,)),
    "volunteers:org_record_confirm": UrlCase(ORGANIZE, kwargs=_pk("record"), method="POST", ok=(302,)),
    "volunteers:org_record_reject": UrlCase(ORGANIZE, kwargs=_pk("record"), method="POST", data={"reason": "矩阵"},
                                            ok=(302,)),
}


def _my_record(world, role, inside):
    from sanshe.accounts.roles import Role
    from sanshe.volunteers.testing_activities import activities_world

    data = activities_world(world)[inside]
    return {"pk": (data["c_record"] if role == Role.RESIDENT else data["v1_record"]).pk}


def _token_data(world, role):
    from sanshe.volunteers.testing_activities import activities_world

    return {"token": activities_world(world)[True]["activity"].token}


MATRIX.update({
    "volunteers-volunteer-list": UrlCase(VIEW, api=True),
    "volunteers-volunteer-detail": UrlCase(VIEW, kwargs=_api("volunteer"), api=True),
    "volunteers-activity-list": UrlCase(VIEW, api=True),
    "volunteers-activity-detail": UrlCase(VIEW, kwargs=_api("activity"), api=True),
    "volunteers-activity-signups": UrlCase(VIEW, kwargs=_api("activity"), api=True),
    "volunteers-org-activity-list": UrlCase(ORGANIZE, api=True),
    "volunteers-org-activity-detail": UrlCase(ORGANIZE, kwargs=_api("org_activity"), api=True),
    "volunteers-org-activity-signups": UrlCase(ORGANIZE, kwargs=_api("org_activity"), api=True),
    "volunteers-record-list": UrlCase(VIEW, api=True),
    "volunteers-record-detail": UrlCase(VIEW, kwargs=_api("c_record"), api=True),
    "volunteers-record-confirm": UrlCase(MANAGE, kwargs=_api("c_record"), method="POST", ok=(200, 400), api=True),
    "volunteers-record-reject": UrlCase(MANAGE, kwargs=_api("c_record"), method="POST", data={"reason": "矩阵"},
                                        ok=(200, 400), api=True),
    "volunteers-org-record-list": UrlCase(ORGANIZE, api=True),
    "volunteers-org-record-detail": UrlCase(ORGANIZE, kwargs=_api("record"), api=True),
    "volunteers-org-record-confirm": UrlCase(ORGANIZE, kwargs=_api("record"), method="POST", ok=(200, 400),
                                             api=True),
    "volunteers-org-record-reject": UrlCase(ORGANIZE, kwargs=_api("record"), method="POST", data={"reason": "矩阵"},
                                            ok=(200, 400), api=True),
    "volunteers-my-activity-list": UrlCase(SELF, api=True),
    "volunteers-my-activity-detail": UrlCase(SELF, kwargs=_api("activity"), api=True),
    "volunteers-my-activity-signup": UrlCase(SELF, kwargs=_api("activity"), method="POST", ok=(400,), api=True),
    "volunteers-my-activity-cancel": UrlCase(SELF, kwargs=_api("activity"), method="POST", ok=(200, 400), api=True),
    "volunteers-my-activity-check-in": UrlCase(SELF, kwargs=_api("activity"), method="POST", data=_token_data,
                                               ok=(400,), api=True, note="two days early: refused"),
    "volunteers-my-activity-check-out": UrlCase(SELF, kwargs=_api("activity"), method="POST", data=_token_data,
                                                ok=(400,), api=True, note="not checked in: refused"),
    "volunteers-my-record-list": UrlCase(SELF, api=True),
    "volunteers-my-record-detail": UrlCase(SELF, kwargs=_my_record, api=True),
})
