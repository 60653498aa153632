"""Test helpers of social workers' practice on top of ``sanshe.core.testing.build_world``.

``build_practice(world)`` adds ``world.sw``: ``sw1`` (张社工, ``t_social_worker``, 和平社区 C1), ``sup`` (李督导, the
supervisor, account ``t_sw_supervisor``, district D1), ``sw3`` (王社工, ``t_sw_other``, D1: a social worker who is
neither worker nor supervisor of the cases), ``far`` (远方社工, ``t_sw_far``, district D2); and ``world.residents``:
``r1``, ``r2``, ``r3`` in building B1 (C1), ``r4`` in B3 (C2), ``far`` in B5 (D2). ``make_case(world, ...)`` opens a
case as sw1 (supervised by sup).
"""

from __future__ import annotations

import itertools

from sanshe.accounts.services import bootstrap_account
from sanshe.core.testing import PASSWORD
from sanshe.territory.models import Dwelling, Household, Resident

_seq = itertools.count(1)


def make_resident(building, name: str) -> Resident:
    n = next(_seq)
    dwelling = Dwelling(building=building, unit="1", room=f"{500 + n}", floor=5)
    dwelling.copy_ancestors_from(building)
    dwelling.save()
    household = Household(number=f"SWP{n:05d}", dwelling=dwelling)
    household.copy_ancestors_from(building)
    household.save()
    resident = Resident(name=name, household=household, dwelling=dwelling)
    resident.copy_ancestors_from(household)
    resident.save()
    return resident


def make_worker(name: str, node, user=None):
    from .models import SocialWorker

    worker = SocialWorker(name=name, user=user, post="一线社工")
    worker.copy_ancestors_from(node)
    worker.save()
    return worker


def build_practice(world):
    if hasattr(world, "sw"):
        return world
    n = world.nodes
    for key, username, node in (("sup", "t_sw_supervisor", "D1"), ("sw3", "t_sw_other", "D1"),
                                ("far", "t_sw_far", "D2")):
        world.users[key] = bootstrap_account(username=username, password=PASSWORD, role="social_worker",
                                             node=n[node], full_name=username)
    world.sw = {
        "sw1": make_worker("张社工", n["C1"], world.users["social_worker"]),
        "sup": make_worker("李督导", n["D1"], world.users["sup"]),
        "sw3": make_worker("王社工", n["D1"], world.users["sw3"]),
        "far": make_worker("远方社工", n["D2"], world.users["far"]),
    }
    world.residents = {
        "r1": make_resident(n["B1"], "赵大爷"), "r2": make_resident(n["B1"], "钱阿姨"),
        "r3": make_resident(n["B1"], "孙小明"), "r4": make_resident(n["B3"], "李奶奶"),
        "far": make_resident(n["B5"], "周先生"),
    }
    return world


def make_case(world, *, client="r1", title="独居老人情绪支持", user="social_worker", supervisor="sup", **kwargs):
    from .services_practice import open_case

    build_practice(world)
    kwargs.setdefault("referral_source", "community")
    kwargs.setdefault("problem", "老伴去世后情绪低落，不愿出门")
    return open_case(actor=world.user(user), client=world.residents[client], title=title,
                     supervisor=world.sw[supervisor] if supervisor else None, **kwargs)


def serving_case(world, **kwargs):
    """A case taken to 服务中 with one goal and one session with notes."""
    from django.utils import timezone

    from .choices_practice import CaseAction
    from .services_practice import record_session, transition

    case = make_case(world, **kwargs)
    actor = world.user("social_worker")
    transition(case, CaseAction.ASSESS, actor=actor, assessment="预估：社会支持薄弱，抑郁倾向")
    transition(case, CaseAction.PLAN, actor=actor, plan="计划：每周面谈一次", goals=["重建社交网络"])
    transition(case, CaseAction.START, actor=actor)
    record_session(case, actor=actor, date=timezone.localdate(), hours="1.5",
                   method="interview", notes="机密会谈记录：谈到失眠")
    case.refresh_from_db()
    return case
