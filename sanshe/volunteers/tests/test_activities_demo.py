"""The volunteers demo: ~100 volunteers (some residents), teams, past activities with confirmed hours, upcoming
activities, the demo account ``volunteer`` linked with history and a sign-up; a second run adds nothing."""

import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from sanshe.accounts.models import User
from sanshe.volunteers import services_activities as sv
from sanshe.volunteers.choices import RecordState, SignUpState
from sanshe.volunteers.models import Activity, ServiceRecord, SignUp, Team, Volunteer

pytestmark = pytest.mark.django_db


def test_seed_demo_volunteers_and_twice_adds_nothing():
    call_command("seed_demo", stdout=io.StringIO())
    assert Volunteer.objects.count() >= 95  # ours (~100 and the demo account); the rewards area may add more
    assert Volunteer.objects.filter(resident__isnull=False).count() >= 30
    assert Team.objects.count() >= 4
    now = timezone.now()
    assert Activity.objects.filter(ends_at__lt=now).count() >= 20
    assert Activity.objects.filter(starts_at__gt=now).count() >= 5
    assert ServiceRecord.objects.filter(state=RecordState.CONFIRMED).count() >= 100
    assert ServiceRecord.objects.filter(state=RecordState.REJECTED).exists()
    assert ServiceRecord.objects.filter(state=RecordState.PENDING, closed_by_rule=True).exists()
    me = Volunteer.objects.get(user__username="volunteer")
    assert me.records.filter(state=RecordState.CONFIRMED).exists()
    assert SignUp.objects.filter(volunteer=me, state=SignUpState.SIGNED_UP, activity__starts_at__gt=now).exists()
    org_user = User.objects.get(username="social_org")
    assert ServiceRecord.objects.visible_to(org_user, sv.ORGANIZE).filter(state=RecordState.PENDING).exists()
    figures = sv.figures(me.district)
    assert figures.volunteers > 80 and figures.active > 50 and figures.hours > 0 and figures.share
    counts = (Volunteer.objects.count(), Activity.objects.count(), ServiceRecord.objects.count(), Team.objects.count())
    call_command("seed_demo", stdout=io.StringIO())
    assert counts == (Volunteer.objects.count(), Activity.objects.count(), ServiceRecord.objects.count(),
                      Team.objects.count())
