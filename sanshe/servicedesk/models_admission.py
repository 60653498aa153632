"""Models of the service cloud: community work admission (社区工作准入; see ``choices_admission.py``).

* :class:`ListEntry`: the district's approved list (工作指导目录) — what departments may ask of communities;
* :class:`CommunityTask`: a task a department submits for communities, admitted or refused at the gate,
  with its history (:class:`TaskStep`);
* :class:`TaskAssignment`: an admitted task's work per community and period, marked done by the community.
The burden page counts assignments (admitted) and refused tasks per community and month.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sanshe.accounts.roles import Perm
from sanshe.core.models import TimeStampedModel
from sanshe.core.scoping import ScopedQuerySet

from .choices_admission import AssignmentState, Frequency, RefusalReason, TaskAction, TaskKind, TaskState
from .models import ScopedRow, _ancestor

DISTRICT_SCOPE = {"district": "district_id"}


class ListEntry(TimeStampedModel):
    """An entry of the district's approved list (工作指导目录): a kind of work a department may assign to
    communities, on which legal basis, from when to when; ``withdrawn_at`` ends it early (with a reason)."""

    district = _ancestor(_("district"), null=False)
    code = models.CharField(_("code"), max_length=20)
    title = models.CharField(_("title"), max_length=200)
    kind = models.CharField(_("kind"), max_length=12, choices=TaskKind.choices)
    department = models.ForeignKey("gridops.HandlingUnit", verbose_name=_("department"), on_delete=models.PROTECT,
                                   related_name="admission_entries")
    legal_basis = models.CharField(_("legal basis"), max_length=300, blank=True)
    effective_from = models.DateField(_("effective from"))
    effective_to = models.DateField(_("effective to"), null=True, blank=True)
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    withdraw_reason = models.CharField(_("reason for withdrawing"), max_length=300, blank=True)

    objects = ScopedQuerySet.as_manager()
    SCOPE_PERMISSION = Perm.ADMISSION_REVIEW
    SCOPE_FIELDS = DISTRICT_SCOPE

    class Meta:
        verbose_name = _("approved list entry")
        verbose_name_plural = _("approved list entries")
        ordering = ["code", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["district", "code"], name="admission_entry_unique_code"),
            models.CheckConstraint(condition=models.Q(effective_to__isnull=True)
                                   | models.Q(effective_to__gte=models.F("effective_from")),
                                   name="admission_entry_dates"),
        ]

    def __str__(self):
        return f"{self.code} {self.title}"

    def in_force(self, day=None) -> bool:
        day = day or timezone.localdate()
        return (self.withdrawn_at is None and self.effective_from <= day
                and (self.effective_to is None or day <= self.effective_to))


class CommunityTask(TimeStampedModel):
    """A task a department asks of communities (台账、报表、证明、检查 …). ``state`` is set by the gate at
    submission (admitted when an active list entry covers it, else refused with ``refusal_reason``)
    and may be changed by the district admin with a reason (``TRANSITIONS``)."""

    district = _ancestor(_("district"), null=False)
    number = models.CharField(_("number"), max_length=24, unique=True)
    department = models.ForeignKey("gridops.HandlingUnit", verbose_name=_("department"), on_delete=models.PROTECT,
                                   related_name="community_tasks")
    title = models.CharField(_("title"), max_length=200)
    kind = models.CharField(_("kind"), max_length=12, choices=TaskKind.choices)
    entry = models.ForeignKey(ListEntry, verbose_name=_("approved list entry"), null=True, blank=True,
                              on_delete=models.PROTECT, related_name="tasks")
    communities = models.ManyToManyField("territory.Node", verbose_name=_("target communities"),
                                         related_name="+")
    frequency = models.CharField(_("frequency"), max_length=10, choices=Frequency.choices, default=Frequency.ONCE)
    due_date = models.DateField(_("due date (last period)"))
    hours = models.DecimalField(_("workload per community and period (hours)"), max_digits=6, decimal_places=1)
    description = models.TextField(_("description"), blank=True)
    state = models.CharField(_("state"), max_length=10, choices=TaskState.choices, default=TaskState.SUBMITTED,
                             db_index=True)
    refusal_reason = models.CharField(_("reason for refusal"), max_length=20, choices=RefusalReason.choices,
                                      blank=True)
    decision_note = models.CharField(_("decision"), max_length=500, blank=True)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("submitted by"), null=True,
                                     blank=True, on_delete=models.SET_NULL, related_name="+")
    submitted_at = models.DateTimeField(_("submitted at"), db_index=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    objects = ScopedQuerySet.as_manager()
    SCOPE_PERMISSION = Perm.ADMISSION_REVIEW
    SCOPE_FIELDS = DISTRICT_SCOPE

    class Meta:
        verbose_name = _("community task")
        verbose_name_plural = _("community tasks")
        ordering = ["-submitted_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=models.Q(hours__gte=0), name="admission_task_hours"),
            models.CheckConstraint(condition=~models.Q(state=TaskState.REFUSED) | ~models.Q(refusal_reason=""),
                                   name="admission_task_refusal_reason"),
        ]

    def __str__(self):
        return f"{self.number} {self.title}"

    @classmethod
    def scope_extra_q(cls, user, permission):
        """A department's staff (ADMISSION_SUBMIT) see their department's tasks."""
        if permission != Perm.ADMISSION_SUBMIT or not user.has_permission(Perm.ADMISSION_SUBMIT):
            return None
        units = list(user.unit_memberships.values_list("unit_id", flat=True))
        return models.Q(department_id__in=units) if units else None


class TaskStep(models.Model):
    """One step of a task's history: submitted, admitted or refused by the gate (and why), overruled."""

    task = models.ForeignKey(CommunityTask, verbose_name=_("task"), on_delete=models.CASCADE, related_name="steps")
    action = models.CharField(_("action"), max_length=12, choices=TaskAction.choices)
    from_state = models.CharField(_("from"), max_length=10, choices=TaskState.choices, blank=True)
    to_state = models.CharField(_("to"), max_length=10, choices=TaskState.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("by"), null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="+")
    actor_name = models.CharField(_("by (name)"), max_length=100, blank=True)
    at = models.DateTimeField(_("at"), db_index=True)
    note = models.TextField(_("note"), blank=True)
    data = models.JSONField(_("details"), default=dict, blank=True)

    class Meta:
        verbose_name = _("task step")
        verbose_name_plural = _("task steps")
        ordering = ["at", "pk"]

    def __str__(self):
        return f"{self.task_id} {self.action}"


class TaskAssignment(ScopedRow):
    """The work an admitted task asks of one community for one period (``period`` = first day of the month
    the period ends in); the community marks it done."""

    task = models.ForeignKey(CommunityTask, verbose_name=_("task"), on_delete=models.CASCADE,
                             related_name="assignments")
    period = models.DateField(_("period (month)"), db_index=True)
    due_date = models.DateField(_("due date"))
    state = models.CharField(_("state"), max_length=10, choices=AssignmentState.choices,
                             default=AssignmentState.ASSIGNED, db_index=True)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    done_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("done by"), null=True, blank=True,
                                on_delete=models.SET_NULL, related_name="+")
    note = models.CharField(_("note"), max_length=300, blank=True)

    SCOPE_PERMISSION = Perm.ADMISSION_VIEW

    class Meta:
        verbose_name = _("task assignment")
        verbose_name_plural = _("task assignments")
        ordering = ["due_date", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["task", "community", "period"], name="admission_assignment_unique"),
            models.CheckConstraint(condition=~models.Q(state=AssignmentState.DONE) | models.Q(done_at__isnull=False),
                                   name="admission_assignment_done_at"),
        ]
        indexes = [models.Index(fields=["community", "period"], name="admission_assignment_month")]

    def __str__(self):
        return f"{self.task} · {self.community_id} · {self.period:%Y-%m}"
