"""Events (事件) and their history: one row per event, one :class:`EventStep` per workflow step, photos and
extension requests. Territory ancestors are copied onto the event for scoping and counting; the timestamps
and counters on the event are stamped by :func:`sanshe.gridops.services.transition` from the same steps, so
that indicators read one table (and a test recomputes them from the steps)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from sanshe.accounts.roles import Perm
from sanshe.core.fields import EncryptedTextField
from sanshe.core.scoping import ScopedQuerySet

from ..choices import Action, EscalationLevel, EventState, ExtensionState, Rating, Source


class Event(models.Model):
    """An event (事件): a problem found by grid staff on patrol or reported by a resident, the hotline or an
    Open311 client, followed from report to rating.

    ``deadline`` is set at dispatch from the 小类's time limit (working days and hours follow the Chinese
    calendar) and moved by approved extensions; ``handling_unit`` is the unit it is dispatched to now.
    A merged event (并单) points at its master and follows it.
    """

    number = models.CharField(_("number"), max_length=20, unique=True)
    category = models.ForeignKey("gridops.EventCategory", verbose_name=_("category"), on_delete=models.PROTECT,
                                 related_name="events")
    major_category = models.ForeignKey("gridops.EventCategory", verbose_name=_("major category"),
                                       on_delete=models.PROTECT, related_name="+")
    title = models.CharField(_("title"), max_length=100)
    description = models.TextField(_("description"))
    source = models.CharField(_("source"), max_length=10, choices=Source.choices)
    urgent = models.BooleanField(_("urgent"), default=False)
    # where
    district = models.ForeignKey("territory.Node", verbose_name=_("district"), on_delete=models.PROTECT,
                                 related_name="+")
    street = models.ForeignKey("territory.Node", verbose_name=_("street"), null=True, blank=True,
                               on_delete=models.PROTECT, related_name="+")
    community = models.ForeignKey("territory.Node", verbose_name=_("community"), null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="+")
    grid = models.ForeignKey("territory.Node", verbose_name=_("grid"), null=True, blank=True,
                             on_delete=models.PROTECT, related_name="+")
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    address = models.CharField(_("address"), max_length=255, blank=True)
    # who
    reporter = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("reported by"), null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="reported_events")
    reporter_name = models.CharField(_("reporter's name"), max_length=50, blank=True)
    reporter_phone = EncryptedTextField(_("reporter's phone"), blank=True)
    reporter_phone_masked = models.CharField(_("reporter's phone (masked)"), max_length=40, blank=True,
                                             editable=False)
    household = models.ForeignKey("territory.Household", verbose_name=_("household concerned"), null=True,
                                  blank=True, on_delete=models.SET_NULL, related_name="+")
    open311_client = models.ForeignKey("gridops.Open311Client", verbose_name=_("Open311 client"), null=True,
                                       blank=True, on_delete=models.SET_NULL, related_name="+")
    submission_key = models.CharField(_("submission key"), max_length=80, null=True, blank=True, unique=True,
                                      editable=False)
    # state and clock
    state = models.CharField(_("state"), max_length=12, choices=EventState.choices, default=EventState.REPORTED)
    handling_unit = models.ForeignKey("gridops.HandlingUnit", verbose_name=_("handling unit"), null=True,
                                      blank=True, on_delete=models.PROTECT, related_name="events")
    merged_into = models.ForeignKey("self", verbose_name=_("merged into"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="merged")
    reported_at = models.DateTimeField(_("reported at"), db_index=True)
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    filed_at = models.DateTimeField(_("filed at"), null=True, blank=True)
    dispatched_at = models.DateTimeField(_("dispatched at"), null=True, blank=True)
    deadline = models.DateTimeField(_("deadline"), null=True, blank=True)
    yellow_at = models.DateTimeField(_("due soon from"), null=True, blank=True)
    fed_back_at = models.DateTimeField(_("fed back at"), null=True, blank=True)
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    handled_on_time = models.BooleanField(_("handled on time"), null=True)
    closed_on_time = models.BooleanField(_("closed on time"), null=True)
    handling_seconds = models.PositiveIntegerField(_("handling time (s)"), null=True, blank=True)
    rework_count = models.PositiveSmallIntegerField(_("reworks"), default=0)
    extension_count = models.PositiveSmallIntegerField(_("extensions"), default=0)
    escalation = models.PositiveSmallIntegerField(_("escalation"), choices=EscalationLevel.choices, default=0)
    supervised = models.BooleanField(_("supervised"), default=False)
    rating = models.CharField(_("rating"), max_length=12, choices=Rating.choices, blank=True)
    rated_at = models.DateTimeField(_("rated at"), null=True, blank=True)
    public_note = models.CharField(_("latest public note"), max_length=255, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = ScopedQuerySet.as_manager()
    SCOPE_PERMISSION = Perm.EVENTS_VIEW
    SCOPE_FIELDS = {"district": "district_id", "street": "street_id", "community": "community_id",
                    "grid": "grid_id"}
    AUDIT_MASKED = {"reporter_phone": "phone"}
    AUDIT_EXCLUDE = ("reporter_phone_masked",)

    class Meta:
        verbose_name = _("event")
        verbose_name_plural = _("events")
        ordering = ["-reported_at", "-id"]
        indexes = [
            models.Index(fields=["district", "reported_at"], name="event_district_reported"),
            models.Index(fields=["street", "reported_at"], name="event_street_reported"),
            models.Index(fields=["community", "reported_at"], name="event_community_reported"),
            models.Index(fields=["grid", "reported_at"], name="event_grid_reported"),
            models.Index(fields=["state", "deadline"], name="event_state_deadline"),
            models.Index(fields=["handling_unit", "state"], name="event_unit_state"),
            models.Index(fields=["category", "reported_at"], name="event_category_reported"),
        ]

    def __str__(self):
        return f"{self.number} {self.title}"

    @property
    def audit_territory(self):
        return None

    @classmethod
    def scope_extra_q(cls, user, permission):
        """Beyond territory: the handling unit's staff see what was dispatched to their unit (and what it
        handled before); a reporter sees his own reports."""
        if permission not in (Perm.EVENTS_VIEW, Perm.EVENTS_HANDLE):
            return None
        q = None
        if user.has_permission(Perm.EVENTS_HANDLE):
            units = list(user.unit_memberships.values_list("unit_id", flat=True))
            if units:
                handled = EventStep.objects.filter(unit_id__in=units).values("event_id")
                q = Q(handling_unit_id__in=units) | Q(pk__in=handled)
        if permission == Perm.EVENTS_VIEW:
            mine = Q(reporter_id=user.pk)
            q = mine if q is None else q | mine
        return q


class EventStep(models.Model):
    """One step of an event's workflow (history row): who did what, when, from which state to which, with
    the note and photos; ``unit`` is the handling unit involved (dispatch, return, feedback)."""

    event = models.ForeignKey(Event, verbose_name=_("event"), on_delete=models.CASCADE, related_name="steps")
    action = models.CharField(_("action"), max_length=20, choices=Action.choices)
    from_state = models.CharField(_("from"), max_length=12, choices=EventState.choices, blank=True)
    to_state = models.CharField(_("to"), max_length=12, choices=EventState.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("by"), null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="+")
    actor_name = models.CharField(_("by (name)"), max_length=100, blank=True)
    unit = models.ForeignKey("gridops.HandlingUnit", verbose_name=_("handling unit"), null=True, blank=True,
                             on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(_("time"))
    note = models.TextField(_("note"), blank=True)
    public = models.BooleanField(_("shown to the reporter"), default=False)
    data = models.JSONField(_("data"), default=dict, blank=True)

    class Meta:
        verbose_name = _("event step")
        verbose_name_plural = _("event steps")
        ordering = ["event_id", "at", "id"]
        indexes = [models.Index(fields=["event", "at"], name="event_step_event_at")]

    def __str__(self):
        return f"{self.event_id} {self.action}"


def photo_path(instance, filename):
    return f"events/{instance.event.reported_at:%Y/%m}/{instance.event.number}/{filename}"


class EventPhoto(models.Model):
    """A photo of an event, taken at report, handling, feedback or verification (stored with the step)."""

    event = models.ForeignKey(Event, verbose_name=_("event"), on_delete=models.CASCADE, related_name="photos")
    step = models.ForeignKey(EventStep, verbose_name=_("step"), null=True, blank=True, on_delete=models.CASCADE,
                             related_name="photos")
    image = models.FileField(_("photo"), upload_to=photo_path, max_length=255)
    content_type = models.CharField(_("content type"), max_length=40)
    size = models.PositiveIntegerField(_("size (bytes)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), null=True,
                                    blank=True, on_delete=models.SET_NULL, related_name="+")
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("event photo")
        verbose_name_plural = _("event photos")
        ordering = ["event_id", "id"]

    def __str__(self):
        return self.image.name


class Extension(models.Model):
    """A request for more time (延期) by the handling unit, approved or refused by the desk."""

    event = models.ForeignKey(Event, verbose_name=_("event"), on_delete=models.CASCADE, related_name="extensions")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("requested by"), null=True,
                                     on_delete=models.SET_NULL, related_name="+")
    requested_at = models.DateTimeField(_("requested at"))
    reason = models.TextField(_("reason"))
    extra = models.PositiveIntegerField(_("extra time"))
    extra_unit = models.CharField(_("unit"), max_length=20, choices=[
        ("working_days", _("working days")), ("working_hours", _("working hours")),
        ("natural_days", _("calendar days"))], default="working_days")
    state = models.CharField(_("state"), max_length=10, choices=ExtensionState.choices,
                             default=ExtensionState.PENDING)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("decided by"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    old_deadline = models.DateTimeField(_("deadline before"), null=True, blank=True)
    new_deadline = models.DateTimeField(_("deadline after"), null=True, blank=True)

    class Meta:
        verbose_name = _("extension")
        verbose_name_plural = _("extensions")
        ordering = ["event_id", "requested_at"]
        constraints = [
            models.UniqueConstraint(fields=["event"], condition=Q(state="pending"),
                                    name="extension_one_pending"),
        ]

    def __str__(self):
        return f"{self.event_id} +{self.extra}"
