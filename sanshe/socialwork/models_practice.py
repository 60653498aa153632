"""Social workers' practice: cases (个案), groups (小组), community activities.

A :class:`Case` is one client's case work (the client is a resident of the registry), kept by one social worker and
watched by a supervisor (another social worker). Its confidential parts — the presenting problem, the assessment,
the plan, the session notes and the closure note — are encrypted at rest and read only by the case's social
worker and its supervisor (every read audited as ``socialwork.case.notes_read``); staff with
``SOCIALWORK_VIEW`` see the title, state and counts only.

A :class:`Group` (小组) meets in :class:`GroupSession` rows; every :class:`GroupAttendance` row is one person-time
(人次). A :class:`CommunityActivity` is one use of professional methods with its participants (person-times).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from sanshe.accounts.roles import Perm
from sanshe.core.fields import EncryptedTextField
from sanshe.core.models import ScopedRow, TimeStampedModel
from sanshe.core.scoping import ScopedQuerySet

from .choices_practice import (
    ActivityMethod,
    CaseAction,
    CaseKind,
    CaseOutcome,
    CaseState,
    GoalStatus,
    GroupKind,
    ReferralResult,
    ReferralSource,
    SessionMethod,
)

__all__ = ["Case", "CaseGoal", "CaseSession", "CaseReferral", "CaseStep", "Group", "GroupSession",
           "GroupAttendance", "CommunityActivity"]


class PracticeQuerySet(ScopedQuerySet):
    def practice_of(self, user, *, worker_field: str = "worker", supervisor_field: str | None = "supervisor"):
        """What ``user`` does as a social worker: rows of his practice territory that are his (or he supervises)."""
        q = Q(**{f"{worker_field}__user": user})
        if supervisor_field:
            q |= Q(**{f"{supervisor_field}__user": user})
        return self.visible_to(user, Perm.SOCIALWORK_PRACTICE).filter(q).distinct()


class Case(ScopedRow):
    """A case (个案): one resident served by one social worker, from intake to closure.

    Territory is the client's (copied at intake). The confidential fields (``problem``, ``assessment``, ``plan``,
    ``closure_note``) are encrypted; read them through :func:`sanshe.socialwork.services_practice.read_notes`.
    """

    number = models.CharField(_("case number"), max_length=30, unique=True)
    title = models.CharField(_("title"), max_length=100)
    kind = models.CharField(_("kind"), max_length=20, choices=CaseKind.choices, default=CaseKind.OTHER)
    client = models.ForeignKey("territory.Resident", verbose_name=_("client"), on_delete=models.PROTECT,
                               related_name="social_cases")
    referral_source = models.CharField(_("referral source"), max_length=20, choices=ReferralSource.choices)
    worker = models.ForeignKey("socialwork.SocialWorker", verbose_name=_("social worker"), on_delete=models.PROTECT,
                               related_name="cases")
    supervisor = models.ForeignKey("socialwork.SocialWorker", verbose_name=_("supervisor"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="supervised_cases")
    state = models.CharField(_("state"), max_length=20, choices=CaseState.choices, default=CaseState.INTAKE)
    opened_on = models.DateField(_("opened on"), db_index=True)
    closed_on = models.DateField(_("closed on"), null=True, blank=True, db_index=True)
    outcome = models.CharField(_("case outcome"), max_length=20, choices=CaseOutcome.choices, blank=True)
    problem = EncryptedTextField(_("presenting problem"), blank=True)
    assessment = EncryptedTextField(_("assessment"), blank=True)
    plan = EncryptedTextField(_("plan"), blank=True)
    closure_note = EncryptedTextField(_("closure note"), blank=True)

    objects = PracticeQuerySet.as_manager()
    SCOPE_PERMISSION = Perm.SOCIALWORK_VIEW
    AUDIT_EXCLUDE = ("problem", "assessment", "plan", "closure_note")  # never into the audit log

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        ordering = ["-opened_on", "-pk"]
        indexes = [models.Index(fields=["community", "state"], name="sw_case_comm_state")]
        constraints = [
            models.CheckConstraint(condition=~Q(supervisor=models.F("worker")), name="sw_case_supervisor_not_worker"),
        ]

    def __str__(self):
        return f"{self.number} {self.title}"

    def is_practitioner(self, user) -> bool:
        """The case's social worker or its supervisor (the only readers of the notes)."""
        if user is None or not user.is_authenticated:
            return False
        return self.worker.user_id == user.pk or (self.supervisor is not None and self.supervisor.user_id == user.pk)


class CaseGoal(TimeStampedModel):
    """A goal of a case's plan, with its status."""

    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="goals")
    text = models.CharField(_("goal"), max_length=200)
    status = models.CharField(_("status"), max_length=20, choices=GoalStatus.choices, default=GoalStatus.PENDING)

    class Meta:
        verbose_name = _("case goal")
        verbose_name_plural = _("case goals")
        ordering = ["pk"]

    def __str__(self):
        return self.text


class CaseSession(TimeStampedModel):
    """A session (面谈/电话/家访 …) of a case: date, hours, method and the confidential notes."""

    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="sessions")
    date = models.DateField(_("date"), db_index=True)
    hours = models.DecimalField(_("hours"), max_digits=5, decimal_places=1)
    method = models.CharField(_("method"), max_length=20, choices=SessionMethod.choices)
    notes = EncryptedTextField(_("notes"), blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), null=True,
                                    on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("case session")
        verbose_name_plural = _("case sessions")
        ordering = ["date", "pk"]
        constraints = [models.CheckConstraint(condition=Q(hours__gt=0), name="sw_case_session_hours_positive")]

    def __str__(self):
        return f"{self.case.number} {self.date}"


class CaseReferral(TimeStampedModel):
    """A referral (转介) of a case's client to another service: to whom, why, when, and what came of it."""

    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="referrals")
    to_whom = models.CharField(_("referred to"), max_length=100)
    reason = models.CharField(_("reason"), max_length=200)
    referred_on = models.DateField(_("referred on"))
    result = models.CharField(_("result"), max_length=20, choices=ReferralResult.choices,
                              default=ReferralResult.PENDING)
    result_note = models.CharField(_("result note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("referral")
        verbose_name_plural = _("referrals")
        ordering = ["referred_on", "pk"]

    def __str__(self):
        return self.to_whom


class CaseStep(models.Model):
    """One step of a case's workflow (history row): action, states before and after, who and when."""

    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="steps")
    action = models.CharField(_("action"), max_length=20, choices=CaseAction.choices)
    from_state = models.CharField(_("from state"), max_length=20, choices=CaseState.choices, blank=True)
    to_state = models.CharField(_("to state"), max_length=20, choices=CaseState.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("actor"), null=True,
                              on_delete=models.SET_NULL, related_name="+")
    actor_name = models.CharField(_("actor name"), max_length=100, blank=True)
    at = models.DateTimeField(_("at"))
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("case step")
        verbose_name_plural = _("case steps")
        ordering = ["at", "pk"]

    def __str__(self):
        return f"{self.case_id} {self.action}"


class Group(ScopedRow):
    """A group (小组) run by one or more social workers: goals, sessions, attendance (person-times)."""

    number = models.CharField(_("group number"), max_length=30, unique=True)
    title = models.CharField(_("title"), max_length=100)
    kind = models.CharField(_("kind"), max_length=20, choices=GroupKind.choices, default=GroupKind.SUPPORT)
    goals = models.TextField(_("goals"))
    workers = models.ManyToManyField("socialwork.SocialWorker", verbose_name=_("social workers"),
                                     related_name="groups")
    started_on = models.DateField(_("started on"), db_index=True)
    is_closed = models.BooleanField(_("ended"), default=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True,
                                   on_delete=models.SET_NULL, related_name="+")

    objects = PracticeQuerySet.as_manager()
    SCOPE_PERMISSION = Perm.SOCIALWORK_VIEW

    class Meta:
        verbose_name = _("group")
        verbose_name_plural = _("groups")
        ordering = ["-started_on", "-pk"]

    def __str__(self):
        return f"{self.number} {self.title}"


class GroupSession(TimeStampedModel):
    """One meeting of a group: date, hours, topic."""

    group = models.ForeignKey(Group, verbose_name=_("group"), on_delete=models.CASCADE, related_name="sessions")
    date = models.DateField(_("date"), db_index=True)
    hours = models.DecimalField(_("hours"), max_digits=5, decimal_places=1)
    topic = models.CharField(_("topic"), max_length=100)

    class Meta:
        verbose_name = _("group session")
        verbose_name_plural = _("group sessions")
        ordering = ["date", "pk"]
        constraints = [models.CheckConstraint(condition=Q(hours__gt=0), name="sw_group_session_hours_positive")]

    def __str__(self):
        return f"{self.group.number} {self.date} {self.topic}"


class GroupAttendance(models.Model):
    """A resident present at a group session: one person-time (人次)."""

    session = models.ForeignKey(GroupSession, verbose_name=_("group session"), on_delete=models.CASCADE,
                                related_name="attendance")
    resident = models.ForeignKey("territory.Resident", verbose_name=_("resident"), on_delete=models.PROTECT,
                                 related_name="group_attendance")
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("attendance")
        verbose_name_plural = _("attendance")
        constraints = [models.UniqueConstraint(fields=["session", "resident"], name="sw_attendance_unique")]

    def __str__(self):
        return f"{self.session_id} {self.resident_id}"


class CommunityActivity(ScopedRow):
    """A community activity using professional methods (专业方法运用): date, method, place, person-times."""

    title = models.CharField(_("title"), max_length=100)
    date = models.DateField(_("date"), db_index=True)
    method = models.CharField(_("method"), max_length=20, choices=ActivityMethod.choices)
    place = models.CharField(_("place"), max_length=100)
    participants = models.PositiveIntegerField(_("participants (person-times)"))
    worker = models.ForeignKey("socialwork.SocialWorker", verbose_name=_("social worker"), on_delete=models.PROTECT,
                               related_name="community_activities")
    description = models.TextField(_("description"), blank=True)

    objects = PracticeQuerySet.as_manager()
    SCOPE_PERMISSION = Perm.SOCIALWORK_VIEW

    class Meta:
        verbose_name = _("community activity")
        verbose_name_plural = _("community activities")
        ordering = ["-date", "-pk"]

    def __str__(self):
        return self.title
