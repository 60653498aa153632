"""The event catalogue (大类 / 小类 with filing and closing conditions and time limits), the handling units,
the responsibility table (小类 × territory → handling unit), working-day overrides and per-district settings.
District admins edit all of it (``gridops.configure``)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from sanshe.core.models import TimeStampedModel
from sanshe.core.scoping import ScopedQuerySet

from ..choices import LimitUnit, UnitKind


class EventCategory(TimeStampedModel):
    """A 大类 (no parent) or a 小类 (parent = its 大类) of the event and component catalogue.

    A 小类 carries its filing condition (立案条件), closing condition (结案条件), time limit (value and unit)
    and default handling unit. ``public`` 小类 are the ones residents may report (Open311 services);
    ``attributes`` are Open311 service-definition attributes, e.g.
    ``[{"code": "floor", "datatype": "number", "required": false, "description": "楼层", "order": 1}]``.
    """

    parent = models.ForeignKey("self", verbose_name=_("major category"), null=True, blank=True,
                               on_delete=models.PROTECT, related_name="children")
    code = models.CharField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=60)
    description = models.TextField(_("description"), blank=True)
    filing_condition = models.TextField(_("filing condition"), blank=True)
    closing_condition = models.TextField(_("closing condition"), blank=True)
    time_limit = models.PositiveIntegerField(_("time limit"), null=True, blank=True)
    time_limit_unit = models.CharField(_("time limit unit"), max_length=20, choices=LimitUnit.choices,
                                       default=LimitUnit.WORKING_DAYS)
    default_unit = models.ForeignKey("gridops.HandlingUnit", verbose_name=_("default handling unit"), null=True,
                                     blank=True, on_delete=models.SET_NULL, related_name="+")
    is_dispute = models.BooleanField(_("dispute (矛盾纠纷)"), default=False)
    public = models.BooleanField(_("residents may report it"), default=True)
    attributes = models.JSONField(_("Open311 attributes"), default=list, blank=True)
    keywords = models.CharField(_("keywords"), max_length=255, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    sort_order = models.PositiveSmallIntegerField(_("order"), default=100)

    class Meta:
        verbose_name = _("event category")
        verbose_name_plural = _("event categories")
        ordering = ["sort_order", "code"]
        constraints = [
            models.CheckConstraint(condition=models.Q(time_limit__isnull=True) | models.Q(time_limit__gt=0),
                                   name="category_time_limit_positive"),
        ]

    def __str__(self):
        return self.name

    @property
    def is_major(self) -> bool:
        return self.parent_id is None


class HandlingUnit(TimeStampedModel):
    """A handling unit (处置单位): a district or street department, a community team or a social organization.

    ``node`` is where it sits (the district for a district department, the street for a street department …);
    its staff are :class:`UnitMember` rows. The event desk dispatches to units; the unit's staff see and
    handle what was dispatched to them.
    """

    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=20, choices=UnitKind.choices)
    node = models.ForeignKey("territory.Node", verbose_name=_("located at"), on_delete=models.PROTECT,
                             related_name="handling_units")
    district = models.ForeignKey("territory.Node", verbose_name=_("district"), on_delete=models.PROTECT,
                                 related_name="+")
    street = models.ForeignKey("territory.Node", verbose_name=_("street"), null=True, blank=True,
                               on_delete=models.PROTECT, related_name="+")
    community = models.ForeignKey("territory.Node", verbose_name=_("community"), null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="+")
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, through="gridops.UnitMember",
                                     verbose_name=_("staff"), related_name="handling_units")

    objects = ScopedQuerySet.as_manager()
    SCOPE_PERMISSION = "gridops.view"
    SCOPE_FIELDS = {"district": "district_id", "street": "street_id", "community": "community_id"}

    class Meta:
        verbose_name = _("handling unit")
        verbose_name_plural = _("handling units")
        ordering = ["kind", "name"]
        constraints = [models.UniqueConstraint(fields=["node", "name"], name="handling_unit_unique_name")]

    def __str__(self):
        return self.name


class UnitMember(models.Model):
    """A staff member of a handling unit (an account with the handler or social-organization role)."""

    unit = models.ForeignKey(HandlingUnit, verbose_name=_("handling unit"), on_delete=models.CASCADE)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("account"), on_delete=models.CASCADE,
                             related_name="unit_memberships")
    since = models.DateTimeField(_("since"), auto_now_add=True)

    class Meta:
        verbose_name = _("unit member")
        verbose_name_plural = _("unit members")
        constraints = [models.UniqueConstraint(fields=["unit", "user"], name="unit_member_unique")]

    def __str__(self):
        return f"{self.unit_id}:{self.user_id}"


class Responsibility(TimeStampedModel):
    """One line of the responsibility table: 小类 × territory node → handling unit.

    For an event, the line of the most specific node among its grid, community, street and district wins;
    without one, the 小类's default unit.
    """

    category = models.ForeignKey(EventCategory, verbose_name=_("sub-category"), on_delete=models.CASCADE,
                                 related_name="responsibilities")
    node = models.ForeignKey("territory.Node", verbose_name=_("territory"), on_delete=models.CASCADE,
                             related_name="+")
    unit = models.ForeignKey(HandlingUnit, verbose_name=_("handling unit"), on_delete=models.PROTECT,
                             related_name="responsibilities")

    class Meta:
        verbose_name = _("responsibility")
        verbose_name_plural = _("responsibility table")
        ordering = ["category_id", "node_id"]
        constraints = [models.UniqueConstraint(fields=["category", "node"], name="responsibility_unique")]

    def __str__(self):
        return f"{self.category_id}@{self.node_id} → {self.unit_id}"


class WorkdayOverride(models.Model):
    """A day whose working status differs from chinese-calendar's (a local holiday, or a year the package does
    not know yet): configuration with a date, edited by district admins."""

    date = models.DateField(_("date"), unique=True)
    is_workday = models.BooleanField(_("working day"))
    name = models.CharField(_("name"), max_length=50, blank=True)

    class Meta:
        verbose_name = _("working-day override")
        verbose_name_plural = _("working-day overrides")
        ordering = ["date"]

    def __str__(self):
        return f"{self.date} {'+' if self.is_workday else '-'}"


class EventSettings(TimeStampedModel):
    """Per-district settings of grid governance: duplicate detection, the yellow light, working hours."""

    district = models.OneToOneField("territory.Node", verbose_name=_("district"), on_delete=models.CASCADE,
                                    related_name="event_settings")
    duplicate_radius_m = models.PositiveIntegerField(_("duplicate radius (metres)"), default=100)
    duplicate_window_hours = models.PositiveIntegerField(_("duplicate time window (hours)"), default=72)
    yellow_share = models.PositiveSmallIntegerField(
        _("yellow light when this share of the time limit remains (%)"), default=20)
    workday_start = models.TimeField(_("working day starts"), default="09:00")
    workday_end = models.TimeField(_("working day ends"), default="17:00")

    class Meta:
        verbose_name = _("event settings")
        verbose_name_plural = _("event settings")

    def __str__(self):
        return str(self.district_id)
