"""Every rate must be derivable from the history rows.

Random events are driven through ``services.transition`` (every kind of path: not filed, merged, returned,
re-dispatched, extended, reworked, late, rated …) at chosen times; the figures are then recomputed in plain Python
from the ``EventStep`` rows alone (never from the columns the workflow stamps on the event) and compared with
``indicators.compute``: totals, the handling-unit ranking, the 大类 breakdown, the child territories and the trend.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict

import pytest
from django.utils import timezone

from sanshe.gridops import indicators as ind
from sanshe.gridops.choices import Action, EventState, Rating, Source
from sanshe.gridops.models import Event, EventStep, UnitMember
from sanshe.gridops.services import report_event, transition

pytestmark = pytest.mark.django_db

TZ = timezone.get_fixed_timezone(8 * 60)
BASE = dt.datetime(2025, 3, 3, 9, 0, tzinfo=TZ)  # a Monday
START = dt.datetime(2025, 3, 10, tzinfo=TZ)
END = dt.datetime(2025, 4, 21, tzinfo=TZ)
NOW = dt.datetime(2025, 4, 25, 12, 0, tzinfo=TZ)


def _drive(w, rng: random.Random, i: int, masters: list[Event]) -> None:
    """Report one event and move it along a random path; every step at a known time before NOW."""
    desk, handler, field = w.user("community_worker"), w.user("handler"), w.user("grid_worker")
    at = BASE + dt.timedelta(days=rng.uniform(0, 50), hours=rng.uniform(0, 8))
    category = rng.choice(["0301", "0201", "0202"])
    grid = "G1"  # the grid staff's own grid (they verify on site)
    event = report_event(actor=field, category=w.categories[category], description=f"随机事件 {i}",
                         node=w.nodes[grid], source=rng.choice([Source.GRID, Source.PATROL]), at=at).event

    def step(action, **kw):
        nonlocal event, at
        at = at + dt.timedelta(hours=kw.pop("after", rng.uniform(0.2, 6)))
        if at >= NOW:
            raise StopIteration
        event = transition(event, action, at=at, **kw)

    try:
        roll = rng.random()
        if roll < 0.08:
            step(Action.NOT_FILE, actor=desk, note="不属于受理范围")
            return
        if roll < 0.16 and masters:
            master = rng.choice(masters)
            if master.state not in (EventState.MERGED, EventState.NOT_FILED):
                if rng.random() < 0.5:
                    step(Action.FILE, actor=desk)
                step(Action.MERGE, actor=desk, master=master)
                return
        if rng.random() < 0.5:
            step(Action.ACCEPT, actor=desk)
        if rng.random() < 0.1:
            return  # accepted, not filed yet
        step(Action.FILE, actor=desk)
        masters.append(event)
        if rng.random() < 0.1:
            return  # filed, not dispatched
        step(Action.DISPATCH, actor=desk, unit=rng.choice([w.units["street"], w.units["community"]]))
        if rng.random() < 0.15:
            step(Action.RETURN, actor=handler, note="不属于本单位职责")
            if rng.random() < 0.3:
                return  # back at the desk
            step(Action.DISPATCH, actor=desk, unit=w.units["street"])
        if rng.random() < 0.15:
            other = w.units["community"] if event.handling_unit_id == w.units["street"].pk else w.units["street"]
            step(Action.REASSIGN, actor=desk, unit=other, note="改派")
        if rng.random() < 0.6:
            step(Action.START, actor=handler)
        if rng.random() < 0.25:
            step(Action.REQUEST_EXTENSION, actor=handler, note="需要更多时间", extra=rng.choice([1, 2]))
            approve = rng.random() < 0.7
            step(Action.APPROVE_EXTENSION if approve else Action.DENY_EXTENSION, actor=desk,
                 note="" if approve else "不同意")
        if rng.random() < 0.15:
            return  # still being handled
        late = rng.random() < 0.3 and event.deadline is not None
        after = (event.deadline - at).total_seconds() / 3600 + rng.uniform(1, 30) if late else rng.uniform(0.5, 8)
        step(Action.FEED_BACK, actor=handler, note="已处置", after=max(after, 0.1))
        while rng.random() < 0.2:
            step(Action.REWORK, actor=field, note="未处理到位")
            step(Action.FEED_BACK, actor=handler, note="再次处置")
        if rng.random() < 0.1:
            return  # waiting for verification
        step(Action.VERIFY, actor=field)
        if rng.random() < 0.1:
            return
        step(Action.CLOSE, actor=desk, after=rng.uniform(0.5, 40))
        if rng.random() < 0.7:
            step(Action.RATE, actor=field, rating=rng.choice(Rating.values))
    except StopIteration:
        return


def _parse(value):
    return dt.datetime.fromisoformat(value) if value else None


def from_history(events: list[Event]) -> dict[int, dict]:
    """For each event: its counters recomputed from its EventStep rows only."""
    steps = defaultdict(list)
    for s in EventStep.objects.filter(event__in=events).order_by("event_id", "at", "id"):
        steps[s.event_id].append(s)
    out = {}
    for event in events:
        rows = steps[event.pk]
        state = rows[-1].to_state
        reported_at = next(s.at for s in rows if s.action == Action.REPORT)
        deadline = dispatched_at = unit = None
        fed_back = handled_on_time = closed_on_time = None
        handling = None
        reworks = extensions = 0
        rating = ""
        filed = False
        for s in rows:
            if s.action == Action.FILE:
                filed = True
            elif s.action in (Action.DISPATCH, Action.REASSIGN):
                deadline, dispatched_at, unit = _parse(s.data.get("deadline")), s.at, s.unit_id
            elif s.action == Action.RETURN:
                deadline = dispatched_at = unit = None
            elif s.action == Action.APPROVE_EXTENSION:
                deadline = _parse(s.data.get("deadline"))
                extensions += 1
            elif s.action == Action.FEED_BACK and fed_back is None:
                fed_back = s.at
                handled_on_time = deadline is None or s.at <= deadline
                handling = int((s.at - dispatched_at).total_seconds())
            elif s.action == Action.REWORK:
                reworks += 1
            elif s.action == Action.CLOSE and s.from_state == EventState.VERIFIED:
                closed_on_time = deadline is None or s.at <= deadline
            elif s.action == Action.RATE:
                rating = s.data["rating"]
        merged = state == EventState.MERGED
        filed = filed and not merged
        closed = state == EventState.CLOSED
        dispatched = dispatched_at is not None
        out[event.pk] = {
            "reported_at": reported_at, "unit": unit, "major": event.major_category_id, "grid": event.grid_id,
            "reported": 1,
            "filed": int(filed),
            "due": int(filed and (closed or (deadline is not None and deadline <= NOW))),
            "closed": int(closed),
            "closed_on_time": int(closed and bool(closed_on_time)),
            "dispatched": int(dispatched),
            "handled_on_time": int(dispatched and bool(handled_on_time)),
            "fed_back": int(fed_back is not None),
            "reworked": int(fed_back is not None and reworks > 0),
            "extended": int(dispatched and extensions > 0),
            "handling_sum": handling or 0,
            "handled": int(handling is not None),
            "rated": int(bool(rating)),
            "satisfied": int(rating in (Rating.SATISFIED, Rating.FAIRLY)),
        }
    return out


def _sum(rows) -> dict:
    total = dict.fromkeys(ind.COUNTERS, 0)
    for row in rows:
        for name in ind.COUNTERS:
            total[name] += row[name]
    return total


def _as_dict(figures: ind.Figures) -> dict:
    return {name: getattr(figures, name) for name in ind.COUNTERS}


def _rates(c: dict) -> dict:
    return {"closure": ind.rate(c["closed"], c["due"]), "on_time_closure": ind.rate(c["closed_on_time"], c["due"]),
            "on_time_handling": ind.rate(c["handled_on_time"], c["dispatched"]),
            "rework": ind.rate(c["reworked"], c["fed_back"]), "extension": ind.rate(c["extended"], c["dispatched"]),
            "satisfaction": ind.rate(c["satisfied"], c["rated"])}


@pytest.mark.parametrize("seed", [4, 17])
def test_every_rate_is_derivable_from_the_history_rows(gworld, seed):
    w = gworld
    UnitMember.objects.create(unit=w.units["community"], user=w.users["handler"])
    rng = random.Random(seed)
    masters: list[Event] = []
    for i in range(36):
        _drive(w, rng, i, masters)
    # one event elsewhere in the street (C2): outside the community worker's figures, inside the street's
    report_event(actor=w.user("street_official"), category=w.categories["0301"], description="团结社区的事件",
                 node=w.nodes["G3"], source=Source.DESK, at=START + dt.timedelta(days=3))
    events = list(Event.objects.filter(community=w.nodes["C1"]))
    history = from_history(events)
    in_period = [h for h in history.values() if START <= h["reported_at"] < END]
    assert len(in_period) < len(history), "the period must leave some events out"

    result = ind.compute(w.user("community_worker"), node=w.nodes["C1"], start=START, end=END, now=NOW)
    expected = _sum(in_period)
    assert _as_dict(result.totals) == expected
    assert {k: getattr(result.totals, f"{k}_rate") for k in ("closure", "rework", "extension", "satisfaction")} \
        == {k: v for k, v in _rates(expected).items() if k in ("closure", "rework", "extension", "satisfaction")}
    assert result.totals.on_time_closure_rate == _rates(expected)["on_time_closure"]
    assert result.totals.on_time_handling_rate == _rates(expected)["on_time_handling"]
    hours = None if not expected["handled"] else round(expected["handling_sum"] / expected["handled"] / 3600, 1)
    assert (None if result.totals.mean_handling_hours is None else float(result.totals.mean_handling_hours)) == \
        pytest.approx(hours, abs=0.051) if hours is not None else result.totals.mean_handling_hours is None
    # the mix is rich enough to mean something
    assert expected["closed"] and expected["reworked"] and expected["rated"] and expected["due"] > expected["closed"]

    # breakdowns: handling units, 大类, grids, days
    for rows, key in ((result.units, "unit"), (result.categories, "major"), (result.children, "grid")):
        got = {r.key: _as_dict(r.figures) for r in rows if r.figures.reported}
        if key == "unit":
            got = {r.key: _as_dict(r.figures) for r in rows}
        want = defaultdict(list)
        for h in in_period:
            want[h[key]].append(h)
        want = {k: _sum(v) for k, v in want.items() if not (key == "unit" and k is None)}
        assert got == want, key
    by_day = defaultdict(list)
    for h in in_period:
        by_day[timezone.localtime(h["reported_at"]).date()].append(h)
    assert result.granularity == "day" and len(result.trend) == (END - START).days
    for row in result.trend:
        assert _as_dict(row.figures) == _sum(by_day.get(timezone.localtime(row.key).date(), [])), row.label

    # the same figures through the district admin (whole district, then C1), and none outside the scope
    district = ind.compute(w.user("district_admin"), node=w.nodes["C1"], start=START, end=END, now=NOW)
    assert _as_dict(district.totals) == expected
    whole = ind.compute(w.user("district_admin"), start=START, end=END, now=NOW)
    assert whole.totals.reported == expected["reported"] + 1  # and the event of C2
    street = ind.compute(w.user("street_official"), node=w.nodes["S1"], start=START, end=END, now=NOW)
    assert {r.key: r.figures.reported for r in street.children} == {
        w.nodes["C1"].pk: expected["reported"], w.nodes["C2"].pk: 1}
    later = ind.compute(w.user("street_official"), node=w.nodes["S1"], start=END, end=END + dt.timedelta(days=30),
                        now=NOW)
    assert later.totals.reported == sum(1 for h in history.values() if h["reported_at"] >= END)
