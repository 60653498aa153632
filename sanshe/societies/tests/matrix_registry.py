"""Permission matrix: registry.

Inside: an organization of 和平社区 (C1) in 测试区, whose own account is ``t_social_org`` (OrganizationStaff), with
a member; outside: one of 远方社区 (C4, the other district) with nobody of the matrix world as staff. The ``mine``
pages are the organization's own (``SOCIETIES_SELF``): staff roles get 403 there, and the social_org role 404 on
an organization it is not staff of.
"""

from sanshe.accounts.roles import Perm
from sanshe.core.matrix import UrlCase

VIEW, MANAGE, EVALUATE, SELF = Perm.SOCIETIES_VIEW, Perm.SOCIETIES_MANAGE, Perm.SOCIETIES_EVALUATE, \
    Perm.SOCIETIES_SELF


def registry_data(world, inside: bool) -> dict:
    from sanshe.accounts.models import User
    from sanshe.societies.choices import MemberKind, OrgStatus, Track
    from sanshe.societies.models import CouncilSeat, LeadershipPost, Member, Organization, OrganizationStaff

    cache = world.__dict__.setdefault("_matrix_societies_registry", {})
    if inside not in cache:
        community = world.nodes["C1" if inside else "C4"]
        org = Organization(name=f"矩阵组织{int(inside)}", track=Track.FILED, filing_number=f"MATRIX{int(inside)}",
                           status=OrgStatus.FILED, node=community)
        org.copy_ancestors_from(community)
        org.save()
        staff = OrganizationStaff.objects.create(
            organization=org, user=User.objects.get(username="t_social_org" if inside else "t_nobody"))
        rows = {"org": org, "staff": staff}
        for key, row in (("member", Member(organization=org, kind=MemberKind.INDIVIDUAL, name="矩阵会员")),
                         ("seat", CouncilSeat(organization=org, holder_name="矩阵理事")),
                         ("post", LeadershipPost(organization=org, title="队长")),
                         ):
            row.copy_ancestors_from(community)
            row.save()
            rows[key] = row
        cache[inside] = rows
    return cache[inside]


def _fresh(kind):
    """A new row for each request (for URLs that remove it), of the inside or outside organization."""

    def kwargs(world, role, inside):
        from sanshe.accounts.models import User
        from sanshe.societies.models import CouncilSeat, LeadershipPost, OrganizationStaff

        org = registry_data(world, inside)["org"]
        if kind == "staff":
            row = OrganizationStaff.objects.create(organization=org, user=User.objects.create_user(
                f"t_matrix_{OrganizationStaff.objects.count()}_{int(inside)}", "x-Pass-123", district=org.district))
        else:
            row = CouncilSeat(organization=org, holder_name="临时") if kind == "seat" else \
                LeadershipPost(organization=org, title="临时")
            row.copy_ancestors_from(org.community)
            row.save()
        return {"pk": row.pk}
    return kwargs


def _pk(key):
    def kwargs(world, role, inside):
        return {"pk": registry_data(world, inside)[key].pk}
    return kwargs


MATRIX = {
    "societies:list": UrlCase(VIEW),
    "societies:export": UrlCase(VIEW),
    "societies:create": UrlCase(MANAGE),
    "societies:figures": UrlCase(VIEW),
    "societies:config": UrlCase(EVALUATE),
    "societies:detail": UrlCase(VIEW, kwargs=_pk("org")),
    "societies:edit": UrlCase(MANAGE, kwargs=_pk("org")),
    "societies:status": UrlCase(MANAGE, kwargs=_pk("org")),
    "societies:incubation": UrlCase(MANAGE, kwargs=_pk("org")),
    "societies:inspection": UrlCase(MANAGE, kwargs=_pk("org")),
    "societies:evaluation": UrlCase(EVALUATE, kwargs=_pk("org")),
    "societies:member_add": UrlCase(MANAGE, kwargs=_pk("org")),
    "societies:seat_add": UrlCase(MANAGE, kwargs=_pk("org")),
    "societies:post_add": UrlCase(MANAGE, kwargs=_pk("org")),
    "societies:member_end": UrlCase(MANAGE, kwargs=_pk("member"), method="POST", ok=(302,)),
    "societies:staff": UrlCase(MANAGE, kwargs=_pk("org")),
    "societies:staff_remove": UrlCase(MANAGE, kwargs=_fresh("staff"), method="POST", ok=(302,)),
    "societies:seat_edit": UrlCase(MANAGE, kwargs=_pk("seat")),
    "societies:seat_remove": UrlCase(MANAGE, kwargs=_fresh("seat"), method="POST", ok=(302,)),
    "societies:post_edit": UrlCase(MANAGE, kwargs=_pk("post")),
    "societies:post_remove": UrlCase(MANAGE, kwargs=_fresh("post"), method="POST", ok=(302,)),
    "societies:own_list": UrlCase(SELF, ok=(200, 302), note="one organization: redirect to its page"),
    "societies:own_detail": UrlCase(SELF, kwargs=_pk("org")),
    "societies:own_contacts": UrlCase(SELF, kwargs=_pk("org")),
    "societies:own_member_add": UrlCase(SELF, kwargs=_pk("org")),
    "societies:own_seat_add": UrlCase(SELF, kwargs=_pk("org")),
    "societies:own_member_end": UrlCase(SELF, kwargs=_pk("member"), method="POST", ok=(302,)),
    # API
    "societies-organization-list": UrlCase(VIEW, api=True),
    "societies-organization-detail": UrlCase(VIEW, kwargs=_pk("org"), api=True),
    "societies-organization-status": UrlCase(MANAGE, kwargs=_pk("org"), api=True, method="POST",
                                             data={"to": "incubating"}, ok=(200, 400)),
    "societies-organization-members": UrlCase(MANAGE, kwargs=_pk("org"), api=True, method="POST",
                                              data={"kind": "individual", "name": "矩阵"}, ok=(201, 400)),
    "societies-organization-evaluations": UrlCase(EVALUATE, kwargs=_pk("org"), api=True, method="POST",
                                                  data={"evaluated_on": "2025-01-01", "score_basic": 10,
                                                        "score_governance": 10, "score_performance": 10,
                                                        "score_social": 10}, ok=(201, 400)),
    "societies-figures-list": UrlCase(VIEW, api=True),
}
