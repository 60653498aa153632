"""The navigation bar as one table: groups of links, each shown when the user holds what it needs.

A group with one or two links the user may follow is drawn inline; a bigger one becomes a menu (a ``<details>``
dropdown, no script needed), so a district administrator's bar stays one line while a grid worker still sees his
few links at once. Each app adds its links here, not in ``base.html``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

# A user with at most FLAT_UP_TO links sees them all inline; beyond that, groups of more than INLINE_UP_TO links
# become menus.
FLAT_UP_TO = 10
INLINE_UP_TO = 2


def has(*perms: str) -> Callable[[frozenset], bool]:
    return lambda held: all(p in held for p in perms)


def has_without(perm: str, without: str) -> Callable[[frozenset], bool]:
    return lambda held: perm in held and without not in held


def names(*url_names: str) -> Callable[[str, str], bool]:
    return lambda namespace, name: name in url_names


def containing(namespace: str, part: str) -> Callable[[str, str], bool]:
    return lambda ns, name: ns == namespace and part in name


def in_namespace(namespace: str) -> Callable[[str, str], bool]:
    return lambda ns, name: ns == namespace


@dataclass(frozen=True)
class Link:
    url_name: str
    label: object
    show: Callable[[frozenset], bool]
    active: Callable[[str, str], bool] | None = None
    # A label that depends on the permissions (the dispatch desk is "Events" for those who only read them).
    label_for: Callable[[frozenset], object] | None = None


@dataclass(frozen=True)
class Group:
    label: object
    links: tuple[Link, ...]


GROUPS: tuple[Group, ...] = (
    Group(_("Territory and residents"), (
        Link("territory:browser", _("Territory"), has("territory.view"),
             lambda ns, name: ns == "territory" and name != "resident_search"),
        Link("territory:resident_search", _("Residents"), has("registry.view"), names("resident_search")),
    )),
    Group(_("Governance"), (
        Link("gridops:my_tasks", _("My tasks"), has("gridops.view", "gridops.verify"), names("my_tasks")),
        Link("gridops:event_report", _("Report an event"), has("gridops.report"), names("event_report")),
        Link("gridops:my_reports", _("My reports"), has_without("gridops.report", "gridops.view"),
             names("my_reports")),
        Link("gridops:handler_queue", _("Work orders"), has("gridops.handle"), names("handler_queue")),
        Link("gridops:event_list", _("Events"), has("gridops.view"), names("event_list"),
             label_for=lambda held: _("Dispatch desk") if "gridops.dispatch" in held else _("Events")),
        Link("gridops:event_map", _("Event map"), has("gridops.view"), names("event_map")),
        Link("gridops:dispute_list", _("Disputes"), has("gridops.disputes_view"), containing("gridops", "dispute")),
        Link("gridops:patrol_my", _("Patrol"), has("gridops.patrol"), containing("gridops", "patrol")),
        Link("gridops:dashboard", _("Governance figures"), has("gridops.stats"), names("dashboard")),
        Link("gridops:category_list", _("Event settings"), has("gridops.configure"), names("category_list")),
    )),
    Group(_("Services"), (
        Link("servicedesk:window", _("One window"), has("servicedesk.accept"), names("window")),
        Link("servicedesk:queue", _("Service queue"), has("servicedesk.handle"), names("queue")),
        Link("servicedesk:application_list", _("Applications"), has("servicedesk.view"),
             names("application_list", "application_detail")),
        Link("servicedesk:appointment_list", _("Appointments"), has("servicedesk.accept"), names("appointment_list")),
        Link("servicedesk:certificate_list", _("Certificates"), has("servicedesk.certify"),
             containing("servicedesk", "certificate")),
        Link("servicedesk:stats", _("Service figures"), has("servicedesk.stats"), names("stats")),
        Link("servicedesk:need_list", _("My needs"),
             has_without("servicedesk.orders_place", "servicedesk.orders_view"), containing("servicedesk", "need")),
        Link("servicedesk:order_desk", _("Order desk"), has("servicedesk.orders_issue"), names("order_desk")),
        Link("servicedesk:order_list", _("Demand orders"), has("servicedesk.orders_view"),
             names("order_list", "order_detail")),
        Link("servicedesk:offer_list", _("Orders offered"), has("servicedesk.orders_take"),
             containing("servicedesk", "offer")),
        Link("servicedesk:admission_task_list", _("Tasks for communities"), has("servicedesk.admission_submit"),
             containing("servicedesk", "admission_task")),
        Link("servicedesk:admission_review", _("Admission review"), has("servicedesk.admission_review"),
             containing("servicedesk", "admission_review")),
        Link("servicedesk:admission_burden", _("Work burden"), has("servicedesk.admission_view"),
             containing("servicedesk", "admission_burden")),
        Link("servicedesk:hotline_desk", _("Hotline 12343"), has("servicedesk.hotline"),
             containing("servicedesk", "hotline")),
        Link("servicedesk:message_inbox", pgettext_lazy("message box", "Messages"), has("servicedesk.messages_answer"),
             names("message_inbox", "message_detail")),
        Link("servicedesk:item_list", _("Service catalogue"), has("servicedesk.configure"), names("item_list")),
    )),
    Group(_("Social forces"), (
        # Social organizations (社会组织).
        Link("societies:own_list", _("My organization"), has("societies.self"), containing("societies", "own")),
        Link("societies:list", _("Social organizations"), has("societies.view"),
             lambda ns, name: name not in ("figures", "config")),
        Link("societies:figures", _("Organization figures"), has("societies.view"), names("figures")),
        Link("societies:config", _("Evaluation cut-offs"), has("societies.evaluate"), names("config")),
        # Social workers (社工) and their practice.
        Link("socialwork:my_profile", _("My social work"), has("socialwork.practice"), names("my_profile")),
        Link("socialwork:practice_my_cases", _("My cases"), has("socialwork.practice"),
             lambda ns, name: name.startswith("practice_") and "case" in name),
        Link("socialwork:practice_my_groups", _("My groups"), has("socialwork.practice"),
             lambda ns, name: name.startswith("practice_my_group") or name in ("practice_group", "practice_group_create")),
        Link("socialwork:worker_list", _("Social workers"), has("socialwork.view"),
             lambda ns, name: name.startswith("worker") and name != "worker_figures"),
        Link("socialwork:practice_cases", _("Cases and groups"), has("socialwork.view"),
             lambda ns, name: name in ("practice_cases", "practice_case_staff", "practice_groups",
                                       "practice_group_staff", "practice_activities")),
        Link("socialwork:training_list", _("Trainings"), has("socialwork.view"), containing("socialwork", "training")),
        Link("socialwork:worker_figures", _("Social work figures"), has("socialwork.view"),
             names("worker_figures", "practice_figures")),
        Link("socialwork:subsidy_roll", _("Subsidy roll"), has("socialwork.subsidy"),
             containing("socialwork", "subsidy")),
        # Volunteers (志愿者) and party members in service (在职党员).
        Link("volunteers:my_home", _("Volunteer service"), has("volunteers.self"),
             lambda ns, name: name.startswith("my_")),
        Link("volunteers:org_activity_list", _("Our activities"), has("volunteers.organize"),
             containing("volunteers", "org_")),
        Link("volunteers:volunteer_list", pgettext_lazy("people", "Volunteers"), has("volunteers.view"),
             lambda ns, name: name.startswith("volunteer") or name == "rewards_volunteer"),
        Link("volunteers:activity_list", _("Volunteer activities"), has("volunteers.view"),
             lambda ns, name: name.startswith("activity") or name.startswith("team")),
        Link("volunteers:party_home", _("Party members in service"), has("volunteers.manage"),
             containing("volunteers", "party")),
        Link("volunteers:rewards_nominations", _("Points and recognition"), has("volunteers.manage"),
             lambda ns, name: name.startswith("rewards_") and name not in ("rewards_config", "rewards_catalogue",
                                                                          "rewards_volunteer")),
        Link("volunteers:figures", _("Volunteer figures"), has("volunteers.view"), names("figures")),
        Link("volunteers:rewards_config", _("Volunteer settings"), has("volunteers.configure"),
             names("rewards_config", "rewards_catalogue")),
    )),
    Group(_("Administration"), (
        Link("accounts:user_list", _("Accounts"), has("accounts.view"), names("user_list", "user_detail")),
        Link("accounts:security", _("Security"), has("security.manage"), names("security")),
        Link("audit:list", _("Audit log"), has("audit.view"), in_namespace("audit")),
    )),
)


@dataclass
class ShownLink:
    url: str
    label: object
    active: bool


@dataclass
class ShownGroup:
    label: object
    links: list[ShownLink]
    inline: bool = True

    @property
    def active(self) -> bool:
        return any(link.active for link in self.links)


def navigation(permissions, resolver_match) -> list[ShownGroup]:
    """The groups and links this user may follow, with the current page's link marked."""
    held = frozenset(permissions)
    namespace = getattr(resolver_match, "namespace", "") or ""
    name = getattr(resolver_match, "url_name", "") or ""
    shown = []
    for group in GROUPS:
        links = []
        for link in group.links:
            if not link.show(held):
                continue
            try:
                url = reverse(link.url_name)
            except NoReverseMatch:  # an app that is not installed
                continue
            label = link.label_for(held) if link.label_for else link.label
            own_namespace = link.url_name.partition(":")[0]
            active = namespace == own_namespace and link.active is not None and link.active(namespace, name)
            links.append(ShownLink(url, label, active))
        if links:
            shown.append(ShownGroup(group.label, links))
    if sum(len(group.links) for group in shown) > FLAT_UP_TO:
        for group in shown:
            group.inline = len(group.links) <= INLINE_UP_TO
    return shown
