"""Demo data of grid governance for the demo district 锦华区 (510197): the catalogue, the handling units, the
responsibility table, the district's event settings, and a year of events in every state.

Called by ``manage.py seed_demo`` (see its gridops hook) after the territory, the registry and the accounts.

* **Catalogue**: :func:`sanshe.gridops.catalogue_seed.ensure_catalogue`.
* **Handling units**: district departments (区住建局, 区城管局 …), four departments per street (城管科, 综治办,
  社会事务科, 平安建设办), a team per community (…社区综治队) and one social organization. ``handler`` (see
  :mod:`sanshe.accounts.demo`) is the staff of 锦华街道城管科, the street department of ``grid_worker``'s street;
  the other units get one staff account each (no usable password: they act in the history, nobody logs in).
* **Responsibility table**: each 小类 → a district department (line at the district), a street department (line
  at every street), a community team (line at every community) or the social organization.
* **Events** (demo scale only): about 300 reports spread over the last 12 months across the district's grids,
  each driven through the real services (``services.report_event`` / ``services.transition`` with ``at=``), so
  their history rows, deadlines, on-time flags, notifications and audit entries are the real ones. Recent
  events are naturally still open (reported … verified); the rest are closed (most rated), not filed, merged,
  extended, reworked, returned and re-dispatched, escalated, supervised; a few are red and yellow NOW. Reporters
  are grid workers (patrols), residents (the ``resident`` account in grid 1, the hotline, an Open311 app) and
  the community desk; some reports concern a demo household and show on its timeline.

Idempotent: units, members and lines are matched by name / node; the events are seeded once (their submission
keys start with ``demo:``). Everything is generated from a fixed seed, but relative to the current time.
"""

from __future__ import annotations

import datetime as dt
import itertools
import random
import struct
import zlib
from dataclasses import dataclass, field

from django.db.models import Q
from django.utils import timezone

from sanshe.accounts.models import Notification, RoleGrant, User
from sanshe.accounts.roles import Role
from sanshe.core import audit
from sanshe.territory.choices import Level
from sanshe.territory.models import Household, HouseholdTimelineEntry, Node

from . import services
from .catalogue_seed import ensure_catalogue
from .choices import Action, LimitUnit, Rating, Source, UnitKind
from .models import Event, EventCategory, EventSettings, HandlingUnit, Responsibility, UnitMember
from .workcalendar import Calendar

DEMO_SEED = 20260404
EVENTS = 300  # masters; merged duplicates come on top
KEY_PREFIX = "demo:"

DISTRICT_DEPTS = ["区住建局", "区城管局", "区生态环境局", "区应急管理局", "区人社局", "区民政局"]
STREET_DEPTS = ["城管科", "综治办", "社会事务科", "平安建设办"]
SOCIAL_ORG = "锦华区邻里社会工作服务中心"

# 小类 → who handles it: ("district", name) | ("street", dept) | ("community", None) | ("social", None)
RESPONSIBILITY = {
    "0101": ("district", "区住建局"), "0102": ("street", "城管科"), "0103": ("community", None),
    "0104": ("district", "区应急管理局"), "0201": ("district", "区住建局"), "0202": ("street", "城管科"),
    "0203": ("street", "城管科"), "0301": ("street", "城管科"), "0302": ("district", "区住建局"),
    "0303": ("street", "城管科"), "0304": ("district", "区生态环境局"), "0401": ("district", "区城管局"),
    "0402": ("district", "区城管局"), "0501": ("street", "平安建设办"), "0502": ("street", "平安建设办"),
    "0503": ("district", "区住建局"), "0504": ("district", "区应急管理局"), "0601": ("community", None),
    "0602": ("community", None), "0603": ("street", "综治办"), "0604": ("district", "区人社局"),
    "0701": ("street", "社会事务科"), "0702": ("social", None), "0703": ("community", None),
    "0704": ("street", "社会事务科"),
}

# What people write, per 小类 (a few each; {place} is the compound).
DESCRIPTIONS = {
    "0101": ["{place}门口人行道井盖缺失，已用锥桶临时围挡", "{place}3栋旁污水井盖破损下陷，夜间有踩空危险"],
    "0102": ["{place}北门路灯连续三晚不亮", "{place}内2号路灯灯杆倾斜，底座锈蚀"],
    "0103": ["{place}健身广场漫步机轴承断裂", "{place}儿童滑梯边缘破损有尖角"],
    "0104": ["{place}5栋楼道灭火器过期未更换", "{place}消火栓箱门损坏，水带缺失"],
    "0201": ["{place}出口路面坑洼积水，电动车易滑倒", "{place}旁人行道地砖松动翘起十余块"],
    "0202": ["{place}门口早市摊贩占用人行道经营", "{place}对面水果摊长期占道摆放"],
    "0203": ["{place}消防通道被私家车长期占用", "{place}门口共享单车乱停堵塞盲道"],
    "0301": ["{place}垃圾站旁建筑垃圾堆放一周无人清运", "{place}楼下装修垃圾乱堆"],
    "0302": ["{place}化粪池外溢，污水流到路面", "{place}雨水篦子堵塞，下雨后污水倒灌"],
    "0303": ["{place}单元门和电梯厅贴满小广告", "{place}外墙被喷涂办证电话"],
    "0304": ["{place}旁工地夜间施工噪音扰民", "{place}底商音响外放声音过大"],
    "0401": ["{place}绿化带被改种蔬菜", "{place}草坪被车辆碾压损毁"],
    "0402": ["{place}大风后行道树倒伏压到围墙", "{place}香樟树断枝悬挂在步道上方"],
    "0501": ["{place}楼道堆放旧家具堵塞安全通道", "{place}消防通道堆放杂物"],
    "0502": ["{place}1单元有住户飞线为电动车充电", "{place}电动车推入电梯上楼充电"],
    "0503": ["{place}6栋外墙瓷砖脱落", "{place}老旧楼栋楼梯间墙体开裂"],
    "0504": ["{place}楼道内闻到燃气味", "{place}餐馆燃气管道老化锈蚀"],
    "0601": ["{place}楼上漏水导致楼下天花板发霉，邻里协商未果", "{place}两户因公共过道堆物发生争执"],
    "0602": ["{place}老人反映子女未按约定支付赡养费", "{place}夫妻因家务琐事多次争吵，需社区调解"],
    "0603": ["{place}业主与物业因停车费上涨发生纠纷", "{place}业主反映物业收费未公示"],
    "0604": ["{place}附近装修工人反映被拖欠工资两个月", "{place}底商店员反映未签劳动合同"],
    "0701": ["{place}独居老人生活困难，申请临时救助", "{place}低保户家中失火，需要帮扶"],
    "0702": ["{place}高龄老人希望社区提供助餐服务", "{place}失能老人家属咨询居家养老上门服务"],
    "0703": ["{place}2栋电梯频繁停运", "{place}二次供水水压低，高层停水"],
    "0704": ["{place}居民咨询城乡居民医保缴费", "{place}居民咨询高龄津贴申领"],
}
# How often each 大类 is reported (environment and roads most, disputes and requests less).
MAJOR_WEIGHTS = {"01": 12, "02": 16, "03": 26, "04": 7, "05": 14, "06": 9, "07": 16}
RESIDENT_CODES = {"0103", "0303", "0304", "0601", "0602", "0603", "0701", "0702", "0703", "0704"}

NOTES = {
    Action.ACCEPT: "已受理，转网格核实",
    Action.FILE: "符合立案条件，予以立案",
    Action.NOT_FILE: ["不属于本社区管辖范围，已告知诉求人向产权单位反映", "经核实问题已自行消除，不予立案",
                      "重复反映，已在原事件中处理"],
    Action.START: "已签收，安排人员现场处置",
    Action.FEED_BACK: ["已安排人员现场处置完毕，附处置后照片", "问题已整改到位，请网格员核查",
                       "已协调相关单位处理完毕"],
    Action.VERIFY: "现场核查，处置到位",
    Action.REWORK: ["现场核查仍未整改到位，请返工", "仅部分处理，剩余问题未解决"],
    Action.CLOSE: "经核查处置到位，予以结案",
    Action.REVISIT: ["电话回访，诉求人对处理结果表示认可", "上门回访，居民反映问题已解决"],
    Action.REQUEST_EXTENSION: ["需协调产权单位及维修材料，申请延期", "涉及多部门会商，申请延期处理"],
    Action.APPROVE_EXTENSION: "同意延期，请按新时限办结",
    Action.DENY_EXTENSION: "问题影响群众出行，不同意延期，请尽快处置",
    Action.SUPERVISE: ["群众多次反映，请加快办理", "超时未办结，挂牌督办"],
    Action.RETURN: "非本单位职责，申请退单",
    Action.REASSIGN: "按职责改派",
    Action.MERGE: "同一问题重复上报，并入原事件",
}

FIELD_NAMES = "周敏 吴涛 郑丽 孙伟 朱红 胡军 郭芳 何斌 高洁 林峰 罗娟 梁勇 宋婷 唐亮 许静 韩磊 冯艳 邓超 曹阳 彭霞 " \
              "曾刚 肖雪 田野 董梅 袁杰 潘琳 蒋浩 蔡颖 余波 杜鹃".split()
CALLER_NAMES = "王大爷 李阿姨 张先生 刘女士 陈师傅 杨先生 赵阿姨 黄女士 吴先生 徐大妈 孙先生 马女士".split()


# --- photos -----------------------------------------------------------------------------------------------------
def demo_photo(seed: int, width: int = 160, height: int = 120) -> bytes:
    """A small PNG (a coloured gradient with stripes) standing for a photo taken on site."""
    rng = random.Random(seed)
    base = [rng.randrange(60, 200) for _i in range(3)]
    rows = []
    for y in range(height):
        row = bytearray([0])
        for x in range(width):
            stripe = 30 if (x // 16 + y // 16) % 2 else 0
            row += bytes(min(255, c + stripe + (x + y) // 6) for c in base)
        rows.append(bytes(row))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"".join(rows), 6))
            + chunk(b"IEND", b""))


# --- handling units and the responsibility table ------------------------------------------------------------------
def _unit(name: str, kind: str, node: Node, ctx) -> HandlingUnit:
    unit = HandlingUnit.objects.filter(node=node, name=name).first()
    if unit is None:
        unit = HandlingUnit.objects.create(name=name, kind=kind, node=node, district_id=node.district_id,
                                           street_id=node.street_id, community_id=node.community_id,
                                           phone=f"028-8{(node.pk * 37 + len(name) * 101) % 10**7:07d}")
        ctx.count("gridops", "handling unit")
    return unit


@dataclass
class Units:
    district: dict[str, HandlingUnit] = field(default_factory=dict)  # name → unit
    street: dict[tuple[int, str], HandlingUnit] = field(default_factory=dict)  # (street id, dept) → unit
    community: dict[int, HandlingUnit] = field(default_factory=dict)  # community id → unit
    social: HandlingUnit | None = None

    def for_event(self, code: str, street_id: int, community_id: int) -> HandlingUnit:
        level, name = RESPONSIBILITY[code]
        if level == "district":
            return self.district[name]
        if level == "street":
            return self.street[(street_id, name)]
        if level == "community":
            return self.community[community_id]
        return self.social

    def all(self) -> list[HandlingUnit]:
        return [*self.district.values(), *self.street.values(), *self.community.values(), self.social]


def ensure_units(ctx, district: Node) -> Units:
    units = Units()
    for name in DISTRICT_DEPTS:
        units.district[name] = _unit(name, UnitKind.DISTRICT_DEPT, district, ctx)
    units.social = _unit(SOCIAL_ORG, UnitKind.SOCIAL_ORG, district, ctx)
    nodes = Node.objects.filter(district=district, level__in=[Level.STREET, Level.COMMUNITY], is_active=True)
    for node in nodes.order_by("code"):
        if node.level == Level.STREET:
            for dept in STREET_DEPTS:
                units.street[(node.pk, dept)] = _unit(f"{node.name}{dept}", UnitKind.STREET_DEPT, node, ctx)
        else:
            units.community[node.pk] = _unit(f"{node.name}综治队", UnitKind.COMMUNITY_TEAM, node, ctx)
    return units


def ensure_responsibilities(ctx, district: Node, units: Units, categories: dict[str, EventCategory]) -> None:
    existing = set(Responsibility.objects.filter(category__in=categories.values()).values_list("category_id",
                                                                                               "node_id"))
    lines = []
    streets = sorted({s for s, _d in units.street})
    for code, (level, name) in RESPONSIBILITY.items():
        category = categories.get(code)
        if category is None:
            continue
        if level in ("district", "social"):
            targets = [(district.pk, units.district[name] if level == "district" else units.social)]
        elif level == "street":
            targets = [(s, units.street[(s, name)]) for s in streets]
        else:
            targets = list(units.community.items())
        for node_id, unit in targets:
            if (category.pk, node_id) not in existing:
                lines.append(Responsibility(category=category, node_id=node_id, unit=unit))
    Responsibility.objects.bulk_create(lines, batch_size=500)
    if lines:
        ctx.count("gridops", "responsibility line", len(lines))


def ensure_settings(ctx, district: Node) -> EventSettings:
    settings, created = EventSettings.objects.get_or_create(
        district=district, defaults={"duplicate_radius_m": 100, "duplicate_window_hours": 72, "yellow_share": 20,
                                     "workday_start": dt.time(9, 0), "workday_end": dt.time(17, 30)})
    if created:
        ctx.count("gridops", "event settings")
    return settings


# --- the people who act -------------------------------------------------------------------------------------------
def _staff(username: str, role: str, node: Node, full_name: str, ctx) -> User:
    """A seeded colleague: acts in the history, cannot log in (unusable password, so no hashing either).

    Written directly (user + grant) with one ``demo.seeded`` audit entry per account, like the registry's demo
    rows: fixture data, only ever created by ``seed_demo`` (which refuses to run in production)."""
    user = User.objects.filter(username=username).first()
    if user is None:
        user = User(username=username, full_name=full_name, district_id=node.district_id)
        user.set_unusable_password()
        user.save()
        RoleGrant.objects.create(user=user, role=role, node=node)
        audit.record("demo.seeded", obj=user, message="demo seeding: a colleague who acts in the event history",
                     extra={"role": str(role), "node": node.code})
        ctx.count("gridops", "staff account")
    return user


def _member(unit: HandlingUnit, user: User, ctx) -> None:
    _obj, created = UnitMember.objects.get_or_create(unit=unit, user=user)
    if created:
        ctx.count("gridops", "unit member")


@dataclass
class People:
    desk: dict[int, User]  # community id → community worker
    street_desk: dict[int, User]  # street id → street official (or the district admin)
    field: dict[int, User]  # grid id → grid worker
    district_admin: User
    resident: User | None
    unit_staff: dict[int, User]  # unit id → staff


def ensure_people(ctx, district: Node, units: Units, *, all_units: bool) -> People:
    names = itertools.cycle(FIELD_NAMES)  # at district scale: 1,500 grids share the list
    admin = User.objects.get(username="district_admin")
    desk: dict[int, User] = {}
    field_staff: dict[int, User] = {}
    known = {"community_worker": "community", "grid_worker": "grid", "grid_worker_2": "grid_2"}
    for username, key in known.items():
        node = ctx.nodes.get(key)
        user = User.objects.filter(username=username).first()
        if node is not None and user is not None:
            (desk if node.level == Level.COMMUNITY else field_staff)[node.pk] = user
    street_desk = {}
    official = User.objects.filter(username="street_official").first()
    if official is not None and ctx.nodes.get("street") is not None:
        street_desk[ctx.nodes["street"].pk] = official
    nodes = Node.objects.filter(district=district, level__in=[Level.COMMUNITY, Level.GRID], is_active=True)
    for node in nodes.order_by("code"):
        if node.level == Level.COMMUNITY and node.pk not in desk:
            desk[node.pk] = _staff(f"cw_{node.code[6:]}", Role.COMMUNITY_WORKER, node, next(names), ctx)
        elif node.level == Level.GRID and node.pk not in field_staff:
            field_staff[node.pk] = _staff(f"gw_{node.code[6:]}", Role.GRID_WORKER, node, next(names), ctx)
    unit_staff: dict[int, User] = {}
    handler = User.objects.filter(username="handler").first()
    home = units.street.get((ctx.nodes["street"].pk, "城管科"))
    if handler is not None and home is not None:
        _member(home, handler, ctx)
        unit_staff[home.pk] = handler
    if all_units:
        for i, unit in enumerate(units.all()):
            if unit.pk in unit_staff:
                continue
            member = unit.members.order_by("pk").first()
            if member is None:
                role = Role.SOCIAL_ORG if unit.kind == UnitKind.SOCIAL_ORG else Role.HANDLER
                member = _staff(f"hu_{unit.node.code[6:] or 'd'}_{i:02d}", role, unit.node, next(names), ctx)
                _member(unit, member, ctx)
            unit_staff[unit.pk] = member
    resident = User.objects.filter(username="resident").first()
    return People(desk, street_desk, field_staff, admin, resident, unit_staff)


# --- the events -----------------------------------------------------------------------------------------------------
@dataclass
class Plan:
    """What will happen to one reported event (steps later than now simply do not happen yet)."""

    fate: str = "closed"  # closed | not_filed | stalled (left open) | red | yellow
    late: bool = False
    escalate: bool = False
    extension: str = ""  # "" | approved | denied
    rework: int = 0
    supervise: bool = False
    returned: bool = False
    reassigned: bool = False
    revisit: bool = False
    rating: str = ""
    duplicates: int = 0
    stall_at: str = ""  # the last state of a stalled event


class Seeder:
    def __init__(self, ctx, district: Node, units: Units, people: People, categories: dict[str, EventCategory]):
        self.ctx = ctx
        self.district = district
        self.units = units
        self.people = people
        self.rng = random.Random(DEMO_SEED)
        self.now = timezone.now().replace(microsecond=0)
        self.categories = categories
        self.subs = [c for c in categories.values() if c.parent_id and c.code in RESPONSIBILITY]
        weights = {c.code: MAJOR_WEIGHTS.get(c.code[:2], 5) for c in self.subs}
        self.weights = [weights[c.code] for c in self.subs]
        self.grids = list(Node.objects.filter(district=district, level=Level.GRID, is_active=True).order_by("code"))
        self.compounds: dict[int, list[Node]] = {}
        for node in Node.objects.filter(district=district, level=Level.COMPOUND, is_active=True).order_by("code"):
            self.compounds.setdefault(node.grid_id, []).append(node)
        self.households: dict[int, list[Household]] = {}
        for household in Household.objects.filter(district=district).order_by("pk"):
            self.households.setdefault(household.grid_id, []).append(household)
        self.calendar = Calendar.for_district(district.pk)
        self.yellow_share = services.settings_for(district.pk).yellow_share / 100
        self.serial = 0
        self.events: list[Event] = []
        self.photos = [demo_photo(i) for i in range(8)]

    # -- helpers
    def minutes(self, lo: float, hi: float) -> dt.timedelta:
        return dt.timedelta(minutes=self.rng.uniform(lo, hi))

    def within_hours(self, when: dt.datetime) -> dt.datetime:
        """Move a time into the working day (the desk works office hours)."""
        local = timezone.localtime(when)
        if local.hour < 9:
            local = local.replace(hour=9, minute=self.rng.randrange(0, 50))
        elif local.hour >= 18:
            local = (local + dt.timedelta(days=1)).replace(hour=9, minute=self.rng.randrange(0, 50))
        return local

    def point(self, grid: Node) -> tuple[float, float]:
        ring = grid.geometry["coordinates"][0]
        xs, ys = [p[0] for p in ring], [p[1] for p in ring]
        return (round(self.rng.uniform(min(ys), max(ys)), 6), round(self.rng.uniform(min(xs), max(xs)), 6))

    def step(self, event: Event, action: str, at: dt.datetime, actor, **kwargs) -> Event | None:
        """Apply a step if its time has come; None when it lies in the future (the event stays where it is)."""
        if at >= self.now:
            return None
        return services.transition(event, action, actor=actor, at=at, **kwargs)

    # -- planning
    def plan(self, reported_at: dt.datetime, code: str) -> Plan:
        r = self.rng.random
        age = (self.now - reported_at).days
        p = Plan()
        if r() < 0.06:
            p.fate = "not_filed"
        elif age < 20 and r() < 0.25:
            p.fate = "stalled"
            p.stall_at = self.rng.choice(["reported", "accepted", "filed", "dispatched", "handling", "fed_back",
                                          "verified"])
        p.late = r() < 0.12
        p.escalate = p.late and r() < 0.5
        p.extension = "approved" if r() < 0.07 else ("denied" if r() < 0.03 else "")
        p.rework = 1 if r() < 0.08 else 0
        p.supervise = r() < 0.05 or (p.late and r() < 0.3)
        p.returned = r() < 0.03
        p.reassigned = not p.returned and r() < 0.03
        p.revisit = r() < 0.5
        p.rating = self.rng.choices(["", Rating.SATISFIED, Rating.FAIRLY, Rating.UNSATISFIED],
                                    weights=[25, 58, 13, 4])[0]
        p.duplicates = 1 if r() < 0.06 else 0
        return p

    # -- reporting
    def report(self, *, code: str, grid: Node, at: dt.datetime, who: str, photo: bool) -> Event:
        category = self.categories[code]
        compounds = self.compounds.get(grid.pk) or [grid]
        place = self.rng.choice(compounds)
        description = self.rng.choice(DESCRIPTIONS[code]).format(place=place.name)
        lat, lng = self.point(grid)
        self.serial += 1
        kwargs = dict(category=category, description=description, node=place if place.level else grid,
                      latitude=lat, longitude=lng, address=f"{grid.name} {place.name}", at=at,
                      submission_key=f"{KEY_PREFIX}{self.serial}", urgent=category.time_limit_unit ==
                      LimitUnit.URGENT_HOURS and self.rng.random() < 0.5)
        households = self.households.get(grid.pk) or []
        if who == "resident":
            household = households[0] if households else None
            kwargs.update(actor=self.people.resident, source=Source.RESIDENT, household=household,
                          reporter_phone="13980001234")
        elif who == "hotline":
            kwargs.update(actor=self.people.desk[grid.community_id], source=Source.HOTLINE,
                          reporter_name=self.rng.choice(CALLER_NAMES),
                          reporter_phone=f"139{self.rng.randrange(10**8):08d}")
            if code in RESIDENT_CODES and households and self.rng.random() < 0.6:
                kwargs["household"] = self.rng.choice(households)
        elif who == "open311":
            kwargs.update(actor=None, source=Source.OPEN311, district=self.district,
                          reporter_name=self.rng.choice(CALLER_NAMES))
        elif who == "desk":
            kwargs.update(actor=self.people.desk[grid.community_id], source=Source.DESK,
                          reporter_name=self.rng.choice(CALLER_NAMES))
            if code in RESIDENT_CODES and households:
                kwargs["household"] = self.rng.choice(households)
        else:
            kwargs.update(actor=self.people.field[grid.pk], source=self.rng.choice([Source.GRID, Source.PATROL]))
            if code in RESIDENT_CODES and households and self.rng.random() < 0.4:
                kwargs["household"] = self.rng.choice(households)
        if photo:
            kwargs["photos"] = [self.rng.choice(self.photos)]
        event = services.report_event(**kwargs).event
        if event.household_id:  # the household file shows the report when it was made
            HouseholdTimelineEntry.objects.filter(kind="gridops.event", object_id=str(event.pk)).update(
                at=event.reported_at)
        self.ctx.count("gridops", "event")
        self.events.append(event)
        return event

    def reporter_kind(self, grid: Node, code: str) -> str:
        if self.people.resident is not None and grid.pk == self.resident_grid and \
                self.rng.random() < (0.8 if code in RESIDENT_CODES else 0.3):
            return "resident"
        return self.rng.choices(["field", "hotline", "open311", "desk"], weights=[62, 20, 8, 10])[0]

    # -- one life
    def life(self, event: Event, plan: Plan) -> None:
        rng, note = self.rng, self.note
        grid_id, community_id, street_id = event.grid_id, event.community_id, event.street_id
        desk = self.people.desk[community_id]
        field_user = self.people.field[grid_id]
        t = event.reported_at
        stall = plan.stall_at if plan.fate == "stalled" else ""
        if stall == "reported":
            return
        # duplicates reported nearby soon after, merged by the desk
        for _d in range(plan.duplicates):
            t_dup = t + self.minutes(20, 300)
            if t_dup >= self.now:
                break
            dup = self.report(code=event.category.code, grid=Node.objects.get(pk=grid_id), at=t_dup,
                              who=self.rng.choice(["field", "hotline", "open311"]), photo=rng.random() < 0.3)
            t_merge = self.within_hours(t_dup + self.minutes(10, 90))
            if self.step(dup, Action.MERGE, t_merge, desk, master=event, note=note(Action.MERGE)):
                t = max(t, t_merge)
        t = self.within_hours(t + self.minutes(5, 180))
        if not (ev := self.step(event, Action.ACCEPT, t, desk, note=note(Action.ACCEPT))) or stall == "accepted":
            return
        t += self.minutes(10, 240)
        if plan.fate == "not_filed":
            self.step(ev, Action.NOT_FILE, t, desk, note=note(Action.NOT_FILE), public_note=note(Action.NOT_FILE))
            return
        if not (ev := self.step(ev, Action.FILE, t, desk, note=note(Action.FILE))) or stall == "filed":
            return
        t = self.within_hours(t + self.minutes(5, 120))
        unit = self.units.for_event(ev.category.code, street_id, community_id)
        if plan.returned or plan.reassigned:
            wrong = self.units.community[community_id] if unit != self.units.community[community_id] \
                else self.units.street[(street_id, "综治办")]
            if not (ev := self.step(ev, Action.DISPATCH, t, desk, unit=wrong)):
                return
            t += self.minutes(60, 600)
            if plan.returned:
                if not (ev := self.step(ev, Action.RETURN, t, self.people.unit_staff[wrong.pk],
                                        note=note(Action.RETURN))):
                    return
                t = self.within_hours(t + self.minutes(20, 180))
                if not (ev := self.step(ev, Action.DISPATCH, t, desk, unit=unit)):
                    return
            else:
                if not (ev := self.step(ev, Action.REASSIGN, t, desk, unit=unit, note=note(Action.REASSIGN))):
                    return
        elif not (ev := self.step(ev, Action.DISPATCH, t, desk, unit=unit)):
            return
        dispatched = t
        if stall == "dispatched":
            return
        staff = self.people.unit_staff[unit.pk]
        t += self.minutes(15, 300)
        if not (ev := self.step(ev, Action.START, t, staff, note=note(Action.START))) or stall == "handling":
            return
        deadline = ev.deadline or (dispatched + dt.timedelta(days=3))
        if plan.extension:
            t_ext = t + (deadline - t) * rng.uniform(0.3, 0.6)
            if not (ev := self.step(ev, Action.REQUEST_EXTENSION, t_ext, staff, extra=rng.choice([2, 3, 5]),
                                    note=note(Action.REQUEST_EXTENSION))):
                return
            t = t_ext + self.minutes(30, 240)
            action = Action.APPROVE_EXTENSION if plan.extension == "approved" else Action.DENY_EXTENSION
            if not (ev := self.step(ev, action, t, desk, note=note(action))):
                return
            deadline = ev.deadline or deadline
        if plan.supervise:
            t_sup = t + (deadline - t) * rng.uniform(0.2, 0.8)
            supervisor = self.people.street_desk.get(street_id, self.people.district_admin)
            if not (ev := self.step(ev, Action.SUPERVISE, t_sup, supervisor, note=note(Action.SUPERVISE))):
                return
            t = t_sup
        if plan.late:
            fed_back = deadline + self.minutes(60, 60 * 72)
            if plan.escalate:
                t_esc = deadline + self.minutes(10, 50)
                if t_esc < fed_back and not (ev := self.step(ev, Action.ESCALATE, t_esc, None,
                                                             note="超时未办结，自动升级")):
                    return
        else:
            fed_back = t + (deadline - t) * rng.uniform(0.15, 0.9)
        fed_back = max(fed_back, t + self.minutes(5, 30))
        photos = [rng.choice(self.photos)] if rng.random() < 0.6 else []
        if not (ev := self.step(ev, Action.FEED_BACK, fed_back, staff, note=note(Action.FEED_BACK),
                                photos=photos)) or stall == "fed_back":
            return
        t = fed_back
        for _r in range(plan.rework):
            t += self.minutes(60, 60 * 20)
            if not (ev := self.step(ev, Action.REWORK, t, field_user, note=note(Action.REWORK))):
                return
            t += self.minutes(120, 60 * 30)
            if not (ev := self.step(ev, Action.FEED_BACK, t, staff, note=note(Action.FEED_BACK))):
                return
        t += self.minutes(60, 60 * 20)
        if not (ev := self.step(ev, Action.VERIFY, t, field_user, note=note(Action.VERIFY),
                                photos=[rng.choice(self.photos)] if rng.random() < 0.4 else [])) \
                or stall == "verified":
            return
        t = self.within_hours(t + self.minutes(30, 600))
        if not (ev := self.step(ev, Action.CLOSE, t, desk, note=note(Action.CLOSE))):
            return
        t = self.within_hours(t + self.minutes(600, 60 * 72))
        if plan.revisit and not (ev := self.step(ev, Action.REVISIT, t, desk, note=note(Action.REVISIT))):
            return
        if plan.rating:
            t += self.minutes(5, 60 * 48)
            rater = ev.reporter if ev.reporter_id and ev.source == Source.RESIDENT else desk
            self.step(ev, Action.RATE, t, rater, rating=plan.rating, note="")

    def note(self, action: str) -> str:
        value = NOTES.get(action, "")
        return self.rng.choice(value) if isinstance(value, list) else value

    # -- open now, with a light
    def lit(self, *, light: str, code: str, grid: Node) -> None:
        """An event whose clock runs now, yellow (due soon) or red (overdue)."""
        category = self.categories[code]
        start = None
        for k in range(1, 20 * 144):  # every 10 minutes back, up to 20 days
            candidate = self.now - dt.timedelta(minutes=10 * k)
            deadline = self.calendar.deadline(candidate, category.time_limit, category.time_limit_unit)
            yellow_at = deadline - (deadline - candidate) * self.yellow_share
            if light == "yellow" and yellow_at <= self.now - dt.timedelta(minutes=5) and \
                    self.now + dt.timedelta(minutes=10) < deadline:
                start = candidate
                break
            if light == "red" and deadline < self.now - dt.timedelta(hours=6):
                start = candidate - dt.timedelta(hours=self.rng.randrange(0, 48))
                break
        if start is None:
            return
        reported = start - self.minutes(60, 300)
        event = self.report(code=code, grid=grid, at=reported, who="field", photo=True)
        desk = self.people.desk[grid.community_id]
        event = self.step(event, Action.FILE, reported + self.minutes(10, 50), desk, note=NOTES[Action.FILE])
        unit = self.units.for_event(code, grid.street_id, grid.community_id)
        event = self.step(event, Action.DISPATCH, start, desk, unit=unit)
        if self.rng.random() < 0.6:
            self.step(event, Action.START, start + self.minutes(10, 60), self.people.unit_staff[unit.pk],
                      note=NOTES[Action.START])

    def run(self) -> None:
        self.resident_grid = getattr(self.ctx.nodes.get("grid"), "pk", None)
        rng = self.rng
        grid_weights = [6 if g.pk == self.resident_grid else (3 if g.community_id == self.grids[0].community_id
                                                               else 1 + (i % 3)) for i, g in enumerate(self.grids)]
        times = sorted(self.now - dt.timedelta(days=365 * rng.random() ** 1.3, minutes=rng.randrange(0, 600))
                       for _i in range(EVENTS))
        for reported_at in times:
            local = timezone.localtime(reported_at)
            if local.hour < 7 or local.hour > 21:  # people report in the daytime
                reported_at = local.replace(hour=rng.randrange(8, 20))
            if reported_at >= self.now - dt.timedelta(minutes=30):
                reported_at = self.now - self.minutes(30, 120)
            grid = rng.choices(self.grids, weights=grid_weights)[0]
            sub = rng.choices(self.subs, weights=self.weights)[0]
            event = self.report(code=sub.code, grid=grid, at=reported_at, who=self.reporter_kind(grid, sub.code),
                                photo=rng.random() < 0.5)
            self.life(event, self.plan(reported_at, sub.code))
        # Recent reports stopped in every open state (whatever the random lives gave), two of them the resident's.
        home = [g for g in self.grids if g.community_id == self.grids[0].community_id]
        for i, stall in enumerate(["reported", "accepted", "filed", "dispatched", "handling", "fed_back", "verified",
                                   "filed", "verified", "fed_back"]):
            grid = home[i % len(home)]
            # urgent 小类 (hours): their whole handling fits in the two days since the report
            sub = self.categories[("0101", "0302", "0402", "0504")[i % 4]]
            who = "resident" if i in (0, 5) and self.people.resident is not None else "field"
            grid = next((g for g in self.grids if g.pk == self.resident_grid), grid) if who == "resident" else grid
            event = self.report(code=sub.code, grid=grid, at=self.now - self.minutes(60 * 44, 60 * 50), who=who,
                                photo=True)
            plan = self.plan(event.reported_at, sub.code)
            plan.fate, plan.stall_at, plan.late, plan.extension, plan.rework = "stalled", stall, False, "", 0
            plan.duplicates = 0
            self.life(event, plan)
        # A few whose clock runs now: yellow (due soon) and red (overdue) lights on the desk.
        for i, (light, code) in enumerate([("red", "0301"), ("red", "0202"), ("red", "0102"), ("red", "0703"),
                                           ("yellow", "0101"), ("yellow", "0501"), ("yellow", "0402"),
                                           ("yellow", "0604"), ("red", "0201"), ("yellow", "0303")]):
            self.lit(light=light, code=code, grid=home[i % len(home)] if i < 6 else rng.choice(self.grids))
        # What the background task would have done by now: escalate what is overdue.
        services.escalate_overdue(self.now)


def seed(ctx) -> None:
    """The gridops part of ``seed_demo`` (idempotent; see the module docstring)."""
    district = ctx.nodes.get("district")
    if district is None:
        return
    if ensure_catalogue():
        ctx.count("gridops", "event category")
    categories = {c.code: c for c in EventCategory.objects.all()}
    ensure_settings(ctx, district)
    units = ensure_units(ctx, district)
    ensure_responsibilities(ctx, district, units, categories)
    demo_scale = ctx.scale == "demo"
    people = ensure_people(ctx, district, units, all_units=demo_scale)
    if demo_scale and not Event.objects.filter(district=district, submission_key__startswith=KEY_PREFIX).exists():
        started = timezone.now()
        Seeder(ctx, district, units, people, categories).run()
        # The desk's inbox: what happened more than a week ago has been read.
        week_ago = timezone.now() - dt.timedelta(days=7)
        old = Event.objects.filter(district=district, reported_at__lt=week_ago).values_list("pk", flat=True)
        urls = [services.event_url(Event(pk=pk)) for pk in old]
        Notification.objects.filter(Q(created_at__gte=started) & Q(url__in=urls)).update(read_at=timezone.now())


def seed_disputes_and_patrols(ctx) -> None:
    """The disputes and patrols of the demo (another module, ``gridops.demo_disputes``), when it exists."""
    try:
        from . import demo_disputes
    except ImportError:
        return
    for name in ("seed_disputes", "seed_patrols"):
        function = getattr(demo_disputes, name, None)
        if function is not None:
            function(ctx)
