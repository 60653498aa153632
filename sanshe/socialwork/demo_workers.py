"""Demo data: the social workers' roster (idempotent).

32 social workers across the demo district (锦华区), employed by its social work agencies (社工机构) — those the
societies demo registered (``is_social_work_agency``); when there are none, two are registered here, looked up by
name first: 锦华区同心社会工作服务中心 and 锦华区众益社会工作服务社. Certificates of every level (员级 to 高级),
some expired, one revoked, one not yet registered, two workers without one; post histories; the demo account
``social_worker`` (杨慧, community 1) with a valid 中级 certificate; the practice demo's colleagues 吴刚 (督导, the
street), 周婷 and 郑丽 (community 2). Chenghua's subsidy table (员级 200 / 初级 400 / 中级 600 / 高级 800 yuan per
month, seed 000), the last three months' rolls confirmed, and the year's trainings: 7 central, 27 on site
(Chaoyang's figures, seed 001).
"""

from __future__ import annotations

import datetime as dt
import random

from django.utils import timezone

from sanshe.accounts.models import User
from sanshe.territory.choices import Level
from sanshe.territory.models import Node

from .choices_workers import CertificateLevel as L
from .choices_workers import TrainingKind

AGENCY_NAMES = ["锦华区同心社会工作服务中心", "锦华区众益社会工作服务社"]
# Chenghua (seed 000): 员级、初级、中级、高级 200–800 yuan per month.
CHENGHUA = [(L.STAFF, 200), (L.ASSISTANT, 400), (L.INTERMEDIATE, 600), (L.SENIOR, 800)]
TABLE_FROM = dt.date(2015, 1, 1)
# name, community index (None: the street), post, certificate plan
# plan: level, or (level, "expired" | "revoked" | "unregistered"), or None (no certificate); a tuple of plans
ROSTER = [
    ("吴刚", None, "督导", (L.SENIOR,)),
    ("周婷", 1, "一线社工", (L.ASSISTANT, L.INTERMEDIATE)),
    ("郑丽", 1, "一线社工", (L.ASSISTANT,)),
    ("王晓燕", 0, "项目主管", (L.INTERMEDIATE,)),
    ("李明轩", 0, "一线社工", (L.ASSISTANT,)),
    ("张雨欣", 0, "一线社工", (L.STAFF,)),
    ("刘佳怡", 0, "一线社工", ((L.ASSISTANT, "expired"),)),
    ("陈浩然", 1, "项目主管", (L.ASSISTANT, L.INTERMEDIATE)),
    ("赵思远", 1, "一线社工", (L.STAFF,)),
    ("孙婉婷", 1, "一线社工", None),
    ("周子涵", 2, "项目主管", (L.INTERMEDIATE,)),
    ("吴俊杰", 2, "一线社工", (L.ASSISTANT,)),
    ("郑欣怡", 2, "一线社工", (L.STAFF, (L.ASSISTANT, "unregistered"))),
    ("冯雅琪", 2, "一线社工", ((L.INTERMEDIATE, "revoked"),)),
    ("何宇航", 3, "项目主管", (L.SENIOR,)),
    ("罗梦瑶", 3, "一线社工", (L.ASSISTANT,)),
    ("高志强", 3, "一线社工", (L.STAFF,)),
    ("林诗涵", 3, "一线社工", ((L.STAFF, "expired"),)),
    ("谢文博", 4, "项目主管", (L.INTERMEDIATE,)),
    ("唐晓萌", 4, "一线社工", (L.ASSISTANT,)),
    ("韩嘉怡", 4, "一线社工", (L.ASSISTANT,)),
    ("曹俊豪", 4, "一线社工", (L.STAFF,)),
    ("许静怡", 5, "项目主管", (L.ASSISTANT, L.INTERMEDIATE)),
    ("邓家豪", 5, "一线社工", (L.ASSISTANT,)),
    ("彭雨桐", 5, "一线社工", None),
    ("曾梓萱", 5, "一线社工", ((L.INTERMEDIATE, "expired"),)),
    ("萧明哲", 0, "一线社工", (L.ASSISTANT,)),
    ("田欣然", 1, "一线社工", (L.STAFF,)),
    ("董子墨", 2, "一线社工", (L.ASSISTANT,)),
    ("袁诗琪", 3, "一线社工", (L.INTERMEDIATE,)),
    ("蒋睿", 4, "一线社工", (L.STAFF,)),
]
CENTRAL = ["社会工作伦理与价值观", "个案工作方法与技巧", "小组工作设计与带领", "社区工作与居民动员",
           "社工项目管理与评估", "社会工作政策法规", "督导与自我成长"]
ON_SITE = ["入户走访实操", "个案记录规范", "小组活动现场观摩", "社区需求调研实操", "志愿者协同服务",
           "危机介入演练", "长者服务现场督导", "困境儿童服务现场督导", "社区活动策划实操"]
LEVEL_PREFIX = {L.STAFF: "YJ", L.ASSISTANT: "ZL", L.INTERMEDIATE: "ZJ", L.SENIOR: "GJ"}


def _agencies(ctx, district):
    from sanshe.core.validators import credit_code_check_char
    from sanshe.societies.choices import OrgStatus, ServiceField, Track
    from sanshe.societies.models import Organization

    agencies = list(Organization.objects.filter(district=district, is_social_work_agency=True)
                    .exclude(status=OrgStatus.DEREGISTERED).order_by("pk"))
    if agencies:
        return agencies
    for i, name in enumerate(AGENCY_NAMES):
        org = Organization.objects.filter(district=district, name=name).first()
        if org is None:
            serial = 7700 + i
            while True:
                first17 = f"52510108MJ{serial:07d}"
                code = first17 + credit_code_check_char(first17)
                if not Organization.objects.filter(district=district, credit_code=code).exists():
                    break
                serial += 1
            org = Organization(name=name, track=Track.REGISTERED, credit_code=code,
                               service_field=ServiceField.SOCIAL_WORK, status=OrgStatus.REGISTERED,
                               is_social_work_agency=True, legal_representative=["马国栋", "沈丽萍"][i],
                               address=f"{district.name}{['建设路', '府青路'][i]}{18 + i * 7}号",
                               founded_on=dt.date(2014 + i, 5, 1))
            org.copy_ancestors_from(district)
            org.save()
            ctx.count("socialwork", "social work agency")
        agencies.append(org)
    return agencies


def _certificates(ctx, worker, plans, rng, today, serial):
    from .models_workers import WorkerCertificate

    for k, plan in enumerate(plans):
        level, state = (plan, "") if isinstance(plan, str) else plan
        number = f"{LEVEL_PREFIX[level]}5101{2012 + serial % 11:04d}{serial * 10 + k:05d}"
        if WorkerCertificate.objects.filter(number=number).exists():
            continue
        issued = dt.date(2013 + (serial + k) % 9, 6 + k % 2, 20)
        registered = None if state == "unregistered" else issued + dt.timedelta(days=40)
        until = None
        if state == "expired":
            until = today - dt.timedelta(days=30 + serial * 7)
        elif level in (L.INTERMEDIATE, L.SENIOR):
            until = dt.date(today.year + 2, 12, 31)
        revoked = today - dt.timedelta(days=75) if state == "revoked" else None
        WorkerCertificate.objects.create(worker=worker, level=level, number=number, issued_on=issued,
                                         registered_on=registered, valid_until=until, revoked_on=revoked,
                                         revoke_reason="违反职业道德，登记机关注销" if revoked else "")
        ctx.count("socialwork", "certificate")


def seed(ctx) -> None:
    from .models import SocialWorker
    from .models_workers import SubsidyRate, SubsidyRoll, Training, WorkerPost

    district = ctx.nodes.get("district")
    if district is None:
        return
    communities = list(Node.objects.filter(district=district, level=Level.COMMUNITY, is_active=True).order_by("code"))
    street = ctx.nodes.get("street") or Node.objects.filter(district=district, level=Level.STREET).order_by(
        "code").first()
    if not communities or street is None:
        return
    community1 = ctx.nodes.get("community") or communities[0]
    agencies = _agencies(ctx, district)
    rng = random.Random(2026)
    today = timezone.localdate()

    # 1. The subsidy table (Chenghua's figures) — the district's rates.
    for level, amount in CHENGHUA:
        rate, created = SubsidyRate.objects.get_or_create(
            region=district, level=level, effective_from=TABLE_FROM,
            defaults={"amount": amount, "note": "成华区：员级、初级、中级、高级 200~800 元/月",
                      "district_id": district.pk})
        if created:
            ctx.count("socialwork", "subsidy rate")

    # 2. The roster.
    def ensure(name, node, post, plans, serial, user=None):
        worker = (SocialWorker.objects.filter(user=user).first() if user else
                  SocialWorker.objects.filter(name=name, district=district, user__isnull=True).first())
        if worker is not None:
            return worker
        employer = agencies[serial % len(agencies)] if agencies else None
        worker = SocialWorker(name=name, user=user, employer=employer, post=post)
        worker.copy_ancestors_from(node)
        worker.save()
        ctx.count("socialwork", "social worker")
        start = dt.date(2016 + serial % 8, 1 + serial % 12, 1)
        if serial % 5 == 2 and len(agencies) > 1:  # a post history: moved from another agency
            earlier = agencies[(serial + 1) % len(agencies)]
            WorkerPost.objects.create(worker=worker, employer=earlier, title="一线社工",
                                      started_on=start - dt.timedelta(days=900), ended_on=start - dt.timedelta(days=1))
        WorkerPost.objects.create(worker=worker, employer=employer, title=post, started_on=start)
        if plans:
            _certificates(ctx, worker, plans, rng, today, serial)
        return worker

    account = User.objects.filter(username="social_worker").first()
    ensure(getattr(account, "full_name", "") or "杨慧", community1, "一线社工", (L.ASSISTANT, L.INTERMEDIATE), 0,
           user=account)
    workers = []
    for serial, (name, ci, post, plans) in enumerate(ROSTER, start=1):
        node = street if ci is None else communities[ci % len(communities)]
        if ci == 0:
            node = community1
        workers.append(ensure(name, node, post, plans, serial))
    # one worker left his agency last year
    leaver = workers[-1]
    if leaver.is_active and leaver.posts.filter(ended_on__isnull=True).exists():
        leaver.posts.filter(ended_on__isnull=True).update(ended_on=dt.date(today.year - 1, 12, 31))
        leaver.is_active = False
        leaver.save(update_fields=["is_active", "updated_at"])

    # 3. Trainings this year: 7 central (district or street), 27 on site (communities).
    roster = list(SocialWorker.objects.filter(district=district, is_active=True).order_by("pk"))
    year_start = dt.date(today.year, 1, 1)
    span = max((today - year_start).days - 7, 30)
    if not Training.objects.filter(district=district, held_on__year=today.year).exists() and roster:
        for i, title in enumerate(CENTRAL):
            t = Training(title=title, kind=TrainingKind.CENTRAL, held_on=year_start + dt.timedelta(days=span * i // 7),
                         hours=6 if i % 2 == 0 else 3, place="区委党校" if i % 2 == 0 else f"{street.name}党群服务中心",
                         organizer="区民政局" if i % 2 == 0 else f"{street.name}社会事务办")
            t.copy_ancestors_from(district if i % 2 == 0 else street)
            t.save()
            t.attendees.set(rng.sample(roster, min(len(roster), 12 + i * 2)))
            ctx.count("socialwork", "training")
        for i in range(27):
            community = communities[i % len(communities)]
            local = [w for w in roster if w.community_id == community.pk] or roster
            t = Training(title=ON_SITE[i % len(ON_SITE)], kind=TrainingKind.ON_SITE,
                         held_on=year_start + dt.timedelta(days=span * i // 27 + 3), hours=2 if i % 3 else 1.5,
                         place=f"{community.name}社区服务中心", organizer=agencies[i % len(agencies)].name
                         if agencies else "")
            t.copy_ancestors_from(community)
            t.save()
            t.attendees.set(rng.sample(local, min(len(local), 2 + i % 4)))
            ctx.count("socialwork", "training")

    # 4. The last three months' rolls, confirmed by the district admin (what was paid).
    from . import services_workers as sw

    admin = User.objects.filter(username="district_admin").first()
    this_month = sw.month_start(today)
    for back in (3, 2, 1):
        month = sw.add_months(this_month, -back)
        if admin is None or SubsidyRoll.objects.filter(node=district, month=month).exists():
            continue
        try:
            sw.confirm_roll(actor=admin, node=district, month=month)
            ctx.count("socialwork", "subsidy roll")
        except Exception:  # noqa: BLE001 - a demo without the admin's grant simply has no confirmed roll
            pass
