"""Writes of the one window (一窗受理): accepting an application and moving it through ``choices.TRANSITIONS``.

Every function here is one transaction with its audit entry, its history row (:class:`ApplicationStep`), the
household-file entry when the applicant is a resident of the registry, and the notifications. Views, the API
and the demo call these; nothing else changes an application.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Sequence
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from sanshe.accounts.models import User
from sanshe.accounts.notifications import notify
from sanshe.accounts.roles import Perm
from sanshe.core import audit, txn
from sanshe.core.exceptions import Denied, OutOfScope
from sanshe.core.masking import mask_id_number, mask_phone
from sanshe.core.services import require, require_visible
from sanshe.core.validators import validate_id_number, validate_phone
from sanshe.core.workflow import TransitionRefused  # noqa: F401 - the module's refusal, for callers
from sanshe.core.workflow import actor_name as _name
from sanshe.core.workflow import refuse as _refuse
from sanshe.gridops.workcalendar import Calendar
from sanshe.territory.models import Resident

from .choices import (
    FINAL_STATES,
    TRANSITIONS,
    Action,
    ApplicationState,
    Channel,
    MaterialStatus,
    Rating,
    Who,
)
from .models import (
    Application,
    ApplicationAttachment,
    ApplicationMaterial,
    ApplicationStep,
    ServiceItem,
    ServiceStation,
)

MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024




def application_url(application: Application) -> str:
    return reverse("servicedesk:application_detail", args=[application.pk])


def tracking_url(application: Application) -> str:
    return reverse("servicedesk:track") + f"?number={application.number}"


def department_staff(application: Application) -> list[User]:
    return [m.user for m in application.department.unitmember_set.select_related("user")
            if m.user.has_permission(Perm.SERVICES_HANDLE)]


# --- the clock ----------------------------------------------------------------------------------------------
def calendar_for(application_or_district) -> Calendar:
    district_id = getattr(application_or_district, "district_id", application_or_district)
    return Calendar.for_district(district_id)


def first_deadline(item: ServiceItem, received_at: dt.datetime, calendar: Calendar | None = None) -> dt.datetime:
    """Acceptance plus the item's legal time limit in working days (a 即办件, 0 days, is due the same day:
    one working day)."""
    calendar = calendar or calendar_for(item.district_id)
    return calendar.deadline(received_at, max(1, item.time_limit_days), "working_days")


def remaining_working_seconds(application: Application, now: dt.datetime | None = None,
                              calendar: Calendar | None = None) -> int | None:
    """Working time left before the deadline (negative: overdue); None when finished. While the clock stands
    (补正) the time left is frozen at the moment it stopped. Lists pass one ``calendar`` for all their rows."""
    if application.state in FINAL_STATES or application.deadline is None:
        return None
    now = now or timezone.now()
    calendar = calendar or calendar_for(application)
    at = application.paused_since or now
    if at <= application.deadline:
        return calendar.working_seconds_between(at, application.deadline)
    return -calendar.working_seconds_between(application.deadline, at)


def _resume_clock(application: Application, at: dt.datetime, calendar: Calendar) -> int:
    """Close a pause: the deadline moves on by the working time the clock stood still."""
    if application.paused_since is None:
        return 0
    stood = calendar.working_seconds_between(application.paused_since, at)
    application.paused_seconds += stood
    if application.deadline is not None and stood:
        application.deadline = calendar.add_working_seconds(application.deadline, stood)
    application.paused_since = None
    return stood


# --- attachments --------------------------------------------------------------------------------------------
def check_attachments(files: Sequence) -> list:
    errors = []
    for f in files:
        size = getattr(f, "size", 0) or 0
        if size > MAX_ATTACHMENT_BYTES:
            errors.append(_("%(name)s is larger than 10 MB.") % {"name": getattr(f, "name", "")})
    if errors:
        raise ValidationError({"attachments": errors})
    return list(files)


def _store_attachments(application: Application, step: ApplicationStep | None, files: Sequence, actor) -> None:
    for f in files:
        data = f.read()
        attachment = ApplicationAttachment(
            application=application, step=step, name=(getattr(f, "name", "") or "file")[:200],
            content_type=getattr(f, "content_type", "") or "", size=len(data),
            uploaded_by=actor if isinstance(actor, User) else None)
        attachment.file.save(attachment.name, ContentFile(data), save=False)
        attachment.save()


# --- acceptance ---------------------------------------------------------------------------------------------
@dataclass
class Applicant:
    """Who applies: a resident of the registry, or a person typed in at the window."""

    name: str = ""
    id_number: str = ""
    phone: str = ""
    resident: Resident | None = None


def _number(application: Application) -> str:
    # FW + date + serial + 3 random digits: unguessable enough for a tracking page that shows masked data only
    day = timezone.localtime(application.received_at)
    return f"FW{day:%Y%m%d}{application.pk:06d}{secrets.randbelow(1000):03d}"


def accept_application(*, actor, item: ServiceItem, station: ServiceStation, applicant: Applicant,
                       description: str = "", missing: Sequence[int] = (), not_needed: Sequence[int] = (),
                       window: int | None = None, channel: str = Channel.WINDOW, attachments: Sequence = (),
                       submission_key: str | None = None, at: dt.datetime | None = None) -> Application:
    """一窗受理: any window of the actor's territory accepts any active item of the district.

    ``missing`` / ``not_needed`` are ids of the item's :class:`ItemMaterial` rows (the rest are received).
    When a required material is missing the application is accepted and waits in 补正 from the start (容缺受理:
    the clock does not run until the materials are complete).
    """
    if submission_key:
        existing = Application.objects.filter(submission_key=submission_key).first()
        if existing is not None:
            return existing
    require(actor, Perm.SERVICES_ACCEPT)
    errors: dict[str, list] = {}
    resident = applicant.resident
    name = (applicant.name or "").strip() or (resident.name if resident is not None else "")
    id_number = (applicant.id_number or "").strip()
    phone = (applicant.phone or "").strip()
    if resident is not None:
        id_number = id_number or (resident.id_number or "")
        phone = phone or (resident.phone or "")
    if not name:
        errors.setdefault("applicant_name", []).append(_("Give the applicant's name."))
    if id_number:
        try:
            id_number = validate_id_number(id_number).number
        except ValidationError as exc:
            errors.setdefault("applicant_id_number", []).extend(exc.messages)
    if phone:
        try:
            phone = validate_phone(phone).normalized
        except ValidationError as exc:
            errors.setdefault("applicant_phone", []).extend(exc.messages)
    if not item.is_active or item.district_id != station.district_id:
        errors.setdefault("item", []).append(_("This item is not in the catalogue of the station's district."))
    if window is not None and not 1 <= window <= station.windows:
        errors.setdefault("window", []).append(
            _("The station has windows 1 to %(n)s.") % {"n": station.windows})
    materials = list(item.materials.all())
    known = {m.pk for m in materials}
    if (set(missing) | set(not_needed)) - known:
        errors.setdefault("materials", []).append(_("A material is not one of the item's."))
    try:
        files = check_attachments(attachments)
    except ValidationError as exc:
        errors.setdefault("attachments", []).extend(exc.messages)
    if errors:
        raise ValidationError(errors)

    at = at or timezone.now()
    with txn.atomic():
        station = require_visible(ServiceStation, station, actor, Perm.SERVICES_ACCEPT)
        if resident is not None:
            resident = require_visible(Resident, resident, actor, Perm.REGISTRY_VIEW)
        calendar = calendar_for(station.district_id)
        application = Application(
            number=f"tmp-{secrets.token_hex(8)}", item=item, department=item.department, station=station,
            window=window, channel=channel, resident=resident,
            household=resident.household if resident is not None else None,
            applicant_name=name[:50], applicant_id_number=id_number,
            applicant_id_masked=mask_id_number(id_number) if id_number else "",
            applicant_phone=phone, applicant_phone_masked=mask_phone(phone) if phone else "",
            description=(description or "").strip(), received_at=at, deadline=first_deadline(item, at, calendar),
            accepted_by=actor, submission_key=submission_key or None,
        )
        application.copy_ancestors_from(station)
        try:
            with transaction.atomic():
                application.save()
        except IntegrityError:
            if submission_key and Application.objects.filter(submission_key=submission_key).exists():
                return Application.objects.get(submission_key=submission_key)
            raise
        application.number = _number(application)
        missing_names = []
        rows = []
        for m in materials:
            status = (MaterialStatus.MISSING if m.pk in missing else
                      MaterialStatus.NOT_NEEDED if m.pk in not_needed else MaterialStatus.RECEIVED)
            if status == MaterialStatus.MISSING and m.required:
                missing_names.append(m.name)
            rows.append(ApplicationMaterial(application=application, name=m.name, required=m.required,
                                            status=status, note=m.note, sort_order=m.sort_order))
        ApplicationMaterial.objects.bulk_create(rows)
        if missing_names:
            application.state = ApplicationState.SUPPLEMENT
            application.paused_since = at
        application.save(update_fields=["number", "state", "paused_since"])
        step = ApplicationStep.objects.create(
            application=application, action=Action.ACCEPT, from_state="", to_state=ApplicationState.RECEIVED,
            actor=actor, actor_name=_name(actor), at=at, note=application.description[:2000],
            data={"station": station.name, "window": window})
        if missing_names:
            ApplicationStep.objects.create(
                application=application, action=Action.REQUEST_SUPPLEMENT, from_state=ApplicationState.RECEIVED,
                to_state=ApplicationState.SUPPLEMENT, actor=actor, actor_name=_name(actor), at=at,
                note=_("Missing at acceptance: %(list)s") % {"list": "、".join(missing_names)},
                data={"missing": missing_names})
        _store_attachments(application, step, files, actor)
        if application.household_id:
            from sanshe.territory.registry import add_timeline_entry

            add_timeline_entry(application.household, kind="servicedesk.application",
                               title=_("Application %(number)s: %(item)s") % {
                                   "number": application.number, "item": item.name},
                               obj=application, url=application_url(application), resident=resident,
                               permission=Perm.SERVICES_VIEW, at=at)
        notify(department_staff(application), title=_("New application %(number)s: %(item)s") % {
            "number": application.number, "item": item.name}, url=application_url(application),
            kind="servicedesk.received")
        audit.record("servicedesk.application.accepted", obj=application, after=audit.snapshot(application),
                     actor=actor)
    return application


# --- the workflow -------------------------------------------------------------------------------------------
def _check_actor(application: Application, step, actor, *, applicant_verified: bool) -> None:
    if step.who == Who.APPLICANT:
        if applicant_verified:
            return
        # a window may record the applicant's rating on paper (回访)
        if actor is not None and actor.is_authenticated and actor.has_permission(Perm.SERVICES_ACCEPT) and \
                Application.objects.visible_to(actor, Perm.SERVICES_ACCEPT).filter(pk=application.pk).exists():
            return
        raise Denied(Perm.SERVICES_ACCEPT, application)
    if actor is None or not actor.is_authenticated:
        raise Denied(step.permission or "", application)
    if step.who == Who.ANYONE and actor.has_permission(Perm.SERVICES_HANDLE) and \
            actor.unit_memberships.filter(unit_id=application.department_id).exists():
        return  # the department's staff note what they do, without reading the rest of the territory
    require(actor, step.permission)
    if step.who == Who.DEPARTMENT:
        if not actor.unit_memberships.filter(unit_id=application.department_id).exists():
            _refuse("action", _("Only the staff of %(unit)s take this step.") % {"unit": application.department})
    elif step.who == Who.ANYONE:
        if not Application.objects.visible_to(actor, Perm.SERVICES_VIEW).filter(pk=application.pk).exists():
            raise OutOfScope(Perm.SERVICES_VIEW, application)
    elif step.who == Who.WINDOW:
        if not Application.objects.visible_to(actor, Perm.SERVICES_ACCEPT).filter(pk=application.pk).exists():
            _refuse("action", _("Only a window of the application's territory takes this step."))


def allowed_actions(application: Application, user) -> list[str]:
    """The actions ``user`` may take on ``application`` now (the page's buttons)."""
    found = []
    for action, step in TRANSITIONS.items():
        if application.state not in step.sources:
            continue
        if action == Action.RATE and application.rating:
            continue
        try:
            _check_actor(application, step, user, applicant_verified=False)
        except (Denied, OutOfScope, TransitionRefused):
            continue
        found.append(str(action))
    return found


def transition(application: Application, action: str, *, actor, note: str = "", result_note: str = "",
               missing: Sequence[str] = (), rating: str = "", comment: str = "", attachments: Sequence = (),
               applicant_verified: bool = False, at: dt.datetime | None = None) -> Application:
    """Apply one step of ``TRANSITIONS``. ``missing`` names the materials asked for (补正告知);
    ``applicant_verified`` is set by the public page once the applicant proved who he is (rating)."""
    step_def = TRANSITIONS.get(action)
    if step_def is None:
        _refuse("action", _("Unknown action."))
    note = (note or "").strip()
    files = check_attachments(attachments)
    at = at or timezone.now()
    with txn.atomic():
        application = Application.objects.select_for_update().select_related("item", "department").get(
            pk=application.pk)
        if application.state not in step_def.sources:
            _refuse("action", _("%(action)s is not possible while the application is %(state)s.") % {
                "action": Action(action).label, "state": application.get_state_display()})
        _check_actor(application, step_def, actor, applicant_verified=applicant_verified)
        missing = [m.strip() for m in missing if m and m.strip()]
        if action == Action.REQUEST_SUPPLEMENT and not (note or missing):
            _refuse("note", _("Say which materials are missing."))
        if step_def.needs_note and not note and action != Action.REQUEST_SUPPLEMENT:
            _refuse("note", _("Give a reason."))
        if action == Action.RATE:
            if rating not in Rating.values:
                _refuse("rating", _("Choose a rating."))
            if application.rating:
                _refuse("rating", _("This application was already rated."))
        before = audit.snapshot(application)
        from_state = application.state
        calendar = calendar_for(application)
        data: dict = {}
        user = actor if isinstance(actor, User) else None
        if action == Action.START:
            application.started_at = at
            application.handler = user
        elif action == Action.REQUEST_SUPPLEMENT:
            application.paused_since = at
            data["missing"] = missing
            if missing:
                names = set(missing)
                for row in application.materials.all():
                    if row.name in names:
                        row.status = MaterialStatus.MISSING
                        row.save(update_fields=["status"])
                        names.discard(row.name)
                for i, name in enumerate(sorted(names)):  # asked for beyond the catalogue's list
                    ApplicationMaterial.objects.create(application=application, name=name[:200], required=True,
                                                       status=MaterialStatus.MISSING, sort_order=1000 + i)
        elif action == Action.SUPPLEMENT:
            data["clock_stood_seconds"] = _resume_clock(application, at, calendar)
            application.materials.filter(status=MaterialStatus.MISSING).update(status=MaterialStatus.RECEIVED)
        elif action in (Action.COMPLETE, Action.REFUSE):
            data["clock_stood_seconds"] = _resume_clock(application, at, calendar)
            application.finished_at = at
            application.on_time = application.deadline is None or at <= application.deadline
            application.result_note = (result_note or note).strip()
            application.handler = application.handler or user
        elif action == Action.RATE:
            application.rating = rating
            application.rating_comment = (comment or "").strip()[:500]
            application.rated_at = at
            data["rating"] = rating
        if step_def.target is not None:
            application.state = step_def.target
        application.save()
        step = ApplicationStep.objects.create(
            application=application, action=action, from_state=from_state, to_state=application.state,
            actor=user, actor_name=_name(user) or (_("Applicant") if action == Action.RATE else ""), at=at,
            note=(note or comment)[:2000], public=step_def.public, data=data)
        _store_attachments(application, step, files, user)
        if application.household_id and action in (Action.COMPLETE, Action.REFUSE):
            from sanshe.territory.registry import add_timeline_entry

            add_timeline_entry(application.household, kind="servicedesk.application",
                               title=_("Application %(number)s %(state)s: %(item)s") % {
                                   "number": application.number, "state": application.get_state_display(),
                                   "item": application.item.name},
                               obj=application, url=application_url(application),
                               resident=application.resident, permission=Perm.SERVICES_VIEW, at=at)
        if action == Action.REQUEST_SUPPLEMENT and application.accepted_by_id:
            notify([application.accepted_by], title=_("Materials missing for %(number)s") % {
                "number": application.number}, url=application_url(application), kind="servicedesk.supplement")
        elif action == Action.SUPPLEMENT:
            notify(department_staff(application), title=_("Materials completed for %(number)s") % {
                "number": application.number}, url=application_url(application), kind="servicedesk.supplemented")
        audit.record(f"servicedesk.application.{action}", obj=application, before=before,
                     after=audit.snapshot(application), actor=user, extra={"note": note} if note else None)
    return application


def find_for_applicant(number: str, check: str) -> Application | None:
    """The application with this number when ``check`` is the last four characters of the applicant's phone
    or ID number (the public page: rating asks for proof, following does not)."""
    application = Application.objects.filter(number=(number or "").strip()).first()
    check = (check or "").strip().upper()
    if application is None or len(check) != 4:
        return None
    secrets_ = [application.applicant_phone or "", (application.applicant_id_number or "").upper()]
    return application if any(s and s[-4:] == check for s in secrets_) else None
