"""The hotline demo: calls in every outcome and answered messages; a second run adds nothing."""

import io

import pytest
from django.core.management import call_command

from sanshe.servicedesk import services_hotline as sh
from sanshe.servicedesk.demo_hotline import seed
from sanshe.servicedesk.models_hotline import HotlineCall, HotlineStep, Message

pytestmark = pytest.mark.django_db


def test_demo_hotline_every_outcome_and_idempotent():
    call_command("seed_demo", stdout=io.StringIO())
    calls = HotlineCall.objects.all()
    states = set(calls.values_list("state", flat=True))
    assert {"new", "answered", "transferred", "merged", "followed_up", "closed"} <= states
    hand_offs = set(calls.values_list("hand_off", flat=True))
    assert {"event", "application"} <= hand_offs
    if sh.orders_available():
        assert "need" in hand_offs
    assert calls.filter(event__source="hotline").exists()
    assert calls.exclude(rating="").exists() and calls.filter(household__isnull=False).exists()
    assert Message.objects.filter(state="answered", is_public=True).exists()
    assert Message.objects.filter(kind="suggestion", state="answered").exists()
    counts = (calls.count(), HotlineStep.objects.count(), Message.objects.count())

    class Ctx:  # a second run of the area's seed
        def __init__(self):
            from sanshe.territory.models import Node

            self.nodes = {"district": HotlineCall.objects.first().district,
                          "community": Node.objects.get(pk=HotlineCall.objects.first().community_id)}
            self.scale = "demo"

        def count(self, *args):
            raise AssertionError("nothing should be added")

    seed(Ctx())
    assert (HotlineCall.objects.count(), HotlineStep.objects.count(), Message.objects.count()) == counts
