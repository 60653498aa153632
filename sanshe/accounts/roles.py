"""Roles, the levels of territory each may be granted at, and the permissions each carries.

This table is the single place that says who may do what; views, viewsets and services ask
``user.has_permission(code)`` (anywhere) or ``Model.objects.visible_to(user, code)`` (where).

The three platform administrators are separated (三权分立, 等保 2.0): the system administrator keeps
accounts and the territory structure, the security administrator grants roles and keeps login security, the
audit administrator reads the audit log. None of them reads residents' files, and no account may hold two of
these roles.
"""

from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _

from sanshe.territory.choices import Level


class Role(models.TextChoices):
    DISTRICT_ADMIN = "district_admin", _("District administrator")
    STREET_OFFICIAL = "street_official", _("Street official")
    COMMUNITY_WORKER = "community_worker", _("Community worker")
    GRID_INSTRUCTOR = "grid_instructor", _("Grid instructor")
    GRID_LEADER = "grid_leader", _("Grid leader")
    GRID_WORKER = "grid_worker", _("Grid worker")
    GROUP_LEADER = "group_leader", _("Residents' group leader")
    BUILDING_LEADER = "building_leader", _("Building leader")
    SOCIAL_ORG = "social_org", _("Social organization")
    SOCIAL_WORKER = "social_worker", _("Social worker")
    VOLUNTEER = "volunteer", _("Volunteer")
    RESIDENT_UNIT = "resident_unit", _("Resident unit")
    RESIDENT = "resident", _("Resident")
    SUPERVISOR = "supervisor", _("Supervisory committee")
    SYSTEM_ADMIN = "system_admin", _("System administrator")
    SECURITY_ADMIN = "security_admin", _("Security administrator")
    AUDIT_ADMIN = "audit_admin", _("Audit administrator")


ADMIN_ROLES = frozenset({Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN})

# The grid staff chain (网格指导员 · 网格长 · 网格员 · 居民小组长 · 楼栋长), top to bottom.
GRID_CHAIN = [Role.GRID_INSTRUCTOR, Role.GRID_LEADER, Role.GRID_WORKER, Role.GROUP_LEADER, Role.BUILDING_LEADER]


class Perm:
    """Permission codes. Keep them few and meaningful; each one is checked somewhere."""

    TERRITORY_VIEW = "territory.view"
    TERRITORY_MANAGE = "territory.manage"
    ACCOUNTS_VIEW = "accounts.view"
    ACCOUNTS_MANAGE = "accounts.manage"
    ROLES_GRANT = "accounts.grant"
    ADMIN_ROLES_GRANT = "accounts.grant_admin"
    SECURITY_MANAGE = "security.manage"
    AUDIT_VIEW = "audit.view"
    AUDIT_EXPORT = "audit.export"
    SYSTEM_HEALTH = "system.health"
    REGISTRY_VIEW = "registry.view"
    REGISTRY_MANAGE = "registry.manage"
    REGISTRY_IMPORT = "registry.import"
    REGISTRY_UNMASK = "registry.unmask"
    REGISTRY_EXPORT_UNMASKED = "registry.export_unmasked"
    REGISTRY_CONFIGURE = "registry.configure"


@dataclass(frozen=True)
class RoleSpec:
    levels: tuple[str, ...]
    permissions: frozenset[str]


_STAFF_VIEW = frozenset({Perm.TERRITORY_VIEW})
# Grid staff read their grid's register and keep it current; they see ID numbers and phones masked.
_GRID_STAFF = frozenset({Perm.TERRITORY_VIEW, Perm.REGISTRY_VIEW, Perm.REGISTRY_MANAGE})
_ANY_LEVEL = (Level.DISTRICT, Level.STREET, Level.COMMUNITY)

ROLE_SPECS: dict[str, RoleSpec] = {
    Role.DISTRICT_ADMIN: RoleSpec(
        (Level.DISTRICT,),
        frozenset({Perm.TERRITORY_VIEW, Perm.TERRITORY_MANAGE, Perm.ACCOUNTS_VIEW, Perm.ACCOUNTS_MANAGE,
                   Perm.ROLES_GRANT, Perm.REGISTRY_VIEW, Perm.REGISTRY_IMPORT, Perm.REGISTRY_CONFIGURE}),
    ),
    Role.STREET_OFFICIAL: RoleSpec((Level.STREET,), _STAFF_VIEW | {Perm.REGISTRY_VIEW, Perm.REGISTRY_UNMASK}),
    Role.COMMUNITY_WORKER: RoleSpec(
        (Level.COMMUNITY,),
        _STAFF_VIEW | {Perm.REGISTRY_VIEW, Perm.REGISTRY_MANAGE, Perm.REGISTRY_IMPORT, Perm.REGISTRY_UNMASK,
                       Perm.REGISTRY_EXPORT_UNMASKED},
    ),
    Role.GRID_INSTRUCTOR: RoleSpec((Level.GRID,), _GRID_STAFF),
    Role.GRID_LEADER: RoleSpec((Level.GRID,), _GRID_STAFF),
    Role.GRID_WORKER: RoleSpec((Level.GRID,), _GRID_STAFF),
    Role.GROUP_LEADER: RoleSpec((Level.GRID, Level.COMPOUND), _STAFF_VIEW | {Perm.REGISTRY_VIEW}),
    Role.BUILDING_LEADER: RoleSpec((Level.BUILDING,), _STAFF_VIEW | {Perm.REGISTRY_VIEW}),
    Role.SOCIAL_ORG: RoleSpec(_ANY_LEVEL, frozenset()),
    Role.SOCIAL_WORKER: RoleSpec(_ANY_LEVEL, frozenset()),
    Role.VOLUNTEER: RoleSpec(_ANY_LEVEL, frozenset()),
    Role.RESIDENT_UNIT: RoleSpec(_ANY_LEVEL, frozenset()),
    Role.RESIDENT: RoleSpec((Level.COMMUNITY, Level.GRID), frozenset()),
    Role.SUPERVISOR: RoleSpec((Level.COMMUNITY,), _STAFF_VIEW),
    Role.SYSTEM_ADMIN: RoleSpec(
        (Level.DISTRICT,),
        frozenset({Perm.TERRITORY_VIEW, Perm.TERRITORY_MANAGE, Perm.ACCOUNTS_VIEW, Perm.ACCOUNTS_MANAGE,
                   Perm.SYSTEM_HEALTH}),
    ),
    Role.SECURITY_ADMIN: RoleSpec(
        (Level.DISTRICT,),
        frozenset({Perm.ACCOUNTS_VIEW, Perm.ROLES_GRANT, Perm.ADMIN_ROLES_GRANT, Perm.SECURITY_MANAGE}),
    ),
    Role.AUDIT_ADMIN: RoleSpec((Level.DISTRICT,), frozenset({Perm.AUDIT_VIEW, Perm.AUDIT_EXPORT})),
}


def permissions_of(role: str) -> frozenset[str]:
    return ROLE_SPECS[role].permissions


def roles_with(permission: str) -> list[str]:
    return [role for role, spec in ROLE_SPECS.items() if permission in spec.permissions]
