"""Zhaoshang street (seed 004): 8,293 disputes found, 7,764 resolved (化解率 93.6%), 7,112 of them at grid or
community level (91.6% resolved inside the community) — from indicators.py and on the dashboard page."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from sanshe.core.testing import login_as
from sanshe.gridops import indicators as ind
from sanshe.gridops.models import Dispute

pytestmark = pytest.mark.django_db

TZ = timezone.get_fixed_timezone(8 * 60)
START = dt.date(2024, 1, 1)
END = dt.date(2024, 12, 31)


def build_zhaoshang(world) -> None:
    """8,293 accepted disputes in street S1 during 2024 (7,764 resolved, 7,112 inside the community), plus rows
    that must not count: not accepted, found in 2023 or 2025, or in another street."""
    n = world.nodes
    places = [(n["G1"], n["C1"]), (n["G2"], n["C1"]), (n["G3"], n["C2"]), (None, n["C2"])]
    rows = []

    def add(i, *, state, settled_level="", accepted=True, found=None, street=n["S1"], place=None):
        grid, community = place or places[i % len(places)]
        found_at = found or dt.datetime(2024, 1, 1, 9, tzinfo=TZ) + dt.timedelta(minutes=63 * i)
        final = state not in ("accepted", "mediating")
        rows.append(Dispute(
            number=f"ZS{len(rows):08d}", kind="neighbour", summary="邻里纠纷", district_id=street.district_id,
            street=street, community=community if street == n["S1"] else None,
            grid=grid if street == n["S1"] else None, found_at=found_at, accepted=accepted, state=state,
            settled_level=settled_level, settled_at=found_at + dt.timedelta(days=3) if final else None))

    i = 0
    for level, count in (("grid", 4_001), ("community", 3_111), ("street", 600), ("district", 52)):
        for _k in range(count):
            add(i, state="resolved", settled_level=level)
            i += 1
    for state, count in (("unresolved", 201), ("litigation", 120), ("petition", 18), ("mediating", 150),
                         ("accepted", 40)):
        for _k in range(count):
            add(i, state=state)
            i += 1
    assert i == 8_293 and i * 63 < 366 * 24 * 60
    for k in range(37):  # not accepted (不予受理): not in 受理数
        add(k, state="not_accepted", accepted=False)
    for k in range(25):  # outside the period
        add(k, state="unresolved", found=dt.datetime(2023, 12, 31, 23, 59, tzinfo=TZ))
        add(k, state="unresolved", found=dt.datetime(2025, 1, 1, 0, 0, tzinfo=TZ))
    for k in range(30):  # another street of the district
        add(k, state="unresolved", street=n["S2"])
    Dispute.objects.bulk_create(rows, batch_size=2000)


def test_zhaoshang_figures(world):
    build_zhaoshang(world)
    period = ind.custom(START, END)
    result = ind.compute(world.user("street_official"), node=world.nodes["S1"], start=period.start, end=period.end)
    d = result.disputes
    assert (d.accepted, d.resolved, d.resolved_inside) == (8_293, 7_764, 7_112)
    assert d.resolution_rate == Decimal("93.6") and ind.show_rate(d.resolution_rate) == "93.6%"
    assert d.inside_share == Decimal("91.6") and ind.show_rate(d.inside_share) == "91.6%"
    # the communities add up to the street
    assert sum(r.disputes.accepted for r in result.children) == 8_293

    client = world.client if hasattr(world, "client") else None
    from django.test import Client

    client = client or Client()
    login_as(client, world.user("street_official"))
    response = client.get(reverse("gridops:dashboard"), {"node": world.nodes["S1"].pk, "period": "custom",
                                                         "start": START.isoformat(), "end": END.isoformat()})
    assert response.status_code == 200
    html = response.content.decode()

    def card(key):
        found = re.search(rf'data-figure="{key}"><div class="num" data-value>([^<]*)</div>', html)
        return found and found.group(1)

    assert card("dispute_resolution_rate") == "93.6%"
    assert card("dispute_inside_share") == "91.6%"
    assert "7,764 / 8,293" in html and "7,112 / 7,764" in html
