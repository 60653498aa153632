"""Permission matrix entries for the service cloud: the 五单法 demand orders (see ``sanshe.core.matrix``).

The "inside" need and order are of 和平社区 (C1); the inside order invites a provider whose staff is
``t_social_org``; the resident's inside need is his own. The "outside" ones are of the other district's
community (C4), offered to nobody of the world. The four publicities are public.
"""

from sanshe.accounts.roles import Perm
from sanshe.core.matrix import PUBLIC, UrlCase

VIEW, PLACE, ISSUE, TAKE = Perm.ORDERS_VIEW, Perm.ORDERS_PLACE, Perm.ORDERS_ISSUE, Perm.ORDERS_TAKE


def orders_data(world, inside: bool, role: str = ""):
    from django.utils import timezone

    from sanshe.gridops.choices import UnitKind
    from sanshe.gridops.testing import make_unit
    from sanshe.servicedesk.models_orders import DemandOrder, Need

    cache = world.__dict__.setdefault("_matrix_orders", {})
    key = (inside, role == "resident")
    if key not in cache:
        community = world.nodes["C1" if inside else "C4"]
        now = timezone.now()
        placed_by = world.users["resident"] if role == "resident" and inside else world.users["nobody"]
        order = DemandOrder(number=f"WDM{len(cache)}{int(inside)}", title="矩阵订单", content="矩阵", budget=100,
                            fund_source="community_fund", responsible_member="矩阵党员", issued_at=now)
        order.copy_ancestors_from(community)
        order.save()
        if inside:
            if "_matrix_provider" not in world.__dict__:
                world._matrix_provider = make_unit("矩阵社工机构", UnitKind.SOCIAL_ORG, world.nodes["D1"],
                                                   [world.users["social_org"]])
            order.invited.add(world._matrix_provider)
        need = Need(number=f"DDM{len(cache)}{int(inside)}", title="矩阵需求", placed_at=now, placed_by=placed_by,
                    state="ordered", order=order)
        need.copy_ancestors_from(community)
        need.save()
        cache[key] = (need, order)
    return cache[key]


def _need(world, role, inside):
    return {"pk": orders_data(world, inside, role)[0].pk}


def _order(world, role, inside):
    return {"pk": orders_data(world, inside, role)[1].pk}


def _community(world, role, inside):
    return {"pk": world.nodes["C1"].pk}


MATRIX = {
    "servicedesk:need_list": UrlCase(PLACE),
    "servicedesk:need_create": UrlCase(PLACE),
    "servicedesk:need_detail": UrlCase(PLACE, kwargs=_need),
    "servicedesk:need_evaluate": UrlCase(PLACE, kwargs=_need, method="POST", data={"rating": "satisfied"},
                                         ok=(302,)),
    "servicedesk:order_list": UrlCase(VIEW),
    "servicedesk:order_desk": UrlCase(ISSUE),
    "servicedesk:order_stats": UrlCase(VIEW),
    "servicedesk:order_detail": UrlCase(VIEW, kwargs=_order),
    "servicedesk:order_action": UrlCase(VIEW, kwargs=_order, method="POST", data={"action": "nothing"},
                                        ok=(302,)),
    "servicedesk:offer_list": UrlCase(TAKE),
    "servicedesk:offer_detail": UrlCase(TAKE, kwargs=_order),
    "servicedesk:offer_action": UrlCase(TAKE, kwargs=_order, method="POST", data={"action": "nothing"}, ok=(302,)),
    # public: no account
    "servicedesk:order_public_index": UrlCase(PUBLIC),
    "servicedesk:order_public": UrlCase(PUBLIC, kwargs=_community, scoped=False),
}

MATRIX.update({
    "servicedesk-need-list": UrlCase(VIEW, api=True),
    "servicedesk-need-detail": UrlCase(VIEW, kwargs=_need, api=True),
    "servicedesk-need-decline": UrlCase(ISSUE, kwargs=_need, method="POST", data={"reason": ""}, ok=(400,),
                                        api=True),
    "servicedesk-order-list": UrlCase(VIEW, api=True),
    "servicedesk-order-detail": UrlCase(VIEW, kwargs=_order, api=True),
    "servicedesk-order-transition": UrlCase(VIEW, kwargs=_order, method="POST", data={"action": "nothing"},
                                            ok=(400,), api=True),
})
