"""The events' rollup (指标汇总): additive counters per (grain, level, bucket, territory, 大类, handling unit), kept
in step with the events by :mod:`sanshe.gridops.rollup` so that the district and street dashboards read a few
thousand rows instead of millions of events.

Two grains (day: the local date of the report; month: its first day) times two territory levels (``street``:
rows keyed by street, ``community_id`` = 0; ``community``: rows keyed by community) — four "cuboids", each the
smallest key that serves one dashboard: a district's children are its streets, a street's its communities.
Absent ancestors and units are 0 (not NULL: they are part of the unique key). The columns are plain integers,
not foreign keys: the rollup is derived data, rebuilt at will (``rollup.rebuild``).
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from sanshe.accounts.roles import Perm
from sanshe.core.scoping import ScopedQuerySet

# The additive counters, in the order of ``indicators.COUNTERS`` plus the two parts of "due" that do not depend
# on ``now``: ``due_closed`` (filed and closed) and ``open_deadline`` (filed, open, with a deadline). The events
# among the latter whose deadline is still ahead are counted live (few) and subtracted.
ROLLUP_COUNTERS = ("reported", "filed", "due_closed", "open_deadline", "closed", "closed_on_time", "dispatched",
                   "handled_on_time", "fed_back", "reworked", "extended", "handling_sum", "handled", "rated",
                   "satisfied")
ROLLUP_KEY = ("grain", "level", "day", "district_id", "street_id", "community_id", "major_category_id",
              "handling_unit_id")


class RollupGrain(models.TextChoices):
    DAY = "d", _("Day")
    MONTH = "m", _("Month")


class EventRollup(models.Model):
    """Counters of the events reported on one day (or in one month) in one street (or community), of one 大类,
    dispatched to one handling unit (0: none). Derived from the events; see ``sanshe.gridops.rollup``."""

    grain = models.CharField(_("grain"), max_length=1, choices=RollupGrain.choices)
    level = models.CharField(_("territory level"), max_length=10)  # "street" or "community"
    day = models.DateField(_("day or month"))
    district_id = models.IntegerField(_("district"))
    street_id = models.IntegerField(_("street"), default=0)
    community_id = models.IntegerField(_("community"), default=0)
    major_category_id = models.IntegerField(_("major category"))
    handling_unit_id = models.IntegerField(_("handling unit"), default=0)
    reported = models.IntegerField(_("reported"), default=0)
    filed = models.IntegerField(_("filed"), default=0)
    due_closed = models.IntegerField(_("filed and closed"), default=0)
    open_deadline = models.IntegerField(_("filed, open, with a deadline"), default=0)
    closed = models.IntegerField(_("closed"), default=0)
    closed_on_time = models.IntegerField(_("closed on time"), default=0)
    dispatched = models.IntegerField(_("dispatched"), default=0)
    handled_on_time = models.IntegerField(_("handled on time"), default=0)
    fed_back = models.IntegerField(_("fed back"), default=0)
    reworked = models.IntegerField(_("reworked"), default=0)
    extended = models.IntegerField(_("extended"), default=0)
    handling_sum = models.BigIntegerField(_("handling time sum (s)"), default=0)
    handled = models.IntegerField(_("with a handling time"), default=0)
    rated = models.IntegerField(_("rated"), default=0)
    satisfied = models.IntegerField(_("satisfied"), default=0)

    objects = ScopedQuerySet.as_manager()
    SCOPE_PERMISSION = Perm.EVENTS_STATS
    SCOPE_FIELDS = {"district": "district_id", "street": "street_id", "community": "community_id"}

    class Meta:
        verbose_name = _("event rollup")
        verbose_name_plural = _("event rollups")
        constraints = [models.UniqueConstraint(fields=list(ROLLUP_KEY), name="event_rollup_key")]
        indexes = [
            models.Index(fields=["grain", "level", "district_id", "day"], name="event_rollup_district"),
            models.Index(fields=["grain", "level", "street_id", "day"], name="event_rollup_street"),
        ]

    def __str__(self):
        return f"{self.grain}{self.level} {self.day} {self.street_id}/{self.community_id}"
