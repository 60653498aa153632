"""Demo data of volunteer rewards and party members in service (idempotent: nothing is added once the demo
district has partner units).

Earning rules (10 points per confirmed hour, a 5-point bonus per party post record), the district's star scheme
(the default 100 / 300 / 600 / 1000 / 1500 hours) and the time bank cap (1,500 hours); the confirmed records the
activities demo made are passed through the rewards hook again (idempotent) so they earn under these rules. A few
volunteers of our own with longer service (one just under the cap, whose next hours go to the pool), four partner
units with their 爱心服务卡 items, redemptions, certificates, time bank transfers, a donation and a withdrawal for an
elderly resident, 身边好人 nominations, and party members who reported, claimed posts and served on them. The demo
account ``volunteer`` (its volunteer row is the activities demo's) gets some points and a certificate.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils import timezone

from sanshe.accounts.models import User
from sanshe.core import txn
from sanshe.core.exceptions import Denied, OutOfScope
from sanshe.territory.choices import Level
from sanshe.territory.models import Node, Resident

from . import rewards
from . import services_party as sp
from . import services_rewards as sr
from .choices import RecordSource, RecordState
from .choices_rewards import PointKind, RuleKind
from .models import ServiceRecord, Volunteer
from .models_rewards import PartnerUnit, PointEntry, Redemption

SKIP = (ValidationError, Denied, OutOfScope)

PARTNERS = [  # (name, address, items: (name, points, stock))
    ("锦华爱心超市", "锦华路 18 号", [("洗衣液一瓶", 100, 40), ("大米 5 公斤", 300, 20)]),
    ("邻里理发店", "和平街 6 号", [("理发一次", 80, 30)]),
    ("康宁社区卫生服务站", "团结路 22 号", [("免费体检一次", 500, 10), ("血压计一台", 800, 5)]),
    ("书香文具店", "光明街 101 号", [("儿童绘本一套", 150, 15)]),
]
OWN = [  # (name, hours of service, party member?, work unit, branch)
    ("赵德明", 1495, False, "", ""),
    ("钱慧", 320, True, "锦华区税务局", "区税务局第一党支部"),
    ("孙建华", 150, True, "锦华区人民医院", "医院机关党支部"),
    ("李秀英", 640, False, "", ""),
    ("周晓东", 60, True, "成都某科技有限公司", "公司党支部"),
    ("吴桂芳", 1020, False, "", ""),
]
POSTS = [("楼栋文明劝导岗", "劝导楼道堆物、高空抛物，每周两次。", 4),
         ("助老服务岗", "为独居老人代购、陪诊。", 3),
         ("政策宣讲岗", "在党群服务中心宣讲惠民政策。", 2),
         ("垃圾分类督导岗", "早晚高峰在投放点督导分类。", 4)]
NOMINATIONS = [("刘秀兰", "二十年如一日照顾孤寡邻居", True, "approve"),
               ("陈国强", "义务修理小区健身器材", False, "approve"),
               ("黄丽", "组织楼栋互助群，疫情期间为邻居代购", False, None),
               ("张某", "材料不实", False, "reject")]
CONTENTS = ["社区环境清洁", "敬老助餐", "文明交通劝导", "四点半课堂辅导", "防诈宣传"]


def _own_volunteer(community, name, index) -> Volunteer:
    number = f"RW{community.code[-6:]}{index:03d}"
    v = Volunteer.objects.filter(number=number).first()
    if v is None:
        v = Volunteer(number=number, name=name, registered_on=dt.date(2022, 3, 1) + dt.timedelta(days=40 * index),
                      skills=["助老", "宣传"], availability="周末")
        v.copy_ancestors_from(community)
        v.save()
    return v


def _manual_records(volunteer, community, hours, confirmer, now, seed) -> None:
    """Confirmed records that add up to ``hours`` (8 hours a time) over the past two years."""
    left, n = Decimal(hours), 0
    while left > 0:
        h = min(Decimal(8), left)
        started = now - dt.timedelta(days=700 - (n * 5) % 690, hours=(seed + n) % 6)
        record = ServiceRecord(volunteer=volunteer, source=RecordSource.MANUAL, started_at=started,
                               ended_at=started + dt.timedelta(hours=float(h)), hours=h, place=community.name,
                               content=CONTENTS[(seed + n) % len(CONTENTS)], state=RecordState.CONFIRMED,
                               confirmed_by=confirmer, confirmed_at=started + dt.timedelta(days=1))
        record.copy_ancestors_from(community)
        with txn.atomic():
            record.save()
            rewards.on_hours_confirmed(record)
        left -= h
        n += 1


def seed(ctx) -> None:
    district = ctx.nodes.get("district")
    admin = User.objects.filter(username="district_admin").first()
    worker = User.objects.filter(username="community_worker").first()
    secretary = User.objects.filter(username="party_secretary").first() or worker
    if district is None or admin is None or worker is None or PartnerUnit.objects.filter(district=district).exists():
        return
    community = ctx.nodes.get("community")
    communities = list(Node.objects.filter(district=district, level=Level.COMMUNITY, is_active=True)
                       .order_by("code")[:4])
    if community is None or not communities:
        return
    now = timezone.now()
    today = timezone.localdate()
    start = dt.date(2024, 1, 1)
    # rules, thresholds, cap
    sr.save_point_rule(actor=admin, district=district, name="每服务 1 小时 10 积分", kind=RuleKind.PER_HOUR, points=10,
                       effective_from=start)
    sr.save_point_rule(actor=admin, district=district, name="在职党员岗位服务奖励", kind=RuleKind.BONUS, points=5,
                       source=RecordSource.PARTY_POST, effective_from=start)
    sr.save_star_scheme(actor=admin, district=district, name="锦华区志愿者星级标准",
                        thresholds=[100, 300, 600, 1000, 1500], effective_from=start)
    sr.save_time_cap(actor=admin, district=district, hours=1500, effective_from=start)
    ctx.count("volunteers", "points rule", 2)
    # what the activities demo confirmed earns under these rules (idempotent)
    for record in ServiceRecord.objects.filter(district=district, state=RecordState.CONFIRMED).select_related(
            "volunteer", "activity"):
        with txn.atomic():
            rewards.on_hours_confirmed(record)
    # partner units and the catalogue, in the first communities
    items = []
    for i, (name, address, offers) in enumerate(PARTNERS):
        partner = sr.save_partner(actor=admin, community=communities[i % len(communities)], name=name,
                                  address=address, contact="店长", phone="")
        ctx.count("volunteers", "partner unit")
        for item_name, points, stock in offers:
            items.append(sr.save_item(actor=admin, partner=partner, name=item_name, points=points, stock=stock))
            ctx.count("volunteers", "catalogue item")
    # volunteers of our own with long service (community 1)
    own = []
    for i, (name, hours, party, unit, branch) in enumerate(OWN, start=1):
        v = _own_volunteer(community, name, i)
        if not v.records.exists():
            _manual_records(v, community, hours, worker, now, i)
        own.append((v, party, unit, branch))
        ctx.count("volunteers", "volunteer (rewards demo)")
    # redemptions: each of the first three redeems one affordable item (as the volunteer would on his phone)
    for v, *_rest in own[:3]:
        # the demo's own volunteers have no account: redeemed as the service does (locks, balance, stock)
        item = next((it for it in items if it.points <= sr.points_balance(v) and it.stock > 0), None)
        if item is None:
            continue
        try:
            with txn.atomic():
                locked = Volunteer.objects.select_for_update().get(pk=v.pk)
                code = sr._code(10)
                redemption = Redemption(volunteer=locked, item=item, points=item.points, code=code, redeemed_at=now)
                redemption.copy_ancestors_from(item)
                redemption.save()
                item.stock -= 1
                item.save(update_fields=["stock", "updated_at"])
                entry = PointEntry(volunteer=locked, kind=PointKind.REDEEMED, points=-item.points,
                                   redemption=redemption, reason=str(item), at=now)
                entry.copy_ancestors_from(locked)
                entry.save()
            ctx.count("volunteers", "redemption")
        except SKIP:
            continue
    # certificates issued by community 1 for its own records
    for v, *_rest in own[:4]:
        try:
            sr.issue_certificate(v, actor=worker, start=today - dt.timedelta(days=730), end=today,
                                 person_in_charge="张丽华", community=community)
            ctx.count("volunteers", "certificate")
        except SKIP:
            pass
    # time bank: the veteran's next hours go above the cap (to the pool); a transfer, a donation, a withdrawal
    veteran, second = own[0][0], own[3][0]
    _manual_records(veteran, community, 12, worker, now, 99)
    try:
        sr.transfer_hours(second, own[1][0], actor=worker, hours=20, note="转给家人")
        ctx.count("volunteers", "time bank transfer")
    except SKIP:
        pass
    elder = (Resident.objects.filter(community=community, birth_date__lte=today.replace(year=today.year - 65))
             .order_by("pk").first())
    if elder is not None:
        for vol, hours in ((own[5][0], 6), (None, 4)):
            try:
                sr.withdraw_hours(actor=worker, beneficiary=elder, hours=hours, volunteer=vol,
                                  note="助浴、陪诊服务" if vol else "助餐服务（公益池）")
                ctx.count("volunteers", "time bank withdrawal")
            except SKIP:
                pass
    # party members in service: report, posts, claims, hours confirmed by the community
    posts = [sp.save_post(actor=secretary, community=community, title=t, description=d, slots=s)
             for t, d, s in POSTS]
    ctx.count("volunteers", "party post", len(posts))
    for j, (v, party, unit, branch) in enumerate(own):
        if not party:
            continue
        try:
            report = sp.report(actor=secretary, community=community, work_unit=unit, party_branch=branch,
                               volunteer=v, reported_on=today - dt.timedelta(days=200 - 30 * j))
            ctx.count("volunteers", "party member report")
            claim = sp.claim(posts[j % len(posts)], actor=secretary, report_row=report)
            for k in range(3):
                record = sp.record_service(claim, actor=secretary, hours=2,
                                           started_at=now - dt.timedelta(days=10 + 14 * k, hours=j))
                if k < 2:
                    sp.confirm_service(record, actor=secretary)
            ctx.count("volunteers", "post claim")
        except SKIP:
            continue
    # 身边好人
    resident_user = User.objects.filter(username="resident").first()
    for name, reason, consented, decision in NOMINATIONS:
        try:
            n = sr.nominate(actor=worker if resident_user is None else resident_user, community=community,
                            nominee_name=name, reason=reason, name_consented=consented)
        except SKIP:
            n = sr.nominate(actor=worker, community=community, nominee_name=name, reason=reason,
                            name_consented=consented)
        if decision:
            sr.review_nomination(n, actor=worker, approve=decision == "approve",
                                 note="" if decision == "approve" else "经核实，事迹材料不实")
        ctx.count("volunteers", "nomination")
    # the demo account ``volunteer``: some points and a certificate
    demo = Volunteer.objects.filter(user__username="volunteer").first()
    if demo is not None:
        if not ServiceRecord.objects.filter(volunteer=demo, state=RecordState.CONFIRMED, community=community,
                                            organization__isnull=True).exists():
            _manual_records(demo, community, 16, worker, now, 7)
        try:
            sr.adjust_points(demo, actor=worker, points=50, reason="优秀志愿者表彰")
        except SKIP:  # his row is outside the demo worker's community
            pass
        try:
            sr.issue_certificate(demo, actor=worker, start=today - dt.timedelta(days=365), end=today,
                                 person_in_charge="张丽华", community=community)
            ctx.count("volunteers", "certificate")
        except SKIP:
            pass
