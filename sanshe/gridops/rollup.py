"""Maintenance of :class:`~sanshe.gridops.models.EventRollup` (the indicators' rollup).

* :func:`snapshot` — the fields of an event the rollup counts (call it before a change and after it);
* :func:`apply` — subtracts the old snapshot's contribution and adds the new one, as upserts of deltas
  (``INSERT … ON CONFLICT … DO UPDATE SET c = c + EXCLUDED.c``, PostgreSQL and SQLite), inside the caller's
  transaction (``services.report_event`` and ``services.transition`` call it);
* :func:`rebuild` — recomputes the rollup from the events (``INSERT … SELECT … GROUP BY``), for
  bulk loads that bypass the services: ``rollup.rebuild(district_id=<district pk>)`` or ``rollup.rebuild()``.

The counters follow the definitions of :mod:`sanshe.gridops.indicators`; the one figure that depends on ``now``
(应结案: open events whose deadline has passed) is ``due_closed + open_deadline − (open filed events whose
deadline is still ahead)``, the last term counted live from the events (``event_state_deadline`` index).
"""

from __future__ import annotations

from django.db import connection, transaction
from django.db.models import Count, Q, Sum, Value
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from sanshe.core import txn

from .choices import SATISFIED_RATINGS, EventState
from .models import Event
from .models.rollup import ROLLUP_COUNTERS, ROLLUP_KEY, EventRollup, RollupGrain

FIELDS = ("reported_at", "district_id", "street_id", "community_id", "major_category_id", "handling_unit_id",
          "state", "filed_at", "dispatched_at", "fed_back_at", "deadline", "closed_on_time", "handled_on_time",
          "rework_count", "extension_count", "handling_seconds", "rating")
CUBOIDS = ((RollupGrain.DAY, "street"), (RollupGrain.DAY, "community"), (RollupGrain.MONTH, "street"),
           (RollupGrain.MONTH, "community"))
# "filed, open, with a deadline": filed, not merged, not closed (not_filed events are never filed)
NOT_OPEN = (EventState.CLOSED, EventState.MERGED, EventState.NOT_FILED)


def snapshot(event: Event | None) -> dict | None:
    """The counted fields of ``event`` (None: no event)."""
    if event is None:
        return None
    return {name: getattr(event, name) for name in FIELDS}


def contribution(e: dict) -> dict:
    """The counters one event adds (definitions: ``indicators`` module docstring)."""
    merged = e["state"] == EventState.MERGED
    closed = e["state"] == EventState.CLOSED
    filed = e["filed_at"] is not None and not merged
    dispatched = e["dispatched_at"] is not None
    fed_back = e["fed_back_at"] is not None
    return {
        "reported": 1,
        "filed": int(filed),
        "due_closed": int(filed and closed),
        "open_deadline": int(filed and e["state"] not in NOT_OPEN and e["deadline"] is not None),
        "closed": int(closed),
        "closed_on_time": int(closed and e["closed_on_time"] is True),
        "dispatched": int(dispatched),
        "handled_on_time": int(dispatched and e["handled_on_time"] is True),
        "fed_back": int(fed_back),
        "reworked": int(fed_back and (e["rework_count"] or 0) > 0),
        "extended": int(dispatched and (e["extension_count"] or 0) > 0),
        "handling_sum": e["handling_seconds"] or 0,
        "handled": int(e["handling_seconds"] is not None),
        "rated": int(bool(e["rating"])),
        "satisfied": int(e["rating"] in SATISFIED_RATINGS),
    }


def keys(e: dict) -> list[tuple]:
    """The rollup keys (one per cuboid) an event counts in, in the order of ``ROLLUP_KEY``."""
    day = timezone.localtime(e["reported_at"]).date()
    out = []
    for grain, level in CUBOIDS:
        bucket = day if grain == RollupGrain.DAY else day.replace(day=1)
        community = (e["community_id"] or 0) if level == "community" else 0
        out.append((str(grain), level, bucket, e["district_id"], e["street_id"] or 0, community,
                    e["major_category_id"], e["handling_unit_id"] or 0))
    return out


def apply(old: dict | None, new: dict | None) -> None:
    """Move the rollup from ``old`` (snapshot before; None: the event is new) to ``new`` (after; None: deleted)."""
    deltas: dict[tuple, dict] = {}
    for snap, sign in ((old, -1), (new, 1)):
        if snap is None:
            continue
        counts = contribution(snap)
        for key in keys(snap):
            row = deltas.setdefault(key, dict.fromkeys(ROLLUP_COUNTERS, 0))
            for name, value in counts.items():
                row[name] += sign * value
    # in key order: concurrent transactions lock the rows they share in the same order (no deadlock)
    rows = sorted((key, values) for key, values in deltas.items() if any(values.values()))
    if rows:
        # just before the commit (sanshe.core.txn): concurrent reports of one street, day and category share
        # these rows, and each holds their locks from here to its commit
        txn.defer(lambda: _upsert(rows))


def _upsert(rows: list[tuple[tuple, dict]]) -> None:
    table = connection.ops.quote_name(EventRollup._meta.db_table)
    columns = ROLLUP_KEY + ROLLUP_COUNTERS
    qn = connection.ops.quote_name
    placeholders = "(" + ", ".join(["%s"] * len(columns)) + ")"
    sql = (f"INSERT INTO {table} ({', '.join(qn(c) for c in columns)}) VALUES "
           + ", ".join([placeholders] * len(rows))
           + f" ON CONFLICT ({', '.join(qn(c) for c in ROLLUP_KEY)}) DO UPDATE SET "
           + ", ".join(f"{qn(c)} = {table}.{qn(c)} + EXCLUDED.{qn(c)}" for c in ROLLUP_COUNTERS))
    params: list = []
    for key, values in rows:
        params.extend(key)
        params.extend(values[name] for name in ROLLUP_COUNTERS)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def aggregates() -> dict:
    """The counters as SQL aggregates over events (what :func:`contribution` adds up)."""
    merged = Q(state=EventState.MERGED)
    closed = Q(state=EventState.CLOSED)
    filed = Q(filed_at__isnull=False) & ~merged
    dispatched = Q(dispatched_at__isnull=False)
    fed_back = Q(fed_back_at__isnull=False)
    return {
        "reported": Count("id"),
        "filed": Count("id", filter=filed),
        "due_closed": Count("id", filter=filed & closed),
        "open_deadline": Count("id", filter=filed & ~Q(state__in=NOT_OPEN) & Q(deadline__isnull=False)),
        "closed": Count("id", filter=closed),
        "closed_on_time": Count("id", filter=closed & Q(closed_on_time=True)),
        "dispatched": Count("id", filter=dispatched),
        "handled_on_time": Count("id", filter=dispatched & Q(handled_on_time=True)),
        "fed_back": Count("id", filter=fed_back),
        "reworked": Count("id", filter=fed_back & Q(rework_count__gt=0)),
        "extended": Count("id", filter=dispatched & Q(extension_count__gt=0)),
        "handling_sum": Coalesce(Sum("handling_seconds"), 0),
        "handled": Count("handling_seconds"),
        "rated": Count("id", filter=~Q(rating="")),
        "satisfied": Count("id", filter=Q(rating__in=SATISFIED_RATINGS)),
    }


def rebuild(district_id: int | None = None) -> int:
    """Recompute the rollup (of one district, or all) from the events; returns the number of rollup rows.

    For bulk loads that write events without the services (``seed_demo --scale district``): one
    ``INSERT … SELECT … GROUP BY`` over the events for the finest cuboid (day × community), the three others
    summed from it, in one transaction; then ``ANALYZE`` on PostgreSQL (the dashboard's plans need the counts)."""
    qn = connection.ops.quote_name
    table = qn(EventRollup._meta.db_table)
    counters = ", ".join(qn(c) for c in ROLLUP_COUNTERS)
    columns = ", ".join(qn(c) for c in ROLLUP_KEY) + ", " + counters
    with transaction.atomic():
        doomed = EventRollup.objects.all()
        events = Event.objects.all()
        if district_id is not None:
            doomed = doomed.filter(district_id=district_id)
            events = events.filter(district_id=district_id)
        doomed._raw_delete(doomed.db)
        qs = (events.annotate(
            r_grain=Value(str(RollupGrain.DAY)), r_level=Value("community"), r_day=TruncDate("reported_at"),
            r_street=Coalesce("street_id", 0), r_community=Coalesce("community_id", 0),
            r_unit=Coalesce("handling_unit_id", 0))
            .values("r_grain", "r_level", "r_day", "district_id", "r_street", "r_community", "major_category_id",
                    "r_unit")
            .order_by().annotate(**{f"c_{name}": agg for name, agg in aggregates().items()}))
        select, params = qs.query.sql_with_params()
        sums = ", ".join(f"SUM({qn(c)})" for c in ROLLUP_COUNTERS)
        month = ("DATE_TRUNC('month', day)::date" if connection.vendor == "postgresql"
                 else "date(day, 'start of month')")
        where = "grain = 'd' AND level = 'community'" + ("" if district_id is None else " AND district_id = %s")
        extra = [] if district_id is None else [district_id]
        with connection.cursor() as cursor:
            cursor.execute(f"INSERT INTO {table} ({columns}) {select}", params)
            for grain, level, day, community in (("d", "street", "day", "0"), ("m", "street", month, "0"),
                                                 ("m", "community", month, "community_id")):
                cursor.execute(
                    f"INSERT INTO {table} ({columns}) SELECT '{grain}', '{level}', {day}, district_id, street_id, "
                    f"{community}, major_category_id, handling_unit_id, {sums} FROM {table} WHERE {where} "
                    f"GROUP BY {day}, district_id, street_id, major_category_id, handling_unit_id"
                    + (", community_id" if community == "community_id" else ""),
                    extra)
        remaining = EventRollup.objects.all()
        if district_id is not None:
            remaining = remaining.filter(district_id=district_id)
        count = remaining.count()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {table}")
    return count
