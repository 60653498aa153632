"""Choices of the 12343 hotline and the message box, and the call workflow as data.

A call (来电) is recorded, then decided: answered on the spot (答复), handed to the grid workflow as an event,
to a window as a service application, or to 五单法 as a demand (群众点单), or merged into an open call on the
same matter (并单; it follows its master). When the matter is settled the caller is called back (回访) and the
call is closed. ``TRANSITIONS`` is the whole workflow; :func:`sanshe.servicedesk.services_hotline.transition`
applies it and writes a :class:`~sanshe.servicedesk.models_hotline.HotlineStep` for each step.
"""

from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from sanshe.accounts.roles import Perm


class CallCategory(models.TextChoices):
    CONSULT = "consult", _("Enquiry")  # 咨询
    HELP = "help", _("Request for help")  # 求助
    COMPLAINT = "complaint", _("Complaint")  # 投诉
    SUGGESTION = "suggestion", _("Suggestion")  # 建议
    PRAISE = "praise", _("Praise")  # 表扬


# time limit per category in working days (按期办结)
TIME_LIMIT_DAYS = {
    CallCategory.CONSULT: 1,
    CallCategory.HELP: 3,
    CallCategory.COMPLAINT: 5,
    CallCategory.SUGGESTION: 10,
    CallCategory.PRAISE: 3,
}


class CallState(models.TextChoices):
    NEW = "new", pgettext_lazy("call state", "Waiting for a decision")  # 待处理
    ANSWERED = "answered", pgettext_lazy("call state", "Answered")  # 已答复
    TRANSFERRED = "transferred", pgettext_lazy("call state", "Handed over")  # 已转办
    MERGED = "merged", pgettext_lazy("call state", "Merged")  # 已并单
    FOLLOWED_UP = "followed_up", pgettext_lazy("call state", "Called back")  # 已回访
    CLOSED = "closed", pgettext_lazy("call state", "Closed")  # 已办结


OPEN_STATES = frozenset({CallState.NEW, CallState.ANSWERED, CallState.TRANSFERRED, CallState.MERGED})


class CallAction(models.TextChoices):
    RECORD = "record", _("Record the call")  # 登记
    ANSWER = "answer", _("Answer on the spot")  # 答复
    TO_EVENT = "to_event", _("Turn into an event")  # 转事件
    TO_APPLICATION = "to_application", _("Turn into a service application")  # 转办件
    TO_NEED = "to_need", _("Turn into a demand")  # 转群众点单
    MERGE = "merge", _("Merge into an earlier call")  # 并单
    FOLLOW_UP = "follow_up", _("Call back")  # 回访
    CLOSE = "close", pgettext_lazy("call action", "Close")  # 办结
    COMMENT = "comment", _("Note")  # 备注


class HandOff(models.TextChoices):
    EVENT = "event", _("Event")
    APPLICATION = "application", _("Service application")
    NEED = "need", _("Demand")


class FollowUpRating(models.TextChoices):
    SATISFIED = "satisfied", _("Satisfied")  # 满意
    FAIRLY_SATISFIED = "fairly_satisfied", _("Fairly satisfied")  # 基本满意
    DISSATISFIED = "dissatisfied", _("Dissatisfied")  # 不满意


SATISFIED_RATINGS = frozenset({FollowUpRating.SATISFIED, FollowUpRating.FAIRLY_SATISFIED})


class MessageKind(models.TextChoices):
    MESSAGE = "message", pgettext_lazy("message box", "Message")  # 信箱留言
    SUGGESTION = "suggestion", _("Suggestion")  # 建言献策


class MessageState(models.TextChoices):
    OPEN = "open", pgettext_lazy("message state", "Waiting for an answer")  # 待答复
    ANSWERED = "answered", pgettext_lazy("message state", "Answered")  # 已答复


@dataclass(frozen=True)
class Step:
    sources: frozenset
    target: str | None
    permission: str
    needs_note: bool = False


_S = CallState
TRANSITIONS: dict[str, Step] = {
    CallAction.ANSWER: Step(frozenset({_S.NEW}), _S.ANSWERED, Perm.HOTLINE, needs_note=True),
    CallAction.TO_EVENT: Step(frozenset({_S.NEW}), _S.TRANSFERRED, Perm.HOTLINE),
    CallAction.TO_APPLICATION: Step(frozenset({_S.NEW}), _S.TRANSFERRED, Perm.HOTLINE),
    CallAction.TO_NEED: Step(frozenset({_S.NEW}), _S.TRANSFERRED, Perm.HOTLINE),
    CallAction.MERGE: Step(frozenset({_S.NEW}), _S.MERGED, Perm.HOTLINE),
    CallAction.FOLLOW_UP: Step(frozenset({_S.ANSWERED, _S.TRANSFERRED, _S.MERGED}), _S.FOLLOWED_UP, Perm.HOTLINE),
    CallAction.CLOSE: Step(frozenset({_S.FOLLOWED_UP}), _S.CLOSED, Perm.HOTLINE),
    CallAction.COMMENT: Step(frozenset(CallState.values), None, Perm.HOTLINE, needs_note=True),
}
