"""Permission matrix entries for the service cloud: the catalogue and stations (configuration), the public
办事指南 and the catalogue API (see ``sanshe.core.matrix``).

"Inside" items and stations belong to district D1 (every role's territory), "outside" ones to D2. Categories
belong to no territory (``scoped=False``); the guide is public. Write cases make fresh items.
"""

import itertools

from sanshe.accounts.roles import Perm
from sanshe.core.matrix import PUBLIC, UrlCase
from sanshe.servicedesk.testing import ensure_servicedesk, make_item

VIEW, CONFIGURE = Perm.SERVICES_VIEW, Perm.SERVICES_CONFIGURE
_seq = itertools.count(1)


def _item(world, role, inside):
    return {"pk": ensure_servicedesk(world).items["retire" if inside else "other"].pk}


def _fresh_item(world, role, inside):
    w = ensure_servicedesk(world)
    n = next(_seq)
    if inside:
        item = make_item(w.nodes["D1"], f"M{n:04d}", f"矩阵事项{n}", w.service_categories["T01"], w.departments["hr"])
    else:
        item = make_item(w.nodes["D2"], f"M{n:04d}", f"矩阵事项{n}", w.service_categories["T01"],
                         w.departments["other"])
    return {"pk": item.pk}


def _station(world, role, inside):
    return {"pk": ensure_servicedesk(world).stations["C1" if inside else "D2"].pk}


def _category(world, role, inside):
    return {"pk": ensure_servicedesk(world).service_categories["T01"].pk}


MATRIX = {
    # configuration pages
    "servicedesk:item_list": UrlCase(VIEW),
    "servicedesk:item_create": UrlCase(CONFIGURE),
    "servicedesk:item_detail": UrlCase(VIEW, kwargs=_item),
    "servicedesk:item_edit": UrlCase(CONFIGURE, kwargs=_item),
    "servicedesk:item_active": UrlCase(CONFIGURE, kwargs=_fresh_item, method="POST", data={"active": "0"},
                                       ok=(302,)),
    "servicedesk:station_list": UrlCase(VIEW),
    "servicedesk:station_create": UrlCase(CONFIGURE),
    "servicedesk:station_edit": UrlCase(CONFIGURE, kwargs=_station),
    # the public 办事指南
    "servicedesk:guide": UrlCase(PUBLIC, data=lambda w, r: (ensure_servicedesk(w), {})[1]),
    "servicedesk:guide_item": UrlCase(PUBLIC, kwargs=_item, scoped=False),
    # API (the item list also takes POST = create and the detail PATCH: covered in test_config_api)
    "servicedesk-category-list": UrlCase(VIEW, api=True),
    "servicedesk-category-detail": UrlCase(VIEW, kwargs=_category, api=True, scoped=False),
    "servicedesk-item-list": UrlCase(VIEW, api=True),
    "servicedesk-item-detail": UrlCase(VIEW, kwargs=_item, api=True),
}
