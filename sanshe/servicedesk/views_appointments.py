"""Appointment pages: the window's list of today's and upcoming bookings (attended / did not come, accept the
application at the window), the slot page of a station, and the public booking and cancelling pages (no
account: pick a station, an item and a free slot; the booking number and the phone's last four digits cancel).
Reads go through ``visible_to``; writes through :mod:`sanshe.servicedesk.services_appointments`."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View

from sanshe.accounts.roles import Perm
from sanshe.core.views import PermissionRequiredMixin, ScopedObjectMixin, apply_validation_error

from . import services_appointments as sa
from .choices import AppointmentState, Channel
from .forms_appointments import AppointmentFilterForm, BookingForm, PublicCancelForm, SlotsForm
from .models import Appointment, AppointmentSlot, ServiceItem, ServiceStation

VIEW, ACCEPT, CONFIGURE = Perm.SERVICES_VIEW, Perm.SERVICES_ACCEPT, Perm.SERVICES_CONFIGURE
PUBLIC_DAYS = 10  # the public sees (and the stations open automatically) the next ten working days
MAX_ROWS = 500
CANCEL_TRIES = 5  # wrong answers per booking number and per address before a pause
CANCEL_PAUSE = 15 * 60


def window_url(appointment: Appointment) -> str | None:
    try:
        return reverse("servicedesk:window") + f"?appointment={appointment.pk}"
    except NoReverseMatch:
        return None


class AppointmentListView(PermissionRequiredMixin, View):
    """Today's and upcoming bookings of the user's stations (or one day's), grouped by slot."""

    required_permission = VIEW

    def get(self, request):
        stations = ServiceStation.objects.visible_to(request.user, VIEW).filter(is_active=True)
        form = AppointmentFilterForm(request.GET or None, stations=stations)
        data = form.cleaned_data if form.is_bound and form.is_valid() else {}
        today = timezone.localdate()
        qs = Appointment.objects.visible_to(request.user, VIEW).select_related("slot__station", "item")
        if data.get("station"):
            qs = qs.filter(slot__station=data["station"])
        if data.get("day"):
            qs = qs.filter(slot__date=data["day"])
        else:
            qs = qs.filter(slot__date__gte=today)
        if data.get("state"):
            qs = qs.filter(state=data["state"])
        rows = list(qs.order_by("slot__date", "slot__start", "slot__station__name", "pk")[:MAX_ROWS])
        can_accept = request.user.has_permission(ACCEPT)
        for row in rows:
            row.window_url = window_url(row) if can_accept and row.state in (
                AppointmentState.BOOKED, AppointmentState.ATTENDED) and not row.application_id else None
            row.is_today = row.slot.date == today
            row.can_mark = can_accept and row.state == AppointmentState.BOOKED
            row.can_no_show = row.can_mark and row.slot.date <= today
        counts = dict(Appointment.objects.visible_to(request.user, VIEW).filter(slot__date=today)
                      .values_list("state").annotate(n=Count("id")).order_by())
        return render(request, "servicedesk/appointments/list.html", {
            "form": form, "rows": rows, "cut": len(rows) >= MAX_ROWS, "today": today, "counts": {
                "total": sum(counts.values()), **{k: counts.get(k, 0) for k in AppointmentState.values}},
            "can_configure": request.user.has_permission(CONFIGURE)})


class _AppointmentStep(ScopedObjectMixin, View):
    required_permission = ACCEPT
    model = Appointment
    scope_permission = ACCEPT
    done_message = ""

    def apply(self, appointment):
        raise NotImplementedError

    def post(self, request, pk):
        appointment = self.get_object()
        try:
            appointment = self.apply(appointment)
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            messages.success(request, self.done_message % {"number": appointment.number, "name": appointment.name})
        back = request.POST.get("next", "")
        if back.startswith(reverse("servicedesk:appointment_list")):
            return redirect(back)
        return redirect("servicedesk:appointment_list")


class AttendedView(_AppointmentStep):
    def apply(self, appointment):
        self.done_message = _("%(number)s %(name)s: attended.")
        return sa.mark_attended(appointment, actor=self.request.user)


class NoShowView(_AppointmentStep):
    def apply(self, appointment):
        self.done_message = _("%(number)s %(name)s: did not come.")
        return sa.mark_no_show(appointment, actor=self.request.user)


class CancelView(_AppointmentStep):
    def apply(self, appointment):
        self.done_message = _("%(number)s %(name)s: cancelled.")
        return sa.cancel(appointment, actor=self.request.user)


class SlotsView(PermissionRequiredMixin, View):
    """A station's slots of the coming weeks with their bookings; open slots for the next N working days."""

    required_permission = CONFIGURE
    template = "servicedesk/appointments/slots.html"

    def _context(self, request, form):
        stations = ServiceStation.objects.visible_to(request.user, CONFIGURE).filter(is_active=True)
        station = None
        pick = request.GET.get("station") or (form.data.get("station") if form.is_bound else None)
        if pick and str(pick).isdigit():
            station = stations.filter(pk=pick).first()
        station = station or stations.first()
        slots = []
        if station is not None:
            slots = list(AppointmentSlot.objects.filter(station=station, date__gte=timezone.localdate())
                         .annotate(taken=Count("appointments", filter=Q(appointments__state__in=sa.ACTIVE_STATES)))
                         .order_by("date", "start")[:120])
        return {"form": form, "stations": stations, "station": station, "slots": slots}

    def get(self, request):
        stations = ServiceStation.objects.visible_to(request.user, CONFIGURE).filter(is_active=True)
        form = SlotsForm(stations=stations)
        context = self._context(request, form)
        if context["station"] is not None:
            form.initial["station"] = context["station"].pk
        return render(request, self.template, context)

    def post(self, request):
        stations = ServiceStation.objects.visible_to(request.user, CONFIGURE).filter(is_active=True)
        form = SlotsForm(request.POST, stations=stations)
        if form.is_valid():
            data = form.cleaned_data
            try:
                created = sa.open_slots(actor=request.user, station=data["station"], start=data["start"],
                                        days=data["days"], capacity=data.get("capacity"))
            except ValidationError as exc:
                apply_validation_error(form, exc)
            else:
                messages.success(request, _("%(n)s slots opened.") % {"n": created})
                return redirect(reverse("servicedesk:appointment_slots") + f"?station={data['station'].pk}")
        return render(request, self.template, self._context(request, form), status=400)


# --- public pages ---------------------------------------------------------------------------------------------
def _public_slots(station: ServiceStation):
    today = timezone.localdate()
    sa.ensure_slots(station, today, PUBLIC_DAYS)
    days = sa.working_days(sa.Calendar.for_district(station.district_id), today, PUBLIC_DAYS)
    last = days[-1] if days else today
    now = timezone.localtime().replace(tzinfo=None)
    slots = (AppointmentSlot.objects.filter(station=station, date__gte=today, date__lte=last)
             .annotate(taken=Count("appointments", filter=Q(appointments__state__in=sa.ACTIVE_STATES)))
             .order_by("date", "start"))
    free = []
    for slot in slots:
        slot.free = slot.capacity - slot.taken
        if slot.free > 0 and dt.datetime.combine(slot.date, slot.end) > now:
            free.append(slot)
    return free


def _booking_form(station, data=None):
    items = ServiceItem.objects.filter(district_id=station.district_id, is_active=True).exclude(
        channel=Channel.ONLINE).select_related("category").order_by("category__sort_order", "sort_order", "code")
    slots = _public_slots(station)
    return BookingForm(data, items=items, slots=slots), slots


def book_page(request):
    """预约: choose a station, then an item, a free slot, name and phone; shows the booking number."""
    stations = ServiceStation.objects.filter(is_active=True).select_related("street", "community").order_by(
        "street__code", "node__code", "name")
    station = None
    pick = request.POST.get("station") or request.GET.get("station")
    if pick and str(pick).isdigit():
        station = stations.filter(pk=pick).first()
    context = {"stations": stations, "station": station}
    if station is None:
        return render(request, "servicedesk/appointments/book.html", context)
    if request.method == "POST":
        form, slots = _booking_form(station, request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                appointment = sa.book(actor=request.user if request.user.is_authenticated else None,
                                      slot=data["slot"], item=data["item"], name=data["name"], phone=data["phone"])
            except ValidationError as exc:
                apply_validation_error(form, exc)
            else:
                return render(request, "servicedesk/appointments/booked.html", {
                    "appointment": appointment, "station": station})
        return render(request, "servicedesk/appointments/book.html", {**context, "form": form, "slots": slots},
                      status=400)
    form, slots = _booking_form(station)
    return render(request, "servicedesk/appointments/book.html", {**context, "form": form, "slots": slots})


def _client_ip(request) -> str:
    return request.META.get("REMOTE_ADDR", "") or "-"


def public_cancel(request):
    """The person who booked cancels with the booking number and the last four digits of the phone."""
    form = PublicCancelForm(request.POST or None, initial={"number": request.GET.get("number", "")})
    status = 200
    if request.method == "POST" and form.is_valid():
        number = form.cleaned_data["number"].strip().upper()
        keys = [f"sd-cancel-n:{number}", f"sd-cancel-ip:{_client_ip(request)}"]
        if any(cache.get(k, 0) >= CANCEL_TRIES for k in keys):
            form.add_error(None, _("Too many wrong tries: wait a quarter of an hour, or call the station."))
            return render(request, "servicedesk/appointments/cancel.html", {"form": form}, status=429)
        appointment = sa.find_for_public(number, form.cleaned_data["check"])
        if appointment is None:
            for k in keys:
                cache.add(k, 0, CANCEL_PAUSE)
                try:
                    cache.incr(k)
                except ValueError:  # expired in between
                    cache.set(k, 1, CANCEL_PAUSE)
            form.add_error(None, _("No booking with this number and these digits."))
            status = 400
        else:
            try:
                appointment = sa.cancel(appointment, verified=True)
            except ValidationError as exc:
                apply_validation_error(form, exc)
                status = 400
            else:
                return render(request, "servicedesk/appointments/cancel.html", {"cancelled": appointment})
    elif request.method == "POST":
        status = 400
    return render(request, "servicedesk/appointments/cancel.html", {"form": form}, status=status)
