"""Demo data of the 12343 hotline and the message box (part of ``seed_demo``; idempotent: nothing is added once
the demo district has calls).

Calls over the last four months by the demo account ``hotline_operator`` (谢婷), callers taken from the registry
(so the household files show them) or typed in: answered on the spot, turned into events of the grid workflow,
into service applications (some of them done), into demands (when the 五单法 module is there), repeat calls
merged into their master (并单), call-backs with ratings, closed ones; and messages and suggestions to the
communities and the district, most of them answered in public.
"""

from __future__ import annotations

import datetime as dt
import random

from django.core.exceptions import ValidationError
from django.utils import timezone

from sanshe.accounts.models import User
from sanshe.core.exceptions import Denied, OutOfScope
from sanshe.gridops.catalogue_seed import ensure_catalogue
from sanshe.gridops.models import EventCategory
from sanshe.territory.choices import Level
from sanshe.territory.models import Node, Resident

from . import services
from . import services_hotline as sh
from .choices import ApplicationState
from .choices_hotline import CallAction
from .models import ServiceItem
from .models_hotline import HotlineCall, Message

CALLS = [  # (category, content, decision)
    ("consult", "咨询灵活就业人员社保怎么缴纳", "answer"),
    ("consult", "问一下居住证办理需要哪些材料", "answer"),
    ("consult", "老人高龄补贴什么时候发放", "answer"),
    ("help", "家门口下水道堵塞，污水外溢", "event"),
    ("complaint", "小区门口垃圾堆放三天没人清运", "event"),
    ("complaint", "楼下烧烤店油烟扰民，晚上十二点还在营业", "event"),
    ("help", "路灯坏了一个多月，晚上出行不安全", "event"),
    ("help", "父亲今年退休，想办理退休手续", "application"),
    ("help", "家里困难，想申请最低生活保障", "application"),
    ("help", "独居老人希望有人定期上门探访", "need"),
    ("suggestion", "建议小区增设电动自行车充电桩", "need"),
    ("praise", "表扬社区网格员小李热心帮助独居老人", "answer"),
    ("complaint", "物业不作为，电梯经常停运", "answer"),
    ("consult", "孩子入学需要开什么证明", "answer"),
]
ANSWERS = ["已告知办理流程和所需材料", "已解释政策并告知咨询电话", "已转告社区并答复来电人", "已记录表扬并转达社区"]
FOLLOW_NOTES = ["来电人表示问题已解决", "来电人认可处理结果", "问题基本解决，仍有少量意见", "来电人对处理时长不满意"]
MESSAGES = [  # (kind, subject, content, answer or "")
    ("message", "小区停车难", "晚上回来经常找不到车位，希望社区协调。", "已与周边单位协商夜间共享车位 60 个，下月起开放。"),
    ("message", "广场舞噪音", "每天晚上十点后还在跳，影响休息。", "已与广场舞队沟通，活动时间调整为 19:30–21:00。"),
    ("suggestion", "增设快递柜", "小区快递太多没地方放，建议增设智能快递柜。", "已联系物业，两台快递柜将于本月底安装。"),
    ("suggestion", "开设老年人智能手机课", "很多老人不会用手机挂号、扫码。", "社区党群服务中心每周三下午开设“银龄学堂”。"),
    ("message", "楼道堆放杂物", "三单元楼道堆满杂物，存在消防隐患。", "网格员已上门督促清理，并纳入日常巡查。"),
    ("suggestion", "增加社区食堂菜品", "希望老年助餐点多一些清淡菜品。", ""),
    ("message", "绿化带缺株", "小区南门绿化带有几处空缺。", ""),
    ("message", "公交站台遮雨棚破损", "府青路站台遮雨棚破了，下雨天没法等车。", "已转区交通运输局，计划两周内修复。"),
]
NAMES = "王大爷 李阿姨 张先生 刘女士 陈师傅 杨先生 赵阿姨 黄女士 吴先生 徐大妈".split()


def seed(ctx) -> None:
    district = ctx.nodes.get("district")
    operator = User.objects.filter(username="hotline_operator").first()
    if district is None or operator is None or HotlineCall.objects.filter(district=district).exists():
        return
    rng = random.Random(12343)
    now = timezone.now()
    communities = list(Node.objects.filter(district=district, level=Level.COMMUNITY, is_active=True).order_by("code"))
    if not communities:
        return
    residents = list(Resident.objects.filter(district=district).exclude(phone_index="")
                     .select_related("household").order_by("pk")[:40])
    ensure_catalogue()  # the grid catalogue (idempotent): seed_demo runs the grid demo after this one
    categories = list(EventCategory.objects.filter(parent__isnull=False, is_active=True).order_by("code")[:30])
    items = {i.code: i for i in ServiceItem.objects.filter(district=district, is_active=True)}
    item_list = list(items.values())
    for n in range(60):
        category, content, decision = CALLS[n % len(CALLS)]
        received = now - dt.timedelta(days=rng.randint(1, 120), hours=rng.randint(0, 8), minutes=rng.randint(0, 59))
        received = received.replace(hour=rng.randint(9, 17))
        if received > now:
            received = now - dt.timedelta(hours=2)
        resident = residents[n % len(residents)] if residents and n % 3 else None
        if resident is not None and resident.community_id:
            community = next((c for c in communities if c.pk == resident.community_id), communities[0])
            name, phone = resident.name, resident.phone or ""
        else:
            community = communities[n % len(communities)]
            name, phone = NAMES[n % len(NAMES)], f"139{rng.randint(10**7, 10**8 - 1)}"
        try:
            call = sh.record_call(actor=operator, community=community, caller_name=name, phone=phone,
                                  content=content, category=category, received_at=received)
        except (ValidationError, Denied, OutOfScope):  # a demo row that does not fit is skipped
            continue
        ctx.count("servicedesk", "hotline call")
        at = received + dt.timedelta(minutes=rng.randint(3, 40))
        if n >= 55:
            continue  # the newest stay waiting for a decision
        try:
            if decision == "answer" or (decision == "need" and not sh.orders_available()):
                sh.transition(call, CallAction.ANSWER, actor=operator, answer=rng.choice(ANSWERS), at=at)
            elif decision == "event" and categories:
                sh.transition(call, CallAction.TO_EVENT, actor=operator, event_category=rng.choice(categories),
                              at=at)
            elif decision == "application" and item_list:
                call = sh.transition(call, CallAction.TO_APPLICATION, actor=operator,
                                     item=rng.choice(item_list), at=at)
                _finish_application(call, at + dt.timedelta(days=rng.randint(1, 8)), now)
            elif decision == "need":
                sh.transition(call, CallAction.TO_NEED, actor=operator, title=content[:30], at=at)
        except (ValidationError, Denied, OutOfScope):
            continue
        if n % 5 == 4:  # the caller rings again a few days later about the same matter: merged (并单)
            again = min(now - dt.timedelta(minutes=5), received + dt.timedelta(days=rng.randint(1, 4)))
            repeat = sh.record_call(actor=operator, community=community, caller_name=name, phone=phone,
                                    content="再次来电：" + content, category=category, received_at=again)
            ctx.count("servicedesk", "hotline call")
            try:
                sh.transition(repeat, CallAction.MERGE, actor=operator, master=call,
                              at=again + dt.timedelta(minutes=5))
            except (ValidationError, Denied, OutOfScope):
                pass
    # call-backs and closing for what is settled and older than twelve days (the newer wait in the 回访 queue)
    for call in HotlineCall.objects.filter(district=district).order_by("received_at"):
        if not sh.due_for_follow_up(call) or call.received_at > now - dt.timedelta(days=12):
            continue
        result = sh.outcome(call)
        at = min(now, max((result.at or call.received_at), call.received_at) + dt.timedelta(days=1, hours=2))
        reached = rng.random() > 0.12
        rating = rng.choices(["satisfied", "fairly_satisfied", "dissatisfied"], [7, 2, 1])[0] if reached else ""
        call = sh.transition(call, CallAction.FOLLOW_UP, actor=operator, reached=reached, rating=rating,
                             note=rng.choice(FOLLOW_NOTES) if reached else "两次拨打无人接听", at=at)
        if rng.random() < 0.8:
            sh.transition(call, CallAction.CLOSE, actor=operator, at=min(now, at + dt.timedelta(hours=1)))
    _messages(ctx, district, communities, operator, rng, now)


def _finish_application(call: HotlineCall, at: dt.datetime, now: dt.datetime) -> None:
    app = call.application
    if app is None or at >= now or app.state not in (ApplicationState.RECEIVED, ApplicationState.PROCESSING):
        return
    member = app.department.unitmember_set.select_related("user").first()
    if member is None:
        return
    try:
        services.transition(app, "complete", actor=member.user, note="已办结，结果已通知申请人", at=at)
    except (ValidationError, Denied, OutOfScope):  # a member without the permission: left open
        return


def _messages(ctx, district, communities, operator, rng, now) -> None:
    if Message.objects.filter(district=district).exists():
        return
    worker = User.objects.filter(username="community_worker").first()
    home = ctx.nodes.get("community")
    for n in range(24):
        kind, subject, content, answer = MESSAGES[n % len(MESSAGES)]
        node = district if n % 5 == 4 else (home if home is not None and n % 2 == 0 else communities[n % len(communities)])
        at = now - dt.timedelta(days=rng.randint(1, 90), hours=rng.randint(0, 10))
        message = sh.leave_message(node=node, kind=kind, subject=subject, content=content,
                                   name=NAMES[n % len(NAMES)], phone=f"137{rng.randint(10**7, 10**8 - 1)}",
                                   is_public=n % 7 != 3, at=at)
        ctx.count("servicedesk", "message")
        if not answer or n >= 21:
            continue
        who = worker if worker is not None and home is not None and node.pk == home.pk else operator
        sh.answer_message(message, actor=who, answer=answer, at=min(now, at + dt.timedelta(days=rng.randint(1, 4))))
