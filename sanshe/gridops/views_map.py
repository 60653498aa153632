"""The map of events: a Leaflet page (clustered markers, grid boundaries) and the two JSON endpoints it reads.

Markers come from ``Event.objects.visible_to(user, gridops.view)``, filtered by state, 大类 / 小类, deadline
light and period, and always bounded: the visible map box (``bbox``) and at most ``MAX_MARKERS`` rows, newest
first, read as plain values (no model instances), so the answer stays fast over millions of events.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.db.models import Q
from django.http import JsonResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from sanshe.accounts.roles import Perm
from sanshe.core.views import PermissionRequiredMixin
from sanshe.territory.choices import Level
from sanshe.territory.models import Node

from .choices import CLOCK_STATES, OPEN_STATES, EventState, Light
from .models import Event, EventCategory

VIEW = Perm.EVENTS_VIEW
MAX_MARKERS = 3000
MAX_GRIDS = 2000
DEFAULT_DAYS = 90
MAX_DAYS = 3 * 366


def _parse_date(value: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None


def parse_bbox(value: str | None) -> tuple[Decimal, Decimal, Decimal, Decimal] | None:
    """``west,south,east,north`` (Leaflet's ``getBounds().toBBoxString()``) → decimals; None when malformed."""
    if not value:
        return None
    try:
        west, south, east, north = (Decimal(part) for part in value.split(","))
    except (InvalidOperation, ValueError):
        return None
    if not (-180 <= west <= east <= 180 and -90 <= south <= north <= 90):
        return None
    return west, south, east, north


def light_q(light: str, now) -> Q | None:
    """The deadline light as a filter (same rule as :func:`sanshe.gridops.services.light`)."""
    clock = Q(state__in=CLOCK_STATES, deadline__isnull=False)
    if light == Light.RED:
        return clock & Q(deadline__lt=now)
    if light == Light.YELLOW:
        return clock & Q(deadline__gte=now, yellow_at__lte=now)
    if light == Light.GREEN:
        return clock & Q(deadline__gte=now) & (Q(yellow_at__isnull=True) | Q(yellow_at__gt=now))
    if light == Light.NONE:
        return ~clock
    return None


def _light(state: str, deadline, yellow_at, now) -> str:
    if state not in CLOCK_STATES or deadline is None:
        return Light.NONE
    if now > deadline:
        return Light.RED
    if yellow_at and now >= yellow_at:
        return Light.YELLOW
    return Light.GREEN


class MapFilters:
    """The filters of the map, read from the query string (bad values are ignored, never an error page)."""

    def __init__(self, params):
        self.state = params.get("state") or "open"
        if self.state not in ("open", "all", *EventState.values):
            self.state = "open"
        self.category = params.get("category") or ""
        self.light = params.get("light") or ""
        if self.light not in Light.values:
            self.light = ""
        today = timezone.localdate()
        self.date_to = _parse_date(params.get("to")) or today
        self.date_from = _parse_date(params.get("from")) or self.date_to - dt.timedelta(days=DEFAULT_DAYS)
        if self.date_from > self.date_to:
            self.date_from, self.date_to = self.date_to, self.date_from
        if (self.date_to - self.date_from).days > MAX_DAYS:
            self.date_from = self.date_to - dt.timedelta(days=MAX_DAYS)

    def apply(self, qs, now):
        tz = timezone.get_current_timezone()
        start = dt.datetime.combine(self.date_from, dt.time.min, tzinfo=tz)
        end = dt.datetime.combine(self.date_to + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
        qs = qs.filter(reported_at__gte=start, reported_at__lt=end)
        if self.state == "open":
            qs = qs.filter(state__in=OPEN_STATES)
        elif self.state != "all":
            qs = qs.filter(state=self.state)
        if self.category.isdigit():
            qs = qs.filter(Q(category_id=int(self.category)) | Q(major_category_id=int(self.category)))
        q = light_q(self.light, now) if self.light else None
        if q is not None:
            qs = qs.filter(q)
        return qs

    def as_query(self) -> dict:
        return {"state": self.state, "category": self.category, "light": self.light,
                "from": self.date_from.isoformat(), "to": self.date_to.isoformat()}


class EventMapView(PermissionRequiredMixin, TemplateView):
    """The map page: filters on top, the map below; markers and boundaries are fetched as JSON by the page's
    script (``sanshe/gridops_map.js``), which re-asks for the visible box after each move."""

    required_permission = VIEW
    template_name = "gridops/map/map.html"

    def get_context_data(self, **kwargs):
        filters = MapFilters(self.request.GET)
        majors = (EventCategory.objects.filter(parent__isnull=True, is_active=True)
                  .prefetch_related("children").order_by("sort_order", "code"))
        return super().get_context_data(
            filters=filters, majors=majors, states=EventState.choices,
            lights=[(v, label) for v, label in Light.choices], max_markers=MAX_MARKERS, **kwargs)


class EventMapDataView(PermissionRequiredMixin, View):
    """``GET ?bbox=west,south,east,north&state=&category=&light=&from=&to=`` → the markers in the box (at most
    ``MAX_MARKERS``, newest first) and whether more were left out."""

    required_permission = VIEW

    def get(self, request):
        bbox = parse_bbox(request.GET.get("bbox"))
        if bbox is None:
            return JsonResponse({"error": _("Give the map box as bbox=west,south,east,north.")}, status=400)
        west, south, east, north = bbox
        now = timezone.now()
        filters = MapFilters(request.GET)
        qs = filters.apply(Event.objects.visible_to(request.user, VIEW), now).filter(
            latitude__gte=south, latitude__lte=north, longitude__gte=west, longitude__lte=east)
        rows = list(qs.order_by("-reported_at", "-id").values_list(
            "id", "number", "title", "state", "latitude", "longitude", "deadline", "yellow_at", "reported_at",
            "category__name", "urgent")[: MAX_MARKERS + 1])
        more = len(rows) > MAX_MARKERS
        labels = dict(EventState.choices)
        markers = []
        seen = set()
        for pk, number, title, state, lat, lng, deadline, yellow_at, reported_at, category, urgent in rows[
                :MAX_MARKERS]:
            if pk in seen:  # a unit's staff may reach the same event twice through its steps
                continue
            seen.add(pk)
            markers.append({
                "id": pk, "number": number, "title": title, "state": state, "state_label": str(labels[state]),
                "lat": float(lat), "lng": float(lng), "light": _light(state, deadline, yellow_at, now),
                "category": category, "urgent": urgent,
                "reported_at": timezone.localtime(reported_at).strftime("%Y-%m-%d %H:%M"),
                "url": f"/gridops/events/{pk}/",
            })
        return JsonResponse({"markers": markers, "truncated": more, "limit": MAX_MARKERS,
                             "filters": filters.as_query()})


class EventMapGridsView(PermissionRequiredMixin, View):
    """The boundaries (GeoJSON) of the grids of the user's territory, as one FeatureCollection."""

    required_permission = VIEW

    def get(self, request):
        grids = (Node.objects.visible_to(request.user, VIEW)
                 .filter(level=Level.GRID, is_active=True, geometry__isnull=False)
                 .order_by("code").values_list("id", "name", "code", "geometry")[:MAX_GRIDS])
        features = []
        for pk, name, code, geometry in grids:
            if not isinstance(geometry, dict):
                continue
            if geometry.get("type") == "Feature":
                geometry = geometry.get("geometry") or {}
            if geometry.get("type") not in ("Polygon", "MultiPolygon"):
                continue
            features.append({"type": "Feature", "geometry": geometry,
                             "properties": {"id": pk, "name": name, "code": code}})
        return JsonResponse({"type": "FeatureCollection", "features": features})
