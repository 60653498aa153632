"""Choices of points, the redemption catalogue, the time bank, recognition and party members in service."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class RuleKind(models.TextChoices):
    PER_HOUR = "per_hour", _("Points per confirmed hour")
    BONUS = "bonus", _("Bonus per confirmed record")


class PointKind(models.TextChoices):
    EARNED = "earned", _("Earned")
    REDEEMED = "redeemed", _("Redeemed")
    REFUNDED = "refunded", _("Refunded")
    ADJUSTED = "adjusted", _("Adjusted")


class RedemptionState(models.TextChoices):
    ISSUED = "issued", _("Voucher issued")  # points taken, the voucher waits at the partner unit
    USED = "used", _("Used")
    CANCELLED = "cancelled", _("Cancelled")  # points and stock given back


class TimeKind(models.TextChoices):
    DEPOSIT = "deposit", _("Deposit")  # confirmed service hours
    WITHDRAW = "withdraw", _("Withdrawal")  # service received by an elderly resident
    TRANSFER_OUT = "transfer_out", _("Transferred out")
    TRANSFER_IN = "transfer_in", _("Transferred in")
    DONATE = "donate", _("Donated to the pool")
    CAP_DONATE = "cap_donate", _("Above the cap, donated to the pool")
    POOL_IN = "pool_in", _("Pool: received")
    POOL_OUT = "pool_out", _("Pool: spent")


class NominationState(models.TextChoices):
    PENDING = "pending", _("Awaiting review")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


class ClaimState(models.TextChoices):
    CLAIMED = "claimed", _("Claimed")
    WITHDRAWN = "withdrawn", _("Withdrawn")
