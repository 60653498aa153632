"""Choices of the social workers' roster: certificate levels and training kinds (DOMAIN.md §6, §10)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class CertificateLevel(models.TextChoices):
    """社会工作者职业资格: the national levels (助理社会工作师 初级, 社会工作师 中级, 高级社会工作师) and the
    员级 that Chenghua's subsidy also pays (seed 000: 员级、初级、中级、高级 200–800 yuan/month)."""

    STAFF = "staff", _("Social work staff (entry level)")  # 员级
    ASSISTANT = "assistant", _("Assistant social worker (junior)")  # 助理社会工作师 初级
    INTERMEDIATE = "intermediate", _("Social worker (intermediate)")  # 社会工作师 中级
    SENIOR = "senior", _("Senior social worker")  # 高级社会工作师


# Higher rank = higher level; the roll pays the highest level valid in the month.
LEVEL_RANK = {CertificateLevel.STAFF: 1, CertificateLevel.ASSISTANT: 2, CertificateLevel.INTERMEDIATE: 3,
              CertificateLevel.SENIOR: 4}
LEVELS_HIGH_FIRST = sorted(LEVEL_RANK, key=LEVEL_RANK.get, reverse=True)


class TrainingKind(models.TextChoices):
    CENTRAL = "central", _("Central training")  # 集中培训
    ON_SITE = "on_site", _("On-site training")  # 现场培训


class Exclusion(models.TextChoices):
    """Why a social worker of the territory is not on a month's subsidy roll."""

    NO_CERTIFICATE = "no_certificate", _("No certificate")
    NOT_REGISTERED = "not_registered", _("Certificate not registered")
    EXPIRED = "expired", _("Certificate expired")
    REVOKED = "revoked", _("Certificate revoked")
    NOT_YET_VALID = "not_yet_valid", _("Certificate not yet valid")
    NO_RATE = "no_rate", _("No subsidy rate for the level and region")
    NOT_IN_POST = "not_in_post", _("Not in post during the month")
