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
    HANDLER = "handler", _("Department staff")
    WINDOW_CLERK = "window_clerk", _("Window clerk")
    DEPT_HANDLER = "dept_handler", _("Department service handler")
    PARTY_SECRETARY = "party_secretary", _("Community party secretary")
    HOTLINE_OPERATOR = "hotline_operator", _("Hotline operator")
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
    # Grid governance (社区治理云): events, dispatch, disputes, patrols.
    EVENTS_VIEW = "gridops.view"  # read the events of one's territory
    EVENTS_REPORT = "gridops.report"  # report an event (grid staff, desk, resident)
    EVENTS_DISPATCH = "gridops.dispatch"  # the desk: accept, file, dispatch, close, extensions, revisits
    EVENTS_HANDLE = "gridops.handle"  # a handling unit's staff: handle, feed back, return, ask for time
    EVENTS_VERIFY = "gridops.verify"  # grid staff verify on site
    EVENTS_SUPERVISE = "gridops.supervise"  # 督办 by street or district
    EVENTS_CONFIGURE = "gridops.configure"  # catalogue, responsibility table, handling units
    EVENTS_STATS = "gridops.stats"  # indicators and the dashboard
    DISPUTES_VIEW = "gridops.disputes_view"
    DISPUTES_MANAGE = "gridops.disputes_manage"
    PATROL = "gridops.patrol"
    # Service cloud (社区服务云 · 政务服务云): the one window, the departments' queues, certificates.
    SERVICES_VIEW = "servicedesk.view"  # read the applications, appointments and certificates of one's territory
    SERVICES_ACCEPT = "servicedesk.accept"  # a window: accept any item, take materials, book, hand back
    SERVICES_HANDLE = "servicedesk.handle"  # a department's staff: handle what was routed to the department
    SERVICES_CERTIFY = "servicedesk.certify"  # issue and revoke the community's certificates (证明)
    SERVICES_CONFIGURE = "servicedesk.configure"  # catalogue, stations, slots, certificate types
    SERVICES_STATS = "servicedesk.stats"  # per station and window: applications, on-time rate, satisfaction
    # 五单法 demand orders: 群众点单 → 社区党组织下单 → 社会组织接单 → 社区监委会督单 → 街道党工委验单.
    ORDERS_VIEW = "servicedesk.orders_view"  # read the needs and orders of one's territory
    ORDERS_PLACE = "servicedesk.orders_place"  # 点单: record a need (a resident his own; staff for residents)
    ORDERS_ISSUE = "servicedesk.orders_issue"  # 下单: the community party organization reviews, merges, issues
    ORDERS_TAKE = "servicedesk.orders_take"  # 接单: a provider (social organization) accepts or bids
    ORDERS_SUPERVISE = "servicedesk.orders_supervise"  # 督单: the supervisory committee records its checks
    ORDERS_VERIFY = "servicedesk.orders_verify"  # 验单: the street verifies, with the residents' evaluation
    # 12343 hotline, message box (信箱留言) and suggestions (建言献策).
    HOTLINE = "servicedesk.hotline"  # record calls, decide, follow up (回访)
    MESSAGES_ANSWER = "servicedesk.messages_answer"  # answer residents' messages and suggestions in public
    # Community work admission (社区工作准入): the approved list and the burden it puts on communities.
    ADMISSION_SUBMIT = "servicedesk.admission_submit"  # a department submits a task for communities
    ADMISSION_REVIEW = "servicedesk.admission_review"  # keep the approved list (工作指导目录), admit or refuse
    ADMISSION_VIEW = "servicedesk.admission_view"  # read the tasks and the burden page of one's territory
    # Social organizations (社会组织): registry (登记 / 备案), incubation, inspection, evaluation, members, council.
    SOCIETIES_VIEW = "societies.view"  # read the organizations of one's territory and their figures
    SOCIETIES_MANAGE = "societies.manage"  # register, file, incubate, inspect; members, council seats, posts
    SOCIETIES_EVALUATE = "societies.evaluate"  # score sheets (1000 points, 1A–5A) and the configurable cut-offs
    SOCIETIES_SELF = "societies.self"  # an organization's own staff: its own profile, members, council
    # Social workers (社工): certificates, subsidies, trainings; their professional practice.
    SOCIALWORK_VIEW = "socialwork.view"  # the roster, certificates, trainings, figures; case titles (never notes)
    SOCIALWORK_MANAGE = "socialwork.manage"  # keep the roster, certificates, posts and trainings
    SOCIALWORK_SUBSIDY = "socialwork.subsidy"  # the subsidy table and the monthly subsidy roll
    SOCIALWORK_PRACTICE = "socialwork.practice"  # a social worker's own cases (个案), groups (小组), activities
    # Volunteers (志愿者) and party members in service (在职党员报到).
    VOLUNTEERS_VIEW = "volunteers.view"  # the volunteers, teams, activities and figures of one's territory
    VOLUNTEERS_MANAGE = "volunteers.manage"  # register volunteers, teams, the community's activities, hours
    VOLUNTEERS_ORGANIZE = "volunteers.organize"  # an organization's staff: its own activities and their hours
    VOLUNTEERS_CONFIGURE = "volunteers.configure"  # points rules, star thresholds, the redemption catalogue
    VOLUNTEER_SELF = "volunteers.self"  # a volunteer: sign up, check in and out, own hours, points, time bank


@dataclass(frozen=True)
class RoleSpec:
    levels: tuple[str, ...]
    permissions: frozenset[str]


_STAFF_VIEW = frozenset({Perm.TERRITORY_VIEW})
# Grid staff read their grid's register and keep it current; they see ID numbers and phones masked.
_GRID_STAFF = frozenset({Perm.TERRITORY_VIEW, Perm.REGISTRY_VIEW, Perm.REGISTRY_MANAGE})
_ANY_LEVEL = (Level.DISTRICT, Level.STREET, Level.COMMUNITY)
# The three societies' people: what community, street and district staff keep and read.
_SOCIETIES_STAFF = frozenset({Perm.SOCIETIES_VIEW, Perm.SOCIETIES_MANAGE, Perm.SOCIALWORK_VIEW,
                              Perm.VOLUNTEERS_VIEW, Perm.VOLUNTEERS_MANAGE})
# Grid governance: the desk (community, street, district), grid staff in the field.
_DESK = frozenset({Perm.EVENTS_VIEW, Perm.EVENTS_REPORT, Perm.EVENTS_DISPATCH, Perm.EVENTS_STATS,
                   Perm.DISPUTES_VIEW, Perm.DISPUTES_MANAGE})
_WINDOW = frozenset({Perm.SERVICES_VIEW, Perm.SERVICES_ACCEPT, Perm.SERVICES_STATS, Perm.SERVICES_CERTIFY})
# The community's side of the service cloud beyond the window: needs and orders, messages, the burden page.
_COMMUNITY_SERVICES = frozenset({Perm.ORDERS_VIEW, Perm.ORDERS_PLACE, Perm.MESSAGES_ANSWER, Perm.ADMISSION_VIEW})
_FIELD = frozenset({Perm.EVENTS_VIEW, Perm.EVENTS_REPORT, Perm.EVENTS_VERIFY, Perm.DISPUTES_VIEW,
                    Perm.DISPUTES_MANAGE, Perm.PATROL})

ROLE_SPECS: dict[str, RoleSpec] = {
    Role.DISTRICT_ADMIN: RoleSpec(
        (Level.DISTRICT,),
        frozenset({Perm.TERRITORY_VIEW, Perm.TERRITORY_MANAGE, Perm.ACCOUNTS_VIEW, Perm.ACCOUNTS_MANAGE,
                   Perm.ROLES_GRANT, Perm.REGISTRY_VIEW, Perm.REGISTRY_IMPORT, Perm.REGISTRY_CONFIGURE,
                   Perm.EVENTS_SUPERVISE, Perm.EVENTS_CONFIGURE, Perm.SERVICES_VIEW, Perm.SERVICES_STATS,
                   Perm.SERVICES_CONFIGURE, Perm.ORDERS_VIEW, Perm.MESSAGES_ANSWER, Perm.ADMISSION_VIEW,
                   Perm.ADMISSION_REVIEW, Perm.SOCIETIES_EVALUATE, Perm.SOCIALWORK_MANAGE,
                   Perm.SOCIALWORK_SUBSIDY, Perm.VOLUNTEERS_CONFIGURE}) | _DESK | _SOCIETIES_STAFF,
    ),
    Role.STREET_OFFICIAL: RoleSpec(
        (Level.STREET,), _STAFF_VIEW | _DESK | {Perm.REGISTRY_VIEW, Perm.REGISTRY_UNMASK, Perm.EVENTS_SUPERVISE,
                                                Perm.SERVICES_VIEW, Perm.SERVICES_STATS, Perm.ORDERS_VIEW,
                                                Perm.ORDERS_VERIFY, Perm.MESSAGES_ANSWER, Perm.ADMISSION_VIEW,
                                                Perm.SOCIETIES_EVALUATE, Perm.SOCIALWORK_MANAGE} | _SOCIETIES_STAFF,
    ),
    Role.COMMUNITY_WORKER: RoleSpec(
        (Level.COMMUNITY,),
        _STAFF_VIEW | _DESK | _WINDOW | _COMMUNITY_SERVICES | {Perm.REGISTRY_VIEW, Perm.REGISTRY_MANAGE, Perm.REGISTRY_IMPORT,
                                         Perm.REGISTRY_UNMASK, Perm.REGISTRY_EXPORT_UNMASKED} | _SOCIETIES_STAFF,
    ),
    Role.GRID_INSTRUCTOR: RoleSpec((Level.GRID,), _GRID_STAFF | _FIELD),
    Role.GRID_LEADER: RoleSpec((Level.GRID,), _GRID_STAFF | _FIELD),
    Role.GRID_WORKER: RoleSpec((Level.GRID,), _GRID_STAFF | _FIELD),
    Role.GROUP_LEADER: RoleSpec((Level.GRID, Level.COMPOUND), _STAFF_VIEW | {Perm.REGISTRY_VIEW, Perm.EVENTS_REPORT}),
    Role.BUILDING_LEADER: RoleSpec((Level.BUILDING,), _STAFF_VIEW | {Perm.REGISTRY_VIEW, Perm.EVENTS_REPORT}),
    # A social organization's staff: its own profile, members and volunteer activities; the events dispatched to
    # it (as a handling unit) and the orders offered to it — nothing else of the territory.
    Role.SOCIAL_ORG: RoleSpec(_ANY_LEVEL, frozenset({Perm.EVENTS_HANDLE, Perm.ORDERS_TAKE, Perm.SOCIETIES_SELF,
                                                     Perm.VOLUNTEERS_ORGANIZE})),
    # A social worker: his own cases, groups and activities (and the residents he serves, masked).
    Role.SOCIAL_WORKER: RoleSpec(_ANY_LEVEL, frozenset({Perm.SOCIALWORK_PRACTICE, Perm.REGISTRY_VIEW})),
    Role.VOLUNTEER: RoleSpec(_ANY_LEVEL, frozenset({Perm.VOLUNTEER_SELF})),
    Role.RESIDENT_UNIT: RoleSpec(_ANY_LEVEL, frozenset()),
    # A resident reports events and follows (and rates) his own reports.
    Role.RESIDENT: RoleSpec((Level.COMMUNITY, Level.GRID), frozenset({Perm.EVENTS_REPORT, Perm.ORDERS_PLACE,
                                                                      Perm.VOLUNTEER_SELF})),
    Role.SUPERVISOR: RoleSpec((Level.COMMUNITY,), _STAFF_VIEW | {Perm.EVENTS_VIEW, Perm.DISPUTES_VIEW,
                                                                 Perm.ORDERS_VIEW, Perm.ORDERS_SUPERVISE}),
    # Staff of a street or district department (城管科, 住建局 …): the events dispatched to their unit.
    Role.HANDLER: RoleSpec((Level.STREET, Level.DISTRICT, Level.COMMUNITY), frozenset({Perm.EVENTS_HANDLE})),
    # The window of a community service station (一窗受理): any item, the registry to find the applicant.
    Role.WINDOW_CLERK: RoleSpec((Level.COMMUNITY,), _STAFF_VIEW | _WINDOW | {Perm.REGISTRY_VIEW}),
    # A department's service staff (人社、民政、残联 …): the applications routed to their department.
    Role.DEPT_HANDLER: RoleSpec((Level.DISTRICT, Level.STREET), frozenset({Perm.SERVICES_HANDLE,
                                                                          Perm.ADMISSION_SUBMIT})),
    # The community party organization's secretary (社区党组织书记): reviews needs and issues orders (下单).
    # Party members in service (在职党员报到) report to it and claim its posts.
    Role.PARTY_SECRETARY: RoleSpec((Level.COMMUNITY,), _STAFF_VIEW | {Perm.ORDERS_VIEW, Perm.ORDERS_PLACE,
                                                                      Perm.ORDERS_ISSUE, Perm.ADMISSION_VIEW,
                                                                      Perm.VOLUNTEERS_VIEW, Perm.VOLUNTEERS_MANAGE}),
    # 12343 hotline operators of the district: calls, the message box, suggestions; events for the grid.
    # A call may become an event (grid workflow), a service application or a demand order.
    Role.HOTLINE_OPERATOR: RoleSpec((Level.DISTRICT,), _STAFF_VIEW | {Perm.HOTLINE, Perm.MESSAGES_ANSWER,
                                                                      Perm.EVENTS_REPORT, Perm.SERVICES_VIEW,
                                                                      Perm.SERVICES_ACCEPT, Perm.ORDERS_VIEW,
                                                                      Perm.ORDERS_PLACE}),
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
