"""Audit receivers for authentication events (Django's and django-axes' signals).

These only record what happened; no business rule lives here.
"""

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from . import audit
from .models import AuditEntry


@receiver(user_logged_in)
def audit_login(sender, request, user, **kwargs):
    audit.record("auth.login", obj=user, actor=user)


@receiver(user_logged_out)
def audit_logout(sender, request, user, **kwargs):
    if user is not None:
        audit.record("auth.logout", obj=user, actor=user)


@receiver(user_login_failed)
def audit_login_failed(sender, credentials, request=None, **kwargs):
    username = str(credentials.get("username", ""))[:150]
    audit.record(
        "auth.login_failed", result=AuditEntry.Result.FAILURE, username=username,
        object_type="accounts.user", object_repr=username,
    )


@receiver(user_locked_out)
def audit_lockout(sender, request, username=None, ip_address=None, **kwargs):
    username = str(username or "")[:150]
    audit.record(
        "auth.lockout", result=AuditEntry.Result.DENIED, username=username,
        object_type="accounts.user", object_repr=username,
    )
