"""Demo data: practice (idempotent) — cases in every state with sessions and notes, groups with attendance and
community activities in the demo district, for the demo account ``social_worker`` (杨慧, community 1) and three
colleagues (one of them, 吴刚, the supervisor). Clients and group members come from the demo registry."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from django.utils import timezone

from sanshe.accounts.models import User
from sanshe.accounts.roles import Perm
from sanshe.territory.choices import Level
from sanshe.territory.models import Node, Resident
from sanshe.territory.registry import add_timeline_entry

CASES = [
    ("独居老人情绪支持", "elderly", "老伴去世后独居，情绪低落，很少出门。", "社会支持网络薄弱，有抑郁倾向。",
     ["每周至少一次外出参加社区活动", "建立两名邻里支持者"]),
    ("困境儿童学业支持", "children", "父母外出务工，孩子由祖母照看，成绩下滑。", "学习动机不足，缺少课后陪伴。",
     ["每周参加四点半课堂三次", "期末成绩提高"]),
    ("残疾人就业支持", "disability", "肢体残疾，希望找到居家可做的工作。", "有电脑基础，缺少就业信息。",
     ["完成电商客服培训", "获得一份居家工作"]),
    ("家庭矛盾调适", "family", "婆媳关系紧张，多次争吵。", "沟通方式冲突，家庭分工不清。",
     ["每月一次家庭会议", "减少争吵次数"]),
    ("低保家庭救助链接", "hardship", "家庭收入低，孩子上学费用困难。", "符合临时救助条件，未申请。",
     ["完成临时救助申请", "链接助学金"]),
    ("失独老人心理疏导", "mental", "失独多年，节假日情绪波动大。", "哀伤未处理，社会参与少。",
     ["参加失独家庭互助小组", "节假日有人陪伴"]),
]
STATES = ["closed", "serving", "serving", "planning", "assessment", "intake"]
GROUPS = [("长者健康互助小组", "mutual_aid", "提高长者慢病自我管理能力，减少孤独感。",
           ["相识与分享", "慢病管理", "健康饮食", "运动与康复", "总结与展望"]),
          ("青少年成长小组", "growth", "提升青少年的自我认知与沟通能力。", ["破冰", "认识自己", "情绪管理", "沟通技巧"]),
          ("照顾者支持小组", "support", "为失能老人照顾者减压，分享照顾经验。", ["照顾者的心声", "减压技巧", "资源分享"])]
ACTIVITIES = [("社区防诈骗宣传", "education", "社区广场", 120), ("邻里互助网络启动", "mutual_aid", "社区活动室", 45),
              ("居民需求调研", "survey", "各小区", 210), ("社区花园共建", "building", "三号院", 60),
              ("志愿者能力培训", "volunteers", "党群服务中心", 38), ("助残资源对接会", "resources", "社区会议室", 52)]


def _worker(name: str, node, user=None, post="一线社工"):
    from .models import SocialWorker

    worker = SocialWorker.objects.filter(user=user).first() if user else SocialWorker.objects.filter(
        name=name, district_id=node.district_id, user__isnull=True).first()
    if worker is None:
        worker = SocialWorker(name=name, user=user, post=post)
        worker.copy_ancestors_from(node)
        try:
            from sanshe.societies.models import Organization

            worker.employer = Organization.objects.filter(district_id=node.district_id,
                                                          is_social_work_agency=True).order_by("pk").first()
        except Exception:  # noqa: BLE001 - the employer is optional in this demo
            worker.employer = None
        worker.save()
    return worker


def seed(ctx) -> None:
    from .models import (
        Case,
        CaseGoal,
        CaseReferral,
        CaseSession,
        CaseStep,
        CommunityActivity,
        Group,
        GroupAttendance,
        GroupSession,
    )

    district = ctx.nodes.get("district")
    community = ctx.nodes.get("community")
    if district is None or community is None or Case.objects.filter(number__startswith="GADEMO").exists():
        return
    user = User.objects.filter(username="social_worker").first()
    me = _worker(getattr(user, "full_name", "") or "杨慧", community, user)
    others = Node.objects.filter(district=district, level=Level.COMMUNITY, is_active=True).exclude(
        pk=community.pk).order_by("code")
    second = others.first() or community
    sup = _worker("吴刚", community.street if community.street_id else community, post="督导")
    colleague = _worker("周婷", second)
    third = _worker("郑丽", second)
    residents = list(Resident.objects.filter(community=community, status="active").select_related("household")
                     .order_by("pk")[:40]) or list(Resident.objects.filter(community=community).order_by("pk")[:40])
    residents2 = list(Resident.objects.filter(community=second).select_related("household").order_by("pk")[:20])
    if len(residents) < 10:
        return
    rng = random.Random(6)
    today = timezone.localdate()
    now = timezone.now()
    n = 0
    for owner, pool in ((me, residents), (colleague, residents2 or residents), (third, residents2 or residents)):
        for i, (title, kind, problem, assessment, goals) in enumerate(CASES):
            if owner is not me and i % 2:
                continue
            n += 1
            client = pool[(n * 3) % len(pool)]
            state = STATES[i]
            opened = today - dt.timedelta(days=150 - i * 20 + rng.randint(0, 10))
            case = Case(number=f"GADEMO{n:04d}", title=title, kind=kind, client=client,
                        referral_source=["community", "grid", "self", "hotline", "street", "agency"][i],
                        worker=owner, supervisor=sup, state=state, opened_on=opened, problem=problem)
            order = ["intake", "assessment", "planning", "serving", "closed"]
            reached = order.index(state)
            if reached >= 1:
                case.assessment = assessment
            if reached >= 2:
                case.plan = "每周面谈或家访一次，链接社区资源，" + "；".join(goals) + "。"
            if state == "closed":
                case.closed_on = min(today, opened + dt.timedelta(days=90))
                case.outcome = "achieved"
                case.closure_note = "服务目标基本达成，服务对象情绪稳定，已建立邻里支持，结案并三个月后回访。"
            case.copy_ancestors_from(client)
            case.save()
            at = timezone.make_aware(dt.datetime.combine(opened, dt.time(9)))
            prev = ""
            for k, (action, to) in enumerate([("open", "intake"), ("assess", "assessment"), ("plan", "planning"),
                                              ("start", "serving"), ("close", "closed")][:reached + 1]):
                CaseStep.objects.create(case=case, action=action, from_state=prev, to_state=to, actor=owner.user,
                                        actor_name=owner.name, at=min(now, at + dt.timedelta(days=7 * k)))
                prev = to
            if reached >= 2:
                for g, text in enumerate(goals):
                    CaseGoal.objects.create(case=case, text=text, status="achieved" if state == "closed" else
                                            ("in_progress" if g == 0 and state == "serving" else "pending"))
            if reached >= 3:
                for s in range(rng.randint(3, 6)):
                    day = min(today, opened + dt.timedelta(days=14 + 7 * s))
                    CaseSession.objects.create(case=case, date=day, hours=Decimal(rng.choice(["1.0", "1.5", "2.0"])),
                                               method=rng.choice(["interview", "home_visit", "phone", "online"]),
                                               notes=f"第{s + 1}次服务：回顾上次约定，{title}进展良好，约定下次时间。",
                                               recorded_by=owner.user)
                if i == 4 or i == 0:
                    CaseReferral.objects.create(case=case, to_whom="街道社区事务受理中心" if i == 4 else "区精神卫生中心",
                                                reason="申请临时救助" if i == 4 else "需要专业心理评估",
                                                referred_on=opened + dt.timedelta(days=20), result="accepted")
            if client.household_id:
                add_timeline_entry(client.household, kind="socialwork.case", title=f"个案：{title}", obj=case,
                                   at=at, url=f"/socialwork/practice/cases/{case.pk}/", resident=client,
                                   permission=Perm.SOCIALWORK_VIEW)
            ctx.count("socialwork", "case")
    for gi, (title, kind, goals, topics) in enumerate(GROUPS):
        owner_node = community if gi < 2 else second
        started = today - dt.timedelta(days=60 + gi * 10)
        group = Group(number=f"XZDEMO{gi + 1:04d}", title=title, kind=kind, goals=goals, started_on=started,
                      is_closed=gi == 2, created_by=me.user if gi < 2 else None)
        group.copy_ancestors_from(owner_node)
        group.save()
        group.workers.set([me, colleague] if gi == 0 else ([me] if gi == 1 else [colleague]))
        pool = residents if gi < 2 else (residents2 or residents)
        members = pool[gi * 5: gi * 5 + 10] or pool[:10]
        for k, topic in enumerate(topics):
            session = GroupSession.objects.create(group=group, date=min(today, started + dt.timedelta(days=7 * k)),
                                                  hours=Decimal("1.5"), topic=topic)
            for r in members:
                if rng.random() < 0.8:
                    row = GroupAttendance.objects.create(session=session, resident=r)
                    if r.household_id:
                        add_timeline_entry(r.household, kind="socialwork.group", title=f"小组：{title}（{topic}）",
                                           at=timezone.make_aware(dt.datetime.combine(session.date, dt.time(15))),
                                           obj=row, url=f"/socialwork/practice/groups/{group.pk}/", resident=r,
                                           permission=Perm.SOCIALWORK_VIEW)
                    ctx.count("socialwork", "group attendance (person-time)")
        ctx.count("socialwork", "group")
    for ai, (title, method, place, people) in enumerate(ACTIVITIES):
        node = community if ai % 2 == 0 else second
        activity = CommunityActivity(title=title, date=today - dt.timedelta(days=10 + ai * 12), method=method,
                                     place=place, participants=people, worker=me if ai % 2 == 0 else colleague,
                                     description="运用社区工作方法开展。")
        activity.copy_ancestors_from(node)
        activity.save()
        ctx.count("socialwork", "community activity")
