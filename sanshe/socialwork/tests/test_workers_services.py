"""Services of the social workers' roster: certificate validity, the subsidy table's resolution by region and
date, the monthly roll (only valid certificates; checked against an independent calculation), confirmation,
trainings and the figures — all computed live from rows built here."""

from __future__ import annotations

import calendar
import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from sanshe.core.exceptions import Denied, OutOfScope
from sanshe.core.models import AuditEntry
from sanshe.socialwork import services_workers as sw
from sanshe.socialwork.choices_workers import CertificateLevel as L
from sanshe.socialwork.choices_workers import Exclusion, TrainingKind
from sanshe.socialwork.models_workers import SubsidyPayment, Training
from sanshe.territory.choices import ResidentStatus
from sanshe.territory.models import Resident

from .workers_support import CHENGHUA, agency, cert, chenghua_table, rate, worker

pytestmark = pytest.mark.django_db
MARCH = dt.date(2026, 3, 1)


# --- validity --------------------------------------------------------------------------------------------------
def test_a_certificate_is_valid_when_registered_not_expired_not_revoked(world):
    w = worker(world.nodes["C1"], "张敏")
    c = cert(w, L.INTERMEDIATE, issued=dt.date(2024, 1, 1), registered=dt.date(2024, 2, 1),
             until=dt.date(2026, 1, 31))
    assert not c.is_valid_on(dt.date(2024, 1, 31))  # issued, not yet registered
    assert c.is_valid_on(dt.date(2024, 2, 1))
    assert c.is_valid_on(dt.date(2026, 1, 31))  # the last day
    assert not c.is_valid_on(dt.date(2026, 2, 1))  # expired
    c.revoked_on = dt.date(2025, 6, 1)
    assert c.is_valid_on(dt.date(2025, 5, 31)) and not c.is_valid_on(dt.date(2025, 6, 1))
    unregistered = cert(w, L.SENIOR, registered=None)
    assert not unregistered.is_valid_on(dt.date(2026, 1, 1))
    assert sw.highest_valid([c, unregistered], dt.date(2025, 1, 1)) == c


def test_add_certificate_checks_number_and_dates(world):
    admin = world.user("district_admin")
    w = worker(world.nodes["C1"], "李强")
    c = sw.add_certificate(w, actor=admin, level=L.ASSISTANT, number=" zs 2024 001 ", issued_on=dt.date(2024, 6, 1),
                           registered_on=dt.date(2024, 7, 1))
    assert c.number == "ZS2024001"
    assert AuditEntry.objects.filter(action="socialwork.certificate.added", object_id=str(c.pk)).exists()
    with pytest.raises(ValidationError) as exc:
        sw.add_certificate(w, actor=admin, level=L.ASSISTANT, number="ZS2024001", issued_on=dt.date(2024, 6, 1))
    assert "number" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        sw.add_certificate(w, actor=admin, level=L.ASSISTANT, number="X1", issued_on=dt.date(2024, 6, 1),
                           registered_on=dt.date(2024, 5, 1), valid_until=dt.date(2024, 1, 1))
    assert {"registered_on", "valid_until"} <= exc.value.message_dict.keys()
    # a community worker reads the roster but does not keep it; another district's worker is out of reach
    with pytest.raises(Denied):
        sw.add_certificate(w, actor=world.user("community_worker"), level=L.ASSISTANT, number="X2",
                           issued_on=dt.date(2024, 6, 1))
    far = worker(world.nodes["C4"], "远方")
    with pytest.raises(OutOfScope):
        sw.add_certificate(far, actor=admin, level=L.ASSISTANT, number="X3", issued_on=dt.date(2024, 6, 1))


def test_revoking_keeps_the_date_and_is_audited(world):
    w = worker(world.nodes["C1"], "王芳")
    c = cert(w, L.INTERMEDIATE)
    c = sw.revoke_certificate(c, actor=world.user("street_official"), revoked_on=dt.date(2026, 3, 10), reason="违规")
    assert c.revoked_on == dt.date(2026, 3, 10)
    with pytest.raises(ValidationError):
        sw.revoke_certificate(c, actor=world.user("street_official"), reason="again")
    assert AuditEntry.objects.filter(action="socialwork.certificate.revoked").count() == 1


# --- the table -------------------------------------------------------------------------------------------------
def test_rate_resolution_most_specific_region_then_newest_date(world):
    n = world.nodes
    rate(n["D1"], L.INTERMEDIATE, 600, dt.date(2020, 1, 1))
    rate(n["D1"], L.INTERMEDIATE, 650, dt.date(2026, 4, 1))
    rate(n["S1"], L.INTERMEDIATE, 700, dt.date(2025, 1, 1))
    rate(n["C2"], L.INTERMEDIATE, 900, dt.date(2026, 3, 15))  # effective mid-March: from April
    in_c1 = worker(n["C1"], "甲")
    in_c2 = worker(n["C2"], "乙")
    in_c3 = worker(n["C3"], "丙")
    assert sw.resolve_rate(L.INTERMEDIATE, in_c1, MARCH).amount == 700  # street rate beats the district's
    assert sw.resolve_rate(L.INTERMEDIATE, in_c1, dt.date(2024, 12, 1)).amount == 600  # street not yet effective
    assert sw.resolve_rate(L.INTERMEDIATE, in_c2, MARCH).amount == 700
    assert sw.resolve_rate(L.INTERMEDIATE, in_c2, dt.date(2026, 4, 1)).amount == 900
    assert sw.resolve_rate(L.INTERMEDIATE, in_c3, MARCH).amount == 600
    assert sw.resolve_rate(L.INTERMEDIATE, in_c3, dt.date(2026, 4, 1)).amount == 650  # the newest date
    assert sw.resolve_rate(L.SENIOR, in_c3, MARCH) is None


def test_set_rate_updates_the_same_key_and_needs_the_subsidy_permission(world):
    admin = world.user("district_admin")
    r = sw.set_rate(actor=admin, region=world.nodes["D1"], level=L.STAFF, effective_from=dt.date(2026, 1, 1),
                    amount="200")
    again = sw.set_rate(actor=admin, region=world.nodes["D1"], level=L.STAFF, effective_from=dt.date(2026, 1, 1),
                        amount="220.5")
    assert again.pk == r.pk and again.amount == Decimal("220.50")
    with pytest.raises(ValidationError) as exc:
        sw.set_rate(actor=admin, region=world.nodes["D1"], level=L.STAFF, effective_from=dt.date(2026, 1, 1),
                    amount="-1")
    assert "amount" in exc.value.message_dict
    with pytest.raises(Denied):
        sw.set_rate(actor=world.user("street_official"), region=world.nodes["S1"], level=L.STAFF,
                    effective_from=dt.date(2026, 1, 1), amount="1")
    with pytest.raises(OutOfScope):
        sw.set_rate(actor=admin, region=world.nodes["D2"], level=L.STAFF, effective_from=dt.date(2026, 1, 1),
                    amount="1")
    assert AuditEntry.objects.filter(action="socialwork.subsidy_rate.set").count() == 2


# --- the roll --------------------------------------------------------------------------------------------------
def _build_roster(world):
    """A roster with every case the roll must tell apart, in S1 (C1, C2) and S2 (C3)."""
    n = world.nodes
    org = agency(n["S1"])
    chenghua_table(n["D1"])
    rate(n["S2"], L.SENIOR, 1000, dt.date(2025, 1, 1))
    ws = {}
    ws["staff"] = worker(n["C1"], "员级甲", employer=org)
    cert(ws["staff"], L.STAFF)
    ws["two"] = worker(n["C1"], "双证乙", employer=org)  # 初级 and 中级: paid at 中级
    cert(ws["two"], L.ASSISTANT)
    cert(ws["two"], L.INTERMEDIATE, issued=dt.date(2025, 1, 1), registered=dt.date(2025, 2, 1))
    ws["expired"] = worker(n["C1"], "过期丙", employer=org)
    cert(ws["expired"], L.SENIOR, until=dt.date(2026, 2, 28))
    ws["mid_expiry"] = worker(n["C2"], "月中丁", employer=org)  # valid until March 10: paid for March
    cert(ws["mid_expiry"], L.ASSISTANT, until=dt.date(2026, 3, 10))
    ws["revoked"] = worker(n["C2"], "撤销戊", employer=org)
    cert(ws["revoked"], L.INTERMEDIATE, revoked=dt.date(2026, 2, 1))
    ws["unregistered"] = worker(n["C2"], "未注册己", employer=org)
    cert(ws["unregistered"], L.SENIOR, registered=None)
    ws["none"] = worker(n["C2"], "无证庚", employer=org)
    ws["later"] = worker(n["C3"], "晚注册辛")
    cert(ws["later"], L.INTERMEDIATE, issued=dt.date(2026, 3, 1), registered=dt.date(2026, 4, 2))
    ws["senior_s2"] = worker(n["C3"], "高级壬")
    cert(ws["senior_s2"], L.SENIOR)
    ws["left"] = worker(n["C3"], "离职癸", ended=dt.date(2026, 1, 31), active=False)  # left before March
    cert(ws["left"], L.INTERMEDIATE)
    ws["far"] = worker(n["C4"], "远方子")  # the other district
    cert(ws["far"], L.SENIOR)
    return ws


def independent_roll(world, node, month):
    """The roll computed a second way, straight from the rows: a worker of ``node`` in post during the month, his
    certificates checked day by day, the highest level valid on some day, the table's rate by hand."""
    from sanshe.socialwork.models import SocialWorker
    from sanshe.socialwork.models_workers import SubsidyRate

    first = month.replace(day=1)
    days = [first + dt.timedelta(days=i) for i in range(calendar.monthrange(first.year, first.month)[1])]
    rank = {L.STAFF: 1, L.ASSISTANT: 2, L.INTERMEDIATE: 3, L.SENIOR: 4}
    out = {}
    for w in SocialWorker.objects.all():
        if node.pk not in (w.district_id, w.street_id, w.community_id):
            continue
        posts = list(w.posts.all())
        if posts and not any(p.started_on <= days[-1] and (p.ended_on is None or p.ended_on >= first) for p in posts):
            continue
        levels = set()
        for c in w.certificates.all():
            for day in days:
                ok = (c.registered_on is not None and c.registered_on <= day
                      and (c.valid_until is None or day <= c.valid_until)
                      and (c.revoked_on is None or day < c.revoked_on))
                if ok:
                    levels.add(c.level)
        if not levels:
            continue
        level = max(levels, key=rank.get)
        amount = None
        for place in (w.community_id, w.street_id, w.district_id):
            rates = [r for r in SubsidyRate.objects.filter(region_id=place, level=level) if r.effective_from <= first]
            if rates:
                amount = max(rates, key=lambda r: r.effective_from).amount
                break
        if amount is not None:
            out[w.name] = (level, amount)
    return out


def test_the_roll_pays_valid_certificates_only(world):
    ws = _build_roster(world)
    roll = sw.compute_roll(world.nodes["D1"], MARCH)
    paid = {line.worker.name: (line.level, line.amount) for line in roll.lines}
    assert paid == {
        "员级甲": (L.STAFF, 200), "双证乙": (L.INTERMEDIATE, 600), "月中丁": (L.ASSISTANT, 400),
        "高级壬": (L.SENIOR, 1000)}  # 高级 in S2 at the street's rate
    assert paid == independent_roll(world, world.nodes["D1"], MARCH)
    assert roll.total == Decimal(2200) == sum(a for _l, a in paid.values())
    reasons = {e.worker.name: e.reason for e in roll.excluded}
    assert reasons == {"过期丙": Exclusion.EXPIRED, "撤销戊": Exclusion.REVOKED, "未注册己": Exclusion.NOT_REGISTERED,
                       "无证庚": Exclusion.NO_CERTIFICATE, "晚注册辛": Exclusion.NOT_YET_VALID}
    assert "离职癸" not in paid and "离职癸" not in reasons and "远方子" not in paid
    by_level = {b["level"]: (b["count"], b["total"]) for b in roll.by_level}
    assert by_level[L.INTERMEDIATE] == (1, 600) and by_level[L.SENIOR] == (1, 1000)
    # a street's roll is the part of the district's
    s1 = sw.compute_roll(world.nodes["S1"], MARCH)
    assert {line.worker.name for line in s1.lines} == {"员级甲", "双证乙", "月中丁"}
    assert {line.worker.name: (line.level, line.amount) for line in s1.lines} == independent_roll(
        world, world.nodes["S1"], MARCH)
    assert ws


@pytest.mark.parametrize("month", [dt.date(2025, 6, 1), dt.date(2026, 1, 1), dt.date(2026, 2, 1), dt.date(2026, 4, 1)])
def test_the_roll_of_any_month_matches_the_independent_calculation(world, month):
    _build_roster(world)
    for key in ("D1", "S1", "S2", "C2"):
        roll = sw.compute_roll(world.nodes[key], month)
        assert {line.worker.name: (line.level, line.amount) for line in roll.lines} == independent_roll(
            world, world.nodes[key], month)


def test_past_months_are_reproducible_and_confirmed_rolls_frozen(world):
    ws = _build_roster(world)
    admin = world.user("district_admin")
    before = [(line.worker.pk, line.amount) for line in sw.compute_roll(world.nodes["D1"], MARCH).lines]
    frozen = sw.confirm_roll(actor=admin, node=world.nodes["D1"], month=MARCH)
    assert frozen.headcount == 4 and frozen.total == Decimal(2200)
    # later changes: a new rate from April and a revocation in April do not touch March
    rate(world.nodes["D1"], L.STAFF, 300, dt.date(2026, 4, 1))
    sw.revoke_certificate(ws["two"].certificates.get(level=L.INTERMEDIATE), actor=admin,
                          revoked_on=dt.date(2026, 4, 5), reason="测试")
    assert [(line.worker.pk, line.amount) for line in sw.compute_roll(world.nodes["D1"], MARCH).lines] == before
    assert sorted(SubsidyPayment.objects.filter(roll=frozen).values_list("worker_id", "amount")) == sorted(before)
    # the figure "subsidy paid per month" is the confirmed payments, counted again here by hand
    march = sw.figures(world.nodes["D1"], day=dt.date(2026, 3, 20), months=1)["subsidy"][0]
    assert march["paid_total"] == sum(p.amount for p in SubsidyPayment.objects.filter(roll__month=MARCH)) == 2200
    assert march["paid_count"] == 4 and march["computed_total"] == 2200
    s1 = sw.figures(world.nodes["S1"], day=dt.date(2026, 3, 20), months=1)["subsidy"][0]
    assert s1["paid_total"] == 1200  # 员级 200 + 中级 600 + 初级 400 in 幸福街道
    april = {line.worker.name: line.amount for line in sw.compute_roll(world.nodes["D1"], dt.date(2026, 4, 1)).lines}
    assert april["员级甲"] == 300 and april["双证乙"] == 600  # still valid on April 1–4
    # a worker is paid once a month: the street's roll overlaps the confirmed district roll
    with pytest.raises(ValidationError):
        sw.confirm_roll(actor=admin, node=world.nodes["S1"], month=MARCH)
    with pytest.raises(ValidationError):
        sw.confirm_roll(actor=admin, node=world.nodes["D1"], month=MARCH)
    with pytest.raises(ValidationError):
        sw.confirm_roll(actor=admin, node=world.nodes["D1"], month=dt.date(2099, 1, 1))
    with pytest.raises(Denied):
        sw.confirm_roll(actor=world.user("street_official"), node=world.nodes["S1"], month=dt.date(2026, 2, 1))


def test_a_rate_missing_for_the_level_excludes_with_the_reason(world):
    w = worker(world.nodes["C1"], "无标准")
    cert(w, L.SENIOR)
    rate(world.nodes["D1"], L.STAFF, 200)
    roll = sw.compute_roll(world.nodes["D1"], MARCH)
    assert not roll.lines and [e.reason for e in roll.excluded] == [Exclusion.NO_RATE]


# --- workers, posts, trainings ---------------------------------------------------------------------------------
def test_create_worker_with_post_and_change_post(world):
    official = world.user("street_official")
    org = agency(world.nodes["S1"])
    w = sw.create_worker(actor=official, node=world.nodes["C1"], name="赵磊", employer=org, post="项目社工",
                         started_on=dt.date(2025, 1, 1), user=world.user("social_worker"))
    assert w.street_id == world.nodes["S1"].pk and w.community_id == world.nodes["C1"].pk
    assert w.posts.get().employer == org
    with pytest.raises(ValidationError) as exc:
        sw.create_worker(actor=official, node=world.nodes["C2"], name="钱", user=world.user("social_worker"))
    assert "user" in exc.value.message_dict
    with pytest.raises(OutOfScope):
        sw.create_worker(actor=official, node=world.nodes["C3"], name="孙")  # the other street
    other = agency(world.nodes["S1"], "团结社工服务社")
    sw.add_post(w, actor=official, employer=other, title="督导", started_on=dt.date(2026, 1, 1))
    w.refresh_from_db()
    posts = list(w.posts.order_by("started_on"))
    assert [p.ended_on for p in posts] == [dt.date(2025, 12, 31), None]
    assert w.employer == other and w.post == "督导"
    with pytest.raises(ValidationError):
        sw.add_post(w, actor=official, employer=other, title="x", started_on=dt.date(2025, 6, 1))
    sw.end_post(w, actor=official, ended_on=dt.date(2026, 2, 28))
    w.refresh_from_db()
    assert not w.is_active
    # he counts for February's roll, not for March's
    cert(w, L.INTERMEDIATE)
    rate(world.nodes["D1"], L.INTERMEDIATE, 600)
    assert [line.worker for line in sw.compute_roll(world.nodes["C1"], dt.date(2026, 2, 1)).lines] == [w]
    assert sw.compute_roll(world.nodes["C1"], MARCH).lines == []


def test_trainings_and_figures_counted_from_rows(world):
    n = world.nodes
    official = world.user("street_official")
    a, b, c = (worker(n["C1"], "甲"), worker(n["C2"], "乙"), worker(n["C3"], "丙"))
    cert(a, L.INTERMEDIATE)
    cert(a, L.ASSISTANT)
    cert(b, L.STAFF, until=dt.date(2020, 12, 31))  # expired: not certified
    cert(c, L.SENIOR)
    year = dt.date.today().year
    # 7 central and 27 on site in S1 (Chaoyang's figures, scaled by construction)
    for i in range(7):
        sw.record_training(actor=official, node=n["S1"], title=f"集中培训{i}", kind=TrainingKind.CENTRAL,
                           held_on=dt.date(year, 1, 1 + i), hours="3", attendees=[a, b])
    for i in range(27):
        sw.record_training(actor=official, node=n["C1"], title=f"现场督导{i}", kind=TrainingKind.ON_SITE,
                           held_on=dt.date(year, 2, 1 + i % 28), hours="1.5", attendees=[a])
    with pytest.raises(ValidationError) as exc:
        sw.record_training(actor=official, node=n["S1"], title="越界", kind=TrainingKind.CENTRAL,
                           held_on=dt.date(year, 1, 1), hours="2", attendees=[c])
    assert "attendees" in exc.value.message_dict
    with pytest.raises(ValidationError):
        sw.record_training(actor=official, node=n["S1"], title="零", kind=TrainingKind.CENTRAL,
                           held_on=dt.date(year, 1, 1), hours="0")
    resident = Resident(name="居民", status=ResidentStatus.REGISTERED)
    resident.copy_ancestors_from(n["C1"]) if hasattr(resident, "copy_ancestors_from") else None
    for field in ("district_id", "street_id", "community_id"):
        setattr(resident, field, getattr(n["C1"], field))
    resident.save()
    f = sw.figures(n["S1"], day=dt.date(year, 6, 1), months=2)
    trainings = {t["kind"]: t for t in f["trainings"]}
    assert trainings[TrainingKind.CENTRAL]["count"] == 7 == Training.objects.filter(kind="central").count()
    assert trainings[TrainingKind.ON_SITE]["count"] == 27
    assert trainings[TrainingKind.CENTRAL]["person_times"] == 14 and trainings[TrainingKind.ON_SITE]["person_times"] == 27
    assert trainings[TrainingKind.CENTRAL]["hours"] == Decimal("21.0")
    assert f["certified"] == 1 and {x["level"]: x["count"] for x in f["by_level"]}[L.INTERMEDIATE] == 1
    residents = Resident.objects.filter(street=n["S1"], status=ResidentStatus.REGISTERED).count()
    assert f["residents"] == residents
    assert f["per_10k"] == (Decimal(1) * 10000 / residents).quantize(Decimal("0.01"))
    district = sw.figures(n["D1"], day=dt.date(year, 6, 1), months=1)
    assert district["certified"] == 2 and district["training_total"] == 34
    assert CHENGHUA[L.SENIOR] == 800
