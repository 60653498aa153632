"""Permission matrix entries: grid governance configuration pages, the map of events and the events API
(see ``sanshe.core.matrix``).

"Inside" objects belong to district D1 (every role's territory; events in grid G1), "outside" ones to D2.
The catalogue and working-day overrides belong to no territory (``scoped=False``). Write cases make fresh
objects so that the same case can run once per role.
"""

import datetime as dt
import itertools

from sanshe.accounts.roles import Perm
from sanshe.core.matrix import UrlCase
from sanshe.gridops.choices import Source, UnitKind
from sanshe.gridops.models import WorkdayOverride
from sanshe.gridops.testing import ensure_gridops, make_unit

VIEW, CONFIGURE = Perm.EVENTS_VIEW, Perm.EVENTS_CONFIGURE
_seq = itertools.count(1)


def _category(world, role, inside):
    return {"pk": ensure_gridops(world).categories["0301"].pk}


def _unit(world, role, inside):
    w = ensure_gridops(world)
    return {"pk": w.units["street" if inside else "other"].pk}


def _fresh_unit(world, inside, members=()):
    w = ensure_gridops(world)
    node = w.nodes["C1" if inside else "C4"]
    return make_unit(f"矩阵处置队{next(_seq)}", UnitKind.COMMUNITY_TEAM, node, members)


def _member_add(world, role, inside):
    return {"pk": _fresh_unit(world, inside).pk}


def _member_remove(world, role, inside):
    handler = world.users["handler"]
    return {"pk": _fresh_unit(world, inside, [handler]).pk, "user_pk": handler.pk}


def _handler(world, role):
    return {"user": world.users["handler"].pk}


def _workday(world, role, inside):
    day = dt.date(2031, 1, 1) + dt.timedelta(days=next(_seq))
    return {"pk": WorkdayOverride.objects.create(date=day, is_workday=False, name="矩阵").pk}


def _event(world, role, inside):
    from sanshe.gridops.services import report_event

    w = ensure_gridops(world)
    event = report_event(actor=None, category=w.categories["0301"], description="矩阵事件",
                         node=w.nodes["G1" if inside else "G5"], source=Source.OPEN311,
                         latitude=30.65, longitude=104.06).event
    return {"pk": event.pk}


_WORLD_BOX = {"bbox": "-180,-90,180,90"}

MATRIX = {
    # configuration pages
    "gridops:category_list": UrlCase(VIEW),
    "gridops:category_create": UrlCase(CONFIGURE),
    "gridops:category_detail": UrlCase(VIEW, kwargs=_category, scoped=False),
    "gridops:category_edit": UrlCase(CONFIGURE, kwargs=_category, scoped=False),
    "gridops:unit_list": UrlCase(VIEW),
    "gridops:unit_create": UrlCase(CONFIGURE),
    "gridops:unit_detail": UrlCase(VIEW, kwargs=_unit),
    "gridops:unit_edit": UrlCase(CONFIGURE, kwargs=_unit),
    "gridops:unit_member_add": UrlCase(CONFIGURE, kwargs=_member_add, method="POST", data=_handler, ok=(302,)),
    "gridops:unit_member_remove": UrlCase(CONFIGURE, kwargs=_member_remove, method="POST", ok=(302,)),
    "gridops:responsibility": UrlCase(CONFIGURE),
    "gridops:responsibility_line": UrlCase(CONFIGURE, kwargs=_category, scoped=False),
    "gridops:event_settings": UrlCase(CONFIGURE),
    "gridops:workdays": UrlCase(CONFIGURE),
    "gridops:workday_delete": UrlCase(CONFIGURE, kwargs=_workday, method="POST", ok=(302,), scoped=False),
    # the map
    "gridops:event_map": UrlCase(VIEW),
    "gridops:event_map_data": UrlCase(VIEW, data=_WORLD_BOX),
    "gridops:event_map_grids": UrlCase(VIEW),
    # API (the list routes also take POST = create: covered in test_api_events)
    "gridops-event-list": UrlCase(VIEW, api=True),
    "gridops-event-detail": UrlCase(VIEW, kwargs=_event, api=True),
    "gridops-event-transition": UrlCase(VIEW, kwargs=_event, method="POST", api=True,
                                        data={"action": "comment", "note": "矩阵备注"}),
    "gridops-category-list": UrlCase(VIEW, api=True),
    "gridops-category-detail": UrlCase(VIEW, kwargs=_category, api=True, scoped=False),
    "gridops-unit-list": UrlCase(VIEW, api=True),
    "gridops-unit-detail": UrlCase(VIEW, kwargs=_unit, api=True),
}
