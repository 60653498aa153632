"""The roster's demo: 20–40 social workers employed by agencies, every certificate level, some expired, the demo
account linked with a valid 中级 certificate, Chenghua's table, 7 central and 27 on-site trainings, confirmed rolls
that pay valid certificates only; a second run adds nothing."""

from __future__ import annotations

import pytest
from django.utils import timezone

from sanshe.core.management.commands.seed_demo import DemoContext
from sanshe.socialwork import demo_workers
from sanshe.socialwork import services_workers as sw
from sanshe.socialwork.choices_workers import CertificateLevel as L
from sanshe.socialwork.models import SocialWorker
from sanshe.socialwork.models_workers import (
    SubsidyPayment,
    SubsidyRate,
    SubsidyRoll,
    Training,
    WorkerCertificate,
)

pytestmark = pytest.mark.django_db


def test_demo_roster():
    from sanshe.accounts import demo as accounts_demo
    from sanshe.territory import demo as territory_demo

    ctx = DemoContext("demo")
    territory_demo.seed(ctx)
    accounts_demo.seed(ctx)
    demo_workers.seed(ctx)
    district = ctx.nodes["district"]
    today = timezone.localdate()
    workers = SocialWorker.objects.filter(district=district)
    assert 20 <= workers.count() <= 40
    assert workers.filter(employer__is_social_work_agency=True).count() == workers.count()
    levels = set(WorkerCertificate.objects.values_list("level", flat=True))
    assert levels == set(L.values)
    assert any(not c.is_valid_on(today) and c.valid_until and c.valid_until < today
               for c in WorkerCertificate.objects.all())
    me = SocialWorker.objects.get(user__username="social_worker")
    assert me.community_id == ctx.nodes["community"].pk
    assert sw.highest_valid(list(me.certificates.all()), today).level == L.INTERMEDIATE
    assert {r.level: int(r.amount) for r in SubsidyRate.objects.filter(region=district)} == {
        L.STAFF: 200, L.ASSISTANT: 400, L.INTERMEDIATE: 600, L.SENIOR: 800}
    trainings = Training.objects.filter(district=district, held_on__year=today.year)
    assert trainings.filter(kind="central").count() == 7 and trainings.filter(kind="on_site").count() == 27
    rolls = SubsidyRoll.objects.filter(node=district)
    assert rolls.count() == 3
    for roll in rolls:
        first, last = sw.month_bounds(roll.month)
        for payment in SubsidyPayment.objects.filter(roll=roll).select_related("certificate"):
            assert payment.certificate.valid_days(first, last) is not None
        assert roll.total == sum(p.amount for p in roll.payments.all())
    counts = (workers.count(), WorkerCertificate.objects.count(), Training.objects.count(), rolls.count())
    ctx2 = DemoContext("demo")
    ctx2.nodes = ctx.nodes
    demo_workers.seed(ctx2)
    assert not ctx2.created
    assert counts == (workers.count(), WorkerCertificate.objects.count(), Training.objects.count(), rolls.count())
