"""Test helpers of the hotline on top of ``sworld``: a household in 和平社区 (C1) with a resident whose phone
is ``PHONE`` (stored with its blind index, as the registry does), and shortcuts to record calls."""

from __future__ import annotations

import itertools

from sanshe.core import crypto
from sanshe.core.masking import mask_phone
from sanshe.territory.models import Dwelling, Household, Resident

PHONE = "13912345678"
_seq = itertools.count(1)


def make_resident(world, *, node="B1", name="王建国", phone=PHONE) -> Resident:
    building = world.nodes[node]
    n = next(_seq)
    dwelling = Dwelling(building=building, unit="1", room=f"{300 + n}", floor=3)
    dwelling.copy_ancestors_from(building)
    dwelling.save()
    household = Household(number=f"HL{n:05d}", dwelling=dwelling)
    household.copy_ancestors_from(building)
    household.save()
    resident = Resident(name=name, household=household, dwelling=dwelling, phone=phone,
                        phone_masked=mask_phone(phone), phone_index=crypto.blind_index(phone))
    resident.copy_ancestors_from(household)
    resident.save()
    return resident


def build_hotline(world):
    from sanshe.gridops.testing import ensure_gridops

    ensure_gridops(world)
    world.resident = make_resident(world)
    return world


def ensure_hotline(world):
    if not hasattr(world, "resident"):
        build_hotline(world)
    return world


def call(world, *, user="hotline_operator", community="C1", name="王建国", phone=PHONE, category="help",
         content="楼道灯坏了一周没人修", **kwargs):
    from .services_hotline import record_call

    return record_call(actor=world.user(user), community=world.nodes[community], caller_name=name, phone=phone,
                       content=content, category=category, **kwargs)
