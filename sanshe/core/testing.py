"""Test helpers shared by every app: a small two-district world with one account per role.

``World`` holds, for every role, a user whose grant sits *inside* the first street / community / grid
(``world.users[role]``), and for each level a node *inside* that user's reach and one *outside* it
(``world.inside(role)`` / ``world.outside(role)``), so that scoping tests read the same for every role.

Layout (codes follow the rules in ``territory.models.Node``)::

    D1 510199 测试区                              D2 510198 邻区
      S1 510199001000 幸福街道                      S4 510198001000 远方街道
        C1 510199001001 和平社区                      C4 510198001001 远方社区
          G1 510199001001001 (compound, building)       G5 … (compound, building)
          G2 510199001001002 (compound, building)
        C2 510199001002 团结社区
          G3 …
      S2 510199002000 光明街道
        C3 510199002001 友谊社区
          G4 …
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sanshe.accounts.models import User
from sanshe.accounts.roles import ROLE_SPECS, Role
from sanshe.accounts.services import bootstrap_account
from sanshe.territory import services as territory_services
from sanshe.territory.choices import Level
from sanshe.territory.models import Node

PASSWORD = "Test-pass-123"

# The node each role's test account is granted at (inside), and the sibling at the same level (outside).
ROLE_HOME = {
    Level.DISTRICT: ("D1", "D2"),
    Level.STREET: ("S1", "S2"),
    Level.COMMUNITY: ("C1", "C2"),
    Level.GRID: ("G1", "G2"),
    Level.COMPOUND: ("P1", "P2"),
    Level.BUILDING: ("B1", "B2"),
}


def build_node(level: str, parent: Node | None, name: str, code: str, geometry=None) -> Node:
    """Create a node directly (tests and seeding): same rules as the service, no actor."""
    if parent is None:
        return territory_services.bootstrap_district(code=code, name=name)
    return territory_services._insert(level=level, parent=parent, name=name, code=code, geometry=geometry,
                                      actor=None)


@dataclass
class World:
    nodes: dict[str, Node] = field(default_factory=dict)
    users: dict[str, User] = field(default_factory=dict)

    def home_level(self, role: str) -> str:
        return ROLE_SPECS[role].levels[0]

    def inside(self, role: str) -> Node:
        return self.nodes[ROLE_HOME[self.home_level(role)][0]]

    def outside(self, role: str) -> Node:
        return self.nodes[ROLE_HOME[self.home_level(role)][1]]

    def user(self, role: str) -> User:
        return User.objects.get(pk=self.users[role].pk)


def build_world() -> World:
    w = World()
    n = w.nodes
    n["D1"] = build_node(Level.DISTRICT, None, "测试区", "510199")
    n["D2"] = build_node(Level.DISTRICT, None, "邻区", "510198")
    n["S1"] = build_node(Level.STREET, n["D1"], "幸福街道", "510199001000")
    n["S2"] = build_node(Level.STREET, n["D1"], "光明街道", "510199002000")
    n["S4"] = build_node(Level.STREET, n["D2"], "远方街道", "510198001000")
    n["C1"] = build_node(Level.COMMUNITY, n["S1"], "和平社区", "510199001001")
    n["C2"] = build_node(Level.COMMUNITY, n["S1"], "团结社区", "510199001002")
    n["C3"] = build_node(Level.COMMUNITY, n["S2"], "友谊社区", "510199002001")
    n["C4"] = build_node(Level.COMMUNITY, n["S4"], "远方社区", "510198001001")
    n["G1"] = build_node(Level.GRID, n["C1"], "和平第一网格", "510199001001001")
    n["G2"] = build_node(Level.GRID, n["C1"], "和平第二网格", "510199001001002")
    n["G3"] = build_node(Level.GRID, n["C2"], "团结第一网格", "510199001002001")
    n["G4"] = build_node(Level.GRID, n["C3"], "友谊第一网格", "510199002001001")
    n["G5"] = build_node(Level.GRID, n["C4"], "远方第一网格", "510198001001001")
    for i, grid in enumerate(["G1", "G2", "G3", "G4", "G5"], start=1):
        compound = build_node(Level.COMPOUND, n[grid], f"{n[grid].name}小区", n[grid].code + "001")
        building = build_node(Level.BUILDING, compound, "1栋", compound.code + "001")
        n[f"P{i}"] = compound
        n[f"B{i}"] = building
    for role in Role.values:
        node = w.inside(role)
        w.users[role] = bootstrap_account(username=f"t_{role}", password=PASSWORD, role=role, node=node,
                                          full_name=str(Role(role).label))
    # A second account of the same district with no grant, for account-management tests.
    w.users["nobody"] = User.objects.create_user("t_nobody", PASSWORD, district=n["D1"])
    return w


def verify_second_factor(client, user) -> None:
    """Log ``user`` in on the Django test client with a verified TOTP device (for the admin roles)."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device, _created = TOTPDevice.objects.get_or_create(user=user, name="test", defaults={"confirmed": True})
    client.force_login(user)
    session = client.session
    session["otp_device_id"] = device.persistent_id
    session.save()


def login_as(client, user) -> None:
    """Log in on the test client as the role's user; administrators get their second factor verified."""
    if user.needs_second_factor:
        verify_second_factor(client, user)
    else:
        client.force_login(user)
