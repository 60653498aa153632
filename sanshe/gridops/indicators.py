"""Indicators of grid governance (社区治理云 figures), live, for a territory node and any period.

:func:`compute` answers, for a node (district, street, community or grid; or the user's whole scope) and a period
``[start, end)``, optionally for one category (大类 or 小类) and some sources, every figure of the dashboard, its
breakdowns (child territories, 大类, handling units, trend) and the disputes' figures. Events are read through
``Event.objects.visible_to(user, Perm.EVENTS_STATS)`` and disputes through
``Dispute.objects.visible_to(user, Perm.EVENTS_STATS)``: the stats permission is what grants the reading of the
figures; its territory is the user's grants (district … grid).

Definitions (GB/T 30428 数字化城市管理信息系统 — 绩效评价, adapted to the workflow of ``choices.TRANSITIONS``)
------------------------------------------------------------------------------------------------------------------
The events *of a period* are the events **reported** in ``[start, end)`` (``reported_at``) in the territory and
filters. A figure of a period is a count over them, as they stand at ``now`` (the moment of computation: the
figures are live, and last month's 结案率 still rises when a late event of last month is closed today). Events
merged into another (并单, state ``merged``) count as reported and nowhere else: their master carries the case.

* **上报数 reported** – the events of the period.
* **立案数 filed** – those filed (立案: ``filed_at`` set), not merged. "Events filed in the period" of GB/T 30428
  are read as the filed events of the period: 立案 follows the report within the working day, and keeping one
  period column keeps every figure one indexed range scan.
* **应结案数 due** – filed events that are closed, or whose deadline (处置时限, set at dispatch and moved by
  approved extensions) has passed at ``now``: ``filed AND (state = closed OR deadline <= now)``. An event not
  dispatched yet has no deadline and is due only once closed.
* **结案数 closed** – filed events in state ``closed`` (all of them are due). **结案率** = closed / due.
* **按期结案数 closed on time** – closed events closed by their deadline (``closed_on_time``; no deadline = on
  time). **按期结案率** = closed on time / due.
* **派遣数 dispatched** – events dispatched to a handling unit now or later in the workflow
  (``dispatched_at`` set; a 退单 clears it until the event is dispatched again).
* **按期处置率** = dispatched events whose first feedback (反馈) came by the deadline (``handled_on_time``)
  / dispatched.
* **返工率** = events fed back at least once that failed a verification at least once (``rework_count > 0``)
  / events fed back (``fed_back_at`` set).
* **延期率** = dispatched events with at least one approved extension (``extension_count > 0``) / dispatched.
* **平均处置时长 mean handling time** – mean of ``handling_seconds`` (dispatch → first feedback) over the events
  that have one, in hours.
* **满意率** = (满意 + 基本满意) / rated events (``rating`` set).

Disputes (矛盾纠纷) of a period are the disputes **found** (受理) in ``[start, end)`` (``found_at``):

* **受理数 accepted** – ``accepted = True``; **化解数 resolved** – accepted and ``state = resolved``;
  **化解率** = resolved / accepted.
* **社区内化解数 resolved inside the community** – resolved with ``settled_level`` grid or community;
  **share resolved inside the community** = resolved inside / resolved.

Every rate is ``None`` (shown "–") when its denominator is 0; rates are shown with one decimal, rounded half up
(7,764 / 8,293 → "93.6%").

How it is computed
------------------
One aggregate query over the events groups them by (child territory, 大类, handling unit, trend bucket) with
conditional counts (``Count(filter=Q(...))``) and sums; the totals and the four breakdowns are additions over
those few hundred rows (a mean is a sum of seconds over a count, so it adds up exactly). One aggregate query for
the disputes (total and by child territory), and the labels (child nodes, 大类, units) in three small lookups.
Every count is derivable from the events' history rows (``EventStep``): ``tests/test_indicators_history.py``
recomputes them from the steps alone.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db import connection, transaction
from django.db.models import Count, DateField, Q, Sum
from django.db.models.functions import Trunc, TruncDay, TruncMonth
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sanshe.accounts.roles import Perm
from sanshe.core.exceptions import OutOfScope
from sanshe.territory.choices import Level
from sanshe.territory.models import Node

from .choices import OPEN_STATES, SATISFIED_RATINGS, EventState
from .models import Dispute, Event, EventCategory, HandlingUnit
from .models.disputes import INSIDE_COMMUNITY_LEVELS, DisputeState

STATS = Perm.EVENTS_STATS
LEVELS = (Level.DISTRICT, Level.STREET, Level.COMMUNITY, Level.GRID)
CHILD_LEVEL = {Level.DISTRICT: Level.STREET, Level.STREET: Level.COMMUNITY, Level.COMMUNITY: Level.GRID,
               Level.GRID: None}
DAILY_UP_TO = dt.timedelta(days=62)  # periods up to two months get a daily trend, longer ones a monthly one

# The counters of one group of events, in the order the export writes them.
COUNTERS = ("reported", "filed", "due", "closed", "closed_on_time", "dispatched", "handled_on_time", "fed_back",
            "reworked", "extended", "handling_sum", "handled", "rated", "satisfied")


def event_aggregates(now: dt.datetime) -> dict:
    """The conditional aggregates of :data:`COUNTERS`, keyed ``n_<counter>`` (definitions: module docstring)."""
    filed = Q(filed_at__isnull=False) & ~Q(state=EventState.MERGED)
    closed = Q(state=EventState.CLOSED)
    dispatched = Q(dispatched_at__isnull=False)
    aggregates = {
        "reported": Count("id"),
        "filed": Count("id", filter=filed),
        "due": Count("id", filter=filed & (closed | Q(deadline__lte=now))),
        "closed": Count("id", filter=closed),
        "closed_on_time": Count("id", filter=closed & Q(closed_on_time=True)),
        "dispatched": Count("id", filter=dispatched),
        "handled_on_time": Count("id", filter=dispatched & Q(handled_on_time=True)),
        "fed_back": Count("id", filter=Q(fed_back_at__isnull=False)),
        "reworked": Count("id", filter=Q(fed_back_at__isnull=False, rework_count__gt=0)),
        "extended": Count("id", filter=dispatched & Q(extension_count__gt=0)),
        "handling_sum": Sum("handling_seconds"),
        "handled": Count("handling_seconds"),
        "rated": Count("id", filter=~Q(rating="")),
        "satisfied": Count("id", filter=Q(rating__in=SATISFIED_RATINGS)),
    }
    # Aliased "n_<counter>": some counters share a name with an Event column (closed_on_time, handled_on_time).
    return {f"n_{name}": aggregate for name, aggregate in aggregates.items()}


def rate(numerator: int, denominator: int) -> Decimal | None:
    """A percentage with one decimal, rounded half up; None when the denominator is 0."""
    if not denominator:
        return None
    return (Decimal(numerator) * 100 / Decimal(denominator)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def show_rate(value: Decimal | None) -> str:
    """"93.6%" or "–"."""
    return "–" if value is None else f"{value}%"


@dataclass
class Figures:
    """The counters of a group of events (the whole, a child territory, a 大类, a unit or a trend bucket)."""

    reported: int = 0
    filed: int = 0
    due: int = 0
    closed: int = 0
    closed_on_time: int = 0
    dispatched: int = 0
    handled_on_time: int = 0
    fed_back: int = 0
    reworked: int = 0
    extended: int = 0
    handling_sum: int = 0
    handled: int = 0
    rated: int = 0
    satisfied: int = 0

    def add(self, row: dict) -> None:
        for name in COUNTERS:
            setattr(self, name, getattr(self, name) + (row.get(f"n_{name}") or 0))

    @property
    def closure_rate(self):  # 结案率
        return rate(self.closed, self.due)

    @property
    def on_time_closure_rate(self):  # 按期结案率
        return rate(self.closed_on_time, self.due)

    @property
    def on_time_handling_rate(self):  # 按期处置率
        return rate(self.handled_on_time, self.dispatched)

    @property
    def rework_rate(self):  # 返工率
        return rate(self.reworked, self.fed_back)

    @property
    def extension_rate(self):  # 延期率
        return rate(self.extended, self.dispatched)

    @property
    def satisfaction_rate(self):  # 满意率
        return rate(self.satisfied, self.rated)

    @property
    def mean_handling_hours(self) -> Decimal | None:
        if not self.handled:
            return None
        return (Decimal(self.handling_sum) / Decimal(self.handled) / 3600).quantize(
            Decimal("0.1"), rounding=ROUND_HALF_UP)


@dataclass
class DisputeFigures:
    accepted: int = 0
    resolved: int = 0
    resolved_inside: int = 0

    def add(self, row: dict) -> None:
        self.accepted += row.get("d_accepted") or 0
        self.resolved += row.get("d_resolved") or 0
        self.resolved_inside += row.get("d_resolved_inside") or 0

    @property
    def resolution_rate(self):  # 化解率
        return rate(self.resolved, self.accepted)

    @property
    def inside_share(self):  # 社区内化解占比
        return rate(self.resolved_inside, self.resolved)


def dispute_aggregates() -> dict:
    accepted = Q(accepted=True)
    resolved = accepted & Q(state=DisputeState.RESOLVED)
    return {  # aliased "d_…": ``accepted`` is also a column of Dispute
        "d_accepted": Count("id", filter=accepted),
        "d_resolved": Count("id", filter=resolved),
        "d_resolved_inside": Count("id", filter=resolved & Q(settled_level__in=INSIDE_COMMUNITY_LEVELS)),
    }


@dataclass
class Row:
    """One line of a breakdown: its key (id or bucket start), label and figures."""

    key: object
    label: str
    figures: Figures = field(default_factory=Figures)
    disputes: DisputeFigures | None = None


@dataclass
class Indicators:
    node: Node | None
    start: dt.datetime
    end: dt.datetime
    now: dt.datetime
    granularity: str  # "day" or "month" (trend buckets)
    child_level: str | None
    totals: Figures
    disputes: DisputeFigures
    children: list[Row]
    categories: list[Row]
    units: list[Row]
    trend: list[Row]
    queries: int = 0


# --- scope ------------------------------------------------------------------------------------------------------
def stats_nodes(user):
    """The nodes whose figures ``user`` may read (his stats territory, district … grid)."""
    return Node.objects.visible_to(user, STATS).filter(level__in=LEVELS)


def top_node(user) -> Node | None:
    """The highest node of the user's stats grants (the dashboard's default)."""
    grants = [node_id for level, node_id in user.scope_nodes(STATS) if level in LEVELS]
    nodes = sorted(Node.objects.filter(pk__in=grants), key=lambda n: (LEVELS.index(n.level), n.code))
    return nodes[0] if nodes else None


def check_node(user, node: Node) -> Node:
    """``node`` if the user's stats territory reaches it; OutOfScope (404) otherwise."""
    if node.level not in LEVELS or not stats_nodes(user).filter(pk=node.pk).exists():
        raise OutOfScope(STATS, node)
    return node


def granularity_of(start: dt.datetime, end: dt.datetime) -> str:
    return "day" if end - start <= DAILY_UP_TO else "month"


def buckets(start: dt.datetime, end: dt.datetime, granularity: str) -> list[dt.datetime]:
    """Local-time starts of the trend buckets covering ``[start, end)``."""
    tz = timezone.get_current_timezone()
    local = timezone.localtime(start, tz)
    if granularity == "day":
        first = local.replace(hour=0, minute=0, second=0, microsecond=0)
    else:
        first = local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    out = []
    current = first.replace(tzinfo=None)
    while True:
        aware = timezone.make_aware(current, tz)
        if aware >= end:
            break
        out.append(aware)
        if granularity == "day":
            current += dt.timedelta(days=1)
        else:
            current = (current.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return out


# --- the computation ---------------------------------------------------------------------------------------------
def _filters(node: Node | None, start, end, category: EventCategory | None, sources) -> tuple[dict, Q]:
    where = {"reported_at__gte": start, "reported_at__lt": end}
    if node is not None:
        where[f"{node.level}_id"] = node.pk
    q = Q()
    if category is not None:
        q &= Q(major_category_id=category.pk) if category.parent_id is None else Q(category_id=category.pk)
    if sources:
        q &= Q(source__in=list(sources))
    return where, q


def event_queryset(user, node, start, end, *, category=None, sources=()):
    """The events of the period in the node (already checked) and filters, through the stats scope."""
    where, q = _filters(node, start, end, category, sources)
    return Event.objects.visible_to(user, STATS).filter(q, **where)


def dispute_queryset(user, node, start, end):
    where = {"found_at__gte": start, "found_at__lt": end}
    if node is not None:
        where[f"{node.level}_id"] = node.pk
    return Dispute.objects.visible_to(user, STATS).filter(**where)


def compute(user, *, node: Node | None = None, start: dt.datetime, end: dt.datetime,
            category: EventCategory | None = None, sources=(), now: dt.datetime | None = None,
            granularity: str | None = None, use_rollup: bool | None = None) -> Indicators:
    """Every figure and breakdown for ``node`` (None: the user's whole stats territory) over ``[start, end)``.

    ``category`` (a 大类 or a 小类) and ``sources`` (``choices.Source`` values) narrow the events; the disputes'
    figures are not narrowed by them. Raises OutOfScope (404) for a node outside the user's stats territory.
    ``use_rollup``: None (default) reads the rollup whenever the node, period and filters allow it
    (:func:`rollup_grain`), False the events, True the rollup (tests; the caller vouches that it may).
    """
    now = now or timezone.now()
    if node is not None:
        check_node(user, node)
        child_level = CHILD_LEVEL[node.level]
    else:
        top = top_node(user)
        child_level = CHILD_LEVEL[top.level] if top is not None else None
    granularity = granularity or granularity_of(start, end)
    child_col = f"{child_level}_id" if child_level else None
    if use_rollup is None:
        use_rollup = rollup_grain(user, node, child_level, start, end, category, sources, granularity) is not None
    breakdowns = _from_rollup if use_rollup else _from_events
    totals, by_child, by_major, by_unit, by_bucket = breakdowns(
        user, node, start, end, category, sources, now, granularity, child_level)

    disputes = DisputeFigures()
    dispute_children: dict = defaultdict(DisputeFigures)
    dispute_rows = dispute_queryset(user, node, start, end).values(*([child_col] if child_col else [])).order_by() \
        .annotate(**dispute_aggregates())
    for row in dispute_rows:
        disputes.add(row)
        if child_col:
            dispute_children[row[child_col]].add(row)

    children = []
    if child_col:
        scope_children = stats_nodes(user).filter(level=child_level)
        if node is not None:
            scope_children = scope_children.filter(**{f"{node.level}_id": node.pk})
        names = {n.pk: n.name for n in scope_children.only("id", "name", "code").order_by("code")}
        for pk in set(by_child) | set(dispute_children):
            names.setdefault(pk, "—" if pk is None else str(pk))
        children = [Row(pk, name, by_child.get(pk, Figures()), dispute_children.get(pk, DisputeFigures()))
                    for pk, name in names.items()]
        children.sort(key=lambda r: (-r.figures.reported, r.label))
    majors = {c.pk: c.name for c in EventCategory.objects.filter(pk__in=[k for k in by_major if k])}
    categories = sorted((Row(pk, majors.get(pk, "—"), f) for pk, f in by_major.items()),
                        key=lambda r: (-r.figures.reported, r.label))
    unit_names = {u.pk: u.name for u in HandlingUnit.objects.filter(pk__in=[k for k in by_unit if k])}
    units = sorted((Row(pk, unit_names.get(pk, "—"), f) for pk, f in by_unit.items() if pk is not None),
                   key=lambda r: (-r.figures.dispatched, r.label))
    trend = [Row(b, _bucket_label(b, granularity), by_bucket.get(_bucket_key(b, granularity), Figures()))
             for b in buckets(start, end, granularity)]
    return Indicators(node=node, start=start, end=end, now=now, granularity=granularity, child_level=child_level,
                      totals=totals, disputes=disputes, children=children, categories=categories, units=units,
                      trend=trend)


def _from_events(user, node, start, end, category, sources, now, granularity, child_level):
    """The breakdowns from the events: one aggregate query grouped by (child, 大类, unit, trend bucket)."""
    child_col = f"{child_level}_id" if child_level else None
    trunc = TruncDay if granularity == "day" else TruncMonth
    keys = ["major_category_id", "handling_unit_id"] + ([child_col] if child_col else [])
    rows = list(
        event_queryset(user, node, start, end, category=category, sources=sources)
        .annotate(bucket=trunc("reported_at"))
        .values(*keys, "bucket").order_by().annotate(**event_aggregates(now))
    )
    totals = Figures()
    by_child: dict = defaultdict(Figures)
    by_major: dict = defaultdict(Figures)
    by_unit: dict = defaultdict(Figures)
    by_bucket: dict = defaultdict(Figures)
    for row in rows:
        totals.add(row)
        if child_col:
            by_child[row[child_col]].add(row)
        by_major[row["major_category_id"]].add(row)
        by_unit[row["handling_unit_id"]].add(row)
        by_bucket[_bucket_key(row["bucket"], granularity)].add(row)
    return totals, by_child, by_major, by_unit, by_bucket


# --- the rollup (models.EventRollup, maintained by rollup.py) -----------------------------------------------------
ROLLUP_LEVELS = {Level.STREET: {Level.DISTRICT, Level.STREET},
                 Level.COMMUNITY: {Level.DISTRICT, Level.STREET, Level.COMMUNITY}}


def _whole_day(value: dt.datetime) -> bool:
    local = timezone.localtime(value)
    return local.time() == dt.time()


def rollup_grain(user, node, child_level, start, end, category, sources, granularity) -> str | None:
    """"m" or "d" when the rollup can answer exactly (same figures as the events), None otherwise.

    It can when the children are streets or communities (a district's or a street's dashboard), the period is
    whole local days (whole months for the month grain, with a monthly trend), there is no source filter and
    the category, if any, is a 大类, and the user's stats grants are all at levels the rows carry."""
    if child_level not in ROLLUP_LEVELS or sources or (category is not None and category.parent_id is not None):
        return None
    if not (_whole_day(start) and _whole_day(end)):
        return None
    if node is None and any(level not in ROLLUP_LEVELS[child_level] for level, _id in user.scope_nodes(STATS)
                            if level in LEVELS):
        return None
    if granularity == "month" and timezone.localtime(start).day == 1 and timezone.localtime(end).day == 1:
        return "m"
    return "d"


def _from_rollup(user, node, start, end, category, sources, now, granularity, child_level):
    """The breakdowns from the rollup: sums by child, 大类, unit and trend bucket over the rollup rows, and
    the events still within their deadline (filed, open: not due yet at ``now``) counted live and taken off
    "due" (``rollup`` module docstring)."""
    from .models import EventRollup
    from .models.rollup import ROLLUP_COUNTERS

    grain = rollup_grain(user, node, child_level, start, end, category, sources, granularity) or "d"
    child_col = f"{child_level}_id"
    rows = EventRollup.objects.visible_to(user, STATS).filter(
        grain=grain, level=child_level, day__gte=timezone.localtime(start).date(),
        day__lt=timezone.localtime(end).date())
    if node is not None:
        rows = rows.filter(**{f"{node.level}_id": node.pk})
    if category is not None:
        rows = rows.filter(major_category_id=category.pk)
    sums = {f"r_{name}": Sum(name) for name in ROLLUP_COUNTERS}
    # a group whose events all moved elsewhere keeps a row of zeros: like the events, show only groups with events
    having = {"r_reported__gt": 0}

    def as_figures(row) -> dict:
        out = {f"n_{name}": row[f"r_{name}"] or 0 for name in COUNTERS if name != "due"}
        out["n_due"] = (row["r_due_closed"] or 0) + (row["r_open_deadline"] or 0)
        return out

    def none_if_zero(value):
        return None if value == 0 else value

    totals = Figures()
    by_child: dict = defaultdict(Figures)
    by_major: dict = defaultdict(Figures)
    by_unit: dict = defaultdict(Figures)
    by_bucket: dict = defaultdict(Figures)
    dims = (("day", by_bucket, lambda v: _bucket_key(v, granularity)), (child_col, by_child, none_if_zero),
            ("major_category_id", by_major, None), ("handling_unit_id", by_unit, none_if_zero))
    for dim, target, key, row in _rollup_groups(rows, dims, sums, having):
        figures = as_figures(row)
        target[key(row[dim]) if key else row[dim]].add(figures)
        if dim == "day":
            totals.add(figures)

    # filed, open, with a deadline still ahead: counted in open_deadline above, not due at ``now``
    ahead = (event_queryset(user, node, start, end, category=category)  # index event_state_deadline
             .filter(state__in=sorted(OPEN_STATES), deadline__gt=now, filed_at__isnull=False)
             .annotate(bucket=Trunc("reported_at", granularity, output_field=DateField()))  # local date
             .values_list(child_col, "major_category_id", "handling_unit_id", "bucket").order_by()
             .annotate(n=Count("id")))
    minus: list[dict] = [defaultdict(int) for _dim in range(4)]
    for child, major, unit, bucket, n in ahead:
        totals.due -= n
        for counts, key in zip(minus, (child, major, unit, bucket), strict=True):
            counts[key] += n
    for counts, target in zip(minus[:3], (by_child, by_major, by_unit), strict=True):
        for key, n in counts.items():
            target[key].due -= n
    for bucket, n in minus[3].items():
        by_bucket[_bucket_key(bucket, granularity)].due -= n
    return totals, by_child, by_major, by_unit, by_bucket


def _rollup_groups(rows, dims, sums, having):
    """Yield (dimension, its breakdown, its key function, summed row) for each group of each dimension.

    PostgreSQL: one statement, ``GROUP BY GROUPING SETS`` (one scan of the rows); elsewhere one GROUP BY per
    dimension."""
    if connection.vendor != "postgresql":
        for dim, target, key in dims:
            for row in rows.values(dim).order_by().annotate(**sums).filter(**having):
                yield dim, target, key, row
        return
    from .models.rollup import ROLLUP_COUNTERS

    qn = connection.ops.quote_name
    names = [dim for dim, _target, _key in dims]
    inner, params = rows.values(*names, *ROLLUP_COUNTERS).order_by().query.sql_with_params()
    sql = (f"SELECT {', '.join(f'GROUPING({qn(n)}) AS g_{i}' for i, n in enumerate(names))}, "
           f"{', '.join(qn(n) for n in names)}, "
           f"{', '.join(f'SUM({qn(c)}) AS r_{c}' for c in ROLLUP_COUNTERS)} "
           f"FROM ({inner}) AS r GROUP BY GROUPING SETS ({', '.join(f'({qn(n)})' for n in names)}) "
           f"HAVING SUM({qn('reported')}) > 0")
    with transaction.atomic(), connection.cursor() as cursor:
        # JIT compilation costs more (~80 ms) than this scan of some ten thousand rows saves
        cursor.execute("SET LOCAL jit = off")
        cursor.execute(sql, params)
        columns = [c[0] for c in cursor.description]
        for values in cursor.fetchall():
            row = dict(zip(columns, values, strict=True))
            for i, (dim, target, key) in enumerate(dims):
                if row[f"g_{i}"] == 0:  # grouped by this dimension
                    yield dim, target, key, row


def _bucket_key(value, granularity: str) -> dt.date:
    if isinstance(value, dt.datetime):
        value = timezone.localtime(value) if timezone.is_aware(value) else value
        value = value.date()
    return value if granularity == "day" else value.replace(day=1)


def _bucket_label(value: dt.datetime, granularity: str) -> str:
    local = timezone.localtime(value)
    return f"{local:%m-%d}" if granularity == "day" else f"{local:%Y-%m}"


# --- periods -----------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Period:
    key: str  # "month", "12m" or "custom"
    start: dt.datetime
    end: dt.datetime

    @property
    def label(self) -> str:
        last = timezone.localtime(self.end) - dt.timedelta(microseconds=1)
        return f"{timezone.localtime(self.start):%Y-%m-%d} – {last:%Y-%m-%d}"


PERIOD_CHOICES = (("month", _("This month")), ("12m", _("Last 12 months")), ("custom", _("Custom")))


def _month_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime(day.year, day.month, 1))


def this_month(now: dt.datetime | None = None) -> Period:
    today = timezone.localdate(now or timezone.now())
    start = _month_start(today)
    end = _month_start((today.replace(day=28) + dt.timedelta(days=4)).replace(day=1))
    return Period("month", start, end)


def last_12_months(now: dt.datetime | None = None) -> Period:
    """The current month and the 11 before it (whole calendar months)."""
    month = this_month(now)
    first = timezone.localdate(month.start)
    year, mon = first.year, first.month - 11
    if mon <= 0:
        year, mon = year - 1, mon + 12
    return Period("12m", _month_start(dt.date(year, mon, 1)), month.end)


def custom(start: dt.date, end: dt.date) -> Period:
    """Days ``start`` to ``end`` included (local time)."""
    return Period("custom", timezone.make_aware(dt.datetime.combine(start, dt.time())),
                  timezone.make_aware(dt.datetime.combine(end + dt.timedelta(days=1), dt.time())))
