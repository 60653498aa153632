"""Event pages of grid governance: the grid worker's phone pages (my tasks, report, verify), the handling unit's
work queue, the community / street dispatch desk, the event page with its whole timeline and action forms, the
resident's own reports, and the notification inbox.

Reads go through ``Event.objects.visible_to`` (territory, the user's handling units, his own reports); every
change goes through :func:`sanshe.gridops.services.report_event` or :func:`sanshe.gridops.services.transition`,
whose refusals come back as inline errors (400). Reporter phones are only ever shown masked.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch, Q
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from sanshe.accounts.models import Notification
from sanshe.accounts.notifications import mark_read
from sanshe.accounts.roles import Perm
from sanshe.core.exceptions import Denied, OutOfScope
from sanshe.core.views import PermissionRequiredMixin, apply_validation_error
from sanshe.territory.choices import Level
from sanshe.territory.models import Node

from . import services
from .choices import (
    CLOCK_STATES,
    FINAL_STATES,
    TRANSITIONS,
    Action,
    EventState,
    ExtensionState,
    Light,
    Rating,
)
from .filters_events import EventFilterForm, apply_filters, with_urgency
from .forms_events import ActionForm, BatchForm, ReportForm, home_node, sub_categories
from .models import Event, EventPhoto, EventStep

PAGE_SIZE = 50
MERGEABLE = (EventState.REPORTED, EventState.ACCEPTED, EventState.FILED)
# The fields each action's form shows (the service says which are required).
ACTION_FIELDS = {
    Action.ACCEPT: ("note",),
    Action.FILE: ("note",),
    Action.NOT_FILE: ("note",),
    Action.MERGE: ("master", "master_number", "note"),
    Action.DISPATCH: ("unit", "note"),
    Action.REASSIGN: ("unit", "note"),
    Action.RETURN: ("note",),
    Action.START: ("note",),
    Action.FEED_BACK: ("note", "public_note", "photos"),
    Action.VERIFY: ("note", "photos"),
    Action.REWORK: ("note", "photos"),
    Action.CLOSE: ("note", "public_note"),
    Action.REVISIT: ("note",),
    Action.RATE: ("rating", "note"),
    Action.REQUEST_EXTENSION: ("extra", "extra_unit", "note"),
    Action.APPROVE_EXTENSION: ("note",),
    Action.DENY_EXTENSION: ("note",),
    Action.SUPERVISE: ("note",),
    Action.COMMENT: ("note",),
}
# Actions that move the event forward: shown first, as the main buttons.
MAIN_ACTIONS = (Action.ACCEPT, Action.FILE, Action.DISPATCH, Action.START, Action.FEED_BACK, Action.VERIFY,
                Action.CLOSE, Action.RATE, Action.APPROVE_EXTENSION)
DANGER_ACTIONS = (Action.NOT_FILE, Action.RETURN, Action.REWORK, Action.DENY_EXTENSION)
LIGHT_CLASS = {Light.RED: "light-red", Light.YELLOW: "light-yellow", Light.GREEN: "light-green",
               Light.NONE: "light-none"}


# --- helpers ---------------------------------------------------------------------------------------------------
def safe_next(request, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                  require_https=request.is_secure()):
        return target
    return default


def event_for(user, pk: int) -> Event:
    """The event if the user may open it: in his territory, dispatched to his unit, or reported by him.

    Someone without ``gridops.view`` who reaches the event by none of these is refused (403) whether it exists
    or not; someone with it gets a 404 outside his territory.
    """
    event = (Event.objects.visible_to(user, Perm.EVENTS_VIEW)
             .select_related("category", "major_category", "district", "street", "community", "grid",
                             "handling_unit", "merged_into", "household", "reporter")
             .filter(pk=pk).first())
    if event is not None:
        return event
    if not user.has_permission(Perm.EVENTS_VIEW):
        raise Denied(Perm.EVENTS_VIEW)
    outside = Event.objects.filter(pk=pk).first()
    if outside is None:
        raise Http404
    raise OutOfScope(Perm.EVENTS_VIEW, outside)


def is_staff_viewer(user, event: Event) -> bool:
    """Staff see the whole timeline; a reporter who is not staff sees the public steps only."""
    if user.has_permission(Perm.EVENTS_VIEW):
        return True  # the event was found through visible_to: his territory (or his own report as staff)
    return services.is_unit_member(user, event.handling_unit_id) or EventStep.objects.filter(
        event=event, unit__in=user.unit_memberships.values("unit_id")).exists()


def decorate(events, now=None):
    """Give each event its light and the light's CSS class (for lists)."""
    now = now or timezone.now()
    for event in events:
        event.light_value = services.light(event, now)
        event.light_class = LIGHT_CLASS[event.light_value]
        event.light_label = Light(event.light_value).label
    return events


def duplicates_for(event: Event, user) -> list[Event]:
    """Likely duplicates (并单 candidates) of the event that the user may see, nearest first."""
    if event.state not in MERGEABLE:
        return []
    found = services.likely_duplicates(category=event.category, district_id=event.district_id,
                                       latitude=event.latitude, longitude=event.longitude, at=event.reported_at,
                                       exclude_id=event.pk)
    visible = set(Event.objects.visible_to(user, Perm.EVENTS_VIEW).filter(pk__in=[e.pk for e in found])
                  .values_list("pk", flat=True))
    return [e for e in found if e.pk in visible]


def paginate(request, qs, size=PAGE_SIZE):
    page = Paginator(qs, size).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return page, query.urlencode()


# --- the event page --------------------------------------------------------------------------------------------
def action_forms(event: Event, user, *, bound: dict | None = None, duplicates=None) -> list[dict]:
    """One form per action the user may take now; ``bound`` = {action: bound form with errors}."""
    allowed = services.allowed_actions(event, user)
    order = [a for a in MAIN_ACTIONS if a in allowed] + [a for a in allowed if a not in MAIN_ACTIONS]
    responsible = services.responsible_unit(event) if Action.DISPATCH in allowed else None
    result = []
    for action in order:
        if action not in ACTION_FIELDS:
            continue
        form = (bound or {}).get(action)
        if form is None:
            form = ActionForm(initial={"action": action}, event=event, user=user)
        step = TRANSITIONS[action]
        result.append({
            "action": action, "label": Action(action).label, "form": form, "fields": ACTION_FIELDS[action],
            "needs_note": step.needs_note, "main": action in MAIN_ACTIONS, "danger": action in DANGER_ACTIONS,
            "open": form.is_bound, "responsible": responsible if action == Action.DISPATCH else None,
            "duplicates": duplicates if action == Action.MERGE else None,
        })
    if result and not any(item["open"] for item in result) and result[0]["main"]:
        result[0]["open"] = True
    return result


def render_event(request, event: Event, *, bound: dict | None = None, status: int = 200):
    user = request.user
    staff = is_staff_viewer(user, event)
    steps = event.steps.select_related("unit").prefetch_related("photos").order_by("at", "id")
    if not staff:
        steps = steps.filter(public=True)
    can_dispatch = user.has_permission(Perm.EVENTS_DISPATCH)
    duplicates = duplicates_for(event, user) if (can_dispatch or event.reporter_id == user.pk) else []
    merged = Event.objects.visible_to(user, Perm.EVENTS_VIEW).filter(merged_into=event).order_by("reported_at")
    pending = event.extensions.filter(state=ExtensionState.PENDING).first() if staff else None
    light_value = services.light(event)
    actions = action_forms(event, user, bound=bound, duplicates=duplicates)
    shown = {item["action"] for item in actions}
    # A refused step whose form is not on the page (the event moved on meanwhile): its errors go on top.
    stray_errors = [message for action, form in (bound or {}).items() if action not in shown
                    for messages_ in form.errors.values() for message in messages_]
    context = {
        "event": event, "steps": steps, "staff": staff, "light_value": light_value,
        "light_class": LIGHT_CLASS[light_value], "light_label": Light(light_value).label,
        "report_photos": event.photos.filter(step__action=Action.REPORT),
        "duplicates": duplicates, "merged": merged, "pending_extension": pending,
        "actions": actions, "stray_errors": stray_errors,
        "is_reporter": event.reporter_id == user.pk, "submitted": request.GET.get("submitted") == "1",
        "is_final": event.state in FINAL_STATES, "ratings": Rating.choices,
        "next": request.GET.get("next", ""),
    }
    return render(request, "gridops/events/detail.html", context, status=status)


class EventAccessMixin(PermissionRequiredMixin):
    """Logged in; the event itself decides (territory, handling unit, own report)."""

    required_permission = "authenticated"


class EventDetailView(EventAccessMixin, View):
    def get(self, request, pk):
        return render_event(request, event_for(request.user, pk))


class EventActView(EventAccessMixin, View):
    """Every workflow step posts here: ``services.transition`` applies it or refuses it (inline errors, 400)."""

    def post(self, request, pk):
        event = event_for(request.user, pk)
        form = ActionForm(request.POST, request.FILES, event=event, user=request.user)
        action = request.POST.get("action", "")
        if not form.is_valid():
            return render_event(request, event, bound={action: form}, status=400)
        data = form.cleaned_data
        action = data["action"]
        try:
            services.transition(
                event, action, actor=request.user, note=data.get("note") or "", unit=data.get("unit"),
                photos=data.get("photos") or [], rating=data.get("rating") or "", master=data.get("master"),
                extra=data.get("extra"), extra_unit=data.get("extra_unit") or "working_days",
                public_note=data.get("public_note") or "")
        except services.TransitionRefused as exc:
            apply_validation_error(form, exc)
            return render_event(request, event_for(request.user, pk), bound={action: form}, status=400)
        messages.success(request, _("Done: %(action)s.") % {"action": Action(action).label})
        return redirect(safe_next(request, reverse("gridops:event_detail", args=[event.pk])))


class EventVerifyView(PermissionRequiredMixin, View):
    """核查 on site, on the phone: pass, or fail with what is still wrong (返工), with photos."""

    required_permission = Perm.EVENTS_VERIFY

    def get(self, request, pk):
        event = event_for(request.user, pk)
        allowed = services.allowed_actions(event, request.user)
        forms = {a: ActionForm(initial={"action": a}, event=event, user=request.user)
                 for a in (Action.VERIFY, Action.REWORK) if a in allowed}
        feedback = event.steps.filter(action=Action.FEED_BACK).prefetch_related("photos").order_by("-at").first()
        return render(request, "gridops/events/verify.html", {
            "event": event, "forms": forms, "feedback": feedback,
            "report_photos": event.photos.filter(step__action=Action.REPORT)})


class EventPhotoView(EventAccessMixin, View):
    """A photo of an event, for those who may open the event."""

    def get(self, request, pk, photo_pk):
        event = event_for(request.user, pk)
        photo = EventPhoto.objects.filter(event=event, pk=photo_pk).first()
        if photo is None:
            raise Http404
        if not is_staff_viewer(request.user, event) and photo.step_id and not photo.step.public:
            raise Http404
        response = FileResponse(photo.image.open("rb"), content_type=photo.content_type)
        response["Cache-Control"] = "private, max-age=3600"
        response["X-Content-Type-Options"] = "nosniff"
        return response


# --- reporting -------------------------------------------------------------------------------------------------
def map_center(node: Node | None) -> dict:
    """Where the report map opens: the boundary of the node (or of its grid; for a community or street, of its
    grids), else nothing (the script's default view)."""
    if node is None:
        return {}
    shapes = [node] if node.geometry else []
    if not shapes and node.grid_id and node.grid_id != node.pk:
        shapes = list(Node.objects.filter(pk=node.grid_id).exclude(geometry=None))
    if not shapes and node.level in (Level.DISTRICT, Level.STREET, Level.COMMUNITY):
        column = {Level.DISTRICT: "district_id", Level.STREET: "street_id", Level.COMMUNITY: "community_id"}
        shapes = list(Node.objects.filter(level=Level.GRID, is_active=True, **{column[node.level]: node.pk})
                      .exclude(geometry=None).order_by("code")[:50])
    features = [{"type": "Feature", "properties": {"name": n.name}, "geometry": n.geometry.get("geometry", n.geometry)}
                for n in shapes if services._polygons(n.geometry)]
    if not features:
        return {}
    return {"boundary": {"type": "FeatureCollection", "features": features}}


class ReportView(PermissionRequiredMixin, View):
    """上报: grid staff from their phone (their grids), the desk (with the caller), residents (their place)."""

    required_permission = Perm.EVENTS_REPORT

    def page(self, request, form, status=200):
        home = form.home
        return render(request, "gridops/events/report.html", {
            "form": form, "mode": form.mode, "map": map_center(home),
            "category_options": form.category_options, "home": home,
        }, status=status)

    def get(self, request):
        initial = {}
        if request.GET.get("major"):
            initial["major"] = request.GET["major"]
        for field, param in (("latitude", "lat"), ("longitude", "lng")):  # from the patrol page: "found here"
            if request.GET.get(param):
                initial[field] = request.GET[param]
        return self.page(request, ReportForm(initial=initial, user=request.user))

    def post(self, request):
        form = ReportForm(request.POST, request.FILES, user=request.user)
        if not form.is_valid():
            return self.page(request, form, status=400)
        data = form.cleaned_data
        node = data.get("node")
        if form.mode == "resident":
            node = self.resident_node(request.user, data)
            if node is None:
                form.add_error(None, _("Your account is not tied to a place where you can report."))
                return self.page(request, form, status=400)
        try:
            report = services.report_event(
                actor=request.user, category=data["category"], description=data["description"], node=node,
                source=form.source_value(), latitude=data.get("latitude"), longitude=data.get("longitude"),
                address=data.get("address") or "", photos=data.get("photos") or [],
                reporter_name=data.get("reporter_name") or "", reporter_phone=data.get("reporter_phone") or "",
                household=data.get("household_obj"), urgent=data.get("urgent") or False,
                submission_key=f"web:{request.user.pk}:{data['submission_key']}")
        except ValidationError as exc:
            apply_validation_error(form, exc)
            return self.page(request, form, status=400)
        if report.created:
            messages.success(request, _("Reported: %(number)s.") % {"number": report.event.number})
            self.link_patrol(request, report.event)
        url = reverse("gridops:event_detail", args=[report.event.pk]) + "?submitted=1"
        return HttpResponseRedirect(url)

    @staticmethod
    def link_patrol(request, event) -> None:
        """Opened from a running patrol (``?patrol=<id>``): the event counts as found on that patrol."""
        from .models import Patrol
        from .services_patrols import link_event

        patrol = Patrol.objects.filter(pk=request.GET.get("patrol") or 0).first() \
            if (request.GET.get("patrol") or "").isdigit() else None
        if patrol is None:
            return
        try:
            link_event(patrol, event, actor=request.user)
        except ValidationError as exc:
            messages.warning(request, " ".join(exc.messages))

    @staticmethod
    def resident_node(user, data) -> Node | None:
        """A resident reports at his own place; when he is tied to a community and gives a point, the grid
        containing the point (inside his community) is used."""
        home = home_node(user)
        if home is None:
            return None
        if home.level == Level.COMMUNITY and data.get("latitude") is not None:
            district = Node.objects.filter(pk=home.district_id).first()
            grid = services.locate_grid(district, float(data["latitude"]), float(data["longitude"])) \
                if district is not None else None
            if grid is not None and grid.community_id == home.pk:
                return grid
        return home


class SubcategoriesView(PermissionRequiredMixin, View):
    """htmx: the 小类 options of the chosen 大类."""

    required_permission = Perm.EVENTS_REPORT

    def get(self, request):
        from .forms_events import reporter_mode

        major = request.GET.get("major") or None
        try:
            major = int(major) if major else None
        except ValueError:
            major = None
        options = sub_categories(major, reporter_mode(request.user) == "resident")
        return render(request, "gridops/events/_category_options.html", {"category_options": options})


# --- lists -----------------------------------------------------------------------------------------------------
class EventListView(PermissionRequiredMixin, TemplateView):
    """The dispatch desk: filters, overdue first, batch 立案 / 派遣."""

    required_permission = Perm.EVENTS_VIEW
    template_name = "gridops/events/list.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        now = timezone.now()
        form = EventFilterForm(self.request.GET or None, user=user)
        qs = Event.objects.visible_to(user, Perm.EVENTS_VIEW).select_related(
            "category", "major_category", "grid", "community", "handling_unit")
        qs = with_urgency(apply_filters(qs, form, now), now).order_by("urgency", "deadline", "-reported_at", "-id")
        page, query = paginate(self.request, qs)
        decorate(page.object_list, now)
        base = Event.objects.visible_to(user, Perm.EVENTS_VIEW)
        counts = base.aggregate(
            waiting=Count("id", filter=Q(state__in=[EventState.REPORTED, EventState.ACCEPTED, EventState.FILED])),
            overdue=Count("id", filter=Q(state__in=CLOCK_STATES, deadline__lt=now)),
            to_close=Count("id", filter=Q(state=EventState.VERIFIED)))
        can_dispatch = user.has_permission(Perm.EVENTS_DISPATCH)
        return {**super().get_context_data(**kwargs), "form": form, "page": page, "query": query,
                "counts": counts, "can_dispatch": can_dispatch,
                "batch_form": BatchForm(user=user) if can_dispatch else None,
                "next": self.request.get_full_path()}


class BatchView(PermissionRequiredMixin, View):
    """Batch 立案 or 派遣 of the selected events (each one through ``services.transition``)."""

    required_permission = Perm.EVENTS_DISPATCH

    def post(self, request):
        form = BatchForm(request.POST, user=request.user)
        back = safe_next(request, reverse("gridops:event_list"))
        if not form.is_valid():
            for errors in form.errors.values():
                for error in errors:
                    messages.error(request, error)
            return redirect(back)
        action, unit = form.cleaned_data["action"], form.cleaned_data.get("unit")
        done, failed = [], []
        for event in form.cleaned_data["events"].order_by("reported_at"):
            try:
                services.transition(event, action, actor=request.user,
                                    unit=unit if action == Action.DISPATCH else None)
                done.append(event.number)
            except ValidationError as exc:
                failed.append(f"{event.number}: {' '.join(exc.messages)}")
        if done:
            messages.success(request, _("%(action)s: %(count)d events (%(numbers)s).") % {
                "action": Action(action).label, "count": len(done), "numbers": ", ".join(done)})
        for line in failed:
            messages.error(request, line)
        return redirect(back)


class MyTasksView(PermissionRequiredMixin, TemplateView):
    """我的任务 (grid staff, on the phone): events to verify in my grids and the events I reported."""

    required_permission = Perm.EVENTS_VIEW
    template_name = "gridops/events/my_tasks.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        now = timezone.now()
        to_verify = Event.objects.none()
        if user.has_permission(Perm.EVENTS_VERIFY):
            to_verify = Event.objects.visible_to(user, Perm.EVENTS_VERIFY).filter(state=EventState.FED_BACK)
        to_verify = list(to_verify.select_related("category", "grid", "handling_unit").order_by("fed_back_at")[:100])
        mine = with_urgency(Event.objects.filter(reporter=user).select_related("category", "handling_unit"), now)
        mine_open = list(mine.exclude(state__in=FINAL_STATES).order_by("urgency", "deadline", "-reported_at")[:100])
        mine_done = list(mine.filter(state__in=FINAL_STATES).order_by("-reported_at")[:20])
        return {**super().get_context_data(**kwargs), "to_verify": decorate(to_verify, now),
                "mine_open": decorate(mine_open, now), "mine_done": decorate(mine_done, now),
                "can_report": user.has_permission(Perm.EVENTS_REPORT)}


class MyReportsView(PermissionRequiredMixin, TemplateView):
    """我的诉求 (residents): my reports, where they are, the public notes; rate the closed ones."""

    required_permission = Perm.EVENTS_REPORT
    template_name = "gridops/events/my_reports.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        public_steps = EventStep.objects.filter(public=True).order_by("-at", "-id")
        qs = (Event.objects.filter(reporter=user).select_related("category")
              .prefetch_related(Prefetch("steps", queryset=public_steps, to_attr="public_steps"))
              .order_by("-reported_at", "-id"))
        page, query = paginate(self.request, qs, 20)
        for event in page.object_list:
            event.can_rate = event.state == EventState.CLOSED and not event.rating
        return {**super().get_context_data(**kwargs), "page": page, "query": query, "ratings": Rating.choices}


class HandlerQueueView(PermissionRequiredMixin, TemplateView):
    """The handling unit's work queue: what was dispatched to my unit, overdue first."""

    required_permission = Perm.EVENTS_HANDLE
    template_name = "gridops/events/queue.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        now = timezone.now()
        base = services.event_queryset_for_unit(user).select_related("category", "grid", "community",
                                                                     "handling_unit")
        open_qs = with_urgency(base.filter(state__in=CLOCK_STATES), now).order_by("urgency", "deadline", "id")
        page, query = paginate(self.request, open_qs)
        decorate(page.object_list, now)
        waiting = list(base.filter(state=EventState.FED_BACK).order_by("-fed_back_at")[:20])
        pending_ext = set(services.event_queryset_for_unit(user).filter(
            extensions__state=ExtensionState.PENDING).values_list("pk", flat=True))
        for event in page.object_list:
            event.pending_extension = event.pk in pending_ext
        units = list(user.unit_memberships.select_related("unit").values_list("unit__name", flat=True))
        return {**super().get_context_data(**kwargs), "page": page, "query": query, "waiting": waiting,
                "units": units, "next": self.request.get_full_path()}


# --- notifications ---------------------------------------------------------------------------------------------
class NotificationsView(PermissionRequiredMixin, TemplateView):
    """The inbox: newest first, unread marked."""

    required_permission = "authenticated"
    template_name = "gridops/notifications.html"

    def get_context_data(self, **kwargs):
        qs = Notification.objects.filter(user=self.request.user)
        if self.request.GET.get("unread") == "1":
            qs = qs.filter(read_at__isnull=True)
        page, query = paginate(self.request, qs, 30)
        return {**super().get_context_data(**kwargs), "page": page, "query": query,
                "unread_only": self.request.GET.get("unread") == "1",
                "unread": Notification.objects.filter(user=self.request.user, read_at__isnull=True).count()}


class NotificationReadView(PermissionRequiredMixin, View):
    """Mark one notification (``id``) or all of them read."""

    required_permission = "authenticated"

    def post(self, request):
        ids = [int(i) for i in request.POST.getlist("id") if i.isdigit()]
        mark_read(request.user, ids or None)
        return redirect(safe_next(request, reverse("gridops:notifications")))


class NotificationOpenView(PermissionRequiredMixin, View):
    """Open a notification: mark it read and go to what it is about."""

    required_permission = "authenticated"

    def get(self, request, pk):
        notification = Notification.objects.filter(user=request.user, pk=pk).first()
        if notification is None:
            raise Http404
        mark_read(request.user, [notification.pk])
        target = notification.url if notification.url and url_has_allowed_host_and_scheme(
            notification.url, allowed_hosts={request.get_host()}) else reverse("gridops:notifications")
        return redirect(target)
