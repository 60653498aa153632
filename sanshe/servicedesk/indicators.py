"""Figures of the service cloud (一窗受理 statistics), live, for a territory node and any period.

:func:`compute` answers, for a node (district, street or community; or the user's whole stats territory), a
period ``[start, end)`` and optionally one station, every figure of the stats page and its breakdowns: child
territories, stations, windows, departments, item categories and the trend, plus the certificates issued per
community, month and type. Applications and certificates are read through ``visible_to(user,
Perm.SERVICES_STATS)``: the stats permission's territory is the user's grants (district, street or community).

Definitions (the workflow of ``choices.TRANSITIONS``)
-----------------------------------------------------
The applications *of a period* are those **accepted** (受理, ``received_at``) in ``[start, end)``. Every figure
is a count over them as they stand at ``now`` (live: last month's 按期办结率 moves when a late application of
last month is finished today).

* **受理数 accepted** – the applications of the period.
* **办结数 finished** – state 办结 (``done``) or 不予办理 (``refused``): both end the application and stop its
  clock; **done** and **refused** count each.
* **在办数 open** – received, processing or in 补正. **超期在办 overdue open** – open and past the deadline at
  ``now``; while the clock stands (补正) it is judged at the moment the clock stopped (``paused_since``), as
  :func:`sanshe.servicedesk.services.remaining_working_seconds` does.
* **按期办结率 on-time rate** = finished by the deadline (``on_time``, stamped at 办结 / 不予办理) / finished.
* **平均办理时长 mean handling time** (working days) = the mean over the finished applications of the working
  time from acceptance to 办结 / 不予办理, minus the working time spent in 补正 (``paused_seconds``), divided by
  the working day's length (:class:`sanshe.gridops.workcalendar.Calendar`, the district's working hours and
  the statutory holidays).
* **补正率** = applications that went through 补正 at least once (a ``request_supplement`` step, including
  容缺受理 at acceptance) / accepted.
* **满意率** = (满意 + 基本满意) / rated (``rating`` set).

Certificates (证明) of a period are those **issued** (``issued_at``) in it, counted per community, month and
type; revoked ones still count as issued (every issuance is a burden) and are counted again as revoked.

Every rate is ``None`` (shown "–") when its denominator is 0; rates and means have one decimal, rounded half up.

How it is computed
------------------
One aggregate query groups the applications by (station, window, department, category, trend bucket) with
conditional counts; the totals and every breakdown are additions over those rows. The working time of the
finished applications cannot be summed by SQL (it needs the calendar), but it splits: with ``C(t)`` the working
seconds from a fixed origin to ``t``, ``working_seconds_between(a, b) = C(b) - C(a)``, and ``C(t)`` depends only
on ``t``'s local day (working days before it) and on its clock time clipped to the working day. So two more
aggregate queries (acceptance side, finish side) group the finished applications by the same keys and the local
day, with the clipped seconds summed in SQL; the calendar is applied once per *day*, never per application.
Certificates: one aggregate query grouped by (community, month, type). Every figure is derivable from the
applications' history rows (``ApplicationStep``): ``tests/test_stats.py`` recomputes them from the steps.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from django.db.models import Case, Count, Exists, F, IntegerField, OuterRef, Q, Sum, Value, When
from django.db.models.functions import (
    ExtractHour,
    ExtractMinute,
    ExtractSecond,
    TruncDate,
    TruncDay,
    TruncMonth,
)
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sanshe.accounts.roles import Perm
from sanshe.core.exceptions import OutOfScope
from sanshe.gridops.indicators import Period, buckets, custom, granularity_of, rate, show_rate, this_month
from sanshe.gridops.models import HandlingUnit
from sanshe.gridops.workcalendar import Calendar
from sanshe.territory.choices import Level
from sanshe.territory.models import Node

from .choices import FINAL_STATES, OPEN_STATES, SATISFIED_RATINGS, Action, ApplicationState
from .models import (
    Application,
    ApplicationStep,
    Certificate,
    CertificateType,
    ServiceCategory,
    ServiceStation,
)

STATS = Perm.SERVICES_STATS
LEVELS = (Level.DISTRICT, Level.STREET, Level.COMMUNITY)
CHILD_LEVEL = {Level.DISTRICT: Level.STREET, Level.STREET: Level.COMMUNITY, Level.COMMUNITY: None}
KEYS = ("station_id", "window", "department_id", "category_id")

# The counters of a group of applications, in the order the export writes them.
COUNTERS = ("accepted", "finished", "done", "refused", "open", "overdue", "on_time", "supplemented", "rated",
            "satisfied")

__all__ = ["PERIOD_CHOICES", "Period", "compute", "custom", "last_months", "show_rate", "this_month"]


def application_aggregates(now: dt.datetime) -> dict:
    """The conditional aggregates of :data:`COUNTERS`, keyed ``n_<counter>`` (definitions: module docstring)."""
    finished = Q(state__in=sorted(FINAL_STATES))
    open_ = Q(state__in=sorted(OPEN_STATES))
    overdue = open_ & Q(deadline__isnull=False) & (
        Q(paused_since__isnull=True, deadline__lt=now) | Q(paused_since__isnull=False,
                                                           paused_since__gt=F("deadline")))
    return {
        "n_accepted": Count("id"),
        "n_finished": Count("id", filter=finished),
        "n_done": Count("id", filter=Q(state=ApplicationState.DONE)),
        "n_refused": Count("id", filter=Q(state=ApplicationState.REFUSED)),
        "n_open": Count("id", filter=open_),
        "n_overdue": Count("id", filter=overdue),
        "n_on_time": Count("id", filter=finished & Q(on_time=True)),
        "n_supplemented": Count("id", filter=Q(went_to_supplement=True)),
        "n_rated": Count("id", filter=~Q(rating="")),
        "n_satisfied": Count("id", filter=Q(rating__in=sorted(SATISFIED_RATINGS))),
    }


def _went_to_supplement():
    return Exists(ApplicationStep.objects.filter(application=OuterRef("pk"), action=Action.REQUEST_SUPPLEMENT))


@dataclass
class Figures:
    """The counters of a group of applications (the whole, a station, a window, a department …)."""

    accepted: int = 0
    finished: int = 0
    done: int = 0
    refused: int = 0
    open: int = 0
    overdue: int = 0
    on_time: int = 0
    supplemented: int = 0
    rated: int = 0
    satisfied: int = 0
    handling_days: Fraction = Fraction(0)  # sum over the finished applications, in working days

    def add(self, row: dict) -> None:
        for name in COUNTERS:
            setattr(self, name, getattr(self, name) + (row.get(f"n_{name}") or 0))

    @property
    def on_time_rate(self):  # 按期办结率
        return rate(self.on_time, self.finished)

    @property
    def supplement_rate(self):  # 补正率
        return rate(self.supplemented, self.accepted)

    @property
    def satisfaction_rate(self):  # 满意率
        return rate(self.satisfied, self.rated)

    @property
    def mean_handling_days(self) -> Decimal | None:  # 平均办理时长 (working days)
        if not self.finished:
            return None
        mean = self.handling_days / self.finished
        return (Decimal(mean.numerator) / Decimal(mean.denominator)).quantize(Decimal("0.1"),
                                                                              rounding=ROUND_HALF_UP)


@dataclass
class Row:
    """One line of a breakdown: its key, label and figures (``extra``: what else the line shows)."""

    key: object
    label: str
    figures: Figures = field(default_factory=Figures)
    extra: dict = field(default_factory=dict)


@dataclass
class CertificateRow:
    community_id: int | None
    community: str
    month: dt.date
    type_id: int
    type: str
    issued: int
    revoked: int


@dataclass
class Indicators:
    node: Node | None
    station: ServiceStation | None
    start: dt.datetime
    end: dt.datetime
    now: dt.datetime
    granularity: str
    child_level: str | None
    totals: Figures
    children: list[Row]
    stations: list[Row]
    windows: list[Row]
    departments: list[Row]
    categories: list[Row]
    trend: list[Row]
    certificates: list[CertificateRow]
    certificates_by_community: list[Row]  # extra: {"issued", "revoked", "months": {date: n}}
    certificates_by_type: list[Row]
    certificate_months: list[dt.date]

    @property
    def certificates_issued(self) -> int:
        return sum(r.issued for r in self.certificates)


# --- scope ------------------------------------------------------------------------------------------------------
def stats_nodes(user):
    """The nodes whose figures ``user`` may read (his stats territory, district … community)."""
    return Node.objects.visible_to(user, STATS).filter(level__in=LEVELS)


def top_node(user) -> Node | None:
    grants = [node_id for level, node_id in user.scope_nodes(STATS) if level in LEVELS]
    nodes = sorted(Node.objects.filter(pk__in=grants), key=lambda n: (LEVELS.index(n.level), n.code))
    return nodes[0] if nodes else None


def check_node(user, node: Node) -> Node:
    """``node`` if the user's stats territory reaches it; OutOfScope (404) otherwise."""
    if node.level not in LEVELS or not stats_nodes(user).filter(pk=node.pk).exists():
        raise OutOfScope(STATS, node)
    return node


def stations_in(user, node: Node | None):
    """The stations of ``node`` (None: the user's whole stats territory) that the user's stats reach."""
    stations = ServiceStation.objects.visible_to(user, STATS)
    if node is not None:
        stations = stations.filter(**{f"{node.level}_id": node.pk})
    return stations


def check_station(user, station: ServiceStation, node: Node | None) -> ServiceStation:
    if not stations_in(user, node).filter(pk=station.pk).exists():
        raise OutOfScope(STATS, station)
    return station


def application_queryset(user, node: Node | None, start, end, station: ServiceStation | None = None):
    where = {"received_at__gte": start, "received_at__lt": end}
    if node is not None:
        where[f"{node.level}_id"] = node.pk
    if station is not None:
        where["station_id"] = station.pk
    return Application.objects.visible_to(user, STATS).filter(**where)


def certificate_queryset(user, node: Node | None, start, end):
    where = {"issued_at__gte": start, "issued_at__lt": end}
    if node is not None:
        where[f"{node.level}_id"] = node.pk
    return Certificate.objects.visible_to(user, STATS).filter(**where)


# --- the working-time clock in SQL -----------------------------------------------------------------------------
def _clipped_clock(column: str, calendar: Calendar):
    """(annotations) the local clock time of ``column`` clipped to the working day, in seconds after its start."""
    begin = calendar.start.hour * 3600 + calendar.start.minute * 60 + calendar.start.second
    length = calendar.day_seconds
    clock = ExtractHour(column) * 3600 + ExtractMinute(column) * 60 + ExtractSecond(column)
    clipped = Case(When(Q(clk__lte=begin), then=Value(0)), When(Q(clk__gte=begin + length), then=Value(length)),
                   default=F("clk") - begin, output_field=IntegerField())
    return clock, clipped


class _Origin:
    """``C(t)`` of one calendar: working seconds from a fixed origin (the first day asked about) to ``t``."""

    def __init__(self, calendar: Calendar, anchor: dt.date | None = None):
        self.calendar = calendar
        self.anchor = anchor  # the period's first day: every day asked about comes after it
        self.forward: list[int] = [0]  # working days in [anchor, anchor + i)
        self.backward: list[int] = [0]  # working days in [anchor - i, anchor)

    def days_before(self, day: dt.date) -> int:
        """Working days from the origin to ``day`` (negative before the origin)."""
        if self.anchor is None:
            self.anchor = day
        offset = (day - self.anchor).days
        if offset >= 0:
            while len(self.forward) <= offset:
                d = self.anchor + dt.timedelta(days=len(self.forward) - 1)
                self.forward.append(self.forward[-1] + self.calendar.is_workday(d))
            return self.forward[offset]
        while len(self.backward) <= -offset:
            d = self.anchor - dt.timedelta(days=len(self.backward))
            self.backward.append(self.backward[-1] + self.calendar.is_workday(d))
        return -self.backward[-offset]

    def at(self, day: dt.date, n: int, clipped: int) -> int:
        """Σ C(t) over ``n`` times of local day ``day`` whose clipped clock seconds sum to ``clipped``."""
        total = n * self.days_before(day) * self.calendar.day_seconds
        if self.calendar.is_workday(day):
            total += clipped
        return total


def _clock_sums(queryset, column: str, origin: _Origin, trunc) -> dict[tuple, int]:
    """Σ C(column) over the rows, by (station, window, department, category, acceptance bucket)."""
    out: dict[tuple, int] = defaultdict(int)
    clock, clipped = _clipped_clock(column, origin.calendar)
    rows = (queryset.annotate(clk=clock, day=TruncDate(column), category_id=F("item__category_id"),
                              bucket=trunc("received_at"))
            .annotate(clipped=clipped)
            .values(*KEYS, "bucket", "day").order_by()
            .annotate(n=Count("id"), clipped_sum=Sum("clipped")))
    for row in rows:
        key = tuple(row[k] for k in KEYS) + (row["bucket"],)
        out[key] += origin.at(row["day"], row["n"], int(row["clipped_sum"] or 0))
    return out


# --- the computation -------------------------------------------------------------------------------------------
def compute(user, *, node: Node | None = None, start: dt.datetime, end: dt.datetime,
            station: ServiceStation | None = None, now: dt.datetime | None = None,
            granularity: str | None = None) -> Indicators:
    """Every figure and breakdown for ``node`` (None: the user's whole stats territory) over ``[start, end)``,
    optionally narrowed to one ``station``. OutOfScope (404) for a node or station outside the user's stats."""
    now = now or timezone.now()
    if node is not None:
        check_node(user, node)
        child_level = CHILD_LEVEL[node.level]
    else:
        top = top_node(user)
        child_level = CHILD_LEVEL[top.level] if top is not None else None
    if station is not None:
        check_station(user, station, node)
    granularity = granularity or granularity_of(start, end)
    trunc = TruncDay if granularity == "day" else TruncMonth

    applications = application_queryset(user, node, start, end, station)
    rows = list(applications.annotate(went_to_supplement=_went_to_supplement(), bucket=trunc("received_at"),
                                      category_id=F("item__category_id"))
                .values(*KEYS, "bucket").order_by().annotate(**application_aggregates(now)))

    stations = {s.pk: s for s in ServiceStation.objects.filter(pk__in={r["station_id"] for r in rows})
                .select_related("community")}
    handling = _handling_days(applications, sorted({s.district_id for s in stations.values()}), trunc,
                              granularity, start)

    totals = Figures()
    by: dict[str, dict] = {name: defaultdict(Figures) for name in
                           ("child", "station", "window", "department", "category", "bucket")}
    for row in rows:
        key = tuple(row[k] for k in KEYS) + (_bucket_key(row["bucket"], granularity),)
        days = handling.get(key, Fraction(0))
        s = stations[row["station_id"]]
        targets = [totals, by["station"][s.pk], by["window"][(s.pk, row["window"])],
                   by["department"][row["department_id"]], by["category"][row["category_id"]],
                   by["bucket"][key[-1]]]
        if child_level:
            targets.append(by["child"][getattr(s, f"{child_level}_id")])
        for target in targets:
            target.add(row)
            target.handling_days += days

    children = []
    if child_level:
        scope_children = stats_nodes(user).filter(level=child_level)
        if node is not None:
            scope_children = scope_children.filter(**{f"{node.level}_id": node.pk})
        names = {n.pk: n.name for n in scope_children.only("id", "name", "code").order_by("code")}
        for pk in by["child"]:
            names.setdefault(pk, "—" if pk is None else str(pk))
        children = [Row(pk, name, by["child"].get(pk, Figures())) for pk, name in names.items()]
        children.sort(key=lambda r: (-r.figures.accepted, r.label))

    all_stations = {s.pk: s for s in stations_in(user, node).select_related("community")}
    if station is not None:
        all_stations = {station.pk: station}
    all_stations.update(stations)
    station_rows = [Row(pk, s.name, by["station"].get(pk, Figures()), {"community": getattr(s.community, "name", "")})
                    for pk, s in all_stations.items()]
    station_rows.sort(key=lambda r: (-r.figures.accepted, r.label))
    station_names = {pk: s.name for pk, s in all_stations.items()}
    window_rows = [Row(key, _window_label(station_names.get(key[0], "—"), key[1]), f,
                       {"station": station_names.get(key[0], "—"), "window": key[1],
                        "window_name": window_name(key[1])})
                   for key, f in by["window"].items()]
    window_rows.sort(key=lambda r: (r.extra["station"], r.extra["window"] is None, r.extra["window"] or 0))
    unit_names = dict(HandlingUnit.objects.filter(pk__in=list(by["department"])).values_list("pk", "name"))
    departments = sorted((Row(pk, unit_names.get(pk, "—"), f) for pk, f in by["department"].items()),
                         key=lambda r: (-r.figures.accepted, r.label))
    category_names = dict(ServiceCategory.objects.filter(pk__in=list(by["category"])).values_list("pk", "name"))
    categories = sorted((Row(pk, category_names.get(pk, "—"), f) for pk, f in by["category"].items()),
                        key=lambda r: (-r.figures.accepted, r.label))
    trend = [Row(b, _bucket_label(b, granularity), by["bucket"].get(_bucket_key(b, granularity), Figures()))
             for b in buckets(start, end, granularity)]

    certificates, by_community, by_type, months = _certificates(user, node, start, end, station)
    return Indicators(node=node, station=station, start=start, end=end, now=now, granularity=granularity,
                      child_level=child_level, totals=totals, children=children, stations=station_rows,
                      windows=window_rows, departments=departments, categories=categories, trend=trend,
                      certificates=certificates, certificates_by_community=by_community,
                      certificates_by_type=by_type, certificate_months=months)


def _handling_days(applications, districts, trunc, granularity, start) -> dict[tuple, Fraction]:
    """Σ (working time from acceptance to 办结 / 不予办理 − working time in 补正) of the finished applications, in
    working days, by (station, window, department, category, bucket of the acceptance)."""
    out: dict[tuple, Fraction] = defaultdict(Fraction)
    finished = applications.filter(state__in=sorted(FINAL_STATES), finished_at__isnull=False)
    for district in districts:
        calendar = Calendar.for_district(district)
        origin = _Origin(calendar, timezone.localtime(start).date())
        mine = finished.filter(district_id=district)
        seconds: dict[tuple, int] = defaultdict(int)
        for key, value in _clock_sums(mine, "finished_at", origin, trunc).items():
            seconds[key] += value
        for key, value in _clock_sums(mine, "received_at", origin, trunc).items():
            seconds[key] -= value
        for row in (mine.annotate(category_id=F("item__category_id"), bucket=trunc("received_at"))
                    .values(*KEYS, "bucket").order_by().annotate(paused=Sum("paused_seconds"))):
            seconds[tuple(row[k] for k in KEYS) + (row["bucket"],)] -= row["paused"] or 0
        for key, value in seconds.items():
            out[key[:-1] + (_bucket_key(key[-1], granularity),)] += Fraction(value, calendar.day_seconds)
    return out


def _window_label(station: str, window) -> str:
    if window is None:
        return _("%(station)s · no window (online)") % {"station": station}
    return _("%(station)s · window %(n)s") % {"station": station, "n": window}


def window_name(window) -> str:
    return _("No window (online)") if window is None else _("Window %(n)s") % {"n": window}


def _bucket_key(value, granularity: str) -> dt.date:
    if isinstance(value, dt.datetime):
        value = timezone.localtime(value) if timezone.is_aware(value) else value
        value = value.date()
    return value if granularity == "day" else value.replace(day=1)


def _bucket_label(value: dt.datetime, granularity: str) -> str:
    local = timezone.localtime(value)
    return f"{local:%m-%d}" if granularity == "day" else f"{local:%Y-%m}"


def _certificates(user, node, start, end, station):
    """Certificates issued per community, month and type (the station filter narrows to its community)."""
    certificates = certificate_queryset(user, node, start, end)
    if station is not None:
        certificates = certificates.filter(community_id=station.community_id)
    rows = list(certificates.annotate(month=TruncMonth("issued_at"))
                .values("community_id", "month", "type_id").order_by()
                .annotate(issued=Count("id"), revoked=Count("id", filter=Q(revoked_at__isnull=False))))
    communities = dict(Node.objects.filter(pk__in={r["community_id"] for r in rows if r["community_id"]})
                       .values_list("pk", "name"))
    types = dict(CertificateType.objects.filter(pk__in={r["type_id"] for r in rows}).values_list("pk", "name"))
    out = [CertificateRow(r["community_id"], communities.get(r["community_id"], "—"),
                          _bucket_key(r["month"], "month"), r["type_id"], types.get(r["type_id"], "—"),
                          r["issued"], r["revoked"]) for r in rows]
    out.sort(key=lambda r: (r.community, r.month, r.type))
    months = [_bucket_key(b, "month") for b in buckets(start, end, "month")]
    by_community: dict = {}
    by_type: dict = {}
    for r in out:
        line = by_community.setdefault(r.community_id, Row(r.community_id, r.community, extra={
            "issued": 0, "revoked": 0, "months": dict.fromkeys(months, 0)}))
        line.extra["issued"] += r.issued
        line.extra["revoked"] += r.revoked
        line.extra["months"][r.month] = line.extra["months"].get(r.month, 0) + r.issued
        kind = by_type.setdefault(r.type_id, Row(r.type_id, r.type, extra={"issued": 0, "revoked": 0}))
        kind.extra["issued"] += r.issued
        kind.extra["revoked"] += r.revoked
    for line in by_community.values():
        line.extra["month_list"] = [line.extra["months"].get(m, 0) for m in months]
    return (out, sorted(by_community.values(), key=lambda r: (-r.extra["issued"], r.label)),
            sorted(by_type.values(), key=lambda r: (-r.extra["issued"], r.label)), months)


def last_months(n: int, now: dt.datetime | None = None) -> Period:
    """The current month and the ``n - 1`` before it (whole calendar months, local time)."""
    month = this_month(now)
    first = timezone.localdate(month.start)
    year, mon = first.year, first.month - (n - 1)
    while mon <= 0:
        year, mon = year - 1, mon + 12
    return Period(f"{n}m", timezone.make_aware(dt.datetime(year, mon, 1)), month.end)


PERIOD_CHOICES = (("month", _("This month")), ("6m", _("Last 6 months")), ("12m", _("Last 12 months")),
                  ("custom", _("Custom")))
