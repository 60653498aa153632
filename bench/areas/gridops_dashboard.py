"""The district dashboard of grid governance over the seeded events (``seed_demo --scale district``: 2,000,000).

Measures, as ``district_admin`` over the whole district and the last 12 months:

* ``indicators.compute`` — what the dashboard computes: every figure, the four breakdowns and the disputes, through
  ``visible_to`` and the ORM (labels included), with the user's grants loaded as within one request; twice: as the
  dashboard runs it (from the rollup ``EventRollup``, kept by ``gridops/rollup.py``; after a bulk load run
  ``rollup.rebuild()``) and from the events (``use_rollup=False``), with the ratio of the two;
* one hand-written SQL statement computing the same figures (PostgreSQL: ``GROUPING SETS`` over the events for
  the totals, the streets, the 大类, the handling units and the months, ``UNION ALL`` the disputes by street);
  on SQLite, which has no ``GROUPING SETS``, the statements the ORM sent, replayed on a bare cursor;
* the whole page through the test client.

Targets (issue 4): dashboard p95 < 150 ms and within 1.5× the hand-written SQL.
"""

from __future__ import annotations

from django.conf import settings
from django.db import connection
from django.test import Client
from django.urls import reverse

from bench.core import captured_sql, raw_runner
from sanshe.accounts.models import User
from sanshe.accounts.roles import Perm
from sanshe.core.testing import login_as
from sanshe.gridops import indicators as ind
from sanshe.gridops import rollup
from sanshe.gridops.models import Dispute, Event, EventRollup
from sanshe.territory.models import Node

TITLE = "Grid governance: the district dashboard (district_admin, whole district, last 12 months)"
NOTE = ("events = events of the district in the period; ORM/SQL = p95 of indicators.compute over p95 of the "
        "hand-written statement over the events (target ≤ 1.5); events/rollup = p95 from the events over p95 from "
        "the rollup; target p95 < 150 ms.")
ORDER = 40
USER = "district_admin"

HAND_WRITTEN = """
WITH e AS (
  SELECT GROUPING(street_id, major_category_id, handling_unit_id, bucket) AS g,
         street_id, major_category_id, handling_unit_id, bucket,
         count(*) AS reported,
         count(*) FILTER (WHERE filed_at IS NOT NULL AND state <> 'merged') AS filed,
         count(*) FILTER (WHERE filed_at IS NOT NULL AND state <> 'merged'
                          AND (state = 'closed' OR deadline <= %(now)s)) AS due,
         count(*) FILTER (WHERE state = 'closed') AS closed,
         count(*) FILTER (WHERE state = 'closed' AND closed_on_time) AS closed_on_time,
         count(*) FILTER (WHERE dispatched_at IS NOT NULL) AS dispatched,
         count(*) FILTER (WHERE dispatched_at IS NOT NULL AND handled_on_time) AS handled_on_time,
         count(*) FILTER (WHERE fed_back_at IS NOT NULL) AS fed_back,
         count(*) FILTER (WHERE fed_back_at IS NOT NULL AND rework_count > 0) AS reworked,
         count(*) FILTER (WHERE dispatched_at IS NOT NULL AND extension_count > 0) AS extended,
         sum(handling_seconds) AS handling_sum, count(handling_seconds) AS handled,
         count(*) FILTER (WHERE rating <> '') AS rated,
         count(*) FILTER (WHERE rating IN ('satisfied', 'fairly')) AS satisfied
  FROM (SELECT *, date_trunc('month', reported_at AT TIME ZONE %(tz)s) AS bucket FROM gridops_event
        WHERE district_id = %(district)s AND reported_at >= %(start)s AND reported_at < %(end)s) ev
  GROUP BY GROUPING SETS ((), (street_id), (major_category_id), (handling_unit_id), (bucket))
), d AS (
  SELECT street_id, count(*) FILTER (WHERE accepted) AS accepted,
         count(*) FILTER (WHERE accepted AND state = 'resolved') AS resolved,
         count(*) FILTER (WHERE accepted AND state = 'resolved' AND settled_level IN ('grid', 'community')) AS inside
  FROM gridops_dispute WHERE district_id = %(district)s AND found_at >= %(start)s AND found_at < %(end)s
  GROUP BY ROLLUP (street_id)
)
SELECT 'e' AS kind, g, street_id, major_category_id, handling_unit_id, bucket, reported, filed, due, closed,
       closed_on_time, dispatched, handled_on_time, fed_back, reworked, extended, handling_sum, handled, rated,
       satisfied FROM e
UNION ALL
SELECT 'd', NULL, street_id, NULL, NULL, NULL, accepted, resolved, inside, NULL, NULL, NULL, NULL, NULL, NULL,
       NULL, NULL, NULL, NULL, NULL FROM d
"""


def run(b) -> None:
    user = User.objects.filter(username=USER).first()
    if user is None:
        b.add("no district_admin account: skipped")
        return
    user.active_grants()  # cached on the instance, as within one request
    district = Node.objects.get(pk=next(node_id for level, node_id in user.scope_nodes(Perm.EVENTS_STATS)
                                        if level == "district"))
    period = ind.last_12_months()
    events = Event.objects.filter(district=district, reported_at__gte=period.start, reported_at__lt=period.end).count()
    disputes = Dispute.objects.filter(district=district, found_at__gte=period.start, found_at__lt=period.end).count()
    b.log(f"{events} events, {disputes} disputes in the period")

    def orm():
        return ind.compute(user, node=district, start=period.start, end=period.end)

    def orm_events():
        return ind.compute(user, node=district, start=period.start, end=period.end, use_rollup=False)

    if not EventRollup.objects.filter(district_id=district.pk).exists() and events:
        b.log("the rollup is empty: rollup.rebuild(district_id=...) first")
        rollup.rebuild(district_id=district.pk)

    with captured_sql(connection) as statements:
        result = orm_events()
    fast = orm()
    assert (fast.totals.reported, fast.totals.closed, fast.totals.filed) == (
        result.totals.reported, result.totals.closed, result.totals.filed), "rollup and events disagree"
    if connection.vendor == "postgresql":
        params = {"now": result.now, "tz": settings.TIME_ZONE, "district": district.pk, "start": period.start,
                  "end": period.end}

        def hand():
            with connection.cursor() as cursor:
                cursor.execute(HAND_WRITTEN, params)
                return cursor.fetchall()

        rows = hand()
        total = next(r for r in rows if r[0] == "e" and r[1] == 15)
        assert total[6] == result.totals.reported and total[9] == result.totals.closed, "hand-written SQL disagrees"
        sql_label = "hand-written SQL (one statement)"
    else:
        hand = raw_runner(connection, statements)
        sql_label = "ORM statements on a bare cursor"
    import time

    t0 = time.perf_counter()
    orm_events()
    slow = time.perf_counter() - t0 > 1.0  # a plain aggregate over millions of rows: a few runs tell enough
    runs, warmup = (5, 1) if slow else (max(20, b.page_runs), 3)
    fast_runs = max(30, b.page_runs)
    orm_stats = b.timed(orm, runs=fast_runs, warmup=3)
    events_stats = b.timed(orm_events, runs=runs, warmup=warmup)
    sql_stats = b.timed(hand, runs=runs, warmup=warmup)
    b.add("indicators.compute, rollup (the dashboard)", events=events, p50=orm_stats.p50, p95=orm_stats.p95,
          **{"ORM/SQL": orm_stats.p95 / sql_stats.p95 if sql_stats.p95 else None})
    b.add("indicators.compute, events (use_rollup=False)", events=events, queries=len(statements),
          p50=events_stats.p50, p95=events_stats.p95,
          **{"ORM/SQL": events_stats.p95 / sql_stats.p95 if sql_stats.p95 else None,
             "events/rollup": events_stats.p95 / orm_stats.p95 if orm_stats.p95 else None})
    b.add(sql_label + " over the events", events=events,
          queries=1 if connection.vendor == "postgresql" else len(statements), p50=sql_stats.p50, p95=sql_stats.p95)

    client = Client()
    login_as(client, user)
    url = reverse("gridops:dashboard") + "?period=12m"
    status = client.get(url).status_code
    page = b.timed(lambda: client.get(url), runs=3 if slow else max(10, b.page_runs // 2), warmup=1 if slow else 2)
    b.add("dashboard page (test client)", events=events, status=status, p50=page.p50, p95=page.p95)
