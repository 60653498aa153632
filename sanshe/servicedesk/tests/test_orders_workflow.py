"""The 五单法 workflow: placing, declining, merging, offering, bidding, supervising, verifying, stage times."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from sanshe.accounts.models import Notification
from sanshe.core.exceptions import Denied, OutOfScope
from sanshe.servicedesk.choices_orders import NeedState, OfferMode, OrderAction, OrderState
from sanshe.servicedesk.models_orders import DemandOrder, Need, OrderStep
from sanshe.servicedesk.services_orders import (
    allowed_actions,
    decline_need,
    place_need,
    stage_durations,
    stage_stats,
    transition,
)
from sanshe.servicedesk.testing_orders import build_orders, need, order
from sanshe.territory.models import HouseholdTimelineEntry

A = OrderAction


@pytest.fixture
def ow(sworld):
    return build_orders(sworld)


def test_place_need_by_worker_with_households(ow):
    n = need(ow, households=[ow.households["h1"], ow.households["h2"]], contact_name="王大妈",
             contact_phone="13912345678")
    assert n.number.startswith("DD") and n.state == NeedState.OPEN
    assert n.contact_phone == "13912345678" and n.contact_phone_masked == "139****5678"
    assert n.community_id == ow.nodes["C1"].pk and n.district_id == ow.nodes["D1"].pk
    assert HouseholdTimelineEntry.objects.filter(kind="servicedesk.need", object_id=str(n.pk)).count() == 2


def test_place_need_by_resident_for_himself(ow):
    n = need(ow, user="resident", source="worker")
    assert n.source == "resident" and n.placed_by == ow.user("resident")
    assert list(Need.objects.visible_to(ow.user("resident"))) == [n]
    other = need(ow)
    assert other not in Need.objects.visible_to(ow.user("resident"))


def test_place_need_refusals(ow):
    with pytest.raises(ValidationError) as exc:
        need(ow, title="", contact_phone="123")
    assert {"title", "contact_phone"} <= set(exc.value.message_dict)
    with pytest.raises(ValidationError):
        need(ow, user="resident", households=[ow.households["h1"]])
    with pytest.raises(ValidationError):
        need(ow, user="hotline_operator", community="C2", households=[ow.households["h1"]])
    with pytest.raises(OutOfScope):
        need(ow, community="C4")
    with pytest.raises(Denied):
        place_need(actor=ow.user("supervisor"), community=ow.nodes["C1"], title="x", description="")


def test_decline_need_visible_to_the_resident(ow):
    n = need(ow, user="resident")
    with pytest.raises(ValidationError):
        decline_need(n, actor=ow.user("party_secretary"), reason="")
    with pytest.raises(OutOfScope):
        decline_need(n, actor=ow.user("party_secretary_c2"), reason="不属于本社区")
    with pytest.raises(Denied):
        decline_need(n, actor=ow.user("community_worker"), reason="x")
    decline_need(n, actor=ow.user("party_secretary"), reason="已纳入物业维修计划")
    n.refresh_from_db()
    assert n.state == NeedState.DECLINED and n.decline_reason == "已纳入物业维修计划"
    assert Notification.objects.filter(user=ow.user("resident"), kind="servicedesk.need_declined").exists()
    with pytest.raises(ValidationError):
        decline_need(n, actor=ow.user("party_secretary"), reason="again")


def test_merge_needs_into_one_order(ow):
    a, b = need(ow, user="resident"), need(ow, title="二号楼灯也坏了")
    o = order(ow, [a, b])
    assert o.state == OrderState.ISSUED and o.number.startswith("WD")
    assert set(o.needs.all()) == {a, b}
    a.refresh_from_db()
    assert a.state == NeedState.ORDERED and a.order == o
    assert o in DemandOrder.objects.visible_to(ow.user("resident"))
    with pytest.raises(ValidationError):  # already ordered
        order(ow, [a])
    c2 = need(ow, community="C2", user="hotline_operator", source="hotline")
    with pytest.raises((ValidationError, OutOfScope)):  # two communities (and C2 outside the secretary)
        order(ow, [need(ow), c2], user="party_secretary")
    with pytest.raises(OutOfScope):
        order(ow, [c2], user="party_secretary")
    with pytest.raises(ValidationError) as exc:
        order(ow, [need(ow)], title="", fund_source="x", responsible_member="", budget="-1", invited=())
    assert {"title", "fund_source", "responsible_member", "budget", "invited"} <= set(exc.value.message_dict)
    with pytest.raises(ValidationError):
        order(ow, [need(ow)], invited=("p3",))  # another district's provider


def _full(ow, o, t0):
    u = ow.user
    transition(o, A.ACCEPT, actor=u("social_org"), at=t0 + dt.timedelta(days=1))
    bid = o.bids.get()
    transition(o, A.CHOOSE, actor=u("party_secretary"), bid=bid, at=t0 + dt.timedelta(days=2))
    transition(o, A.CHECK, actor=u("supervisor"), note="施工规范", at=t0 + dt.timedelta(days=4))
    transition(o, A.FINISH, actor=u("social_org"), at=t0 + dt.timedelta(days=7))
    return o


def test_whole_workflow_and_refused_transitions(ow):
    u = ow.user
    t0 = timezone.now() - dt.timedelta(days=30)
    n = need(ow, user="resident", households=(), at=t0 - dt.timedelta(days=3))
    o = order(ow, [n], at=t0)
    assert allowed_actions(o, u("social_org")) == ["accept", "bid"]
    assert allowed_actions(o, u("social_org2")) == []
    with pytest.raises(OutOfScope):  # not invited: the order is not even visible
        transition(o, A.ACCEPT, actor=u("social_org2"))
    with pytest.raises(ValidationError):  # nothing to choose
        transition(o, A.CHOOSE, actor=u("party_secretary"))
    for action, user in ((A.FINISH, "social_org"), (A.VERIFY, "street_official"), (A.CHECK, "supervisor")):
        with pytest.raises((ValidationError, OutOfScope)):
            transition(o, action, actor=u(user), note="x")
    transition(o, A.ACCEPT, actor=u("social_org"), at=t0 + dt.timedelta(days=1))
    with pytest.raises(ValidationError):  # answers once
        transition(o, A.BID, actor=u("social_org"), price="100", plan="p")
    with pytest.raises(Denied):
        transition(o, A.CHOOSE, actor=u("supervisor"), bid=o.bids.get())
    with pytest.raises(OutOfScope):
        transition(o, A.CHOOSE, actor=u("party_secretary_c2"), bid=o.bids.get())
    transition(o, A.CHOOSE, actor=u("party_secretary"), bid=o.bids.get(), at=t0 + dt.timedelta(days=2))
    o.refresh_from_db()
    assert o.state == OrderState.TAKEN and o.provider == ow.providers["p1"] and o.price == 3000
    with pytest.raises(ValidationError):
        transition(o, A.CHECK, actor=u("supervisor"), note="")
    transition(o, A.CHECK, actor=u("supervisor"), note="材料不合格", ok=False, at=t0 + dt.timedelta(days=3))
    assert Notification.objects.filter(user=u("social_org"), kind="servicedesk.order_problem").exists()
    assert Notification.objects.filter(user=u("party_secretary"), kind="servicedesk.order_problem").exists()
    with pytest.raises(OutOfScope):
        transition(o, A.FINISH, actor=u("social_org2"))
    transition(o, A.FINISH, actor=u("social_org"), at=t0 + dt.timedelta(days=5))
    with pytest.raises(ValidationError):
        transition(o, A.RETURN, actor=u("street_official"), note="")
    transition(o, A.RETURN, actor=u("street_official"), note="照明不足", at=t0 + dt.timedelta(days=6))
    assert DemandOrder.objects.get(pk=o.pk).state == OrderState.TAKEN
    transition(o, A.FINISH, actor=u("social_org"), at=t0 + dt.timedelta(days=8))
    with pytest.raises(ValidationError):  # no evaluation yet
        transition(o, A.VERIFY, actor=u("street_official"))
    o.refresh_from_db()
    assert allowed_actions(o, u("resident")) == ["evaluate"]
    assert allowed_actions(o, u("street_official")) == ["verify", "return"]
    assert allowed_actions(o, u("social_org")) == []
    with pytest.raises(ValidationError):  # a need of no order
        transition(o, A.EVALUATE, actor=u("community_worker"), need=need(ow), rating="satisfied")
    with pytest.raises(OutOfScope):  # another community's party secretary
        transition(o, A.EVALUATE, actor=u("party_secretary_c2"), need=n, rating="satisfied")
    transition(o, A.EVALUATE, actor=u("resident"), need=n, rating="satisfied", comment="很好",
               at=t0 + dt.timedelta(days=9))
    with pytest.raises(ValidationError):
        transition(o, A.EVALUATE, actor=u("resident"), need=n, rating="satisfied")
    transition(o, A.VERIFY, actor=u("street_official"), note="验收合格", at=t0 + dt.timedelta(days=10))
    o.refresh_from_db()
    assert o.state == OrderState.CLOSED and o.closed_at == t0 + dt.timedelta(days=10)
    actions = list(o.steps.values_list("action", flat=True))
    assert actions == ["issue", "accept", "choose", "check", "finish", "return", "finish", "evaluate", "verify"]
    with pytest.raises(ValidationError):
        transition(o, A.RETURN, actor=u("street_official"), note="x")
    # the stages: issued 2 days; taken 2 + 1-3 (3 + 2) days; submitted 1 + 2 days
    d = stage_durations(o.steps.all())
    assert d["issued"] == 2 * 86400 and d["taken"] == 5 * 86400 and d["submitted"] == 3 * 86400


def test_verify_with_ratings_recorded_by_the_street(ow):
    n = need(ow)
    o = _full(ow, order(ow, [n]), timezone.now() - dt.timedelta(days=10))
    transition(o, A.VERIFY, actor=ow.user("street_official"), ratings={n.pk: "fairly_satisfied"})
    n.refresh_from_db()
    assert n.rating == "fairly_satisfied" and n.rated_by == ow.user("street_official")


def test_bidding_open_order(ow):
    u = ow.user
    o = order(ow, [need(ow)], mode=OfferMode.OPEN, invited=())
    assert o in DemandOrder.objects.visible_to(u("social_org2"))
    with pytest.raises(ValidationError):  # open orders take bids, not acceptances
        transition(o, A.ACCEPT, actor=u("social_org"))
    with pytest.raises(ValidationError) as exc:
        transition(o, A.BID, actor=u("social_org"), price="", plan="")
    assert "price" in exc.value.message_dict
    transition(o, A.BID, actor=u("social_org"), price="2800", plan="两周完成")
    transition(o, A.BID, actor=u("social_org2"), price="2500", plan="十天完成")
    o.refresh_from_db()
    assert allowed_actions(o, u("party_secretary")) == ["invite", "choose"]
    cheap = o.bids.get(unit=ow.providers["p2"])
    transition(o, A.CHOOSE, actor=u("party_secretary"), bid=cheap)
    o.refresh_from_db()
    assert o.provider == ow.providers["p2"] and o.price == 2500
    # p1 bid: it still sees the order; p3's district sees nothing
    assert o in DemandOrder.objects.visible_to(u("social_org"))


def test_provider_scoping(ow):
    u = ow.user
    mine = order(ow, [need(ow)])
    theirs = order(ow, [need(ow)], invited=("p2",))
    assert list(DemandOrder.objects.visible_to(u("social_org"))) == [mine]
    assert list(DemandOrder.objects.visible_to(u("social_org2"))) == [theirs]
    assert not DemandOrder.objects.visible_to(u("party_secretary_c2")).exists()
    transition(theirs, A.INVITE, actor=u("party_secretary"), invite=ow.providers["p1"])
    assert theirs in DemandOrder.objects.visible_to(u("social_org"))
    with pytest.raises(ValidationError):
        transition(theirs, A.INVITE, actor=u("party_secretary"), invite=ow.providers["p3"])


def test_stage_stats_against_independent_computation(ow):
    t0 = timezone.now() - dt.timedelta(days=60)
    orders = []
    for i in range(3):
        n = need(ow, at=t0 - dt.timedelta(days=i + 1))
        o = order(ow, [n], at=t0 + dt.timedelta(days=i))
        _full(ow, o, t0 + dt.timedelta(days=i * 2))
        orders.append(o)
    order(ow, [need(ow)])  # still issued
    stats = stage_stats(DemandOrder.objects.all())
    assert stats["counts"]["submitted"] == 3 and stats["counts"]["issued"] == 1
    # independently: for each order, time between consecutive state changes
    spans = {"issued": [], "taken": []}
    for o in orders:
        rows = list(OrderStep.objects.filter(order=o).order_by("at", "pk").values_list("to_state", "at"))
        changes = [(s, at) for k, (s, at) in enumerate(rows) if k == 0 or s != rows[k - 1][0]]
        for (s, at), (_s2, at2) in zip(changes, changes[1:], strict=False):
            spans[s].append((at2 - at).total_seconds() / 86400)
    assert stats["mean_days"]["issued"] == pytest.approx(sum(spans["issued"]) / 3)
    assert stats["mean_days"]["taken"] == pytest.approx(sum(spans["taken"]) / 3)
    assert stats["mean_days"]["submitted"] is None
    assert stats["need_wait_days"] is not None
