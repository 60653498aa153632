"""Disputes (矛盾纠纷): the dispute, its parties, mediation sessions, attachments and its history.

A dispute is registered (受理) by grid staff or a desk, mediated in one or more sessions and ends in one of the
final states (化解 / 未化解 / 转诉讼 / 转仲裁 / 转信访, or 不予受理). ``settled_level`` says at which level
(grid, community, street, district) a resolved dispute was settled; the seeds' two headline figures read this
one table::

    化解率      = count(state="resolved") / count(accepted=True)
    社区化解率  = count(state="resolved", settled_level in ("grid", "community")) / count(state="resolved")

Territory ancestors are copied onto the row like an event's (scoping and counting are indexed equality).
Every workflow step writes a :class:`DisputeStep` row (see ``services_disputes.TRANSITIONS``), so each rate
is derivable from the history too. Only :mod:`sanshe.gridops.services_disputes` writes these models.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from sanshe.accounts.roles import Perm
from sanshe.core.fields import EncryptedTextField
from sanshe.core.scoping import ScopedQuerySet


class DisputeKind(models.TextChoices):
    NEIGHBOUR = "neighbour", _("Neighbourhood")  # 邻里纠纷
    FAMILY = "family", _("Family and marriage")  # 婚姻家庭纠纷
    PROPERTY_MGMT = "property_mgmt", _("Property management")  # 物业纠纷
    LABOUR = "labour", _("Labour and wages")  # 劳动争议 / 欠薪
    LAND_HOUSING = "land_housing", _("Land and housing")  # 土地房屋纠纷
    DEBT = "debt", _("Contracts and debts")  # 合同债务纠纷
    CONSUMER = "consumer", _("Consumer")  # 消费纠纷
    TRAFFIC = "traffic", _("Traffic accident")  # 交通事故纠纷
    OTHER = "other", _("Other")  # 其他


class RiskLevel(models.TextChoices):
    """红: street and district alerted at once; 橙: the street the same day; 黄: settled on the spot."""

    RED = "red", _("Red (report upward at once)")
    ORANGE = "orange", _("Orange (report to the street the same day)")
    YELLOW = "yellow", _("Yellow (settle on the spot)")


class DisputeState(models.TextChoices):
    ACCEPTED = "accepted", _("Accepted")  # 已受理 (受理中)
    MEDIATING = "mediating", _("Being mediated")  # 调解中
    RESOLVED = "resolved", _("Resolved")  # 已化解
    UNRESOLVED = "unresolved", _("Not resolved")  # 未化解
    LITIGATION = "litigation", _("Referred to the court")  # 转诉讼
    ARBITRATION = "arbitration", _("Referred to arbitration")  # 转仲裁
    PETITION = "petition", _("Referred to letters and visits")  # 转信访
    NOT_ACCEPTED = "not_accepted", _("Not accepted")  # 不予受理


DISPUTE_OPEN_STATES = frozenset({DisputeState.ACCEPTED, DisputeState.MEDIATING})
DISPUTE_FINAL_STATES = frozenset(set(DisputeState.values) - set(DISPUTE_OPEN_STATES))


class SettledLevel(models.TextChoices):
    """The level a dispute is handled (and, when resolved, settled) at. Grid and community = inside the
    community (社区化解)."""

    GRID = "grid", _("Grid")
    COMMUNITY = "community", _("Community")
    STREET = "street", _("Street")
    DISTRICT = "district", _("District")


LEVEL_ORDER = [SettledLevel.GRID, SettledLevel.COMMUNITY, SettledLevel.STREET, SettledLevel.DISTRICT]
INSIDE_COMMUNITY_LEVELS = (SettledLevel.GRID, SettledLevel.COMMUNITY)


class PartyRole(models.TextChoices):
    APPLICANT = "applicant", _("Applicant")  # 申请人
    RESPONDENT = "respondent", _("Respondent")  # 被申请人
    OTHER = "other", _("Other party")  # 其他当事人


class SessionResult(models.TextChoices):
    AGREED = "agreed", _("Agreement reached")  # 达成协议
    PARTIAL = "partial", _("Partly agreed")  # 部分达成
    CONTINUE = "continue", _("To be continued")  # 继续调解
    FAILED = "failed", _("No agreement")  # 调解不成


class DisputeAction(models.TextChoices):
    REGISTER = "register", _("Register")  # 登记受理
    DECLINE = "decline", _("Do not accept")  # 不予受理
    MEDIATE = "mediate", _("Start mediation")  # 开始调解
    SESSION = "session", _("Mediation session")  # 调解记录
    ESCALATE = "escalate", _("Hand over to the level above")  # 上报上级
    RESOLVE = "resolve", _("Resolved")  # 化解
    FAIL = "fail", _("Not resolved")  # 未化解
    LITIGATION = "litigation", _("Refer to the court")  # 转诉讼
    ARBITRATION = "arbitration", _("Refer to arbitration")  # 转仲裁
    PETITION = "petition", _("Refer to letters and visits")  # 转信访
    ATTACH = "attach", _("Attachment")  # 上传附件
    ALERT = "alert", _("Risk alert")  # 风险预警


def _ancestor(label, null=True):
    return models.ForeignKey("territory.Node", verbose_name=label, null=null, blank=null, on_delete=models.PROTECT,
                             related_name="+")


class Dispute(models.Model):
    """A dispute (矛盾纠纷) between residents (or a resident and a company, a landlord …).

    ``found_at`` is when it was found and accepted (受理日期); ``state`` follows the transition table in
    :mod:`sanshe.gridops.services_disputes`; ``level`` is the level handling it now (raised by 上报),
    ``settled_level`` the level it was resolved at (only for ``resolved``); ``settled_at`` is when it reached a
    final state (办结日期). A red-risk dispute alerts the street and district desks at once, an orange one the
    street desk with ``alert_due_at`` = the end of that day.
    """

    number = models.CharField(_("number"), max_length=20, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=DisputeKind.choices)
    summary = models.TextField(_("summary"))
    risk_level = models.CharField(_("risk level"), max_length=10, choices=RiskLevel.choices,
                                  default=RiskLevel.YELLOW)
    address = models.CharField(_("place"), max_length=255, blank=True)
    # where (copied ancestors, like Event)
    district = _ancestor(_("district"), null=False)
    street = _ancestor(_("street"))
    community = _ancestor(_("community"))
    grid = _ancestor(_("grid"))
    event = models.OneToOneField("gridops.Event", verbose_name=_("reported as event"), null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="dispute")
    # when and who
    found_at = models.DateTimeField(_("accepted on"), db_index=True)
    accepted = models.BooleanField(_("accepted"), default=True)
    registered_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("registered by"), null=True,
                                      blank=True, on_delete=models.SET_NULL, related_name="+")
    state = models.CharField(_("state"), max_length=12, choices=DisputeState.choices,
                             default=DisputeState.ACCEPTED)
    level = models.CharField(_("handled at"), max_length=10, choices=SettledLevel.choices,
                             default=SettledLevel.GRID)
    # alerts
    alerted_at = models.DateTimeField(_("alerted at"), null=True, blank=True)
    alert_due_at = models.DateTimeField(_("report to the street by"), null=True, blank=True)
    # outcome
    outcome = models.TextField(_("outcome"), blank=True)
    settled_level = models.CharField(_("settled at level"), max_length=10, choices=SettledLevel.choices,
                                     blank=True)
    settled_at = models.DateTimeField(_("closed on"), null=True, blank=True)
    session_count = models.PositiveSmallIntegerField(_("mediation sessions"), default=0)
    submission_key = models.CharField(_("submission key"), max_length=80, null=True, blank=True, unique=True,
                                      editable=False)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = ScopedQuerySet.as_manager()
    SCOPE_PERMISSION = Perm.DISPUTES_VIEW
    SCOPE_FIELDS = {"district": "district_id", "street": "street_id", "community": "community_id",
                    "grid": "grid_id"}

    class Meta:
        verbose_name = _("dispute")
        verbose_name_plural = _("disputes")
        ordering = ["-found_at", "-id"]
        indexes = [
            models.Index(fields=["district", "found_at"], name="dispute_district_found"),
            models.Index(fields=["street", "found_at"], name="dispute_street_found"),
            models.Index(fields=["community", "found_at"], name="dispute_community_found"),
            models.Index(fields=["grid", "found_at"], name="dispute_grid_found"),
            models.Index(fields=["state", "risk_level"], name="dispute_state_risk"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(Q(state="resolved") & ~Q(settled_level="")) | (~Q(state="resolved") & Q(settled_level="")),
                name="dispute_settled_level_iff_resolved"),
            models.CheckConstraint(
                condition=(Q(state__in=["accepted", "mediating"]) & Q(settled_at__isnull=True))
                | (~Q(state__in=["accepted", "mediating"]) & Q(settled_at__isnull=False)),
                name="dispute_settled_at_iff_final"),
            models.CheckConstraint(condition=Q(accepted=True) | Q(state="not_accepted"),
                                   name="dispute_not_accepted_state"),
        ]

    def __str__(self):
        return f"{self.number} {self.get_kind_display()}"

    @property
    def is_open(self) -> bool:
        return self.state in DISPUTE_OPEN_STATES

    @property
    def resolved_inside_community(self) -> bool:
        return self.state == DisputeState.RESOLVED and self.settled_level in INSIDE_COMMUNITY_LEVELS


class DisputeParty(models.Model):
    """A party to a dispute: a resident of the registry (``resident``) or someone typed in (name and phone).
    The phone is encrypted; screens show ``phone_masked``."""

    dispute = models.ForeignKey(Dispute, verbose_name=_("dispute"), on_delete=models.CASCADE,
                                related_name="parties")
    role = models.CharField(_("role"), max_length=12, choices=PartyRole.choices, default=PartyRole.APPLICANT)
    resident = models.ForeignKey("territory.Resident", verbose_name=_("resident"), null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="+")
    name = models.CharField(_("name"), max_length=100)
    phone = EncryptedTextField(_("phone"), blank=True)
    phone_masked = models.CharField(_("phone (masked)"), max_length=40, blank=True, editable=False)
    note = models.CharField(_("note"), max_length=255, blank=True)

    AUDIT_MASKED = {"phone": "phone"}
    AUDIT_EXCLUDE = ("phone_masked",)

    class Meta:
        verbose_name = _("party")
        verbose_name_plural = _("parties")
        ordering = ["dispute_id", "id"]
        constraints = [models.CheckConstraint(condition=~Q(name=""), name="dispute_party_has_name")]

    def __str__(self):
        return self.name


class MediationSession(models.Model):
    """One mediation session (调解记录): date, mediator (an account or a typed name), who took part, the
    minutes and the result."""

    dispute = models.ForeignKey(Dispute, verbose_name=_("dispute"), on_delete=models.CASCADE,
                                related_name="sessions")
    held_on = models.DateField(_("date"))
    mediator = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("mediator (account)"), null=True,
                                 blank=True, on_delete=models.SET_NULL, related_name="+")
    mediator_name = models.CharField(_("mediator"), max_length=100)
    participants = models.TextField(_("participants"), blank=True)
    place = models.CharField(_("place"), max_length=255, blank=True)
    minutes = models.TextField(_("minutes"))
    result = models.CharField(_("result"), max_length=10, choices=SessionResult.choices,
                              default=SessionResult.CONTINUE)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), null=True,
                                    blank=True, on_delete=models.SET_NULL, related_name="+")
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("mediation session")
        verbose_name_plural = _("mediation sessions")
        ordering = ["dispute_id", "held_on", "id"]

    def __str__(self):
        return f"{self.dispute_id} {self.held_on}"


def attachment_path(instance, filename):
    return f"disputes/{instance.dispute.found_at:%Y/%m}/{instance.dispute.number}/{filename}"


class AttachmentKind(models.TextChoices):
    AGREEMENT = "agreement", _("Mediation agreement")  # 调解协议书
    RECORD = "record", _("Record or evidence")  # 笔录 / 证据
    OTHER = "other", _("Other")


class DisputeAttachment(models.Model):
    """A file of a dispute (the signed mediation agreement, records): PDF, JPEG or PNG checked by their magic
    bytes, stored with their SHA-256."""

    dispute = models.ForeignKey(Dispute, verbose_name=_("dispute"), on_delete=models.CASCADE,
                                related_name="attachments")
    session = models.ForeignKey(MediationSession, verbose_name=_("session"), null=True, blank=True,
                                on_delete=models.SET_NULL, related_name="attachments")
    kind = models.CharField(_("kind"), max_length=10, choices=AttachmentKind.choices,
                            default=AttachmentKind.AGREEMENT)
    file = models.FileField(_("file"), upload_to=attachment_path, max_length=255)
    original_name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("content type"), max_length=40)
    size = models.PositiveIntegerField(_("size (bytes)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), null=True,
                                    blank=True, on_delete=models.SET_NULL, related_name="+")
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("dispute attachment")
        verbose_name_plural = _("dispute attachments")
        ordering = ["dispute_id", "id"]

    def __str__(self):
        return self.original_name


class DisputeStep(models.Model):
    """One step of a dispute's history: action, states before and after, level, who and when."""

    dispute = models.ForeignKey(Dispute, verbose_name=_("dispute"), on_delete=models.CASCADE,
                                related_name="steps")
    action = models.CharField(_("action"), max_length=12, choices=DisputeAction.choices)
    from_state = models.CharField(_("from"), max_length=12, choices=DisputeState.choices, blank=True)
    to_state = models.CharField(_("to"), max_length=12, choices=DisputeState.choices)
    level = models.CharField(_("level"), max_length=10, choices=SettledLevel.choices, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("by"), null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="+")
    actor_name = models.CharField(_("by (name)"), max_length=100, blank=True)
    at = models.DateTimeField(_("time"))
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("dispute step")
        verbose_name_plural = _("dispute steps")
        ordering = ["dispute_id", "at", "id"]
        indexes = [models.Index(fields=["dispute", "at"], name="dispute_step_dispute_at")]

    def __str__(self):
        return f"{self.dispute_id} {self.action}"
