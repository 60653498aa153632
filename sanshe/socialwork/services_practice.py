"""Writes (and the audited reads of notes) of social workers' practice: cases, groups, community activities.

Every write: one transaction, permission and scope re-checked inside it, an audit entry. Only the case's own
social worker writes to a case; its supervisor reads. :func:`read_notes` is the one way to read a case's
confidential notes: it refuses everybody but the social worker and the supervisor and audits each read.
:func:`figures` counts the practice of a territory and period live.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db.models import Count, Q, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from sanshe.accounts.roles import Perm
from sanshe.core import audit, txn
from sanshe.core.exceptions import Denied, OutOfScope
from sanshe.core.services import require, require_visible
from sanshe.core.workflow import actor_name, refuse
from sanshe.territory.models import HouseholdTimelineEntry, Node, Resident
from sanshe.territory.registry import add_timeline_entry

from .choices_practice import (
    TRANSITIONS,
    ActivityMethod,
    CaseAction,
    CaseKind,
    CaseOutcome,
    CaseState,
    GoalStatus,
    GroupKind,
    ReferralResult,
    ReferralSource,
    SessionMethod,
)
from .models import (
    Case,
    CaseGoal,
    CaseReferral,
    CaseSession,
    CaseStep,
    CommunityActivity,
    Group,
    GroupAttendance,
    GroupSession,
    SocialWorker,
)

PRACTICE = Perm.SOCIALWORK_PRACTICE
VIEW = Perm.SOCIALWORK_VIEW
MAX_SESSION_HOURS = Decimal("24")
CASE_FIELDS = ("number", "title", "kind", "client", "referral_source", "worker", "supervisor", "state",
               "opened_on", "closed_on", "outcome")  # never the notes
NOTES_READ = "socialwork.case.notes_read"


# --- who ---------------------------------------------------------------------------------------------------
def worker_of(user) -> SocialWorker | None:
    """The social worker of an account (None when the account is not on the roster)."""
    if user is None or not user.is_authenticated:
        return None
    return SocialWorker.objects.filter(user=user).first()


def _active_worker(actor) -> SocialWorker:
    require(actor, PRACTICE)
    worker = worker_of(actor)
    if worker is None or not worker.is_active:
        raise ValidationError({"worker": _("Your account is not linked to an active social worker.")})
    return worker


def _other_worker(value, *, district_id, field: str, not_pk=None) -> SocialWorker | None:
    if value in (None, ""):
        return None
    pk = getattr(value, "pk", value)
    other = SocialWorker.objects.filter(pk=pk, district_id=district_id, is_active=True).first()
    if other is None:
        raise ValidationError({field: _("Choose an active social worker of the district.")})
    if not_pk is not None and other.pk == not_pk:
        raise ValidationError({field: _("Choose another social worker.")})
    return other


def _clean_text(value, field: str, *, required: bool = True, max_length: int | None = None) -> str:
    value = (value or "").strip()
    if required and not value:
        raise ValidationError({field: _("This field is required.")})
    if max_length and len(value) > max_length:
        raise ValidationError({field: _("Ensure this value has at most %(n)d characters.") % {"n": max_length}})
    return value


def _clean_choice(value, choices, field: str) -> str:
    if value not in choices.values:
        raise ValidationError({field: _("Choose a valid option.")})
    return value


def _clean_date(value, field: str, *, default_today: bool = True) -> dt.date:
    if value in (None, "") and default_today:
        return timezone.localdate()
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, str):
        try:
            value = dt.date.fromisoformat(value)
        except ValueError:
            raise ValidationError({field: _("Enter a valid date.")}) from None
    if not isinstance(value, dt.date):
        raise ValidationError({field: _("Enter a valid date.")})
    if value > timezone.localdate():
        raise ValidationError({field: _("The date cannot be in the future.")})
    return value


def _clean_hours(value, field: str = "hours") -> Decimal:
    try:
        hours = Decimal(str(value)).quantize(Decimal("0.1"))
    except (InvalidOperation, ValueError, TypeError):
        raise ValidationError({field: _("Enter a number of hours.")}) from None
    if hours <= 0 or hours > MAX_SESSION_HOURS:
        raise ValidationError({field: _("Hours must be more than 0 and at most 24.")})
    return hours


def _next_number(model, prefix: str, on: dt.date) -> str:
    stem = f"{prefix}{on:%Y}"
    last = model.objects.filter(number__startswith=stem).order_by("-number").values_list("number", flat=True).first()
    seq = int(last[len(stem):]) + 1 if last and last[len(stem):].isdigit() else 1
    return f"{stem}{seq:05d}"


# --- cases -------------------------------------------------------------------------------------------------
def _lock_own_case(case, actor) -> Case:
    """The case, locked, if the actor is its social worker (supervisor: 403; anyone else: 404)."""
    require(actor, PRACTICE)
    fresh = require_visible(Case, case, actor, PRACTICE, lock=True)
    if fresh.worker.user_id != actor.pk:
        if fresh.supervisor is not None and fresh.supervisor.user_id == actor.pk:
            raise Denied(PRACTICE, fresh)
        raise OutOfScope(PRACTICE, fresh)
    return fresh


def _open_case_or_refuse(case: Case) -> None:
    if case.state == CaseState.CLOSED:
        refuse("case", _("The case is closed."))


def _step(case: Case, action: str, from_state: str, *, actor, note: str = "", at=None) -> CaseStep:
    return CaseStep.objects.create(case=case, action=action, from_state=from_state, to_state=case.state,
                                   actor=actor if getattr(actor, "is_authenticated", False) else None,
                                   actor_name=actor_name(actor), at=at or timezone.now(), note=note[:200])


def staff_case_url(case: Case) -> str:
    return reverse("socialwork:practice_case_staff", args=[case.pk])


def open_case(*, actor, client, title: str, referral_source: str, problem: str = "", kind: str = CaseKind.OTHER,
              supervisor=None, opened_on=None) -> Case:
    """接案: the actor (a social worker) opens a case for a resident of the registry he can reach."""
    with txn.atomic():
        worker = _active_worker(actor)
        if client in (None, ""):
            raise ValidationError({"client": _("Choose the client from the registry.")})
        if not isinstance(client, Resident):
            client = Resident.objects.filter(pk=client).first()
            if client is None:
                raise ValidationError({"client": _("Choose the client from the registry.")})
        client = require_visible(Resident, client, actor, Perm.REGISTRY_VIEW)
        if client.community_id is None:
            raise ValidationError({"client": _("The client must live in a community.")})
        title = _clean_text(title, "title", max_length=100)
        referral_source = _clean_choice(referral_source, ReferralSource, "referral_source")
        kind = _clean_choice(kind or CaseKind.OTHER, CaseKind, "kind")
        opened_on = _clean_date(opened_on, "opened_on")
        supervisor = _other_worker(supervisor, district_id=client.district_id, field="supervisor", not_pk=worker.pk)
        case = Case(number=_next_number(Case, "GA", opened_on), title=title, kind=kind, client=client,
                    referral_source=referral_source, worker=worker, supervisor=supervisor, opened_on=opened_on,
                    problem=_clean_text(problem, "problem", required=False))
        case.copy_ancestors_from(client)
        case.save()
        _step(case, CaseAction.OPEN, "", actor=actor)
        audit.record("socialwork.case.opened", obj=case, after=audit.snapshot(case, CASE_FIELDS), actor=actor)
        if client.household_id:
            add_timeline_entry(client.household, kind="socialwork.case",
                               title=_("Case: %(title)s") % {"title": title}, obj=case, url=staff_case_url(case),
                               resident=client, permission=VIEW)
    return case


def transition(case: Case, action: str, *, actor, note: str = "", assessment: str = "", plan: str = "",
               goals=(), outcome: str = "", closure_note: str = "", to_worker=None, on=None) -> Case:
    """Apply one step of ``TRANSITIONS`` (see ``choices_practice``) as the case's social worker."""
    step_def = TRANSITIONS.get(action)
    if step_def is None:
        refuse("action", _("Unknown action."))
    note = (note or "").strip()
    with txn.atomic():
        case = _lock_own_case(case, actor)
        if case.state not in step_def.sources:
            refuse("action", _("%(action)s is not possible while the case is %(state)s.") % {
                "action": CaseAction(action).label, "state": case.get_state_display()})
        if step_def.needs_note and not note:
            refuse("note", _("Give a reason."))
        before = audit.snapshot(case, CASE_FIELDS)
        from_state = case.state
        if action == CaseAction.ASSESS:
            case.assessment = _clean_text(assessment, "assessment")
        elif action == CaseAction.PLAN:
            case.plan = _clean_text(plan, "plan")
            for text in goals or ():
                text = (text or "").strip()
                if text:
                    CaseGoal.objects.create(case=case, text=text[:200])
            if not case.goals.exists():
                refuse("goals", _("A plan needs at least one goal."))
        elif action == CaseAction.START:
            if not case.goals.exists():
                refuse("goals", _("A plan needs at least one goal."))
        elif action == CaseAction.TRANSFER:
            new = _other_worker(to_worker, district_id=case.district_id, field="to_worker", not_pk=case.worker_id)
            if new is None:
                refuse("to_worker", _("Choose the social worker who takes the case over."))
            if case.supervisor_id == new.pk:
                case.supervisor = case.worker  # the old worker steps back to supervise
            case.worker = new
        elif action == CaseAction.CLOSE:
            case.outcome = _clean_choice(outcome, CaseOutcome, "outcome")
            case.closure_note = _clean_text(closure_note, "closure_note")
            case.closed_on = _clean_date(on, "closed_on")
            if case.closed_on < case.opened_on:
                refuse("closed_on", _("A case cannot close before it opened."))
        if step_def.target:
            case.state = step_def.target
        case.save()
        _step(case, action, from_state, actor=actor, note=note)
        audit.record(f"socialwork.case.{action}", obj=case, before=before, after=audit.snapshot(case, CASE_FIELDS),
                     actor=actor)
    return case


def add_goal(case: Case, *, actor, text: str) -> CaseGoal:
    with txn.atomic():
        case = _lock_own_case(case, actor)
        _open_case_or_refuse(case)
        goal = CaseGoal.objects.create(case=case, text=_clean_text(text, "text", max_length=200))
        audit.record("socialwork.case.goal_added", obj=case, actor=actor, extra={"goal": goal.pk})
    return goal


def set_goal_status(goal: CaseGoal, *, actor, status: str) -> CaseGoal:
    with txn.atomic():
        case = _lock_own_case(goal.case, actor)
        goal = CaseGoal.objects.select_for_update().get(pk=goal.pk, case=case)
        status = _clean_choice(status, GoalStatus, "status")
        before = goal.status
        goal.status = status
        goal.save(update_fields=["status", "updated_at"])
        audit.record("socialwork.case.goal_status", obj=case, actor=actor,
                     extra={"goal": goal.pk, "from": before, "to": status})
    return goal


def record_session(case: Case, *, actor, date, hours, method: str, notes: str = "") -> CaseSession:
    """A session of an open case (its notes are confidential, encrypted at rest)."""
    with txn.atomic():
        case = _lock_own_case(case, actor)
        _open_case_or_refuse(case)
        date = _clean_date(date, "date")
        if date < case.opened_on:
            refuse("date", _("A session cannot be before the case was opened."))
        session = CaseSession.objects.create(case=case, date=date, hours=_clean_hours(hours),
                                             method=_clean_choice(method, SessionMethod, "method"),
                                             notes=_clean_text(notes, "notes", required=False), recorded_by=actor)
        audit.record("socialwork.case.session_recorded", obj=case, actor=actor,
                     extra={"session": session.pk, "date": str(date), "hours": str(session.hours),
                            "method": session.method})
    return session


def add_referral(case: Case, *, actor, to_whom: str, reason: str, referred_on=None) -> CaseReferral:
    with txn.atomic():
        case = _lock_own_case(case, actor)
        _open_case_or_refuse(case)
        referral = CaseReferral.objects.create(case=case, to_whom=_clean_text(to_whom, "to_whom", max_length=100),
                                               reason=_clean_text(reason, "reason", max_length=200),
                                               referred_on=_clean_date(referred_on, "referred_on"))
        audit.record("socialwork.case.referred", obj=case, actor=actor,
                     extra={"referral": referral.pk, "to": referral.to_whom})
    return referral


def set_referral_result(referral: CaseReferral, *, actor, result: str, note: str = "") -> CaseReferral:
    with txn.atomic():
        case = _lock_own_case(referral.case, actor)
        referral = CaseReferral.objects.select_for_update().get(pk=referral.pk, case=case)
        referral.result = _clean_choice(result, ReferralResult, "result")
        referral.result_note = _clean_text(note, "result_note", required=False, max_length=200)
        referral.save(update_fields=["result", "result_note", "updated_at"])
        audit.record("socialwork.case.referral_result", obj=case, actor=actor,
                     extra={"referral": referral.pk, "result": referral.result})
    return referral


@dataclass
class CaseNotes:
    problem: str
    assessment: str
    plan: str
    closure_note: str
    sessions: dict  # session pk → notes


def read_notes(case: Case, *, actor, where: str = "page") -> CaseNotes:
    """The confidential notes of a case, for its social worker and its supervisor only; every read is audited."""
    require(actor, PRACTICE)
    fresh = Case.objects.visible_to(actor, PRACTICE).select_related("worker", "supervisor").filter(
        pk=case.pk).first()
    if fresh is None or not fresh.is_practitioner(actor):
        raise OutOfScope(PRACTICE, case)
    with txn.atomic():
        audit.record(NOTES_READ, obj=fresh, actor=actor,
                     extra={"where": where, "as": "worker" if fresh.worker.user_id == actor.pk else "supervisor"})
    return CaseNotes(problem=fresh.problem, assessment=fresh.assessment, plan=fresh.plan,
                     closure_note=fresh.closure_note,
                     sessions={s.pk: s.notes for s in fresh.sessions.all()})


# --- groups ------------------------------------------------------------------------------------------------
def _practice_community(actor, community, worker: SocialWorker) -> Node:
    if community in (None, ""):
        if worker.community_id:
            community = worker.community_id
        else:
            raise ValidationError({"community": _("Choose the community.")})
    pk = getattr(community, "pk", community)
    node = Node.objects.visible_to(actor, PRACTICE).filter(pk=pk, level="community").first()
    if node is None:
        raise ValidationError({"community": _("Choose a community of your territory.")})
    return node


def create_group(*, actor, title: str, goals: str, kind: str = GroupKind.SUPPORT, started_on=None, community=None,
                 co_workers=()) -> Group:
    """A new group (小组) of the actor (and his co-workers) in a community of his territory."""
    with txn.atomic():
        worker = _active_worker(actor)
        node = _practice_community(actor, community, worker)
        started_on = _clean_date(started_on, "started_on")
        group = Group(number=_next_number(Group, "XZ", started_on), title=_clean_text(title, "title", max_length=100),
                      kind=_clean_choice(kind or GroupKind.SUPPORT, GroupKind, "kind"),
                      goals=_clean_text(goals, "goals"), started_on=started_on, created_by=actor)
        group.copy_ancestors_from(node)
        group.save()
        others = [_other_worker(w, district_id=node.district_id, field="co_workers") for w in co_workers or ()]
        group.workers.set([worker, *[w for w in others if w is not None]])
        audit.record("socialwork.group.created", obj=group, actor=actor,
                     after=audit.snapshot(group, ("number", "title", "kind", "started_on", "community")))
    return group


def _lock_own_group(group, actor) -> Group:
    require(actor, PRACTICE)
    fresh = require_visible(Group, group, actor, PRACTICE, lock=True)
    if not fresh.workers.filter(user=actor).exists():
        raise OutOfScope(PRACTICE, fresh)
    return fresh


def add_group_session(group: Group, *, actor, date, hours, topic: str) -> GroupSession:
    with txn.atomic():
        group = _lock_own_group(group, actor)
        if group.is_closed:
            refuse("group", _("The group is closed."))
        date = _clean_date(date, "date")
        session = GroupSession.objects.create(group=group, date=date, hours=_clean_hours(hours),
                                              topic=_clean_text(topic, "topic", max_length=100))
        audit.record("socialwork.group.session_added", obj=group, actor=actor,
                     extra={"session": session.pk, "date": str(date)})
    return session


def close_group(group: Group, *, actor) -> Group:
    with txn.atomic():
        group = _lock_own_group(group, actor)
        group.is_closed = True
        group.save(update_fields=["is_closed", "updated_at"])
        audit.record("socialwork.group.closed", obj=group, actor=actor)
    return group


def set_attendance(session: GroupSession, *, actor, residents) -> list[GroupAttendance]:
    """Make the session's attendance exactly ``residents`` (ticked on the group page): one row per person-time.

    New attendance appears on the resident's household timeline; an attendance taken back leaves it.
    """
    with txn.atomic():
        group = _lock_own_group(session.group, actor)
        session = GroupSession.objects.get(pk=session.pk, group=group)
        pks = {int(getattr(r, "pk", r)) for r in residents or ()}
        found = {r.pk: r for r in Resident.objects.visible_to(actor, Perm.REGISTRY_VIEW).filter(pk__in=pks)}
        if len(found) != len(pks):
            raise ValidationError({"residents": _("Choose residents of your territory.")})
        current = {a.resident_id: a for a in session.attendance.all()}
        removed = [a for rid, a in current.items() if rid not in pks]
        if removed:
            HouseholdTimelineEntry.objects.filter(
                object_type=GroupAttendance._meta.label_lower,
                object_id__in=[str(a.pk) for a in removed]).delete()
            GroupAttendance.objects.filter(pk__in=[a.pk for a in removed]).delete()
        url = reverse("socialwork:practice_group_staff", args=[group.pk])
        for rid in sorted(pks - current.keys()):
            row = GroupAttendance.objects.create(session=session, resident=found[rid])
            resident = found[rid]
            if resident.household_id:
                add_timeline_entry(resident.household, kind="socialwork.group",
                                   title=_("Group: %(title)s (%(topic)s)") % {"title": group.title,
                                                                             "topic": session.topic},
                                   at=timezone.make_aware(dt.datetime.combine(session.date, dt.time(12))),
                                   obj=row, url=url, resident=resident, permission=VIEW)
        audit.record("socialwork.group.attendance", obj=group, actor=actor,
                     extra={"session": session.pk, "added": len(pks - current.keys()), "removed": len(removed),
                            "count": len(pks)})
        return list(session.attendance.all())


# --- community activities --------------------------------------------------------------------------------
def record_activity(*, actor, title: str, date, method: str, place: str, participants, community=None,
                    description: str = "") -> CommunityActivity:
    """A community activity using professional methods, with its participants (person-times)."""
    with txn.atomic():
        worker = _active_worker(actor)
        node = _practice_community(actor, community, worker)
        try:
            participants = int(participants)
        except (TypeError, ValueError):
            raise ValidationError({"participants": _("Enter a whole number.")}) from None
        if participants < 1 or participants > 100000:
            raise ValidationError({"participants": _("Enter a number between 1 and 100000.")})
        activity = CommunityActivity(title=_clean_text(title, "title", max_length=100),
                                     date=_clean_date(date, "date"),
                                     method=_clean_choice(method, ActivityMethod, "method"),
                                     place=_clean_text(place, "place", max_length=100), participants=participants,
                                     worker=worker, description=_clean_text(description, "description",
                                                                            required=False))
        activity.copy_ancestors_from(node)
        activity.save()
        audit.record("socialwork.activity.recorded", obj=activity, actor=actor,
                     after=audit.snapshot(activity, ("title", "date", "method", "participants", "community")))
    return activity


# --- figures ---------------------------------------------------------------------------------------------
def _in(node: Node | None, prefix: str = "") -> Q:
    if node is None:
        return Q()
    return Q(**{f"{prefix}{node.level}_id": node.pk})


def figures(*, node: Node | None, start: dt.date, end: dt.date) -> dict:
    """The practice of a territory (district, street or community; None = everywhere) in [start, end], live.

    * cases_opened / cases_closed: cases opened / closed in the period; cases_open: open at its end;
    * interview_hours: the hours of case sessions held in the period; sessions: their count;
    * groups: groups that met in the period; group_sessions; group_person_times: attendance rows of those sessions;
    * activities: community activities in the period; activity_person_times: their participants.
    """
    cases = Case.objects.filter(_in(node))
    opened = cases.filter(opened_on__range=(start, end)).count()
    closed = cases.filter(closed_on__range=(start, end)).count()
    open_at_end = cases.filter(opened_on__lte=end).filter(Q(closed_on__isnull=True) | Q(closed_on__gt=end)).count()
    sessions = CaseSession.objects.filter(_in(node, "case__"), date__range=(start, end)).aggregate(
        n=Count("id"), hours=Sum("hours"))
    group_sessions = GroupSession.objects.filter(_in(node, "group__"), date__range=(start, end))
    groups = group_sessions.values("group_id").distinct().count()
    person_times = GroupAttendance.objects.filter(session__in=group_sessions).count()
    activities = CommunityActivity.objects.filter(_in(node), date__range=(start, end)).aggregate(
        n=Count("id"), people=Sum("participants"))
    return {
        "cases_opened": opened, "cases_closed": closed, "cases_open": open_at_end,
        "sessions": sessions["n"], "interview_hours": sessions["hours"] or Decimal("0"),
        "groups": groups, "group_sessions": group_sessions.count(), "group_person_times": person_times,
        "activities": activities["n"], "activity_person_times": activities["people"] or 0,
    }
