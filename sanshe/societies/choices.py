"""Choices of the social organization registry (DOMAIN.md §6, §10)."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Track(models.TextChoices):
    """双轨制: registered with civil affairs (unified social credit code) or filed with the street (filing number)."""

    REGISTERED = "registered", pgettext_lazy("social organization", "Registered")  # 登记
    FILED = "filed", pgettext_lazy("social organization", "Filed")  # 备案


class ServiceField(models.TextChoices):
    CULTURE_SPORTS = "culture_sports", _("Culture and sports")  # 文体
    VOLUNTEERING = "volunteering", _("Volunteering")  # 志愿
    ELDERLY = "elderly", _("Elderly care")  # 为老
    DISABILITY = "disability", _("Disability support")  # 助残
    YOUTH = "youth", _("Children and youth")  # 青少年
    HOUSEKEEPING = "housekeeping", _("Housekeeping")  # 家政
    SOCIAL_WORK = "social_work", _("Social work")  # 社工
    MEDIATION = "mediation", _("Mediation")  # 调解
    ENVIRONMENT = "environment", _("Environment")  # 环保
    CHARITY = "charity", _("Charity")  # 慈善
    OTHER = "other", _("Other")


class OrgStatus(models.TextChoices):
    PREPARING = "preparing", _("Preparing")  # 筹备
    INCUBATING = "incubating", _("Incubating")  # 培育中
    REGISTERED = "registered", pgettext_lazy("social organization status", "Registered")  # 已登记
    FILED = "filed", pgettext_lazy("social organization status", "Filed")  # 已备案
    DEREGISTERED = "deregistered", _("Deregistered")  # 注销


class IncubatorLevel(models.TextChoices):
    """The four-level incubators (区-街-社区-院落)."""

    DISTRICT = "district", _("District incubator")  # 区
    STREET = "street", _("Street incubator")  # 街
    COMMUNITY = "community", _("Community incubator")  # 社区
    COURTYARD = "courtyard", _("Courtyard incubator")  # 院落


class IncubationStage(models.TextChoices):
    INTAKE = "intake", _("Intake")  # 入驻
    NURTURING = "nurturing", _("Nurturing")  # 培育
    GROWING = "growing", _("Capacity building")  # 能力提升
    GRADUATED = "graduated", _("Graduated")  # 出壳


class InspectionResult(models.TextChoices):
    PASSED = "passed", _("Passed")  # 合格
    BASICALLY = "basically", _("Basically passed")  # 基本合格
    FAILED = "failed", _("Failed")  # 不合格


class EvalLevel(models.TextChoices):
    A1 = "1A", "1A"
    A2 = "2A", "2A"
    A3 = "3A", "3A"
    A4 = "4A", "4A"
    A5 = "5A", "5A"
    NONE = "none", _("No level")


class MemberKind(models.TextChoices):
    INDIVIDUAL = "individual", _("Individual member")  # 个人会员
    UNIT = "unit", _("Unit member")  # 单位会员


class SeatRole(models.TextChoices):
    CHAIR = "chair", _("Chair of the council")  # 理事长
    VICE_CHAIR = "vice_chair", _("Vice-chair")  # 副理事长
    DIRECTOR = "director", _("Director")  # 理事
    SUPERVISOR = "supervisor", _("Supervisor")  # 监事


# The status workflow: from → the statuses it may move to. Registration needs the registered track and a credit
# code; filing needs the filed track and a filing number (services check them). 注销 is final.
S = OrgStatus
TRANSITIONS: dict[str, tuple[str, ...]] = {
    S.PREPARING: (S.INCUBATING, S.REGISTERED, S.FILED, S.DEREGISTERED),
    S.INCUBATING: (S.PREPARING, S.REGISTERED, S.FILED, S.DEREGISTERED),
    S.FILED: (S.INCUBATING, S.REGISTERED, S.DEREGISTERED),
    S.REGISTERED: (S.INCUBATING, S.DEREGISTERED),
    S.DEREGISTERED: (),
}
# The statuses an organization may be created in, per track.
INITIAL = {
    Track.REGISTERED: (S.PREPARING, S.INCUBATING, S.REGISTERED),
    Track.FILED: (S.PREPARING, S.INCUBATING, S.FILED),
}
ACTIVE = (S.PREPARING, S.INCUBATING, S.REGISTERED, S.FILED)
del S
