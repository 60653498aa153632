"""Builders for the social workers' tests: agencies, workers, certificates, rates — made directly (no actor)."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

from sanshe.core.validators import credit_code_check_char
from sanshe.socialwork.choices_workers import CertificateLevel
from sanshe.socialwork.models import SocialWorker
from sanshe.socialwork.models_workers import SubsidyRate, WorkerCertificate, WorkerPost
from sanshe.societies.choices import OrgStatus, ServiceField, Track
from sanshe.societies.models import Organization

_numbers = itertools.count(1)
CHENGHUA = {CertificateLevel.STAFF: 200, CertificateLevel.ASSISTANT: 400, CertificateLevel.INTERMEDIATE: 600,
            CertificateLevel.SENIOR: 800}


def credit_code(serial: int) -> str:
    """A valid unified social credit code of a 民办非企业单位 (52…) registered in 成都 (510100)."""
    first17 = f"52510100MJ{serial:07d}"
    return first17 + credit_code_check_char(first17)


def agency(node, name="幸福社工服务中心") -> Organization:
    org = Organization.objects.filter(name=name).first()
    if org is None:
        org = Organization(name=name, track=Track.REGISTERED, credit_code=credit_code(next(_numbers)),
                           service_field=ServiceField.SOCIAL_WORK, status=OrgStatus.REGISTERED,
                           is_social_work_agency=True)
        org.copy_ancestors_from(node)
        org.save()
    return org


def worker(node, name, *, employer=None, post="社工", started=dt.date(2020, 1, 1), ended=None, user=None,
           active=True) -> SocialWorker:
    w = SocialWorker(name=name, employer=employer, post=post, user=user, is_active=active)
    w.copy_ancestors_from(node)
    w.save()
    if started is not None:
        WorkerPost.objects.create(worker=w, employer=employer, title=post, started_on=started, ended_on=ended)
    return w


def cert(w, level, *, issued=dt.date(2020, 1, 1), registered=dt.date(2020, 2, 1), until=None, revoked=None,
         number=None) -> WorkerCertificate:
    return WorkerCertificate.objects.create(
        worker=w, level=level, number=number or f"T{next(_numbers):08d}", issued_on=issued,
        registered_on=registered, valid_until=until, revoked_on=revoked, revoke_reason="测试" if revoked else "")


def rate(region, level, amount, effective=dt.date(2020, 1, 1)) -> SubsidyRate:
    r = SubsidyRate(region=region, level=level, effective_from=effective, amount=Decimal(amount))
    r.copy_ancestors_from(region)
    r.save()
    return r


def chenghua_table(district, effective=dt.date(2020, 1, 1)):
    return {level: rate(district, level, amount, effective) for level, amount in CHENGHUA.items()}
