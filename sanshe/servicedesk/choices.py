"""Choices of the service cloud and the application workflow as data (一窗受理 → 办理 → 补正 → 办结 → 评价).

``TRANSITIONS`` is the whole workflow of an application: action → (states it may start from, state it leads
to, permission the actor needs, who in particular, what it requires). :func:`sanshe.servicedesk.services.
transition` is the one function that applies it; every step writes an
:class:`~sanshe.servicedesk.models.ApplicationStep`, and the station figures are derivable from those rows.

The clock (the item's legal time limit in working days, counted from acceptance) runs in every open state but
补正: while materials are missing it stops, and when they are complete the deadline moves by the working time
it stood still.
"""

from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from sanshe.accounts.roles import Perm


class Channel(models.TextChoices):
    WINDOW = "window", _("At a window")
    ONLINE = "online", _("Online")
    BOTH = "both", _("Online or at a window")


class ApplicationState(models.TextChoices):
    RECEIVED = "received", pgettext_lazy("application state", "Received")  # 已受理, 待办理 (in the department's queue)
    PROCESSING = "processing", pgettext_lazy("application state", "Processing")  # 办理中
    SUPPLEMENT = "supplement", pgettext_lazy("application state", "Materials missing")  # 补正 (the clock stops)
    DONE = "done", pgettext_lazy("application state", "Done")  # 办结
    REFUSED = "refused", pgettext_lazy("application state", "Refused")  # 不予办理


OPEN_STATES = frozenset({ApplicationState.RECEIVED, ApplicationState.PROCESSING, ApplicationState.SUPPLEMENT})
FINAL_STATES = frozenset({ApplicationState.DONE, ApplicationState.REFUSED})


class Action(models.TextChoices):
    ACCEPT = "accept", _("Accept at the window")  # 一窗受理
    START = "start", _("Start processing")  # 签收办理
    REQUEST_SUPPLEMENT = "request_supplement", _("Ask for missing materials")  # 补正告知 (the clock stops)
    SUPPLEMENT = "supplement", _("Materials completed")  # 补正完成 (the clock runs again)
    COMPLETE = "complete", _("Complete")  # 办结
    REFUSE = "refuse", _("Refuse")  # 不予办理
    RATE = "rate", _("Rate")  # 评价
    COMMENT = "comment", _("Note")  # 备注


class Who(models.TextChoices):
    WINDOW = "window", _("a window of the territory")
    DEPARTMENT = "department", _("the responsible department")
    APPLICANT = "applicant", _("the applicant")
    ANYONE = "anyone", _("anyone who can see the application")


class MaterialStatus(models.TextChoices):
    RECEIVED = "received", _("Received")  # 已收
    MISSING = "missing", _("Missing")  # 缺
    NOT_NEEDED = "not_needed", _("Not needed for this applicant")  # 不适用


class Rating(models.TextChoices):
    SATISFIED = "satisfied", _("Satisfied")  # 满意
    FAIRLY_SATISFIED = "fairly_satisfied", _("Fairly satisfied")  # 基本满意
    DISSATISFIED = "dissatisfied", _("Dissatisfied")  # 不满意


SATISFIED_RATINGS = frozenset({Rating.SATISFIED, Rating.FAIRLY_SATISFIED})


class AppointmentState(models.TextChoices):
    BOOKED = "booked", _("Booked")
    ATTENDED = "attended", _("Attended")
    NO_SHOW = "no_show", _("Did not come")
    CANCELLED = "cancelled", _("Cancelled")


@dataclass(frozen=True)
class Step:
    sources: frozenset  # states the action may start from
    target: str | None  # the state it leads to (None: stays where it is)
    permission: str | None
    who: str
    needs_note: bool = False  # a reason / note is required
    public: bool = True  # shown on the public tracking page


_S = ApplicationState
TRANSITIONS: dict[str, Step] = {
    Action.START: Step(frozenset({_S.RECEIVED}), _S.PROCESSING, Perm.SERVICES_HANDLE, Who.DEPARTMENT),
    Action.REQUEST_SUPPLEMENT: Step(frozenset({_S.RECEIVED, _S.PROCESSING}), _S.SUPPLEMENT, Perm.SERVICES_HANDLE,
                                    Who.DEPARTMENT, needs_note=True),
    Action.SUPPLEMENT: Step(frozenset({_S.SUPPLEMENT}), _S.PROCESSING, Perm.SERVICES_ACCEPT, Who.WINDOW),
    Action.COMPLETE: Step(frozenset({_S.RECEIVED, _S.PROCESSING}), _S.DONE, Perm.SERVICES_HANDLE, Who.DEPARTMENT),
    Action.REFUSE: Step(frozenset({_S.RECEIVED, _S.PROCESSING, _S.SUPPLEMENT}), _S.REFUSED, Perm.SERVICES_HANDLE,
                        Who.DEPARTMENT, needs_note=True),
    Action.RATE: Step(frozenset({_S.DONE, _S.REFUSED}), None, None, Who.APPLICANT),
    Action.COMMENT: Step(frozenset(ApplicationState.values), None, Perm.SERVICES_VIEW, Who.ANYONE, needs_note=True,
                         public=False),
}
