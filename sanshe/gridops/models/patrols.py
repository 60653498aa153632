"""Patrols (巡查): a grid worker walks his grid; the phone posts the route in batches; events found on the way
are linked to the patrol. Coverage (per grid and per worker and period) is computed from these rows by
:func:`sanshe.gridops.services_patrols.coverage`. Only :mod:`sanshe.gridops.services_patrols` writes them."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from sanshe.accounts.roles import Perm
from sanshe.core.scoping import ScopedQuerySet


class Patrol(models.Model):
    """One patrol of a grid by a grid worker: from ``started_at`` to ``ended_at`` (None while it runs).

    ``distance_m`` and ``point_count`` are kept current as points arrive; ``buildings_passed`` (building node
    ids within 50 m of the route) is computed when the patrol ends. A worker has at most one running patrol.
    """

    worker = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("grid worker"), on_delete=models.PROTECT,
                               related_name="patrols")
    district = models.ForeignKey("territory.Node", verbose_name=_("district"), on_delete=models.PROTECT,
                                 related_name="+")
    street = models.ForeignKey("territory.Node", verbose_name=_("street"), null=True, blank=True,
                               on_delete=models.PROTECT, related_name="+")
    community = models.ForeignKey("territory.Node", verbose_name=_("community"), null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="+")
    grid = models.ForeignKey("territory.Node", verbose_name=_("grid"), on_delete=models.PROTECT, related_name="+")
    started_at = models.DateTimeField(_("started at"), db_index=True)
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    distance_m = models.PositiveIntegerField(_("distance (m)"), default=0)
    point_count = models.PositiveIntegerField(_("route points"), default=0)
    buildings_passed = models.JSONField(_("buildings passed"), default=list, blank=True)
    note = models.TextField(_("note"), blank=True)
    submission_key = models.CharField(_("submission key"), max_length=80, null=True, blank=True, unique=True,
                                      editable=False)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = ScopedQuerySet.as_manager()
    SCOPE_PERMISSION = Perm.EVENTS_VIEW
    SCOPE_FIELDS = {"district": "district_id", "street": "street_id", "community": "community_id",
                    "grid": "grid_id"}

    class Meta:
        verbose_name = _("patrol")
        verbose_name_plural = _("patrols")
        ordering = ["-started_at", "-id"]
        indexes = [
            models.Index(fields=["grid", "started_at"], name="patrol_grid_started"),
            models.Index(fields=["worker", "started_at"], name="patrol_worker_started"),
            models.Index(fields=["community", "started_at"], name="patrol_community_started"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["worker"], condition=Q(ended_at__isnull=True),
                                    name="patrol_one_running_per_worker"),
            models.CheckConstraint(condition=Q(ended_at__isnull=True) | Q(ended_at__gte=models.F("started_at")),
                                   name="patrol_ends_after_start"),
        ]

    def __str__(self):
        return f"{self.worker} {self.started_at:%Y-%m-%d %H:%M}"

    @property
    def is_running(self) -> bool:
        return self.ended_at is None

    @property
    def duration_seconds(self) -> int | None:
        if self.ended_at is None:
            return None
        return int((self.ended_at - self.started_at).total_seconds())


class PatrolPoint(models.Model):
    """A position of the route as the phone reported it (``accuracy`` in metres). The same instant is stored
    once, so a retried batch does not double the route."""

    patrol = models.ForeignKey(Patrol, verbose_name=_("patrol"), on_delete=models.CASCADE, related_name="points")
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6)
    at = models.DateTimeField(_("time"))
    accuracy = models.FloatField(_("accuracy (m)"), null=True, blank=True)

    class Meta:
        verbose_name = _("route point")
        verbose_name_plural = _("route points")
        ordering = ["patrol_id", "at"]
        constraints = [models.UniqueConstraint(fields=["patrol", "at"], name="patrol_point_unique_time")]

    def __str__(self):
        return f"{self.latitude},{self.longitude}"


class PatrolEvent(models.Model):
    """An event found during a patrol (reported with source = patrol). An event belongs to one patrol."""

    patrol = models.ForeignKey(Patrol, verbose_name=_("patrol"), on_delete=models.CASCADE,
                               related_name="found_events")
    event = models.OneToOneField("gridops.Event", verbose_name=_("event"), on_delete=models.CASCADE,
                                 related_name="patrol_link")
    linked_at = models.DateTimeField(_("linked at"), auto_now_add=True)

    class Meta:
        verbose_name = _("event found on patrol")
        verbose_name_plural = _("events found on patrol")
        ordering = ["patrol_id", "id"]

    def __str__(self):
        return f"{self.patrol_id} → {self.event_id}"
