"""Demo of community work admission (社区工作准入), called by ``servicedesk.demo.seed`` (idempotent).

* the demo district's approved list (工作指导目录): 27 entries of 13 departments — ledgers, reports,
  certificates, inspections, plaques, a meeting, one assessment — one withdrawn (减负清理) and one expired;
* about 70 tasks over the last 12 months from the departments' staff (``dept_handler`` submits the
  人力资源和社会保障局 ones), through :func:`services_admission.submit_task` with ``at=``: most on the list,
  some refused at the gate (off the list, withdrawn entry, wrong kind), two admitted by exception and one
  refused by the district with a reason;
* the communities' work: past periods mostly marked done by a community worker of each community (the demo
  ``community_worker`` for his community, a seeded colleague ``cw_<code>`` for the others), current ones open.
Nothing is added once the district has tasks.
"""

from __future__ import annotations

import datetime as dt
import random

from django.utils import timezone

from sanshe.accounts.models import User
from sanshe.accounts.roles import Role
from sanshe.gridops.models import HandlingUnit, UnitMember
from sanshe.territory.choices import Level
from sanshe.territory.models import Node

from . import services_admission as sa
from .choices_admission import AssignmentState, Frequency, TaskAction, TaskKind, TaskState
from .models_admission import CommunityTask, ListEntry, TaskAssignment

DEMO_SEED = 20260506
L, R, C, INS, A, P = (TaskKind.LEDGER, TaskKind.REPORT, TaskKind.CERTIFICATE, TaskKind.INSPECTION,
                    TaskKind.ASSESSMENT, TaskKind.PLAQUE)
M, Q, Y, ONE = Frequency.MONTHLY, Frequency.QUARTERLY, Frequency.YEARLY, Frequency.ONCE

# (code, title, kind, department, legal basis, usual frequency, hours per community and period)
ENTRIES = [
    ("ZR001", "就业困难人员登记台账", L, "人力资源和社会保障局", "《中华人民共和国就业促进法》第五十二条", Q, 4),
    ("ZR002", "城乡居民养老保险参保情况月报", R, "人力资源和社会保障局", "《中华人民共和国社会保险法》第二十条", M, 2),
    ("ZR003", "退休人员社会化管理服务台账", L, "人力资源和社会保障局", "《关于进一步加强企业退休人员社会化管理服务工作的意见》", Y, 6),
    ("ZR004", "最低生活保障对象动态管理台账", L, "民政局", "《社会救助暂行办法》第十一条", M, 3),
    ("ZR005", "特困人员供养情况季报", R, "民政局", "《国务院关于进一步健全特困人员救助供养制度的意见》", Q, 2),
    ("ZR006", "家庭经济困难情况证明", C, "民政局", "《社会救助暂行办法》；社区出具证明事项清单", ONE, 1),
    ("ZR007", "社区社会组织备案情况年报", R, "民政局", "《民政部关于大力培育发展社区社会组织的意见》", Y, 3),
    ("ZR008", "高龄老人津贴资格认证", INS, "民政局", "《中华人民共和国老年人权益保障法》第三十三条", Q, 3),
    ("ZR009", "残疾人基本服务状况和需求信息动态更新", L, "残疾人联合会", "《中华人民共和国残疾人保障法》", Y, 8),
    ("ZR010", "适龄儿童入学摸底台账", L, "教育局", "《中华人民共和国义务教育法》第十三条", Y, 5),
    ("ZR011", "重点人群健康随访季报", R, "卫生健康局", "《国家基本公共卫生服务规范（第三版）》", Q, 3),
    ("ZR012", "退役军人和其他优抚对象信息采集", L, "退役军人事务局", "《中华人民共和国退役军人保障法》第六条", Y, 6),
    ("ZR013", "“光荣之家”光荣牌悬挂", P, "退役军人事务局", "《光荣牌悬挂工作实施办法》", ONE, 4),
    ("ZR014", "城乡居民医保参保动员月报", R, "医疗保障局", "《中华人民共和国社会保险法》第二十五条", M, 2),
    ("ZR015", "物业服务质量季度检查", INS, "住房和城乡建设局", "《物业管理条例》第五条", Q, 4),
    ("ZR016", "人民调解工作台账", L, "司法局", "《中华人民共和国人民调解法》第十一条", M, 2),
    ("ZR017", "社区矫正对象走访核查", INS, "司法局", "《中华人民共和国社区矫正法》第十二条", M, 2),
    ("ZR018", "困难职工帮扶对象信息核实", L, "总工会", "《中华人民共和国工会法》第六条", Y, 3),
    ("ZR019", "“妇女儿童之家”挂牌", P, "妇女联合会", "《中国妇女发展纲要（2021—2030年）》", ONE, 3),
    ("ZR020", "青少年寒暑假社会实践活动报送", R, "共青团区委", "《中华人民共和国未成年人保护法》第四十三条", Y, 3),
    ("ZR021", "流动人口居住登记台账", L, "公安分局", "《居住证暂行条例》第七条", M, 3),
    ("ZR022", "居民居住情况证明", C, "公安分局", "《居住证暂行条例》；社区出具证明事项清单", ONE, 1),
    ("ZR023", "出租房屋消防安全季度检查", INS, "公安分局", "《中华人民共和国消防法》第三十二条", Q, 5),
    ("ZR024", "社区工作年度综合考核（区统一组织）", A, "民政局", "《城市居民委员会组织法》；区委减负十条", Y, 10),
    ("ZR027", "居民议事会季度会议", TaskKind.MEETING, "民政局", "《城市居民委员会组织法》第十二条", Q, 3),
]
# Withdrawn in the 减负 clean-up, and one that ran out.
WITHDRAWN = ("ZR025", "创建活动迎检资料报送", INS, "住房和城乡建设局", "区创建办通知", Q, 8)
EXPIRED = ("ZR026", "2025年城镇住房情况入户调查", L, "住房和城乡建设局", "区政府专项调查通知", ONE, 12)

# Refused at the gate: off the list (title, kind, department, hours) — the seeds' 牌子多、台账多、检查多、考核多.
OFF_LIST = [
    ("文明城市创建迎检台账（十二本）", L, "住房和城乡建设局", 16),
    ("禁毒宣传示范社区挂牌", P, "公安分局", 4),
    ("平安社区建设考核自评材料", A, "司法局", 12),
    ("社区微信公众号阅读量排名考核", A, "共青团区委", 3),
    ("全民健身活动开展情况统计表", R, "教育局", 2),
    ("各类工作群每日打卡截图报送", R, "卫生健康局", 5),
    ("老年人防诈骗宣传入户签字台账", L, "公安分局", 10),
    ("社区“书香家庭”评选材料", R, "妇女联合会", 4),
    ("网格员走访照片周报", R, "民政局", 6),
    ("职工之家示范点挂牌", P, "总工会", 3),
    ("无犯罪记录证明", C, "公安分局", 1),
    ("亲属关系证明", C, "民政局", 1),
    ("各类创建活动动员大会", TaskKind.MEETING, "卫生健康局", 3),
]
WRONG_KIND = [("ZR015", "物业服务质量考核评比", A), ("ZR002", "养老保险参保入户核查", INS),
              ("ZR021", "流动人口居住情况证明", C)]
REASONS_EXCEPTION = ["汛期防汛物资清点，区防指临时部署，限本季度一次", "上级专项督查资料，经区委社治委同意例外准入"]
REASON_OVERRULE = "与已有台账重复，数据从“一表通”直接调取，不再要求社区另报"


def _users(district):
    admin = User.objects.filter(username="district_admin").first()
    staff = {}
    for unit in HandlingUnit.objects.filter(node=district):
        member = (UnitMember.objects.filter(unit=unit).select_related("user")
                  .order_by("user__username").first())
        if member:
            staff[unit.name] = member.user
    handler = User.objects.filter(username="dept_handler").first()
    if handler is not None:
        for unit in sa.user_departments(handler):
            staff[unit.name] = handler
    return admin, staff


def _workers(ctx, district, communities):
    from .demo import _account

    workers = {}
    demo_worker = User.objects.filter(username="community_worker").first()
    home = ctx.nodes.get("community")
    names = iter("罗敏 郑洁 梁静 宋涛 唐丽 冯雪 于红 董芳 萧雨 程明 曾燕 彭亮".split() * 20)
    for c in communities:
        if demo_worker is not None and home is not None and c.pk == home.pk:
            workers[c.pk] = demo_worker
        else:
            workers[c.pk] = _account(f"cw_{c.code[6:]}", Role.COMMUNITY_WORKER, c, next(names), ctx)
    return workers


def _entries(ctx, district, admin, units):
    today = timezone.localdate()
    existing = set(ListEntry.objects.filter(district=district).values_list("code", flat=True))
    out = {}
    specs = [(s, today.replace(year=today.year - 2, month=1, day=1), None) for s in ENTRIES]
    specs.append((WITHDRAWN, today.replace(year=today.year - 2, month=1, day=1), None))
    specs.append((EXPIRED, dt.date(2025, 3, 1), dt.date(2025, 6, 30)))
    for (code, title, kind, dept, basis, _freq, _hours), start, end in specs:
        if code not in existing and dept in units:
            sa.save_entry(actor=admin, district=district, code=code, title=title, kind=kind,
                          department=units[dept], legal_basis=basis, effective_from=start, effective_to=end)
            ctx.count("servicedesk", "approved list entry")
    entries = {e.code: e for e in ListEntry.objects.filter(district=district)}
    gone = entries.get(WITHDRAWN[0])
    if gone is not None and gone.withdrawn_at is None:
        sa.withdraw_entry(actor=admin, entry=gone, reason="减负清理：迎检资料不再单独报送，并入年度综合考核",
                          at=timezone.now() - dt.timedelta(days=200))
    out.update(entries)
    return out


def seed(ctx) -> None:
    district = ctx.nodes.get("district")
    if district is None or ctx.scale != "demo":
        return
    admin, staff = _users(district)
    if admin is None or not staff:
        return
    units = {u.name: u for u in HandlingUnit.objects.filter(node=district)}
    entries = _entries(ctx, district, admin, units)
    if CommunityTask.objects.filter(district=district).exists():
        return
    communities = list(Node.objects.filter(district=district, level=Level.COMMUNITY, is_active=True).order_by("code"))
    if not communities:
        return
    workers = _workers(ctx, district, communities)
    rng = random.Random(DEMO_SEED)
    now = timezone.now().replace(microsecond=0)
    on_list = [s for s in ENTRIES if s[3] in staff]
    tasks = []

    def at_of(days_ago: int) -> dt.datetime:
        return (now - dt.timedelta(days=days_ago)).replace(hour=rng.randrange(9, 17), minute=rng.randrange(60))

    def targets():
        return communities if rng.random() < 0.6 else rng.sample(communities, rng.randrange(2, len(communities) + 1))

    def go(dept, title, kind, entry, freq, hours, days_ago):
        if dept not in staff:
            return None
        at = min(at_of(days_ago), now)
        span = {ONE: rng.randrange(7, 30), M: rng.randrange(60, 120), Q: rng.randrange(100, 200),
                Y: rng.randrange(20, 60)}[freq]
        task = sa.submit_task(actor=staff[dept], department=units[dept], title=title, kind=kind, entry=entry,
                              communities=targets(), frequency=freq, due_date=at.date() + dt.timedelta(days=span),
                              hours=hours, description=f"请各社区按要求于截止日前完成{title}。", at=at)
        ctx.count("servicedesk", "community task")
        tasks.append(task)
        return task

    for days_ago in range(360, 0, -6):  # 60 submissions over the year
        roll = rng.random()
        if roll < 0.68:
            code, title, kind, dept, _basis, freq, hours = rng.choice(on_list)
            entry = entries[code] if rng.random() < 0.7 else None
            go(dept, title, kind, entry, freq, hours, days_ago)
        elif roll < 0.9:
            title, kind, dept, hours = rng.choice(OFF_LIST)
            go(dept, title, kind, None, rng.choice([ONE, M, Q]), hours, days_ago)
        else:
            code, title, kind = rng.choice(WRONG_KIND)
            go(entries[code].department.name, title, kind, entries[code], ONE, 3, days_ago)
    # a withdrawn entry and an expired one are still used by some
    go(WITHDRAWN[3], WITHDRAWN[1], WITHDRAWN[2], entries.get(WITHDRAWN[0]), Q, 8, 120)
    go(EXPIRED[3], EXPIRED[1], EXPIRED[2], entries.get(EXPIRED[0]), ONE, 12, 40)
    # dept_handler's own recent ones (人社局): one on the list, one off it
    go("人力资源和社会保障局", "就业困难人员登记台账", L, entries.get("ZR001"), ONE, 4, 3)
    go("人力资源和社会保障局", "技能培训意向入户摸底表", R, None, ONE, 6, 2)
    # the district's review
    refused = [t for t in tasks if t.state == TaskState.REFUSED]
    for task, reason in zip(refused[1::5], REASONS_EXCEPTION, strict=False):
        sa.transition(task, TaskAction.EXCEPTION, actor=admin, note=reason, at=task.submitted_at + dt.timedelta(days=1))
    admitted = [t for t in tasks if t.state == TaskState.ADMITTED and t.kind == TaskKind.LEDGER]
    if admitted:
        task = admitted[len(admitted) // 2]
        sa.transition(task, TaskAction.OVERRULE, actor=admin, note=REASON_OVERRULE,
                      at=min(task.submitted_at + dt.timedelta(days=2), now))
    # the communities' work
    today = timezone.localdate()
    for row in TaskAssignment.objects.filter(task__district=district, state=AssignmentState.ASSIGNED):
        overdue = row.due_date < today
        if (overdue and rng.random() < 0.88) or (not overdue and rng.random() < 0.2):
            start = max(row.period, row.task.submitted_at.date())
            day = min(row.due_date, today) - dt.timedelta(days=rng.randrange(0, 4))
            day = max(day, start)
            at = timezone.make_aware(dt.datetime.combine(day, dt.time(rng.randrange(9, 18), rng.randrange(60))))
            sa.mark_done(actor=workers[row.community_id], assignment=row, at=min(at, now))
            ctx.count("servicedesk", "community work done")
