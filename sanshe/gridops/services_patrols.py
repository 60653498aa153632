"""Writes and figures of patrols (巡查): start, route points in batches, end, events found, coverage.

The phone page starts a patrol, posts the positions ``navigator.geolocation.watchPosition`` gives in batches
(a retried batch is harmless: a point is stored once per instant), and ends it. The distance is the sum of the
great-circle steps between consecutive points, leaving out imprecise fixes (accuracy worse than
``MAX_ACCURACY_M``) and jumps faster than ``MAX_SPEED_MS`` (GPS noise). At the end the buildings of the grid
passed within ``NEAR_BUILDING_M`` (50 m) of the route are stored on the patrol; coverage reads them.

Entry points::

    start_patrol(*, actor, grid=None, at=None, submission_key=None) -> Patrol
    add_points(patrol, *, actor, points) -> int            # points: [{"lat", "lng", "at", "accuracy"}]
    end_patrol(patrol, *, actor, at=None, note="") -> Patrol
    link_event(patrol, event, *, actor) -> PatrolEvent     # an event reported during the patrol
    coverage(queryset, *, start, end, by="grid" | "worker") -> list[CoverageRow]
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from sanshe.accounts.roles import Perm
from sanshe.core import audit
from sanshe.core.exceptions import OutOfScope
from sanshe.core.services import require
from sanshe.core.workflow import refuse as _refuse
from sanshe.territory.choices import Level
from sanshe.territory.models import Node

from .models import Event, Patrol, PatrolEvent, PatrolPoint
from .services import distance_m

MAX_POINTS_PER_BATCH = 500
MAX_ACCURACY_M = 60.0
MAX_SPEED_MS = 15.0
NEAR_BUILDING_M = 50.0
MAX_PATROL_HOURS = 16


def patrol_url(patrol: Patrol) -> str:
    return f"/gridops/patrols/{patrol.pk}/"


# --- start / end -----------------------------------------------------------------------------------------------
def patrol_grids(user) -> list[Node]:
    """The active grids the user may patrol (his grid grants carrying the patrol permission)."""
    if user is None or not user.is_authenticated:
        return []
    return list(Node.objects.visible_to(user, Perm.PATROL).filter(level=Level.GRID, is_active=True)
                .order_by("code"))


def running_patrol(user) -> Patrol | None:
    if user is None or not user.is_authenticated:
        return None
    return Patrol.objects.filter(worker=user, ended_at__isnull=True).select_related("grid").first()


def start_patrol(*, actor, grid: Node | None = None, at: dt.datetime | None = None,
                 submission_key: str | None = None) -> Patrol:
    """开始巡查 in one of the actor's grids. Starting again while a patrol runs in the same grid returns it."""
    require(actor, Perm.PATROL)
    if submission_key:
        existing = Patrol.objects.filter(submission_key=submission_key, worker=actor).first()
        if existing is not None:
            return existing
    grids = patrol_grids(actor)
    if grid is None:
        if len(grids) != 1:
            _refuse("grid", _("Choose the grid you patrol."))
        grid = grids[0]
    if grid.pk not in {g.pk for g in grids}:
        _refuse("grid", _("You can only patrol your own grids."))
    now = at or timezone.now()
    with transaction.atomic():
        running = Patrol.objects.select_for_update().filter(worker=actor, ended_at__isnull=True).first()
        if running is not None:
            if running.grid_id == grid.pk:
                return running
            _refuse("grid", _("You have a patrol running in another grid: end it first."))
        patrol = Patrol(worker=actor, district_id=grid.district_id, street_id=grid.street_id,
                        community_id=grid.community_id, grid=grid, started_at=now,
                        submission_key=submission_key or None)
        try:
            with transaction.atomic():
                patrol.save()
        except IntegrityError:
            running = Patrol.objects.filter(worker=actor, ended_at__isnull=True).first()
            if running is not None and running.grid_id == grid.pk:
                return running
            _refuse("grid", _("You have a patrol running in another grid: end it first."))
        audit.record("gridops.patrol.started", obj=patrol, after=audit.snapshot(patrol), actor=actor)
    return patrol


def _own(patrol: Patrol, actor, *, lock: bool = True) -> Patrol:
    """The actor's own patrol, re-read (locked). Someone else's patrol in his territory: refused; outside: 404."""
    require(actor, Perm.PATROL, obj=patrol)
    qs = Patrol.objects.select_for_update() if lock else Patrol.objects
    fresh = qs.filter(pk=patrol.pk).first()
    if fresh is None:
        raise OutOfScope(Perm.PATROL, patrol)
    if fresh.worker_id != actor.pk:
        if not Patrol.objects.visible_to(actor, Perm.EVENTS_VIEW).filter(pk=fresh.pk).exists():
            raise OutOfScope(Perm.PATROL, patrol)
        _refuse("patrol", _("This is another worker's patrol."))
    return fresh


def end_patrol(patrol: Patrol, *, actor, at: dt.datetime | None = None, note: str = "") -> Patrol:
    """结束巡查: stamp the end, recompute the distance and the buildings passed. Ending twice is harmless."""
    with transaction.atomic():
        patrol = _own(patrol, actor)
        if patrol.ended_at is not None:
            return patrol
        before = audit.snapshot(patrol)
        now = at or timezone.now()
        last = patrol.points.order_by("-at").values_list("at", flat=True).first()
        patrol.ended_at = max(now, last or now, patrol.started_at)
        patrol.note = (note or "").strip()[:2000]
        _recompute(patrol)
        patrol.buildings_passed = buildings_passed(patrol)
        patrol.save()
        audit.record("gridops.patrol.ended", obj=patrol, before=before, after=audit.snapshot(patrol), actor=actor)
    return patrol


# --- points -------------------------------------------------------------------------------------------------------
def _parse_at(value) -> dt.datetime | None:
    if isinstance(value, dt.datetime):
        moment = value
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        seconds = value / 1000 if value > 10**11 else value  # epoch milliseconds (JS) or seconds
        try:
            moment = dt.datetime.fromtimestamp(seconds, tz=dt.UTC)
        except (OverflowError, OSError, ValueError):
            return None
    elif isinstance(value, str):
        try:
            moment = parse_datetime(value.strip())
        except ValueError:
            return None
        if moment is None:
            return None
    else:
        return None
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment.replace(microsecond=(moment.microsecond // 1000) * 1000)


def _coordinate(value, low: float, high: float) -> Decimal | None:
    try:
        number = Decimal(str(value)).quantize(Decimal("0.000001"))
    except (InvalidOperation, ValueError, TypeError):
        return None
    if not number.is_finite() or not (low <= number <= high):
        return None
    return number


def clean_points(patrol: Patrol, points: Sequence, *, now: dt.datetime) -> list[PatrolPoint]:
    """Check a batch; a bad point is a field error naming its position in the batch."""
    if not isinstance(points, (list, tuple)):
        _refuse("points", _("Send a list of points."))
    if len(points) > MAX_POINTS_PER_BATCH:
        _refuse("points", _("At most %(n)d points per batch.") % {"n": MAX_POINTS_PER_BATCH})
    rows, errors = [], []
    latest = (patrol.ended_at or now) + dt.timedelta(minutes=2)
    for i, raw in enumerate(points, start=1):
        if not isinstance(raw, dict):
            errors.append(_("Point %(n)d is not valid.") % {"n": i})
            continue
        lat = _coordinate(raw.get("lat", raw.get("latitude")), -90, 90)
        lng = _coordinate(raw.get("lng", raw.get("longitude")), -180, 180)
        at = _parse_at(raw.get("at", raw.get("timestamp")))
        accuracy = raw.get("accuracy")
        try:
            accuracy = None if accuracy in (None, "") else float(accuracy)
            if accuracy is not None and (not math.isfinite(accuracy) or accuracy < 0):
                raise ValueError
        except (TypeError, ValueError):
            errors.append(_("Point %(n)d: invalid accuracy.") % {"n": i})
            continue
        if lat is None or lng is None:
            errors.append(_("Point %(n)d: invalid coordinates.") % {"n": i})
            continue
        if at is None:
            errors.append(_("Point %(n)d: invalid time.") % {"n": i})
            continue
        if at < patrol.started_at - dt.timedelta(minutes=1) or at > latest:
            errors.append(_("Point %(n)d lies outside the patrol's time.") % {"n": i})
            continue
        rows.append(PatrolPoint(patrol=patrol, latitude=lat, longitude=lng, at=at, accuracy=accuracy))
    if errors:
        raise ValidationError({"points": errors[:20]})
    return rows


def add_points(patrol: Patrol, *, actor, points: Sequence, at: dt.datetime | None = None) -> int:
    """Store a batch of route points (the same instant only once) and bring the distance up to date.

    Returns how many points were new. Points may arrive after the end (the phone's last batch) if they lie
    within the patrol's time.
    """
    with transaction.atomic():
        patrol = _own(patrol, actor)
        rows = clean_points(patrol, points, now=at or timezone.now())
        if not rows:
            return 0
        before = patrol.points.count()
        seen: set = set()
        unique = [r for r in rows if not (r.at in seen or seen.add(r.at))]
        PatrolPoint.objects.bulk_create(unique, ignore_conflicts=True)
        _recompute(patrol)
        added = patrol.point_count - before
        if patrol.ended_at is not None and added:
            patrol.buildings_passed = buildings_passed(patrol)
        patrol.save(update_fields=["distance_m", "point_count", "buildings_passed", "updated_at"])
    return added


def _track(patrol: Patrol) -> list[tuple[float, float, dt.datetime]]:
    """The usable route: precise enough fixes, in time order, without impossible jumps."""
    track: list[tuple[float, float, dt.datetime]] = []
    rows = patrol.points.order_by("at").values_list("latitude", "longitude", "at", "accuracy")
    for lat, lng, at, accuracy in rows:
        if accuracy is not None and accuracy > MAX_ACCURACY_M:
            continue
        point = (float(lat), float(lng), at)
        if track:
            plat, plng, pat = track[-1]
            seconds = max((at - pat).total_seconds(), 1.0)
            if distance_m(plat, plng, point[0], point[1]) / seconds > MAX_SPEED_MS:
                continue
        track.append(point)
    return track


def route_distance(track: Sequence[tuple[float, float, dt.datetime]]) -> float:
    return sum(distance_m(a[0], a[1], b[0], b[1]) for a, b in zip(track, track[1:], strict=False))


def _recompute(patrol: Patrol) -> None:
    patrol.point_count = patrol.points.count()
    patrol.distance_m = round(route_distance(_track(patrol)))


# --- buildings passed ---------------------------------------------------------------------------------------------
def geometry_point(geometry) -> tuple[float, float] | None:
    """(lat, lng) of a GeoJSON Point (or the mean vertex of a Polygon's outer ring); None without geometry."""
    if not isinstance(geometry, dict):
        return None
    if geometry.get("type") == "Feature":
        geometry = geometry.get("geometry") or {}
    kind, coords = geometry.get("type"), geometry.get("coordinates")
    try:
        if kind == "Point":
            return float(coords[1]), float(coords[0])
        if kind == "Polygon":
            ring = coords[0][:-1] or coords[0]
            return (sum(float(p[1]) for p in ring) / len(ring), sum(float(p[0]) for p in ring) / len(ring))
        if kind == "MultiPolygon":
            ring = coords[0][0][:-1] or coords[0][0]
            return (sum(float(p[1]) for p in ring) / len(ring), sum(float(p[0]) for p in ring) / len(ring))
    except (TypeError, ValueError, IndexError, ZeroDivisionError):
        return None
    return None


def grid_buildings(grid_ids: Iterable[int]) -> dict[int, dict[int, tuple[float, float]]]:
    """grid id → {building id: (lat, lng)} for the active buildings that have a position."""
    found: dict[int, dict[int, tuple[float, float]]] = defaultdict(dict)
    rows = Node.objects.filter(grid_id__in=list(grid_ids), level=Level.BUILDING, is_active=True) \
        .exclude(geometry=None).values_list("grid_id", "pk", "geometry")
    for grid_id, pk, geometry in rows:
        point = geometry_point(geometry)
        if point is not None:
            found[grid_id][pk] = point
    return found


def _segment_distance(p, a, b) -> float:
    """Metres from p to the segment a–b, on a local flat projection (fine at patrol scale)."""
    k = math.cos(math.radians(p[0]))
    ax, ay = (a[1] - p[1]) * 111_320 * k, (a[0] - p[0]) * 110_574
    bx, by = (b[1] - p[1]) * 111_320 * k, (b[0] - p[0]) * 110_574
    dx, dy = bx - ax, by - ay
    length = dx * dx + dy * dy
    t = 0.0 if length == 0 else max(0.0, min(1.0, -(ax * dx + ay * dy) / length))
    return math.hypot(ax + t * dx, ay + t * dy)


def buildings_near_track(buildings: dict[int, tuple[float, float]], track: Sequence, radius: float) -> list[int]:
    """Ids of the buildings within ``radius`` metres of the route (segments bucketed in ~radius-sized cells, so
    each building is checked against the few segments near it only)."""
    if not track or not buildings:
        return []
    segments = list(zip(track, track[1:], strict=False)) or [(track[0], track[0])]
    cell_lat = radius / 111_000
    cell_lng = cell_lat / max(math.cos(math.radians(track[0][0])), 0.01)
    cells: dict[tuple[int, int], list] = defaultdict(list)
    for seg in segments:
        a, b = seg
        for i in range(int(math.floor(min(a[0], b[0]) / cell_lat)), int(math.floor(max(a[0], b[0]) / cell_lat)) + 1):
            for j in range(int(math.floor(min(a[1], b[1]) / cell_lng)),
                           int(math.floor(max(a[1], b[1]) / cell_lng)) + 1):
                cells[(i, j)].append(seg)
    passed = []
    for pk, point in buildings.items():
        ci, cj = int(math.floor(point[0] / cell_lat)), int(math.floor(point[1] / cell_lng))
        near = (seg for di in (-1, 0, 1) for dj in (-1, 0, 1) for seg in cells.get((ci + di, cj + dj), ()))
        if any(_segment_distance(point, a, b) <= radius for a, b in near):
            passed.append(pk)
    return sorted(passed)


def buildings_passed(patrol: Patrol) -> list[int]:
    """Building ids of the patrol's grid within 50 m of its route (buildings without a position are skipped)."""
    buildings = grid_buildings([patrol.grid_id]).get(patrol.grid_id, {})
    return buildings_near_track(buildings, _track(patrol), NEAR_BUILDING_M)


# --- events found ---------------------------------------------------------------------------------------------------
def link_event(patrol: Patrol, event: Event, *, actor) -> PatrolEvent:
    """Record that ``event`` was found during ``patrol`` (the event report page calls this when it was opened
    with ``?patrol=<id>``). The patrol must be the actor's own; the event his own report."""
    with transaction.atomic():
        patrol = _own(patrol, actor, lock=False)
        event = Event.objects.filter(pk=event.pk).first()
        if event is None or event.reporter_id != actor.pk:
            _refuse("event", _("Only your own reports can be linked to your patrol."))
        if event.reported_at < patrol.started_at - dt.timedelta(minutes=5) or (
                patrol.ended_at and event.reported_at > patrol.ended_at + dt.timedelta(hours=1)):
            _refuse("event", _("The event was not reported during this patrol."))
        link, created = PatrolEvent.objects.get_or_create(event=event, defaults={"patrol": patrol})
        if not created and link.patrol_id != patrol.pk:
            _refuse("event", _("The event is already linked to another patrol."))
        if created:
            audit.record("gridops.patrol.event_found", obj=patrol, actor=actor, extra={"event": event.number})
    return link


# --- coverage ---------------------------------------------------------------------------------------------------------
@dataclass
class CoverageRow:
    """Coverage of one grid or one worker over a period."""

    key: int
    label: str
    patrols: int = 0
    seconds: int = 0
    distance_m: int = 0
    days: int = 0
    events: int = 0
    buildings: int | None = None  # buildings with a position in the grid(s)
    buildings_passed: int = 0
    grids: set = field(default_factory=set)

    @property
    def hours(self) -> float:
        return round(self.seconds / 3600, 1)

    @property
    def km(self) -> float:
        return round(self.distance_m / 1000, 1)

    @property
    def building_share(self) -> float | None:
        """Share (0–100) of the buildings with a position passed within 50 m; None when none has one."""
        if not self.buildings:
            return None
        return round(100 * self.buildings_passed / self.buildings, 1)


def coverage(queryset, *, start: dt.datetime, end: dt.datetime, by: str = "grid") -> list[CoverageRow]:
    """Patrol count, hours, km, days with a patrol, events found and share of the buildings passed, per grid
    (``by="grid"``) or per worker (``by="worker"``), for the ended patrols started in [start, end)."""
    if by not in ("grid", "worker"):
        raise ValueError(by)
    rows = list(queryset.filter(started_at__gte=start, started_at__lt=end, ended_at__isnull=False)
                .values_list("pk", "grid_id", "grid__name", "worker_id", "worker__username", "worker__full_name",
                             "started_at", "ended_at", "distance_m", "buildings_passed"))
    events = defaultdict(int)
    for patrol_id in PatrolEvent.objects.filter(patrol_id__in=[r[0] for r in rows]).values_list("patrol_id",
                                                                                                   flat=True):
        events[patrol_id] += 1
    table: dict[int, CoverageRow] = {}
    days: dict[int, set] = defaultdict(set)
    passed: dict[int, set] = defaultdict(set)
    for pk, grid_id, grid_name, worker_id, username, full_name, started, ended, dist, bpassed in rows:
        key, label = (grid_id, grid_name) if by == "grid" else (worker_id, full_name or username)
        row = table.setdefault(key, CoverageRow(key=key, label=label))
        row.patrols += 1
        row.seconds += int((ended - started).total_seconds())
        row.distance_m += dist or 0
        row.events += events.get(pk, 0)
        row.grids.add(grid_id)
        days[key].add(timezone.localtime(started).date())
        passed[key].update(bpassed or [])
    buildings = grid_buildings({g for row in table.values() for g in row.grids})
    for key, row in table.items():
        row.days = len(days[key])
        known = {pk for g in row.grids for pk in buildings.get(g, {})}
        row.buildings = len(known) or None
        row.buildings_passed = len(passed[key] & known)
    return sorted(table.values(), key=lambda r: r.label or "")
