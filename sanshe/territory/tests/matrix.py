"""Permission matrix entries for the territory pages and API (see ``sanshe.core.matrix``).

Nodes are chosen per role: "inside" is a node of the role's own territory, "outside" one of the other district
(so that it is outside every role's reach). Write cases create their own fresh nodes, so that the same case can
run once per role.
"""

from sanshe.accounts.roles import Perm
from sanshe.core.matrix import UrlCase
from sanshe.core.testing import build_node
from sanshe.territory.choices import Level
from sanshe.territory.models import Node

VIEW = Perm.TERRITORY_VIEW
MANAGE = Perm.TERRITORY_MANAGE


def _node(world, role, inside):
    return {"pk": (world.inside(role) if inside else world.nodes["G5"]).pk}


def _grid(world, role, inside):
    return {"pk": world.nodes["G2" if inside else "G5"].pk}


def _parent(world, role, inside):
    return {"parent_pk": world.nodes["C1" if inside else "C4"].pk}


def _fresh_building(world, inside, *, retired=False):
    compound = world.nodes["P1" if inside else "P5"]
    node = build_node(Level.BUILDING, compound, "矩阵楼", _next_code(compound))
    if retired:
        Node.objects.filter(pk=node.pk).update(is_active=False)
    return node


def _next_code(parent):
    from sanshe.territory.services import next_child_code

    return next_child_code(parent, Level.BUILDING)


def _building(world, role, inside):
    return {"pk": _fresh_building(world, inside).pk}


def _retired_building(world, role, inside):
    return {"pk": _fresh_building(world, inside, retired=True).pk}


def _move_data(world, role):
    return {"new_parent": world.nodes["P2"].pk}


MATRIX = {
    "territory:browser": UrlCase(VIEW),
    "territory:node_detail": UrlCase(VIEW, kwargs=_node),
    "territory:node_create": UrlCase(MANAGE, kwargs=_parent),
    "territory:node_edit": UrlCase(MANAGE, kwargs=_grid),
    "territory:node_move": UrlCase(MANAGE, kwargs=_grid),
    "territory:node_retire": UrlCase(MANAGE, kwargs=_grid),
    "territory:node_reactivate": UrlCase(MANAGE, kwargs=_retired_building, method="POST", ok=(302,)),
    "territory:import": UrlCase(MANAGE),
    "territory:import_template": UrlCase(MANAGE),
    "territory-node-list": UrlCase(VIEW, api=True),
    "territory-node-detail": UrlCase(VIEW, kwargs=_node, api=True),
    "territory-node-move": UrlCase(MANAGE, kwargs=_building, method="POST", data=_move_data, api=True),
    "territory-node-retire": UrlCase(MANAGE, kwargs=_building, method="POST", data={"reason": "矩阵测试"},
                                     api=True),
    "territory-node-reactivate": UrlCase(MANAGE, kwargs=_retired_building, method="POST", api=True),
}

from . import matrix_registry_import, matrix_registry_pages, matrix_registry_search  # noqa: E402

for _module in (matrix_registry_pages, matrix_registry_search, matrix_registry_import):
    MATRIX.update(_module.MATRIX)
