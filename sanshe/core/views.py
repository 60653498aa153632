"""Base views: permission by role, scoping through ``visible_to``, service errors shown on forms."""

from __future__ import annotations

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.db import connection
from django.http import Http404, JsonResponse
from django.utils import timezone

from .exceptions import Denied, OutOfScope


class PermissionRequiredMixin(LoginRequiredMixin):
    """Log in first; then the role permission ``required_permission`` must be held somewhere (else 403)."""

    required_permission: str | None = None

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if self.required_permission is None:
            raise Denied("undeclared")
        if self.required_permission != "authenticated" and not request.user.has_permission(
            self.required_permission
        ):
            raise Denied(self.required_permission)
        return super().dispatch(request, *args, **kwargs)


class ScopedObjectMixin(PermissionRequiredMixin):
    """For views on one object: it is looked up through ``visible_to``; outside the territory, 404 (audited)."""

    model = None
    scope_permission: str | None = None
    pk_url_kwarg = "pk"

    def scoped_queryset(self):
        return self.model.objects.visible_to(self.request.user, self.scope_permission)

    def get_queryset(self):
        return self.scoped_queryset()

    def get_object(self, queryset=None):
        pk = self.kwargs[self.pk_url_kwarg]
        obj = (queryset if queryset is not None else self.get_queryset()).filter(pk=pk).first()
        if obj is None:
            outside = self.model.objects.filter(pk=pk).first()
            if outside is None:
                raise Http404
            raise OutOfScope(self.scope_permission or self.model.SCOPE_PERMISSION, outside)
        return obj


def apply_validation_error(form, exc: ValidationError) -> None:
    """Put a service's ValidationError onto the form: known fields inline, the rest at the top."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


def healthz(request):
    """Database and task worker health, for load balancers and monitoring. 200 when both are fine."""
    from django.conf import settings
    from django_tasks_db.models import DBTaskResult

    from .models import WorkerHeartbeat

    body: dict = {"database": "ok"}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        now = timezone.now()
        beat = WorkerHeartbeat.objects.order_by("-last_seen").first()
        stale = settings.SANSHE_WORKER_STALE_SECONDS
        pending = DBTaskResult.objects.ready()
        oldest = pending.order_by("enqueued_at").values_list("enqueued_at", flat=True).first()
        worker = {
            "status": "ok" if beat and (now - beat.last_seen).total_seconds() <= stale else "down",
            "last_seen": beat.last_seen.isoformat() if beat else None,
            "live_workers": WorkerHeartbeat.objects.filter(
                last_seen__gte=now - timezone.timedelta(seconds=stale)
            ).count(),
            "pending_tasks": pending.count(),
            "oldest_pending_seconds": round((now - oldest).total_seconds(), 1) if oldest else None,
        }
        body["worker"] = worker
    except Exception as exc:  # noqa: BLE001 - health must answer, whatever broke
        body["database"] = "error"
        body["error"] = exc.__class__.__name__
        return JsonResponse(body, status=503)
    healthy = body["worker"]["status"] == "ok"
    body["status"] = "ok" if healthy else "degraded"
    return JsonResponse(body, status=200 if healthy else 503)
