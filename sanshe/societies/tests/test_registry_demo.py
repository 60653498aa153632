"""The registry's demo: the five providers linked with their staff, a few dozen more, twice adds nothing."""

import pytest

from sanshe.core.management.commands.seed_demo import DemoContext
from sanshe.societies import demo_registry
from sanshe.societies.figures_registry import figures_for
from sanshe.societies.models import CouncilSeat, Evaluation, Member, Organization, OrganizationStaff

pytestmark = pytest.mark.django_db


def test_demo_registry_seed_is_believable_and_idempotent():
    from sanshe.accounts import demo as accounts_demo
    from sanshe.servicedesk import demo_orders
    from sanshe.territory import demo as territory_demo

    ctx = DemoContext("demo")
    territory_demo.seed(ctx)
    accounts_demo.seed(ctx)
    demo_orders.seed(ctx)
    demo_registry.seed(ctx)
    district = ctx.nodes["district"]
    orgs = Organization.objects.filter(district=district)
    assert orgs.count() >= 30
    providers = orgs.filter(handling_unit__isnull=False)
    assert providers.count() == 5
    own = OrganizationStaff.objects.filter(user__username="social_org").select_related("organization")
    assert [s.organization.handling_unit.name for s in own] == ["锦华区阳光社会工作服务中心"]
    assert orgs.filter(is_social_work_agency=True).count() >= 2
    assert {"registered", "filed"} <= set(orgs.values_list("track", flat=True))
    assert {"preparing", "incubating", "registered", "filed", "deregistered"} <= set(
        orgs.values_list("status", flat=True))
    assert Evaluation.objects.filter(organization__district=district).exists()
    f = figures_for(district)
    assert f.individual_members == Member.objects.filter(district=district, kind="individual",
                                                         organization__status__in=[
                                                             "preparing", "incubating", "registered", "filed"],
                                                         left_on__isnull=True).count() > 0
    assert 0 < f.seats_by_residents < f.seats == CouncilSeat.objects.filter(district=district).count()
    before = (orgs.count(), Member.objects.count(), CouncilSeat.objects.count(), OrganizationStaff.objects.count())
    demo_registry.seed(ctx)
    assert before == (orgs.count(), Member.objects.count(), CouncilSeat.objects.count(),
                      OrganizationStaff.objects.count())
