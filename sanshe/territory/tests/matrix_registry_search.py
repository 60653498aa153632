"""Permission matrix entries of the registry search, export, configuration pages and the registry API.

"Inside" objects sit in building B1 (inside every role's territory: B1 ⊂ P1 ⊂ G1 ⊂ C1 ⊂ S1 ⊂ D1), "outside" ones
in B5 of the other district. Write cases make fresh objects so the same case can run once per role.
"""

import itertools

from sanshe.accounts.roles import Perm
from sanshe.core.matrix import UrlCase
from sanshe.territory.models import Dwelling, Household, Resident, ResidentTag, ResidentUnit, TagType

VIEW, MANAGE = Perm.REGISTRY_VIEW, Perm.REGISTRY_MANAGE
CONFIGURE, UNMASK = Perm.REGISTRY_CONFIGURE, Perm.REGISTRY_UNMASK
_seq = itertools.count(1)


def _building(world, inside):
    return world.nodes["B1" if inside else "B5"]


def make_household(world, inside=True):
    building = _building(world, inside)
    n = next(_seq)
    dwelling = Dwelling(building=building, unit="1", room=f"{100 + n}", floor=1)
    dwelling.copy_ancestors_from(building)
    dwelling.save()
    household = Household(number=f"M{n:05d}", dwelling=dwelling)
    household.copy_ancestors_from(building)
    household.save()
    return household


def make_resident(world, inside=True, name="矩阵居民"):
    household = make_household(world, inside)
    resident = Resident(name=name, household=household, dwelling=household.dwelling, phone="13800001111",
                        phone_masked="138****1111")
    resident.copy_ancestors_from(household)
    resident.save()
    return resident


def _resident(world, role, inside):
    return {"pk": make_resident(world, inside).pk}


def _household(world, role, inside):
    return {"pk": make_household(world, inside).pk}


def _dwelling(world, role, inside):
    return {"pk": make_household(world, inside).dwelling_id}


def _tag(world, role, inside):
    resident = make_resident(world, inside)
    tag_type = TagType.objects.get(code="disabled")
    tag = ResidentTag(resident=resident, tag_type=tag_type, details={"grade": "二级"})
    tag.copy_ancestors_from(resident)
    tag.save()
    return {"pk": tag.pk}


def _unit(world, role, inside):
    node = _building(world, inside)
    unit = ResidentUnit(name=f"矩阵单位{next(_seq)}", node=node)
    unit.copy_ancestors_from(node)
    unit.save()
    return {"pk": unit.pk}


def _tag_type(world, role, inside):
    return {"pk": TagType.objects.get(code="disabled").pk}


def _new_resident(world, role):
    return {"household": make_household(world).pk, "name": f"新居民{next(_seq)}"}


def _new_household(world, role):
    return {"number": f"N{next(_seq):05d}", "node": world.nodes["B1"].pk}


def _new_dwelling(world, role):
    return {"building": world.nodes["B1"].pk, "room": f"{next(_seq) + 200}"}


def _new_tag(world, role):
    return {"resident": make_resident(world).pk, "tag_type": "unemployed"}


def _new_unit(world, role):
    return {"name": f"新单位{next(_seq)}", "node": world.nodes["B1"].pk}


def _transfer(world, role):
    return {"to_household": make_household(world).pk, "date": "2026-01-01"}


_LEAVE = {"date": "2026-01-01", "note": "矩阵"}

MATRIX = {
    # pages
    "territory:resident_search": UrlCase(VIEW),
    "territory:resident_export": UrlCase(VIEW, method="POST", data={"name": "矩阵"}),
    "territory:resident_search_territory": UrlCase(VIEW),
    "territory:tag_type_list": UrlCase(CONFIGURE),
    "territory:tag_type_create": UrlCase(CONFIGURE),
    "territory:tag_type_edit": UrlCase(CONFIGURE, kwargs=_tag_type, scoped=False),
    "territory:resident_unit_list": UrlCase(VIEW),
    "territory:resident_unit_create": UrlCase(MANAGE),
    "territory:resident_unit_edit": UrlCase(MANAGE, kwargs=_unit),
    # API
    "registry-dwelling-list": UrlCase(VIEW, api=True),
    "registry-dwelling-detail": UrlCase(VIEW, kwargs=_dwelling, api=True),
    "registry-household-list": UrlCase(VIEW, api=True),
    "registry-household-detail": UrlCase(VIEW, kwargs=_household, api=True),
    "registry-resident-list": UrlCase(VIEW, api=True),
    "registry-resident-detail": UrlCase(VIEW, kwargs=_resident, api=True),
    "registry-resident-move-out": UrlCase(MANAGE, kwargs=_resident, method="POST", data=_LEAVE, api=True),
    "registry-resident-death": UrlCase(MANAGE, kwargs=_resident, method="POST", data=_LEAVE, api=True),
    "registry-resident-transfer": UrlCase(MANAGE, kwargs=_resident, method="POST", data=_transfer, api=True),
    "registry-resident-unmask": UrlCase(UNMASK, kwargs=_resident, method="POST",
                                        data={"field": "phone", "reason": "矩阵测试"}, api=True),
    "registry-tag-list": UrlCase(VIEW, api=True),
    "registry-tag-detail": UrlCase(VIEW, kwargs=_tag, api=True),
    "registry-tag-end": UrlCase(MANAGE, kwargs=_tag, method="POST", data={"valid_to": "2026-01-01"}, api=True),
    "registry-tag-type-list": UrlCase(VIEW, api=True),
    "registry-tag-type-detail": UrlCase(VIEW, kwargs=_tag_type, api=True, scoped=False),
    "registry-resident-unit-list": UrlCase(VIEW, api=True),
    "registry-resident-unit-detail": UrlCase(VIEW, kwargs=_unit, api=True),
}

# The list routes also take POST (create): one case per URL name, so creation is covered in test_registry_api.
_CREATES = {
    "registry-resident-list": _new_resident, "registry-household-list": _new_household,
    "registry-dwelling-list": _new_dwelling, "registry-tag-list": _new_tag,
    "registry-resident-unit-list": _new_unit,
}
