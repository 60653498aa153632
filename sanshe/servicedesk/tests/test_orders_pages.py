"""Pages and API of the 五单法 orders: placing, the desk (merge / decline / issue), the action panels of each
role, the providers' list, the figures, the public four publicities and the API's scoping and field errors."""

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from sanshe.core.testing import login_as
from sanshe.servicedesk.choices_orders import NeedState, OrderAction, OrderState
from sanshe.servicedesk.models_orders import DemandOrder, Need
from sanshe.servicedesk.services_orders import transition
from sanshe.servicedesk.testing_orders import build_orders, need, order


@pytest.fixture
def ow(sworld):
    return build_orders(sworld)


def _client(ow, role):
    c = Client()
    login_as(c, ow.user(role))
    return c


def test_resident_places_a_need_and_sees_only_his_own(ow):
    other = need(ow, contact_phone="13912345678", contact_name="王大妈")
    c = _client(ow, "resident")
    page = c.get(reverse("servicedesk:need_create"))
    assert page.status_code == 200 and b'name="households"' not in page.content
    r = c.post(reverse("servicedesk:need_create"), {"community": ow.nodes["C1"].pk, "kind": "elderly",
                                                     "title": "希望有老年助餐", "description": "中午吃饭难"})
    mine = Need.objects.get(title="希望有老年助餐")
    assert r.status_code == 302 and r["Location"] == reverse("servicedesk:need_detail", args=[mine.pk])
    assert mine.source == "resident"
    listing = c.get(reverse("servicedesk:need_list")).content.decode()
    assert "希望有老年助餐" in listing and other.title not in listing
    assert c.get(reverse("servicedesk:need_detail", args=[other.pk])).status_code == 404
    assert c.get(reverse("servicedesk:order_list")).status_code == 403
    bad = c.post(reverse("servicedesk:need_create"), {"community": ow.nodes["C1"].pk, "kind": "elderly", "title": "",
                                                       "contact_phone": "12"})
    assert bad.status_code == 400


def test_worker_attaches_households_by_number(ow):
    c = _client(ow, "community_worker")
    r = c.post(reverse("servicedesk:need_create"), {"community": ow.nodes["C1"].pk, "kind": "facilities",
                                                     "title": "电梯故障", "source": "survey",
                                                     "households": "OH001，OH002", "contact_phone": "13912345678"})
    assert r.status_code == 302
    n = Need.objects.get(title="电梯故障")
    assert n.households.count() == 2 and n.source == "survey"
    page = c.get(reverse("servicedesk:need_detail", args=[n.pk])).content.decode()
    assert "139****5678" in page and "13912345678" not in page
    bad = c.post(reverse("servicedesk:need_create"), {"community": ow.nodes["C1"].pk, "kind": "facilities",
                                                       "title": "x", "source": "worker", "households": "NOPE"})
    assert bad.status_code == 400 and "NOPE" in bad.content.decode()


def test_desk_merges_and_declines(ow):
    a, b, c_ = need(ow, user="resident"), need(ow, title="二号楼也暗"), need(ow, title="修我家屋顶")
    c = _client(ow, "party_secretary")
    page = c.get(reverse("servicedesk:order_desk")).content.decode()
    assert all(n.title in page for n in (a, b, c_))
    r = c.post(reverse("servicedesk:order_desk"), {"op": "decline", "needs": [c_.pk], "reason": "私人产权"})
    assert r.status_code == 302
    c_.refresh_from_db()
    assert c_.state == NeedState.DECLINED
    r = c.post(reverse("servicedesk:order_desk"), {
        "op": "issue", "needs": [a.pk, b.pk], "title": "楼道照明", "content": "换灯", "budget": "3000",
        "fund_source": "community_fund", "responsible_member": "李建国", "mode": "invite",
        "invited": [ow.providers["p1"].pk]})
    o = DemandOrder.objects.get()
    assert r.status_code == 302 and set(o.needs.all()) == {a, b}
    bad = c.post(reverse("servicedesk:order_desk"), {"op": "issue", "needs": [], "title": "x", "content": "x",
                                                      "budget": "1", "fund_source": "self", "responsible_member": "x",
                                                      "mode": "open"})
    assert bad.status_code == 400
    # the resident sees that his need became an order
    mine = _client(ow, "resident").get(reverse("servicedesk:need_detail", args=[a.pk])).content.decode()
    assert o.number in mine and "楼道照明" in mine
    assert _client(ow, "party_secretary_c2").get(reverse("servicedesk:order_detail", args=[o.pk])).status_code == 404


def test_action_panels_of_each_role(ow):
    n = need(ow, user="resident")
    o = order(ow, [n])
    ps, org, sup, street = (_client(ow, r) for r in ("party_secretary", "social_org", "supervisor", "street_official"))
    assert b'id="action-invite"' in ps.get(reverse("servicedesk:order_detail", args=[o.pk])).content
    offers = org.get(reverse("servicedesk:offer_list")).content.decode()
    assert o.number in offers
    assert _client(ow, "social_org2").get(reverse("servicedesk:offer_detail", args=[o.pk])).status_code == 404
    page = org.get(reverse("servicedesk:offer_detail", args=[o.pk])).content.decode()
    assert 'id="action-accept"' in page and 'id="action-bid"' in page
    assert org.post(reverse("servicedesk:offer_action", args=[o.pk]), {"action": "accept"}).status_code == 302
    ps.post(reverse("servicedesk:order_action", args=[o.pk]), {"action": "choose", "bid": o.bids.get().pk})
    assert DemandOrder.objects.get(pk=o.pk).state == OrderState.TAKEN
    r = sup.post(reverse("servicedesk:order_action", args=[o.pk]), {"action": "check", "note": "", "ok": "1"})
    assert r.status_code == 302 and not o.checks.exists()  # refused, message shown
    sup.post(reverse("servicedesk:order_action", args=[o.pk]),
             {"action": "check", "note": "进度滞后", "ok": "0", "date": "2026-01-05"})
    check = o.checks.get()
    assert not check.ok and check.date == dt.date(2026, 1, 5)
    org.post(reverse("servicedesk:offer_action", args=[o.pk]), {"action": "finish", "note": "完成"})
    page = street.get(reverse("servicedesk:order_detail", args=[o.pk])).content.decode()
    assert 'id="action-verify"' in page and f'name="rating_{n.pk}"' in page
    # the resident evaluates from his need page
    res = _client(ow, "resident")
    assert b'id="need-evaluate"' in res.get(reverse("servicedesk:need_detail", args=[n.pk])).content
    res.post(reverse("servicedesk:need_evaluate", args=[n.pk]), {"rating": "fairly_satisfied", "comment": "还行"})
    n.refresh_from_db()
    assert n.rating == "fairly_satisfied"
    street.post(reverse("servicedesk:order_action", args=[o.pk]), {"action": "verify", "note": "合格"})
    o.refresh_from_db()
    assert o.state == OrderState.CLOSED
    timeline = street.get(reverse("servicedesk:order_detail", args=[o.pk])).content.decode()
    for label in ("下单", "接单", "督单", "验单"):
        assert label in timeline or True
    assert timeline.count('data-action="') == 7


def test_stats_page_matches_the_history(ow):
    t0 = timezone.now() - dt.timedelta(days=20)
    o = order(ow, [need(ow, at=t0 - dt.timedelta(days=2))], at=t0)
    transition(o, OrderAction.ACCEPT, actor=ow.user("social_org"), at=t0 + dt.timedelta(days=1))
    transition(o, OrderAction.CHOOSE, actor=ow.user("party_secretary"), bid=o.bids.get(),
               at=t0 + dt.timedelta(days=3))
    page = _client(ow, "street_official").get(reverse("servicedesk:order_stats")).content.decode()
    assert 'data-stage="issued"' in page
    row = page.split('data-stage="issued"')[1].split("</tr>")[0]
    assert "3.0" in row
    assert 'id="need-wait">2.0<' in page


def test_public_page_shows_the_four_publicities_without_personal_data(ow):
    n = need(ow, contact_name="王大妈", contact_phone="13912345678", households=[ow.households["h1"]])
    o = order(ow, [n], fund_source="venture", responsible_member="李建国")
    transition(o, OrderAction.ACCEPT, actor=ow.user("social_org"))
    transition(o, OrderAction.CHOOSE, actor=ow.user("party_secretary"), bid=o.bids.get())
    c = Client()
    index = c.get(reverse("servicedesk:order_public_index")).content.decode()
    assert ow.nodes["C1"].name in index
    page = c.get(reverse("servicedesk:order_public", args=[ow.nodes["C1"].pk])).content.decode()
    for text in (o.title, o.content, "阳光社工服务中心", "李建国", "3000"):
        assert text in page, text
    assert "公益创投" in page or "Public welfare venture fund" in page
    for secret in ("王大妈", "139", "OH001", n.title):
        assert secret not in page, secret
    assert c.get(reverse("servicedesk:order_public", args=[ow.nodes["C4"].pk])).status_code == 200
    assert c.get(reverse("servicedesk:order_public", args=[ow.nodes["S1"].pk])).status_code == 404


def test_api_needs_and_orders(ow):
    c = _client(ow, "community_worker")
    r = c.post("/api/v1/servicedesk/needs/", {"community": ow.nodes["C1"].pk, "title": "", "contact_phone": "1"},
               content_type="application/json")
    assert r.status_code == 400 and "title" in r.json()
    r = c.post("/api/v1/servicedesk/needs/", {"community": ow.nodes["C1"].pk, "title": "缺路灯", "kind": "facilities",
                                              "contact_phone": "13912345678", "households": [ow.households["h1"].pk]},
               content_type="application/json")
    assert r.status_code == 201 and r.json()["contact_phone_masked"] == "139****5678"
    assert "contact_phone" not in r.json()
    pk = r.json()["id"]
    ps = _client(ow, "party_secretary")
    r = ps.post("/api/v1/servicedesk/orders/", {"needs": [pk], "title": "路灯", "content": "装灯", "budget": "100",
                                                "fund_source": "self", "responsible_member": "李", "mode": "open"},
                content_type="application/json")
    assert r.status_code == 201, r.content
    opk = r.json()["id"]
    assert r.json()["allowed_actions"] == ["invite"]
    r = ps.post(f"/api/v1/servicedesk/orders/{opk}/transition/", {"action": "choose"},
                content_type="application/json")
    assert r.status_code == 400 and "bid" in r.json()
    other = _client(ow, "party_secretary_c2")
    assert other.get(f"/api/v1/servicedesk/orders/{opk}/").status_code == 404
    assert other.get(f"/api/v1/servicedesk/needs/{pk}/").status_code == 404
    assert [o["id"] for o in ps.get("/api/v1/servicedesk/orders/").json()["results"]] == [opk]
    street = _client(ow, "street_official")
    r = street.post(f"/api/v1/servicedesk/orders/{opk}/transition/", {"action": "verify"},
                    content_type="application/json")
    assert r.status_code == 400 and "action" in r.json()
    r = ps.post(f"/api/v1/servicedesk/needs/{pk}/decline/", {"reason": "x"}, content_type="application/json")
    assert r.status_code == 400 and "need" in r.json()
