"""Permission matrix entries of the registry (pages) URLs.

"Inside" objects sit in building B1 (compound P1, grid G1, community C1): inside every role's territory.
"Outside" objects sit in building B5 of the other district. They are made once per world through the services,
by a community worker of C1 and one of C4.
"""

from sanshe.accounts.roles import Perm, Role
from sanshe.core.matrix import UrlCase

VIEW = Perm.REGISTRY_VIEW
MANAGE = Perm.REGISTRY_MANAGE
UNMASK = Perm.REGISTRY_UNMASK


def registry_data(world, inside: bool) -> dict:
    """A dwelling, a household with one member and one tag, in B1 (inside) or B5 (outside)."""
    from sanshe.accounts.models import User
    from sanshe.accounts.services import bootstrap_account
    from sanshe.territory import registry
    from sanshe.territory.models import TagType

    cache = world.__dict__.setdefault("_registry_pages", {})
    if inside in cache:
        return cache[inside]
    if inside:
        actor, building = world.user(Role.COMMUNITY_WORKER), world.nodes["B1"]
    else:
        actor = User.objects.filter(username="t_matrix_c4").first() or bootstrap_account(
            username="t_matrix_c4", password="Test-pass-123", role=Role.COMMUNITY_WORKER, node=world.nodes["C4"])
        building = world.nodes["B5"]
    dwelling = registry.get_or_create_dwelling(actor=actor, building=building, unit="1", room="101")
    household = registry.create_household(actor=actor, number="M-" + building.code[-6:], node=building,
                                          dwelling=dwelling)
    resident, _ = registry.register_resident(actor=actor, household=household, name="矩阵居民",
                                             phone="13800001111", relation="head")
    tag = registry.add_tag(resident, actor=actor, tag_type=TagType.objects.get(code="floating"))
    cache[inside] = {"building": building, "compound": world.nodes["P1" if inside else "P5"],
                     "household": household, "resident": resident, "tag": tag}
    return cache[inside]


def _pk(key):
    def kwargs(world, role, inside):
        return {"pk": registry_data(world, inside)[key].pk}

    return kwargs


def _dwelling(world, role, inside):
    return {"pk": registry_data(world, inside)["household"].dwelling_id}


_UNMASK_DATA = {"field": "phone", "reason": "矩阵测试"}

MATRIX = {
    "territory:compound_map": UrlCase(VIEW, kwargs=_pk("compound")),
    "territory:building_register": UrlCase(VIEW, kwargs=_pk("building")),
    "territory:household_detail": UrlCase(VIEW, kwargs=_pk("household")),
    "territory:household_create": UrlCase(MANAGE, kwargs=_pk("building")),
    "territory:household_edit": UrlCase(MANAGE, kwargs=_pk("household")),
    "territory:resident_create": UrlCase(MANAGE, kwargs=_pk("household")),
    "territory:resident_edit": UrlCase(MANAGE, kwargs=_pk("resident")),
    "territory:resident_move_out": UrlCase(MANAGE, kwargs=_pk("resident")),
    "territory:resident_death": UrlCase(MANAGE, kwargs=_pk("resident")),
    "territory:resident_transfer": UrlCase(MANAGE, kwargs=_pk("resident")),
    "territory:resident_unmask": UrlCase(UNMASK, kwargs=_pk("resident"), method="POST", data=_UNMASK_DATA),
    "territory:tag_add": UrlCase(MANAGE, kwargs=_pk("resident")),
    "territory:tag_end": UrlCase(MANAGE, kwargs=_pk("tag")),
    "territory:tag_details": UrlCase(MANAGE, kwargs=_pk("tag")),
    "territory:dwelling_occupancy": UrlCase(MANAGE, kwargs=_dwelling),
}
