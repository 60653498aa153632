"""Party members in service: reporting, posts, claims, hours counting like volunteers', figures from data."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from sanshe.accounts.roles import Role
from sanshe.core.exceptions import OutOfScope
from sanshe.volunteers import services_party as sp
from sanshe.volunteers import services_rewards as sr
from sanshe.volunteers.choices import RecordSource, RecordState
from sanshe.volunteers.choices_rewards import RuleKind
from sanshe.volunteers.models import ServiceRecord
from sanshe.volunteers.models_party import PartyPost, PartyReport, PostClaim

from .helpers_rewards import make_record, make_volunteer

pytestmark = pytest.mark.django_db


def test_member_reports_claims_and_his_post_hours_count_like_a_volunteers(world):
    admin, worker, member_user = (world.user(r) for r in (Role.DISTRICT_ADMIN, Role.COMMUNITY_WORKER,
                                                          Role.VOLUNTEER))
    sr.save_point_rule(actor=admin, district=world.nodes["D1"], name="每小时10分", kind=RuleKind.PER_HOUR, points=10,
                       effective_from=dt.date(2020, 1, 1))
    member = make_volunteer(world.nodes["C1"], "陈党员", user=member_user)
    plain = make_volunteer(world.nodes["C1"], "普通志愿者")
    row = sp.report(actor=member_user, community=world.nodes["C1"], work_unit="区税务局", party_branch="第一支部")
    member.refresh_from_db()
    assert member.is_party_member
    with pytest.raises(ValidationError):
        sp.report(actor=member_user, community=world.nodes["C1"], work_unit="区税务局", party_branch="第一支部")
    post = sp.save_post(actor=worker, community=world.nodes["C1"], title="楼栋文明劝导", slots=1)
    claim = sp.claim(post, actor=member_user)
    with pytest.raises(ValidationError):
        sp.claim(post, actor=member_user)  # already claimed
    record = sp.record_service(claim, actor=worker, started_at=timezone.now() - dt.timedelta(days=1), hours=3)
    assert record.source == RecordSource.PARTY_POST and record.state == RecordState.PENDING
    assert sr.points_balance(member) == 0
    sp.confirm_service(record, actor=worker)
    make_record(plain, 3)
    # the same three hours earn the same points, time bank and star hours as a volunteer's activity
    assert sr.points_balance(member) == sr.points_balance(plain) == 30
    assert sr.time_balance(member) == sr.time_balance(plain) == Decimal(3)
    assert sr.confirmed_hours(member) == sr.confirmed_hours(plain) == Decimal(3)
    with pytest.raises(ValidationError):
        sp.confirm_service(record, actor=worker)
    assert row.community_id == world.nodes["C1"].pk


def test_slots_and_scope(world):
    worker = world.user(Role.COMMUNITY_WORKER)
    secretary = world.user(Role.PARTY_SECRETARY)
    a, b = make_volunteer(world.nodes["C1"], "甲"), make_volunteer(world.nodes["C1"], "乙")
    ra = sp.report(actor=worker, community=world.nodes["C1"], work_unit="单位甲", party_branch="支部", volunteer=a)
    rb = sp.report(actor=secretary, community=world.nodes["C1"], work_unit="单位乙", party_branch="支部", volunteer=b)
    post = sp.save_post(actor=secretary, community=world.nodes["C1"], title="助老服务", slots=1)
    sp.claim(post, actor=worker, report_row=ra)
    with pytest.raises(ValidationError):
        sp.claim(post, actor=worker, report_row=rb)
    with pytest.raises(OutOfScope):
        sp.save_post(actor=worker, community=world.nodes["C2"], title="外社区", slots=1)


def test_figures_per_community_from_data(world):
    worker = world.user(Role.DISTRICT_ADMIN)
    expected = {}
    for code, members, posts, hours in (("C1", 3, 2, [2, 3]), ("C2", 2, 1, [4]), ("C3", 1, 1, [])):
        community = world.nodes[code]
        reports = [sp.report(actor=worker, community=community, work_unit="单位", party_branch="支部",
                             volunteer=make_volunteer(community, f"{code}党员{i}")) for i in range(members)]
        made = [sp.save_post(actor=worker, community=community, title=f"岗位{i}", slots=5) for i in range(posts)]
        for i, h in enumerate(hours):
            claim = sp.claim(made[0], actor=worker, report_row=reports[i])
            record = sp.record_service(claim, actor=worker, started_at=timezone.now() - dt.timedelta(hours=30),
                                       hours=h)
            sp.confirm_service(record, actor=worker)
        expected[community.pk] = (members, posts, len(hours), Decimal(sum(hours)))
    # one pending record, one member who left: neither counts
    claim = PostClaim.objects.filter(community=world.nodes["C1"]).first()
    sp.record_service(claim, actor=worker, started_at=timezone.now() - dt.timedelta(hours=3), hours=9)
    extra = sp.report(actor=worker, community=world.nodes["C1"], work_unit="单位", party_branch="支部",
                      volunteer=make_volunteer(world.nodes["C1"], "离开的"))
    sp.leave(extra, actor=worker)
    communities = [world.nodes[c] for c in ("C1", "C2", "C3")]
    rows = sp.figures(communities)
    got = {r["community"].pk: (r["reported"], r["posts"], r["claims"], r["hours"]) for r in rows}
    independent = {}
    for c in communities:
        independent[c.pk] = (
            sum(1 for r in PartyReport.objects.all() if r.community_id == c.pk and r.left_on is None),
            sum(1 for p in PartyPost.objects.all() if p.community_id == c.pk),
            sum(1 for cl in PostClaim.objects.all() if cl.community_id == c.pk and cl.state == "claimed"),
            sum((r.hours for r in ServiceRecord.objects.all() if r.community_id == c.pk
                 and r.source == "party_post" and r.state == "confirmed"), Decimal(0)))
    assert got == independent == expected
    assert sp.totals(rows) == {"reported": 6, "posts": 4, "claims": 3, "hours": Decimal(9)}


def test_household_file_shows_party_hours_and_time_bank_services(world):
    from sanshe.territory.models import Household, HouseholdTimelineEntry

    from .helpers_rewards import make_resident

    worker = world.user(Role.COMMUNITY_WORKER)
    household = Household(number="RW-1")
    household.copy_ancestors_from(world.nodes["G1"])
    household.save()
    member_resident = make_resident(world.nodes["G1"], "陈党员", dt.date(1980, 1, 1))
    elder = make_resident(world.nodes["G1"], "陈奶奶", dt.date(1940, 1, 1))
    for r in (member_resident, elder):
        r.household = household
        r.save()
    member = make_volunteer(world.nodes["C1"], "陈党员")
    member.resident = member_resident
    member.save()
    row = sp.report(actor=worker, community=world.nodes["C1"], work_unit="单位", party_branch="支部", volunteer=member)
    post = sp.save_post(actor=worker, community=world.nodes["C1"], title="助老岗", slots=1)
    claim = sp.claim(post, actor=worker, report_row=row)
    record = sp.record_service(claim, actor=worker, started_at=timezone.now() - dt.timedelta(days=1), hours=4)
    sp.confirm_service(record, actor=worker)
    sr.withdraw_hours(actor=worker, beneficiary=elder, hours=1, volunteer=member, note="助浴")
    kinds = sorted(HouseholdTimelineEntry.objects.filter(household=household).values_list("kind", flat=True))
    assert kinds == ["volunteers.service", "volunteers.timebank"]
