"""Exceptions that carry what the audit log needs about a refusal.

They are raised inside transactions, so they are recorded after the rollback: by
:class:`sanshe.core.middleware.DenialAuditMiddleware` for pages and by the API exception handler.
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _


class Denied(PermissionDenied):
    """The actor lacks the permission (403)."""

    def __init__(self, permission: str = "", obj=None, message: str = ""):
        super().__init__(message or _("You do not have permission to do this."))
        self.permission = permission
        self.obj = obj


class OutOfScope(Http404):
    """The object exists but lies outside the actor's territory (404, so its existence is not revealed)."""

    def __init__(self, permission: str = "", obj=None):
        super().__init__(_("Not found."))
        self.permission = permission
        self.obj = obj


def audit_denial(request, exc) -> None:
    from . import audit
    from .models import AuditEntry

    user = getattr(request, "user", None)
    if isinstance(exc, OutOfScope):
        action = "permission.out_of_scope"
    elif isinstance(exc, PermissionDenied):
        action = "permission.denied"
    else:
        return
    obj = getattr(exc, "obj", None)
    permission = getattr(exc, "permission", "")
    audit.record(
        action, obj=obj, actor=user if user is not None and user.is_authenticated else None,
        result=AuditEntry.Result.DENIED, message=f"{request.method} {request.path} {permission}".strip()[:500],
    )
