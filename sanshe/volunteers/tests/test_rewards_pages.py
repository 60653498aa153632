"""Rewards and party pages: the volunteer's own pages, staff pages, the certificate PDF and public pages."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from sanshe.accounts.roles import Role
from sanshe.core.models import AuditEntry
from sanshe.volunteers import services_party as sp
from sanshe.volunteers import services_rewards as sr
from sanshe.volunteers.choices import RecordState
from sanshe.volunteers.choices_rewards import NominationState, RuleKind
from sanshe.volunteers.models_party import PartyPost, PostClaim
from sanshe.volunteers.models_rewards import Nomination, PointRule, Redemption, ServiceCertificate, StarScheme

from .helpers_rewards import make_record, make_resident, make_volunteer

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup(world):
    admin = world.user(Role.DISTRICT_ADMIN)
    vol_user = world.user(Role.VOLUNTEER)
    sr.save_point_rule(actor=admin, district=world.nodes["D1"], name="每小时10分", kind=RuleKind.PER_HOUR, points=10,
                       effective_from=dt.date(2020, 1, 1))
    vol = make_volunteer(world.nodes["C1"], "王小明", user=vol_user, id_number="110105199001011234")
    make_record(vol, 120, started_at=timezone.now() - dt.timedelta(days=30), content="敬老助餐")
    partner = sr.save_partner(actor=admin, community=world.nodes["C1"], name="和平超市")
    item = sr.save_item(actor=admin, partner=partner, name="洗衣液一瓶", points=300, stock=3)
    return {"admin": admin, "vol_user": vol_user, "vol": vol, "item": item}


def test_my_pages_show_points_star_and_time_bank(client_for, setup):
    c = client_for(setup["vol_user"])
    page = c.get(reverse("volunteers:my_rewards")).content.decode()
    assert 'id="points-balance">1200<' in page
    assert 'data-stars="1"' in page and "180" in page  # 180 hours to the next star (300)
    assert 'id="time-balance">120<' in page
    r = c.post(reverse("volunteers:my_redeem", args=[setup["item"].pk]))
    assert r.status_code == 302
    redemption = Redemption.objects.get()
    ledger = c.get(reverse("volunteers:my_points")).content.decode()
    assert redemption.code in ledger and "-300" in ledger
    assert c.get(reverse("volunteers:my_catalogue")).status_code == 200


def test_unregistered_account_sees_how_to_register(client_for, world):
    page = client_for(world.user(Role.RESIDENT)).get(reverse("volunteers:my_rewards")).content.decode()
    assert 'id="not-registered"' in page


def test_time_bank_transfer_and_donate_pages(client_for, world, setup):
    mother = make_volunteer(world.nodes["C1"], "王母亲")
    c = client_for(setup["vol_user"])
    r = c.post(reverse("volunteers:my_timebank"), {"op": "transfer", "t-target_number": mother.number,
                                                   "t-target_name": "王母亲", "t-hours": "20"})
    assert r.status_code == 302
    r = c.post(reverse("volunteers:my_timebank"), {"op": "transfer", "t-target_number": mother.number,
                                                   "t-target_name": "别人", "t-hours": "1"})
    assert r.status_code == 400
    r = c.post(reverse("volunteers:my_timebank"), {"op": "donate", "d-hours": "500"})
    assert r.status_code == 400  # more than he holds
    r = c.post(reverse("volunteers:my_timebank"), {"op": "donate", "d-hours": "10"})
    assert r.status_code == 302
    assert (sr.time_balance(setup["vol"]), sr.time_balance(mother)) == (Decimal(90), Decimal(20))


def test_certificate_issue_pdf_and_public_verification(client_for, world, setup):
    worker = world.user(Role.COMMUNITY_WORKER)
    c = client_for(worker)
    today = timezone.localdate()
    r = c.post(reverse("volunteers:rewards_certificate_issue"), {
        "volunteer_number": setup["vol"].number, "community": world.nodes["C1"].pk,
        "start": (today - dt.timedelta(days=365)).isoformat(), "end": today.isoformat(),
        "person_in_charge": "赵书记"})
    assert r.status_code == 302, r.content.decode()[:2000]
    cert = ServiceCertificate.objects.get()
    assert cert.hours == Decimal(120)
    pdf = c.get(reverse("volunteers:rewards_certificate_pdf", args=[cert.pk]))
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    from sanshe.volunteers.pdf_rewards import certificate_pdf

    raw = certificate_pdf(cert, "https://example.test/volunteers/verify/?number=" + cert.number, compress=False)
    assert cert.number.encode() in raw
    assert b"110105199001011234" not in raw
    assert AuditEntry.objects.filter(action="volunteers.certificate.exported").count() == 1
    # the volunteer downloads his own; another volunteer cannot
    own = client_for(setup["vol_user"]).get(reverse("volunteers:my_certificate_pdf", args=[cert.pk]))
    assert own.status_code == 200
    page = client_for(setup["vol_user"]).get(reverse("volunteers:my_certificates")).content.decode()
    assert cert.number in page
    # public verification: masked name only
    from django.test import Client

    anon = Client()
    v = anon.get(reverse("volunteers:certificate_verify"), {"number": cert.number}).content.decode()
    assert 'data-state="valid"' in v and "王**" in v and "王小明" not in v and "1234" not in v
    assert anon.get(reverse("volunteers:certificate_verify"), {"number": "ZYNOPE"}).status_code == 404
    c = client_for(worker)
    c.post(reverse("volunteers:rewards_certificate_revoke", args=[cert.pk]), {"reason": "错开"})
    v = anon.get(reverse("volunteers:certificate_verify"), {"number": cert.number}).content.decode()
    assert 'data-state="revoked"' in v
    listing = c.get(reverse("volunteers:rewards_certificates")).content.decode()
    assert cert.number in listing


def test_config_pages_save_rules_thresholds_and_cap(client_for, world, setup):
    c = client_for(setup["admin"])
    assert c.get(reverse("volunteers:rewards_config")).status_code == 200
    r = c.post(reverse("volunteers:rewards_config"), {
        "which": "scheme", "scheme-name": "北京标准", "scheme-star1": 100, "scheme-star2": 200, "scheme-star3": 500,
        "scheme-star4": 800, "scheme-star5": 1000, "scheme-effective_from": "2025-01-01"})
    assert r.status_code == 302
    assert StarScheme.objects.get().thresholds == [100, 200, 500, 800, 1000]
    r = c.post(reverse("volunteers:rewards_config"), {
        "which": "rule", "rule-name": "党员岗位奖励", "rule-kind": "bonus", "rule-points": 5,
        "rule-source": "party_post", "rule-effective_from": "2025-01-01"})
    assert r.status_code == 302
    r = c.post(reverse("volunteers:rewards_config"), {"which": "cap", "cap-hours": "1000",
                                                      "cap-effective_from": "2025-01-01"})
    assert r.status_code == 302
    assert sr.time_cap(world.nodes["D1"].pk) == Decimal(1000)
    rule = PointRule.objects.get(name="每小时10分")
    r = c.post(reverse("volunteers:rewards_rule_end", args=[rule.pk]), {"until": "2030-12-31"})
    rule.refresh_from_db()
    assert rule.effective_until == dt.date(2030, 12, 31)
    page = c.get(reverse("volunteers:rewards_config")).content.decode()
    assert "100 / 200 / 500 / 800 / 1000" in page
    assert client_for(world.user(Role.COMMUNITY_WORKER)).get(reverse("volunteers:rewards_config")).status_code == 403


def test_catalogue_and_redemption_pages(client_for, world, setup):
    admin = client_for(setup["admin"])
    r = admin.post(reverse("volunteers:rewards_catalogue"), {"which": "partner", "p-community": world.nodes["C1"].pk,
                                                             "p-name": "爱心理发店"})
    assert r.status_code == 302
    sr.adjust_points(setup["vol"], actor=setup["admin"], points=100, reason="表彰")
    sr.redeem(setup["item"], actor=setup["vol_user"])
    worker = client_for(world.user(Role.COMMUNITY_WORKER))
    redemption = Redemption.objects.get()
    assert redemption.code in worker.get(reverse("volunteers:rewards_redemptions")).content.decode()
    worker.post(reverse("volunteers:rewards_redemption_close", args=[redemption.pk]), {"action": "used"})
    redemption.refresh_from_db()
    assert redemption.state == "used"


def test_time_bank_withdraw_page(client_for, world, setup):
    from sanshe.territory.registry import id_number_index

    elder = make_resident(world.nodes["G1"], "张奶奶", dt.date(1945, 5, 1))
    elder.id_number_index = id_number_index("110105194505010027")
    elder.save()
    c = client_for(world.user(Role.COMMUNITY_WORKER))
    r = c.post(reverse("volunteers:rewards_timebank"), {"beneficiary_id_number": "110105194505010027",
                                                        "volunteer_number": setup["vol"].number, "hours": "2",
                                                        "note": "助浴"})
    assert r.status_code == 302, r.content.decode()[:3000]
    assert sr.time_balance(setup["vol"]) == Decimal(118)


def test_nomination_pages_and_public_list(client_for, world):
    resident = client_for(world.user(Role.RESIDENT))
    r = resident.post(reverse("volunteers:my_nominate"), {"community": world.nodes["C1"].pk,
                                                          "nominee_name": "刘大姐", "reason": "照顾孤寡老人二十年"})
    assert r.status_code == 302
    n = Nomination.objects.get()
    worker = client_for(world.user(Role.COMMUNITY_WORKER))
    assert "刘大姐" in worker.get(reverse("volunteers:rewards_nominations")).content.decode()
    worker.post(reverse("volunteers:rewards_nomination_review", args=[n.pk]), {"decision": "approve"})
    n.refresh_from_db()
    assert n.state == NominationState.APPROVED
    from django.test import Client

    public = Client().get(reverse("volunteers:good_people")).content.decode()
    assert "刘**" in public and "刘大姐" not in public


def test_party_pages_report_claim_record_confirm(client_for, world, setup):
    vol_client = client_for(setup["vol_user"])
    r = vol_client.post(reverse("volunteers:my_party"), {"community": world.nodes["C1"].pk,
                                                         "work_unit": "区税务局", "party_branch": "第一支部"})
    assert r.status_code == 302
    secretary = client_for(world.user(Role.PARTY_SECRETARY))
    r = secretary.post(reverse("volunteers:party_posts"), {"community": world.nodes["C1"].pk,
                                                          "title": "楼栋文明劝导", "slots": 2})
    assert r.status_code == 302
    post = PartyPost.objects.get()
    vol_client = client_for(setup["vol_user"])
    assert "楼栋文明劝导" in vol_client.get(reverse("volunteers:my_party")).content.decode()
    assert vol_client.post(reverse("volunteers:my_party_claim", args=[post.pk])).status_code == 302
    claim = PostClaim.objects.get()
    secretary = client_for(world.user(Role.PARTY_SECRETARY))
    started = (timezone.localtime() - dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    r = secretary.post(reverse("volunteers:party_post_detail", args=[post.pk]), {
        "op": "service", "claim": claim.pk, "started_at": started, "hours": "2", "content": "劝导"})
    assert r.status_code == 302
    record = claim.services.get().record
    assert record.state == RecordState.PENDING
    secretary.post(reverse("volunteers:party_post_detail", args=[post.pk]), {"op": "confirm", "record": record.pk})
    record.refresh_from_db()
    assert record.state == RecordState.CONFIRMED
    assert sr.points_balance(setup["vol"]) == 1200 + 20
    home = secretary.get(reverse("volunteers:party_home")).content.decode()
    assert 'data-total="reported">1<' in home and 'data-total="hours">2<' in home
    assert sp.totals(sp.figures([world.nodes["C1"]]))["claims"] == 1


def test_staff_volunteer_rewards_page_adjusts(client_for, world, setup):
    c = client_for(world.user(Role.COMMUNITY_WORKER))
    url = reverse("volunteers:rewards_volunteer", args=[setup["vol"].pk])
    assert 'data-stars="1"' in c.get(url).content.decode()
    assert c.post(url, {"points": "-5000", "reason": "x"}).status_code == 400
    assert c.post(url, {"points": "50", "reason": "优秀志愿者"}).status_code == 302
    assert sr.points_balance(setup["vol"]) == 1250
    make_record(setup["vol"], 5, state=RecordState.PENDING)
    assert sr.points_balance(setup["vol"]) == 1250


def test_organization_staff_issue_certificates_on_their_page(client_for, world, setup):
    from sanshe.societies.models import Organization, OrganizationStaff

    org = Organization(name="阳光志愿服务中心", track="filed", status="filed")
    org.copy_ancestors_from(world.nodes["C1"])
    org.save()
    staff = world.user(Role.SOCIAL_ORG)
    OrganizationStaff.objects.create(organization=org, user=staff)
    make_record(setup["vol"], 6, organization=org, started_at=timezone.now() - dt.timedelta(days=3))
    c = client_for(staff)
    today = timezone.localdate()
    r = c.post(reverse("volunteers:rewards_org_certificates"), {
        "volunteer_number": setup["vol"].number, "organization": org.pk,
        "start": (today - dt.timedelta(days=30)).isoformat(), "end": today.isoformat(), "person_in_charge": "李主任"})
    assert r.status_code == 302
    cert = ServiceCertificate.objects.get()
    assert cert.hours == Decimal(6) and cert.issuer_name == "阳光志愿服务中心"
    assert c.get(reverse("volunteers:rewards_org_certificate_pdf", args=[cert.pk])).status_code == 200
    assert cert.number in c.get(reverse("volunteers:rewards_org_certificates")).content.decode()
