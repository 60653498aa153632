"""Choices of the volunteer registry and service records."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class RecordSource(models.TextChoices):
    ACTIVITY = "activity", _("Activity")  # signed up, checked in and out by QR
    PARTY_POST = "party_post", _("Party member post")  # 在职党员认领岗位
    MANUAL = "manual", _("Recorded by the organizer")


class RecordState(models.TextChoices):
    OPEN = "open", _("Checked in")  # checked in, not yet out
    PENDING = "pending", _("Awaiting confirmation")  # checked out (or closed by rule), the organizer confirms
    CONFIRMED = "confirmed", _("Confirmed")
    REJECTED = "rejected", _("Rejected")


class SignUpState(models.TextChoices):
    SIGNED_UP = "signed_up", _("Signed up")
    CANCELLED = "cancelled", _("Cancelled")

