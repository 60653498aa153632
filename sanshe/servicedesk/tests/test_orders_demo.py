"""The orders demo: providers, needs and orders in every stage through the services; a second run adds nothing."""

import io

import pytest
from django.core.management import call_command

from sanshe.accounts.models import User
from sanshe.servicedesk.choices_orders import NeedState, OrderState
from sanshe.servicedesk.models_orders import DemandOrder, Need, OrderStep
from sanshe.servicedesk.services_orders import stage_stats

pytestmark = pytest.mark.django_db


def test_seed_demo_orders_in_every_stage_and_twice_adds_nothing():
    call_command("seed_demo", stdout=io.StringIO())
    social = User.objects.get(username="social_org")
    first = social.unit_memberships.get().unit
    assert first.kind == "social_org" and first.name == "锦华区阳光社会工作服务中心"
    party = User.objects.get(username="party_secretary")
    community_id = party.scope_nodes("servicedesk.orders_issue")[0][1]
    orders = DemandOrder.objects.all()
    assert set(orders.values_list("state", flat=True)) == set(OrderState.values)
    assert set(Need.objects.values_list("state", flat=True)) == set(NeedState.values)
    assert orders.values("community").distinct().count() >= 3
    assert Need.objects.filter(placed_by__username="resident").exists()
    assert DemandOrder.objects.visible_to(social).exists()
    assert DemandOrder.objects.visible_to(party).filter(community_id=community_id).count() >= 7
    assert not DemandOrder.objects.visible_to(party).exclude(community_id=community_id).exists()
    stats = stage_stats(orders)
    assert all(stats["mean_days"][s] is not None for s in ("issued", "taken", "submitted"))
    counts = (DemandOrder.objects.count(), Need.objects.count(), OrderStep.objects.count(), User.objects.count())
    call_command("seed_demo", stdout=io.StringIO())
    assert counts == (DemandOrder.objects.count(), Need.objects.count(), OrderStep.objects.count(),
                      User.objects.count())
