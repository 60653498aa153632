"""Figures of the social organization registry, live from the rows, at any level (district, street, community).

* organizations: registered (登记) vs filed (备案), by service field, by status (deregistered ones are counted
  by status only, never in the totals);
* registered residents per organization (the seeds compare 4,000 in China with 100–400 abroad);
* members: individual and unit (current memberships);
* council (理事会) seats and the share held by residents of the district (derived from the link to a resident);
* leadership posts and those held by ordinary residents (residents who are not cadres).

Every figure is a plain count over the copied territory columns, so it is the same at every level.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Q

from sanshe.territory.choices import Level, ResidentStatus

from .choices import ACTIVE, MemberKind, OrgStatus, ServiceField, Track
from .models import CouncilSeat, LeadershipPost, Member, Organization, resident_holder_q


@dataclass
class Figures:
    label: str = ""
    node_id: int | None = None
    registered: int = 0
    filed: int = 0
    by_status: dict = field(default_factory=dict)
    by_field: dict = field(default_factory=dict)
    agencies: int = 0
    residents: int = 0
    individual_members: int = 0
    unit_members: int = 0
    seats: int = 0
    seats_by_residents: int = 0
    posts: int = 0
    posts_by_ordinary_residents: int = 0

    @property
    def organizations(self) -> int:
        return self.registered + self.filed

    @property
    def residents_per_organization(self) -> int | None:
        return round(self.residents / self.organizations) if self.organizations else None

    @property
    def seat_resident_share(self) -> Decimal | None:
        """Share of council seats held by residents, in percent (0 decimals, half up)."""
        if not self.seats:
            return None
        return (Decimal(self.seats_by_residents) * 100 / self.seats).quantize(Decimal("1"), ROUND_HALF_UP)

    @property
    def post_ordinary_share(self) -> Decimal | None:
        if not self.posts:
            return None
        return (Decimal(self.posts_by_ordinary_residents) * 100 / self.posts).quantize(Decimal("1"), ROUND_HALF_UP)

    def field_rows(self):
        return [(ServiceField(k).label, v) for k, v in sorted(self.by_field.items(), key=lambda kv: -kv[1])]

    def status_rows(self):
        return [(OrgStatus(k).label, self.by_status.get(k, 0)) for k in OrgStatus.values]


def _column(node) -> str:
    return {Level.DISTRICT: "district_id", Level.STREET: "street_id", Level.COMMUNITY: "community_id"}[node.level]


def figures_for(node, *, label: str = "") -> Figures:
    """All figures of ``node`` (a district, street or community) counted from the rows."""
    from sanshe.territory.models import Resident

    col = _column(node)
    where = {col: node.pk}
    f = Figures(label=label or node.name, node_id=node.pk)
    orgs = Organization.objects.filter(**where)
    for row in orgs.values("track", "status").annotate(n=Count("pk")):
        f.by_status[row["status"]] = f.by_status.get(row["status"], 0) + row["n"]
        if row["status"] in ACTIVE:
            if row["track"] == Track.REGISTERED:
                f.registered += row["n"]
            else:
                f.filed += row["n"]
    active = orgs.filter(status__in=ACTIVE)
    f.by_field = dict(active.values("service_field").annotate(n=Count("pk")).values_list("service_field", "n"))
    f.agencies = active.filter(is_social_work_agency=True).count()
    f.residents = Resident.objects.filter(**where, status=ResidentStatus.REGISTERED).count()
    members = Member.objects.filter(**where, left_on__isnull=True, organization__status__in=ACTIVE).aggregate(
        individual=Count("pk", filter=Q(kind=MemberKind.INDIVIDUAL)), unit=Count("pk", filter=Q(kind=MemberKind.UNIT)))
    f.individual_members, f.unit_members = members["individual"], members["unit"]
    seats = CouncilSeat.objects.filter(**where, organization__status__in=ACTIVE).aggregate(
        total=Count("pk"), residents=Count("pk", filter=resident_holder_q()))
    f.seats, f.seats_by_residents = seats["total"], seats["residents"]
    posts = LeadershipPost.objects.filter(**where, organization__status__in=ACTIVE).aggregate(
        total=Count("pk"), ordinary=Count("pk", filter=resident_holder_q() & Q(holder_is_cadre=False)))
    f.posts, f.posts_by_ordinary_residents = posts["total"], posts["ordinary"]
    return f


def breakdown(node) -> list[Figures]:
    """The figures of each child (streets of a district, communities of a street); none below a community."""
    from sanshe.territory.models import Node

    child = {Level.DISTRICT: Level.STREET, Level.STREET: Level.COMMUNITY}.get(node.level)
    if child is None:
        return []
    children = Node.objects.filter(parent=node, level=child, is_active=True).order_by("code")
    return [figures_for(c) for c in children]
