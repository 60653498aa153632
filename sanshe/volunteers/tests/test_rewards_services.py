"""Rewards services: points ledger and rules, redemption, star levels, time bank, certificates, nominations."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db.models import Sum

from sanshe.accounts.roles import Role
from sanshe.core.exceptions import Denied, OutOfScope
from sanshe.core.models import AuditEntry
from sanshe.territory.choices import Level
from sanshe.volunteers import services_rewards as sr
from sanshe.volunteers.choices import RecordSource, RecordState
from sanshe.volunteers.choices_rewards import NominationState, PointKind, RedemptionState, RuleKind, TimeKind
from sanshe.volunteers.models import ServiceRecord
from sanshe.volunteers.models_rewards import CatalogueItem, PointEntry, TimeBankEntry

from .helpers_rewards import aware, make_record, make_resident, make_volunteer

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(world):
    return world.user(Role.DISTRICT_ADMIN)


@pytest.fixture
def worker(world):
    return world.user(Role.COMMUNITY_WORKER)


@pytest.fixture
def vol_user(world):
    return world.user(Role.VOLUNTEER)


@pytest.fixture
def vol(world, vol_user):
    return make_volunteer(world.nodes["C1"], "王小明", user=vol_user, id_number="110105199001011234")


def _rule(admin, world, points, kind=RuleKind.PER_HOUR, **kw):
    kw.setdefault("effective_from", dt.date(2020, 1, 1))
    return sr.save_point_rule(actor=admin, district=world.nodes["D1"], name=kw.pop("name", f"规则{points}"),
                              kind=kind, points=points, **kw)


# --- points ---------------------------------------------------------------------------------------------------
def test_points_per_hour_and_bonus_follow_the_rules_in_effect(world, admin, vol):
    _rule(admin, world, 10, effective_until=dt.date(2024, 12, 31))
    _rule(admin, world, 20, effective_from=dt.date(2025, 1, 1))
    _rule(admin, world, 5, kind=RuleKind.BONUS, source=RecordSource.PARTY_POST)
    old = make_record(vol, 2, started_at=aware(2024, 6, 1))
    new = make_record(vol, "1.5", started_at=aware(2025, 6, 1))
    party = make_record(vol, 1, started_at=aware(2025, 6, 2), source=RecordSource.PARTY_POST)
    pending = make_record(vol, 8, state=RecordState.PENDING)
    earned = {e.record_id: e.points for e in PointEntry.objects.filter(kind=PointKind.EARNED)}
    assert earned == {old.pk: 20, new.pk: 30, party.pk: 25}
    assert pending.pk not in earned
    assert sr.points_balance(vol) == 75


def test_most_specific_hourly_rule_wins(world, admin, vol):
    from sanshe.societies.models import Organization

    org = Organization(name="锦华义工协会", track="filed", status="filed")
    org.copy_ancestors_from(world.nodes["C1"])
    org.save()
    _rule(admin, world, 10)
    _rule(admin, world, 30, organization=org)
    a = make_record(vol, 1, organization=org)
    b = make_record(vol, 1)
    points = dict(PointEntry.objects.values_list("record_id", "points"))
    assert points == {a.pk: 30, b.pk: 10}


def test_a_record_earns_once(world, admin, vol):
    from sanshe.volunteers import rewards

    _rule(admin, world, 10)
    record = make_record(vol, 3)
    rewards.on_hours_confirmed(record)
    assert PointEntry.objects.filter(record=record).count() == 1
    assert TimeBankEntry.objects.filter(record=record, kind=TimeKind.DEPOSIT).count() == 1


def test_rules_need_configure_and_their_district(world, worker, admin):
    with pytest.raises(Denied):
        sr.save_point_rule(actor=worker, district=world.nodes["D1"], name="x", kind=RuleKind.PER_HOUR, points=1,
                           effective_from=dt.date(2025, 1, 1))
    with pytest.raises(OutOfScope):
        sr.save_point_rule(actor=admin, district=world.nodes["D2"], name="x", kind=RuleKind.PER_HOUR, points=1,
                           effective_from=dt.date(2025, 1, 1))
    with pytest.raises(ValidationError) as exc:
        _rule(admin, world, 10, effective_from=dt.date(2025, 1, 1), effective_until=dt.date(2024, 1, 1))
    assert "effective_until" in exc.value.message_dict


def test_adjustment_needs_reason_and_never_goes_negative(world, admin, worker, vol):
    _rule(admin, world, 10)
    make_record(vol, 1)
    with pytest.raises(ValidationError):
        sr.adjust_points(vol, actor=worker, points=5, reason="")
    with pytest.raises(ValidationError) as exc:
        sr.adjust_points(vol, actor=worker, points=-11, reason="更正")
    assert "points" in exc.value.message_dict
    sr.adjust_points(vol, actor=worker, points=-10, reason="更正")
    assert sr.points_balance(vol) == 0
    assert AuditEntry.objects.filter(action="volunteers.points.adjusted").exists()


# --- the catalogue and redemption ------------------------------------------------------------------------------
@pytest.fixture
def item(world, admin):
    partner = sr.save_partner(actor=admin, community=world.nodes["C1"], name="和平超市")
    return sr.save_item(actor=admin, partner=partner, name="洗衣液一瓶", points=30, stock=2)


def test_redemption_checks_balance_and_stock(world, admin, worker, vol, vol_user, item):
    _rule(admin, world, 10)
    make_record(vol, 5)  # 50 points
    with pytest.raises(ValidationError):
        sr.redeem(item, actor=world.user(Role.RESIDENT))  # not a volunteer
    r1 = sr.redeem(item, actor=vol_user)
    assert sr.points_balance(vol) == 20
    with pytest.raises(ValidationError) as exc:
        sr.redeem(item, actor=vol_user)
    assert "Not enough points" in str(exc.value) or "积分不足" in str(exc.value)
    sr.adjust_points(vol, actor=worker, points=100, reason="表彰")
    sr.redeem(item, actor=vol_user)
    item.refresh_from_db()
    assert item.stock == 0
    with pytest.raises(ValidationError):
        sr.redeem(item, actor=vol_user)  # out of stock
    sr.close_redemption(r1, actor=worker, used=False)
    item.refresh_from_db()
    assert item.stock == 1
    r1.refresh_from_db()
    assert r1.state == RedemptionState.CANCELLED
    with pytest.raises(ValidationError):
        sr.close_redemption(r1, actor=worker, used=True)
    # balance = the ledger's sum, never negative
    assert sr.points_balance(vol) == 50 - 30 + 100 - 30 + 30 == PointEntry.objects.filter(
        volunteer=vol).aggregate(s=Sum("points"))["s"]


def test_redemption_outside_the_volunteers_reach_is_404(world, admin, vol, vol_user):
    admin2_item = CatalogueItem(name="外区", points=1, stock=5, partner=sr.PartnerUnit.objects.create(
        name="外区商家", district=world.nodes["D2"], street=world.nodes["S4"], community=world.nodes["C4"]))
    admin2_item.copy_ancestors_from(world.nodes["C4"])
    admin2_item.save()
    with pytest.raises(OutOfScope):
        sr.redeem(admin2_item, actor=vol_user)


@pytest.mark.django_db(transaction=True)
def test_concurrent_redemptions_cannot_overdraw():
    """Two redemptions at once of a balance that covers one: the lock on the volunteer's row lets one through."""
    import threading

    from django.db import connection

    from sanshe.core.testing import build_world

    if connection.vendor == "sqlite":
        pytest.skip("row locks need PostgreSQL")
    world = build_world()
    admin, vol_user = world.user(Role.DISTRICT_ADMIN), world.user(Role.VOLUNTEER)
    vol = make_volunteer(world.nodes["C1"], user=vol_user)
    partner = sr.save_partner(actor=admin, community=world.nodes["C1"], name="和平超市")
    items = [sr.save_item(actor=admin, partner=partner, name=f"物品{i}", points=30, stock=5) for i in range(2)]
    sr.save_point_rule(actor=admin, district=world.nodes["D1"], name="每小时", kind=RuleKind.PER_HOUR, points=10,
                       effective_from=dt.date(2020, 1, 1))
    make_record(vol, 4)  # 40 points: one item only
    results = []
    barrier = threading.Barrier(2)

    def go(it):
        try:
            barrier.wait()
            sr.redeem(it, actor=vol_user)
            results.append("ok")
        except ValidationError:
            results.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=go, args=(it,)) for it in items]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert sorted(results) == ["ok", "refused"]
    assert sr.points_balance(vol) == 10


# --- star levels -----------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("hours", "stars"), [("99.99", 0), (100, 1), ("299.5", 1), (300, 2), (600, 3),
                                              (999, 3), (1000, 4), (1500, 5), (4000, 5)])
def test_default_star_thresholds_on_the_boundaries(world, vol, hours, stars):
    make_record(vol, hours)
    level = sr.star_level(vol)
    assert level["stars"] == stars
    assert level["thresholds"] == [100, 300, 600, 1000, 1500]


def test_beijing_thresholds_from_their_effective_date(world, admin, vol):
    sr.save_star_scheme(actor=admin, district=world.nodes["D1"], name="北京标准", thresholds=[100, 200, 500, 800, 1000],
                        effective_from=dt.date(2025, 1, 1))
    make_record(vol, 250, started_at=aware(2024, 6, 1))
    make_record(vol, 550, started_at=aware(2025, 3, 1))
    # 2024-12-31: the default scheme, 250 hours → 1 star
    assert sr.star_level(vol, dt.date(2024, 12, 31))["stars"] == 1
    # 2025-01-01: Beijing's, 250 → 2 stars
    on_day = sr.star_level(vol, dt.date(2025, 1, 1))
    assert (on_day["stars"], on_day["next_at"], on_day["to_next"]) == (2, 500, Decimal(250))
    # 2025-03-01: 800 hours → 4 stars exactly at Beijing's threshold; next 1000
    level = sr.star_level(vol, dt.date(2025, 3, 1))
    assert (level["stars"], level["next_at"], level["progress"]) == (4, 1000, 0)
    with pytest.raises(ValidationError):
        sr.save_star_scheme(actor=admin, district=world.nodes["D1"], name="错", thresholds=[100, 90, 500, 800, 1000],
                            effective_from=dt.date(2025, 1, 1))


def test_star_level_counts_confirmed_hours_only(world, vol):
    make_record(vol, 150, state=RecordState.PENDING)
    make_record(vol, 150, state=RecordState.REJECTED)
    make_record(vol, 99)
    assert sr.star_level(vol)["stars"] == 0


# --- time bank -------------------------------------------------------------------------------------------------
def test_deposit_above_the_cap_goes_to_the_pool(world, admin, vol):
    sr.save_time_cap(actor=admin, district=world.nodes["D1"], hours=1500, effective_from=dt.date(2020, 1, 1))
    make_record(vol, 1490)
    make_record(vol, 25)
    assert sr.time_balance(vol) == Decimal(1500)
    assert sr.pool_balance(world.nodes["D1"].pk) == Decimal(15)
    assert TimeBankEntry.objects.filter(kind=TimeKind.CAP_DONATE).get().hours == Decimal(-15)
    make_record(vol, 3)
    assert sr.time_balance(vol) == Decimal(1500)
    assert sr.pool_balance(world.nodes["D1"].pk) == Decimal(18)


def test_cap_is_configurable_with_effective_date(world, admin, vol):
    sr.save_time_cap(actor=admin, district=world.nodes["D1"], hours=10, effective_from=dt.date(2020, 1, 1))
    sr.save_time_cap(actor=admin, district=world.nodes["D1"], hours=20, effective_from=dt.date(2999, 1, 1))
    make_record(vol, 12)
    assert sr.time_balance(vol) == Decimal(10)
    assert sr.time_cap(world.nodes["D1"].pk, dt.date(2999, 1, 2)) == Decimal(20)


def test_transfer_donate_withdraw_never_negative(world, admin, worker, vol, vol_user):
    other = make_volunteer(world.nodes["C1"], "王母亲")
    make_record(vol, 10)
    with pytest.raises(ValidationError):
        sr.transfer_hours(vol, other, actor=vol_user, hours=11)
    sr.transfer_hours(vol, other, actor=vol_user, hours=4)
    with pytest.raises(Denied):
        sr.transfer_hours(other, vol, actor=vol_user, hours=1)  # not his account
    sr.donate_hours(vol, actor=vol_user, hours=2)
    with pytest.raises(ValidationError):
        sr.donate_hours(vol, actor=vol_user, hours=5)
    assert (sr.time_balance(vol), sr.time_balance(other)) == (Decimal(4), Decimal(4))
    elder = make_resident(world.nodes["G1"], "张奶奶", dt.date(1940, 1, 1))
    young = make_resident(world.nodes["G1"], "小张", dt.date(2000, 1, 1))
    with pytest.raises(ValidationError):
        sr.withdraw_hours(actor=worker, beneficiary=young, hours=1, volunteer=other)
    sr.withdraw_hours(actor=worker, beneficiary=elder, hours=4, volunteer=other)
    with pytest.raises(ValidationError):
        sr.withdraw_hours(actor=worker, beneficiary=elder, hours="0.5", volunteer=other)
    sr.withdraw_hours(actor=worker, beneficiary=elder, hours=2)  # from the pool
    with pytest.raises(ValidationError):
        sr.withdraw_hours(actor=worker, beneficiary=elder, hours=1)
    assert sr.pool_balance(world.nodes["D1"].pk) == 0
    assert sr.time_balance(other) == 0
    for v in (vol, other):
        running = Decimal(0)
        for e in TimeBankEntry.objects.filter(volunteer=v).order_by("at", "pk"):
            running += e.hours
            assert running >= 0


def test_transfer_refused_above_the_recipients_cap(world, admin, vol, vol_user):
    sr.save_time_cap(actor=admin, district=world.nodes["D1"], hours=10, effective_from=dt.date(2020, 1, 1))
    other = make_volunteer(world.nodes["C1"], "王父亲")
    make_record(other, 9)
    make_record(vol, 5)
    with pytest.raises(ValidationError):
        sr.transfer_hours(vol, other, actor=vol_user, hours=2)
    sr.transfer_hours(vol, other, actor=vol_user, hours=1)
    assert sr.time_balance(other) == Decimal(10)


# --- certificates ----------------------------------------------------------------------------------------------
def test_certificate_freezes_the_issuers_confirmed_service(world, worker, vol):
    make_record(vol, 3, started_at=aware(2025, 3, 1), content="敬老助餐")
    make_record(vol, 2, started_at=aware(2025, 4, 1), content="敬老助餐")
    make_record(vol, 7, started_at=aware(2025, 4, 2), state=RecordState.PENDING)
    make_record(vol, 9, started_at=aware(2025, 4, 3), node=world.nodes["C2"])  # another community organized it
    cert = sr.issue_certificate(vol, actor=worker, start=dt.date(2025, 1, 1), end=dt.date(2025, 12, 31),
                                person_in_charge="赵书记", community=world.nodes["C1"])
    assert cert.hours == Decimal(5) and cert.record_count == 2
    assert cert.issuer_name == "和平社区" and cert.id_masked == "110105********1234"
    assert "敬老助餐" in cert.content
    assert cert.number.startswith("ZY510199")
    assert AuditEntry.objects.filter(action="volunteers.certificate.issued").count() == 1
    with pytest.raises(ValidationError):
        sr.issue_certificate(vol, actor=worker, start=dt.date(2020, 1, 1), end=dt.date(2020, 12, 31),
                             person_in_charge="赵书记", community=world.nodes["C1"])
    with pytest.raises(OutOfScope):
        sr.issue_certificate(vol, actor=worker, start=dt.date(2025, 1, 1), end=dt.date(2025, 12, 31),
                             person_in_charge="赵书记", community=world.nodes["C2"])
    sr.revoke_certificate(cert, actor=worker, reason="错开")
    cert.refresh_from_db()
    assert cert.revoked_at is not None


# --- nominations -----------------------------------------------------------------------------------------------
def test_nomination_and_review(world, worker):
    resident = world.user(Role.RESIDENT)
    n = sr.nominate(actor=resident, community=world.nodes["C1"], nominee_name="刘大姐", reason="二十年照顾孤寡老人")
    assert n.public_name == "刘**"
    with pytest.raises(OutOfScope):
        sr.nominate(actor=resident, community=world.nodes["C2"], nominee_name="某", reason="x")
    with pytest.raises(ValidationError):
        sr.review_nomination(n, actor=worker, approve=False)
    sr.review_nomination(n, actor=worker, approve=True)
    n.refresh_from_db()
    assert n.state == NominationState.APPROVED
    with pytest.raises(ValidationError):
        sr.review_nomination(n, actor=worker, approve=True)


def test_hours_figures_match_an_independent_count(world, vol):
    for h in (1, 2, 3):
        make_record(vol, h)
    make_record(vol, 10, state=RecordState.PENDING)
    independent = sum(r.hours for r in ServiceRecord.objects.all() if r.state == RecordState.CONFIRMED)
    assert sr.confirmed_hours(vol) == independent == Decimal(6)
    assert sr.time_balance(vol) == independent
    assert world.nodes["C1"].level == Level.COMMUNITY


def test_an_organization_certifies_what_it_organized(world, vol):
    from sanshe.societies.models import Organization, OrganizationStaff

    org = Organization(name="阳光志愿服务中心", track="filed", status="filed")
    org.copy_ancestors_from(world.nodes["C1"])
    org.save()
    staff_user = world.user(Role.SOCIAL_ORG)
    make_record(vol, 2, organization=org, started_at=aware(2025, 5, 1))
    make_record(vol, 5, started_at=aware(2025, 5, 2))  # the community's, not the organization's
    with pytest.raises(Denied):
        sr.issue_certificate(vol, actor=staff_user, start=dt.date(2025, 1, 1), end=dt.date(2025, 12, 31),
                             person_in_charge="李主任", organization=org)
    OrganizationStaff.objects.create(organization=org, user=staff_user)
    cert = sr.issue_certificate(vol, actor=staff_user, start=dt.date(2025, 1, 1), end=dt.date(2025, 12, 31),
                                person_in_charge="李主任", organization=org)
    assert (cert.hours, cert.issuer_name, cert.organization_id) == (Decimal(2), "阳光志愿服务中心", org.pk)


def test_a_volunteer_reaches_the_catalogue_and_posts_of_his_whole_district(world, admin):
    from sanshe.volunteers import services_party as sp
    from sanshe.volunteers.models_party import PartyPost

    user = world.user(Role.RESIDENT)  # granted at C1
    make_volunteer(world.nodes["C1"], "居民志愿者", user=user)
    near = sr.save_item(actor=admin, partner=sr.save_partner(actor=admin, community=world.nodes["C3"], name="友谊书店"),
                        name="绘本", points=1, stock=1)
    far = CatalogueItem(name="外区", points=1, stock=1, partner=sr.PartnerUnit.objects.create(
        name="外区商家", district=world.nodes["D2"], street=world.nodes["S4"], community=world.nodes["C4"]))
    far.copy_ancestors_from(world.nodes["C4"])
    far.save()
    visible = set(CatalogueItem.objects.visible_to(user, sr.SELF).values_list("pk", flat=True))
    assert near.pk in visible and far.pk not in visible
    sp.report(actor=user, community=world.nodes["C2"], work_unit="单位", party_branch="支部")
    with pytest.raises(OutOfScope):
        sp.report(actor=user, community=world.nodes["C4"], work_unit="单位", party_branch="支部")
    post = sp.save_post(actor=admin, community=world.nodes["C2"], title="助老岗", slots=1)
    assert PartyPost.objects.visible_to(user, sr.SELF).filter(pk=post.pk).exists()
    sp.claim(post, actor=user)
