"""``seed_demo --scale district``: 2,000,000 events over the last 12 months for the district dashboard benchmark.

What is written, and why: the dashboard and the indicators read the :class:`~sanshe.gridops.models.Event`
columns only (state, category, territory ancestors, handling unit, the timestamps, ``handled_on_time`` /
``closed_on_time``, ``handling_seconds``, ``rework_count``, ``extension_count``, ``escalation``, ``supervised``,
``rating``), which :func:`sanshe.gridops.services.transition` keeps stamped. So only event rows are written, in
bulk (``COPY`` on PostgreSQL, ``executemany`` on SQLite, ids reserved from the sequence: see
:mod:`sanshe.territory.registry_bulk`), consistent with one another the way the services would have stamped
them (a closed event has every earlier timestamp; ``handled_on_time`` is ``fed_back_at <= deadline``; an open
event's clock runs; recent events are still in progress). **No** ``EventStep`` rows, photos, notifications or
per-event audit entries: 2,000,000 report steps alone would double the time for nothing the dashboard reads;
an event page of a bulk event shows its fields without a timeline. ONE ``demo.seeded`` audit entry records the
batch. Demo and benchmark data only (``seed_demo`` refuses to run in production).

The mix: 大类 weighted as in :mod:`sanshe.gridops.demo_events`; grids weighted (busy and quiet ones); more
reports in the daytime and on weekdays, slightly more in recent months; about 6 % not filed, 3 % merged, the rest
closed unless recent (then in every open state) or stalled (a few long-overdue ones); ~12 % fed back late, some
extended, reworked, escalated, supervised; about 70 % of closed events rated (满意 ≈ 80 %).

Idempotent: skipped when the district already has its ``demo.seeded`` entry for gridops events.
"""

from __future__ import annotations

import datetime as dt
import random
from bisect import bisect_right
from itertools import accumulate

from django.db import connection, transaction
from django.utils import timezone

from sanshe.core import audit
from sanshe.core.models import AuditEntry
from sanshe.territory.choices import Level
from sanshe.territory.models import Node
from sanshe.territory.registry_bulk import insert_rows, reserve_ids

from .catalogue_seed import ensure_catalogue
from .choices import EscalationLevel, EventState, LimitUnit, Rating, Source
from .demo_events import (
    CALLER_NAMES,
    DESCRIPTIONS,
    FIELD_NAMES,
    MAJOR_WEIGHTS,
    RESPONSIBILITY,
    STREET_DEPTS,
)
from .models import Event, EventCategory, HandlingUnit

EVENTS = 2_000_000
SEED = 20260405
TEMPLATES = 6000
CHUNK = 100_000
MARKER = "gridops.event"  # object_type of the demo.seeded entry

COLUMNS = [
    "id", "number", "category_id", "major_category_id", "title", "description", "source", "urgent",
    "district_id", "street_id", "community_id", "grid_id", "latitude", "longitude", "address",
    "reporter_name", "reporter_phone", "reporter_phone_masked", "state", "handling_unit_id", "merged_into_id",
    "reported_at", "accepted_at", "filed_at", "dispatched_at", "deadline", "yellow_at", "fed_back_at",
    "verified_at", "closed_at", "rated_at", "handled_on_time", "closed_on_time", "handling_seconds",
    "rework_count", "extension_count", "escalation", "supervised", "rating", "public_note", "updated_at",
]
# Offsets (minutes after the report) a template carries, in this order; None: never happens.
STAMPS = ["accepted_at", "filed_at", "dispatched_at", "deadline", "yellow_at", "fed_back_at", "verified_at",
          "closed_at", "rated_at"]
# The state an event is in once the stamp happened (deadline / yellow_at are no steps).
AFTER = {"accepted_at": EventState.ACCEPTED, "filed_at": EventState.FILED, "dispatched_at": EventState.HANDLING,
         "fed_back_at": EventState.FED_BACK, "verified_at": EventState.VERIFIED, "closed_at": EventState.CLOSED}
WORKDAY_MINUTES = 8 * 60


def _limit_minutes(category: EventCategory) -> int:
    """The time limit in elapsed minutes, roughly as the working calendar counts it (a working day is about a
    day and a half of elapsed time across weekends; a working hour about three)."""
    value = category.time_limit or 5
    return {LimitUnit.URGENT_HOURS: value * 60, LimitUnit.NATURAL_DAYS: value * 1440,
            LimitUnit.WORKING_HOURS: value * 180}.get(category.time_limit_unit, int(value * 1440 * 1.4))


def _template(rng: random.Random, category: EventCategory) -> dict:
    """One life of an event, as offsets in minutes from its report."""
    r = rng.random
    t = {"category": category, "source": rng.choices([Source.GRID, Source.PATROL, Source.RESIDENT, Source.HOTLINE,
                                                      Source.OPEN311, Source.DESK], [40, 22, 14, 14, 5, 5])[0],
         "urgent": category.time_limit_unit == LimitUnit.URGENT_HOURS and r() < 0.5,
         "description": rng.choice(DESCRIPTIONS.get(category.code, [category.name])).format(place="小区"),
         "reporter_name": rng.choice(FIELD_NAMES + CALLER_NAMES), "rework": 0, "extensions": 0,
         "escalation": 0, "supervised": False, "rating": "", "handled": None, "closed_ok": None,
         "handling_seconds": None, "final": EventState.CLOSED, "merged": False}
    stamps = dict.fromkeys(STAMPS)
    m = rng.randint(5, 240)
    stamps["accepted_at"] = m
    if r() < 0.03:  # merged into an earlier report (并单)
        t.update(final=EventState.MERGED, merged=True)
        t["stamps"] = {**dict.fromkeys(STAMPS), "accepted_at": m}
        return t
    if r() < 0.06:  # not filed (不予立案)
        t["final"] = EventState.NOT_FILED
        t["stamps"] = {**dict.fromkeys(STAMPS), "accepted_at": m}
        return t
    m += rng.randint(5, 240)
    stamps["filed_at"] = m
    m += rng.randint(5, 180)
    stamps["dispatched_at"] = dispatched = m
    limit = _limit_minutes(category)
    if r() < 0.06:
        t["extensions"] = 1
        limit += rng.choice([2, 3, 5]) * 1440
    stamps["deadline"] = dispatched + limit
    stamps["yellow_at"] = dispatched + int(limit * 0.8)
    late = r() < 0.12
    if r() < 0.003:  # stalled: never fed back, long overdue (red now)
        t["final"] = EventState.HANDLING
        t["escalation"] = EscalationLevel.DISTRICT
        t["supervised"] = True
        t["stamps"] = stamps
        return t
    fed = dispatched + limit + rng.randint(60, 4320) if late else dispatched + int(limit * rng.uniform(0.1, 0.7))
    if late and r() < 0.5:
        t["escalation"] = EscalationLevel.STREET if r() < 0.8 else EscalationLevel.DISTRICT
    t["supervised"] = r() < 0.04 or (late and r() < 0.3)
    if r() < 0.08:
        t["rework"] = 1
    stamps["fed_back_at"] = fed_last = fed + (rng.randint(600, 3000) if t["rework"] else 0)
    t["handled"] = not late
    t["handling_seconds"] = (fed - dispatched) * 60
    if late:
        stamps["verified_at"] = m = fed_last + rng.randint(60, 1200)
        stamps["closed_at"] = m = m + rng.randint(30, 600)
    else:  # verified and closed in the rest of the time limit, mostly (按期结案 about 90 %)
        rest = max(dispatched + limit - fed_last, 30)
        stamps["verified_at"] = m = fed_last + max(5, int(rest * rng.uniform(0.05, 0.6)))
        stamps["closed_at"] = m = m + max(5, int(rest * rng.uniform(0.02, 0.45)))
    t["closed_ok"] = m <= stamps["deadline"]
    if r() < 0.72:
        stamps["rated_at"] = m + rng.randint(600, 4320)
        t["rating"] = rng.choices([Rating.SATISFIED, Rating.FAIRLY, Rating.UNSATISFIED], [80, 15, 5])[0]
    t["stamps"] = stamps
    return t


def seed(ctx, count: int = EVENTS) -> int:
    """Add ``count`` events to the demo district (once); returns how many were added."""
    district = ctx.nodes.get("district")
    if district is None or AuditEntry.objects.filter(action="demo.seeded", object_type=MARKER,
                                                      object_id=str(district.pk)).exists():
        return 0
    ensure_catalogue()
    with transaction.atomic():
        added = _write(district, count)
        audit.record("demo.seeded", object_type=MARKER, object_id=str(district.pk),
                     object_repr=f"{district.name}: {added:,} events",
                     message="bulk demo seeding (seed_demo --scale district): event rows only, no steps",
                     extra={"events": added, "district": district.code})
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {Event._meta.db_table}")
    # the bulk rows bypassed the services: rebuild the dashboard's rollup of this district from the events
    from sanshe.gridops import rollup

    rollup.rebuild(district_id=district.pk)
    ctx.count("gridops", "event (bulk)", added)
    return added


def _write(district: Node, count: int) -> int:
    rng = random.Random(SEED)
    postgres = connection.vendor == "postgresql"
    now = timezone.now().astimezone(dt.UTC).replace(second=0, microsecond=0, tzinfo=None)
    epoch = (now - dt.timedelta(days=366)).replace(hour=0, minute=0)  # UTC midnight
    now_minute = int((now - epoch).total_seconds() // 60)
    local_offset = int(timezone.localtime(timezone.now()).utcoffset().total_seconds() // 60)

    subs = [c for c in EventCategory.objects.filter(parent__isnull=False, is_active=True) if c.code in
            RESPONSIBILITY]
    weights = [MAJOR_WEIGHTS.get(c.code[:2], 5) for c in subs]
    templates = [_template(rng, c) for c in rng.choices(subs, weights, k=TEMPLATES)]
    grids = list(Node.objects.filter(district=district, level=Level.GRID, is_active=True)
                 .values_list("pk", "street_id", "community_id", "name", "geometry"))
    if not grids or not subs:
        return 0
    grid_cum = list(accumulate(rng.choice([1, 1, 2, 2, 3, 5]) for _g in grids))
    boxes = []
    for _pk, _s, _c, _name, geometry in grids:
        ring = (geometry or {}).get("coordinates", [[[0, 0]]])[0]
        xs, ys = [p[0] for p in ring], [p[1] for p in ring]
        boxes.append((min(ys), max(ys) - min(ys), min(xs), max(xs) - min(xs)))
    units = {}
    for unit in HandlingUnit.objects.filter(district=district).values("pk", "kind", "name", "street_id",
                                                                        "community_id", "node__name"):
        units[unit["name"]] = unit["pk"]
    street_names = dict(Node.objects.filter(district=district, level=Level.STREET).values_list("pk", "name"))
    community_names = dict(Node.objects.filter(district=district, level=Level.COMMUNITY).values_list("pk", "name"))

    def unit_of(code: str, street_id: int, community_id: int) -> int | None:
        level, name = RESPONSIBILITY[code]
        if level == "district":
            return units.get(name)
        if level == "street":
            return units.get(f"{street_names.get(street_id, '')}{name if name in STREET_DEPTS else ''}")
        if level == "community":
            return units.get(f"{community_names.get(community_id, '')}综治队")
        return next((pk for unit_name, pk in units.items() if unit_name.endswith("服务中心")), None)

    # When: days weighted (weekdays busier, recent months a little busier), hours of the day weighted.
    day_w = []
    for d in range(366):
        weekday = (epoch + dt.timedelta(days=d)).weekday()
        day_w.append((1.0 if weekday < 5 else 0.6) * (0.8 + 0.4 * d / 366))
    day_cum = list(accumulate(day_w))
    hour_w = [0.2, 0.1, 0.1, 0.1, 0.1, 0.2, 0.5, 1.5, 3, 4, 4.5, 4, 3, 3.5, 4, 4, 3.5, 3, 2.5, 2, 1.5, 1, 0.6, 0.3]
    hour_cum = list(accumulate(hour_w))
    ids = reserve_ids(Event, count)
    # Timestamps as the database's text, from two small tables (a day part and a time-of-day part).
    suffix = ":00+00" if postgres else ":00"
    days = [(epoch + dt.timedelta(days=d)).strftime("%Y-%m-%d ") for d in range(400)]
    hms = [f"{m // 60:02d}:{m % 60:02d}{suffix}" for m in range(1440)]
    local_days = [(epoch + dt.timedelta(days=d)).strftime("%Y%m%d") for d in range(400)]

    def text(minute):
        return days[minute // 1440] + hms[minute % 1440]

    status_note = {EventState.NOT_FILED: "不属于受理范围，不予立案", EventState.CLOSED: "经核查处置到位，予以结案"}
    # Per template: what a finished life writes besides the timestamps, and the timestamps' offsets.
    finished = []
    for t in templates:
        stamps = t["stamps"]
        state = t["final"]
        dispatched = stamps["dispatched_at"] is not None
        fed = stamps["fed_back_at"] is not None
        closed = state == EventState.CLOSED
        category = t["category"]
        finished.append((
            max((v for v in stamps.values() if v is not None), default=0),
            [stamps[name] for name in STAMPS],
            (category.pk, category.parent_id, category.name, t["description"], t["source"], t["urgent"]),
            (t["handled"] if fed else None, t["closed_ok"] if closed else None,
             t["handling_seconds"] if fed else None, t["rework"] if fed else 0, t["extensions"] if dispatched else 0,
             t["escalation"] if dispatched else 0, t["supervised"] if dispatched else False,
             t["rating"] if closed else ""),
            state, dispatched, category.code,
        ))
    rand = rng.random
    n_grids, total_day, total_hour, total_grid = len(grids), day_cum[-1], hour_cum[-1], grid_cum[-1]
    district_id = district.pk
    unit_cache: dict = {}
    updated = text(now_minute)
    last_recent = now_minute - 5

    def recent(t: dict, reported: int):
        """An event whose life is not over: only what has happened by now."""
        stamps = t["stamps"]
        state = EventState.REPORTED
        offsets = dict.fromkeys(STAMPS)
        for name in STAMPS:
            value = stamps[name]
            if value is not None and reported + value < now_minute:
                offsets[name] = value
                state = AFTER.get(name, state)
            elif name in ("deadline", "yellow_at") and offsets["dispatched_at"] is not None:
                offsets[name] = value
            elif name in AFTER and value is not None:
                break
        if state == EventState.ACCEPTED and t["final"] in (EventState.MERGED, EventState.NOT_FILED):
            state = t["final"]
        if state == EventState.HANDLING and rand() < 0.3:
            state = EventState.DISPATCHED
        dispatched = offsets["dispatched_at"] is not None
        fed = offsets["fed_back_at"] is not None
        closed = state == EventState.CLOSED
        overdue = dispatched and (fed or reported + offsets["deadline"] < now_minute)
        rated = closed and offsets["rated_at"] is not None
        offsets["rated_at"] = offsets["rated_at"] if rated else None
        tail = (t["handled"] if fed else None, t["closed_ok"] if closed else None,
                t["handling_seconds"] if fed else None, t["rework"] if fed else 0,
                t["extensions"] if dispatched else 0, t["escalation"] if overdue else 0,
                t["supervised"] if dispatched else False, t["rating"] if rated else "")
        return [offsets[name] for name in STAMPS], tail, state, dispatched

    def rows():
        previous: dict[int, int] = {}
        for pk in ids:
            i = int(rand() * TEMPLATES)
            span, offsets, head, tail, state, dispatched, code = finished[i]
            g = min(bisect_right(grid_cum, rand() * total_grid), n_grids - 1)
            grid_id, street_id, community_id, grid_name, _geo = grids[g]
            day = bisect_right(day_cum, rand() * total_day)
            hour = bisect_right(hour_cum, rand() * total_hour)
            reported = min(day * 1440 + ((hour * 60 - local_offset) % 1440) + int(rand() * 60), last_recent)
            if reported + span >= now_minute:
                offsets, tail, state, dispatched = recent(templates[i], reported)
            key = (code, street_id, community_id)
            unit = unit_cache.get(key)
            if unit is None:
                unit = unit_cache[key] = unit_of(*key)
            merged_into = None
            if state == EventState.MERGED:
                merged_into = previous.get(head[0])
                if merged_into is None:
                    state = EventState.NOT_FILED
            previous[head[0]] = pk
            lat0, dlat, lng0, dlng = boxes[g]
            yield (
                pk, f"SJ{local_days[(reported + local_offset) // 1440]}{pk:07d}", *head, district_id, street_id,
                community_id, grid_id, f"{lat0 + dlat * rand():.6f}", f"{lng0 + dlng * rand():.6f}", grid_name,
                templates[i]["reporter_name"], "", "", state, unit if dispatched else None, merged_into,
                text(reported), *[None if o is None else text(reported + o) for o in offsets], *tail,
                status_note.get(state, ""), updated,
            )

    return insert_rows(Event, COLUMNS, rows())
