"""Test helpers of grid governance: the catalogue, handling units and a resident account on top of
:func:`sanshe.core.testing.build_world`.

``build_gridops(world)`` gives ``world.units`` (``street``: 幸福街道城管科 in S1 with ``t_handler`` as staff;
``community``: 和平社区综治队 in C1; ``other``: a street department of the other district) and
``world.categories`` (code → EventCategory); ``report(world, ...)`` reports an event as the grid worker in G1.
"""

from __future__ import annotations

import base64

from sanshe.gridops.catalogue_seed import ensure_catalogue
from sanshe.gridops.choices import Source, UnitKind
from sanshe.gridops.models import EventCategory, HandlingUnit, Responsibility, UnitMember

# A 1×1 PNG, enough for a photo upload.
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)


def make_unit(name: str, kind: str, node, members=()) -> HandlingUnit:
    unit = HandlingUnit.objects.create(name=name, kind=kind, node=node, district_id=node.district_id,
                                       street_id=node.street_id, community_id=node.community_id)
    for user in members:
        UnitMember.objects.create(unit=unit, user=user)
    return unit


def build_gridops(world):
    ensure_catalogue()
    n = world.nodes
    world.categories = {c.code: c for c in EventCategory.objects.all()}
    world.units = {
        "street": make_unit("幸福街道城管科", UnitKind.STREET_DEPT, n["S1"], [world.users["handler"]]),
        "community": make_unit("和平社区综治队", UnitKind.COMMUNITY_TEAM, n["C1"]),
        "other": make_unit("远方街道城管科", UnitKind.STREET_DEPT, n["S4"]),
    }
    for code in ("0301", "0201", "0202"):
        Responsibility.objects.create(category=world.categories[code], node=n["S1"], unit=world.units["street"])
    return world


def ensure_gridops(world):
    """``build_gridops`` once per world (for permission-matrix kwargs that need events)."""
    if not hasattr(world, "units"):
        build_gridops(world)
    return world


def report(world, *, category="0301", user="grid_worker", node="G1", description="楼下垃圾堆放三天无人清运",
           source=Source.GRID, **kwargs):
    from sanshe.gridops.services import report_event

    return report_event(actor=world.user(user), category=world.categories[category], description=description,
                        node=world.nodes[node], source=source, **kwargs).event
