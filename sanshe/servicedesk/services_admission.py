"""Writes of community work admission (社区工作准入): the approved list, submitting a task (the gate decides
at once), the district's review (``choices_admission.TRANSITIONS``) and marking an assignment done.

Each function is one transaction with its audit entry; each task step writes a :class:`TaskStep`. Views, the
API and the demo call these; nothing else changes these rows. ``burden`` computes the burden figures.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections import defaultdict
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db.models import Count, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _

from sanshe.accounts.roles import Perm
from sanshe.core import audit, txn
from sanshe.core.exceptions import Denied
from sanshe.core.services import require, require_visible
from sanshe.core.workflow import actor_name as _name
from sanshe.gridops.models import HandlingUnit
from sanshe.territory.choices import Level
from sanshe.territory.models import Node

from .choices_admission import (
    PERIOD_MONTHS,
    TRANSITIONS,
    Actor,
    AssignmentState,
    Frequency,
    RefusalReason,
    TaskAction,
    TaskKind,
    TaskState,
)
from .models import Certificate
from .models_admission import CommunityTask, ListEntry, TaskAssignment, TaskStep

MAX_PERIODS = 36


class AdmissionRefused(ValidationError):
    """A write that is not allowed (wrong state, missing reason, bad data)."""


def _refuse(field: str, message: str):
    raise AdmissionRefused({field: [message]})




def user_departments(user):
    """The departments the user works in (gridops UnitMember)."""
    if not user.is_authenticated:
        return HandlingUnit.objects.none()
    return HandlingUnit.objects.filter(pk__in=user.unit_memberships.values("unit_id")).order_by("name")


def department_tasks(user):
    """The tasks of the user's departments (ADMISSION_SUBMIT)."""
    return CommunityTask.objects.visible_to(user, Perm.ADMISSION_SUBMIT).filter(
        department__in=user_departments(user))


# --- the approved list ---------------------------------------------------------------------------------------
def save_entry(*, actor, district, entry=None, code, title, kind, department, legal_basis="", effective_from,
               effective_to=None) -> ListEntry:
    require(actor, Perm.ADMISSION_REVIEW)
    if kind not in TaskKind.values:
        _refuse("kind", _("Choose a kind."))
    if department.district_id != district.pk:
        _refuse("department", _("The department must belong to the district."))
    if effective_to and effective_to < effective_from:
        _refuse("effective_to", _("The end date is before the start date."))
    with txn.atomic():
        if entry is not None:
            entry = require_visible(ListEntry, entry, actor, Perm.ADMISSION_REVIEW, lock=True)
            before = audit.snapshot(entry)
        else:
            if not Node.objects.visible_to(actor, Perm.ADMISSION_REVIEW).filter(pk=district.pk).exists():
                raise Denied(Perm.ADMISSION_REVIEW, district)
            entry, before = ListEntry(district=district), None
        if ListEntry.objects.filter(district=district, code=code).exclude(pk=entry.pk).exists():
            _refuse("code", _("This code is already used."))
        entry.code, entry.title, entry.kind, entry.department = code, title, kind, department
        entry.legal_basis, entry.effective_from, entry.effective_to = legal_basis, effective_from, effective_to
        entry.save()
        audit.record("servicedesk.admission_entry.saved", obj=entry, before=before, after=audit.snapshot(entry),
                     actor=actor)
    return entry


def withdraw_entry(*, actor, entry: ListEntry, reason: str, at=None) -> ListEntry:
    require(actor, Perm.ADMISSION_REVIEW)
    reason = (reason or "").strip()
    if not reason:
        _refuse("reason", _("Give a reason."))
    with txn.atomic():
        entry = require_visible(ListEntry, entry, actor, Perm.ADMISSION_REVIEW, lock=True)
        if entry.withdrawn_at:
            _refuse("reason", _("This entry was already withdrawn."))
        before = audit.snapshot(entry)
        entry.withdrawn_at, entry.withdraw_reason = at or timezone.now(), reason[:300]
        entry.save(update_fields=["withdrawn_at", "withdraw_reason", "updated_at"])
        audit.record("servicedesk.admission_entry.withdrawn", obj=entry, before=before,
                     after=audit.snapshot(entry), actor=actor)
    return entry


# --- the gate --------------------------------------------------------------------------------------------------
def gate(task: CommunityTask, day: dt.date) -> tuple[ListEntry | None, str, str]:
    """The gate's decision: (entry, refusal reason or "", explanation). Without a named entry, an entry of the
    same department and kind with the same title is looked for."""
    entry = task.entry
    if entry is None:
        entry = (ListEntry.objects.filter(district_id=task.district_id, department_id=task.department_id,
                                          kind=task.kind, title=task.title.strip()).order_by("-effective_from")
                 .first())
        if entry is None:
            return None, RefusalReason.OFF_LIST, _("No entry of the approved list covers “%(title)s” (%(kind)s) of "
                                                   "this department.") % {"kind": TaskKind(task.kind).label,
                                                                          "title": task.title}
    label = str(entry)
    if entry.district_id != task.district_id:
        return entry, RefusalReason.DISTRICT, _("Entry %(entry)s belongs to another district.") % {"entry": label}
    if entry.withdrawn_at is not None and timezone.localtime(entry.withdrawn_at).date() <= day:
        return entry, RefusalReason.WITHDRAWN, _("Entry %(entry)s was withdrawn on %(date)s: %(reason)s") % {
            "entry": label, "date": timezone.localtime(entry.withdrawn_at).date().isoformat(),
            "reason": entry.withdraw_reason}
    if entry.effective_from > day:
        return entry, RefusalReason.NOT_YET, _("Entry %(entry)s is in force from %(date)s.") % {
            "entry": label, "date": entry.effective_from.isoformat()}
    if entry.effective_to is not None and entry.effective_to < day:
        return entry, RefusalReason.EXPIRED, _("Entry %(entry)s expired on %(date)s.") % {
            "entry": label, "date": entry.effective_to.isoformat()}
    if entry.department_id != task.department_id:
        return entry, RefusalReason.DEPARTMENT, _("Entry %(entry)s belongs to %(department)s.") % {
            "entry": label, "department": entry.department.name}
    if entry.kind != task.kind:
        return entry, RefusalReason.KIND, _("Entry %(entry)s allows a %(allowed)s, not a %(kind)s.") % {
            "entry": label, "allowed": entry.get_kind_display(), "kind": TaskKind(task.kind).label}
    return entry, "", _("On the approved list: %(entry)s (%(basis)s).") % {
        "entry": label, "basis": entry.legal_basis or _("no legal basis given")}


def add_months(day: dt.date, months: int) -> dt.date:
    m = day.month - 1 + months
    return dt.date(day.year + m // 12, m % 12 + 1, 1)


def periods(task: CommunityTask, start: dt.date) -> list[tuple[dt.date, dt.date]]:
    """(period month, due date) of each period from ``start`` to the due date: once = the due date's month;
    monthly / quarterly / yearly = a period ending every 1 / 3 / 12 months, the last one at the due date."""
    step = PERIOD_MONTHS[Frequency(task.frequency)]
    last = task.due_date.replace(day=1)
    if step == 0 or start.replace(day=1) >= last:
        return [(last, task.due_date)]
    out, month = [], last
    while month >= start.replace(day=1) and len(out) < MAX_PERIODS:
        due = task.due_date if month == last else add_months(month, 1) - dt.timedelta(days=1)
        out.append((month, due))
        month = add_months(month, -step)
    return sorted(out)


def _assign(task: CommunityTask, at: dt.datetime) -> int:
    created = 0
    for community in task.communities.all():
        for period, due in periods(task, timezone.localtime(at).date()):
            row, made = TaskAssignment.objects.get_or_create(
                task=task, community=community, period=period,
                defaults={"due_date": due, "district_id": community.district_id, "street_id": community.street_id})
            if not made and row.state == AssignmentState.CANCELLED:
                row.state = AssignmentState.ASSIGNED
                row.save(update_fields=["state", "updated_at"])
            created += made
    return created


def _step(task, action, from_state, actor, at, note, data=None):
    return TaskStep.objects.create(task=task, action=action, from_state=from_state, to_state=task.state,
                                   actor=actor, actor_name=_name(actor) or (_("The gate") if actor is None else ""),
                                   at=at, note=note[:2000], data=data or {})


def _number(at: dt.datetime) -> str:
    return f"ZR{timezone.localtime(at):%Y%m%d}{secrets.token_hex(3).upper()}"


def submit_task(*, actor, department: HandlingUnit, title: str, kind: str, communities, due_date: dt.date,
                hours, frequency: str = Frequency.ONCE, entry: ListEntry | None = None, description: str = "",
                at: dt.datetime | None = None) -> CommunityTask:
    """A department submits a task; the gate admits it (assignments per community and period) or refuses it
    with the reason, in the same transaction, each with its history row."""
    require(actor, Perm.ADMISSION_SUBMIT)
    at = at or timezone.now()
    title = (title or "").strip()
    if not user_departments(actor).filter(pk=department.pk).exists():
        raise Denied(Perm.ADMISSION_SUBMIT, department)
    if not title:
        _refuse("title", _("Give a title."))
    if kind not in TaskKind.values:
        _refuse("kind", _("Choose a kind."))
    if frequency not in Frequency.values:
        _refuse("frequency", _("Choose a frequency."))
    try:
        hours = Decimal(str(hours))
    except Exception:  # noqa: BLE001
        _refuse("hours", _("Give the workload in hours."))
    if hours < 0 or hours > 1000:
        _refuse("hours", _("Give the workload in hours (0 to 1000)."))
    communities = list(communities)
    if not communities:
        _refuse("communities", _("Choose at least one community."))
    if any(c.level != Level.COMMUNITY or c.district_id != department.district_id for c in communities):
        _refuse("communities", _("Only communities of the department's district can be chosen."))
    if due_date < timezone.localtime(at).date():
        _refuse("due_date", _("The due date is in the past."))
    if entry is not None:
        entry = ListEntry.objects.select_related("department").get(pk=entry.pk)  # as it is now
    if entry is not None and entry.district_id != department.district_id:
        _refuse("entry", _("This entry belongs to another district."))
    with txn.atomic():
        task = CommunityTask.objects.create(
            district_id=department.district_id, number=_number(at), department=department, title=title[:200],
            kind=kind, entry=entry, frequency=frequency, due_date=due_date, hours=hours,
            description=(description or "").strip(), submitted_by=actor, submitted_at=at)
        task.communities.set(communities)
        _step(task, TaskAction.SUBMIT, "", actor, at, "", {"communities": len(communities)})
        found, reason, note = gate(task, timezone.localtime(at).date())
        if found is not None and task.entry_id is None and not reason:
            task.entry = found
        if reason:
            task.state, task.refusal_reason = TaskState.REFUSED, reason
            action, data = TaskAction.REFUSE, {"reason": reason}
        else:
            task.state, action = TaskState.ADMITTED, TaskAction.ADMIT
            data = {"entry": found.code}
        task.decision_note, task.decided_at = note[:500], at
        task.save()
        if action == TaskAction.ADMIT:
            data["assignments"] = _assign(task, at)
        _step(task, action, TaskState.SUBMITTED, None, at, note, data)
        audit.record("servicedesk.admission_task.submitted", obj=task, after=audit.snapshot(task), actor=actor,
                     extra={"state": task.state, "reason": reason})
    return task


def allowed_actions(task: CommunityTask, user) -> list[str]:
    return [a for a in (TaskAction.OVERRULE, TaskAction.EXCEPTION)
            if task.state in TRANSITIONS[a].sources and user.has_permission(TRANSITIONS[a].permission)]


def transition(task: CommunityTask, action: str, *, actor, note: str = "", at=None) -> CommunityTask:
    """The district's review: refuse an admitted task (its open assignments are cancelled) or admit a refused
    one by exception (its assignments are made); a reason is required and recorded."""
    step = TRANSITIONS.get(action)
    if step is None or step.who != Actor.DISTRICT:
        _refuse("action", _("Unknown action."))
    require(actor, step.permission)
    note, at = (note or "").strip(), at or timezone.now()
    with txn.atomic():
        task = require_visible(CommunityTask, task, actor, step.permission, lock=True)
        if task.state not in step.sources:
            _refuse("action", _("%(action)s is not possible while the task is %(state)s.") % {
                "action": TaskAction(action).label, "state": task.get_state_display()})
        if step.needs_note and not note:
            _refuse("note", _("Give a reason."))
        before, from_state = audit.snapshot(task), task.state
        data: dict = {}
        task.state, task.decision_note, task.decided_at = step.target, note[:500], at
        if action == TaskAction.OVERRULE:
            task.refusal_reason = RefusalReason.DISTRICT_REVIEW
            data["cancelled"] = task.assignments.filter(state=AssignmentState.ASSIGNED).update(
                state=AssignmentState.CANCELLED, updated_at=at)
        else:
            task.refusal_reason = ""
        task.save()
        if action == TaskAction.EXCEPTION:
            data["assignments"] = _assign(task, at)
        _step(task, action, from_state, actor, at, note, data)
        audit.record(f"servicedesk.admission_task.{action}", obj=task, before=before, after=audit.snapshot(task),
                     actor=actor, extra={"note": note})
    return task


# --- the community's side --------------------------------------------------------------------------------------
def can_mark_done(user, assignment: TaskAssignment) -> bool:
    """Only the community's own staff (a community-level grant of ADMISSION_VIEW) mark its work done."""
    return any(level == Level.COMMUNITY and node_id == assignment.community_id
               for level, node_id in user.scope_nodes(Perm.ADMISSION_VIEW))


def is_community_staff(user) -> bool:
    """The user works for a community (a community-level grant of ADMISSION_VIEW): he marks its work done."""
    return any(level == Level.COMMUNITY for level, _node in user.scope_nodes(Perm.ADMISSION_VIEW))


def mark_done(*, actor, assignment: TaskAssignment, note: str = "", at=None) -> TaskAssignment:
    require(actor, Perm.ADMISSION_VIEW)
    if not is_community_staff(actor):
        raise Denied(Perm.ADMISSION_VIEW, assignment)
    at = at or timezone.now()
    with txn.atomic():
        assignment = require_visible(TaskAssignment, assignment, actor, Perm.ADMISSION_VIEW, lock=True)
        if not can_mark_done(actor, assignment):
            raise Denied(Perm.ADMISSION_VIEW, assignment)
        if assignment.state != AssignmentState.ASSIGNED:
            _refuse("state", _("Only open work can be marked done."))
        before = audit.snapshot(assignment)
        assignment.state, assignment.done_at, assignment.done_by = AssignmentState.DONE, at, actor
        assignment.note = (note or "").strip()[:300]
        assignment.save()
        audit.record("servicedesk.admission_assignment.done", obj=assignment, before=before,
                     after=audit.snapshot(assignment), actor=actor)
    return assignment


# --- the burden ------------------------------------------------------------------------------------------------
def month_list(end: dt.date, months: int = 12) -> list[dt.date]:
    last = end.replace(day=1)
    return [add_months(last, -k) for k in range(months - 1, -1, -1)]


def burden(communities, months: list[dt.date]) -> dict:
    """Per community id and month: admitted assignments per kind, their hours, open / done, tasks refused at
    the gate per kind (by decision month), certificates issued. ``{cid: {month: {...}}}``."""
    ids = [c.pk for c in communities]
    first, end = months[0], add_months(months[-1], 1)
    out: dict = {cid: {m: {"admitted": defaultdict(int), "refused": defaultdict(int), "hours": Decimal(0),
                           "done": 0, "open": 0, "certificates": 0} for m in months} for cid in ids}
    rows = (TaskAssignment.objects.filter(community_id__in=ids, period__gte=first, period__lt=end)
            .exclude(state=AssignmentState.CANCELLED)
            .values("community_id", "period", "task__kind", "state")
            .annotate(n=Count("pk"), h=Sum("task__hours")))
    for r in rows:
        cell = out[r["community_id"]][r["period"]]
        cell["admitted"][r["task__kind"]] += r["n"]
        cell["hours"] += r["h"] or 0
        cell["done" if r["state"] == AssignmentState.DONE else "open"] += r["n"]
    start_dt = timezone.make_aware(dt.datetime.combine(first, dt.time()))
    end_dt = timezone.make_aware(dt.datetime.combine(end, dt.time()))
    refused = (CommunityTask.objects.filter(state=TaskState.REFUSED, decided_at__gte=start_dt,
                                            decided_at__lt=end_dt, communities__in=ids)
               .values_list("communities", "kind", "decided_at"))
    for cid, kind, decided in refused:
        if cid in out:
            out[cid][timezone.localtime(decided).date().replace(day=1)]["refused"][kind] += 1
    certs = (Certificate.objects.filter(community_id__in=ids, issued_at__gte=start_dt, issued_at__lt=end_dt)
             .annotate(m=TruncMonth("issued_at")).values("community_id", "m").annotate(n=Count("pk")))
    for r in certs:
        month = r["m"].date() if isinstance(r["m"], dt.datetime) else r["m"]
        out[r["community_id"]][month.replace(day=1)]["certificates"] += r["n"]
    return out


def department_ranking(district_ids, since: dt.datetime) -> list[dict]:
    """Per department: tasks submitted, admitted, refused since ``since``, and assignments pushed down."""
    rows = (CommunityTask.objects.filter(district_id__in=district_ids, submitted_at__gte=since)
            .values("department_id", "department__name", "state").annotate(n=Count("pk")))
    by: dict = {}
    for r in rows:
        d = by.setdefault(r["department_id"], {"department": r["department__name"], "submitted": 0,
                                               "admitted": 0, "refused": 0, "assignments": 0, "hours": Decimal(0)})
        d["submitted"] += r["n"]
        d[r["state"]] = d.get(r["state"], 0) + r["n"]
    pushed = (TaskAssignment.objects.filter(task__district_id__in=district_ids, task__submitted_at__gte=since)
              .exclude(state=AssignmentState.CANCELLED).values("task__department_id")
              .annotate(n=Count("pk"), h=Sum("task__hours")))
    for r in pushed:
        if r["task__department_id"] in by:
            by[r["task__department_id"]]["assignments"] = r["n"]
            by[r["task__department_id"]]["hours"] = r["h"] or Decimal(0)
    return sorted(by.values(), key=lambda d: (-d["assignments"], -d["submitted"], d["department"]))
