"""Writes of the 12343 hotline and the message box.

``record_call`` registers a call (the caller found in the registry by the phone's blind index), ``transition``
applies one step of ``choices_hotline.TRANSITIONS`` (answer, hand-offs to an event / application / demand,
merge, call back, close), ``leave_message`` / ``answer_message`` serve the message box. Each is one
transaction with its audit entry, history row and household-file entry. ``figures`` computes the desk's KPIs.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from sanshe.accounts.models import User
from sanshe.accounts.roles import Perm
from sanshe.core import audit, crypto, txn
from sanshe.core.exceptions import Denied
from sanshe.core.masking import mask_phone
from sanshe.core.services import require, require_visible
from sanshe.core.validators import validate_phone
from sanshe.core.workflow import TransitionRefused  # noqa: F401 - the module's refusal, for callers
from sanshe.core.workflow import actor_name as _name
from sanshe.core.workflow import refuse as _refuse
from sanshe.gridops.workcalendar import Calendar
from sanshe.territory.models import Node, Resident

from .choices_hotline import (
    OPEN_STATES,
    SATISFIED_RATINGS,
    TIME_LIMIT_DAYS,
    TRANSITIONS,
    CallAction,
    CallCategory,
    CallState,
    FollowUpRating,
    HandOff,
    MessageKind,
    MessageState,
)
from .models import ServiceStation
from .models_hotline import HotlineCall, HotlineStep, Message

REPEAT_WINDOW_DAYS = 30




def call_url(call: HotlineCall) -> str:
    return reverse("servicedesk:hotline_call", args=[call.pk])


def _orders():
    """E's 五单法 module, or None while it has not landed."""
    try:
        from . import services_orders
    except ImportError:
        return None
    return services_orders if hasattr(services_orders, "place_need") else None


def orders_available() -> bool:
    return _orders() is not None


def _phone(value: str, field: str, errors: dict) -> str:
    value = (value or "").strip()
    if not value:
        return ""
    try:
        return validate_phone(value).normalized
    except ValidationError as exc:
        errors.setdefault(field, []).extend(exc.messages)
        return value


def find_resident(phone: str, district_id: int) -> Resident | None:
    """The registry's resident with this phone in the district (blind index, as the registry's search)."""
    try:
        phone = validate_phone(phone).normalized
    except ValidationError:
        return None
    return (Resident.objects.filter(phone_index=crypto.blind_index(phone), district_id=district_id)
            .select_related("household").order_by("pk").first())


def possible_repeats(*, actor, phone: str = "", household=None, exclude_pk=None,
                     now: dt.datetime | None = None) -> list[HotlineCall]:
    """Open calls of the actor's territory on the same phone or the same household in the last 30 days
    (candidates for 并单; merged calls are not offered, their master is)."""
    now = now or timezone.now()
    q = Q()
    if phone:
        try:
            q |= Q(caller_phone_index=crypto.blind_index(validate_phone(phone).normalized))
        except ValidationError:
            pass
    if household is not None:
        q |= Q(household=household)
    if not q:
        return []
    qs = (HotlineCall.objects.visible_to(actor, Perm.HOTLINE).filter(q)
          .filter(received_at__gte=now - dt.timedelta(days=REPEAT_WINDOW_DAYS))
          .filter(state__in=[CallState.NEW, CallState.ANSWERED, CallState.TRANSFERRED]))
    if exclude_pk:
        qs = qs.exclude(pk=exclude_pk)
    return list(qs.order_by("-received_at")[:10])


def record_call(*, actor, community: Node | None, caller_name: str, phone: str = "", content: str,
                category: str, received_at: dt.datetime | None = None, resident: Resident | None = None
                ) -> HotlineCall:
    """登记: record a call for the caller's community (found from the registry by the phone when not given)."""
    require(actor, Perm.HOTLINE)
    errors: dict[str, list] = {}
    caller_name = (caller_name or "").strip()
    content = (content or "").strip()
    phone = _phone(phone, "phone", errors)
    if not caller_name:
        errors.setdefault("caller_name", []).append(_("Give the caller's name."))
    if not content:
        errors.setdefault("content", []).append(_("Write down what the caller said."))
    if category not in CallCategory.values:
        errors.setdefault("category", []).append(_("Choose a category."))
    if community is None or community.level != "community":
        errors.setdefault("community", []).append(_("Choose the caller's community."))
    if errors:
        raise ValidationError(errors)
    at = received_at or timezone.now()
    with txn.atomic():
        if not Node.objects.visible_to(actor, Perm.HOTLINE).filter(pk=community.pk).exists():
            errors["community"] = [_("The community is not in your territory.")]
            raise ValidationError(errors)
        if resident is None and phone:
            resident = find_resident(phone, community.district_id)
        household = None
        if resident is not None and resident.household_id and resident.community_id == community.pk:
            household = resident.household
        elif resident is not None and resident.community_id != community.pk:
            resident = None
        call = HotlineCall(
            number=f"tmp-{secrets.token_hex(8)}", caller_name=caller_name[:50], caller_phone=phone,
            caller_phone_masked=mask_phone(phone) if phone else "",
            caller_phone_index=crypto.blind_index(phone) if phone else "", resident=resident, household=household,
            content=content, category=category, received_at=at, operator=actor,
            deadline=Calendar.for_district(community.district_id).deadline(
                at, TIME_LIMIT_DAYS[CallCategory(category)], "working_days"))
        call.copy_ancestors_from(community)
        call.community_id = community.pk
        call.save()
        call.number = f"RX{timezone.localtime(at):%Y%m%d}{call.pk:06d}"
        call.save(update_fields=["number"])
        HotlineStep.objects.create(call=call, action=CallAction.RECORD, from_state="", to_state=call.state,
                                   actor=actor, actor_name=_name(actor), at=at, note=content[:2000])
        if household is not None:
            from sanshe.territory.registry import add_timeline_entry

            add_timeline_entry(household, kind="servicedesk.hotline",
                               title=_("Hotline call %(number)s: %(category)s") % {
                                   "number": call.number, "category": call.get_category_display()},
                               obj=call, url=call_url(call), resident=resident, permission=Perm.HOTLINE, at=at)
        audit.record("servicedesk.hotline.recorded", obj=call, after=audit.snapshot(call), actor=actor)
    return call


# --- following what a call became -----------------------------------------------------------------------------
@dataclass
class Outcome:
    """Where the matter stands: ``done`` when it is settled, ``at`` when, ``label`` for the screens."""

    done: bool
    at: dt.datetime | None
    label: str
    url: str = ""


def need_of(call: HotlineCall):
    if not call.need_id:
        return None
    try:
        from .models_orders import Need
    except ImportError:
        return None
    return Need.objects.filter(pk=call.need_id).first()


def outcome(call: HotlineCall) -> Outcome:
    """What the call's matter came to: answered, or the state of the event / application / demand it became;
    a merged call follows its master."""
    if call.state == CallState.MERGED and call.master_id:
        return outcome(call.master)
    if call.resolved_at is not None:
        return Outcome(True, call.resolved_at, call.get_state_display())
    if call.state == CallState.ANSWERED:
        return Outcome(True, call.resolved_at, call.get_state_display())
    if call.event_id:
        from sanshe.gridops.choices import EventState

        event = call.event
        done = event.state in (EventState.CLOSED, EventState.NOT_FILED)
        return Outcome(done, event.closed_at if done else None, event.get_state_display(),
                       reverse("gridops:event_detail", args=[event.pk]))
    if call.application_id:
        from .choices import FINAL_STATES

        application = call.application
        done = application.state in FINAL_STATES
        return Outcome(done, application.finished_at if done else None, application.get_state_display(),
                       reverse("servicedesk:application_detail", args=[application.pk]))
    if call.need_id:
        need = need_of(call)
        if need is None:
            return Outcome(False, None, call.need_number)
        state = str(getattr(need, "state", ""))
        done = state in ("closed", "done", "verified", "rejected", "refused", "cancelled")
        label = need.get_state_display() if hasattr(need, "get_state_display") else state
        at = getattr(need, "closed_at", None) or getattr(need, "updated_at", None)
        try:
            url = reverse("servicedesk:need_detail", args=[need.pk])
        except Exception:  # noqa: BLE001 - E's URLs may not be there yet
            url = ""
        return Outcome(done, at if done else None, label, url)
    return Outcome(False, None, call.get_state_display())


def due_for_follow_up(call: HotlineCall) -> bool:
    return call.state in TRANSITIONS[CallAction.FOLLOW_UP].sources and outcome(call).done


# --- the workflow ---------------------------------------------------------------------------------------------
def allowed_actions(call: HotlineCall, user) -> list[str]:
    if user is None or not user.is_authenticated or not user.has_permission(Perm.HOTLINE):
        return []
    found = []
    for action, step in TRANSITIONS.items():
        if call.state not in step.sources:
            continue
        if action == CallAction.TO_NEED and not orders_available():
            continue
        if action == CallAction.FOLLOW_UP and not outcome(call).done:
            continue
        found.append(str(action))
    return found


def transition(call: HotlineCall, action: str, *, actor, note: str = "", answer: str = "",
               event_category=None, item=None, station: ServiceStation | None = None, title: str = "",
               need_kind: str = "", master: HotlineCall | None = None, reached: bool | None = None,
               rating: str = "", at: dt.datetime | None = None) -> HotlineCall:
    """Apply one step of ``TRANSITIONS`` to ``call``."""
    step_def = TRANSITIONS.get(action)
    if step_def is None:
        _refuse("action", _("Unknown action."))
    require(actor, step_def.permission)
    note = (note or "").strip()
    at = at or timezone.now()
    with txn.atomic():
        call = require_visible(HotlineCall, call, actor, Perm.HOTLINE, lock=True)
        if call.state not in step_def.sources:
            _refuse("action", _("%(action)s is not possible while the call is %(state)s.") % {
                "action": CallAction(action).label, "state": call.get_state_display()})
        if step_def.needs_note and action != CallAction.ANSWER and not note:
            _refuse("note", _("Write a note."))
        before = audit.snapshot(call)
        from_state = call.state
        data: dict = {}
        if action == CallAction.ANSWER:
            answer = (answer or note).strip()
            if not answer:
                _refuse("answer", _("Write down the answer given."))
            call.answer = answer
            call.resolved_at = at
            call.on_time = call.deadline is None or at <= call.deadline
            note = answer
        elif action == CallAction.TO_EVENT:
            _to_event(call, actor, event_category, title, at, data)
        elif action == CallAction.TO_APPLICATION:
            _to_application(call, actor, item, station, at, data)
        elif action == CallAction.TO_NEED:
            _to_need(call, actor, title, need_kind, at, data)
        elif action == CallAction.MERGE:
            if master is None:
                _refuse("master", _("Choose the call to merge into."))
            master = require_visible(HotlineCall, master, actor, Perm.HOTLINE)
            while master.state == CallState.MERGED and master.master_id:
                master = master.master
            if master.pk == call.pk:
                _refuse("master", _("A call cannot be merged into itself."))
            if master.state not in (CallState.NEW, CallState.ANSWERED, CallState.TRANSFERRED):
                _refuse("master", _("Merge only into an open call."))
            call.master = master
            data["master"] = master.number
            HotlineStep.objects.create(call=master, action=CallAction.COMMENT, from_state=master.state,
                                       to_state=master.state, actor=actor, actor_name=_name(actor), at=at,
                                       note=_("Repeat call %(number)s merged here.") % {"number": call.number})
        elif action == CallAction.FOLLOW_UP:
            result = outcome(call)
            if not result.done:
                _refuse("action", _("The matter is not settled yet: call back when it is."))
            if reached is None:
                _refuse("reached", _("Say whether the caller was reached."))
            if reached and rating not in FollowUpRating.values:
                _refuse("rating", _("Choose the caller's rating."))
            call.reached = bool(reached)
            call.rating = rating if reached else ""
            call.follow_up_note = note
            call.followed_up_at = at
            if call.resolved_at is None:
                call.resolved_at = result.at or at
                call.on_time = call.deadline is None or call.resolved_at <= call.deadline
            data.update({"reached": call.reached, "rating": call.rating, "outcome": str(result.label)})
        elif action == CallAction.CLOSE:
            call.closed_at = at
        if not note and action in (CallAction.TO_EVENT, CallAction.TO_APPLICATION, CallAction.TO_NEED,
                                   CallAction.MERGE):
            note = "→ " + str(next(iter(data.values()), ""))
        if step_def.target is not None:
            call.state = step_def.target
        call.save()
        HotlineStep.objects.create(call=call, action=action, from_state=from_state, to_state=call.state,
                                   actor=actor, actor_name=_name(actor), at=at, note=note[:2000], data=data)
        if call.household_id and action in (CallAction.ANSWER, CallAction.TO_EVENT, CallAction.TO_APPLICATION,
                                            CallAction.TO_NEED, CallAction.FOLLOW_UP):
            from sanshe.territory.registry import add_timeline_entry

            add_timeline_entry(call.household, kind="servicedesk.hotline",
                               title=_("Hotline call %(number)s: %(action)s") % {
                                   "number": call.number, "action": CallAction(action).label},
                               obj=call, url=call_url(call), resident=call.resident, permission=Perm.HOTLINE,
                               at=at)
        audit.record(f"servicedesk.hotline.{action}", obj=call, before=before, after=audit.snapshot(call),
                     actor=actor, extra=data or None)
    return call


def _to_event(call, actor, category, title, at, data):
    from sanshe.gridops.choices import Source
    from sanshe.gridops.services import report_event

    if category is None:
        _refuse("event_category", _("Choose the event's sub-category."))
    report = report_event(actor=actor, category=category, description=call.content, node=call.community,
                          title=title or "", source=Source.HOTLINE, reporter_name=call.caller_name,
                          reporter_phone=call.caller_phone or "", household=call.household, at=at)
    call.event = report.event
    call.hand_off = HandOff.EVENT
    data["event"] = report.event.number


def _resident_for(actor, call):
    """The caller's registry entry when the actor may read the registry there (the operator holds no
    REGISTRY_VIEW: then the hand-off carries the caller's name and phone only)."""
    if call.resident_id and Resident.objects.visible_to(actor, Perm.REGISTRY_VIEW).filter(
            pk=call.resident_id).exists():
        return call.resident
    return None


def _to_application(call, actor, item, station, at, data):
    from .services import Applicant, accept_application

    if item is None:
        _refuse("item", _("Choose the service item."))
    if station is None:
        station = ServiceStation.objects.filter(community_id=call.community_id, is_active=True).order_by("pk").first()
    if station is None:
        _refuse("station", _("The caller's community has no service station."))
    application = accept_application(
        actor=actor, item=item, station=station, description=call.content,
        applicant=Applicant(name=call.caller_name, phone=call.caller_phone or "", resident=_resident_for(actor, call)),
        at=at)
    call.application = application
    call.hand_off = HandOff.APPLICATION
    data["application"] = application.number


def _to_need(call, actor, title, kind, at, data):
    orders = _orders()
    if orders is None:
        _refuse("action", _("Demand orders are not available."))
    need = orders.place_need(actor=actor, community=call.community, title=(title or call.content[:40]),
                             description=call.content, kind=kind or "",
                             households=(call.household,) if call.household_id else (),
                             resident=_resident_for(actor, call),
                             contact_name=call.caller_name, contact_phone=call.caller_phone or "",
                             source="hotline", at=at)
    call.need_id = need.pk
    call.need_number = getattr(need, "number", "")[:40]
    call.hand_off = HandOff.NEED
    data["need"] = call.need_number


# --- figures --------------------------------------------------------------------------------------------------
@dataclass
class Figures:
    calls: int
    settled: int
    on_time: int
    followed_up: int
    rated: int
    satisfied: int

    @staticmethod
    def _rate(a, b):
        return round(100 * a / b, 1) if b else None

    @property
    def on_time_rate(self):  # 按期办结率: settled on time / settled
        return self._rate(self.on_time, self.settled)

    @property
    def follow_up_rate(self):  # 回访率: called back / settled
        return self._rate(self.followed_up, self.settled)

    @property
    def satisfaction_rate(self):  # 满意率: satisfied or fairly satisfied / rated
        return self._rate(self.satisfied, self.rated)


def figures(actor, *, since: dt.datetime | None = None, until: dt.datetime | None = None) -> Figures:
    qs = HotlineCall.objects.visible_to(actor, Perm.HOTLINE)
    if since:
        qs = qs.filter(received_at__gte=since)
    if until:
        qs = qs.filter(received_at__lt=until)
    rows = list(qs.values_list("resolved_at", "on_time", "followed_up_at", "rating"))
    settled = [r for r in rows if r[0] is not None]
    return Figures(
        calls=len(rows), settled=len(settled), on_time=sum(1 for r in settled if r[1]),
        followed_up=sum(1 for r in settled if r[2] is not None), rated=sum(1 for r in rows if r[3]),
        satisfied=sum(1 for r in rows if r[3] in SATISFIED_RATINGS))


# --- the message box ------------------------------------------------------------------------------------------
def leave_message(*, node: Node, kind: str, subject: str, content: str, name: str = "", phone: str = "",
                  is_public: bool = True, author: User | None = None, at: dt.datetime | None = None) -> Message:
    """信箱留言 / 建言献策: a resident (anonymous with a phone, or logged in) writes to his community or to the
    district (``node`` is the community or the district)."""
    errors: dict[str, list] = {}
    author = author if isinstance(author, User) and author.is_authenticated else None
    phone = _phone(phone, "phone", errors)
    name = (name or "").strip() or (_name(author) if author else "")
    if kind not in MessageKind.values:
        errors.setdefault("kind", []).append(_("Choose message or suggestion."))
    if not (subject or "").strip():
        errors.setdefault("subject", []).append(_("Give a subject."))
    if not (content or "").strip():
        errors.setdefault("content", []).append(_("Write your message."))
    if not name:
        errors.setdefault("name", []).append(_("Give your name."))
    if author is None and not phone:
        errors.setdefault("phone", []).append(_("Give a phone number so that we can reach you."))
    if node is None or node.level not in ("community", "district"):
        errors.setdefault("node", []).append(_("Choose a community or the district."))
    if errors:
        raise ValidationError(errors)
    at = at or timezone.now()
    with txn.atomic():
        household = None
        if phone:
            resident = find_resident(phone, node.district_id)
            if resident is not None and resident.household_id:
                household = resident.household
        message = Message(kind=kind, number=f"tmp-{secrets.token_hex(8)}", author=author, author_name=name[:50],
                          author_phone=phone, author_phone_masked=mask_phone(phone) if phone else "",
                          household=household, subject=subject.strip()[:100], content=content.strip(),
                          is_public=bool(is_public), submitted_at=at)
        message.copy_ancestors_from(node)
        if node.level == "community":
            message.community_id = node.pk
        message.save()
        message.number = f"LY{timezone.localtime(at):%Y%m%d}{message.pk:06d}"
        message.save(update_fields=["number"])
        if household is not None:
            from sanshe.territory.registry import add_timeline_entry

            add_timeline_entry(household, kind="servicedesk.message",
                               title=_("%(kind)s %(number)s: %(subject)s") % {
                                   "kind": message.get_kind_display(), "number": message.number,
                                   "subject": message.subject},
                               obj=message, url=reverse("servicedesk:message_detail", args=[message.pk]),
                               permission=Perm.MESSAGES_ANSWER, at=at)
        audit.record("servicedesk.message.left", obj=message, after=audit.snapshot(message), actor=author)
    return message


def answer_message(message: Message, *, actor, answer: str, at: dt.datetime | None = None) -> Message:
    """Staff answer a message of their territory (a district's message: staff of the district)."""
    require(actor, Perm.MESSAGES_ANSWER)
    answer = (answer or "").strip()
    if not answer:
        raise ValidationError({"answer": [_("Write the answer.")]})
    at = at or timezone.now()
    with txn.atomic():
        message = require_visible(Message, message, actor, Perm.MESSAGES_ANSWER, lock=True)
        if message.state != MessageState.OPEN:
            raise ValidationError({"answer": [_("This message was already answered.")]})
        before = audit.snapshot(message)
        message.answer = answer
        message.answered_by = actor
        message.answered_by_name = _name(actor)
        message.answered_at = at
        message.state = MessageState.ANSWERED
        message.save()
        audit.record("servicedesk.message.answered", obj=message, before=before, after=audit.snapshot(message),
                     actor=actor)
    return message


def mask_name(name: str) -> str:
    """王* / 欧阳** : the family name stays, the rest is starred."""
    name = (name or "").strip()
    if not name:
        return ""
    return name[0] + "*" * max(1, len(name) - 1)


__all__ = ["Denied", "OPEN_STATES", "TransitionRefused", "figures", "leave_message", "answer_message",
           "record_call", "transition", "possible_repeats", "outcome", "mask_name"]
