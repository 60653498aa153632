"""The seeds' figures reproduced from rows, counted through the figures function and independently.

* Jinjiang (seed 000): 231 registered + 169 filed social organizations.
* Chaoyang (seed 004): 2,514 individual and 179 unit members; 195 of 256 council seats held by residents = 76%.
"""

from decimal import Decimal

import pytest

from sanshe.societies.choices import MemberKind, OrgStatus, SeatRole, Track
from sanshe.societies.figures_registry import breakdown, figures_for
from sanshe.societies.models import CouncilSeat, LeadershipPost, Member, Organization

from .registry_helpers import credit_code, residents, units

pytestmark = pytest.mark.django_db


def _orgs(node, n_registered, n_filed, start=0):
    rows = []
    for i in range(n_registered):
        o = Organization(name=f"登记{start + i}", track=Track.REGISTERED, credit_code=credit_code(start + i),
                         status=OrgStatus.REGISTERED, service_field="elderly" if i % 2 else "culture_sports")
        o.copy_ancestors_from(node)
        rows.append(o)
    for i in range(n_filed):
        o = Organization(name=f"备案{start + i}", track=Track.FILED, filing_number=f"BA{start + i:05d}",
                         status=OrgStatus.FILED if i % 3 else OrgStatus.INCUBATING, service_field="volunteering")
        o.copy_ancestors_from(node)
        rows.append(o)
    Organization.objects.bulk_create(rows)


def test_jinjiang_231_registered_and_169_filed(world):
    c1, c3 = world.nodes["C1"], world.nodes["C3"]
    _orgs(c1, 131, 100)
    _orgs(c3, 100, 69, start=1000)
    _orgs(world.nodes["C4"], 5, 5, start=5000)  # the other district: never counted
    gone = Organization(name="已注销", track=Track.FILED, filing_number="GONE", status=OrgStatus.DEREGISTERED)
    gone.copy_ancestors_from(c1)
    gone.save()
    f = figures_for(world.nodes["D1"])
    independent = Organization.objects.filter(district=world.nodes["D1"]).exclude(status="deregistered")
    assert (f.registered, f.filed) == (231, 169)
    assert f.registered == independent.filter(credit_code__gt="").count()
    assert f.filed == independent.filter(track="filed").count()
    assert f.by_status[OrgStatus.DEREGISTERED] == 1
    assert sum(f.by_field.values()) == 400
    streets = {row.label: row for row in breakdown(world.nodes["D1"])}
    assert streets["幸福街道"].organizations == 231 and streets["光明街道"].organizations == 169
    community = figures_for(c1)
    assert (community.registered, community.filed) == (131, 100)
    residents(world.nodes["G1"], 462)
    assert figures_for(c1).residents_per_organization == 2  # 462 residents / 231 organizations


def test_chaoyang_members_and_council_seats(world):
    c1 = world.nodes["C1"]
    _orgs(c1, 20, 12)
    orgs = list(Organization.objects.filter(community=c1).order_by("pk"))
    people = residents(world.nodes["G1"], 195)
    outsiders = residents(world.nodes["G5"], 10, prefix="外区")  # residents of another district
    firms = units(c1, 179)
    members = []
    for i in range(2514):
        org = orgs[i % len(orgs)]
        members.append(Member(organization=org, kind=MemberKind.INDIVIDUAL, name=f"会员{i}",
                              resident=people[i % 195] if i < 195 else None,
                              district_id=org.district_id, street_id=org.street_id, community_id=org.community_id))
    for i, unit in enumerate(firms):
        org = orgs[i % len(orgs)]
        members.append(Member(organization=org, kind=MemberKind.UNIT, name=unit.name, unit=unit,
                              district_id=org.district_id, street_id=org.street_id, community_id=org.community_id))
    left = Member(organization=orgs[0], kind=MemberKind.INDIVIDUAL, name="已退会", left_on="2025-01-01")
    left.copy_ancestors_from(c1)
    members.append(left)
    Member.objects.bulk_create(members, batch_size=500)
    seats = []
    for i in range(256):
        org = orgs[i % len(orgs)]
        if i < 195:
            holder = people[i]
        elif i < 205:
            holder = outsiders[i - 195]  # linked, but not a resident of this district
        else:
            holder = None
        seats.append(CouncilSeat(organization=org, role=SeatRole.DIRECTOR, holder_name=f"理事{i}", resident=holder,
                                 district_id=org.district_id, street_id=org.street_id, community_id=org.community_id))
    CouncilSeat.objects.bulk_create(seats)
    posts = []
    for i in range(68):
        org = orgs[i % len(orgs)]
        posts.append(LeadershipPost(organization=org, title="负责人", holder_name=f"负责人{i}",
                                    resident=people[i] if i < 50 else None, holder_is_cadre=i < 16,
                                    district_id=org.district_id, street_id=org.street_id,
                                    community_id=org.community_id))
    LeadershipPost.objects.bulk_create(posts)

    for node in (world.nodes["D1"], world.nodes["S1"], c1):
        f = figures_for(node)
        assert (f.individual_members, f.unit_members) == (2514, 179)
        assert (f.seats_by_residents, f.seats) == (195, 256)
        assert f.seat_resident_share == Decimal("76")
        assert (f.posts_by_ordinary_residents, f.posts) == (34, 68)  # half held by ordinary residents
    # Independent counts, straight from the rows.
    assert Member.objects.filter(district=world.nodes["D1"], kind="individual", left_on__isnull=True).count() == 2514
    assert Member.objects.filter(district=world.nodes["D1"], kind="unit").count() == 179
    by_link = [s for s in CouncilSeat.objects.select_related("resident")
               if s.resident and s.resident.district_id == s.district_id]
    assert len(by_link) == 195 and round(len(by_link) * 100 / CouncilSeat.objects.count()) == 76
    assert sum(p.held_by_ordinary_resident for p in LeadershipPost.objects.select_related("resident")) == 34
    assert figures_for(world.nodes["C2"]).seats == 0
