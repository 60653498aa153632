from sanshe.accounts.roles import Role
from sanshe.territory.models import Node


def test_world_scoping_basics(world):
    gw = world.user(Role.GRID_WORKER)
    visible = set(Node.objects.visible_to(gw).values_list("code", flat=True))
    assert visible == {"510199001001001", "510199001001001001", "510199001001001001001"}
    so = world.user(Role.STREET_OFFICIAL)
    codes = set(Node.objects.visible_to(so).values_list("code", flat=True))
    assert "510199001000" in codes and "510199002000" not in codes
    assert all(code.startswith("510199001") for code in codes)
    assert not Node.objects.visible_to(world.user(Role.RESIDENT)).exists()
