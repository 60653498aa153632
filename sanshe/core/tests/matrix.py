"""Permission matrix entries for the root URLs and the audit log (see ``sanshe.core.matrix``)."""

from sanshe.accounts.roles import Perm
from sanshe.core.matrix import AUTHENTICATED, PUBLIC, UrlCase


def _audit_entry(world, role, inside):
    from sanshe.core.models import AuditEntry

    return {"pk": AuditEntry.objects.order_by("seq").values_list("pk", flat=True).first()}


MATRIX = {
    "home": UrlCase(AUTHENTICATED),
    "healthz": UrlCase(PUBLIC, ok=(200, 503)),
    "api-schema": UrlCase(AUTHENTICATED, api=True),
    "api-docs": UrlCase(AUTHENTICATED, api=True),
    "audit:list": UrlCase(Perm.AUDIT_VIEW),
    "audit:detail": UrlCase(Perm.AUDIT_VIEW, kwargs=_audit_entry, scoped=False, note="the audit log is platform-wide"),
    "audit:export": UrlCase(Perm.AUDIT_EXPORT, method="POST", data={"format": "csv"}),
    "audit:verify": UrlCase(Perm.AUDIT_VIEW, method="POST", ok=(302,)),
}
