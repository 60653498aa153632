"""Social organizations (社会组织) of the district: the registry on the 登记 / 备案 dual track.

An :class:`Organization` is registered with civil affairs (``track`` registered: a validated unified social credit
code) or filed with its street (``track`` filed: a filing number, no credit code). Social work agencies (社工机构)
are organizations with ``is_social_work_agency``; they employ social workers (``sanshe.socialwork``). An
organization that takes 五单法 orders or handles events is linked to its ``gridops.HandlingUnit`` (its staff are
that unit's members); its own accounts are :class:`OrganizationStaff` rows.
Territory ancestors are copied onto every row (district, street, community) for scoping and counting.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from sanshe.accounts.roles import Perm
from sanshe.core.models import ScopedRow, TimeStampedModel
from sanshe.core.scoping import ScopedQuerySet

from .choices import (
    EvalLevel,
    IncubationStage,
    IncubatorLevel,
    InspectionResult,
    MemberKind,
    OrgStatus,
    SeatRole,
    ServiceField,
    Track,
)


class Organization(ScopedRow):
    """A social organization: who it is, where it works, and where it stands (status, incubation, evaluation)."""

    name = models.CharField(_("name"), max_length=100)
    track = models.CharField(_("track"), max_length=12, choices=Track.choices)
    credit_code = models.CharField(_("unified social credit code"), max_length=18, blank=True, db_index=True)
    filing_number = models.CharField(_("filing number"), max_length=40, blank=True)
    service_field = models.CharField(_("service field"), max_length=20, choices=ServiceField.choices,
                                     default=ServiceField.OTHER)
    status = models.CharField(_("status"), max_length=14, choices=OrgStatus.choices, default=OrgStatus.PREPARING)
    is_social_work_agency = models.BooleanField(_("social work agency"), default=False)
    legal_representative = models.CharField(_("legal representative"), max_length=50, blank=True)
    contact_name = models.CharField(_("contact person"), max_length=50, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=20, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    founded_on = models.DateField(_("founded on"), null=True, blank=True)
    node = models.ForeignKey("territory.Node", verbose_name=_("territory"), null=True, blank=True,
                             on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=50, blank=True,
                            help_text=_("What the organization is, in its own words (e.g. 广场舞队, 老年协会)."))
    description = models.TextField(_("description"), blank=True)
    evaluation_level = models.CharField(_("evaluation level"), max_length=4, choices=EvalLevel.choices, blank=True)
    evaluation_valid_until = models.DateField(_("level valid until"), null=True, blank=True)
    handling_unit = models.OneToOneField(
        "gridops.HandlingUnit", verbose_name=_("provider record"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="organization",
    )

    objects = ScopedQuerySet.as_manager()
    SCOPE_PERMISSION = Perm.SOCIETIES_VIEW

    class Meta:
        verbose_name = _("social organization")
        verbose_name_plural = _("social organizations")
        ordering = ["name", "pk"]
        indexes = [models.Index(fields=["district", "status"]), models.Index(fields=["street", "status"]),
                   models.Index(fields=["community", "status"])]
        constraints = [
            models.UniqueConstraint(fields=["district", "credit_code"], condition=~models.Q(credit_code=""),
                                    name="societies_org_credit_code_unique"),
            models.UniqueConstraint(fields=["district", "filing_number"], condition=~models.Q(filing_number=""),
                                    name="societies_org_filing_number_unique"),
            models.CheckConstraint(condition=~models.Q(track="filed") | models.Q(credit_code=""),
                                   name="societies_org_filed_has_no_credit_code"),
        ]

    def __str__(self):
        return self.name

    @property
    def org_type(self) -> str:
        """社会团体 / 民办非企业单位 / 基金会 / 其他, from the credit code's first two characters; filed ones are
        community organizations (社区社会组织)."""
        from .registry import org_type_label

        return org_type_label(self)

    @property
    def is_private_non_enterprise(self) -> bool:
        return self.track == Track.REGISTERED and self.credit_code[:2] == "52"


class OrganizationStaff(TimeStampedModel):
    """An account that works for an organization (its own profile, members, activities): the ``social_org`` role
    reaches the organizations it is staff of, nothing else."""

    organization = models.ForeignKey(Organization, verbose_name=_("organization"), on_delete=models.CASCADE,
                                     related_name="staff")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("account"), on_delete=models.CASCADE,
                             related_name="organization_staff")
    title = models.CharField(_("job title"), max_length=50, blank=True)

    class Meta:
        verbose_name = _("organization staff")
        verbose_name_plural = _("organization staff")
        constraints = [models.UniqueConstraint(fields=["organization", "user"], name="societies_staff_unique")]

    def __str__(self):
        return f"{self.organization} · {self.user}"


def holder_is_resident(row) -> bool:
    resident = row.resident
    return resident is not None and resident.district_id == row.district_id and resident.status == "registered"


def resident_holder_q(prefix: str = "") -> models.Q:
    """The rows (seats, posts) held by a registered resident of the row's own district (for counting)."""
    return models.Q(**{f"{prefix}resident__isnull": False, f"{prefix}resident__status": "registered",
                       f"{prefix}resident__district_id": models.F(f"{prefix}district_id")})


class StatusChange(models.Model):
    """One step of an organization's status (筹备 → 培育中 → 已登记 / 已备案 → 注销): the history of the workflow."""

    organization = models.ForeignKey(Organization, verbose_name=_("organization"), on_delete=models.CASCADE,
                                     related_name="status_changes")
    from_status = models.CharField(_("from"), max_length=14, choices=OrgStatus.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=14, choices=OrgStatus.choices)
    at = models.DateTimeField(_("at"))
    on_date = models.DateField(_("effective on"))
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("by"), null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="+")
    actor_name = models.CharField(_("by (name)"), max_length=100, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("status change")
        verbose_name_plural = _("status changes")
        ordering = ["organization", "at", "pk"]

    def __str__(self):
        return f"{self.organization} {self.from_status} → {self.to_status}"


class Incubation(models.Model):
    """A stay in an incubator (孵化): its level (区 / 街 / 社区 / 院落), stage, and the dates in and out."""

    organization = models.ForeignKey(Organization, verbose_name=_("organization"), on_delete=models.CASCADE,
                                     related_name="incubations")
    level = models.CharField(_("incubator level"), max_length=10, choices=IncubatorLevel.choices)
    incubator = models.CharField(_("incubator"), max_length=100, blank=True)
    stage = models.CharField(_("incubation stage"), max_length=10, choices=IncubationStage.choices,
                             default=IncubationStage.INTAKE)
    entered_on = models.DateField(_("entered on"))
    left_on = models.DateField(_("left on"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("incubation")
        verbose_name_plural = _("incubations")
        ordering = ["organization", "-entered_on", "-pk"]
        constraints = [models.CheckConstraint(condition=models.Q(left_on__isnull=True) |
                                              models.Q(left_on__gte=models.F("entered_on")),
                                              name="societies_incubation_dates")]

    def __str__(self):
        return f"{self.organization} · {self.get_level_display()}"


class Inspection(models.Model):
    """The annual inspection (年检) of one year: 合格 / 基本合格 / 不合格."""

    organization = models.ForeignKey(Organization, verbose_name=_("organization"), on_delete=models.CASCADE,
                                      related_name="inspections")
    year = models.PositiveSmallIntegerField(_("year"))
    result = models.CharField(_("result"), max_length=10, choices=InspectionResult.choices)
    notes = models.TextField(_("notes"), blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), null=True,
                                    blank=True, on_delete=models.SET_NULL, related_name="+")
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("annual inspection")
        verbose_name_plural = _("annual inspections")
        ordering = ["organization", "-year"]
        constraints = [models.UniqueConstraint(fields=["organization", "year"], name="societies_inspection_year")]

    def __str__(self):
        return f"{self.organization} {self.year}"


class EvaluationConfig(models.Model):
    """The evaluation's cut-offs (1A–5A) and the maximum points of the four dimensions, from an effective date.

    The configuration in force on a date is the one with the latest ``effective_from`` not after it; local rules
    differ (5A ≥ 900 in some places, ≥ 950 in others), so this is data, never a constant.
    """

    district = models.ForeignKey("territory.Node", verbose_name=_("district"), on_delete=models.PROTECT,
                                 related_name="+")
    effective_from = models.DateField(_("effective from"))
    cut_5a = models.PositiveSmallIntegerField(_("5A from"), default=900)
    cut_4a = models.PositiveSmallIntegerField(_("4A from"), default=800)
    cut_3a = models.PositiveSmallIntegerField(_("3A from"), default=700)
    cut_2a = models.PositiveSmallIntegerField(_("2A from"), default=600)
    cut_1a = models.PositiveSmallIntegerField(_("1A from"), default=500)
    max_basic = models.PositiveSmallIntegerField(_("basic conditions, max points"), default=60)
    max_governance = models.PositiveSmallIntegerField(_("internal governance, max points"), default=380)
    max_performance = models.PositiveSmallIntegerField(_("work performance, max points"), default=420)
    max_social = models.PositiveSmallIntegerField(_("social evaluation, max points"), default=140)
    validity_years = models.PositiveSmallIntegerField(_("level valid (years)"), default=5)
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("evaluation configuration")
        verbose_name_plural = _("evaluation configurations")
        ordering = ["district", "-effective_from", "-pk"]
        constraints = [models.UniqueConstraint(fields=["district", "effective_from"],
                                               name="societies_evalconfig_unique_date")]

    def __str__(self):
        return f"{self.effective_from}"

    def cutoffs(self) -> list[tuple[str, int]]:
        """(level, minimum score), best first."""
        return [(EvalLevel.A5, self.cut_5a), (EvalLevel.A4, self.cut_4a), (EvalLevel.A3, self.cut_3a),
                (EvalLevel.A2, self.cut_2a), (EvalLevel.A1, self.cut_1a)]

    def maxima(self) -> dict[str, int]:
        return {"basic": self.max_basic, "governance": self.max_governance, "performance": self.max_performance,
                "social": self.max_social}


class Evaluation(models.Model):
    """An evaluation (等级评估): the 1000-point score sheet in four dimensions, the level it gives, valid 5 years.

    For 民办非企业单位 the third dimension is 业务活动和诚信建设 instead of 工作绩效 (same column).
    """

    organization = models.ForeignKey(Organization, verbose_name=_("organization"), on_delete=models.CASCADE,
                                     related_name="evaluations")
    config = models.ForeignKey(EvaluationConfig, verbose_name=_("configuration"), on_delete=models.PROTECT,
                               related_name="+")
    evaluated_on = models.DateField(_("evaluated on"))
    score_basic = models.DecimalField(_("basic conditions"), max_digits=5, decimal_places=1)
    score_governance = models.DecimalField(_("internal governance"), max_digits=5, decimal_places=1)
    score_performance = models.DecimalField(_("work performance"), max_digits=5, decimal_places=1)
    score_social = models.DecimalField(_("social evaluation"), max_digits=5, decimal_places=1)
    total = models.DecimalField(_("total"), max_digits=6, decimal_places=1)
    level = models.CharField(_("evaluation level"), max_length=4, choices=EvalLevel.choices)
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    evaluator = models.CharField(_("evaluating body"), max_length=100, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), null=True,
                                    blank=True, on_delete=models.SET_NULL, related_name="+")
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("level evaluation")
        verbose_name_plural = _("level evaluations")
        ordering = ["organization", "-evaluated_on", "-pk"]

    def __str__(self):
        return f"{self.organization} {self.level}"


class Member(ScopedRow):
    """A member (会员): a person (from the registry, or a typed name) or a resident unit (驻区单位)."""

    organization = models.ForeignKey(Organization, verbose_name=_("organization"), on_delete=models.CASCADE,
                                     related_name="members")
    kind = models.CharField(_("kind"), max_length=10, choices=MemberKind.choices, default=MemberKind.INDIVIDUAL)
    resident = models.ForeignKey("territory.Resident", verbose_name=_("resident"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey("territory.ResidentUnit", verbose_name=_("resident unit"), null=True, blank=True,
                             on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("name"), max_length=100)
    joined_on = models.DateField(_("joined on"), null=True, blank=True)
    left_on = models.DateField(_("left on"), null=True, blank=True)

    objects = ScopedQuerySet.as_manager()
    SCOPE_PERMISSION = Perm.SOCIETIES_VIEW

    class Meta:
        verbose_name = _("member")
        verbose_name_plural = _("members")
        ordering = ["organization", "kind", "name", "pk"]
        indexes = [models.Index(fields=["district", "kind"]), models.Index(fields=["street", "kind"]),
                   models.Index(fields=["community", "kind"])]
        constraints = [
            models.UniqueConstraint(fields=["organization", "resident"], condition=models.Q(left_on__isnull=True,
                                    resident__isnull=False), name="societies_member_resident_once"),
            models.UniqueConstraint(fields=["organization", "unit"], condition=models.Q(left_on__isnull=True,
                                    unit__isnull=False), name="societies_member_unit_once"),
        ]

    def __str__(self):
        return self.name


class CouncilSeat(ScopedRow):
    """A council (理事会) seat and who holds it; the holder is a resident of the district when linked to one."""

    organization = models.ForeignKey(Organization, verbose_name=_("organization"), on_delete=models.CASCADE,
                                     related_name="council_seats")
    role = models.CharField(_("seat"), max_length=12, choices=SeatRole.choices, default=SeatRole.DIRECTOR)
    holder_name = models.CharField(_("held by"), max_length=50, blank=True)
    resident = models.ForeignKey("territory.Resident", verbose_name=_("holder in the registry"), null=True,
                                 blank=True, on_delete=models.PROTECT, related_name="+")
    term_start = models.DateField(_("term from"), null=True, blank=True)
    term_end = models.DateField(_("term until"), null=True, blank=True)

    objects = ScopedQuerySet.as_manager()
    SCOPE_PERMISSION = Perm.SOCIETIES_VIEW

    class Meta:
        verbose_name = _("council seat")
        verbose_name_plural = _("council seats")
        ordering = ["organization", "role", "pk"]

    def __str__(self):
        return f"{self.get_role_display()} {self.holder_name}"

    @property
    def holder_is_resident(self) -> bool:
        """Derived from the link: the holder is a registered resident of the organization's district."""
        return holder_is_resident(self)


class LeadershipPost(ScopedRow):
    """A leadership post (负责人岗位: 会长, 秘书长, 队长 …) and its holder; ordinary residents are residents of the
    district who are not community or party cadres."""

    organization = models.ForeignKey(Organization, verbose_name=_("organization"), on_delete=models.CASCADE,
                                     related_name="posts")
    title = models.CharField(_("post"), max_length=50)
    holder_name = models.CharField(_("held by"), max_length=50, blank=True)
    resident = models.ForeignKey("territory.Resident", verbose_name=_("holder in the registry"), null=True,
                                 blank=True, on_delete=models.PROTECT, related_name="+")
    holder_is_cadre = models.BooleanField(_("held by a cadre"), default=False,
                                          help_text=_("A community worker or party cadre, not an ordinary resident."))

    objects = ScopedQuerySet.as_manager()
    SCOPE_PERMISSION = Perm.SOCIETIES_VIEW

    class Meta:
        verbose_name = _("leadership post")
        verbose_name_plural = _("leadership posts")
        ordering = ["organization", "pk"]

    def __str__(self):
        return f"{self.title} {self.holder_name}"

    @property
    def holder_is_resident(self) -> bool:
        return holder_is_resident(self)

    @property
    def held_by_ordinary_resident(self) -> bool:
        return self.holder_is_resident and not self.holder_is_cadre
