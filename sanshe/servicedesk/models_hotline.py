"""Models of the service cloud: the 12343 hotline (calls and their history) and the message box (信箱留言,
建言献策). See the module docstring of ``models.py`` and ``choices_hotline.py`` for the workflow."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from sanshe.accounts.roles import Perm
from sanshe.core.fields import EncryptedTextField

from .choices_hotline import (
    CallAction,
    CallCategory,
    CallState,
    FollowUpRating,
    HandOff,
    MessageKind,
    MessageState,
)
from .models import ScopedRow


class HotlineCall(ScopedRow):
    """A call to the 12343 hotline (来电), recorded by an operator for the caller's community.

    The phone is encrypted, with a masked copy for screens and a blind index to find repeat calls (并单).
    ``deadline`` is the category's time limit in working days from ``received_at``; ``resolved_at`` is when the
    matter was settled (answered, or the event / application it became was finished); ``master`` is the call a
    repeat call was merged into (it follows its master).
    """

    number = models.CharField(_("number"), max_length=30, unique=True)
    caller_name = models.CharField(_("caller"), max_length=50)
    caller_phone = EncryptedTextField(_("caller's phone"), blank=True)
    caller_phone_masked = models.CharField(_("caller's phone (masked)"), max_length=20, blank=True)
    caller_phone_index = models.CharField(_("phone index"), max_length=64, blank=True, db_index=True,
                                          editable=False)
    household = models.ForeignKey("territory.Household", verbose_name=_("household"), null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="hotline_calls")
    resident = models.ForeignKey("territory.Resident", verbose_name=_("resident"), null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="hotline_calls")
    content = models.TextField(_("content"))
    category = models.CharField(_("category"), max_length=12, choices=CallCategory.choices)
    received_at = models.DateTimeField(_("received at"), db_index=True)
    deadline = models.DateTimeField(_("deadline"), null=True, blank=True)
    state = models.CharField(_("state"), max_length=12, choices=CallState.choices, default=CallState.NEW,
                             db_index=True)
    operator = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("operator"), null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="+")
    answer = models.TextField(_("answer"), blank=True)
    hand_off = models.CharField(_("handed over as"), max_length=12, choices=HandOff.choices, blank=True)
    event = models.ForeignKey("gridops.Event", verbose_name=_("event"), null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="hotline_calls")
    application = models.ForeignKey("servicedesk.Application", verbose_name=_("application"), null=True,
                                    blank=True, on_delete=models.SET_NULL, related_name="hotline_calls")
    need_id = models.PositiveIntegerField(_("demand"), null=True, blank=True)
    need_number = models.CharField(_("demand number"), max_length=40, blank=True)
    master = models.ForeignKey("self", verbose_name=_("merged into"), null=True, blank=True,
                               on_delete=models.SET_NULL, related_name="merged_calls")
    resolved_at = models.DateTimeField(_("settled at"), null=True, blank=True)
    on_time = models.BooleanField(_("on time"), null=True, blank=True)
    followed_up_at = models.DateTimeField(_("called back at"), null=True, blank=True)
    reached = models.BooleanField(_("caller reached"), null=True, blank=True)
    rating = models.CharField(_("rating"), max_length=20, choices=FollowUpRating.choices, blank=True)
    follow_up_note = models.TextField(_("call-back note"), blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    SCOPE_PERMISSION = Perm.HOTLINE
    AUDIT_MASKED = {"caller_phone": "phone"}
    AUDIT_EXCLUDE = ("caller_phone_index", "caller_phone_masked")

    class Meta:
        verbose_name = _("hotline call")
        verbose_name_plural = _("hotline calls")
        ordering = ["-received_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=~models.Q(state="merged") | models.Q(master__isnull=False),
                                   name="hotline_call_merged_has_master"),
        ]

    def __str__(self):
        return f"{self.number} {self.caller_name}"


class HotlineStep(models.Model):
    """One step of a call's workflow (its timeline)."""

    call = models.ForeignKey(HotlineCall, verbose_name=_("call"), on_delete=models.CASCADE, related_name="steps")
    action = models.CharField(_("action"), max_length=20, choices=CallAction.choices)
    from_state = models.CharField(_("from"), max_length=12, blank=True)
    to_state = models.CharField(_("to"), max_length=12, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("by"), null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="+")
    actor_name = models.CharField(_("by (name)"), max_length=100, blank=True)
    at = models.DateTimeField(_("at"), db_index=True)
    note = models.TextField(_("note"), blank=True)
    data = models.JSONField(_("data"), default=dict, blank=True)

    class Meta:
        verbose_name = _("call step")
        verbose_name_plural = _("call steps")
        ordering = ["at", "pk"]

    def __str__(self):
        return f"{self.call_id} {self.action}"


class Message(ScopedRow):
    """A message (信箱留言) or a suggestion (建言献策) left by a resident, to his community or to the district
    (then ``community`` is empty). Answered public ones appear on the public answers page with the author's
    name masked and no phone."""

    kind = models.CharField(_("kind"), max_length=12, choices=MessageKind.choices, default=MessageKind.MESSAGE)
    number = models.CharField(_("number"), max_length=30, unique=True)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("author (account)"), null=True,
                               blank=True, on_delete=models.SET_NULL, related_name="+")
    author_name = models.CharField(_("name"), max_length=50)
    author_phone = EncryptedTextField(_("phone"), blank=True)
    author_phone_masked = models.CharField(_("phone (masked)"), max_length=20, blank=True)
    household = models.ForeignKey("territory.Household", verbose_name=_("household"), null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="box_messages")
    subject = models.CharField(_("subject"), max_length=100)
    content = models.TextField(_("content"))
    is_public = models.BooleanField(_("public"), default=True)
    state = models.CharField(_("state"), max_length=10, choices=MessageState.choices, default=MessageState.OPEN,
                             db_index=True)
    submitted_at = models.DateTimeField(_("submitted at"), db_index=True)
    answer = models.TextField(_("answer"), blank=True)
    answered_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("answered by"), null=True,
                                    blank=True, on_delete=models.SET_NULL, related_name="+")
    answered_by_name = models.CharField(_("answered by (name)"), max_length=100, blank=True)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)

    SCOPE_PERMISSION = Perm.MESSAGES_ANSWER
    AUDIT_MASKED = {"author_phone": "phone"}
    AUDIT_EXCLUDE = ("author_phone_masked",)

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["-submitted_at", "-pk"]

    def __str__(self):
        return f"{self.number} {self.subject}"
