"""Party members in service (在职党员报到、认领岗位).

A serving party member is a :class:`~sanshe.volunteers.models.Volunteer` with ``is_party_member``; he reports
(:class:`PartyReport`) to the community where he lives, with his work unit and party branch. The community
publishes posts (:class:`PartyPost`, 岗位) that members claim (:class:`PostClaim`); the hours served on a post are
``ServiceRecord(source=party_post)`` rows (linked by :class:`PostService`) confirmed by the community, and count
like any volunteer's hours.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from sanshe.accounts.roles import Perm
from sanshe.core.models import ScopedRow
from sanshe.core.scoping import ScopedQuerySet

from .choices_rewards import ClaimState

__all__ = ["PartyReport", "PartyPost", "PostClaim", "PostService"]


class PartyReport(ScopedRow):
    """A party member's report (报到) to the community where he lives; ``left_on`` set when he stops serving."""

    volunteer = models.ForeignKey("volunteers.Volunteer", verbose_name=_("party member"), on_delete=models.PROTECT,
                                  related_name="party_reports")
    work_unit = models.CharField(_("work unit"), max_length=100)
    party_branch = models.CharField(_("party branch"), max_length=100)
    reported_on = models.DateField(_("reported on"))
    left_on = models.DateField(_("left on"), null=True, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")

    objects = ScopedQuerySet.as_manager()
    SCOPE_PERMISSION = Perm.VOLUNTEERS_VIEW

    class Meta:
        verbose_name = _("party member report")
        verbose_name_plural = _("party member reports")
        ordering = ["-reported_on", "-pk"]
        constraints = [models.UniqueConstraint(fields=["volunteer", "community"],
                                               condition=models.Q(left_on__isnull=True),
                                               name="volunteers_party_report_once")]

    def __str__(self):
        return f"{self.volunteer.name} · {self.work_unit}"


class PartyPost(ScopedRow):
    """A post (岗位) the community publishes for serving party members: title, description, slots."""

    title = models.CharField(_("title"), max_length=100)
    description = models.TextField(_("description"), blank=True)
    slots = models.PositiveIntegerField(_("slots"), default=1)
    is_open = models.BooleanField(_("open for claims"), default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")

    objects = ScopedQuerySet.as_manager()
    SCOPE_PERMISSION = Perm.VOLUNTEERS_VIEW

    class Meta:
        verbose_name = _("party member post")
        verbose_name_plural = _("party member posts")
        ordering = ["-created_at", "-pk"]

    @classmethod
    def scope_extra_q(cls, user, permission):
        from .models_rewards import district_wide_for_self

        return district_wide_for_self(user, permission)  # a member serves where he lives, in his district

    def __str__(self):
        return self.title


class PostClaim(ScopedRow):
    """A reported member's claim of a post (认领岗位)."""

    post = models.ForeignKey(PartyPost, verbose_name=_("post"), on_delete=models.PROTECT, related_name="claims")
    report = models.ForeignKey(PartyReport, verbose_name=_("party member report"), on_delete=models.PROTECT,
                               related_name="claims")
    state = models.CharField(_("state"), max_length=10, choices=ClaimState.choices, default=ClaimState.CLAIMED)
    claimed_at = models.DateTimeField(_("claimed at"))

    objects = ScopedQuerySet.as_manager()
    SCOPE_PERMISSION = Perm.VOLUNTEERS_VIEW

    class Meta:
        verbose_name = _("post claim")
        verbose_name_plural = _("post claims")
        ordering = ["-claimed_at", "-pk"]
        constraints = [models.UniqueConstraint(fields=["post", "report"], name="volunteers_post_claim_once")]

    def __str__(self):
        return f"{self.report.volunteer.name} · {self.post.title}"


class PostService(models.Model):
    """Links a service record (source party_post) to the claim it was served under."""

    claim = models.ForeignKey(PostClaim, verbose_name=_("post claim"), on_delete=models.PROTECT,
                              related_name="services")
    record = models.OneToOneField("volunteers.ServiceRecord", verbose_name=_("service record"),
                                  on_delete=models.PROTECT, related_name="party_service")

    class Meta:
        verbose_name = _("post service")
        verbose_name_plural = _("post services")

    def __str__(self):
        return f"{self.claim_id} · {self.record_id}"
