"""The service cloud (社区服务云 · 政务服务云): the service catalogue, the stations and their windows, one-window
applications with their materials and history, appointments and the community's certificates.

Departments are :class:`sanshe.gridops.models.HandlingUnit` rows (a district or street department): the same
人社局 or 民政科 handles events and service applications, and its staff are its ``UnitMember`` rows.
Territory ancestors are copied onto every scoped row (district, street, community) for scoping and counting.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from sanshe.accounts.roles import Perm
from sanshe.core.fields import EncryptedTextField
from sanshe.core.models import ScopedRow as CoreScopedRow
from sanshe.core.models import TimeStampedModel
from sanshe.core.scoping import ScopedQuerySet

from .choices import Action, ApplicationState, AppointmentState, Channel, MaterialStatus, Rating

SCOPE_FIELDS = CoreScopedRow.SCOPE_FIELDS


def _ancestor(label, *, null=True):
    return models.ForeignKey("territory.Node", verbose_name=label, null=null, blank=null,
                             on_delete=models.PROTECT, related_name="+")


class ScopedRow(CoreScopedRow):
    """Abstract: a service-cloud row of a district, street and (usually) community, read with ``servicedesk.view``."""

    objects = ScopedQuerySet.as_manager()
    SCOPE_PERMISSION = Perm.SERVICES_VIEW

    class Meta:
        abstract = True


# --- catalogue ------------------------------------------------------------------------------------------------
class ServiceCategory(TimeStampedModel):
    """A category of the service catalogue (劳动就业和社会保障、社会救助、残疾人服务 …)."""

    code = models.CharField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=50)
    sort_order = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("service category")
        verbose_name_plural = _("service categories")
        ordering = ["sort_order", "code"]

    def __str__(self):
        return self.name


class ServiceItem(TimeStampedModel):
    """An item of the one-window catalogue (事项): who handles it, what it needs, how long it may take.

    ``time_limit_days`` is the legal time limit (法定时限) in working days, counted from acceptance; 0 means
    done on the spot (即办件). ``department`` is the department whose queue receives the applications.
    """

    district = _ancestor(_("district"), null=False)
    code = models.CharField(_("code"), max_length=30)
    name = models.CharField(_("name"), max_length=100)
    category = models.ForeignKey(ServiceCategory, verbose_name=_("category"), on_delete=models.PROTECT,
                                 related_name="items")
    department = models.ForeignKey("gridops.HandlingUnit", verbose_name=_("department"), on_delete=models.PROTECT,
                                   related_name="service_items")
    description = models.TextField(_("description"), blank=True)
    eligibility = models.TextField(_("who may apply"), blank=True)
    time_limit_days = models.PositiveSmallIntegerField(_("legal time limit (working days)"), default=20)
    fee = models.DecimalField(_("fee (yuan)"), max_digits=8, decimal_places=2, default=0)
    channel = models.CharField(_("where"), max_length=10, choices=Channel.choices, default=Channel.BOTH)
    is_active = models.BooleanField(_("active"), default=True)
    sort_order = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("service item")
        verbose_name_plural = _("service items")
        ordering = ["category__sort_order", "sort_order", "code"]
        constraints = [models.UniqueConstraint(fields=["district", "code"], name="service_item_unique_code")]

    def __str__(self):
        return self.name


class ItemMaterial(models.Model):
    """A material an item requires (申请材料): the window's checklist and the 一次性告知 notice list them."""

    item = models.ForeignKey(ServiceItem, verbose_name=_("service item"), on_delete=models.CASCADE,
                             related_name="materials")
    name = models.CharField(_("material"), max_length=200)
    required = models.BooleanField(_("required"), default=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    sort_order = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("required material")
        verbose_name_plural = _("required materials")
        ordering = ["sort_order", "pk"]

    def __str__(self):
        return self.name


class ServiceStation(ScopedRow):
    """A service station (社区党群服务中心 / 便民服务站) with its windows; any window accepts any item (一窗多能)."""

    node = models.ForeignKey("territory.Node", verbose_name=_("located at"), on_delete=models.PROTECT,
                             related_name="service_stations")
    name = models.CharField(_("name"), max_length=100)
    address = models.CharField(_("address"), max_length=255, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    windows = models.PositiveSmallIntegerField(_("windows"), default=3)
    opening_hours = models.CharField(_("opening hours"), max_length=100, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("service station")
        verbose_name_plural = _("service stations")
        ordering = ["node__code", "name"]
        constraints = [models.UniqueConstraint(fields=["node", "name"], name="service_station_unique_name")]

    def __str__(self):
        return self.name


# --- applications -----------------------------------------------------------------------------------------------
class Application(ScopedRow):
    """An application (办件) accepted at a window and routed to the item's department.

    ``deadline`` = acceptance + the item's time limit in working days, moved on by the working time spent in
    补正 (``paused_since`` is set while the clock stands, ``paused_seconds`` sums the working seconds it stood).
    ``finished_at`` is set at 办结 or 不予办理, ``on_time`` compares it with the deadline. The applicant is a
    resident of the registry (then ``resident`` and ``household`` are set) or a person typed in at the window.
    """

    number = models.CharField(_("number"), max_length=24, unique=True)
    item = models.ForeignKey(ServiceItem, verbose_name=_("service item"), on_delete=models.PROTECT,
                             related_name="applications")
    department = models.ForeignKey("gridops.HandlingUnit", verbose_name=_("department"), on_delete=models.PROTECT,
                                   related_name="applications")
    station = models.ForeignKey(ServiceStation, verbose_name=_("station"), on_delete=models.PROTECT,
                                related_name="applications")
    window = models.PositiveSmallIntegerField(_("window"), null=True, blank=True)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices, default=Channel.WINDOW)
    # the applicant
    resident = models.ForeignKey("territory.Resident", verbose_name=_("resident"), null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="+")
    household = models.ForeignKey("territory.Household", verbose_name=_("household"), null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="+")
    applicant_name = models.CharField(_("applicant"), max_length=50)
    applicant_id_number = EncryptedTextField(_("applicant's ID number"), blank=True)
    applicant_id_masked = models.CharField(_("applicant's ID number (masked)"), max_length=40, blank=True,
                                           editable=False)
    applicant_phone = EncryptedTextField(_("applicant's phone"), blank=True)
    applicant_phone_masked = models.CharField(_("applicant's phone (masked)"), max_length=40, blank=True,
                                              editable=False)
    description = models.TextField(_("what is asked"), blank=True)
    # the workflow
    state = models.CharField(_("state"), max_length=12, choices=ApplicationState.choices,
                             default=ApplicationState.RECEIVED, db_index=True)
    received_at = models.DateTimeField(_("accepted at"), db_index=True)
    deadline = models.DateTimeField(_("deadline"), null=True, blank=True)
    paused_since = models.DateTimeField(_("clock stopped since"), null=True, blank=True)
    paused_seconds = models.PositiveIntegerField(_("working seconds in 补正"), default=0)
    started_at = models.DateTimeField(_("processing since"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    on_time = models.BooleanField(_("on time"), null=True, blank=True)
    result_note = models.TextField(_("result"), blank=True)
    accepted_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("accepted by"), null=True,
                                    blank=True, on_delete=models.SET_NULL, related_name="+")
    handler = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("handled by"), null=True, blank=True,
                                on_delete=models.SET_NULL, related_name="+")
    rating = models.CharField(_("rating"), max_length=20, choices=Rating.choices, blank=True)
    rating_comment = models.CharField(_("comment"), max_length=500, blank=True)
    rated_at = models.DateTimeField(_("rated at"), null=True, blank=True)
    submission_key = models.CharField(_("submission key"), max_length=80, null=True, blank=True, unique=True,
                                      editable=False)

    AUDIT_MASKED = {"applicant_id_number": "id_number", "applicant_phone": "phone"}
    AUDIT_EXCLUDE = ("applicant_id_masked", "applicant_phone_masked")

    class Meta:
        verbose_name = _("application")
        verbose_name_plural = _("applications")
        ordering = ["-received_at", "-pk"]
        indexes = [
            models.Index(fields=["department", "state"], name="application_department_state"),
            models.Index(fields=["station", "received_at"], name="application_station_time"),
            models.Index(fields=["community", "received_at"], name="application_community_time"),
        ]

    def __str__(self):
        return f"{self.number} {self.item}"

    @classmethod
    def scope_extra_q(cls, user, permission):
        """Beyond territory: a department's staff see the applications routed to their department."""
        if permission not in (Perm.SERVICES_VIEW, Perm.SERVICES_HANDLE) or not user.has_permission(
                Perm.SERVICES_HANDLE):
            return None
        units = list(user.unit_memberships.values_list("unit_id", flat=True))
        return Q(department_id__in=units) if units else None


class ApplicationMaterial(models.Model):
    """One line of an application's materials checklist, copied from the item at acceptance."""

    application = models.ForeignKey(Application, verbose_name=_("application"), on_delete=models.CASCADE,
                                    related_name="materials")
    name = models.CharField(_("material"), max_length=200)
    required = models.BooleanField(_("required"), default=True)
    status = models.CharField(_("status"), max_length=12, choices=MaterialStatus.choices,
                              default=MaterialStatus.RECEIVED)
    note = models.CharField(_("note"), max_length=200, blank=True)
    sort_order = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("application material")
        verbose_name_plural = _("application materials")
        ordering = ["sort_order", "pk"]

    def __str__(self):
        return self.name


class ApplicationStep(models.Model):
    """One step of an application's history: who did what, when, from which state to which."""

    application = models.ForeignKey(Application, verbose_name=_("application"), on_delete=models.CASCADE,
                                    related_name="steps")
    action = models.CharField(_("action"), max_length=20, choices=Action.choices)
    from_state = models.CharField(_("from"), max_length=12, choices=ApplicationState.choices, blank=True)
    to_state = models.CharField(_("to"), max_length=12, choices=ApplicationState.choices, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("by"), null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="+")
    actor_name = models.CharField(_("by (name)"), max_length=100, blank=True)
    at = models.DateTimeField(_("at"), db_index=True)
    note = models.TextField(_("note"), blank=True)
    public = models.BooleanField(_("shown to the applicant"), default=True)
    data = models.JSONField(_("details"), default=dict, blank=True)

    class Meta:
        verbose_name = _("application step")
        verbose_name_plural = _("application steps")
        ordering = ["at", "pk"]

    def __str__(self):
        return f"{self.application_id} {self.action}"


class ApplicationAttachment(models.Model):
    """A scanned material or a result document kept with an application."""

    application = models.ForeignKey(Application, verbose_name=_("application"), on_delete=models.CASCADE,
                                    related_name="attachments")
    step = models.ForeignKey(ApplicationStep, verbose_name=_("step"), null=True, blank=True,
                             on_delete=models.SET_NULL, related_name="attachments")
    file = models.FileField(_("file"), upload_to="servicedesk/%Y/%m/")
    name = models.CharField(_("name"), max_length=200)
    content_type = models.CharField(_("content type"), max_length=100, blank=True)
    size = models.PositiveIntegerField(_("size"), default=0)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), null=True,
                                    blank=True, on_delete=models.SET_NULL, related_name="+")
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["pk"]

    def __str__(self):
        return self.name


# --- appointments -----------------------------------------------------------------------------------------------
class AppointmentSlot(TimeStampedModel):
    """A bookable time slot of a station (预约时段) with a capacity."""

    station = models.ForeignKey(ServiceStation, verbose_name=_("station"), on_delete=models.CASCADE,
                                related_name="slots")
    date = models.DateField(_("date"))
    start = models.TimeField(_("from"))
    end = models.TimeField(_("to"))
    capacity = models.PositiveSmallIntegerField(_("places"), default=4)

    class Meta:
        verbose_name = _("appointment slot")
        verbose_name_plural = _("appointment slots")
        ordering = ["date", "start"]
        constraints = [
            models.UniqueConstraint(fields=["station", "date", "start"], name="appointment_slot_unique"),
            models.CheckConstraint(condition=Q(end__gt=models.F("start")), name="appointment_slot_ends_after_start"),
        ]

    def __str__(self):
        return f"{self.station} {self.date} {self.start:%H:%M}"


class Appointment(ScopedRow):
    """A booking of a slot for an item; kept when the person comes (and then linked to the application)."""

    number = models.CharField(_("number"), max_length=24, unique=True)
    slot = models.ForeignKey(AppointmentSlot, verbose_name=_("slot"), on_delete=models.PROTECT,
                             related_name="appointments")
    item = models.ForeignKey(ServiceItem, verbose_name=_("service item"), on_delete=models.PROTECT,
                             related_name="appointments")
    name = models.CharField(_("name"), max_length=50)
    phone = EncryptedTextField(_("phone"), blank=True)
    phone_masked = models.CharField(_("phone (masked)"), max_length=40, blank=True, editable=False)
    resident = models.ForeignKey("territory.Resident", verbose_name=_("resident"), null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="+")
    booked_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("booked by"), null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="+")
    state = models.CharField(_("state"), max_length=10, choices=AppointmentState.choices,
                             default=AppointmentState.BOOKED)
    application = models.ForeignKey(Application, verbose_name=_("application"), null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")

    AUDIT_MASKED = {"phone": "phone"}
    AUDIT_EXCLUDE = ("phone_masked",)

    class Meta:
        verbose_name = _("appointment")
        verbose_name_plural = _("appointments")
        ordering = ["slot__date", "slot__start", "pk"]

    def __str__(self):
        return f"{self.number} {self.name}"


# --- certificates -----------------------------------------------------------------------------------------------
class CertificateType(TimeStampedModel):
    """A kind of certificate the community issues (居住证明、家庭成员关系证明 …) with its wording.

    ``template`` is the body with placeholders: ``{name}``, ``{id_number}`` (masked), ``{address}``,
    ``{household}``, ``{community}``, ``{purpose}``, ``{date}``.
    """

    district = _ancestor(_("district"), null=False)
    code = models.CharField(_("code"), max_length=30)
    name = models.CharField(_("name"), max_length=100)
    template = models.TextField(_("wording"))
    is_active = models.BooleanField(_("active"), default=True)
    sort_order = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("certificate type")
        verbose_name_plural = _("certificate types")
        ordering = ["sort_order", "code"]
        constraints = [models.UniqueConstraint(fields=["district", "code"], name="certificate_type_unique_code")]

    def __str__(self):
        return self.name


class Certificate(ScopedRow):
    """A certificate (证明) issued by a community: serial number, frozen wording, public verification code.

    Every issuance is a row (the seeds' 证明盖章 burden becomes countable); a revoked certificate stays, marked.
    """

    serial = models.CharField(_("serial number"), max_length=30, unique=True)
    verify_code = models.CharField(_("verification code"), max_length=32, unique=True, editable=False)
    type = models.ForeignKey(CertificateType, verbose_name=_("type"), on_delete=models.PROTECT,
                             related_name="certificates")
    resident = models.ForeignKey("territory.Resident", verbose_name=_("resident"), null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="+")
    household = models.ForeignKey("territory.Household", verbose_name=_("household"), null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="+")
    holder_name = models.CharField(_("holder"), max_length=50)
    holder_id_masked = models.CharField(_("holder's ID number (masked)"), max_length=40, blank=True)
    purpose = models.CharField(_("purpose"), max_length=200, blank=True)
    body = models.TextField(_("wording"))
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("issued by"), null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="+")
    issued_at = models.DateTimeField(_("issued at"), db_index=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoke_reason = models.CharField(_("reason for revoking"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("certificate")
        verbose_name_plural = _("certificates")
        ordering = ["-issued_at", "-pk"]

    def __str__(self):
        return f"{self.serial} {self.type}"


# The other areas keep their models in their own modules (imported here so that Django registers them).
from . import models_admission, models_hotline, models_orders  # noqa: E402, F401
