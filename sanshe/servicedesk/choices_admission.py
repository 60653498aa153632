"""Choices of community work admission (社区工作准入) and its workflow as data.

A department submits a task for communities; the gate (the approved list, 工作指导目录) admits it when an
active entry of the same department and kind covers it, otherwise refuses it with the reason. The district
admin may refuse an admitted task with a reason, or admit a refused one by exception with a reason.
``TRANSITIONS`` is the whole workflow; :func:`sanshe.servicedesk.services_admission.transition` applies it and
every step writes a :class:`~sanshe.servicedesk.models_admission.TaskStep`.
"""

from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from sanshe.accounts.roles import Perm


class TaskKind(models.TextChoices):
    LEDGER = "ledger", pgettext_lazy("work kind", "Ledger")  # 台账
    REPORT = "report", pgettext_lazy("work kind", "Report")  # 报表
    CERTIFICATE = "certificate", pgettext_lazy("work kind", "Certificate")  # 证明
    INSPECTION = "inspection", pgettext_lazy("work kind", "Inspection")  # 检查
    ASSESSMENT = "assessment", pgettext_lazy("work kind", "Assessment")  # 考核
    PLAQUE = "plaque", pgettext_lazy("work kind", "Plaque")  # 挂牌
    MEETING = "meeting", pgettext_lazy("work kind", "Meeting")  # 会议
    CAMPAIGN = "campaign", pgettext_lazy("work kind", "Campaign")  # 创建活动 / 宣传


class Frequency(models.TextChoices):
    ONCE = "once", _("Once")
    MONTHLY = "monthly", _("Monthly")
    QUARTERLY = "quarterly", _("Quarterly")
    YEARLY = "yearly", _("Yearly")


PERIOD_MONTHS = {Frequency.ONCE: 0, Frequency.MONTHLY: 1, Frequency.QUARTERLY: 3, Frequency.YEARLY: 12}


class TaskState(models.TextChoices):
    SUBMITTED = "submitted", pgettext_lazy("task state", "Submitted")  # 待审核 (an instant: the gate decides)
    ADMITTED = "admitted", pgettext_lazy("task state", "Admitted")  # 准入
    REFUSED = "refused", pgettext_lazy("task state", "Refused")  # 不予准入


class TaskAction(models.TextChoices):
    SUBMIT = "submit", _("Submit")  # 部门提交
    ADMIT = "admit", _("Admit (on the list)")  # 目录内, 自动准入
    REFUSE = "refuse", _("Refuse at the gate")  # 目录外 …, 自动拒绝
    OVERRULE = "overrule", _("Refuse by the district")  # 区级审核不予准入
    EXCEPTION = "exception", _("Admit by exception")  # 区级审核例外准入


class AssignmentState(models.TextChoices):
    ASSIGNED = "assigned", pgettext_lazy("assignment state", "Assigned")
    DONE = "done", pgettext_lazy("assignment state", "Done")
    CANCELLED = "cancelled", pgettext_lazy("assignment state", "Cancelled")


class RefusalReason(models.TextChoices):
    OFF_LIST = "off_list", _("Not on the approved list")
    WITHDRAWN = "withdrawn", _("The list entry was withdrawn")
    NOT_YET = "not_yet", _("The list entry is not yet in force")
    EXPIRED = "expired", _("The list entry has expired")
    KIND = "kind", _("The kind of work differs from the list entry")
    DEPARTMENT = "department", _("The list entry belongs to another department")
    DISTRICT = "district", _("The list entry belongs to another district")
    DISTRICT_REVIEW = "district_review", _("Refused by the district")


class Actor(models.TextChoices):
    DEPARTMENT = "department", _("the submitting department")
    GATE = "gate", _("the gate (automatic)")
    DISTRICT = "district", _("the district administrator")


@dataclass(frozen=True)
class Step:
    sources: frozenset  # states the action may start from (empty: creates the task)
    target: str
    permission: str | None
    who: str
    needs_note: bool = False


_S = TaskState
TRANSITIONS: dict[str, Step] = {
    TaskAction.SUBMIT: Step(frozenset(), _S.SUBMITTED, Perm.ADMISSION_SUBMIT, Actor.DEPARTMENT),
    TaskAction.ADMIT: Step(frozenset({_S.SUBMITTED}), _S.ADMITTED, None, Actor.GATE),
    TaskAction.REFUSE: Step(frozenset({_S.SUBMITTED}), _S.REFUSED, None, Actor.GATE, needs_note=True),
    TaskAction.OVERRULE: Step(frozenset({_S.ADMITTED}), _S.REFUSED, Perm.ADMISSION_REVIEW, Actor.DISTRICT,
                              needs_note=True),
    TaskAction.EXCEPTION: Step(frozenset({_S.REFUSED}), _S.ADMITTED, Perm.ADMISSION_REVIEW, Actor.DISTRICT,
                               needs_note=True),
}
REVIEW_ACTIONS = (TaskAction.OVERRULE, TaskAction.EXCEPTION)
