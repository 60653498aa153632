"""Test helpers of the 五单法 demand orders on top of ``servicedesk.testing.build_servicedesk``.

``build_orders(world)`` adds ``world.providers``: ``p1`` (阳光社工服务中心, D1, ``t_social_org`` is its staff),
``p2`` (邻里互助协会, D1, staff ``t_social_org2``), ``p3`` (远方社工站, D2); ``world.users["party_secretary_c2"]``
(the party secretary of C2) and ``world.households`` (``h1``, ``h2`` in C1). ``need(world, ...)`` places a need
in C1 as the community worker; ``order(world, ...)`` issues an order for needs, inviting p1.
"""

from __future__ import annotations

import itertools

from sanshe.accounts.services import bootstrap_account
from sanshe.core.testing import PASSWORD
from sanshe.gridops.choices import UnitKind
from sanshe.gridops.testing import make_unit
from sanshe.territory.models import Dwelling, Household

from .choices_orders import FundSource, OfferMode

_seq = itertools.count(1)


def make_household(building, number: str) -> Household:
    dwelling = Dwelling(building=building, unit="1", room=f"{100 + next(_seq)}", floor=1)
    dwelling.copy_ancestors_from(building)
    dwelling.save()
    household = Household(number=number, dwelling=dwelling)
    household.copy_ancestors_from(building)
    household.save()
    return household


def build_orders(world):
    n = world.nodes
    other = bootstrap_account(username="t_social_org2", password=PASSWORD, role="social_org", node=n["D1"],
                              full_name="邻里互助协会社工")
    world.users["social_org2"] = other
    world.users["party_secretary_c2"] = bootstrap_account(username="t_party_secretary_c2", password=PASSWORD,
                                                          role="party_secretary", node=n["C2"],
                                                          full_name="团结社区书记")
    world.providers = {
        "p1": make_unit("阳光社工服务中心", UnitKind.SOCIAL_ORG, n["D1"], [world.users["social_org"]]),
        "p2": make_unit("邻里互助协会", UnitKind.SOCIAL_ORG, n["D1"], [other]),
        "p3": make_unit("远方社工站", UnitKind.SOCIAL_ORG, n["D2"]),
    }
    world.households = {"h1": make_household(n["B1"], "OH001"), "h2": make_household(n["B1"], "OH002")}
    return world


def need(world, *, user="community_worker", community="C1", title="楼道灯坏了", **kwargs):
    from .services_orders import place_need

    kwargs.setdefault("description", "三号楼楼道灯坏了一个月")
    kwargs.setdefault("kind", "facilities")
    return place_need(actor=world.user(user), community=world.nodes[community], title=title, **kwargs)


def order(world, needs, *, user="party_secretary", mode=OfferMode.INVITE, invited=("p1",), **kwargs):
    from .services_orders import issue_order

    kwargs.setdefault("title", "楼道照明改造")
    kwargs.setdefault("content", "更换三号楼楼道灯并加装声控开关")
    kwargs.setdefault("budget", "3000")
    kwargs.setdefault("fund_source", FundSource.COMMUNITY_FUND)
    kwargs.setdefault("responsible_member", "李建国")
    return issue_order(actor=world.user(user), needs=needs, mode=mode,
                       invited=[world.providers[p] for p in invited], **kwargs)
