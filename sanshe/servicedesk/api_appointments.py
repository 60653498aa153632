"""Appointments API (``/api/v1/servicedesk/appointment-slots/…``, ``/api/v1/servicedesk/appointments/…``).

* Slots: the slots of the caller's stations with their free places (``servicedesk.view`` or
  ``servicedesk.accept``, scoped through the stations' ``visible_to``); opening slots for the next working days
  (``servicedesk.configure``, as the slot page); and ``public/``: the free slots of one station for the next
  ten working days **without an account** — the same data as the public booking page, which needs no account
  either (no bookings, no names, only date, time and free places).
* Appointments: list and retrieve (scoped, phones masked only); booking for a caller by a window
  (``servicedesk.accept``: the API never books anonymously — the public books on the page), cancelling, attended
  and did not come (``servicedesk.accept``, in the window's territory).

Writes go through :mod:`sanshe.servicedesk.services_appointments` (which audits them); a full slot, a slot
that is over, a second booking of the same person or a step that is not possible now is a 400 with the reason
keyed by field (``slot``, ``phone``, ``state`` …). POSTs honour ``Idempotency-Key`` (``ScopedViewSet``).
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field, extend_schema_view
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from sanshe.accounts.roles import Perm
from sanshe.api.serializers import ModelSerializer
from sanshe.api.viewsets import ScopedViewSet
from sanshe.core.exceptions import Denied, OutOfScope
from sanshe.gridops.api_events import scoped_pk
from sanshe.territory.models import Resident

from . import services_appointments as sa
from .choices import AppointmentState
from .models import Application, Appointment, AppointmentSlot, ServiceItem, ServiceStation
from .views_appointments import PUBLIC_DAYS, _public_slots

VIEW, ACCEPT, CONFIGURE = Perm.SERVICES_VIEW, Perm.SERVICES_ACCEPT, Perm.SERVICES_CONFIGURE
MAX_SLOT_DAYS = 92  # the widest date range one slot list covers
PK_MAX = 2**31 - 1


def _user(field):
    request = field.context.get("request")
    return getattr(request, "user", None)


def reading_stations(user):
    """The stations whose slots ``user`` reads: those of his territory for ``servicedesk.view`` or for
    ``servicedesk.accept``."""
    if user is None or not user.is_authenticated:
        return ServiceStation.objects.none()
    return ServiceStation.objects.filter(
        Q(pk__in=ServiceStation.objects.visible_to(user, VIEW).values("pk"))
        | Q(pk__in=ServiceStation.objects.visible_to(user, ACCEPT).values("pk")))


def _with_taken(qs):
    return qs.annotate(taken=Count("appointments", filter=Q(appointments__state__in=sa.ACTIVE_STATES)))


# --- serializers -------------------------------------------------------------------------------------------
class AppointmentSlotSerializer(ModelSerializer):
    """A slot with its places: ``taken`` counts the bookings still open or attended."""

    station_name = serializers.CharField(source="station.name", read_only=True)
    taken = serializers.SerializerMethodField()
    free = serializers.SerializerMethodField()
    over = serializers.SerializerMethodField(help_text=_("The slot has ended: it takes no booking."))

    class Meta:
        model = AppointmentSlot
        fields = ["id", "station", "station_name", "date", "start", "end", "capacity", "taken", "free", "over"]
        read_only_fields = fields

    def get_taken(self, slot) -> int:
        taken = getattr(slot, "taken", None)
        return taken if taken is not None else slot.capacity - sa.free_places(slot)

    def get_free(self, slot) -> int:
        return sa.free_places(slot)

    def get_over(self, slot) -> bool:
        return sa.slot_started(slot, self.context.get("now"))


class PublicAppointmentSlotSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    date = serializers.DateField()
    start = serializers.TimeField()
    end = serializers.TimeField()
    free = serializers.IntegerField()


class PublicStationSlotsSerializer(serializers.Serializer):
    """The free slots of a station for the next working days (what the public booking page offers)."""

    station = serializers.IntegerField()
    station_name = serializers.CharField()
    address = serializers.CharField()
    opening_hours = serializers.CharField()
    slots = PublicAppointmentSlotSerializer(many=True)


class AppointmentSlotFilterSerializer(serializers.Serializer):
    station = serializers.IntegerField(label=_("station"), required=False, min_value=1, max_value=PK_MAX)
    date_from = serializers.DateField(label=_("from"), required=False)
    date_to = serializers.DateField(label=_("to"), required=False)
    free = serializers.BooleanField(label=_("with free places only"), required=False, default=False)

    def validate(self, attrs):
        start, end = attrs.get("date_from"), attrs.get("date_to")
        if start and end and (end < start or (end - start).days > MAX_SLOT_DAYS):
            raise serializers.ValidationError({"date_to": [
                _("Give an end on or after the start, at most %(n)s days later.") % {"n": MAX_SLOT_DAYS}]})
        return attrs


class AppointmentSlotOpenSerializer(serializers.Serializer):
    station = scoped_pk(ServiceStation, CONFIGURE, is_active=True)(label=_("station"))
    start = serializers.DateField(label=_("first day"), required=False, default=None, allow_null=True)
    days = serializers.IntegerField(label=_("working days"), default=PUBLIC_DAYS)
    capacity = serializers.IntegerField(label=_("places per slot"), required=False, allow_null=True, default=None,
                                        help_text=_("Empty: two per window."))


class AppointmentSlotsOpenedSerializer(serializers.Serializer):
    created = serializers.IntegerField(help_text=_("How many slots were opened (existing ones stay as they are)."))
    slots = AppointmentSlotSerializer(many=True)


class AppointmentSerializer(ModelSerializer):
    """A booking; the phone masked only."""

    station = serializers.IntegerField(source="slot.station_id", read_only=True)
    station_name = serializers.CharField(source="slot.station.name", read_only=True)
    date = serializers.DateField(source="slot.date", read_only=True)
    start = serializers.TimeField(source="slot.start", read_only=True)
    end = serializers.TimeField(source="slot.end", read_only=True)
    item_name = serializers.CharField(source="item.name", read_only=True)
    state_label = serializers.CharField(source="get_state_display", read_only=True)
    booked_at = serializers.DateTimeField(source="created_at", read_only=True)
    allowed_actions = serializers.SerializerMethodField(
        help_text=_("The steps the caller may take now: cancel, attended, no_show."))

    class Meta:
        model = Appointment
        fields = ["id", "number", "slot", "station", "station_name", "date", "start", "end", "item", "item_name",
                  "name", "phone_masked", "resident", "state", "state_label", "application", "booked_at",
                  "allowed_actions"]
        read_only_fields = fields

    def get_allowed_actions(self, appointment) -> list[str]:
        allowed = self.context.get("may_accept")
        if allowed is None:
            user = _user(self)
            allowed = set(Appointment.objects.visible_to(user, ACCEPT).filter(pk=appointment.pk)
                          .values_list("pk", flat=True)) if user is not None and user.is_authenticated else set()
        if appointment.pk not in allowed:
            return []
        state, now = appointment.state, self.context.get("now")
        over = sa.slot_started(appointment.slot, now)
        actions = []
        if state == AppointmentState.BOOKED and not over:
            actions.append("cancel")
        if state in (AppointmentState.BOOKED, AppointmentState.NO_SHOW):
            actions.append("attended")
        if state == AppointmentState.BOOKED and appointment.slot.date <= timezone.localdate(now):
            actions.append("no_show")
        return actions


@extend_schema_field(OpenApiTypes.INT)
class _BookableSlotField(serializers.PrimaryKeyRelatedField):
    """A slot of an active station of the window's territory."""

    def get_queryset(self):
        stations = ServiceStation.objects.visible_to(_user(self), ACCEPT).filter(is_active=True)
        return AppointmentSlot.objects.filter(station__in=stations).select_related("station")


class AppointmentBookSerializer(serializers.Serializer):
    """A window books a place for a caller (on the phone, at the counter): a resident of the register, or a name
    and a phone."""

    slot = _BookableSlotField(label=_("slot"))
    item = serializers.PrimaryKeyRelatedField(label=_("service item"),
                                              queryset=ServiceItem.objects.filter(is_active=True))
    resident = scoped_pk(Resident, Perm.REGISTRY_VIEW)(label=_("resident"), required=False, allow_null=True,
                                                         default=None)
    name = serializers.CharField(label=_("name"), max_length=50, required=False, allow_blank=True, default="")
    phone = serializers.CharField(label=_("phone"), max_length=30, required=False, allow_blank=True, default="",
                                  write_only=True)


class AppointmentAttendedSerializer(serializers.Serializer):
    application = scoped_pk(Application, ACCEPT)(
        label=_("application"), required=False, allow_null=True, default=None,
        help_text=_("The application accepted at the window for this booking, if any."))


class AppointmentFilterSerializer(serializers.Serializer):
    station = serializers.IntegerField(label=_("station"), required=False, min_value=1, max_value=PK_MAX)
    date = serializers.DateField(label=_("day"), required=False)
    date_from = serializers.DateField(label=_("from"), required=False)
    date_to = serializers.DateField(label=_("to"), required=False)
    state = serializers.ChoiceField(label=_("state"), choices=AppointmentState.choices, required=False)


ID = [OpenApiParameter("id", OpenApiTypes.INT, OpenApiParameter.PATH)]
SLOT_FILTERS = [
    OpenApiParameter("station", OpenApiTypes.INT, description="Only this station's slots."),
    OpenApiParameter("date_from", OpenApiTypes.DATE, description="From this day (default: today)."),
    OpenApiParameter("date_to", OpenApiTypes.DATE, description="Up to this day (default: 30 days on)."),
    OpenApiParameter("free", OpenApiTypes.BOOL, description="Only slots not over with free places."),
]
APPOINTMENT_FILTERS = [
    OpenApiParameter("station", OpenApiTypes.INT),
    OpenApiParameter("date", OpenApiTypes.DATE, description="One day (default: today and later)."),
    OpenApiParameter("date_from", OpenApiTypes.DATE),
    OpenApiParameter("date_to", OpenApiTypes.DATE),
    OpenApiParameter("state", OpenApiTypes.STR, enum=AppointmentState.values),
]
STEP_400 = ("A step that is not possible now is refused with 400 and the reason keyed by field (`state`).")


# --- slots -------------------------------------------------------------------------------------------------
@extend_schema_view(
    list=extend_schema(summary="Slots of the caller's stations with their free places", parameters=SLOT_FILTERS,
                       description="Given a `station`, its next ten working days are opened first (as the public "
                                   "booking page does)."),
    public=extend_schema(
        summary="Free slots of one station for the next working days (no account needed)",
        description="The data of the public booking page: date, time and free places only. Booking needs an "
                    "account with `servicedesk.accept` (`POST /servicedesk/appointments/`) or the public page.",
        parameters=[OpenApiParameter("station", OpenApiTypes.INT, required=True)],
        responses=PublicStationSlotsSerializer, auth=[]),
    open=extend_schema(
        summary="Open slots of a station for the next working days (idempotent: existing slots stay)",
        request=AppointmentSlotOpenSerializer,
        responses={201: AppointmentSlotsOpenedSerializer, 200: AppointmentSlotsOpenedSerializer}),
)
class AppointmentSlotViewSet(mixins.ListModelMixin, ScopedViewSet):
    """Bookable slots (预约时段) of the caller's stations."""

    model = AppointmentSlot
    serializer_class = AppointmentSlotSerializer
    http_method_names = ["get", "post", "head", "options"]
    # list: servicedesk.view or servicedesk.accept (checked in list); public: no account
    permission_map = {"list": "authenticated", "open": CONFIGURE, "default": VIEW}

    def get_permissions(self):
        if self.action == "public":
            return [AllowAny()]
        return super().get_permissions()

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "now": timezone.now()}

    def get_queryset(self):
        return AppointmentSlot.objects.filter(station__in=reading_stations(self.request.user))

    def list(self, request, *args, **kwargs):
        user = request.user
        if not (user.has_permission(VIEW) or user.has_permission(ACCEPT)):
            raise Denied(VIEW)
        f = AppointmentSlotFilterSerializer(data=request.query_params)
        f.is_valid(raise_exception=True)
        d = f.validated_data
        today = timezone.localdate()
        start = d.get("date_from") or today
        end = d.get("date_to") or min(start, dt.date.max - dt.timedelta(days=31)) + dt.timedelta(days=30)
        qs = self.get_queryset().filter(station__is_active=True)
        if d.get("station"):
            station = reading_stations(user).filter(is_active=True, pk=d["station"]).first()
            if station is None:
                outside = ServiceStation.objects.filter(pk=d["station"]).first()
                if outside is None:
                    raise Http404
                raise OutOfScope(VIEW, outside)
            if end >= today and start <= today + dt.timedelta(days=sa.MAX_DAYS):
                sa.ensure_slots(station, today, PUBLIC_DAYS)  # what the public booking page opens anyway
            qs = qs.filter(station=station)
        qs = _with_taken(qs.filter(date__gte=start, date__lte=end).select_related("station"))
        qs = qs.order_by("date", "start", "station__name", "pk")
        if d.get("free"):
            now = timezone.localtime().replace(tzinfo=None)
            qs = [slot for slot in qs if slot.taken < slot.capacity
                  and dt.datetime.combine(slot.date, slot.end) > now]
        page = self.paginate_queryset(qs)
        data = AppointmentSlotSerializer(page if page is not None else qs, many=True,
                                         context=self.get_serializer_context()).data
        return self.get_paginated_response(data) if page is not None else Response(data)

    @action(detail=False, methods=["get"])
    def public(self, request):
        raw = request.query_params.get("station", "")
        if not raw.isdigit() or not 0 < int(raw) <= PK_MAX:
            raise serializers.ValidationError({"station": [_("Pick a station.")]})
        station = get_object_or_404(ServiceStation.objects.filter(is_active=True), pk=raw)
        slots = _public_slots(station)
        return Response(PublicStationSlotsSerializer({
            "station": station.pk, "station_name": station.name, "address": station.address,
            "opening_hours": station.opening_hours,
            "slots": [{"id": s.pk, "date": s.date, "start": s.start, "end": s.end, "free": s.free}
                      for s in slots]}).data)

    @action(detail=False, methods=["post"])
    def open(self, request):
        s = AppointmentSlotOpenSerializer(data=request.data, context=self.get_serializer_context())
        s.is_valid(raise_exception=True)
        d = s.validated_data
        start = d["start"] or timezone.localdate()
        created = sa.open_slots(actor=request.user, station=d["station"], start=start, days=d["days"],
                                capacity=d["capacity"])
        slots = _with_taken(AppointmentSlot.objects.filter(station=d["station"], date__gte=start)
                            .select_related("station")).order_by("date", "start")[:2 * sa.MAX_DAYS]
        data = AppointmentSlotsOpenedSerializer({"created": created, "slots": slots},
                                                context=self.get_serializer_context()).data
        return Response(data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


# --- appointments ------------------------------------------------------------------------------------------
@extend_schema_view(
    list=extend_schema(summary="Bookings of the caller's stations (today and later unless asked otherwise)",
                       parameters=APPOINTMENT_FILTERS),
    retrieve=extend_schema(summary="One booking", parameters=ID),
    create=extend_schema(
        summary="Book a place for a caller (a window)",
        description="A full slot, a slot that is over, or a second booking of the same person in the slot is "
                    "refused with 400 keyed by field (`slot`, `phone`). Honours `Idempotency-Key`.",
        request=AppointmentBookSerializer, responses={201: AppointmentSerializer}),
    cancel=extend_schema(summary="Cancel a booking", description=STEP_400, parameters=ID, request=None,
                         responses=AppointmentSerializer),
    attended=extend_schema(summary="The person came", description=STEP_400, parameters=ID,
                           request=AppointmentAttendedSerializer, responses=AppointmentSerializer),
    no_show=extend_schema(summary="The person did not come (on the slot's day or later)", description=STEP_400,
                          parameters=ID, request=None, responses=AppointmentSerializer),
)
class AppointmentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Bookings (预约) of the caller's territory."""

    model = Appointment
    serializer_class = AppointmentSerializer
    http_method_names = ["get", "post", "head", "options"]
    permission_map = {"list": VIEW, "retrieve": VIEW, "create": ACCEPT, "cancel": ACCEPT, "attended": ACCEPT,
                      "no_show": ACCEPT, "default": VIEW}
    STEPS = frozenset({"cancel", "attended", "no_show"})

    @property
    def scope_permission(self):
        # the steps reach the bookings of the window's territory; reading, those of the reader's
        return ACCEPT if getattr(self, "action", None) in self.STEPS else VIEW

    def base_queryset(self):
        return Appointment.objects.select_related("slot__station", "item").defer("phone")

    def get_serializer_context(self):
        context = {**super().get_serializer_context(), "now": timezone.now()}
        user = getattr(getattr(self, "request", None), "user", None)
        if user is None or not user.is_authenticated or not user.has_permission(ACCEPT):
            context["may_accept"] = frozenset()
        return context

    def _context_for(self, rows):
        context = self.get_serializer_context()
        if "may_accept" not in context:
            context["may_accept"] = frozenset(Appointment.objects.visible_to(self.request.user, ACCEPT).filter(
                pk__in=[r.pk for r in rows]).values_list("pk", flat=True))
        return context

    def get_queryset(self):
        qs = super().get_queryset()
        if self.action != "list":
            return qs
        f = AppointmentFilterSerializer(data=self.request.query_params)
        f.is_valid(raise_exception=True)
        d = f.validated_data
        if d.get("station"):
            qs = qs.filter(slot__station_id=d["station"])
        if d.get("date"):
            qs = qs.filter(slot__date=d["date"])
        elif d.get("date_from") or d.get("date_to"):
            if d.get("date_from"):
                qs = qs.filter(slot__date__gte=d["date_from"])
            if d.get("date_to"):
                qs = qs.filter(slot__date__lte=d["date_to"])
        else:
            qs = qs.filter(slot__date__gte=timezone.localdate())
        if d.get("state"):
            qs = qs.filter(state=d["state"])
        return qs.order_by("slot__date", "slot__start", "slot__station__name", "pk")

    def list(self, request, *args, **kwargs):
        qs = self.get_queryset()
        page = self.paginate_queryset(qs)
        rows = list(page if page is not None else qs)
        data = AppointmentSerializer(rows, many=True, context=self._context_for(rows)).data
        return self.get_paginated_response(data) if page is not None else Response(data)

    def _answer(self, appointment, code=status.HTTP_200_OK):
        appointment = self.base_queryset().get(pk=appointment.pk)
        return Response(AppointmentSerializer(appointment, context=self._context_for([appointment])).data,
                        status=code)

    def retrieve(self, request, *args, **kwargs):
        return self._answer(self.get_object())

    def create(self, request, *args, **kwargs):
        s = AppointmentBookSerializer(data=request.data, context=self.get_serializer_context())
        s.is_valid(raise_exception=True)
        d = s.validated_data
        appointment = sa.book(actor=request.user, slot=d["slot"], item=d["item"], name=d["name"],
                              phone=d["phone"], resident=d["resident"])
        return self._answer(appointment, status.HTTP_201_CREATED)

    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        return self._answer(sa.cancel(self.get_object(), actor=request.user))

    @action(detail=True, methods=["post"])
    def attended(self, request, pk=None):
        appointment = self.get_object()
        s = AppointmentAttendedSerializer(data=request.data, context=self.get_serializer_context())
        s.is_valid(raise_exception=True)
        return self._answer(sa.mark_attended(appointment, actor=request.user,
                                             application=s.validated_data["application"]))

    @action(detail=True, methods=["post"], url_path="no-show")
    def no_show(self, request, pk=None):
        return self._answer(sa.mark_no_show(self.get_object(), actor=request.user))


def register(router) -> None:
    router.register("servicedesk/appointment-slots", AppointmentSlotViewSet, basename="servicedesk-appointment-slot")
    router.register("servicedesk/appointments", AppointmentViewSet, basename="servicedesk-appointment")
