"""Social workers' certificates, posts, subsidy table, subsidy rolls and trainings.

* :class:`WorkerCertificate` — a qualification certificate (员级 / 助理社会工作师 / 社会工作师 / 高级社会工作师) with
  its number (unique), issue and registration dates, expiry and revocation. Valid on a day when registered by
  then, not expired and not revoked (:meth:`WorkerCertificate.is_valid_on`).
* :class:`WorkerPost` — the post history: employer (a social organization, usually a 社工机构), title, from / to.
* :class:`SubsidyRate` — the subsidy table: level × region (a territory node) × effective date → yuan/month.
* :class:`SubsidyRoll` / :class:`SubsidyPayment` — a month's roll once confirmed (frozen: what was paid).
* :class:`Training` — a training (集中 central / 现场 on site) with its hours and attendees.

Rows hanging off a social worker are scoped through him (``visible_to`` filters on the worker's territory).
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from sanshe.accounts.roles import Perm
from sanshe.core.models import ScopedRow, TimeStampedModel
from sanshe.core.scoping import ScopedQuerySet

from .choices_workers import CertificateLevel, TrainingKind

__all__ = ["WorkerCertificate", "WorkerPost", "SubsidyRate", "SubsidyRoll", "SubsidyPayment", "Training"]


class WorkerScopedQuerySet(models.QuerySet):
    """Rows of a social worker: visible when the worker is (his territory, ``socialwork.view`` by default)."""

    def visible_to(self, user, permission: str | None = None):
        from .models import SocialWorker

        return self.filter(worker__in=SocialWorker.objects.visible_to(
            user, permission or self.model.SCOPE_PERMISSION).values("pk"))

    def is_visible_to(self, obj, user, permission: str | None = None) -> bool:
        return self.visible_to(user, permission).filter(pk=obj.pk).exists()


class WorkerCertificate(TimeStampedModel):
    """A social worker's qualification certificate (社会工作者职业资格证书).

    Valid on a day when it is registered (``registered_on`` on or before the day), not expired (``valid_until``
    empty or on or after the day) and not revoked (``revoked_on`` empty or after the day). Revocation keeps the
    date so that past months' subsidy rolls are computed as they were.
    """

    worker = models.ForeignKey("socialwork.SocialWorker", verbose_name=_("social worker"), on_delete=models.CASCADE,
                               related_name="certificates")
    level = models.CharField(_("certificate level"), max_length=14, choices=CertificateLevel.choices)
    number = models.CharField(_("certificate number"), max_length=40, unique=True)
    issued_on = models.DateField(_("issued on"))
    registered_on = models.DateField(_("registered on"), null=True, blank=True)
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    revoked_on = models.DateField(_("revoked on"), null=True, blank=True)
    revoke_reason = models.CharField(_("reason for revocation"), max_length=200, blank=True)

    objects = WorkerScopedQuerySet.as_manager()
    SCOPE_PERMISSION = Perm.SOCIALWORK_VIEW

    class Meta:
        verbose_name = _("social work certificate")
        verbose_name_plural = _("social work certificates")
        ordering = ["worker", "-issued_on", "pk"]
        constraints = [
            models.CheckConstraint(condition=models.Q(registered_on__isnull=True)
                                   | models.Q(registered_on__gte=models.F("issued_on")),
                                   name="socialwork_cert_registered_after_issue"),
            models.CheckConstraint(condition=models.Q(valid_until__isnull=True)
                                   | models.Q(valid_until__gte=models.F("issued_on")),
                                   name="socialwork_cert_valid_after_issue"),
        ]

    def __str__(self):
        return f"{self.get_level_display()} {self.number}"

    def is_valid_on(self, day: dt.date) -> bool:
        return (self.registered_on is not None and self.registered_on <= day
                and (self.valid_until is None or day <= self.valid_until)
                and (self.revoked_on is None or day < self.revoked_on))

    def valid_days(self, first: dt.date, last: dt.date) -> tuple[dt.date, dt.date] | None:
        """The part of [first, last] on which the certificate is valid (a single span), or None."""
        if self.registered_on is None:
            return None
        start = max(first, self.registered_on)
        end = last
        if self.valid_until is not None:
            end = min(end, self.valid_until)
        if self.revoked_on is not None:
            end = min(end, self.revoked_on - dt.timedelta(days=1))
        return (start, end) if start <= end else None

    @property
    def is_valid_today(self) -> bool:
        from django.utils import timezone

        return self.is_valid_on(timezone.localdate())


class WorkerPost(TimeStampedModel):
    """One post in a social worker's history: employer, title, from / to (open while ``ended_on`` is empty)."""

    worker = models.ForeignKey("socialwork.SocialWorker", verbose_name=_("social worker"), on_delete=models.CASCADE,
                               related_name="posts")
    employer = models.ForeignKey("societies.Organization", verbose_name=_("employer"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="+")
    title = models.CharField(_("post title"), max_length=50)
    started_on = models.DateField(_("from"))
    ended_on = models.DateField(_("to"), null=True, blank=True)

    objects = WorkerScopedQuerySet.as_manager()
    SCOPE_PERMISSION = Perm.SOCIALWORK_VIEW

    class Meta:
        verbose_name = _("post")
        verbose_name_plural = _("posts")
        ordering = ["worker", "-started_on", "-pk"]
        constraints = [models.CheckConstraint(condition=models.Q(ended_on__isnull=True)
                                              | models.Q(ended_on__gte=models.F("started_on")),
                                              name="socialwork_post_dates")]

    def __str__(self):
        return self.title

    def overlaps(self, first: dt.date, last: dt.date) -> bool:
        return self.started_on <= last and (self.ended_on is None or self.ended_on >= first)


class SubsidyRate(ScopedRow):
    """One line of the subsidy table: a level's monthly subsidy in a region from a date.

    For a social worker and a month, the most specific region holding a rate for his level that is effective on
    or before the month's first day wins (community over street over district); within that region, the newest
    effective date. Ancestors are copied from ``region`` for scoping.
    """

    region = models.ForeignKey("territory.Node", verbose_name=_("region"), on_delete=models.PROTECT,
                               related_name="+")
    level = models.CharField(_("certificate level"), max_length=14, choices=CertificateLevel.choices)
    effective_from = models.DateField(_("effective from"))
    amount = models.DecimalField(_("yuan per month"), max_digits=8, decimal_places=2)
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("entered by"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")

    objects = ScopedQuerySet.as_manager()
    SCOPE_PERMISSION = Perm.SOCIALWORK_SUBSIDY

    class Meta:
        verbose_name = _("subsidy rate")
        verbose_name_plural = _("subsidy rates")
        ordering = ["region__code", "level", "-effective_from"]
        constraints = [
            models.UniqueConstraint(fields=["region", "level", "effective_from"], name="socialwork_rate_unique"),
            models.CheckConstraint(condition=models.Q(amount__gte=0), name="socialwork_rate_amount_positive"),
        ]

    def __str__(self):
        return f"{self.region} {self.get_level_display()} {self.effective_from} {self.amount}"


class SubsidyRoll(ScopedRow):
    """A month's subsidy roll of a territory, confirmed (frozen): the lines paid, with their totals.

    Before confirmation the roll is computed live from the certificates and the table (reproducible for any
    month); once confirmed, its lines are what was paid and no later change alters them.
    """

    node = models.ForeignKey("territory.Node", verbose_name=_("territory"), on_delete=models.PROTECT,
                             related_name="+")
    month = models.DateField(_("month"))  # the first day of the month
    headcount = models.PositiveIntegerField(_("social workers paid"), default=0)
    total = models.DecimalField(_("total (yuan)"), max_digits=12, decimal_places=2, default=0)
    confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("confirmed by"), null=True,
                                     blank=True, on_delete=models.SET_NULL, related_name="+")
    confirmed_at = models.DateTimeField(_("confirmed at"))

    objects = ScopedQuerySet.as_manager()
    SCOPE_PERMISSION = Perm.SOCIALWORK_SUBSIDY

    class Meta:
        verbose_name = _("subsidy roll")
        verbose_name_plural = _("subsidy rolls")
        ordering = ["-month", "node__code"]
        constraints = [models.UniqueConstraint(fields=["node", "month"], name="socialwork_roll_unique")]

    def __str__(self):
        return f"{self.node} {self.month:%Y-%m}"


class SubsidyPayment(TimeStampedModel):
    """One line of a confirmed roll: a social worker, the certificate and level paid, the rate applied."""

    roll = models.ForeignKey(SubsidyRoll, verbose_name=_("subsidy roll"), on_delete=models.CASCADE,
                             related_name="payments")
    worker = models.ForeignKey("socialwork.SocialWorker", verbose_name=_("social worker"), on_delete=models.PROTECT,
                               related_name="subsidy_payments")
    worker_name = models.CharField(_("name"), max_length=50)
    certificate = models.ForeignKey(WorkerCertificate, verbose_name=_("qualification certificate"), null=True,
                                    on_delete=models.SET_NULL, related_name="+")
    certificate_number = models.CharField(_("certificate number"), max_length=40)
    level = models.CharField(_("certificate level"), max_length=14, choices=CertificateLevel.choices)
    rate = models.ForeignKey(SubsidyRate, verbose_name=_("subsidy rate"), null=True, on_delete=models.SET_NULL,
                             related_name="+")
    region_name = models.CharField(_("region"), max_length=100)
    amount = models.DecimalField(_("amount (yuan)"), max_digits=8, decimal_places=2)

    objects = WorkerScopedQuerySet.as_manager()
    SCOPE_PERMISSION = Perm.SOCIALWORK_SUBSIDY

    class Meta:
        verbose_name = _("subsidy payment")
        verbose_name_plural = _("subsidy payments")
        ordering = ["roll", "worker_name", "pk"]
        constraints = [models.UniqueConstraint(fields=["roll", "worker"], name="socialwork_payment_unique")]

    def __str__(self):
        return f"{self.worker_name} {self.amount}"


class Training(ScopedRow):
    """A training of social workers: 集中 (central, e.g. at the party school) or 现场 (on site), its date, hours,
    place and attendees. Ancestors are copied from the organizing territory (district, street or community)."""

    title = models.CharField(_("title"), max_length=200)
    kind = models.CharField(_("kind"), max_length=10, choices=TrainingKind.choices)
    held_on = models.DateField(_("date"))
    hours = models.DecimalField(_("hours"), max_digits=5, decimal_places=1)
    place = models.CharField(_("place"), max_length=200, blank=True)
    organizer = models.CharField(_("organizer"), max_length=100, blank=True)
    attendees = models.ManyToManyField("socialwork.SocialWorker", verbose_name=_("attendees"), blank=True,
                                       related_name="trainings")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")

    objects = ScopedQuerySet.as_manager()
    SCOPE_PERMISSION = Perm.SOCIALWORK_VIEW

    class Meta:
        verbose_name = _("training")
        verbose_name_plural = _("trainings")
        ordering = ["-held_on", "-pk"]
        constraints = [models.CheckConstraint(condition=models.Q(hours__gt=0), name="socialwork_training_hours")]

    def __str__(self):
        return self.title
