"""End to end in headless Chromium on a phone: a volunteer with 320 confirmed hours sees his two stars and the
progress to the third, redeems a catalogue item, downloads the certificate his community issued, and the public
verification page (no account) shows it valid with the name masked."""

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from sanshe.accounts.roles import Role
from sanshe.core.testing import PASSWORD, build_world
from sanshe.volunteers import services_rewards as sr
from sanshe.volunteers.choices_rewards import RuleKind
from sanshe.volunteers.models_rewards import Redemption

from .helpers_rewards import make_record, make_volunteer

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def login(page, base, username):
    page.context.clear_cookies()
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")


def test_star_level_certificate_and_verification_on_a_phone(live_server, phone, screenshot):
    world = build_world()
    admin, worker, user = (world.user(r) for r in (Role.DISTRICT_ADMIN, Role.COMMUNITY_WORKER, Role.VOLUNTEER))
    sr.save_point_rule(actor=admin, district=world.nodes["D1"], name="每小时10分", kind=RuleKind.PER_HOUR, points=1,
                       effective_from=dt.date(2020, 1, 1))
    partner = sr.save_partner(actor=admin, community=world.nodes["C1"], name="和平爱心超市")
    sr.save_item(actor=admin, partner=partner, name="洗衣液一瓶", points=100, stock=3)
    vol = make_volunteer(world.nodes["C1"], "王小明", user=user, id_number="110105199001011234")
    for days, hours in ((200, 150), (100, 150), (10, 20)):
        make_record(vol, hours, started_at=timezone.now() - dt.timedelta(days=days), content="敬老助餐")
    today = timezone.localdate()
    cert = sr.issue_certificate(vol, actor=worker, start=today - dt.timedelta(days=365), end=today,
                                person_in_charge="赵书记", community=world.nodes["C1"])
    base = live_server.url

    # 1. His star level on the phone: 320 hours → 2 stars, 280 more to the third.
    login(phone, base, user.username)
    phone.goto(f"{base}/volunteers/me/rewards/")
    expect(phone.locator("#star-level")).to_have_attribute("data-stars", "2")
    expect(phone.locator("#star-next")).to_contain_text("280")
    expect(phone.locator("#points-balance")).to_have_text("320")
    screenshot(phone, "volunteers-rewards-my")

    # 2. He redeems an item of the catalogue.
    phone.goto(f"{base}/volunteers/me/catalogue/")
    phone.once("dialog", lambda d: d.accept())
    phone.locator("#catalogue li").first.locator("button[type=submit]").click()
    phone.wait_for_url(re.compile(r"/volunteers/me/points/$"))
    redemption = Redemption.objects.get()
    expect(phone.locator("#my-redemptions")).to_contain_text(redemption.code)
    expect(phone.locator("#points-balance")).to_have_text("220")
    screenshot(phone, "volunteers-rewards-points")

    # 3. His certificate: listed and downloaded as PDF.
    phone.goto(f"{base}/volunteers/me/certificates/")
    expect(phone.locator("#my-certificates")).to_contain_text(cert.number)
    with phone.expect_download() as info:
        phone.click(f"[data-certificate='{cert.pk}'] [data-pdf]")
    download = info.value
    assert download.suggested_filename == f"{cert.number}.pdf"
    with open(download.path(), "rb") as fh:
        assert fh.read(5) == b"%PDF-"
    screenshot(phone, "volunteers-rewards-certificates")

    # 4. The public verification page, without an account.
    phone.context.clear_cookies()
    phone.goto(f"{base}/volunteers/verify/")
    phone.fill("#id_number", cert.number)
    phone.click("#verify-form button[type=submit]")
    expect(phone.locator("#verify-state")).to_have_attribute("data-state", "valid")
    expect(phone.locator("#verify-holder")).to_have_text("王**")
    expect(phone.locator("#verify-hours")).to_have_text("320")
    assert "王小明" not in phone.content()
    screenshot(phone, "volunteers-rewards-verify")


def test_party_member_reports_claims_and_his_post_hours_are_confirmed(live_server, phone, desktop, screenshot):
    from sanshe.volunteers import services_party as sp
    from sanshe.volunteers.models_party import PostClaim

    world = build_world()
    secretary, user = world.user(Role.PARTY_SECRETARY), world.user(Role.VOLUNTEER)
    vol = make_volunteer(world.nodes["C1"], "陈党员", user=user)
    post = sp.save_post(actor=secretary, community=world.nodes["C1"], title="楼栋文明劝导岗", slots=2)
    base = live_server.url

    # 1. The member reports to the community where he lives and claims a post, on his phone.
    login(phone, base, user.username)
    phone.goto(f"{base}/volunteers/me/party/")
    phone.select_option("#id_community", str(world.nodes["C1"].pk))
    phone.fill("#id_work_unit", "锦华区税务局")
    phone.fill("#id_party_branch", "区税务局第一党支部")
    phone.click("#party-report-form button[type=submit]")
    expect(phone.locator("#my-reports")).to_contain_text("锦华区税务局")
    phone.locator(f"[data-post='{post.pk}'] button[type=submit]").click()
    expect(phone.locator(f"[data-post='{post.pk}']")).to_contain_text("1/2")
    screenshot(phone, "volunteers-rewards-party-phone")
    claim = PostClaim.objects.get()

    # 2. The party secretary records three hours on the post and confirms them.
    login(desktop, base, secretary.username)
    desktop.goto(f"{base}/volunteers/party/posts/{post.pk}/")
    item = desktop.locator(f"[data-claim='{claim.pk}']")
    item.locator("summary").click()
    started = (timezone.localtime() - dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    item.locator("input[name=started_at]").fill(started)
    item.locator("input[name=hours]").fill("3")
    item.locator("input[name=content]").fill("劝导楼道堆物")
    item.locator("form.stacked button[type=submit]").click()
    row = desktop.locator("#post-services [data-record]").first
    row.locator("button[value=confirm]").click()
    expect(desktop.locator("#post-services button[value=confirm]")).to_have_count(0)
    assert sr.confirmed_hours(vol) == 3
    desktop.goto(f"{base}/volunteers/party/")
    expect(desktop.locator("#party-figures [data-total=hours]")).to_have_text("3")
    expect(desktop.locator("#party-figures [data-total=reported]")).to_have_text("1")
    screenshot(desktop, "volunteers-rewards-party-figures")

    # 3. His hours count like any volunteer's: in his time bank and toward his star.
    phone.goto(f"{base}/volunteers/me/rewards/")
    expect(phone.locator("#time-balance")).to_have_text("3")
    expect(phone.locator("#star-next")).to_contain_text("97")
