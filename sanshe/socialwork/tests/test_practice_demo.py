"""The practice demo: the demo social worker has cases in several states, groups with attendance, activities;
twice adds nothing."""

import pytest

from sanshe.core.management.commands.seed_demo import DemoContext
from sanshe.socialwork.models import Case, CommunityActivity, Group, GroupAttendance, SocialWorker

pytestmark = pytest.mark.django_db


def _seed():
    from sanshe.accounts import demo as accounts_demo
    from sanshe.socialwork import demo_practice
    from sanshe.territory import demo as territory_demo

    ctx = DemoContext("demo")
    territory_demo.seed(ctx)
    accounts_demo.seed(ctx)
    demo_practice.seed(ctx)
    return ctx


def test_demo_is_believable_and_idempotent():
    _seed()
    counts = (Case.objects.count(), Group.objects.count(), GroupAttendance.objects.count(),
              CommunityActivity.objects.count())
    worker = SocialWorker.objects.filter(user__username="social_worker").first()
    if worker is None:
        pytest.skip("the demo account social_worker is not in accounts/demo.py yet")
    mine = Case.objects.filter(worker=worker)
    assert {c.state for c in mine} >= {"intake", "assessment", "planning", "serving", "closed"}
    assert counts[1] >= 3 and counts[2] > 20 and counts[3] >= 6
    _seed()
    assert (Case.objects.count(), Group.objects.count(), GroupAttendance.objects.count(),
            CommunityActivity.objects.count()) == counts
