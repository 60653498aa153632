"""Demo disputes and patrols of the demo district (锦华区).

Called by ``seed_demo`` through ``demo_events.seed_disputes_and_patrols(ctx)`` after the events; each function
also takes a district node directly: ``seed_disputes(district, rng, months=12)``, ``seed_patrols(district, rng)``.

* **Disputes** (about 160 over the last 12 months, demo scale): realistic neighbourhood, family, property,
  labour, housing, debt, consumer and traffic disputes, registered by the grid workers and community desks
  through the real services (``services_disputes`` with ``at=``), so history rows, alerts and audit entries are
  the real ones. Every state and risk level appears; about 93% of the closed ones are resolved, mostly inside
  the community (grid or community level), some at street and district level after 上报; recent ones are still
  being mediated. Parties come from the register (residents of the grid) or are typed in.
* **Patrols** (the last 30 days): each demo grid worker patrols his grid on most working days, 40–90 minutes,
  a walking route inside the grid with a point every 15 s. Patrol rows and points are bulk-inserted (one
  ``demo.seeded`` audit entry), their distance and buildings passed computed by the same functions the service
  uses. The demo events reported "on patrol" by a grid worker in those days are linked to that day's patrol.

Idempotent: nothing is added when the district already has demo disputes (submission keys ``demo:dispute:``) or
demo patrols (``demo:patrol:``).
"""

from __future__ import annotations

import datetime as dt
import math
import random
from decimal import Decimal

from django.db import connection
from django.utils import timezone

from sanshe.accounts.models import RoleGrant, User
from sanshe.accounts.roles import Role
from sanshe.core import audit
from sanshe.territory.choices import Level
from sanshe.territory.models import Node, Resident

from . import services_disputes as sd
from . import services_patrols as sp
from .choices import Source
from .models import Dispute, Event, Patrol, PatrolEvent, PatrolPoint
from .models.disputes import DisputeAction, DisputeState, RiskLevel, SessionResult, SettledLevel

DEMO_SEED = 20260521
DISPUTES_PER_MONTH = 13
PATROL_DAYS = 30
KEY = "demo:dispute:"
PATROL_KEY = "demo:patrol:"

# kind → (summaries, what was agreed)
STORIES = {
    "neighbour": (["楼上住户卫生间渗水至楼下天花板，双方就维修费用发生争执", "邻居在楼道堆放杂物影响通行，多次沟通无果",
                   "楼上夜间噪音扰民，楼下老人无法休息，双方发生口角", "相邻两户因空调外机位置及滴水问题发生纠纷",
                   "邻居饲养的犬只未拴绳咬伤他人，就医疗费赔偿产生分歧"],
                  ["楼上住户承担维修费用1800元，三日内完成防水处理", "双方同意清理楼道杂物，签订邻里公约",
                   "楼上住户承诺晚十点后不再产生噪音，铺设隔音垫", "空调外机移位并加装接水管，费用各半",
                   "犬主一次性赔偿医疗费及误工费共2600元"]),
    "family": (["夫妻因家庭琐事长期争吵，女方提出离婚，子女抚养问题存在分歧", "兄妹三人就老人赡养费分摊发生争执",
                "父母去世后子女就老房子继承问题产生矛盾", "婆媳矛盾激化，老人要求搬出另住"],
               ["经调解双方和好，约定分工照顾家庭", "三子女每月各承担赡养费800元，轮流照料",
                "按法定继承分配，签订家庭协议", "子女为老人租住附近住房，每周探望"]),
    "property_mgmt": (["小区电梯频繁故障，业主拒交物业费，物业公司停止部分服务", "物业公司擅自将公共绿地改为停车位收费",
                       "业主装修破坏承重墙，物业制止引发冲突", "地下车库漏水淹损业主车辆，就赔偿发生纠纷"],
                      ["物业公司限期维修电梯，业主补交物业费", "恢复绿地，停车位收费暂停并由业主大会决定",
                       "业主停止违规施工并恢复原状", "物业公司赔偿车辆维修费5000元"]),
    "labour": (["装修公司拖欠12名农民工工资共计8.6万元", "餐馆员工被辞退未获经济补偿", "快递网点拖欠分拣员两个月工资"],
               ["公司分两期付清全部工资", "餐馆支付经济补偿金一个月工资", "网点当日结清拖欠工资"]),
    "land_housing": (["房东提前收回出租房屋且不退押金", "租户拖欠房租三个月拒不搬离", "两户因院落界址及围墙归属发生纠纷"],
                     ["房东退还押金并补偿半月租金", "租户分期支付欠租并于月底搬离", "依据原始图纸重新确认界址"]),
    "debt": (["朋友间借款2万元逾期未还", "小区商户预付卡跑路，居民要求退款"],
             ["借款人签订还款计划，分六个月归还", "商户负责人承诺退还剩余金额"]),
    "consumer": (["居民在社区超市购买过期食品要求赔偿", "家电维修收费过高，居民要求退还差价"],
                 ["超市退一赔十", "维修店退还多收费用300元"]),
    "traffic": (["小区内电动车与行人相撞致老人受伤", "停车刮蹭引发车主间争执"],
                ["电动车主承担医疗费并赔礼道歉", "双方按保险程序处理，互谅互让"]),
    "other": (["广场舞音量过大，周边居民与舞蹈队发生矛盾", "小区业主群内言语冲突升级为线下纠纷"],
              ["约定音量标准和活动时间，由社区协调场地", "双方互相道歉，删除不当言论"]),
}
KIND_WEIGHTS = {"neighbour": 34, "family": 14, "property_mgmt": 18, "labour": 8, "land_housing": 9, "debt": 5,
                "consumer": 4, "traffic": 4, "other": 4}
NAMES = ["张建国", "李秀英", "王志强", "刘桂兰", "陈明", "杨丽华", "赵德胜", "黄玉珍", "周海燕", "吴永红", "徐春梅",
         "孙国庆", "马丽", "朱文斌", "胡淑珍", "郭俊", "何金凤", "高建平"]
COMPANIES = ["锦华物业服务有限公司", "蓉城家装工程有限公司", "佳和餐饮店", "顺达快递锦华网点"]


def _district(ctx_or_district) -> Node | None:
    nodes = getattr(ctx_or_district, "nodes", None)
    if nodes is not None:
        return nodes.get("district")
    return ctx_or_district


def _count(ctx, what: str, n: int) -> None:
    if hasattr(ctx, "count") and n:
        ctx.count("gridops", what, n)


def _users_with(role: str, node_ids) -> dict[int, User]:
    found: dict[int, User] = {}
    for grant in RoleGrant.objects.active().filter(role=role, node_id__in=list(node_ids)).select_related("user") \
            .order_by("user__username"):
        if grant.user.is_active:
            found.setdefault(grant.node_id, grant.user)
    return found


def _phone(rng: random.Random) -> str:
    return rng.choice(["138", "139", "150", "186", "177"]) + f"{rng.randrange(10 ** 8):08d}"


# --- disputes ---------------------------------------------------------------------------------------------------
def seed_disputes(ctx_or_district, rng: random.Random | None = None, months: int = 12) -> int:
    """About 13 disputes a month over ``months`` months in the district's grids; returns how many were added."""
    district = _district(ctx_or_district)
    if district is None or Dispute.objects.filter(district=district, submission_key__startswith=KEY).exists():
        return 0
    rng = rng or random.Random(DEMO_SEED)
    grids = list(Node.objects.filter(district=district, level=Level.GRID, is_active=True).order_by("code"))
    if not grids:
        return 0
    field = _users_with(Role.GRID_WORKER, [g.pk for g in grids])
    desks = _users_with(Role.COMMUNITY_WORKER, {g.community_id for g in grids})
    streets = _users_with(Role.STREET_OFFICIAL, {g.street_id for g in grids})
    admin = _users_with(Role.DISTRICT_ADMIN, [district.pk]).get(district.pk)
    grids = [g for g in grids if g.pk in field or g.community_id in desks]
    if not grids or admin is None:
        return 0
    residents = {}
    for grid_id, pk in Resident.objects.filter(district=district, status="registered").values_list("grid_id", "pk"):
        residents.setdefault(grid_id, []).append(pk)
    home = [g for g in grids if g.community_id == grids[0].community_id]
    now = timezone.now()
    kinds, weights = list(KIND_WEIGHTS), list(KIND_WEIGHTS.values())
    total = months * DISPUTES_PER_MONTH
    added = 0
    for i in range(total):
        age_days = rng.uniform(0.2, months * 30.4)
        found_at = (now - dt.timedelta(days=age_days)).replace(second=0, microsecond=0)
        local = timezone.localtime(found_at)
        if local.hour < 8 or local.hour > 20:
            found_at += dt.timedelta(hours=10)
            if found_at > now:
                found_at = now - dt.timedelta(hours=1)
        grid = rng.choice(home) if rng.random() < 0.35 else rng.choice(grids)
        kind = rng.choices(kinds, weights=weights)[0]
        summaries, outcomes = STORIES[kind]
        story = rng.randrange(len(summaries))
        risk = rng.choices([RiskLevel.YELLOW, RiskLevel.ORANGE, RiskLevel.RED], weights=[70, 22, 8])[0]
        registrar = field.get(grid.pk) if (grid.pk in field and rng.random() < 0.75) else desks.get(grid.community_id)
        registrar = registrar or field.get(grid.pk) or admin
        parties = _parties(rng, kind, residents.get(grid.pk, []))
        open_case = age_days < 20 and rng.random() < 0.7
        settle_now = risk == RiskLevel.YELLOW and not open_case and registrar in field.values() and rng.random() < 0.3
        try:
            dispute = sd.register_dispute(
                actor=registrar, node=grid, kind=kind, summary=summaries[story], risk_level=risk, parties=parties,
                found_at=found_at, at=found_at, address=f"{grid.name}{rng.randint(1, 12)}栋",
                settle_now=settle_now, outcome=outcomes[story] if settle_now else "", submission_key=f"{KEY}{i}")
        except Exception:  # noqa: BLE001 - a demo row that does not fit (e.g. a moved resident) is skipped
            continue
        added += 1
        if settle_now:
            continue
        _life(dispute, rng, found_at=found_at, now=now, open_case=open_case, outcome=outcomes[story],
              people={"grid": field.get(grid.pk) or registrar, "community": desks.get(grid.community_id) or admin,
                      "street": streets.get(grid.street_id) or admin, "district": admin})
    if added:
        audit.record("demo.seeded", object_type="gridops.dispute", object_repr=f"{district.name} disputes × {added}")
    _count(ctx_or_district, "dispute", added)
    return added


def _parties(rng: random.Random, kind: str, residents: list[int]) -> list[dict]:
    parties = []
    if residents and rng.random() < 0.6:
        parties.append({"role": "applicant", "resident": rng.choice(residents)})
    else:
        parties.append({"role": "applicant", "name": rng.choice(NAMES), "phone": _phone(rng)})
    if kind in ("property_mgmt", "labour", "consumer") and rng.random() < 0.7:
        parties.append({"role": "respondent", "name": rng.choice(COMPANIES)})
    elif residents and rng.random() < 0.4:
        other = rng.choice(residents)
        if all(p.get("resident") != other for p in parties):
            parties.append({"role": "respondent", "resident": other})
        else:
            parties.append({"role": "respondent", "name": rng.choice(NAMES)})
    else:
        parties.append({"role": "respondent", "name": rng.choice(NAMES), "phone": _phone(rng)})
    return parties


def _life(dispute: Dispute, rng: random.Random, *, found_at, now, open_case: bool, outcome: str, people) -> None:
    """Sessions, hand-overs upward and the outcome, at plausible times after ``found_at``."""
    t = found_at
    level = dispute.level
    if not open_case and rng.random() < 0.02:  # 不予受理: not a matter for people's mediation
        sd.transition_dispute(dispute, DisputeAction.DECLINE, actor=people[level], at=t + dt.timedelta(hours=2),
                              note="属于行政复议事项，不属于人民调解受理范围，已告知当事人")
        return
    # how far up it goes: most stay in the community
    target = rng.choices([SettledLevel.GRID, SettledLevel.COMMUNITY, SettledLevel.STREET, SettledLevel.DISTRICT],
                         weights=[38, 52, 8, 2])[0]
    if dispute.risk_level == RiskLevel.RED and target in (SettledLevel.GRID,):
        target = SettledLevel.COMMUNITY
    order = sd.LEVEL_ORDER
    sessions = rng.randint(1, 3)
    for s in range(sessions):
        t = t + dt.timedelta(days=rng.uniform(0.5, 6))
        if t >= now:
            return
        actor = people[level]
        result = SessionResult.CONTINUE if s < sessions - 1 else rng.choice([SessionResult.AGREED,
                                                                              SessionResult.PARTIAL])
        sd.record_session(dispute, actor=actor, held_on=timezone.localtime(t).date(), mediator=actor,
                          minutes=f"组织双方当事人面对面沟通，听取陈述，讲解相关法律法规。第{s + 1}次调解。",
                          result=result, participants="双方当事人、网格员、楼栋长", place="社区调解室", at=t)
        if order.index(level) < order.index(target) and s < sessions - 1:
            t = t + dt.timedelta(hours=rng.uniform(2, 30))
            dispute = sd.transition_dispute(dispute, DisputeAction.ESCALATE, actor=people[level],
                                            note="本级调解未果，上报上级调解", at=t)
            level = dispute.level
    while order.index(level) < order.index(target):
        t = t + dt.timedelta(hours=rng.uniform(2, 30))
        if t >= now:
            return
        dispute = sd.transition_dispute(dispute, DisputeAction.ESCALATE, actor=people[level],
                                        note="本级调解未果，上报上级调解", at=t)
        level = dispute.level
    if open_case:
        return
    t = t + dt.timedelta(days=rng.uniform(0.2, 4))
    if t >= now:
        return
    actor = people[level]
    dispute.refresh_from_db()
    roll = rng.random()
    if roll < 0.935:
        sd.transition_dispute(dispute, DisputeAction.RESOLVE, actor=actor, outcome=outcome, at=t)
    elif roll < 0.955:
        sd.transition_dispute(dispute, DisputeAction.FAIL, actor=actor, note="双方分歧较大，调解不成", at=t)
    elif roll < 0.97:
        sd.transition_dispute(dispute, DisputeAction.LITIGATION, actor=actor, note="当事人选择向法院起诉", at=t)
    elif roll < 0.98:
        sd.transition_dispute(dispute, DisputeAction.ARBITRATION, actor=actor, note="引导申请劳动仲裁", at=t)
    elif roll < 0.99:
        sd.transition_dispute(dispute, DisputeAction.PETITION, actor=actor, note="当事人坚持信访，移交信访部门",
                              at=t)
    elif dispute.state == DisputeState.ACCEPTED:
        sd.transition_dispute(dispute, DisputeAction.DECLINE, actor=actor, note="不属于人民调解受理范围", at=t)
    else:
        sd.transition_dispute(dispute, DisputeAction.FAIL, actor=actor, note="一方拒绝继续调解", at=t)


# --- patrols -----------------------------------------------------------------------------------------------------
def _box(grid: Node) -> tuple[float, float, float, float] | None:
    """(min lat, min lng, max lat, max lng) of the grid's boundary."""
    geometry = grid.geometry or {}
    if geometry.get("type") == "Feature":
        geometry = geometry.get("geometry") or {}
    coords = geometry.get("coordinates") or []
    if geometry.get("type") == "Polygon":
        ring = coords[0] if coords else []
    elif geometry.get("type") == "MultiPolygon":
        ring = coords[0][0] if coords and coords[0] else []
    else:
        return None
    if not ring:
        return None
    lats, lngs = [float(p[1]) for p in ring], [float(p[0]) for p in ring]
    return min(lats), min(lngs), max(lats), max(lngs)


def _walk(rng: random.Random, box, start: dt.datetime, minutes: int, step_s: int = 15):
    """A walk inside ``box`` (bouncing off its edges) at ~1.2 m/s, a point every ``step_s`` seconds."""
    lat0, lng0, lat1, lng1 = box
    lat, lng = rng.uniform(lat0, lat1), rng.uniform(lng0, lng1)
    heading = rng.uniform(0, 2 * math.pi)
    k = math.cos(math.radians(lat))
    points = []
    for i in range(minutes * 60 // step_s):
        if i % 8 == 0:
            heading += rng.uniform(-0.9, 0.9)
        step = rng.uniform(0.9, 1.5) * step_s
        nlat = lat + step * math.cos(heading) / 111_195
        nlng = lng + step * math.sin(heading) / (111_195 * k)
        if not (lat0 <= nlat <= lat1 and lng0 <= nlng <= lng1):
            heading += math.pi
            continue
        lat, lng = nlat, nlng
        points.append((lat, lng, start + dt.timedelta(seconds=i * step_s), round(rng.uniform(4, 25), 1)))
    return points


def seed_patrols(ctx_or_district, rng: random.Random | None = None, days: int = PATROL_DAYS) -> int:
    """Patrols of the demo grid workers over the last ``days`` days; returns how many were added."""
    district = _district(ctx_or_district)
    if district is None or Patrol.objects.filter(district=district, submission_key__startswith=PATROL_KEY).exists():
        return 0
    if getattr(ctx_or_district, "scale", "demo") != "demo":
        return 0
    rng = rng or random.Random(DEMO_SEED + 1)
    grids = {g.pk: g for g in Node.objects.filter(district=district, level=Level.GRID, is_active=True)}
    workers = _users_with(Role.GRID_WORKER, list(grids))
    if not workers:
        return 0
    today = timezone.localdate()
    buildings = sp.grid_buildings(list(workers))
    on_patrol = {}
    for event in Event.objects.filter(district=district, source=Source.PATROL, reporter__isnull=False,
                                      reported_at__gte=timezone.now() - dt.timedelta(days=days)).only(
            "pk", "reporter_id", "grid_id", "reported_at"):
        on_patrol.setdefault((event.reporter_id, event.grid_id, timezone.localtime(event.reported_at).date()),
                             []).append(event)
    patrols, routes, links = [], [], []
    now = timezone.now()
    n = 0
    for grid_id, worker in sorted(workers.items()):
        grid = grids[grid_id]
        box = _box(grid)
        for back in range(days, -1, -1):
            day = today - dt.timedelta(days=back)
            found = on_patrol.get((worker.pk, grid_id, day), [])
            if not found and (day.weekday() >= 5 or rng.random() > 0.75):
                continue
            start = timezone.make_aware(dt.datetime.combine(day, dt.time(rng.choice([8, 9, 10, 14, 15]),
                                                                         rng.randrange(60))))
            if found:
                start = min(e.reported_at for e in found) - dt.timedelta(minutes=rng.randint(10, 30))
            minutes = rng.randint(40, 90)
            end = start + dt.timedelta(minutes=minutes)
            if found:  # the events reported in this patrol's window are the ones it found
                end = max(end, min(e.reported_at for e in found) + dt.timedelta(minutes=10))
                found = [e for e in found if start <= e.reported_at <= end]
            if end >= now:
                continue
            track = _walk(rng, box, start, int((end - start).total_seconds() // 60)) if box else []
            usable = [(lat, lng, at) for lat, lng, at, _acc in track]
            passed = sp.buildings_near_track(buildings.get(grid_id, {}), usable, sp.NEAR_BUILDING_M)
            patrol = Patrol(worker=worker, district_id=grid.district_id, street_id=grid.street_id,
                            community_id=grid.community_id, grid=grid, started_at=start, ended_at=end,
                            distance_m=round(sp.route_distance(usable)), point_count=len(track),
                            buildings_passed=passed, submission_key=f"{PATROL_KEY}{grid_id}:{day:%Y%m%d}")
            patrols.append(patrol)
            routes.append(track)
            links.append(found)
            n += 1
    Patrol.objects.bulk_create(patrols, batch_size=500)
    saved = {p.submission_key: p for p in Patrol.objects.filter(
        submission_key__in=[p.submission_key for p in patrols])}
    points, found_links = [], []
    ops = connection.ops
    for patrol, track, found in zip(patrols, routes, links, strict=True):
        pk = saved[patrol.submission_key].pk
        points.extend((pk, ops.adapt_decimalfield_value(Decimal(f"{lat:.6f}"), 9, 6),
                       ops.adapt_decimalfield_value(Decimal(f"{lng:.6f}"), 9, 6), ops.adapt_datetimefield_value(at),
                       acc) for lat, lng, at, acc in track)
        found_links.extend(PatrolEvent(patrol_id=pk, event=e) for e in found)
    # ~100,000 fixture rows: one prepared INSERT run many times (the ORM's per-value preparation is the slow part)
    table = connection.ops.quote_name(PatrolPoint._meta.db_table)
    sql = f"INSERT INTO {table} (patrol_id, latitude, longitude, at, accuracy) VALUES (%s, %s, %s, %s, %s)"
    with connection.cursor() as cursor:
        for i in range(0, len(points), 5000):
            cursor.executemany(sql, points[i:i + 5000])
    PatrolEvent.objects.bulk_create(found_links, ignore_conflicts=True)
    if n:
        audit.record("demo.seeded", object_type="gridops.patrol",
                     object_repr=f"{district.name} patrols × {n}, points × {len(points)}")
    _count(ctx_or_district, "patrol", n)
    _count(ctx_or_district, "patrol point", len(points))
    return n
