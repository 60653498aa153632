"""Demo data of the 五单法 demand orders in the demo district: a provider directory and needs and orders in
every stage, driven through :mod:`sanshe.servicedesk.services_orders` with ``at=`` over the last months.

* **Providers**: five social organizations as ``gridops.HandlingUnit(kind=social_org)`` of the district; the demo
  account ``social_org`` (陈晓梅) is staff of the first, the others get a staff account each (``so_<n>``, no
  usable password).
* **First community** (the demo accounts' community): open needs (placed by the resident ``resident``, the
  community worker, a survey, the hotline), a declined need, orders issued (invited / open for bids with
  bids), taken (with supervision checks, one problem), waiting for verification, closed with the residents'
  evaluation (one returned once before).
* **Elsewhere**: two other communities of the district get an order each (their party secretaries ``ps_<code>``).

Idempotent: skipped once the district has an order (the providers and accounts are matched by name).
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from sanshe.accounts.models import User
from sanshe.accounts.roles import Role
from sanshe.gridops.choices import UnitKind
from sanshe.gridops.models import HandlingUnit
from sanshe.territory.choices import Level
from sanshe.territory.models import Household, Node

from . import services_orders as so
from .choices_orders import OfferMode, OrderAction
from .demo import _account, _member
from .models_orders import DemandOrder

PROVIDERS = ["锦华区阳光社会工作服务中心", "锦华区邻里守望志愿服务协会", "锦华区夕阳红居家养老服务中心",
             "锦华区童心成长社会工作服务社", "锦华区绿色家园环保公益协会"]
A = OrderAction

# (title, kind, content, budget, fund source, how far, source, days ago it started)
SCENARIOS = [
    ("老年人助餐服务", "elderly", "为辖区高龄独居老人每周五天送餐上门", 36000, "purchase", "closed", "resident", 150),
    ("楼道照明改造", "facilities", "更换老旧院落楼道灯并加装声控开关", 8000, "community_fund", "closed_returned",
     "worker", 120),
    ("四点半课堂", "children", "放学后为双职工家庭子女提供课业辅导和看护", 20000, "venture", "submitted", "survey", 80),
    ("垃圾分类宣传和督导", "environment", "组织志愿者在投放点开展分类督导", 6000, "community_fund", "taken_problem",
     "worker", 60),
    ("残疾人康复陪护", "assistance", "为重度残疾人家庭提供每周上门康复陪护", 15000, "purchase", "taken", "hotline", 40),
    ("广场舞场地协调与文体活动", "culture", "组织文体队伍错峰使用广场并开展展演", 3000, "self", "bidding", "resident", 20),
    ("院落绿化补植", "environment", "对三个老旧院落补植绿化并组织认养", 12000, "venture", "issued", "worker", 10),
]
OPEN_NEEDS = [("小区门口缺少无障碍坡道", "facilities", "resident", 6), ("希望开设老年人智能手机课", "elderly", "survey", 4),
              ("夜间电动车充电不便", "facilities", "hotline", 2)]
DECLINED = ("要求社区出资修缮私人住宅屋顶", "other", "worker", 30, "属于个人产权房屋维修，不在社区保障资金使用范围，已告知可申请住房维修资金")
MEMBERS = ["罗建军", "王淑芬", "刘志强", "赵红梅"]


def _providers(ctx, district) -> list[HandlingUnit]:
    units = []
    for name in PROVIDERS:
        unit, created = HandlingUnit.objects.get_or_create(
            name=name, kind=UnitKind.SOCIAL_ORG, district=district,
            defaults={"node": district, "street_id": None, "community_id": None})
        if created:
            ctx.count("servicedesk", "provider")
        units.append(unit)
    return units


def seed(ctx) -> None:
    district, community = ctx.nodes.get("district"), ctx.nodes.get("community")
    if district is None or community is None:
        return
    providers = _providers(ctx, district)
    demo_org = User.objects.filter(username="social_org").first()
    staff = []
    for i, unit in enumerate(providers):
        user = demo_org if i == 0 and demo_org is not None else _account(
            f"so_{i + 1}", Role.SOCIAL_ORG, district, ["陈晓梅", "周敏", "吴静", "郑浩", "冯丽"][i], ctx)
        _member(unit, user, ctx)
        staff.append(user)
    if DemandOrder.objects.filter(district=district).exists():
        return
    users = {u.username: u for u in User.objects.filter(username__in=[
        "resident", "community_worker", "party_secretary", "supervisor", "street_official", "hotline_operator"])}
    if len(users) < 6:
        return
    households = list(Household.objects.filter(community=community, is_active=True).order_by("pk")[:30])
    now = timezone.now()

    def ago(days, hours=0):
        return now - dt.timedelta(days=days) + dt.timedelta(hours=hours)

    def place(title, kind, source, start, k):
        actor = {"resident": users["resident"], "hotline": users["hotline_operator"]}.get(source,
                                                                                         users["community_worker"])
        hh = [] if source == "resident" else households[k * 2:k * 2 + 2]
        need = so.place_need(actor=actor, community=community, title=title, description=f"居民反映：{title}",
                             kind=kind, households=hh, source=source,
                             contact_name="" if source == "resident" else "居民代表",
                             contact_phone="" if source == "resident" else f"139{(k * 7919) % 10**8:08d}",
                             at=start)
        ctx.count("servicedesk", "need")
        return need

    ps, sup, street = users["party_secretary"], users["supervisor"], users["street_official"]
    for k, (title, kind, content, budget, fund, stage, source, days) in enumerate(SCENARIOS):
        start = ago(days)
        needs = [place(title, kind, source, start, k),
                 place(f"{title}（同类诉求）", kind, "worker", start + dt.timedelta(days=1), k + 10)]
        mode = OfferMode.OPEN if stage == "bidding" else OfferMode.INVITE
        order = so.issue_order(actor=ps, needs=needs, title=title, content=content, budget=budget, fund_source=fund,
                               responsible_member=MEMBERS[k % len(MEMBERS)], mode=mode,
                               invited=[] if mode == OfferMode.OPEN else [providers[k % 5], providers[(k + 1) % 5]],
                               at=start + dt.timedelta(days=3))
        ctx.count("servicedesk", "demand order")
        t = start + dt.timedelta(days=4)
        if stage == "issued":
            continue
        if stage == "bidding":
            for j in (1, 3):
                so.transition(order, A.BID, actor=staff[j], unit=providers[j], price=round(budget * (0.9 + j * 0.02), 2),
                              plan="组建专门服务团队，两周内启动，按月报送服务台账", at=t + dt.timedelta(hours=j))
            continue
        chosen = providers[k % 5]
        so.transition(order, A.ACCEPT, actor=staff[k % 5], unit=chosen, plan="按需求清单组织实施", at=t)
        so.transition(order, A.CHOOSE, actor=ps, bid=order.bids.get(unit=chosen), at=t + dt.timedelta(days=1))
        t += dt.timedelta(days=8)
        so.transition(order, A.CHECK, actor=sup, note="服务按计划开展，台账齐全", ok=True, at=t)
        if stage == "taken":
            continue
        if stage == "taken_problem":
            so.transition(order, A.CHECK, actor=sup, note="部分投放点无人督导，已要求整改", ok=False,
                          at=t + dt.timedelta(days=5))
            continue
        t += dt.timedelta(days=12)
        so.transition(order, A.FINISH, actor=staff[k % 5], note="服务已完成，请验收", at=t)
        if stage == "closed_returned":
            so.transition(order, A.RETURN, actor=street, note="部分楼道灯未安装声控开关，请补齐", at=t + dt.timedelta(days=2))
            so.transition(order, A.CHECK, actor=sup, note="整改完成", ok=True, at=t + dt.timedelta(days=6))
            t += dt.timedelta(days=7)
            so.transition(order, A.FINISH, actor=staff[k % 5], note="已整改", at=t)
        if stage == "submitted":
            continue
        first = needs[0]
        actor = users["resident"] if first.placed_by_id == users["resident"].pk else users["community_worker"]
        so.transition(order, A.EVALUATE, actor=actor, need=first, rating="satisfied", comment="服务很周到",
                      at=t + dt.timedelta(days=1))
        so.transition(order, A.VERIFY, actor=street, note="现场查验合格，群众满意", ratings={needs[1].pk: "fairly_satisfied"},
                      at=t + dt.timedelta(days=3))
    for k, (title, kind, source, days) in enumerate(OPEN_NEEDS):
        place(title, kind, source, ago(days), 20 + k)
    title, kind, source, days, reason = DECLINED
    so.decline_need(place(title, kind, source, ago(days), 25), actor=ps, reason=reason, at=ago(days - 2))
    # elsewhere: two other communities of the district, their own party secretaries
    others = Node.objects.filter(district=district, level=Level.COMMUNITY, is_active=True).exclude(
        pk=community.pk).order_by("code")[:2]
    for i, other in enumerate(others):
        secretary = _account(f"ps_{other.code[6:]}", Role.PARTY_SECRETARY, other, ["何志华", "唐丽"][i], ctx)
        need = so.place_need(actor=secretary, community=other, title="老旧小区加装电梯意见征集",
                             description="居民希望社区组织加装电梯协商", kind="facilities", source="survey",
                             at=ago(50 - i * 20))
        order = so.issue_order(actor=secretary, needs=[need], title="加装电梯议事协商服务",
                               content="引入专业社工组织开展加装电梯协商议事", budget=5000 + i * 1000,
                               fund_source="venture", responsible_member=["何志华", "唐丽"][i],
                               invited=[providers[0]], at=ago(48 - i * 20))
        so.transition(order, A.ACCEPT, actor=staff[0], unit=providers[0], at=ago(46 - i * 20))
        if i == 0:
            so.transition(order, A.CHOOSE, actor=secretary, bid=order.bids.get(), at=ago(45))
        ctx.count("servicedesk", "demand order")
