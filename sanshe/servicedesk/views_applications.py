"""Pages of the one window (一窗受理 / 一窗多能): the window where a clerk accepts any item, the printable 受理回执
and 一次性告知书, the list for window / community / street / district staff, the department's queue, and the
application page with its checklist, attachments, timeline, clock and one panel per step the user may take.

Reads go through ``Application.objects.visible_to`` (territory, or the department's staff); every change goes
through :func:`sanshe.servicedesk.services.accept_application` or :func:`~sanshe.servicedesk.services.transition`,
whose refusals come back as inline errors (400). Applicants' ID numbers and phones are only ever shown masked.
"""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Case, F, IntegerField, Q, Value, When
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View

from sanshe.accounts.roles import Perm
from sanshe.core import audit
from sanshe.core.crypto import blind_index
from sanshe.core.exceptions import Denied, OutOfScope
from sanshe.core.views import PermissionRequiredMixin, apply_validation_error
from sanshe.gridops.workcalendar import Calendar
from sanshe.territory.choices import ResidentStatus
from sanshe.territory.models import Resident

from . import services
from .choices import FINAL_STATES, OPEN_STATES, TRANSITIONS, Action, ApplicationState, MaterialStatus
from .forms_applications import (
    ActionForm,
    ApplicationFilterForm,
    WindowForm,
    items_for,
    stations_for,
)
from .models import Application, ApplicationAttachment, ServiceCategory
from .services_appointments import appointment_for_window, mark_attended

VIEW, ACCEPT, HANDLE = Perm.SERVICES_VIEW, Perm.SERVICES_ACCEPT, Perm.SERVICES_HANDLE
PAGE_SIZE = 50
# The fields each step's panel shows.
ACTION_FIELDS = {
    Action.START: ("note",),
    Action.REQUEST_SUPPLEMENT: ("missing", "missing_other", "note"),
    Action.SUPPLEMENT: ("note", "attachments"),
    Action.COMPLETE: ("result_note", "note", "attachments"),
    Action.REFUSE: ("note", "attachments"),
    Action.RATE: ("rating", "comment"),
    Action.COMMENT: ("note",),
}
MAIN_ACTIONS = (Action.START, Action.SUPPLEMENT, Action.COMPLETE, Action.RATE)
DANGER_ACTIONS = (Action.REFUSE,)


# --- helpers ---------------------------------------------------------------------------------------------------
class Clock:
    """Remaining working time of applications, one calendar per district."""

    def __init__(self, now=None):
        self.now = now or timezone.now()
        self._calendars: dict[int, Calendar] = {}

    def calendar(self, district_id) -> Calendar:
        if district_id not in self._calendars:
            self._calendars[district_id] = Calendar.for_district(district_id)
        return self._calendars[district_id]

    def remaining(self, app: Application) -> int | None:
        if app.state in FINAL_STATES or app.deadline is None:
            return None
        cal = self.calendar(app.district_id)
        at = app.paused_since or self.now
        if at <= app.deadline:
            return cal.working_seconds_between(at, app.deadline)
        return -cal.working_seconds_between(app.deadline, at)

    def decorate(self, apps):
        """Give each application ``remaining_seconds``, ``remaining_days`` (working days, one decimal) and
        ``overdue``."""
        for app in apps:
            left = self.remaining(app)
            app.remaining_seconds = left
            day = self.calendar(app.district_id).day_seconds
            app.remaining_days = None if left is None else round(left / day, 1)
            app.overdue = left is not None and left < 0
            app.clock_stopped = app.paused_since is not None
        return apps


def overdue_q(now) -> Q:
    return Q(state__in=list(OPEN_STATES)) & (
        (Q(paused_since__isnull=True) & Q(deadline__lt=now)) | Q(paused_since__gt=F("deadline")))


def application_for(user, pk: int, qs=None) -> Application:
    """The application if the user may open it: in his territory, or routed to his department.

    Someone without ``servicedesk.view`` who reaches it by neither is refused (403) whether it exists or not;
    someone with it gets a 404 outside his territory.
    """
    qs = qs if qs is not None else Application.objects.all()
    app = (qs.visible_to(user, VIEW)
           .select_related("item", "item__category", "department", "station", "community", "street",
                           "accepted_by", "handler")
           .filter(pk=pk).first())
    if app is not None:
        return app
    if not user.has_permission(VIEW):
        raise Denied(VIEW)
    outside = Application.objects.filter(pk=pk).first()
    if outside is None:
        raise Http404
    raise OutOfScope(VIEW, outside)


class ApplicationAccessMixin(LoginRequiredMixin):
    """Log in; then the application page decides by the application (territory or department)."""

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if not (request.user.has_permission(VIEW) or request.user.has_permission(HANDLE)):
            raise Denied(VIEW)
        return super().dispatch(request, *args, **kwargs)


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def _page(request, qs):
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return page, query.urlencode()


# --- the window ------------------------------------------------------------------------------------------------
class WindowView(PermissionRequiredMixin, View):
    """一窗受理: any item at any window of the clerk's stations."""

    required_permission = ACCEPT
    template = "servicedesk/applications/window.html"

    def _context(self, request, form, item=None, choices=None, picked=None):
        materials = list(item.materials.all()) if item is not None else []
        for m in materials:
            m.choice = (choices or {}).get(m.pk, MaterialStatus.RECEIVED)
        return {"form": form, "item": item, "materials": materials, "statuses": MaterialStatus.choices,
                "no_station": not form.fields["station"].queryset.exists(), "picked": picked}

    def get(self, request):
        initial = {"window": request.GET.get("window") or None}
        booking = appointment_for_window(request.user, request.GET.get("appointment"))
        item = None
        if booking is not None:  # the person booked: his item, station, name (his phone is taken from the booking)
            item = booking.item
            initial.update(appointment=booking.pk, station=booking.slot.station_id, item=item.pk,
                           category=item.category_id, applicant_name=booking.name,
                           resident=booking.resident_id)
        form = WindowForm(user=request.user, initial=initial)
        context = self._context(request, form, item, picked=booking.resident if booking is not None else None)
        context["booking"] = booking
        return render(request, self.template, context)

    def post(self, request):
        form = WindowForm(request.POST, request.FILES, user=request.user)
        item = None
        item_id = request.POST.get("item", "")
        if item_id.isdigit():
            item = form.fields["item"].queryset.filter(pk=item_id).first()
        choices = form.material_choices(item) if item is not None else {}
        if form.is_valid():
            data = form.cleaned_data
            resident = None
            if data.get("resident"):
                resident = Resident.objects.visible_to(request.user, Perm.REGISTRY_VIEW).filter(
                    pk=data["resident"]).first()
                if resident is None:
                    form.add_error("applicant_name", _("This resident is not in the register you can see."))
            if resident is not None or not form.errors:
                booking = appointment_for_window(request.user, data.get("appointment"))
                phone = data.get("applicant_phone", "") or (booking.phone if booking is not None else "")
                applicant = services.Applicant(name=data.get("applicant_name", ""),
                                               id_number=data.get("applicant_id_number", ""),
                                               phone=phone, resident=resident)
                try:
                    app = services.accept_application(
                        actor=request.user, item=data["item"], station=data["station"], applicant=applicant,
                        description=data.get("description", ""), window=data.get("window"),
                        missing=[pk for pk, s in choices.items() if s == MaterialStatus.MISSING],
                        not_needed=[pk for pk, s in choices.items() if s == MaterialStatus.NOT_NEEDED],
                        attachments=data.get("attachments") or [])
                except ValidationError as exc:
                    apply_validation_error(form, exc)
                else:
                    if booking is not None:
                        mark_attended(booking, actor=request.user, application=app)
                    messages.success(request, _("Application %(number)s accepted.") % {"number": app.number})
                    return redirect("servicedesk:application_receipt", pk=app.pk)
        picked = None
        if form.is_bound and (request.POST.get("resident") or "").isdigit():
            picked = Resident.objects.visible_to(request.user, Perm.REGISTRY_VIEW).filter(
                pk=request.POST["resident"]).first()
        return render(request, self.template, self._context(request, form, item, choices, picked), status=400)


class WindowItemsView(PermissionRequiredMixin, View):
    """htmx: the options of the item select for a category."""

    required_permission = ACCEPT

    def get(self, request):
        districts = sorted({s.district_id for s in stations_for(request.user)})
        value = request.GET.get("category", "")
        category = ServiceCategory.objects.filter(pk=value).first() if value.isdigit() else None
        items = items_for(districts, category)
        return render(request, "servicedesk/applications/_item_options.html", {"items": items})


class WindowMaterialsView(PermissionRequiredMixin, View):
    """htmx: the item's materials checklist (received / missing / not needed) and its time limit."""

    required_permission = ACCEPT

    def get(self, request):
        districts = sorted({s.district_id for s in stations_for(request.user)})
        value = request.GET.get("item", "")
        item = items_for(districts).select_related("department").filter(pk=value).first() if value.isdigit() \
            else None
        materials = list(item.materials.all()) if item is not None else []
        for m in materials:
            m.choice = MaterialStatus.RECEIVED
        return render(request, "servicedesk/applications/_materials.html", {
            "item": item, "materials": materials, "statuses": MaterialStatus.choices})


class ResidentPickView(PermissionRequiredMixin, View):
    """Registry look-up for the applicant: name (prefix) or full ID number / phone; masked answers, and only
    among the residents the clerk may see."""

    required_permission = ACCEPT

    def get(self, request):
        q = (request.GET.get("q") or "").strip()
        if not q:
            return JsonResponse({"results": []})
        qs = Resident.objects.visible_to(request.user, Perm.REGISTRY_VIEW).filter(status=ResidentStatus.REGISTERED)
        if q.isdigit() and len(q) == 11:
            qs = qs.filter(phone_index=blind_index(q))
        elif len(q) == 18 and q[:17].isdigit():
            from sanshe.territory.registry import id_number_index

            qs = qs.filter(id_number_index=id_number_index(q.upper()))
        else:
            qs = qs.filter(name__startswith=q)
        rows = qs.select_related("grid", "building").order_by("name", "id")[:20]
        return JsonResponse({"results": [
            {"id": r.pk, "name": r.name, "id_number": r.id_number_masked, "phone": r.phone_masked,
             "where": " ".join(n.name for n in (r.grid, r.building) if n is not None)} for r in rows]})


# --- printables ------------------------------------------------------------------------------------------------
class _PrintView(ApplicationAccessMixin, View):
    template = ""

    def get(self, request, pk):
        app = application_for(request.user, pk)
        missing = [m for m in app.materials.all() if m.status == MaterialStatus.MISSING]
        return render(request, self.template, {
            "app": app, "missing": missing, "materials": app.materials.all(),
            "tracking_url": request.build_absolute_uri(services.tracking_url(app)),
            "track_page": request.build_absolute_uri(reverse("servicedesk:track")),
            "printed_at": timezone.now()})


class ReceiptView(_PrintView):
    """受理回执: number, item, department, deadline, how to follow it."""

    template = "servicedesk/applications/receipt.html"


class NoticeView(_PrintView):
    """一次性告知书: every missing material at once."""

    template = "servicedesk/applications/notice.html"


# --- lists -----------------------------------------------------------------------------------------------------
class ApplicationListView(PermissionRequiredMixin, View):
    """The applications of the user's territory, overdue first."""

    required_permission = VIEW

    def get(self, request):
        now = timezone.now()
        form = ApplicationFilterForm(request.GET or None, user=request.user)
        data = form.cleaned_data if form.is_bound and form.is_valid() else {}
        qs = Application.objects.visible_to(request.user, VIEW).select_related(
            "item", "department", "station", "community")
        state = data.get("state")
        if state == "open":
            qs = qs.filter(state__in=list(OPEN_STATES))
        elif state:
            qs = qs.filter(state=state)
        for name in ("item", "station", "department"):
            if data.get(name):
                qs = qs.filter(**{name: data[name]})
        if data.get("overdue"):
            qs = qs.filter(overdue_q(now))
        if data.get("start"):
            qs = qs.filter(received_at__gte=_day_start(data["start"]))
        if data.get("end"):
            qs = qs.filter(received_at__lt=_day_start(data["end"] + dt.timedelta(days=1)))
        qs = qs.annotate(is_overdue=Case(When(overdue_q(now), then=Value(1)), default=Value(0),
                                         output_field=IntegerField())).order_by("-is_overdue", "-received_at", "-pk")
        page, query = _page(request, qs)
        Clock(now).decorate(page.object_list)
        open_qs = Application.objects.visible_to(request.user, VIEW).filter(state__in=list(OPEN_STATES))
        counts = {"open": open_qs.count(), "overdue": open_qs.filter(overdue_q(now)).count(),
                  "supplement": open_qs.filter(state=ApplicationState.SUPPLEMENT).count()}
        return render(request, "servicedesk/applications/list.html", {
            "form": form, "page": page, "query": query, "counts": counts,
            "can_accept": request.user.has_permission(ACCEPT)})


class QueueView(PermissionRequiredMixin, View):
    """The department's queue (待办): its applications, open first, nearest deadline first."""

    required_permission = HANDLE

    def get(self, request):
        now = timezone.now()
        units = list(request.user.unit_memberships.values_list("unit_id", flat=True))
        qs = Application.objects.filter(department_id__in=units).select_related(
            "item", "department", "station", "community")
        show = request.GET.get("show", "open")
        if show == "open":
            qs = qs.filter(state__in=list(OPEN_STATES))
        qs = qs.annotate(is_open=Case(When(state__in=list(OPEN_STATES), then=Value(0)), default=Value(1),
                                      output_field=IntegerField())).order_by("is_open", "deadline", "received_at")
        page, query = _page(request, qs)
        Clock(now).decorate(page.object_list)
        open_qs = Application.objects.filter(department_id__in=units, state__in=list(OPEN_STATES))
        counts = {"received": open_qs.filter(state=ApplicationState.RECEIVED).count(),
                  "processing": open_qs.filter(state=ApplicationState.PROCESSING).count(),
                  "supplement": open_qs.filter(state=ApplicationState.SUPPLEMENT).count(),
                  "overdue": open_qs.filter(overdue_q(now)).count()}
        return render(request, "servicedesk/applications/queue.html", {
            "page": page, "query": query, "counts": counts, "show": show, "has_units": bool(units)})


# --- the application page --------------------------------------------------------------------------------------
def action_panels(app: Application, user, bound: dict | None = None) -> list[dict]:
    allowed = services.allowed_actions(app, user)
    order = [a for a in MAIN_ACTIONS if a in allowed] + [a for a in allowed if a not in MAIN_ACTIONS]
    panels = []
    for action in order:
        if action not in ACTION_FIELDS:
            continue
        form = (bound or {}).get(action) or ActionForm(initial={"action": action}, application=app,
                                                       auto_id=f"id_{action}_%s")
        panels.append({"action": action, "label": Action(action).label, "form": form,
                       "fields": [form[f] for f in ACTION_FIELDS[action]],
                       "needs_note": TRANSITIONS[action].needs_note, "main": action in MAIN_ACTIONS,
                       "danger": action in DANGER_ACTIONS, "open": form.is_bound})
    if panels and not any(p["open"] for p in panels) and panels[0]["main"]:
        panels[0]["open"] = True
    return panels


def render_application(request, app: Application, *, bound: dict | None = None, status: int = 200):
    clock = Clock()
    clock.decorate([app])
    panels = action_panels(app, request.user, bound)
    shown = {p["action"] for p in panels}
    stray = [m for action, form in (bound or {}).items() if action not in shown
             for errors in form.errors.values() for m in errors]
    steps = list(app.steps.select_related("actor").prefetch_related("attachments"))
    for step in steps:
        step.stood_hours = round((step.data or {}).get("clock_stood_seconds", 0) / 3600, 1)
    return render(request, "servicedesk/applications/detail.html", {
        "app": app, "materials": app.materials.all(), "attachments": app.attachments.all(), "steps": steps,
        "panels": panels, "stray_errors": stray, "is_final": app.state in FINAL_STATES,
        "missing": [m for m in app.materials.all() if m.status == MaterialStatus.MISSING],
        "tracking_url": services.tracking_url(app), "paused_hours": round(app.paused_seconds / 3600, 1)},
        status=status)


class ApplicationDetailView(ApplicationAccessMixin, View):
    def get(self, request, pk):
        return render_application(request, application_for(request.user, pk))


class ApplicationActionView(ApplicationAccessMixin, View):
    """One step of the workflow → :func:`services.transition`; a refusal re-renders the page with the errors."""

    def post(self, request, pk):
        app = application_for(request.user, pk)
        form = ActionForm(request.POST, request.FILES, application=app,
                          auto_id=f"id_{request.POST.get('action', 'x')}_%s")
        action = request.POST.get("action", "")
        if form.is_valid():
            d = form.cleaned_data
            try:
                app = services.transition(
                    app, d["action"], actor=request.user, note=d["note"], result_note=d["result_note"],
                    missing=form.missing_list(), rating=d["rating"], comment=d["comment"],
                    attachments=d.get("attachments") or [])
            except ValidationError as exc:
                apply_validation_error(form, exc)
            else:
                messages.success(request, _("%(step)s: recorded.") % {"step": Action(d["action"]).label})
                return redirect("servicedesk:application_detail", pk=app.pk)
        app = application_for(request.user, pk)
        return render_application(request, app, bound={action: form}, status=400)


class AttachmentDownloadView(ApplicationAccessMixin, View):
    """A scan of a visible application (audited: materials hold personal data)."""

    def get(self, request, pk, attachment_pk):
        app = application_for(request.user, pk)
        attachment = ApplicationAttachment.objects.filter(application=app, pk=attachment_pk).first()
        if attachment is None:
            raise Http404
        audit.record("servicedesk.application.attachment_viewed", obj=app, actor=request.user,
                     message=attachment.name, extra={"attachment": attachment.pk})
        response = FileResponse(attachment.file.open("rb"), content_type=attachment.content_type or
                                "application/octet-stream", as_attachment=True, filename=attachment.name)
        response["Cache-Control"] = "no-store"
        response["X-Content-Type-Options"] = "nosniff"
        return response

