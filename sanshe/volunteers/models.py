"""Volunteers (志愿者): the registry, activities, sign-up, check-in and out, and the service records.

A :class:`Volunteer` may be a resident of the district (``resident``) or not; his ID number and phone are
encrypted at rest with a blind index for exact lookup, as in the registry. An :class:`Activity` is posted by a
community or an organization (谁组织谁记录: the organizer records and confirms the hours). Every hour of service
is a :class:`ServiceRecord` (民政部令第67号: time, place, content, hours, organizer, confirmation); only confirmed
records count. Points, star levels, certificates, the time bank, recognition and party members in service are in
``models_rewards.py`` and ``models_party.py``; they read the confirmed service records.
Territory ancestors are copied onto every row (district, street, community) for scoping and counting.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from sanshe.accounts.roles import Perm
from sanshe.core.fields import EncryptedTextField
from sanshe.core.models import ScopedRow
from sanshe.core.scoping import ScopedQuerySet

from .choices import RecordSource, RecordState, SignUpState


def organization_ids(user) -> list[int]:
    """The organizations ``user`` is staff of (the ``social_org`` role reaches those only)."""
    if user is None or not user.is_authenticated:
        return []
    from sanshe.societies.models import OrganizationStaff

    return list(OrganizationStaff.objects.filter(user=user).values_list("organization_id", flat=True))


def self_districts(user) -> list[int]:
    """The districts where ``user`` holds VOLUNTEER_SELF: a volunteer sees the activities of his district."""
    from sanshe.territory.models import Node

    ids = {node_id for _level, node_id in user.scope_nodes(Perm.VOLUNTEER_SELF)} if user.is_authenticated else set()
    return list(Node.objects.filter(pk__in=ids).values_list("district_id", flat=True).distinct())


class VolunteerQuerySet(ScopedQuerySet):
    """Staff see the volunteers of their territory; a volunteer (VOLUNTEER_SELF) sees himself only."""

    def visible_to(self, user, permission=None):
        if permission == Perm.VOLUNTEER_SELF:
            if not user.is_authenticated or not user.has_permission(permission):
                return self.none()
            return self.filter(user_id=user.pk)
        if permission == Perm.VOLUNTEERS_ORGANIZE:
            if not user.is_authenticated or not user.has_permission(permission):
                return self.none()
            orgs = organization_ids(user)
            return self.filter(Q(signups__activity__organization_id__in=orgs)
                               | Q(teams__organization_id__in=orgs)).distinct()
        return super().visible_to(user, permission)


class ActivityQuerySet(ScopedQuerySet):
    """Staff see their territory's activities; an organization's staff (VOLUNTEERS_ORGANIZE) the activities of
    their organizations; a volunteer (VOLUNTEER_SELF) every activity of his district (the public-ish list)."""

    def visible_to(self, user, permission=None):
        if permission == Perm.VOLUNTEER_SELF:
            if not user.is_authenticated or not user.has_permission(permission):
                return self.none()
            return self.filter(district_id__in=self_districts(user))
        if permission == Perm.VOLUNTEERS_ORGANIZE:
            return super().visible_to(user, permission).filter(organization_id__in=organization_ids(user))
        return super().visible_to(user, permission)


class TeamQuerySet(ScopedQuerySet):
    def visible_to(self, user, permission=None):
        if permission == Perm.VOLUNTEERS_ORGANIZE:
            return super().visible_to(user, permission).filter(organization_id__in=organization_ids(user))
        return super().visible_to(user, permission)


class ServiceRecordQuerySet(ScopedQuerySet):
    """Staff: their territory; an organization's staff: the records of their organizations; a volunteer: his."""

    def visible_to(self, user, permission=None):
        if permission == Perm.VOLUNTEER_SELF:
            if not user.is_authenticated or not user.has_permission(permission):
                return self.none()
            return self.filter(volunteer__user_id=user.pk)
        if permission == Perm.VOLUNTEERS_ORGANIZE:
            return super().visible_to(user, permission).filter(organization_id__in=organization_ids(user))
        return super().visible_to(user, permission)


class Volunteer(ScopedRow):
    """A registered volunteer: who he is, his skills and availability; ``number`` is his volunteer number."""

    number = models.CharField(_("volunteer number"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=50)
    user = models.OneToOneField(settings.AUTH_USER_MODEL, verbose_name=_("account"), null=True, blank=True,
                                on_delete=models.SET_NULL, related_name="volunteer")
    resident = models.ForeignKey("territory.Resident", verbose_name=_("resident"), null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="+")
    id_number = EncryptedTextField(_("ID number"), blank=True)
    id_number_index = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    phone = EncryptedTextField(_("phone"), blank=True)
    phone_index = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    id_number_masked = models.CharField(_("ID number (masked)"), max_length=40, blank=True, editable=False)
    phone_masked = models.CharField(_("phone (masked)"), max_length=40, blank=True, editable=False)
    skills = models.JSONField(_("skills"), default=list, blank=True)
    availability = models.CharField(_("availability"), max_length=200, blank=True)
    is_party_member = models.BooleanField(_("party member"), default=False)
    registered_on = models.DateField(_("registered on"))
    is_active = models.BooleanField(_("active"), default=True)
    registered_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("registered by"), null=True,
                                      blank=True, on_delete=models.SET_NULL, related_name="+")

    objects = VolunteerQuerySet.as_manager()
    SCOPE_PERMISSION = Perm.VOLUNTEERS_VIEW
    AUDIT_MASKED = {"id_number": "id_number", "phone": "phone"}
    AUDIT_EXCLUDE = ("id_number_index", "phone_index")

    class Meta:
        verbose_name = _("volunteer")
        verbose_name_plural = _("volunteers")
        ordering = ["number"]
        constraints = [
            models.UniqueConstraint(fields=["id_number_index"], condition=~Q(id_number_index=""),
                                    name="volunteer_unique_id_number"),
            models.UniqueConstraint(fields=["resident"], condition=Q(resident__isnull=False),
                                    name="volunteer_unique_resident"),
        ]
        indexes = [models.Index(fields=["community", "is_active"]), models.Index(fields=["street", "is_active"]),
                   models.Index(fields=["district", "is_active"])]

    def __str__(self):
        return f"{self.name}（{self.number}）"


class Activity(ScopedRow):
    """A volunteer activity posted by a community (``organization`` empty) or an organization."""

    title = models.CharField(_("title"), max_length=100)
    organization = models.ForeignKey("societies.Organization", verbose_name=_("organizing organization"),
                                     null=True, blank=True, on_delete=models.PROTECT, related_name="activities")
    place = models.CharField(_("place"), max_length=200)
    content = models.TextField(_("content"), blank=True)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    slots = models.PositiveIntegerField(_("slots"), default=0)
    skills = models.JSONField(_("skills wanted"), default=list, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    team = models.ForeignKey("Team", verbose_name=_("team"), null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="activities")
    contact = models.CharField(_("person in charge"), max_length=50, blank=True)
    allow_walk_in = models.BooleanField(_("walk-ins may check in while slots remain"), default=True)
    token = models.CharField(_("check-in token"), max_length=43, unique=True, editable=False)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    cancel_reason = models.CharField(_("reason for cancelling"), max_length=200, blank=True)

    objects = ActivityQuerySet.as_manager()
    SCOPE_PERMISSION = Perm.VOLUNTEERS_VIEW
    AUDIT_EXCLUDE = ("token",)

    class Meta:
        verbose_name = _("volunteer activity")
        verbose_name_plural = _("volunteer activities")
        ordering = ["-starts_at", "pk"]
        constraints = [models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")),
                                              name="volunteer_activity_ends_after_start")]
        indexes = [models.Index(fields=["district", "starts_at"]), models.Index(fields=["community", "starts_at"])]

    def __str__(self):
        return self.title

    @property
    def organizer_name(self) -> str:
        """谁组织谁记录: the organization, else the community that posted it."""
        if self.organization_id:
            return self.organization.name
        return self.community.name if self.community_id else ""

    @property
    def is_cancelled(self) -> bool:
        return self.cancelled_at is not None


class Team(ScopedRow):
    """A volunteer team (志愿服务队) of a community or an organization, with its leader and members."""

    name = models.CharField(_("name"), max_length=100)
    organization = models.ForeignKey("societies.Organization", verbose_name=_("organization"), null=True,
                                     blank=True, on_delete=models.PROTECT, related_name="volunteer_teams")
    leader = models.ForeignKey(Volunteer, verbose_name=_("leader"), null=True, blank=True,
                               on_delete=models.SET_NULL, related_name="led_teams")
    members = models.ManyToManyField(Volunteer, verbose_name=_("members"), blank=True, related_name="teams")
    service_field = models.CharField(_("service field"), max_length=100, blank=True)
    founded_on = models.DateField(_("founded on"), null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    objects = TeamQuerySet.as_manager()
    SCOPE_PERMISSION = Perm.VOLUNTEERS_VIEW

    class Meta:
        verbose_name = _("volunteer team")
        verbose_name_plural = _("volunteer teams")
        ordering = ["name", "pk"]
        constraints = [models.UniqueConstraint(fields=["community", "name"], name="volunteer_team_unique_name")]

    def __str__(self):
        return self.name


class SignUp(models.Model):
    """A volunteer's sign-up for an activity (报名); a cancelled one frees its slot. Walk-ins that check in
    without signing up get one too (``walk_in``)."""

    activity = models.ForeignKey(Activity, verbose_name=_("activity"), on_delete=models.CASCADE,
                                 related_name="signups")
    volunteer = models.ForeignKey(Volunteer, verbose_name=_("volunteer"), on_delete=models.CASCADE,
                                  related_name="signups")
    state = models.CharField(_("state"), max_length=12, choices=SignUpState.choices, default=SignUpState.SIGNED_UP)
    walk_in = models.BooleanField(_("walk-in"), default=False)
    signed_up_at = models.DateTimeField(_("signed up at"))
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)

    class Meta:
        verbose_name = _("sign-up")
        verbose_name_plural = _("sign-ups")
        ordering = ["signed_up_at", "pk"]
        constraints = [models.UniqueConstraint(fields=["activity", "volunteer"], name="volunteer_signup_unique")]
        indexes = [models.Index(fields=["activity", "state"])]

    def __str__(self):
        return f"{self.volunteer} · {self.activity}"


class ServiceRecord(ScopedRow):
    """One stretch of service by one volunteer (民政部令第67号): when, where, what, how many hours, who organized it,
    who confirmed it. Only ``state`` confirmed counts for hours, points, star levels and certificates."""

    volunteer = models.ForeignKey(Volunteer, verbose_name=_("volunteer"), on_delete=models.PROTECT,
                                  related_name="records")
    activity = models.ForeignKey(Activity, verbose_name=_("activity"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="records")
    organization = models.ForeignKey("societies.Organization", verbose_name=_("organizing organization"),
                                     null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    source = models.CharField(_("source"), max_length=12, choices=RecordSource.choices, default=RecordSource.ACTIVITY)
    started_at = models.DateTimeField(_("started at"))
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    hours = models.DecimalField(_("hours"), max_digits=6, decimal_places=2, default=0)
    place = models.CharField(_("place"), max_length=200, blank=True)
    content = models.CharField(_("content"), max_length=255, blank=True)
    state = models.CharField(_("state"), max_length=12, choices=RecordState.choices, default=RecordState.OPEN)
    confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("confirmed by"), null=True,
                                     blank=True, on_delete=models.SET_NULL, related_name="+")
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    computed_hours = models.DecimalField(_("hours as checked in and out"), max_digits=6, decimal_places=2,
                                         null=True, blank=True)
    closed_by_rule = models.BooleanField(_("check-out closed by rule"), default=False)
    organizer_name = models.CharField(_("organizer"), max_length=100, blank=True)
    confirmer_name = models.CharField(_("confirmed by (name)"), max_length=100, blank=True)
    decision_note = models.CharField(_("reason for the adjustment or rejection"), max_length=300, blank=True)

    objects = ServiceRecordQuerySet.as_manager()
    SCOPE_PERMISSION = Perm.VOLUNTEERS_VIEW

    class Meta:
        verbose_name = _("service record")
        verbose_name_plural = _("service records")
        ordering = ["-started_at", "pk"]
        indexes = [models.Index(fields=["volunteer", "state"]), models.Index(fields=["community", "state"]),
                   models.Index(fields=["street", "state"]), models.Index(fields=["district", "state"])]
        constraints = [
            models.UniqueConstraint(fields=["volunteer", "activity"], condition=Q(activity__isnull=False),
                                    name="volunteer_record_one_per_activity"),
            models.CheckConstraint(condition=Q(hours__gte=0), name="volunteer_record_hours_not_negative"),
        ]

    def __str__(self):
        return f"{self.volunteer} · {self.hours}"


from .models_party import *  # noqa: E402,F403  (party members in service: reports and posts)
from .models_rewards import *  # noqa: E402,F403  (points, star levels, certificates, time bank, recognition)
