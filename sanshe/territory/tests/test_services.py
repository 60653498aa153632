"""The territory services: codes, moves, retiring, scope and audit."""

import pytest
from django.core.exceptions import ValidationError

from sanshe.accounts.roles import Role
from sanshe.core.exceptions import Denied, OutOfScope
from sanshe.core.models import AuditEntry
from sanshe.territory import services
from sanshe.territory.choices import LEVEL_ORDER, Level
from sanshe.territory.models import Node


def fresh(node):
    return Node.objects.get(pk=node.pk)


def entries(action=None):
    qs = AuditEntry.objects.all()
    return qs.filter(action=action) if action else qs


def test_create_takes_the_next_free_code(world):
    admin = world.user(Role.DISTRICT_ADMIN)
    before = entries().count()
    grid = services.create_node(actor=admin, level=Level.GRID, parent=world.nodes["C1"], name="和平第三网格")
    assert grid.code == "510199001001003"
    assert (grid.district_id, grid.street_id, grid.community_id, grid.grid_id) == (
        world.nodes["D1"].pk, world.nodes["S1"].pk, world.nodes["C1"].pk, grid.pk)
    assert grid.compound_id is None and grid.building_id is None
    street = services.create_node(actor=admin, level=Level.STREET, parent=world.nodes["D1"], name="新街道")
    assert street.code == "510199003000"
    community = services.create_node(actor=admin, level=Level.COMMUNITY, parent=street, name="新社区")
    assert community.code == "510199003001"
    assert entries().count() == before + 3
    created = entries("territory.node.created").filter(object_id=str(grid.pk)).get()
    assert created.username == admin.username and created.territory == grid.code


@pytest.mark.parametrize(("level", "parent", "code"), [
    (Level.STREET, "D1", "510199004001"),          # a street code ends in 000
    (Level.STREET, "D1", "510198004000"),          # … and starts with its district's code
    (Level.COMMUNITY, "S1", "510199001000"),       # a community code does not end in 000
    (Level.COMMUNITY, "S1", "510199002005"),       # … and starts with its street's first nine digits
    (Level.GRID, "C1", "51019900100100"),          # parent's code + three digits
    (Level.GRID, "C1", "510199001002009"),
    (Level.GRID, "C1", "51019900100100a"),
    (Level.GRID, "C1", "510199001001001"),         # taken by G1
])
def test_code_rules(world, level, parent, code):
    admin = world.user(Role.DISTRICT_ADMIN)
    with pytest.raises(ValidationError) as caught:
        services.create_node(actor=admin, level=level, parent=world.nodes[parent], name="x", code=code)
    assert set(caught.value.message_dict) == {"code"}


def test_parent_must_be_of_the_level_above(world):
    admin = world.user(Role.DISTRICT_ADMIN)
    with pytest.raises(ValidationError) as caught:
        services.create_node(actor=admin, level=Level.BUILDING, parent=world.nodes["G1"], name="楼")
    assert "parent" in caught.value.message_dict


def test_update_recodes_the_subtree(world):
    admin = world.user(Role.DISTRICT_ADMIN)
    services.update_node(world.nodes["G2"], actor=admin, code="510199001001009", name="和平第九网格")
    assert fresh(world.nodes["G2"]).code == "510199001001009"
    assert fresh(world.nodes["P2"]).code == "510199001001009001"
    assert fresh(world.nodes["B2"]).code == "510199001001009001001"
    assert entries("territory.node.updated").count() == 1
    assert entries("territory.node.recoded").count() == 2


def test_update_without_change_writes_no_entry(world):
    admin = world.user(Role.DISTRICT_ADMIN)
    before = entries().count()
    services.update_node(world.nodes["G2"], actor=admin, name=world.nodes["G2"].name)
    assert entries().count() == before


def test_move_recodes_subtree_and_rewrites_ancestor_columns(world):
    admin = world.user(Role.DISTRICT_ADMIN)
    n = world.nodes
    before = entries().count()
    moved = services.move_node(n["C2"], actor=admin, new_parent=n["S2"])
    assert moved.code == "510199002002"
    assert moved.parent_id == n["S2"].pk and moved.street_id == n["S2"].pk
    for key, code in (("G3", "510199002002001"), ("P3", "510199002002001001"), ("B3", "510199002002001001001")):
        node = fresh(n[key])
        assert node.code == code
        assert node.street_id == n["S2"].pk
        assert node.community_id == n["C2"].pk
        assert node.district_id == n["D1"].pk
    # One entry for the move itself, and one for each descendant whose code followed.
    assert entries("territory.node.moved").count() == 1
    assert entries("territory.node.recoded").count() == 3
    assert entries().count() == before + 4
    # The grid worker of C2's grid now reaches it under the new street; the street official of S1 no longer.
    so = world.user(Role.STREET_OFFICIAL)
    assert not Node.objects.visible_to(so).filter(pk=n["G3"].pk).exists()


def test_move_with_given_code_and_checks(world):
    admin = world.user(Role.DISTRICT_ADMIN)
    n = world.nodes
    moved = services.move_node(n["P2"], actor=admin, new_parent=n["G1"], new_code="510199001001001007")
    assert moved.code == "510199001001001007"
    assert fresh(n["B2"]).code == "510199001001001007001"
    assert fresh(n["B2"]).grid_id == n["G1"].pk
    with pytest.raises(ValidationError):
        services.move_node(moved, actor=admin, new_parent=n["G1"])  # already there
    with pytest.raises(ValidationError):
        services.move_node(n["P1"], actor=admin, new_parent=n["C1"])  # wrong level
    with pytest.raises(ValidationError):
        services.move_node(n["D1"], actor=admin, new_parent=n["S1"])  # a district stays


def test_retire_refuses_active_children_and_needs_a_reason(world):
    admin = world.user(Role.DISTRICT_ADMIN)
    n = world.nodes
    with pytest.raises(ValidationError) as caught:
        services.retire_node(n["P2"], actor=admin, reason="拆除")
    assert "node" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        services.retire_node(n["B2"], actor=admin, reason="  ")
    assert "reason" in caught.value.message_dict
    before = entries().count()
    building = services.retire_node(n["B2"], actor=admin, reason="拆除")
    assert not building.is_active and building.retired_reason == "拆除" and building.retired_at
    assert entries().count() == before + 1
    services.retire_node(n["P2"], actor=admin, reason="合并")
    with pytest.raises(ValidationError):
        services.reactivate_node(n["B2"], actor=admin)  # parent first
    services.reactivate_node(n["P2"], actor=admin)
    building = services.reactivate_node(n["B2"], actor=admin)
    assert building.is_active and building.retired_reason == "" and building.retired_at is None
    assert entries("territory.node.retired").count() == 2
    assert entries("territory.node.reactivated").count() == 2


def test_out_of_scope_writes_are_404(world):
    admin = world.user(Role.DISTRICT_ADMIN)
    n = world.nodes
    before = entries(None).filter(action__startswith="territory.").count()
    with pytest.raises(OutOfScope):
        services.create_node(actor=admin, level=Level.GRID, parent=n["C4"], name="外面")
    with pytest.raises(OutOfScope):
        services.update_node(n["G5"], actor=admin, name="外面")
    with pytest.raises(OutOfScope):
        services.move_node(n["G2"], actor=admin, new_parent=n["C4"])
    with pytest.raises(OutOfScope):
        services.retire_node(n["B5"], actor=admin, reason="x")
    assert fresh(n["G2"]).parent_id == n["C1"].pk
    assert entries(None).filter(action__startswith="territory.").count() == before


@pytest.mark.parametrize("role", [Role.GRID_WORKER, Role.STREET_OFFICIAL, Role.AUDIT_ADMIN, Role.RESIDENT])
def test_roles_without_manage_are_denied(world, role):
    user = world.user(role)
    with pytest.raises(Denied):
        services.create_node(actor=user, level=Level.COMPOUND, parent=world.nodes["G1"], name="x")
    with pytest.raises(Denied):
        services.update_node(world.nodes["G1"], actor=user, name="x")


def test_next_child_code_skips_taken_codes(world):
    n = world.nodes
    assert services.next_child_code(n["C1"], Level.GRID) == "510199001001003"
    assert services.next_child_code(n["S1"], Level.COMMUNITY) == "510199001003"
    assert services.next_child_code(n["D1"], Level.STREET) == "510199003000"
    assert services.next_child_code(n["P1"], Level.BUILDING) == "510199001001001001002"


def test_level_order_matches_ancestor_columns(world):
    building = fresh(world.nodes["B1"])
    assert [getattr(building, f"{level}_id") is not None for level in LEVEL_ORDER] == [True] * 6
    assert [a.code for a in building.ancestors()] == [
        "510199", "510199001000", "510199001001", "510199001001001", "510199001001001001"]
