"""Permission matrix entries of volunteer rewards and party members in service (see ``sanshe.core.matrix``).

"Inside" rows belong to 和平社区 (C1) of 测试区 (D1): inside every role's territory; "outside" rows to 远方社区 (C4)
of 邻区 (D2). District configuration rows (points rules) sit at D1 / D2. The volunteer's own certificate PDF is,
inside, a certificate of the requesting role's own volunteer row and, outside, someone else's (404).
"""

import datetime as dt

from sanshe.accounts.roles import Perm
from sanshe.core.matrix import PUBLIC, UrlCase

VIEW, MANAGE, CONFIGURE, SELF = (Perm.VOLUNTEERS_VIEW, Perm.VOLUNTEERS_MANAGE, Perm.VOLUNTEERS_CONFIGURE,
                                 Perm.VOLUNTEER_SELF)


def _volunteer(node, name, number, user=None):
    from sanshe.volunteers.models import Volunteer

    if user is not None:
        existing = Volunteer.objects.filter(user=user).first()
        if existing is not None:
            return existing
    v = Volunteer.objects.filter(number=number).first()
    if v is None:
        v = Volunteer(number=number, name=name, user=user, registered_on=dt.date(2024, 1, 1))
        v.copy_ancestors_from(node)
        v.save()
    return v


def _certificate(volunteer, node, number):
    from django.utils import timezone

    from sanshe.volunteers.models_rewards import ServiceCertificate

    cert = ServiceCertificate.objects.filter(number=number).first()
    if cert is None:
        cert = ServiceCertificate(number=number, volunteer=volunteer, issuer_name=node.name, person_in_charge="赵主任",
                                  holder_name=volunteer.name, volunteer_number=volunteer.number,
                                  period_start=dt.date(2025, 1, 1), period_end=dt.date(2025, 12, 31), hours=12,
                                  record_count=3, content="敬老助餐", issued_at=timezone.now())
        cert.copy_ancestors_from(node)
        cert.save()
    return cert


def rewards_data(world, inside: bool) -> dict:
    from django.utils import timezone

    from sanshe.volunteers.models_party import PartyPost, PartyReport, PostClaim
    from sanshe.volunteers.models_rewards import CatalogueItem, Nomination, PartnerUnit, PointRule, Redemption

    cache = world.__dict__.setdefault("_matrix_rewards", {})
    if inside not in cache:
        node = world.nodes["C1" if inside else "C4"]
        district = world.nodes["D1" if inside else "D2"]
        tag = "I" if inside else "O"
        volunteer = _volunteer(node, "矩阵志愿者", f"MXR{tag}")
        partner = PartnerUnit(name=f"矩阵商家{tag}")
        partner.copy_ancestors_from(node)
        partner.save()
        item = CatalogueItem(partner=partner, name="矩阵物品", points=10, stock=5)
        item.copy_ancestors_from(node)
        item.save()
        redemption = Redemption(volunteer=volunteer, item=item, points=10, code=f"MXRCODE{tag}",
                                redeemed_at=timezone.now())
        redemption.copy_ancestors_from(node)
        redemption.save()
        rule = PointRule(name="矩阵规则", points=10, effective_from=dt.date(2024, 1, 1))
        rule.copy_ancestors_from(district)
        rule.save()
        nomination = Nomination(nominee_name="矩阵好人", reason="助人为乐", nominated_at=timezone.now())
        nomination.copy_ancestors_from(node)
        nomination.save()
        report = PartyReport(volunteer=volunteer, work_unit="矩阵单位", party_branch="矩阵支部",
                             reported_on=dt.date(2025, 1, 1))
        report.copy_ancestors_from(node)
        report.save()
        post = PartyPost(title="矩阵岗位", slots=3)
        post.copy_ancestors_from(node)
        post.save()
        claim = PostClaim(post=post, report=report, claimed_at=timezone.now())
        claim.copy_ancestors_from(node)
        claim.save()
        cache[inside] = {"volunteer": volunteer, "item": item, "redemption": redemption, "rule": rule,
                         "nomination": nomination, "report": report, "post": post, "node": node, "claim": claim,
                         "certificate": _certificate(volunteer, node, f"ZYMATRIX{tag}")}
    return cache[inside]


def _pk(key):
    def kwargs(world, role, inside):
        return {"pk": rewards_data(world, inside)[key].pk}
    return kwargs


def _own_certificate(world, role, inside):
    data = rewards_data(world, True)
    if not inside:
        return {"pk": rewards_data(world, False)["certificate"].pk}
    user = world.user(role)
    volunteer = _volunteer(data["node"], "本人", f"MXS{user.pk}", user=user)
    return {"pk": _certificate(volunteer, data["node"], f"ZYMATRIXOWN{user.pk}").pk}


def _org_certificate(world, role, inside):
    """Inside: a certificate of an organization the requesting account is staff of; outside: another's."""
    from sanshe.societies.models import Organization, OrganizationStaff

    data = rewards_data(world, inside)
    org = Organization.objects.filter(name=f"矩阵组织{inside}").first()
    if org is None:
        org = Organization(name=f"矩阵组织{inside}", track="filed", status="filed")
        org.copy_ancestors_from(data["node"])
        org.save()
    if inside:
        OrganizationStaff.objects.get_or_create(organization=org, user=world.user(role))
    cert = _certificate(data["volunteer"], data["node"], f"ZYMATRIXORG{int(inside)}")
    if cert.organization_id != org.pk:
        cert.organization = org
        cert.save(update_fields=["organization"])
    return {"pk": cert.pk}


POST302 = {"method": "POST", "ok": (302,)}

MATRIX = {
    # the volunteer's own pages
    "volunteers:my_rewards": UrlCase(SELF),
    "volunteers:my_points": UrlCase(SELF),
    "volunteers:my_catalogue": UrlCase(SELF),
    "volunteers:my_redeem": UrlCase(SELF, kwargs=_pk("item"), **POST302),
    "volunteers:my_certificates": UrlCase(SELF),
    "volunteers:my_certificate_pdf": UrlCase(SELF, kwargs=_own_certificate, note="his own certificate only"),
    "volunteers:my_timebank": UrlCase(SELF),
    "volunteers:my_nominate": UrlCase(SELF),
    "volunteers:my_party": UrlCase(SELF),
    "volunteers:my_party_claim": UrlCase(SELF, kwargs=_pk("post"), **POST302),
    # staff
    "volunteers:rewards_config": UrlCase(CONFIGURE),
    "volunteers:rewards_rule_end": UrlCase(CONFIGURE, kwargs=_pk("rule"), data={"until": "2030-01-01"}, **POST302),
    "volunteers:rewards_catalogue": UrlCase(CONFIGURE),
    "volunteers:rewards_item_edit": UrlCase(CONFIGURE, kwargs=_pk("item")),
    "volunteers:rewards_redemptions": UrlCase(MANAGE),
    "volunteers:rewards_redemption_close": UrlCase(MANAGE, kwargs=_pk("redemption"), data={"action": "used"},
                                                   **POST302),
    "volunteers:rewards_volunteer": UrlCase(MANAGE, kwargs=_pk("volunteer")),
    "volunteers:rewards_certificates": UrlCase(VIEW),
    "volunteers:rewards_certificate_issue": UrlCase(MANAGE),
    "volunteers:rewards_certificate_detail": UrlCase(VIEW, kwargs=_pk("certificate")),
    "volunteers:rewards_certificate_pdf": UrlCase(VIEW, kwargs=_pk("certificate")),
    "volunteers:rewards_certificate_revoke": UrlCase(MANAGE, kwargs=_pk("certificate"), data={"reason": "矩阵"},
                                                     **POST302),
    "volunteers:rewards_org_certificates": UrlCase(Perm.VOLUNTEERS_ORGANIZE),
    "volunteers:rewards_org_certificate_pdf": UrlCase(Perm.VOLUNTEERS_ORGANIZE, kwargs=_org_certificate,
                                                      note="certificates of his own organizations only"),
    "volunteers:rewards_timebank": UrlCase(MANAGE),
    "volunteers:rewards_nominations": UrlCase(MANAGE),
    "volunteers:rewards_nomination_review": UrlCase(MANAGE, kwargs=_pk("nomination"), data={"decision": "approve"},
                                                    **POST302),
    "volunteers:party_home": UrlCase(MANAGE),
    "volunteers:party_report_leave": UrlCase(MANAGE, kwargs=_pk("report"), **POST302),
    "volunteers:party_posts": UrlCase(MANAGE),
    "volunteers:party_post_detail": UrlCase(MANAGE, kwargs=_pk("post")),
    # public
    "volunteers:certificate_verify": UrlCase(PUBLIC),
    "volunteers:good_people": UrlCase(PUBLIC),
    # API
    "volunteers-my-points-list": UrlCase(SELF, api=True),
    "volunteers-my-star-list": UrlCase(SELF, api=True, ok=(200, 404), note="404 for an account without a volunteer"),
    "volunteers-my-certificate-list": UrlCase(SELF, api=True),
    "volunteers-my-timebank-list": UrlCase(SELF, api=True),
    "volunteers-my-timebank-transfer": UrlCase(SELF, api=True, method="POST", data={"hours": "1"}, ok=(400,)),
    "volunteers-my-timebank-donate": UrlCase(SELF, api=True, method="POST", data={"hours": "1"}, ok=(400,)),
    "volunteers-catalogue-list": UrlCase(SELF, api=True),
    "volunteers-catalogue-detail": UrlCase(SELF, api=True, kwargs=_pk("item")),
    "volunteers-catalogue-redeem": UrlCase(SELF, api=True, kwargs=_pk("item"), method="POST", ok=(400,),
                                           note="the matrix accounts have no points"),
    "volunteers-party-post-list": UrlCase(SELF, api=True),
    "volunteers-party-post-detail": UrlCase(SELF, api=True, kwargs=_pk("post")),
    "volunteers-party-post-claim": UrlCase(SELF, api=True, kwargs=_pk("post"), method="POST", ok=(400,),
                                           note="the matrix accounts have not reported"),
    "volunteers-party-claim-list": UrlCase(MANAGE, api=True),
    "volunteers-party-claim-detail": UrlCase(MANAGE, api=True, kwargs=_pk("claim")),
    "volunteers-certificate-list": UrlCase(VIEW, api=True),
    "volunteers-certificate-detail": UrlCase(VIEW, api=True, kwargs=_pk("certificate")),
}
