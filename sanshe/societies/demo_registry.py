"""Demo data: the social organizations of the demo district (锦华区), idempotent.

* The five providers of the 五单法 directory (``gridops.HandlingUnit(kind=social_org)``, made by
  ``servicedesk.demo_orders``) become registered organizations linked to their unit; their staff accounts
  (``social_org`` for the first) become :class:`OrganizationStaff`. Two of them are social work agencies.
* A few dozen more across the communities: registered (登记) associations and private non-enterprise units,
  filed (备案) community teams, some preparing or incubating, one deregistered; a third social work agency.
* Members (residents of the registry and typed names; a few resident units), council seats (most held by
  residents), leadership posts, incubations, last year's inspections, evaluations under the default cut-offs.

Rows are made directly (with their status history), as a seeding shell does; one ``demo.seeded`` audit entry.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from sanshe.core import audit
from sanshe.core.validators import CREDIT_CODE_ALPHABET, credit_code_check_char

from .choices import MemberKind, OrgStatus, SeatRole, Track
from .models import (
    CouncilSeat,
    Evaluation,
    EvaluationConfig,
    Incubation,
    Inspection,
    LeadershipPost,
    Member,
    Organization,
    OrganizationStaff,
    StatusChange,
)
from .services_registry import level_for

# (name suffix, service field, kind, credit-code kind or None for filed, agency)
PROVIDER_FIELDS = [("social_work", "2", True), ("volunteering", "1", False), ("elderly", "2", False),
                   ("youth", "2", True), ("environment", "1", False)]
# (name, service field, kind, track, status)
MORE = [
    ("夕阳红合唱团", "culture_sports", "文体队伍", "filed", "filed"),
    ("太极拳协会", "culture_sports", "文体队伍", "filed", "filed"),
    ("广场舞队", "culture_sports", "文体队伍", "filed", "filed"),
    ("邻里互助志愿服务队", "volunteering", "志愿服务队", "filed", "filed"),
    ("巾帼志愿服务队", "volunteering", "志愿服务队", "filed", "filed"),
    ("老年协会", "elderly", "老年协会", "registered", "registered"),
    ("助残服务社", "disability", "民办非企业单位", "registered", "registered"),
    ("四点半课堂", "youth", "社区服务组织", "filed", "incubating"),
    ("家政服务合作社", "housekeeping", "社区服务组织", "filed", "preparing"),
    ("人民调解志愿者协会", "mediation", "调解组织", "filed", "filed"),
    ("环保志愿者协会", "environment", "志愿服务队", "filed", "incubating"),
    ("慈善爱心超市", "charity", "慈善组织", "registered", "registered"),
]
STREET_AGENCY = ("锦华区启航社会工作服务中心", "social_work", "社工机构")
SEATS = [SeatRole.CHAIR, SeatRole.VICE_CHAIR, SeatRole.DIRECTOR, SeatRole.DIRECTOR, SeatRole.DIRECTOR,
         SeatRole.SUPERVISOR]
UNITS = ["锦华小学", "锦华区社区卫生服务中心", "蜀锦银行锦华支行", "锦华物业服务有限公司"]
OUTSIDE_NAMES = ["张建国", "李秀英", "王志明", "刘桂兰", "陈晓东"]


def _code(n: int, kind: str) -> str:
    first = f"5{kind}510100MJ"
    digits, value = "", n
    for _i in range(17 - len(first)):
        digits = CREDIT_CODE_ALPHABET[value % 31] + digits
        value //= 31
    first += digits
    return first + credit_code_check_char(first)


def _scope(row, org) -> None:
    row.district_id, row.street_id, row.community_id = org.district_id, org.street_id, org.community_id


def _make(ctx, *, name, node, track, status, field, kind, n, code_kind="1", agency=False, unit=None,
          founded_years=3) -> Organization:
    today = timezone.localdate()
    org = Organization(
        name=name, node=node, track=track, status=status, service_field=field, kind=kind,
        credit_code=_code(n, code_kind) if track == Track.REGISTERED else "",
        filing_number=f"JH-BA-{today.year - founded_years}-{n:03d}" if track == Track.FILED else "",
        is_social_work_agency=agency, handling_unit=unit, legal_representative=OUTSIDE_NAMES[n % 5],
        contact_name=OUTSIDE_NAMES[(n + 2) % 5], contact_phone=f"1390000{n:04d}",
        address=f"{node.name}党群服务中心{n % 4 + 1}楼", founded_on=today - dt.timedelta(days=365 * founded_years + n),
        description=f"{name}立足{node.name}，组织居民开展{kind}活动。")
    org.copy_ancestors_from(node)
    if node.level == "district":
        org.district_id = node.pk
    org.save()
    ctx.count("societies", "social organization")
    start = timezone.now() - dt.timedelta(days=365 * founded_years)
    steps = [("", OrgStatus.PREPARING)]
    if status in (OrgStatus.INCUBATING, OrgStatus.REGISTERED, OrgStatus.FILED, OrgStatus.DEREGISTERED):
        steps.append((OrgStatus.PREPARING, OrgStatus.INCUBATING))
    if status in (OrgStatus.REGISTERED, OrgStatus.FILED):
        steps.append((OrgStatus.INCUBATING, status))
    if status == OrgStatus.DEREGISTERED:
        steps.append((OrgStatus.INCUBATING, status))
    for i, (a, b) in enumerate(steps):
        at = start + dt.timedelta(days=120 * i)
        StatusChange.objects.create(organization=org, from_status=a, to_status=b, at=at,
                                    on_date=timezone.localdate(at), actor_name="锦华区民政局",
                                    note="停止活动，自行解散" if b == OrgStatus.DEREGISTERED else "")
    return org


def _people(org, residents, units, k: int, ctx) -> None:
    today = timezone.localdate()
    pool = residents.get(org.community_id) or residents.get(None) or []
    n_members = 8 + (k * 5) % 17
    members = []
    for i in range(n_members):
        if pool and i < len(pool):
            r = pool[(k * 7 + i) % len(pool)]
            if any(m.resident_id == r.pk for m in members):
                continue
            members.append(Member(organization=org, kind=MemberKind.INDIVIDUAL, resident=r, name=r.name,
                                  joined_on=today - dt.timedelta(days=30 * (i + 1))))
        else:
            members.append(Member(organization=org, kind=MemberKind.INDIVIDUAL, name=f"{OUTSIDE_NAMES[i % 5]}{i}",
                                  joined_on=today - dt.timedelta(days=30 * (i + 1))))
    if units and k % 3 == 0:
        u = units[k % len(units)]
        members.append(Member(organization=org, kind=MemberKind.UNIT, unit=u, name=u.name, joined_on=today))
    for m in members:
        _scope(m, org)
    Member.objects.bulk_create(members)
    ctx.count("societies", "member", len(members))
    if org.track == Track.REGISTERED or k % 2 == 0:
        seats = []
        for i, role in enumerate(SEATS[: 3 + k % 4]):
            linked = pool[(k * 3 + i) % len(pool)] if pool and (i + k) % 4 != 3 else None
            seats.append(CouncilSeat(organization=org, role=role, resident=linked,
                                     holder_name=linked.name if linked else OUTSIDE_NAMES[(k + i) % 5],
                                     term_start=today.replace(month=1, day=1) - dt.timedelta(days=365),
                                     term_end=today.replace(month=12, day=31) + dt.timedelta(days=365 * 3)))
        for s in seats:
            _scope(s, org)
        CouncilSeat.objects.bulk_create(seats)
        ctx.count("societies", "council seat", len(seats))
    posts = []
    for i, title in enumerate(["负责人", "秘书长"] if org.track == Track.REGISTERED else ["队长"]):
        linked = pool[(k * 5 + i + 1) % len(pool)] if pool else None
        posts.append(LeadershipPost(organization=org, title=title, resident=linked,
                                    holder_name=linked.name if linked else OUTSIDE_NAMES[(k + i) % 5],
                                    holder_is_cadre=(k + i) % 3 == 0))
    for p in posts:
        _scope(p, org)
    LeadershipPost.objects.bulk_create(posts)
    ctx.count("societies", "leadership post", len(posts))


def _evaluate(org, config, k: int, ctx) -> None:
    today = timezone.localdate()
    on = today - dt.timedelta(days=200 + 60 * k)
    basic = Decimal(min(60, 40 + k * 3))
    governance = Decimal(260 + (k * 37) % 120)
    performance = Decimal(280 + (k * 53) % 140)
    social = Decimal(90 + (k * 11) % 50)
    total = basic + governance + performance + social
    level = level_for(total, config)
    valid = on.replace(year=on.year + config.validity_years) if level != "none" else None
    Evaluation.objects.create(organization=org, config=config, evaluated_on=on, score_basic=basic,
                              score_governance=governance, score_performance=performance, score_social=social,
                              total=total, level=level, valid_until=valid, evaluator="锦华区社会组织评估委员会")
    org.evaluation_level = "" if level == "none" else level
    org.evaluation_valid_until = valid
    org.save(update_fields=["evaluation_level", "evaluation_valid_until", "updated_at"])
    ctx.count("societies", "evaluation")


def seed(ctx) -> None:
    from sanshe.gridops.choices import UnitKind
    from sanshe.gridops.models import HandlingUnit, UnitMember
    from sanshe.territory.choices import Level, ResidentStatus
    from sanshe.territory.models import Node, Resident, ResidentUnit

    district = ctx.nodes.get("district")
    if district is None:
        return
    communities = list(Node.objects.filter(district=district, level=Level.COMMUNITY, is_active=True).order_by("code"))
    if not communities:
        return
    config = EvaluationConfig.objects.filter(district=district).order_by("effective_from").first()
    if config is None:
        config = EvaluationConfig.objects.create(district=district, effective_from=dt.date(2020, 1, 1),
                                                 note="默认：5A≥900、4A≥800、3A≥700、2A≥600、1A≥500，有效期5年")
    # The providers of the 五单法 directory, linked to their handling units and staff accounts.
    providers = list(HandlingUnit.objects.filter(kind=UnitKind.SOCIAL_ORG, district=district).order_by("pk"))
    linked = []
    for i, unit in enumerate(providers):
        org = Organization.objects.filter(handling_unit=unit).first()
        if org is None:
            field, code_kind, agency = PROVIDER_FIELDS[i % len(PROVIDER_FIELDS)]
            agency = agency or "社会工作" in unit.name
            org = _make(ctx, name=unit.name, node=district, track=Track.REGISTERED, status=OrgStatus.REGISTERED,
                        field=field, kind="民办非企业单位" if code_kind == "2" else "社会团体", n=900 + i,
                        code_kind=code_kind, agency=agency, unit=unit, founded_years=5 + i)
        linked.append(org)
        for member in UnitMember.objects.filter(unit=unit).select_related("user"):
            if OrganizationStaff.objects.get_or_create(organization=org, user=member.user,
                                                       defaults={"title": "工作人员"})[1]:
                ctx.count("societies", "organization staff")
    first_extra = f"{communities[0].name}{MORE[0][0]}"
    if Organization.objects.filter(district=district, name=first_extra).exists():
        return
    residents: dict = {}
    for c in communities:
        residents[c.pk] = list(Resident.objects.filter(community=c, status=ResidentStatus.REGISTERED)
                               .order_by("pk")[:60])
    residents[None] = residents.get(communities[0].pk, [])
    units = []
    for i, name in enumerate(UNITS):
        c = communities[i % len(communities)]
        unit, created = ResidentUnit.objects.get_or_create(
            name=name, node=c, defaults={"district_id": c.district_id, "street_id": c.street_id,
                                         "community_id": c.community_id, "kind": "school" if i == 0 else "enterprise"})
        if created:
            ctx.count("societies", "resident unit")
        units.append(unit)
    orgs = list(linked)
    n = 0
    for ci, community in enumerate(communities):
        picks = [MORE[(ci * 5 + j) % len(MORE)] for j in range(6 if ci < 2 else 4)]
        for name, field, kind, track, status in picks:
            n += 1
            orgs.append(_make(ctx, name=f"{community.name}{name}", node=community, track=track, status=status,
                              field=field, kind=kind, n=n, code_kind="2" if "服务社" in name else "1",
                              founded_years=1 + n % 6))
    street = ctx.nodes.get("street")
    if street is not None:
        n += 1
        name, field, kind = STREET_AGENCY
        orgs.append(_make(ctx, name=name, node=street, track=Track.REGISTERED, status=OrgStatus.REGISTERED,
                          field=field, kind=kind, n=n, code_kind="2", agency=True, founded_years=4))
        n += 1
        orgs.append(_make(ctx, name=f"{street.name}书画研习社", node=street, track=Track.FILED,
                          status=OrgStatus.DEREGISTERED, field="culture_sports", kind="文体队伍", n=n))
    today = timezone.localdate()
    for k, org in enumerate(orgs):
        if org.status == OrgStatus.DEREGISTERED:
            continue
        _people(org, residents, units, k, ctx)
        if org.status in (OrgStatus.INCUBATING, OrgStatus.PREPARING) or k % 4 == 1:
            levels = ["community", "street", "courtyard", "district"]
            left = None if org.status == OrgStatus.INCUBATING else today - dt.timedelta(days=90)
            Incubation.objects.create(organization=org, level=levels[k % 4], stage="graduated" if left else "nurturing",
                                      incubator=f"{org.community.name if org.community else '锦华区'}社会组织孵化园",
                                      entered_on=today - dt.timedelta(days=400), left_on=left)
            ctx.count("societies", "incubation")
        if org.track == Track.REGISTERED and org.status == OrgStatus.REGISTERED:
            Inspection.objects.create(organization=org, year=today.year - 1,
                                      result=["passed", "passed", "basically", "passed", "failed"][k % 5],
                                      notes="" if k % 5 in (0, 1, 3) else "财务管理制度需完善")
            ctx.count("societies", "inspection")
            _evaluate(org, config, k, ctx)
    audit.record("demo.seeded", object_type="societies.organization", object_repr=district.name,
                 message="demo seeding: social organizations, members, council seats, evaluations",
                 extra={"organizations": len(orgs)})
