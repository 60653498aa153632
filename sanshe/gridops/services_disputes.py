"""Writes of disputes (矛盾纠纷): register, mediate, escalate, settle, attach; the workflow as a table.

Every function runs in one transaction, re-reads the dispute through the actor's scope (locked), writes a
:class:`DisputeStep` history row and the audit entry inside the transaction, and sends the notifications the
risk level asks for. Refusals are ``ValidationError`` with Chinese messages (400 in the API, form errors on
pages); a missing permission is :class:`Denied` (403), a dispute outside the actor's territory
:class:`OutOfScope` (404).

Risk levels (DOMAIN §10): **red** — the street and district desks are alerted at once; **orange** — the street
desk is told the same day (the notification carries the deadline, stored as ``alert_due_at``: the end of the
day); **yellow** — settled on the spot at grid level (``register_dispute(..., settle_now=True)``).

Main entry points::

    register_dispute(*, actor, node, kind, summary, risk_level, parties, found_at=None, event=None,
                     address="", settle_now=False, outcome="", submission_key=None) -> Dispute
    transition_dispute(dispute, action, *, actor, note="", outcome="", settled_level="", at=None) -> Dispute
    record_session(dispute, *, actor, held_on, minutes, result, mediator=None, mediator_name="",
                   participants="", place="", at=None) -> MediationSession
    add_attachment(dispute, *, actor, file, kind="agreement", session=None) -> DisputeAttachment
    change_risk(dispute, *, actor, risk_level, note) -> Dispute
"""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sanshe.accounts.models import User
from sanshe.accounts.notifications import notify
from sanshe.accounts.roles import Perm
from sanshe.core import audit
from sanshe.core.masking import mask_phone
from sanshe.core.services import require, require_visible
from sanshe.core.validators import validate_phone
from sanshe.core.workflow import actor_name as _actor_name
from sanshe.core.workflow import refuse as _refuse
from sanshe.territory.choices import Level
from sanshe.territory.models import Node, Resident

from .models import Dispute, DisputeAttachment, DisputeParty, DisputeStep, Event, MediationSession
from .models.disputes import (
    DISPUTE_OPEN_STATES,
    LEVEL_ORDER,
    AttachmentKind,
    DisputeAction,
    DisputeKind,
    DisputeState,
    PartyRole,
    RiskLevel,
    SessionResult,
    SettledLevel,
)
from .services import users_at

MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024
ATTACHMENT_TYPES = {b"%PDF-": ("application/pdf", "pdf"), b"\xff\xd8\xff": ("image/jpeg", "jpg"),
                    b"\x89PNG\r\n\x1a\n": ("image/png", "png")}
MANAGE = Perm.DISPUTES_MANAGE
_S = DisputeState
_A = DisputeAction


@dataclass(frozen=True)
class DStep:
    sources: frozenset
    target: str | None  # None: the state does not change
    needs_note: bool = False
    needs_outcome: bool = False


_OPEN = frozenset(DISPUTE_OPEN_STATES)
_REFERABLE = _OPEN | {_S.UNRESOLVED}
# The dispute workflow: action → (states it may start from, state it leads to, what it needs).
TRANSITIONS: dict[str, DStep] = {
    _A.DECLINE: DStep(frozenset({_S.ACCEPTED}), _S.NOT_ACCEPTED, needs_note=True),
    _A.MEDIATE: DStep(frozenset({_S.ACCEPTED}), _S.MEDIATING),
    _A.ESCALATE: DStep(_OPEN, None, needs_note=True),
    _A.RESOLVE: DStep(_OPEN, _S.RESOLVED, needs_outcome=True),
    _A.FAIL: DStep(_OPEN, _S.UNRESOLVED, needs_note=True),
    _A.LITIGATION: DStep(_REFERABLE, _S.LITIGATION, needs_note=True),
    _A.ARBITRATION: DStep(_REFERABLE, _S.ARBITRATION, needs_note=True),
    _A.PETITION: DStep(_REFERABLE, _S.PETITION, needs_note=True),
}
# Actions a person takes through ``transition_dispute`` (the others are written by the services themselves).
MANUAL_ACTIONS = tuple(TRANSITIONS)


def dispute_url(dispute: Dispute) -> str:
    return f"/gridops/disputes/{dispute.pk}/"


def _number(dispute: Dispute) -> str:
    return f"JF{timezone.localtime(dispute.found_at):%Y%m%d}{dispute.pk:06d}"[-20:]


def _step(dispute: Dispute, action: str, *, from_state: str, actor, at, note: str = "") -> DisputeStep:
    return DisputeStep.objects.create(dispute=dispute, action=action, from_state=from_state,
                                      to_state=dispute.state, level=dispute.level, actor=actor,
                                      actor_name=_actor_name(actor), at=at, note=note[:4000])


def actor_level(user, node: Node, permission: str = MANAGE) -> str:
    """The level the actor works at for ``node``: the most specific of his grants that reaches it."""
    reach = {node_id: level for level, node_id in user.scope_nodes(permission)}
    for level in (Level.GRID, Level.COMMUNITY, Level.STREET, Level.DISTRICT):
        node_id = getattr(node, f"{level}_id", None)
        if node_id and node_id in reach:
            return level
    return SettledLevel.COMMUNITY if node.community_id else SettledLevel.STREET


def desk_users_at_level(dispute: Dispute, level: str) -> list[User]:
    node_id = {SettledLevel.GRID: dispute.grid_id, SettledLevel.COMMUNITY: dispute.community_id,
               SettledLevel.STREET: dispute.street_id, SettledLevel.DISTRICT: dispute.district_id}[level]
    return users_at([node_id], MANAGE) if node_id else []


def end_of_day(at: dt.datetime) -> dt.datetime:
    local = timezone.localtime(at)
    return local.replace(hour=23, minute=59, second=59, microsecond=0)


def _alert(dispute: Dispute, now: dt.datetime) -> None:
    """Red: street and district desks at once; orange: the street desk, by the end of the day; yellow: none."""
    params = {"number": dispute.number, "kind": dispute.get_kind_display()}
    if dispute.risk_level == RiskLevel.RED:
        users = desk_users_at_level(dispute, SettledLevel.STREET) + desk_users_at_level(dispute,
                                                                                       SettledLevel.DISTRICT)
        title = _("Red-risk dispute %(number)s (%(kind)s): report and act at once") % params
        dispute.alert_due_at = now
    elif dispute.risk_level == RiskLevel.ORANGE:
        users = desk_users_at_level(dispute, SettledLevel.STREET)
        dispute.alert_due_at = end_of_day(now)
        params["due"] = f"{timezone.localtime(dispute.alert_due_at):%Y-%m-%d %H:%M}"
        title = _("Orange-risk dispute %(number)s (%(kind)s): to be handled by %(due)s") % params
    else:
        return
    dispute.alerted_at = now
    notify(users, title=title, body=dispute.summary[:500], url=dispute_url(dispute),
           kind=f"gridops.dispute.{dispute.risk_level}")


# --- parties ---------------------------------------------------------------------------------------------------
@dataclass
class PartyInput:
    role: str = PartyRole.APPLICANT
    resident: Resident | int | None = None
    name: str = ""
    phone: str = ""
    note: str = ""


def _as_party(value) -> PartyInput:
    if isinstance(value, PartyInput):
        return value
    return PartyInput(**{k: v for k, v in dict(value).items() if k in PartyInput.__dataclass_fields__})


def _clean_parties(actor, parties: Iterable, errors: dict) -> list[DisputeParty]:
    rows = []
    for i, raw in enumerate(parties, start=1):
        try:
            party = _as_party(raw)
        except (TypeError, ValueError):
            errors.setdefault("parties", []).append(_("Party %(n)d is not valid.") % {"n": i})
            continue
        if party.role not in PartyRole.values:
            errors.setdefault("parties", []).append(_("Party %(n)d: unknown role.") % {"n": i})
            continue
        resident = party.resident
        if resident not in (None, ""):
            pk = resident.pk if isinstance(resident, Resident) else resident
            resident = Resident.objects.visible_to(actor, Perm.REGISTRY_VIEW).filter(pk=pk).first() \
                if str(pk).isdigit() else None
            if resident is None:
                errors.setdefault("parties", []).append(
                    _("Party %(n)d: the resident is not in your register.") % {"n": i})
                continue
            rows.append(DisputeParty(role=party.role, resident=resident, name=resident.name,
                                     phone=resident.phone or "", phone_masked=resident.phone_masked,
                                     note=(party.note or "")[:255]))
            continue
        name = (party.name or "").strip()
        if not name:
            errors.setdefault("parties", []).append(_("Party %(n)d: give the name.") % {"n": i})
            continue
        phone = (party.phone or "").strip()
        if phone:
            try:
                phone = validate_phone(phone).normalized
            except ValidationError as exc:
                errors.setdefault("parties", []).append(
                    _("Party %(n)d: %(error)s") % {"n": i, "error": " ".join(exc.messages)})
                continue
        rows.append(DisputeParty(role=party.role, name=name[:100], phone=phone, phone_masked=mask_phone(phone),
                                 note=(party.note or "")[:255]))
    if not rows and "parties" not in errors:
        errors.setdefault("parties", []).append(_("Name at least one party."))
    return rows


# --- registering -------------------------------------------------------------------------------------------------
def register_dispute(*, actor, node: Node | None, kind: str, summary: str, risk_level: str = RiskLevel.YELLOW,
                     parties: Sequence = (), found_at: dt.datetime | None = None, event: Event | None = None,
                     address: str = "", settle_now: bool = False, outcome: str = "",
                     submission_key: str | None = None, at: dt.datetime | None = None) -> Dispute:
    """登记受理: a new dispute at ``node`` (a grid, or a community / street for the desks) with its parties.

    ``settle_now`` records a yellow dispute settled on the spot (当场化解) at the actor's level, with
    ``outcome``. A retried submission (same ``submission_key``) returns the dispute the first one created.
    """
    if submission_key:
        existing = Dispute.objects.filter(submission_key=submission_key).first()
        if existing is not None:
            return existing
    require(actor, MANAGE)
    errors: dict[str, list] = {}
    summary = (summary or "").strip()
    if not summary:
        errors.setdefault("summary", []).append(_("Describe the dispute briefly."))
    if kind not in DisputeKind.values:
        errors.setdefault("kind", []).append(_("Choose the kind of dispute."))
    if risk_level not in RiskLevel.values:
        errors.setdefault("risk_level", []).append(_("Choose the risk level."))
    outcome = (outcome or "").strip()
    if settle_now:
        if risk_level != RiskLevel.YELLOW:
            errors.setdefault("settle_now", []).append(
                _("Only a yellow-risk dispute is settled on the spot; red and orange ones are reported upward."))
        if not outcome:
            errors.setdefault("outcome", []).append(_("Say how it was settled."))
    now = at or timezone.now()
    if found_at is not None and found_at > now + dt.timedelta(minutes=5):
        errors.setdefault("found_at", []).append(_("The date cannot be in the future."))
    rows = _clean_parties(actor, parties, errors)
    if errors:
        raise ValidationError(errors)

    with transaction.atomic():
        if event is not None:
            event = Event.objects.visible_to(actor, Perm.EVENTS_VIEW).select_related("category").filter(
                pk=event.pk).first()
            if event is None:
                _refuse("event", _("The event is not in your territory."))
            if not event.category.is_dispute:
                _refuse("event", _("The event is not of a dispute category."))
            if Dispute.objects.filter(event=event).exists():
                _refuse("event", _("This event is already registered as a dispute."))
            if node is None:
                node = Node.objects.get(pk=event.grid_id or event.community_id or event.street_id
                                        or event.district_id)
        if node is None:
            _refuse("node", _("Say where the dispute is."))
        node = Node.objects.visible_to(actor, MANAGE).filter(pk=node.pk).first()
        if node is None:
            _refuse("node", _("You can only register disputes in your own territory."))
        if node.level == Level.DISTRICT:
            _refuse("node", _("Choose the street, community or grid of the dispute."))
        for party in rows:
            if party.resident_id and party.resident.district_id != node.district_id:
                _refuse("parties", _("A party lives in another district."))
        dispute = Dispute(number=uuid.uuid4().hex[:20], kind=kind, summary=summary, risk_level=risk_level,
                          address=(address or "")[:255], event=event, found_at=found_at or now, accepted=True,
                          registered_by=actor, state=_S.ACCEPTED, level=actor_level(actor, node),
                          submission_key=submission_key or None)
        for level in ("district", "street", "community", "grid"):
            setattr(dispute, f"{level}_id", getattr(node, f"{level}_id", None))
        try:
            with transaction.atomic():
                dispute.save()
        except IntegrityError:
            if submission_key and Dispute.objects.filter(submission_key=submission_key).exists():
                return Dispute.objects.get(submission_key=submission_key)
            raise
        dispute.number = _number(dispute)
        _alert(dispute, now)
        dispute.save(update_fields=["number", "alerted_at", "alert_due_at"])
        for party in rows:
            party.dispute = dispute
        DisputeParty.objects.bulk_create(rows)
        _step(dispute, _A.REGISTER, from_state="", actor=actor, at=dispute.found_at, note=summary)
        audit.record("gridops.dispute.registered", obj=dispute, after=audit.snapshot(dispute), actor=actor,
                     extra={"parties": len(rows)})
        if settle_now:
            _apply(dispute, _A.RESOLVE, actor=actor, note="", outcome=outcome, settled_level=dispute.level,
                   now=now)
    return dispute


# --- the workflow --------------------------------------------------------------------------------------------------
def _lock(dispute: Dispute, actor) -> Dispute:
    require(actor, MANAGE, obj=dispute)
    return require_visible(Dispute, dispute, actor, MANAGE, lock=True)


def allowed_actions(dispute: Dispute, user) -> list[str]:
    """The manual actions the user may take on the dispute now (for buttons)."""
    if user is None or not user.is_authenticated or not user.has_permission(MANAGE):
        return []
    if not Dispute.objects.visible_to(user, MANAGE).filter(pk=dispute.pk).exists():
        return []
    actions = [a for a, step in TRANSITIONS.items() if dispute.state in step.sources]
    if dispute.level == SettledLevel.DISTRICT and _A.ESCALATE in actions:
        actions.remove(_A.ESCALATE)
    return actions


def _apply(dispute: Dispute, action: str, *, actor, note: str, outcome: str, settled_level: str,
           now: dt.datetime) -> Dispute:
    step = TRANSITIONS[action]
    if dispute.state not in step.sources:
        _refuse("action", _("“%(action)s” is not possible while the dispute is “%(state)s”.") % {
            "action": DisputeAction(action).label, "state": DisputeState(dispute.state).label})
    if step.needs_note and not note:
        _refuse("note", _("Give a reason or a note for this step."))
    if step.needs_outcome and not (outcome or note):
        _refuse("outcome", _("Say how the dispute was resolved."))
    before = audit.snapshot(dispute)
    from_state = dispute.state
    notices: list[tuple[list, str]] = []
    if action == _A.ESCALATE:
        index = LEVEL_ORDER.index(dispute.level)
        if index + 1 >= len(LEVEL_ORDER):
            _refuse("action", _("The dispute is already handled by the district."))
        dispute.level = LEVEL_ORDER[index + 1]
        notices.append((desk_users_at_level(dispute, dispute.level),
                        _("Dispute %(number)s was handed over to you for mediation")))
    if action == _A.RESOLVE:
        settled_level = settled_level or dispute.level
        if settled_level not in SettledLevel.values:
            _refuse("settled_level", _("Choose the level at which it was resolved."))
        dispute.settled_level = settled_level
    if step.target is not None:
        dispute.state = step.target
    if step.target is not None and step.target not in DISPUTE_OPEN_STATES:
        dispute.settled_at = now
        dispute.outcome = (outcome or note or dispute.outcome)[:4000]
    if action == _A.DECLINE:
        dispute.accepted = False
    if action in (_A.LITIGATION, _A.ARBITRATION, _A.PETITION):
        notices.append((desk_users_at_level(dispute, SettledLevel.STREET),
                        _("Dispute %(number)s was referred: %(state)s")))
    dispute.save()
    _step(dispute, action, from_state=from_state, actor=actor, at=now, note=note or outcome)
    audit.record(f"gridops.dispute.{action}", obj=dispute, before=before, after=audit.snapshot(dispute),
                 actor=actor, message=(note or outcome)[:500])
    for users, title in notices:
        notify(users, title=title % {"number": dispute.number, "state": dispute.get_state_display()},
               body=(note or outcome)[:500], url=dispute_url(dispute), kind=f"gridops.dispute.{action}")
    return dispute


def transition_dispute(dispute: Dispute, action: str, *, actor, note: str = "", outcome: str = "",
                       settled_level: str = "", at: dt.datetime | None = None) -> Dispute:
    """Apply one workflow step of ``TRANSITIONS`` and return the dispute as it is now."""
    if action not in TRANSITIONS:
        _refuse("action", _("Unknown action."))
    with transaction.atomic():
        dispute = _lock(dispute, actor)
        return _apply(dispute, action, actor=actor, note=(note or "").strip(), outcome=(outcome or "").strip(),
                      settled_level=settled_level, now=at or timezone.now())


def change_risk(dispute: Dispute, *, actor, risk_level: str, note: str, at: dt.datetime | None = None) -> Dispute:
    """Re-assess the risk level (风险研判); raising it to orange or red alerts as on registration."""
    if risk_level not in RiskLevel.values:
        _refuse("risk_level", _("Choose the risk level."))
    note = (note or "").strip()
    if not note:
        _refuse("note", _("Give a reason or a note for this step."))
    with transaction.atomic():
        dispute = _lock(dispute, actor)
        if not dispute.is_open:
            _refuse("risk_level", _("The dispute is closed."))
        if risk_level == dispute.risk_level:
            _refuse("risk_level", _("The risk level is unchanged."))
        before = audit.snapshot(dispute)
        now = at or timezone.now()
        dispute.risk_level = risk_level
        dispute.alerted_at = dispute.alert_due_at = None
        _alert(dispute, now)
        dispute.save()
        _step(dispute, _A.ALERT, from_state=dispute.state, actor=actor, at=now,
              note=f"{RiskLevel(risk_level).label}: {note}")
        audit.record("gridops.dispute.risk_changed", obj=dispute, before=before, after=audit.snapshot(dispute),
                     actor=actor, message=note[:500])
    return dispute


# --- mediation sessions ---------------------------------------------------------------------------------------------
def record_session(dispute: Dispute, *, actor, held_on: dt.date, minutes: str, result: str = SessionResult.CONTINUE,
                   mediator: User | None = None, mediator_name: str = "", participants: str = "", place: str = "",
                   at: dt.datetime | None = None) -> MediationSession:
    """调解记录: one session. The first session of an accepted dispute starts the mediation (调解中)."""
    errors: dict[str, list] = {}
    minutes = (minutes or "").strip()
    if not minutes:
        errors.setdefault("minutes", []).append(_("Write the minutes of the session."))
    if result not in SessionResult.values:
        errors.setdefault("result", []).append(_("Choose the result of the session."))
    if not isinstance(held_on, dt.date):
        errors.setdefault("held_on", []).append(_("Give the date of the session."))
    elif held_on > timezone.localdate() + dt.timedelta(days=1):
        errors.setdefault("held_on", []).append(_("The date cannot be in the future."))
    mediator_name = (mediator_name or "").strip() or (_actor_name(mediator) if mediator else "")
    if not mediator_name:
        errors.setdefault("mediator_name", []).append(_("Name the mediator."))
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        dispute = _lock(dispute, actor)
        if not dispute.is_open:
            _refuse("held_on", _("The dispute is closed: no more sessions."))
        if isinstance(held_on, dt.date) and held_on < timezone.localtime(dispute.found_at).date():
            _refuse("held_on", _("The session cannot be before the dispute was accepted."))
        now = at or timezone.now()
        if dispute.state == _S.ACCEPTED:
            _apply(dispute, _A.MEDIATE, actor=actor, note="", outcome="", settled_level="", now=now)
        session = MediationSession.objects.create(
            dispute=dispute, held_on=held_on, mediator=mediator, mediator_name=mediator_name[:100],
            participants=(participants or "").strip(), place=(place or "")[:255], minutes=minutes, result=result,
            recorded_by=actor)
        dispute.session_count = dispute.sessions.count()
        dispute.save(update_fields=["session_count", "updated_at"])
        _step(dispute, _A.SESSION, from_state=dispute.state, actor=actor, at=now,
              note=f"{held_on:%Y-%m-%d} {mediator_name}: {SessionResult(result).label}")
        audit.record("gridops.dispute.session", obj=dispute, actor=actor, message=minutes[:500],
                     extra={"session": session.pk, "result": result})
    return session


# --- attachments -----------------------------------------------------------------------------------------------------
def attachment_kind(head: bytes) -> tuple[str, str] | None:
    for magic, kind in ATTACHMENT_TYPES.items():
        if head.startswith(magic):
            return kind
    return None


def add_attachment(dispute: Dispute, *, actor, file, kind: str = AttachmentKind.AGREEMENT,
                   session: MediationSession | None = None, name: str = "") -> DisputeAttachment:
    """Attach a PDF, JPEG or PNG (checked by its first bytes, at most 20 MB), stored with its SHA-256."""
    if kind not in AttachmentKind.values:
        _refuse("kind", _("Choose the kind of attachment."))
    if file is None:
        _refuse("file", _("Choose a file."))
    data = file.read() if hasattr(file, "read") else bytes(file)
    if not data:
        _refuse("file", _("The file is empty."))
    if len(data) > MAX_ATTACHMENT_BYTES:
        _refuse("file", _("A file may be at most 20 MB."))
    found = attachment_kind(data[:16])
    if found is None:
        _refuse("file", _("Attachments must be PDF, JPEG or PNG files."))
    content_type, ext = found
    original = (name or getattr(file, "name", "") or f"attachment.{ext}").rsplit("/", 1)[-1][:255]
    with transaction.atomic():
        dispute = _lock(dispute, actor)
        if session is not None and session.dispute_id != dispute.pk:
            _refuse("session", _("The session belongs to another dispute."))
        digest = hashlib.sha256(data).hexdigest()
        attachment = DisputeAttachment(dispute=dispute, session=session, kind=kind, original_name=original,
                                       content_type=content_type, size=len(data), sha256=digest,
                                       uploaded_by=actor)
        attachment.file.save(f"{digest[:16]}.{ext}", ContentFile(data), save=False)
        attachment.save()
        _step(dispute, _A.ATTACH, from_state=dispute.state, actor=actor, at=timezone.now(),
              note=f"{AttachmentKind(kind).label}: {original}")
        audit.record("gridops.dispute.attachment", obj=dispute, actor=actor, message=original,
                     extra={"sha256": digest, "size": len(data), "kind": kind})
    return attachment


# --- the ledger (台账) -----------------------------------------------------------------------------------------------
def ledger_columns() -> list[str]:
    """序号, 受理日期, 纠纷类型, 当事人, 纠纷简要情况, 风险等级, 调解人, 调解结果, 化解层级, 办结日期."""
    return [_("No."), _("Date accepted"), _("Kind of dispute"), _("Parties"), _("Summary of the dispute"),
            _("Risk level"), _("Mediator"), _("Result of mediation"), _("Level settled at"), _("Date closed")]


RISK_SHORT = {RiskLevel.RED: gettext_lazy("Red"), RiskLevel.ORANGE: gettext_lazy("Orange"),
              RiskLevel.YELLOW: gettext_lazy("Yellow")}


def ledger_rows(queryset, limit: int | None = None) -> Iterable[list]:
    """The ledger's rows in the columns Chinese dispute ledgers use (see :func:`ledger_columns`), oldest first."""
    qs = queryset.prefetch_related("parties", "sessions").order_by("found_at", "id")
    if limit is not None:
        qs = qs[:limit]
    for i, d in enumerate(qs, start=1):
        parties = "、".join(f"{p.name}（{p.get_role_display()}）" for p in d.parties.all())
        mediators = "、".join(dict.fromkeys(s.mediator_name for s in d.sessions.all()))
        result = d.get_state_display()
        if d.outcome:
            result = f"{result}：{d.outcome}"
        yield [i, timezone.localtime(d.found_at).date(), d.get_kind_display(), parties, d.summary,
               str(RISK_SHORT[d.risk_level]), mediators, result, d.get_settled_level_display() or "",
               timezone.localtime(d.settled_at).date() if d.settled_at else None]
