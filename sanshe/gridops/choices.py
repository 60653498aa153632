"""Choices of grid governance and the event workflow as data (GB/T 30428 and the 12345 closed loop).

``TRANSITIONS`` is the whole workflow: action → (states it may start from, state it leads to, permission
the actor needs, what the action requires). :func:`sanshe.gridops.services.transition` is the one function
that applies it; every step writes an :class:`~sanshe.gridops.models.EventStep` row, and every rate on the
dashboard is derivable from those rows.
"""

from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from sanshe.accounts.roles import Perm


class EventState(models.TextChoices):
    REPORTED = "reported", pgettext_lazy("event state", "Reported")  # 待受理
    ACCEPTED = "accepted", pgettext_lazy("event state", "Accepted")  # 已受理, 待立案
    NOT_FILED = "not_filed", pgettext_lazy("event state", "Not filed")  # 不予立案 (注销)
    FILED = "filed", pgettext_lazy("event state", "Filed")  # 已立案, 待派遣
    DISPATCHED = "dispatched", pgettext_lazy("event state", "Dispatched")  # 已派遣, 待处置
    HANDLING = "handling", pgettext_lazy("event state", "Being handled")  # 处置中
    FED_BACK = "fed_back", pgettext_lazy("event state", "Fed back")  # 已反馈, 待核查
    VERIFIED = "verified", pgettext_lazy("event state", "Verified")  # 核查通过, 待结案
    CLOSED = "closed", pgettext_lazy("event state", "Closed")  # 已结案
    MERGED = "merged", pgettext_lazy("event state", "Merged")  # 已并单 (follows its master)


OPEN_STATES = frozenset({
    EventState.REPORTED, EventState.ACCEPTED, EventState.FILED, EventState.DISPATCHED, EventState.HANDLING,
    EventState.FED_BACK, EventState.VERIFIED,
})
# States in which the clock runs (dispatched, not yet fed back).
CLOCK_STATES = frozenset({EventState.DISPATCHED, EventState.HANDLING})
FINAL_STATES = frozenset({EventState.NOT_FILED, EventState.CLOSED, EventState.MERGED})


class Action(models.TextChoices):
    REPORT = "report", _("Report")  # 上报
    ACCEPT = "accept", _("Accept")  # 受理
    FILE = "file", _("File")  # 立案
    NOT_FILE = "not_file", _("Do not file")  # 不予立案
    DISPATCH = "dispatch", _("Dispatch")  # 派遣
    REASSIGN = "reassign", _("Re-dispatch")  # 改派
    RETURN = "return", _("Return")  # 退单
    START = "start", _("Start handling")  # 签收
    FEED_BACK = "feed_back", _("Feed back")  # 反馈
    VERIFY = "verify", _("Verify: passed")  # 核查通过
    REWORK = "rework", _("Verify: failed, rework")  # 核查不通过 → 返工
    CLOSE = "close", _("Close")  # 结案
    REVISIT = "revisit", _("Follow-up visit")  # 回访
    RATE = "rate", _("Rate")  # 评价
    REQUEST_EXTENSION = "request_extension", _("Request an extension")  # 申请延期
    APPROVE_EXTENSION = "approve_extension", _("Approve the extension")  # 批准延期
    DENY_EXTENSION = "deny_extension", _("Refuse the extension")  # 不批准延期
    SUPERVISE = "supervise", _("Supervise")  # 督办
    ESCALATE = "escalate", _("Escalate")  # 超时升级
    MERGE = "merge", _("Merge into another event")  # 并单
    COMMENT = "comment", _("Note")  # 备注


# The "actor" of an action, beyond its permission: who in particular may take it.
class Who(models.TextChoices):
    DESK = "desk", _("the dispatch desk")
    UNIT = "unit", _("the handling unit")
    FIELD = "field", _("grid staff")
    REPORTER = "reporter", _("the reporter")
    SUPERVISOR = "supervisor", _("street or district")
    SYSTEM = "system", _("the system")
    ANYONE = "anyone", _("anyone who can see the event")


@dataclass(frozen=True)
class Step:
    sources: frozenset  # states the action may start from
    target: str | None  # the state it leads to (None: stays where it is)
    permission: str | None
    who: str
    needs_note: bool = False  # a reason / note is required
    needs_unit: bool = False
    needs_photo: bool = False


_S = EventState
_OPEN = OPEN_STATES
TRANSITIONS: dict[str, Step] = {
    Action.ACCEPT: Step(frozenset({_S.REPORTED}), _S.ACCEPTED, Perm.EVENTS_DISPATCH, Who.DESK),
    Action.FILE: Step(frozenset({_S.REPORTED, _S.ACCEPTED}), _S.FILED, Perm.EVENTS_DISPATCH, Who.DESK),
    Action.NOT_FILE: Step(frozenset({_S.REPORTED, _S.ACCEPTED}), _S.NOT_FILED, Perm.EVENTS_DISPATCH, Who.DESK,
                          needs_note=True),
    Action.MERGE: Step(frozenset({_S.REPORTED, _S.ACCEPTED, _S.FILED}), _S.MERGED, Perm.EVENTS_DISPATCH, Who.DESK),
    Action.DISPATCH: Step(frozenset({_S.FILED}), _S.DISPATCHED, Perm.EVENTS_DISPATCH, Who.DESK, needs_unit=True),
    Action.REASSIGN: Step(frozenset({_S.DISPATCHED, _S.HANDLING}), _S.DISPATCHED, Perm.EVENTS_DISPATCH, Who.DESK,
                          needs_note=True, needs_unit=True),
    Action.RETURN: Step(frozenset({_S.DISPATCHED, _S.HANDLING}), _S.FILED, Perm.EVENTS_HANDLE, Who.UNIT,
                        needs_note=True),
    Action.START: Step(frozenset({_S.DISPATCHED}), _S.HANDLING, Perm.EVENTS_HANDLE, Who.UNIT),
    Action.FEED_BACK: Step(frozenset({_S.DISPATCHED, _S.HANDLING}), _S.FED_BACK, Perm.EVENTS_HANDLE, Who.UNIT,
                           needs_note=True),
    Action.VERIFY: Step(frozenset({_S.FED_BACK}), _S.VERIFIED, Perm.EVENTS_VERIFY, Who.FIELD),
    Action.REWORK: Step(frozenset({_S.FED_BACK}), _S.HANDLING, Perm.EVENTS_VERIFY, Who.FIELD, needs_note=True),
    Action.CLOSE: Step(frozenset({_S.VERIFIED}), _S.CLOSED, Perm.EVENTS_DISPATCH, Who.DESK),
    Action.REVISIT: Step(frozenset({_S.CLOSED}), None, Perm.EVENTS_DISPATCH, Who.DESK, needs_note=True),
    Action.RATE: Step(frozenset({_S.CLOSED}), None, None, Who.REPORTER),
    Action.REQUEST_EXTENSION: Step(frozenset({_S.DISPATCHED, _S.HANDLING}), None, Perm.EVENTS_HANDLE, Who.UNIT,
                                   needs_note=True),
    Action.APPROVE_EXTENSION: Step(frozenset({_S.DISPATCHED, _S.HANDLING}), None, Perm.EVENTS_DISPATCH, Who.DESK),
    Action.DENY_EXTENSION: Step(frozenset({_S.DISPATCHED, _S.HANDLING}), None, Perm.EVENTS_DISPATCH, Who.DESK,
                                needs_note=True),
    Action.SUPERVISE: Step(_OPEN, None, Perm.EVENTS_SUPERVISE, Who.SUPERVISOR, needs_note=True),
    Action.ESCALATE: Step(CLOCK_STATES, None, None, Who.SYSTEM),
    Action.COMMENT: Step(_OPEN, None, Perm.EVENTS_VIEW, Who.ANYONE, needs_note=True),
}


class Source(models.TextChoices):
    GRID = "grid", _("Grid staff")  # 网格员上报
    PATROL = "patrol", _("Patrol")  # 巡查发现
    RESIDENT = "resident", _("Resident (web)")  # 居民上报
    OPEN311 = "open311", _("Open311 client")
    HOTLINE = "hotline", _("Hotline")  # 12345 / 热线
    DESK = "desk", _("Community desk")  # 窗口登记


class LimitUnit(models.TextChoices):
    """How a 小类's time limit counts (处置时限)."""

    URGENT_HOURS = "urgent_hours", _("hours (urgent, around the clock)")
    WORKING_HOURS = "working_hours", _("working hours")
    WORKING_DAYS = "working_days", _("working days")
    NATURAL_DAYS = "natural_days", _("calendar days")


class UnitKind(models.TextChoices):
    DISTRICT_DEPT = "district_dept", _("District department")
    STREET_DEPT = "street_dept", _("Street department")
    COMMUNITY_TEAM = "community_team", _("Community team")
    SOCIAL_ORG = "social_org", _("Social organization")


class Rating(models.TextChoices):
    SATISFIED = "satisfied", _("Satisfied")  # 满意
    FAIRLY = "fairly", _("Fairly satisfied")  # 基本满意
    UNSATISFIED = "unsatisfied", _("Unsatisfied")  # 不满意


SATISFIED_RATINGS = (Rating.SATISFIED, Rating.FAIRLY)


class Light(models.TextChoices):
    """The deadline light of an open event."""

    GREEN = "green", _("On time")
    YELLOW = "yellow", _("Due soon")
    RED = "red", _("Overdue")
    NONE = "none", _("No clock")


class EscalationLevel(models.IntegerChoices):
    NONE = 0, _("Not escalated")
    STREET = 1, _("Escalated to the street")
    DISTRICT = 2, _("Escalated to the district")


class ExtensionState(models.TextChoices):
    PENDING = "pending", _("Pending")
    APPROVED = "approved", _("Approved")
    DENIED = "denied", _("Refused")
