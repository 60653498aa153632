"""In-application notifications, with an optional SMS copy through the pluggable backend
(``SANSHE_SMS_BACKEND``; the logging backend by default). Called by services inside their transaction: the
inbox rows commit with the change they announce; SMS leave after the commit."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction

from sanshe.core.sms import send_sms

from .models import Notification, User


def notify(users: Iterable[User], *, title: str, body: str = "", url: str = "", kind: str = "",
           sms_phones: Iterable[str] = ()) -> int:
    """One inbox row per distinct active user; an SMS to each phone in ``sms_phones`` after the commit."""
    seen: set[int] = set()
    rows = []
    for user in users:
        if user is None or user.pk in seen or not user.is_active:
            continue
        seen.add(user.pk)
        rows.append(Notification(user=user, title=title[:200], body=body, url=url[:255], kind=kind[:60]))
    Notification.objects.bulk_create(rows)
    message = f"{title} {body}".strip()
    for phone in {p for p in sms_phones if p}:
        transaction.on_commit(lambda phone=phone: send_sms(phone, message))
    return len(rows)


def unread_count(user) -> int:
    if not user.is_authenticated:
        return 0
    return Notification.objects.filter(user=user, read_at__isnull=True).count()


def mark_read(user, ids: Iterable[int] | None = None) -> int:
    """Mark the user's unread notifications read (those in ``ids``, or all); returns how many."""
    from django.utils import timezone

    qs = Notification.objects.filter(user=user, read_at__isnull=True)
    if ids is not None:
        qs = qs.filter(pk__in=list(ids))
    return qs.update(read_at=timezone.now())
