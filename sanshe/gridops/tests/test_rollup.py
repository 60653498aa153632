"""The rollup (``models.EventRollup``, ``rollup.py``) gives the same figures as the events and as the history.

Random events are driven through the services (which keep the rollup in step, ``rollup.apply``); the district's
and the street's dashboards are then computed from the rollup and from the events (``use_rollup=False``) for
several periods (whole days with a daily trend, whole months with a monthly trend) and several ``now``, and
compared with each other and with the figures recomputed from the ``EventStep`` rows alone; then again after
``rollup.rebuild()``, whose rows must equal the incrementally maintained ones.
"""

from __future__ import annotations

import datetime as dt
import random

import pytest

from sanshe.gridops import indicators as ind
from sanshe.gridops import rollup
from sanshe.gridops.choices import Source
from sanshe.gridops.models import Event, EventRollup, UnitMember
from sanshe.gridops.models.rollup import ROLLUP_COUNTERS, ROLLUP_KEY
from sanshe.gridops.services import report_event

from .test_indicators_history import END, NOW, START, TZ, _as_dict, _drive, _sum, from_history

pytestmark = pytest.mark.django_db

MONTHS = (dt.datetime(2025, 3, 1, tzinfo=TZ), dt.datetime(2025, 5, 1, tzinfo=TZ))


def _view(result: ind.Indicators) -> dict:
    """Everything compute() returns about the events, comparable."""
    def rows(items):
        return [(r.key, r.label, _as_dict(r.figures)) for r in items]
    return {"totals": _as_dict(result.totals), "children": rows(result.children),
            "categories": rows(result.categories), "units": rows(result.units), "trend": rows(result.trend),
            "granularity": result.granularity}


def _rows() -> set:
    return {tuple(r) for r in EventRollup.objects.filter(reported__gt=0).values_list(*ROLLUP_KEY, *ROLLUP_COUNTERS)}


def _check(w, history):
    admin, street = w.user("district_admin"), w.user("street_official")
    cases = [(admin, None, START, END, None), (admin, w.nodes["S1"], START, END, None),
             (street, w.nodes["S1"], START, END, None), (street, None, START, END, None),
             (admin, None, *MONTHS, "month"), (street, w.nodes["S1"], *MONTHS, "month"),
             (admin, w.nodes["D1"], *MONTHS, "day")]
    major = w.categories["0301"].parent
    nows = (NOW, START + dt.timedelta(days=12), END + dt.timedelta(days=60))
    for user, node, start, end, granularity in cases:
        for now in nows:
            for category in (None, major):
                kw = dict(node=node, start=start, end=end, now=now, granularity=granularity, category=category)
                assert ind.rollup_grain(user, node, ind.CHILD_LEVEL[(node or ind.top_node(user)).level], start,
                                        end, category, (), granularity or ind.granularity_of(start, end))
                fast = ind.compute(user, **kw)
                slow = ind.compute(user, use_rollup=False, **kw)
                assert _view(fast) == _view(slow), (user.username, node, start, now, category)
        # and the history rows (at NOW, no filter)
        result = ind.compute(user, node=node, start=start, end=end, now=NOW, granularity=granularity)
        in_period = [h for h in history.values() if start <= h["reported_at"] < end]
        assert _as_dict(result.totals) == _sum(in_period)


@pytest.mark.parametrize("seed", [4, 23])
def test_rollup_equals_events_equals_history(gworld, seed):
    w = gworld
    UnitMember.objects.create(unit=w.units["community"], user=w.users["handler"])
    rng = random.Random(seed)
    masters: list[Event] = []
    for i in range(40):
        _drive(w, rng, i, masters)
    for i, (grid, day) in enumerate((("G3", 3), ("G3", 20), ("G1", 45))):
        report_event(actor=w.user("street_official"), category=w.categories["0201"], description=f"另一个 {i}",
                     node=w.nodes[grid], source=Source.DESK, at=START + dt.timedelta(days=day, hours=2))
    history = from_history(list(Event.objects.all()))
    assert EventRollup.objects.exists()
    _check(w, history)

    incremental = _rows()
    assert rollup.rebuild() == EventRollup.objects.count()
    assert _rows() == incremental
    _check(w, history)
    district = w.nodes["C1"].district_id
    rollup.rebuild(district_id=district)
    assert _rows() == incremental


def test_rollup_is_not_used_when_it_cannot_answer(gworld):
    w = gworld
    admin = w.user("district_admin")
    noon = START + dt.timedelta(hours=12)
    grain = ind.rollup_grain
    assert grain(admin, None, "street", START, END, None, (), "day") == "d"
    assert grain(admin, None, "street", *MONTHS, None, (), "month") == "m"
    assert grain(admin, None, "street", START, END, None, (), "month") == "d"
    assert grain(admin, None, "street", noon, END, None, (), "day") is None  # not whole days
    assert grain(admin, None, "street", START, END, None, (Source.GRID,), "day") is None  # source filter
    assert grain(admin, None, "street", START, END, w.categories["0301"], (), "day") is None  # 小类
    assert grain(admin, w.nodes["C1"], "grid", START, END, None, (), "day") is None  # a community's grids
