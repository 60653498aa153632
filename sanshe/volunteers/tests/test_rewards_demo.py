"""The rewards demo on the test world: every kind of row, the demo account's points and certificate, idempotent."""

from collections import Counter

import pytest

from sanshe.accounts.roles import Role
from sanshe.accounts.services import bootstrap_account
from sanshe.volunteers import services_rewards as sr
from sanshe.volunteers.demo_rewards import seed
from sanshe.volunteers.models_party import PartyPost, PartyReport, PostClaim
from sanshe.volunteers.models_rewards import (
    CatalogueItem,
    Nomination,
    PartnerUnit,
    PointRule,
    Redemption,
    ServiceCertificate,
    TimeBankEntry,
)

from .helpers_rewards import make_record, make_resident, make_volunteer

pytestmark = pytest.mark.django_db


class Ctx:
    def __init__(self, world):
        self.nodes = {"district": world.nodes["D1"], "community": world.nodes["C1"]}
        self.scale = "demo"
        self.created = Counter()

    def count(self, app, what, n=1):
        self.created[(app, what)] += n


def test_demo_rewards(world):
    import datetime as dt

    for name, role, node in (("district_admin", Role.DISTRICT_ADMIN, "D1"), ("community_worker",
                             Role.COMMUNITY_WORKER, "C1"), ("party_secretary", Role.PARTY_SECRETARY, "C1"),
                             ("volunteer", Role.VOLUNTEER, "C1")):
        bootstrap_account(username=name, password="Test-pass-123", role=role, node=world.nodes[node])
    from sanshe.accounts.models import User

    demo = make_volunteer(world.nodes["C1"], "许志远", user=User.objects.get(username="volunteer"))
    earlier = make_record(demo, 3)  # confirmed before the rules existed: earns when the demo runs
    make_resident(world.nodes["G1"], "张奶奶", dt.date(1940, 3, 1))
    ctx = Ctx(world)
    seed(ctx)
    assert PointRule.objects.count() == 2 and PartnerUnit.objects.count() == 4 and CatalogueItem.objects.count() == 6
    assert Redemption.objects.count() == 3
    assert ServiceCertificate.objects.count() == 5
    assert ServiceCertificate.objects.filter(volunteer=demo).exists()
    assert sr.points_balance(demo) == 30 + 50  # his 3 hours under the new rule, and the award
    assert earlier.point_entries.exists()
    assert TimeBankEntry.objects.filter(kind="cap_donate").exists()
    assert TimeBankEntry.objects.filter(kind="transfer_in").exists()
    assert TimeBankEntry.objects.filter(kind="pool_out").exists()
    assert PartyReport.objects.count() == 3 and PartyPost.objects.count() == 4 and PostClaim.objects.count() == 3
    assert Nomination.objects.filter(state="approved").count() == 2
    assert sr.pool_balance(world.nodes["D1"].pk) >= 0
    counts = [m.objects.count() for m in (PartnerUnit, Redemption, ServiceCertificate, TimeBankEntry, Nomination)]
    seed(Ctx(world))
    assert counts == [m.objects.count() for m in (PartnerUnit, Redemption, ServiceCertificate, TimeBankEntry,
                                                  Nomination)]
