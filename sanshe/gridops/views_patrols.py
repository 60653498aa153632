"""Patrol pages (巡查): the grid worker's phone page (start, the route recorded by the browser and posted in
batches, end, "report an event found here"), the list of patrols, one patrol's route, and coverage per grid and
per worker. Reads go through ``visible_to``; writes through :mod:`sanshe.gridops.services_patrols`."""

from __future__ import annotations

import datetime as dt
import json

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View

from sanshe.accounts.roles import Perm
from sanshe.core.views import PermissionRequiredMixin, ScopedObjectMixin

from . import services_patrols as sp
from .forms_patrols import PatrolPeriodForm, StartPatrolForm
from .models import Patrol
from .views_disputes import _day_start, node_filter

VIEW = Perm.EVENTS_VIEW
PAGE_SIZE = 50


def _errors(exc: ValidationError) -> dict:
    return exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}


class MyPatrolView(PermissionRequiredMixin, View):
    """The phone page: a big start button, or the running patrol with its figures and the end button."""

    required_permission = Perm.PATROL

    def get(self, request):
        grids = sp.patrol_grids(request.user)
        running = sp.running_patrol(request.user)
        recent = Patrol.objects.filter(worker=request.user).select_related("grid")[:10]
        return render(request, "gridops/patrols/my.html", {
            "running": running, "form": StartPatrolForm(grids=grids), "grids": grids, "recent": recent})


class StartPatrolView(PermissionRequiredMixin, View):
    required_permission = Perm.PATROL

    def post(self, request):
        grids = sp.patrol_grids(request.user)
        form = StartPatrolForm(request.POST, grids=grids)
        grid = form.cleaned_data["grid"] if form.is_valid() else (grids[0] if len(grids) == 1 else None)
        try:
            sp.start_patrol(actor=request.user, grid=grid)
        except ValidationError as exc:
            for messages_ in _errors(exc).values():
                for message in messages_:
                    messages.error(request, message)
        return redirect("gridops:patrol_my")


class _OwnPatrolMixin(ScopedObjectMixin):
    required_permission = Perm.PATROL
    model = Patrol
    scope_permission = VIEW


class EndPatrolView(_OwnPatrolMixin, View):
    def post(self, request, pk):
        patrol = self.get_object()
        try:
            patrol = sp.end_patrol(patrol, actor=request.user, note=request.POST.get("note", ""))
        except ValidationError as exc:
            for messages_ in _errors(exc).values():
                for message in messages_:
                    messages.error(request, message)
            return redirect("gridops:patrol_my")
        messages.success(request, _("Patrol ended: %(km)s km.") % {"km": round(patrol.distance_m / 1000, 2)})
        return redirect("gridops:patrol_detail", pk=patrol.pk)


class PatrolPointsView(_OwnPatrolMixin, View):
    """POST a batch of route points: JSON ``{"points": [{"lat", "lng", "at", "accuracy"}, …]}`` (or a form
    field ``points`` holding that list). Answers JSON with the patrol's figures; 400 with field errors."""

    def post(self, request, pk):
        patrol = self.get_object()
        try:
            if request.content_type == "application/json":
                body = json.loads(request.body or b"{}")
                points = body.get("points") if isinstance(body, dict) else body
            else:
                points = json.loads(request.POST.get("points") or "[]")
        except (ValueError, UnicodeDecodeError):
            return JsonResponse({"errors": {"points": [_("Send a list of points.")]}}, status=400)
        try:
            added = sp.add_points(patrol, actor=request.user, points=points)
        except ValidationError as exc:
            return JsonResponse({"errors": _errors(exc)}, status=400)
        patrol.refresh_from_db()
        return JsonResponse({"added": added, "point_count": patrol.point_count, "distance_m": patrol.distance_m,
                             "running": patrol.is_running})


def _period(form):
    today = timezone.localdate()
    data = form.cleaned_data if form.is_bound and form.is_valid() else {}
    start = data.get("start") or today - dt.timedelta(days=29)
    end = data.get("end") or today
    return data, start, end


class PatrolListView(PermissionRequiredMixin, View):
    required_permission = VIEW

    def get(self, request):
        form = PatrolPeriodForm(request.GET or None, user=request.user)
        data, start, end = _period(form)
        qs = node_filter(Patrol.objects.visible_to(request.user, VIEW), data.get("node")).filter(
            started_at__gte=_day_start(start), started_at__lt=_day_start(end + dt.timedelta(days=1)))
        page = Paginator(qs.select_related("grid", "worker").order_by("-started_at", "-id"), PAGE_SIZE) \
            .get_page(request.GET.get("page"))
        query = request.GET.copy()
        query.pop("page", None)
        return render(request, "gridops/patrols/list.html", {"form": form, "page": page, "start": start,
                                                             "end": end, "query": query.urlencode()})


class PatrolDetailView(ScopedObjectMixin, View):
    required_permission = VIEW
    model = Patrol
    scope_permission = VIEW

    def get(self, request, pk):
        patrol = self.get_object()
        points = [[float(lat), float(lng)] for lat, lng in patrol.points.order_by("at").values_list(
            "latitude", "longitude")]
        found = patrol.found_events.select_related("event").order_by("event__reported_at")
        return render(request, "gridops/patrols/detail.html", {
            "patrol": patrol, "route": points, "found": found,
            "hours": round((patrol.duration_seconds or 0) / 3600, 2), "km": round(patrol.distance_m / 1000, 2)})


class CoverageView(PermissionRequiredMixin, View):
    required_permission = VIEW

    def get(self, request):
        form = PatrolPeriodForm(request.GET or None, user=request.user)
        data, start, end = _period(form)
        by = data.get("by") or "grid"
        qs = node_filter(Patrol.objects.visible_to(request.user, VIEW), data.get("node"))
        rows = sp.coverage(qs, start=_day_start(start), end=_day_start(end + dt.timedelta(days=1)), by=by)
        return render(request, "gridops/patrols/coverage.html", {
            "form": form, "rows": rows, "by": by, "start": start, "end": end,
            "period_days": (end - start).days + 1})
