"""Demo data of the service cloud for the demo district 锦华区: the catalogue, a service station per community,
the department staff, six months of applications in every state, certificates and appointments.

Called by ``manage.py seed_demo`` (after the territory, the registry and the accounts).

* **Catalogue**: :func:`sanshe.servicedesk.catalogue_seed.ensure_catalogue` (5 categories, 14 departments as
  district ``HandlingUnit`` rows, 62 items).
* **Stations**: one per community of the demo district (…社区党群服务中心, 3 windows). ``window_clerk`` (see
  :mod:`sanshe.accounts.demo`) works at the first community's station; the other stations get a clerk each
  (``wc_<code>``, no usable password: they act in the history, nobody logs in with them).
* **Departments**: ``dept_handler`` is made staff of 人力资源和社会保障局; the other 13 departments get a staff
  account each (``dh_<nn>``, no usable password).
* **Applications** (demo scale only): about 30 per station over the last six months, accepted on working days
  in office hours, applicants drawn from the community's residents (registry) or typed in, each driven through
  the real services (``services.accept_application`` / ``services.transition`` with ``at=``): done on time, done
  late, refused, through 补正 (at acceptance or asked by the department), rated or not; the recent ones still
  open (received, processing, in 补正), a few overdue now.
* **Certificates** through ``services_certificates.issue_certificate`` (a few revoked) and **appointment slots**
  for the next two weeks with some bookings through ``services_appointments`` — both skipped when those
  modules are missing.

Idempotent: stations, accounts and memberships are matched by name; the applications, certificates and bookings
are seeded once (the applications' submission keys start with ``demo:sd:``). Everything comes from a fixed seed,
relative to the current time.
"""

from __future__ import annotations

import datetime as dt
import importlib
import importlib.util
import random

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone

from sanshe.accounts.models import Notification, RoleGrant, User
from sanshe.accounts.roles import Role
from sanshe.core import audit
from sanshe.core.validators import id_number_check_char
from sanshe.gridops.models import HandlingUnit, UnitMember
from sanshe.gridops.workcalendar import Calendar
from sanshe.territory.choices import Level, ResidentStatus
from sanshe.territory.models import Node, Resident

from . import services
from .choices import Action, Channel, Rating
from .models import Application, Appointment, Certificate, ServiceItem, ServiceStation

DEMO_SEED = 20261122
KEY_PREFIX = "demo:sd:"
PER_STATION = 30
DAYS = 182
STAFF_NAMES = "秦岚 尤佳 许诺 何平 吕斌 施雯 张弛 孔洁 曹宁 严华 华蕾 金涛 魏然 陶冶 姜楠 戚薇 谢晨 邹凯 喻敏 柏青".split()
TYPED_NAMES = "王大爷 李阿姨 张先生 刘女士 陈师傅 杨先生 赵阿姨 黄女士 吴先生 徐大妈 孙先生 马女士".split()
ASKS = ["本人申请办理，材料已带齐", "代家人咨询并申请", "社区网格员告知后前来办理", "电话预约后到窗口办理"]
RESULTS = ["已办结，结果已通知申请人", "审核通过，已办结", "已办结，证件已发放", "已办结，待遇已核定"]
REFUSALS = ["经审核不符合申请条件，已告知申请人", "申请人户籍不在本区，不予受理", "逾期未补正材料，不予办理"]
PURPOSES = ["办理子女入学", "银行开户", "申领社会保险待遇", "办理房屋租赁备案", "申请公租房", "出国签证材料"]


def _account(username: str, role: str, node: Node, full_name: str, ctx) -> User:
    """A seeded colleague who acts in the history and cannot log in (unusable password); one ``demo.seeded``
    audit entry each, as :func:`sanshe.gridops.demo_events._staff` does."""
    user = User.objects.filter(username=username).first()
    if user is None:
        user = User(username=username, full_name=full_name, district_id=node.district_id or node.pk)
        user.set_unusable_password()
        user.save()
        RoleGrant.objects.create(user=user, role=role, node=node)
        audit.record("demo.seeded", obj=user, message="demo seeding: a colleague who acts in the service history",
                     extra={"role": str(role), "node": node.code})
        ctx.count("servicedesk", "service staff account")
    return user


def _member(unit: HandlingUnit, user: User, ctx) -> None:
    if UnitMember.objects.get_or_create(unit=unit, user=user)[1]:
        ctx.count("servicedesk", "department member")


def ensure_stations(ctx, district: Node) -> list[ServiceStation]:
    stations = []
    communities = Node.objects.filter(district=district, level=Level.COMMUNITY, is_active=True).order_by("code")
    for i, community in enumerate(communities):
        name = f"{community.name}党群服务中心"
        station = ServiceStation.objects.filter(node=community, name=name).first()
        if station is None:
            station = ServiceStation(node=community, name=name, windows=3,
                                     address=f"{community.name}{['建设路', '府青路', '东风路'][i % 3]}{18 + i * 7}号一楼",
                                     phone=f"028-8{(community.pk * 7919) % 10**7:07d}",
                                     opening_hours="周一至周五 9:00–12:00、13:30–17:00（法定节假日除外）")
            station.copy_ancestors_from(community)
            station.save()
            audit.record("demo.seeded", obj=station, message="demo seeding: a service station")
            ctx.count("servicedesk", "service station")
        stations.append(station)
    return stations


def ensure_people(ctx, district: Node, stations, items) -> tuple[dict, dict]:
    """(community id → its window clerk, department id → its staff)."""
    from .catalogue_seed import DEPARTMENTS

    names = iter(STAFF_NAMES * 20)
    clerks: dict[int, User] = {}
    clerk = User.objects.filter(username="window_clerk").first()
    if clerk is not None and ctx.nodes.get("community") is not None:
        clerks[ctx.nodes["community"].pk] = clerk
    for station in stations:
        if station.community_id not in clerks:
            clerks[station.community_id] = _account(f"wc_{station.node.code[6:]}", Role.WINDOW_CLERK, station.node,
                                                    next(names), ctx)
    units = {u.name: u for u in HandlingUnit.objects.filter(node=district, name__in=DEPARTMENTS)}
    staff: dict[int, User] = {}
    handler = User.objects.filter(username="dept_handler").first()
    for i, name in enumerate(DEPARTMENTS):
        unit = units.get(name)
        if unit is None:
            continue
        if i == 0 and handler is not None:
            member = handler
        else:
            member = _account(f"dh_{i:02d}", Role.DEPT_HANDLER, district, next(names), ctx)
        _member(unit, member, ctx)
        staff[unit.pk] = member
    return clerks, staff


class Seeder:
    def __init__(self, ctx, district: Node, stations, items, clerks, staff):
        self.ctx = ctx
        self.rng = random.Random(DEMO_SEED)
        self.now = timezone.now().replace(microsecond=0)
        self.calendar = Calendar.for_district(district.pk)
        self.stations = stations
        self.items = [i for i in items.values() if i.is_active and i.department_id in staff]
        self.clerks = clerks
        self.staff = staff
        self.serial = 0
        self.residents: dict[int, list[Resident]] = {}
        for station in stations:
            self.residents[station.community_id] = list(
                Resident.objects.filter(community_id=station.community_id, status=ResidentStatus.REGISTERED)
                .order_by("pk")[:200])

    # -- time
    def office_time(self, day: dt.date) -> dt.datetime:
        while not self.calendar.is_workday(day):
            day -= dt.timedelta(days=1)
        minutes = self.rng.randrange(0, 7 * 60 + 30)
        return timezone.make_aware(dt.datetime.combine(day, dt.time(9, 0)) + dt.timedelta(minutes=minutes))

    def later(self, when: dt.datetime, lo_days: float, hi_days: float) -> dt.datetime:
        """``when`` plus a random amount of working time (in working days)."""
        seconds = int(self.rng.uniform(lo_days, hi_days) * self.calendar.day_seconds)
        return self.calendar.add_working_seconds(when, max(60, seconds)).replace(microsecond=0)

    def step(self, application, action, at, actor, **kwargs):
        if at >= self.now:
            return None
        return services.transition(application, action, actor=actor, at=at, **kwargs)

    # -- the applicant
    def applicant(self, community_id: int) -> services.Applicant:
        residents = self.residents.get(community_id) or []
        if residents and self.rng.random() < 0.75:
            return services.Applicant(resident=self.rng.choice(residents))
        birth = dt.date(self.rng.randrange(1945, 2004), self.rng.randrange(1, 13), self.rng.randrange(1, 28))
        body = f"510108{birth:%Y%m%d}{self.rng.randrange(0, 999):03d}"
        return services.Applicant(name=self.rng.choice(TYPED_NAMES), id_number=body + id_number_check_char(body),
                                  phone=f"139{self.rng.randrange(10**8):08d}")

    def accept(self, station, item, at, *, missing=False, window=None):
        self.serial += 1
        clerk = self.clerks[station.community_id]
        materials = [m.pk for m in item.materials.all() if m.required][:1] if missing else []
        channel = Channel.ONLINE if item.channel != Channel.WINDOW and self.rng.random() < 0.1 else Channel.WINDOW
        applicant = self.applicant(station.community_id)
        kwargs = dict(actor=clerk, item=item, station=station, description=self.rng.choice(ASKS), missing=materials,
                      window=None if channel == Channel.ONLINE else (window or self.rng.randrange(1, 4)),
                      channel=channel, submission_key=f"{KEY_PREFIX}{self.serial}", at=at)
        try:
            application = services.accept_application(applicant=applicant, **kwargs)
        except ValidationError:  # a registry row the window would correct first: typed in instead
            application = services.accept_application(
                applicant=services.Applicant(name=self.rng.choice(TYPED_NAMES), phone="13900001111"), **kwargs)
        self.ctx.count("servicedesk", "application")
        return application

    # -- one life
    def life(self, station, item, at) -> None:
        r = self.rng.random
        clerk = self.clerks[station.community_id]
        staff = self.staff[item.department_id]
        missing_at_acceptance = r() < 0.1
        asked_later = not missing_at_acceptance and r() < 0.1
        refused = r() < 0.08
        late = r() < 0.12
        a = self.accept(station, item, at, missing=missing_at_acceptance)
        t = at
        if missing_at_acceptance:
            t = self.later(t, 0.3, 4)
            if not (a := self.step(a, Action.SUPPLEMENT, t, clerk, note="申请人已补齐材料")):
                return
        quick = item.time_limit_days <= 1
        t = self.later(t, 0.02, 0.2 if quick else 1)
        if not missing_at_acceptance and not (a := self.step(a, Action.START, t, staff, note="已签收")):
            return  # (补正 completed at the window sends the application to processing)
        if asked_later:
            missing = [m.name for m in a.materials.all() if m.required][:1] or ["补充证明材料"]
            t = self.later(t, 0.1, 1)
            if not (a := self.step(a, Action.REQUEST_SUPPLEMENT, t, staff, missing=missing,
                                   note="请补充：" + "、".join(missing))):
                return
            t = self.later(t, 0.5, 5)
            if refused and r() < 0.5:
                self.step(a, Action.REFUSE, t, staff, note=REFUSALS[2])
                return
            if not (a := self.step(a, Action.SUPPLEMENT, t, clerk, note="申请人已补齐材料")):
                return
        remaining = self.calendar.working_seconds_between(t, a.deadline) / self.calendar.day_seconds
        if late:
            t = self.later(a.deadline, 0.1, 3)
        else:
            t = self.later(t, 0.01, max(0.02, remaining * self.rng.uniform(0.1, 0.85)))
        if refused:
            a = self.step(a, Action.REFUSE, t, staff, note=self.rng.choice(REFUSALS[:2]))
        else:
            a = self.step(a, Action.COMPLETE, t, staff, note=self.rng.choice(RESULTS))
        if a is None or r() > 0.7:
            return
        rating = self.rng.choices([Rating.SATISFIED, Rating.FAIRLY_SATISFIED, Rating.DISSATISFIED],
                                  weights=[72, 20, 8] if not (late or refused) else [40, 35, 25])[0]
        t = t + dt.timedelta(minutes=self.rng.randrange(10, 60 * 72))
        if r() < 0.5:  # online, on the public page
            self.step(a, Action.RATE, t, None, rating=rating, applicant_verified=True)
        else:  # on paper at the window (回访)
            self.step(a, Action.RATE, t, clerk, rating=rating, comment="窗口回访")

    def run(self) -> None:
        today = timezone.localdate(self.now)
        quick = [i for i in self.items if i.time_limit_days <= 1]
        for s, station in enumerate(self.stations):
            for _i in range(PER_STATION - (s % 3) * 3):
                days_ago = int(DAYS * self.rng.random() ** 1.2) + 1
                at = self.office_time(today - dt.timedelta(days=days_ago))
                self.life(station, self.rng.choice(self.items), at)
            # now: one waiting in each open state, and one overdue
            recent = self.office_time(today - dt.timedelta(days=1))
            self.accept(station, self.rng.choice(self.items), recent)
            a = self.accept(station, self.rng.choice(self.items), recent, missing=True)
            a = self.accept(station, self.rng.choice(self.items), self.office_time(today - dt.timedelta(days=2)))
            self.step(a, Action.START, self.later(a.received_at, 0.05, 0.2), self.staff[a.department_id])
            if quick:
                a = self.accept(station, self.rng.choice(quick), self.office_time(today - dt.timedelta(days=6)))
                self.step(a, Action.START, self.later(a.received_at, 0.05, 0.2), self.staff[a.department_id])

    def certificates(self, district: Node) -> None:
        try:
            from .certificate_seed import ensure_certificate_types
            from .services_certificates import issue_certificate, revoke_certificate
        except ImportError:
            return
        types = [t for t in ensure_certificate_types(district).values() if t.is_active]
        if not types:
            return
        today = timezone.localdate(self.now)
        for station in self.stations:
            clerk = self.clerks[station.community_id]
            residents = self.residents.get(station.community_id) or []
            for i in range(self.rng.randrange(8, 16)):
                at = self.office_time(today - dt.timedelta(days=int(DAYS * self.rng.random()) + 1))
                kwargs = dict(actor=clerk, type=self.rng.choice(types), community=station.community,
                              purpose=self.rng.choice(PURPOSES), at=at)
                if residents and i % 4:
                    kwargs["resident"] = self.rng.choice(residents)
                else:
                    kwargs["holder_name"] = self.rng.choice(TYPED_NAMES)
                try:
                    certificate = issue_certificate(**kwargs)
                except ValidationError:
                    continue
                self.ctx.count("servicedesk", "certificate")
                if i == 5:
                    revoke_certificate(certificate, actor=clerk, reason="申请人信息有误，已重新开具",
                                       at=at + dt.timedelta(hours=2))

    def appointments(self) -> None:
        try:
            from .services_appointments import book, ensure_slots
        except ImportError:
            return
        today = timezone.localdate(self.now)
        items = [i for i in self.items if i.channel != Channel.ONLINE]
        for station in self.stations:
            created = ensure_slots(station, today, 10)
            if created:
                self.ctx.count("servicedesk", "appointment slot", created)
            if Appointment.objects.filter(slot__station=station).exists():
                continue
            slots = list(station.slots.filter(date__gt=today).order_by("date", "start")[:6])
            residents = self.residents.get(station.community_id) or []
            clerk = self.clerks[station.community_id]
            for k, slot in enumerate(slots[::2]):
                resident = residents[k] if residents and k % 2 == 0 else None
                try:
                    book(actor=clerk, slot=slot, item=self.rng.choice(items), resident=resident,
                         name="" if resident else self.rng.choice(TYPED_NAMES),
                         phone="" if resident and resident.phone else f"138{self.rng.randrange(10**8):08d}")
                except ValidationError:
                    continue
                self.ctx.count("servicedesk", "appointment")


def seed(ctx) -> None:
    """The service cloud part of ``seed_demo``: the window's part here, then each other area's demo module
    (``demo_orders``, ``demo_hotline``, ``demo_admission``: a ``seed(ctx)`` each, idempotent)."""
    seed_window(ctx)
    for name in ("demo_orders", "demo_hotline", "demo_admission"):
        if importlib.util.find_spec(f"{__package__}.{name}") is not None:
            importlib.import_module(f"{__package__}.{name}").seed(ctx)


def seed_window(ctx) -> None:
    """The catalogue, stations, applications, certificates and bookings (idempotent; see the module docstring)."""
    district = ctx.nodes.get("district")
    if district is None:
        return
    from .catalogue_seed import ensure_catalogue

    before = ServiceItem.objects.filter(district=district).count()
    items = ensure_catalogue(district)
    if len(items) > before:
        ctx.count("servicedesk", "service item", len(items) - before)
    stations = ensure_stations(ctx, district)
    clerks, staff = ensure_people(ctx, district, stations, items)
    if ctx.scale != "demo" or Application.objects.filter(district=district,
                                                         submission_key__startswith=KEY_PREFIX).exists():
        return
    started = timezone.now()
    seeder = Seeder(ctx, district, stations, items, clerks, staff)
    seeder.run()
    if not Certificate.objects.filter(district=district).exists():
        seeder.certificates(district)
    seeder.appointments()
    # The inboxes: what happened more than a week ago has been read.
    week_ago = timezone.now() - dt.timedelta(days=7)
    old = Application.objects.filter(district=district, received_at__lt=week_ago).values_list("pk", flat=True)
    urls = [services.application_url(Application(pk=pk)) for pk in old]
    Notification.objects.filter(Q(created_at__gte=started) & Q(url__in=urls)).update(read_at=timezone.now())
