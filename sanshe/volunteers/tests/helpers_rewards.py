"""Rows for the rewards and party tests: volunteers and service records made directly (the registry and the
check-in flow are the activities area's), confirmed records passed through the rewards hook as the confirming
service does."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

from django.utils import timezone

from sanshe.core import txn
from sanshe.volunteers import rewards
from sanshe.volunteers.choices import RecordSource, RecordState
from sanshe.volunteers.models import ServiceRecord, Volunteer

_numbers = itertools.count(1)


def make_volunteer(node, name="李志愿", *, user=None, id_number="", is_party_member=False) -> Volunteer:
    v = Volunteer(number=f"T{next(_numbers):07d}", name=name, user=user, id_number=id_number,
                  registered_on=dt.date(2024, 1, 1), is_party_member=is_party_member)
    v.copy_ancestors_from(node)
    v.save()
    return v


def make_record(volunteer, hours, *, node=None, started_at=None, state=RecordState.CONFIRMED, organization=None,
                source=RecordSource.MANUAL, content="社区环境清洁", confirmed_by=None) -> ServiceRecord:
    started_at = started_at or timezone.now() - dt.timedelta(days=1)
    hours = Decimal(str(hours))
    record = ServiceRecord(volunteer=volunteer, organization=organization, source=source, started_at=started_at,
                           ended_at=started_at + dt.timedelta(hours=float(min(hours, 24))), hours=hours,
                           place="社区", content=content, state=state)
    record.copy_ancestors_from(node or volunteer)
    if state == RecordState.CONFIRMED:
        record.confirmed_at = timezone.now()
        record.confirmed_by = confirmed_by
    with txn.atomic():
        record.save()
        if state == RecordState.CONFIRMED:
            rewards.on_hours_confirmed(record)
    return record


def aware(y, m, d, h=9):
    return timezone.make_aware(dt.datetime(y, m, d, h))


def make_resident(node, name, birth_date):
    from sanshe.territory.models import Resident

    resident = Resident(name=name, birth_date=birth_date)
    resident.copy_ancestors_from(node)
    resident.save()
    return resident
