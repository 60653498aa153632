"""Rewards and party API: star level, ledgers, time bank writes with Idempotency-Key, redeem, claim."""

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from sanshe.accounts.roles import Role
from sanshe.core.testing import login_as
from sanshe.volunteers import services_party as sp
from sanshe.volunteers import services_rewards as sr
from sanshe.volunteers.choices_rewards import RuleKind
from sanshe.volunteers.models_rewards import TimeBankEntry

from .helpers_rewards import make_record, make_volunteer

pytestmark = pytest.mark.django_db
BASE = "/api/v1/volunteers/"


def _client(user):
    client = Client()
    login_as(client, user)
    return client


def _post(client, url, data=None, **headers):
    return client.generic("POST", url, json.dumps(data or {}), content_type="application/json", **headers)


@pytest.fixture
def me(world):
    admin = world.user(Role.DISTRICT_ADMIN)
    sr.save_point_rule(actor=admin, district=world.nodes["D1"], name="每小时10分", kind=RuleKind.PER_HOUR, points=10,
                       effective_from=dt.date(2020, 1, 1))
    user = world.user(Role.VOLUNTEER)
    vol = make_volunteer(world.nodes["C1"], "王小明", user=user)
    make_record(vol, 310, started_at=timezone.now() - dt.timedelta(days=3))
    return {"user": user, "vol": vol, "admin": admin, "client": _client(user)}


def test_star_and_points(me):
    data = me["client"].get(BASE + "my/star/").json()
    assert (data["stars"], data["next_at"], data["points"]) == (2, 600, 3100)
    assert Decimal(data["to_next"]) == Decimal(290)
    ledger = me["client"].get(BASE + "my/points/").json()
    rows = ledger["results"] if isinstance(ledger, dict) else ledger
    assert [r["points"] for r in rows] == [3100]


def test_transfer_is_idempotent_and_refusals_are_400(world, me):
    other = make_volunteer(world.nodes["C1"], "王母亲")
    body = {"target_number": other.number, "target_name": "王母亲", "hours": "5"}
    first = _post(me["client"], BASE + "my/timebank/transfer/", body, HTTP_IDEMPOTENCY_KEY="t-1")
    assert first.status_code == 201, first.content
    replay = _post(me["client"], BASE + "my/timebank/transfer/", body, HTTP_IDEMPOTENCY_KEY="t-1")
    assert replay.status_code == 201 and replay["Idempotent-Replayed"] == "true"
    assert TimeBankEntry.objects.filter(kind="transfer_out").count() == 1
    assert sr.time_balance(other) == Decimal(5)
    too_much = _post(me["client"], BASE + "my/timebank/donate/", {"hours": "9999"})
    assert too_much.status_code == 400 and "hours" in too_much.json()
    ok = _post(me["client"], BASE + "my/timebank/donate/", {"hours": "5"}, HTTP_IDEMPOTENCY_KEY="d-1")
    assert ok.status_code == 201 and Decimal(ok.json()["balance"]) == Decimal(300)


def test_redeem_and_certificates(world, me):
    partner = sr.save_partner(actor=me["admin"], community=world.nodes["C1"], name="和平超市")
    item = sr.save_item(actor=me["admin"], partner=partner, name="米一袋", points=3000, stock=1)
    r = _post(me["client"], f"{BASE}catalogue/{item.pk}/redeem/", HTTP_IDEMPOTENCY_KEY="r-1")
    assert r.status_code == 201 and r.json()["balance"] == 100
    r = _post(me["client"], f"{BASE}catalogue/{item.pk}/redeem/")
    assert r.status_code == 400
    worker = world.user(Role.COMMUNITY_WORKER)
    today = timezone.localdate()
    cert = sr.issue_certificate(me["vol"], actor=worker, start=today - dt.timedelta(days=30), end=today,
                                person_in_charge="赵书记", community=world.nodes["C1"])
    mine = me["client"].get(BASE + "my/certificates/").json()
    rows = mine["results"] if isinstance(mine, dict) else mine
    assert [c["number"] for c in rows] == [cert.number]
    staff = _client(worker).get(BASE + "certificates/").json()
    rows = staff["results"] if isinstance(staff, dict) else staff
    assert rows[0]["id_masked"] == "" and rows[0]["hours"] == "310.00"


def test_party_claim_by_api(world, me):
    worker = world.user(Role.COMMUNITY_WORKER)
    post = sp.save_post(actor=worker, community=world.nodes["C1"], title="助老岗", slots=1)
    r = _post(me["client"], f"{BASE}party/posts/{post.pk}/claim/")
    assert r.status_code == 400  # not reported yet
    sp.report(actor=me["user"], community=world.nodes["C1"], work_unit="区卫健局", party_branch="机关支部")
    r = _post(me["client"], f"{BASE}party/posts/{post.pk}/claim/", HTTP_IDEMPOTENCY_KEY="c-1")
    assert r.status_code == 201 and r.json()["member_name"] == "王小明"
    posts = me["client"].get(BASE + "party/posts/").json()
    rows = posts["results"] if isinstance(posts, dict) else posts
    assert [(p["title"], p["taken"], p["slots"]) for p in rows] == [("助老岗", 1, 1)]
    claims = _client(worker).get(BASE + "party/claims/").json()
    rows = claims["results"] if isinstance(claims, dict) else claims
    assert len(rows) == 1
