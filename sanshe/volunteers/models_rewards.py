"""Volunteer points, star levels, certificates, the time bank and recognition (身边好人).

Everything here reads **confirmed** :class:`~sanshe.volunteers.models.ServiceRecord` rows only.

* Points: :class:`PointRule` rows of a district (points per confirmed hour, a bonus per confirmed record, either
  limited to a record source or an organizer) with effective dates; a :class:`PointEntry` ledger per volunteer
  (earned, redeemed, refunded, adjusted with a reason) whose sum is the balance; the catalogue of
  :class:`PartnerUnit` items (:class:`CatalogueItem`, 爱心服务卡) and :class:`Redemption` rows.
* Star levels: :class:`StarScheme` rows of a district (five thresholds in hours, effective from a date); the level
  is computed, never stored.
* Certificates (谁记录谁证明): :class:`ServiceCertificate`, issued by the organizing body for the confirmed
  service it organized over a period; its figures are frozen at issuance.
* Time bank (时间银行): :class:`TimeBankEntry` ledger; rows with ``volunteer`` empty are the district's public
  pool. :class:`TimeBankCap` holds the cap (1,500 hours by default) with effective dates.
* Recognition: :class:`Nomination` (身边好人).
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from sanshe.accounts.roles import Perm
from sanshe.core.models import ScopedRow
from sanshe.core.scoping import ScopedQuerySet

from .choices import RecordSource
from .choices_rewards import NominationState, PointKind, RedemptionState, RuleKind, TimeKind

__all__ = ["PointRule", "PointEntry", "PartnerUnit", "CatalogueItem", "Redemption", "StarScheme",
           "ServiceCertificate", "TimeBankCap", "TimeBankEntry", "Nomination"]

DEFAULT_STAR_THRESHOLDS = [100, 300, 600, 1000, 1500]


def mask_name(name: str) -> str:
    """张三 → 张*, 欧阳小明 → 欧***: public pages show the surname only (as servicedesk's verification page)."""
    name = (name or "").strip()
    return name[:1] + "*" * max(1, len(name) - 1) if name else ""


def self_district_ids(user) -> list[int]:
    """The districts of a volunteer's own grants (VOLUNTEER_SELF): his catalogue and posts reach that far."""
    from sanshe.territory.models import Node

    ids = {node_id for _level, node_id in user.scope_nodes(Perm.VOLUNTEER_SELF)}
    return sorted(set(Node.objects.filter(pk__in=ids).values_list("district_id", flat=True))) if ids else []


def district_wide_for_self(user, permission):
    """``scope_extra_q`` of rows a volunteer reaches in his whole district (partner units serve the district)."""
    if permission != Perm.VOLUNTEER_SELF or user is None or not user.is_authenticated:
        return None
    ids = self_district_ids(user)
    return models.Q(district_id__in=ids) if ids else None
DEFAULT_TIME_BANK_CAP = 1500


class PointRule(ScopedRow):
    """An earning rule of a district, in effect from ``effective_from`` to ``effective_until`` (inclusive; empty:
    open). ``per_hour``: points per confirmed hour (the most specific rule in effect applies: organizer, then
    source, then the general one); ``bonus``: points added per confirmed record (every matching bonus adds)."""

    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=10, choices=RuleKind.choices, default=RuleKind.PER_HOUR)
    points = models.PositiveIntegerField(_("points"))
    source = models.CharField(_("record source"), max_length=12, choices=RecordSource.choices, blank=True)
    organization = models.ForeignKey("societies.Organization", verbose_name=_("organizer"), null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="+")
    effective_from = models.DateField(_("effective from"))
    effective_until = models.DateField(_("effective until"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")

    objects = ScopedQuerySet.as_manager()
    SCOPE_PERMISSION = Perm.VOLUNTEERS_VIEW

    class Meta:
        verbose_name = _("points rule")
        verbose_name_plural = _("points rules")
        ordering = ["-effective_from", "pk"]

    def __str__(self):
        return self.name


class PointEntry(ScopedRow):
    """One line of a volunteer's points ledger (signed); the balance is the sum. ``record`` is unique for earned
    lines: a record earns once."""

    volunteer = models.ForeignKey("volunteers.Volunteer", verbose_name=_("volunteer"), on_delete=models.PROTECT,
                                  related_name="point_entries")
    kind = models.CharField(_("kind"), max_length=10, choices=PointKind.choices)
    points = models.IntegerField(_("points"))
    record = models.ForeignKey("volunteers.ServiceRecord", verbose_name=_("service record"), null=True,
                               blank=True, on_delete=models.PROTECT, related_name="point_entries")
    redemption = models.ForeignKey("volunteers.Redemption", verbose_name=_("redemption"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="point_entries")
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    at = models.DateTimeField(_("at"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("by"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")

    objects = ScopedQuerySet.as_manager()
    SCOPE_PERMISSION = Perm.VOLUNTEERS_VIEW

    class Meta:
        verbose_name = _("points entry")
        verbose_name_plural = _("points entries")
        ordering = ["-at", "-pk"]
        constraints = [models.UniqueConstraint(fields=["record"], condition=models.Q(kind="earned"),
                                               name="volunteers_point_earned_once")]

    def __str__(self):
        return f"{self.volunteer_id} {self.points:+d}"


class PartnerUnit(ScopedRow):
    """A partner unit (爱心商家 / 共建单位) of a community that honours the 爱心服务卡 for points."""

    name = models.CharField(_("name"), max_length=100)
    address = models.CharField(_("address"), max_length=200, blank=True)
    contact = models.CharField(_("contact"), max_length=50, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    objects = ScopedQuerySet.as_manager()
    SCOPE_PERMISSION = Perm.VOLUNTEERS_VIEW

    class Meta:
        verbose_name = _("partner unit")
        verbose_name_plural = _("partner units")
        ordering = ["name"]

    def __str__(self):
        return self.name


class CatalogueItem(ScopedRow):
    """What a partner unit offers for points (爱心服务卡 catalogue); ``stock`` is what is left."""

    partner = models.ForeignKey(PartnerUnit, verbose_name=_("partner unit"), on_delete=models.PROTECT,
                                related_name="items")
    name = models.CharField(_("item"), max_length=100)
    description = models.CharField(_("description"), max_length=300, blank=True)
    points = models.PositiveIntegerField(_("points"))
    stock = models.PositiveIntegerField(_("stock"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    objects = ScopedQuerySet.as_manager()
    SCOPE_PERMISSION = Perm.VOLUNTEERS_VIEW

    class Meta:
        verbose_name = _("catalogue item")
        verbose_name_plural = _("catalogue items")
        ordering = ["points", "name"]

    @classmethod
    def scope_extra_q(cls, user, permission):
        return district_wide_for_self(user, permission)

    def __str__(self):
        return f"{self.partner} · {self.name}"


class Redemption(ScopedRow):
    """A volunteer's redemption of one catalogue item: points taken and stock reduced at once (under locks); the
    partner unit honours ``code``. Cancelling gives both back."""

    volunteer = models.ForeignKey("volunteers.Volunteer", verbose_name=_("volunteer"), on_delete=models.PROTECT,
                                  related_name="redemptions")
    item = models.ForeignKey(CatalogueItem, verbose_name=_("item"), on_delete=models.PROTECT,
                             related_name="redemptions")
    points = models.PositiveIntegerField(_("points"))
    code = models.CharField(_("voucher code"), max_length=16, unique=True)
    state = models.CharField(_("state"), max_length=10, choices=RedemptionState.choices,
                             default=RedemptionState.ISSUED)
    redeemed_at = models.DateTimeField(_("redeemed at"))
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("closed by"), null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="+")

    objects = ScopedQuerySet.as_manager()
    SCOPE_PERMISSION = Perm.VOLUNTEERS_VIEW

    class Meta:
        verbose_name = _("redemption")
        verbose_name_plural = _("redemptions")
        ordering = ["-redeemed_at", "-pk"]

    def __str__(self):
        return f"{self.code} {self.item.name}"


class StarScheme(ScopedRow):
    """The star thresholds of a district in effect from ``effective_from`` until the next scheme: ``thresholds`` is
    five ascending hour counts (1 to 5 stars)."""

    name = models.CharField(_("name"), max_length=100)
    thresholds = models.JSONField(_("thresholds (hours)"), default=list)
    effective_from = models.DateField(_("effective from"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")

    objects = ScopedQuerySet.as_manager()
    SCOPE_PERMISSION = Perm.VOLUNTEERS_VIEW

    class Meta:
        verbose_name = _("star scheme")
        verbose_name_plural = _("star schemes")
        ordering = ["-effective_from", "-pk"]

    def __str__(self):
        return self.name


class ServiceCertificate(ScopedRow):
    """A certificate of volunteer service (志愿服务证明, 民政部令第67号), issued by the organizing body (the
    community, or an organization) for the confirmed service it organized over a period. The holder's data and
    the figures are frozen at issuance; the ID number is kept masked only."""

    number = models.CharField(_("certificate number"), max_length=32, unique=True)
    volunteer = models.ForeignKey("volunteers.Volunteer", verbose_name=_("volunteer"), on_delete=models.PROTECT,
                                  related_name="certificates")
    organization = models.ForeignKey("societies.Organization", verbose_name=_("issuing organization"), null=True,
                                     blank=True, on_delete=models.PROTECT, related_name="+")
    issuer_name = models.CharField(_("issuer"), max_length=100)
    person_in_charge = models.CharField(_("person in charge"), max_length=50)
    holder_name = models.CharField(_("name"), max_length=50)
    id_type = models.CharField(_("ID type"), max_length=20, default="居民身份证")
    id_masked = models.CharField(_("ID number (masked)"), max_length=32, blank=True)
    volunteer_number = models.CharField(_("volunteer number"), max_length=20)
    period_start = models.DateField(_("from"))
    period_end = models.DateField(_("until"))
    hours = models.DecimalField(_("hours"), max_digits=8, decimal_places=2)
    record_count = models.PositiveIntegerField(_("service records"))
    content = models.TextField(_("service content"))
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("issued by"), null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="+")
    issued_at = models.DateTimeField(_("issued at"))
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoke_reason = models.CharField(_("reason"), max_length=200, blank=True)

    objects = ScopedQuerySet.as_manager()
    SCOPE_PERMISSION = Perm.VOLUNTEERS_VIEW

    class Meta:
        verbose_name = _("service certificate")
        verbose_name_plural = _("service certificates")
        ordering = ["-issued_at", "-pk"]

    def __str__(self):
        return self.number


class TimeBankCap(ScopedRow):
    """The most hours one volunteer's time bank account may hold, from ``effective_from`` (district)."""

    hours = models.DecimalField(_("cap (hours)"), max_digits=8, decimal_places=2)
    effective_from = models.DateField(_("effective from"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")

    objects = ScopedQuerySet.as_manager()
    SCOPE_PERMISSION = Perm.VOLUNTEERS_VIEW

    class Meta:
        verbose_name = _("time bank cap")
        verbose_name_plural = _("time bank caps")
        ordering = ["-effective_from", "-pk"]

    def __str__(self):
        return f"{self.hours} ({self.effective_from})"


class TimeBankEntry(ScopedRow):
    """One movement of the time bank (signed hours). ``volunteer`` empty: the district's public pool. A transfer
    is two rows (out and in) sharing ``batch``; a donation likewise (donate, pool_in)."""

    volunteer = models.ForeignKey("volunteers.Volunteer", verbose_name=_("volunteer"), null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="time_entries")
    kind = models.CharField(_("kind"), max_length=12, choices=TimeKind.choices)
    hours = models.DecimalField(_("hours"), max_digits=8, decimal_places=2)
    record = models.ForeignKey("volunteers.ServiceRecord", verbose_name=_("service record"), null=True,
                               blank=True, on_delete=models.PROTECT, related_name="time_entries")
    counterpart = models.ForeignKey("volunteers.Volunteer", verbose_name=_("counterpart"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    beneficiary = models.ForeignKey("territory.Resident", verbose_name=_("beneficiary"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    batch = models.CharField(_("batch"), max_length=32, db_index=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    at = models.DateTimeField(_("at"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("by"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")

    objects = ScopedQuerySet.as_manager()
    SCOPE_PERMISSION = Perm.VOLUNTEERS_VIEW

    class Meta:
        verbose_name = _("time bank entry")
        verbose_name_plural = _("time bank entries")
        ordering = ["-at", "-pk"]
        constraints = [models.UniqueConstraint(fields=["record"], condition=models.Q(kind="deposit"),
                                               name="volunteers_time_deposit_once")]

    def __str__(self):
        return f"{self.get_kind_display()} {self.hours}"


class Nomination(ScopedRow):
    """A 身边好人 nomination (by staff or a resident) of a person of the community, reviewed by the community; the
    public list shows approved ones with the name masked unless the nominee consented to his full name."""

    nominee_name = models.CharField(_("nominee"), max_length=50)
    volunteer = models.ForeignKey("volunteers.Volunteer", verbose_name=_("volunteer"), null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="+")
    reason = models.CharField(_("reason"), max_length=200)
    story = models.TextField(_("story"), blank=True)
    name_consented = models.BooleanField(_("the nominee agrees to show the full name"), default=False)
    nominated_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("nominated by"), null=True,
                                     blank=True, on_delete=models.SET_NULL, related_name="+")
    nominated_at = models.DateTimeField(_("nominated at"))
    state = models.CharField(_("state"), max_length=10, choices=NominationState.choices,
                             default=NominationState.PENDING)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("reviewed by"), null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    review_note = models.CharField(_("review note"), max_length=200, blank=True)

    objects = ScopedQuerySet.as_manager()
    SCOPE_PERMISSION = Perm.VOLUNTEERS_VIEW

    class Meta:
        verbose_name = _("nomination")
        verbose_name_plural = _("nominations")
        ordering = ["-nominated_at", "-pk"]

    def __str__(self):
        return self.nominee_name

    @property
    def public_name(self) -> str:
        return self.nominee_name if self.name_consented else mask_name(self.nominee_name)
