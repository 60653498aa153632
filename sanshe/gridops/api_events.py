"""Events API (``/api/v1/gridops/…``): events (list with filters and a keyset cursor, detail, report with photos,
workflow steps), the catalogue (read; write for district admins) and handling units (read).

Scoped through ``visible_to``; the reporter's phone appears masked only. Reports honour both the
``Idempotency-Key`` header (a retried request gets the first answer back) and ``submission_key`` (a retried
submission, even under another header, finds the event the first one created); without a ``submission_key``,
one is derived from the header so that the event row itself is unique per retried submission. Workflow steps
go through :func:`sanshe.gridops.services.transition`: a refused step is a 400 with field errors.
"""

from __future__ import annotations

import hashlib

from django.db.models import Prefetch
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field, extend_schema_view
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.pagination import CursorPagination
from rest_framework.response import Response

from sanshe.accounts.roles import Perm
from sanshe.api.idempotency import HEADER
from sanshe.api.serializers import ModelSerializer
from sanshe.api.viewsets import ScopedViewSet
from sanshe.core.exceptions import OutOfScope
from sanshe.territory.models import Household, Node

from . import services, services_config
from .choices import CLOCK_STATES, Action, Light, LimitUnit, Rating, Source
from .filters_api import EventFilter
from .models import Event, EventCategory, EventPhoto, EventStep, HandlingUnit

VIEW, REPORT, CONFIGURE = Perm.EVENTS_VIEW, Perm.EVENTS_REPORT, Perm.EVENTS_CONFIGURE
ANCESTORS = ["district", "street", "community", "grid"]
REPORT_SOURCES = [(s, label) for s, label in Source.choices if s != Source.OPEN311]


def _user(field):
    request = field.context.get("request")
    return getattr(request, "user", None)


class EventCursorPagination(CursorPagination):
    """Keyset pagination, newest first: ``?cursor=`` from ``next`` / ``previous``; ``page_size`` up to 200. Each
    page is one indexed range read (no COUNT, no OFFSET), whatever the depth."""

    ordering = ("-reported_at", "-id")
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


def light_of(event: Event, now=None) -> str:
    now = now or timezone.now()
    if event.state not in CLOCK_STATES or event.deadline is None:
        return Light.NONE
    if now > event.deadline:
        return Light.RED
    if event.yellow_at and now >= event.yellow_at:
        return Light.YELLOW
    return Light.GREEN


# --- serializers -------------------------------------------------------------------------------------------
class EventSerializer(ModelSerializer):
    """An event as lists show it; the reporter's phone masked."""

    category_name = serializers.CharField(source="category.name", read_only=True)
    handling_unit_name = serializers.CharField(source="handling_unit.name", read_only=True, default=None)
    state_label = serializers.CharField(source="get_state_display", read_only=True)
    light = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField(help_text=_("The event's page."))

    class Meta:
        model = Event
        fields = ["id", "number", "title", "category", "category_name", "major_category", "source", "urgent", "state",
                  "state_label", "light", *ANCESTORS, "latitude", "longitude", "address", "reporter_name",
                  "reporter_phone_masked", "handling_unit", "handling_unit_name", "reported_at", "accepted_at",
                  "filed_at", "dispatched_at", "deadline", "fed_back_at", "verified_at", "closed_at",
                  "handled_on_time", "closed_on_time", "rework_count", "extension_count", "escalation",
                  "supervised", "rating", "rated_at", "merged_into", "public_note", "url", "updated_at"]
        read_only_fields = fields

    @extend_schema_field(serializers.ChoiceField(choices=Light.choices))
    def get_light(self, event: Event) -> str:
        return light_of(event, self.context.get("now"))

    def get_url(self, event: Event) -> str:
        return services.event_url(event)


class PhotoSerializer(ModelSerializer):
    class Meta:
        model = EventPhoto
        fields = ["id", "step", "content_type", "size", "sha256", "uploaded_at"]
        read_only_fields = fields


class StepSerializer(ModelSerializer):
    unit_name = serializers.CharField(source="unit.name", read_only=True, default=None)
    photos = PhotoSerializer(many=True, read_only=True)

    class Meta:
        model = EventStep
        fields = ["id", "action", "from_state", "to_state", "actor_name", "unit", "unit_name", "at", "note",
                  "public", "data", "photos"]
        read_only_fields = fields


class EventDetailSerializer(EventSerializer):
    """One event with its description, whole history (steps with their photos) and the actions the caller may
    take now."""

    steps = StepSerializer(many=True, read_only=True)
    allowed_actions = serializers.SerializerMethodField()
    duplicates = serializers.SerializerMethodField(help_text=_("Likely duplicates found at report time (并单)."))

    class Meta(EventSerializer.Meta):
        fields = [*EventSerializer.Meta.fields, "description", "household", "steps", "allowed_actions",
                  "duplicates"]
        read_only_fields = fields

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_allowed_actions(self, event: Event):
        user = _user(self)
        return services.allowed_actions(event, user) if user is not None else []

    @extend_schema_field(serializers.ListField(child=serializers.DictField()))
    def get_duplicates(self, event: Event):
        return [{"id": d.pk, "number": d.number, "title": d.title, "distance_m": getattr(d, "distance_m", None)}
                for d in self.context.get("duplicates", [])]


def scoped_pk(model, permission, queryset_fn=None, **filters):
    """A primary-key field over what the caller reaches (``visible_to``, or ``queryset_fn(user)``)."""

    @extend_schema_field(OpenApiTypes.INT)
    class Field(serializers.PrimaryKeyRelatedField):
        def get_queryset(self):
            user = _user(self)
            qs = queryset_fn(user) if queryset_fn else model.objects.visible_to(user, permission)
            return qs.filter(**filters)

    Field.__name__ = f"Scoped{model.__name__}Field"
    return Field


class EventCreateSerializer(serializers.Serializer):
    """上报 (JSON, or multipart with one ``photos`` part per photo)."""

    category = serializers.PrimaryKeyRelatedField(
        label=_("sub-category"), queryset=EventCategory.objects.filter(parent__isnull=False, is_active=True))
    description = serializers.CharField(label=_("description"), max_length=4000)
    title = serializers.CharField(label=_("title"), max_length=100, required=False, allow_blank=True, default="")
    node = scoped_pk(Node, REPORT, is_active=True)(
        label=_("where"), help_text=_("The grid (or a compound or building in it) where it happened."))
    latitude = serializers.DecimalField(label=_("latitude"), max_digits=9, decimal_places=6, required=False,
                                        allow_null=True, default=None, min_value=-90, max_value=90)
    longitude = serializers.DecimalField(label=_("longitude"), max_digits=9, decimal_places=6, required=False,
                                         allow_null=True, default=None, min_value=-180, max_value=180)
    address = serializers.CharField(label=_("address"), max_length=255, required=False, allow_blank=True, default="")
    urgent = serializers.BooleanField(label=_("urgent"), required=False, default=False)
    source = serializers.ChoiceField(label=_("source"), choices=REPORT_SOURCES, required=False)
    reporter_name = serializers.CharField(label=_("reporter's name"), max_length=50, required=False,
                                          allow_blank=True, default="")
    reporter_phone = serializers.CharField(label=_("reporter's phone"), max_length=40, required=False,
                                           allow_blank=True, default="", write_only=True)
    household = scoped_pk(Household, Perm.REGISTRY_VIEW)(label=_("household concerned"), required=False,
                                                         allow_null=True, default=None)
    photos = serializers.ListField(label=_("photos"), child=serializers.FileField(), required=False, default=list,
                                   max_length=services.MAX_PHOTOS)
    submission_key = serializers.CharField(
        label=_("submission key"), max_length=80, required=False, allow_blank=True, default="",
        help_text=_("Chosen by the phone for this submission: a retry with the same key returns the same event."))


class TransitionSerializer(serializers.Serializer):
    action = serializers.ChoiceField(label=_("action"), choices=[
        (a, label) for a, label in Action.choices if a not in (Action.REPORT, Action.ESCALATE)])
    note = serializers.CharField(label=_("note"), max_length=4000, required=False, allow_blank=True, default="")
    unit = scoped_pk(HandlingUnit, VIEW, services_config.readable_units, is_active=True)(
        label=_("handling unit"), required=False, allow_null=True, default=None,
        help_text=_("For dispatch and re-dispatch; dispatch without one takes the responsibility table's unit."))
    rating = serializers.ChoiceField(label=_("rating"), choices=Rating.choices, required=False, allow_blank=True,
                                     default="")
    master = scoped_pk(Event, VIEW)(label=_("merge into"), required=False, allow_null=True, default=None)
    extra = serializers.IntegerField(label=_("extra time"), required=False, allow_null=True, default=None,
                                     min_value=1, max_value=365)
    extra_unit = serializers.ChoiceField(label=_("unit of the extra time"), choices=[
        (LimitUnit.WORKING_DAYS, LimitUnit.WORKING_DAYS.label), (LimitUnit.WORKING_HOURS, LimitUnit.WORKING_HOURS.label),
        (LimitUnit.NATURAL_DAYS, LimitUnit.NATURAL_DAYS.label)], required=False, default=LimitUnit.WORKING_DAYS)
    public_note = serializers.CharField(label=_("note shown to the reporter"), max_length=255, required=False,
                                        allow_blank=True, default="")
    photos = serializers.ListField(label=_("photos"), child=serializers.FileField(), required=False, default=list,
                                   max_length=services.MAX_PHOTOS)


class CategorySerializer(serializers.ModelSerializer):
    class Meta:
        model = EventCategory
        fields = ["id", "parent", "code", "name", "description", "filing_condition", "closing_condition",
                  "time_limit", "time_limit_unit", "default_unit", "is_dispute", "public", "attributes", "keywords",
                  "is_active", "sort_order"]
        read_only_fields = fields


class AttributeValueSerializer(serializers.Serializer):
    key = serializers.CharField(max_length=60)
    name = serializers.CharField(max_length=100)


class AttributeSerializer(serializers.Serializer):
    code = serializers.CharField(max_length=40)
    datatype = serializers.ChoiceField(choices=services_config.DATATYPES, default="string")
    required = serializers.BooleanField(default=False)
    variable = serializers.BooleanField(default=True)
    order = serializers.IntegerField(min_value=1, required=False)
    description = serializers.CharField(max_length=255)
    datatype_description = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")
    values = AttributeValueSerializer(many=True, required=False, default=list)


class CategoryWriteSerializer(serializers.Serializer):
    code = serializers.CharField(label=_("code"), max_length=20)
    parent = serializers.PrimaryKeyRelatedField(label=_("major category"), required=False, allow_null=True,
                                                default=None,
                                                queryset=EventCategory.objects.filter(parent__isnull=True))
    name = serializers.CharField(label=_("name"), max_length=60)
    description = serializers.CharField(label=_("description"), required=False, allow_blank=True)
    filing_condition = serializers.CharField(label=_("filing condition"), required=False, allow_blank=True)
    closing_condition = serializers.CharField(label=_("closing condition"), required=False, allow_blank=True)
    time_limit = serializers.IntegerField(label=_("time limit"), required=False, allow_null=True, min_value=1)
    time_limit_unit = serializers.ChoiceField(label=_("time limit unit"), choices=LimitUnit.choices, required=False)
    default_unit = scoped_pk(HandlingUnit, CONFIGURE)(label=_("default handling unit"), required=False,
                                                      allow_null=True)
    is_dispute = serializers.BooleanField(label=_("dispute"), required=False)
    public = serializers.BooleanField(label=_("residents may report it"), required=False)
    attributes = AttributeSerializer(label=_("Open311 attributes"), many=True, required=False)
    keywords = serializers.CharField(label=_("keywords"), max_length=255, required=False, allow_blank=True)
    is_active = serializers.BooleanField(label=_("active"), required=False)
    sort_order = serializers.IntegerField(label=_("order"), required=False, min_value=0, max_value=32767)


class CategoryUpdateSerializer(CategoryWriteSerializer):
    code = None
    parent = None
    name = serializers.CharField(label=_("name"), max_length=60, required=False)


class HandlingUnitSerializer(serializers.ModelSerializer):
    class Meta:
        model = HandlingUnit
        fields = ["id", "name", "kind", "node", "district", "street", "community", "phone", "is_active"]
        read_only_fields = fields


ID = [OpenApiParameter("id", OpenApiTypes.INT, OpenApiParameter.PATH)]


# --- viewsets ----------------------------------------------------------------------------------------------
@extend_schema_view(
    list=extend_schema(summary="Events in the caller's territory (keyset cursor, newest first)"),
    retrieve=extend_schema(summary="One event with its history", parameters=ID, responses=EventDetailSerializer),
    create=extend_schema(
        summary="Report an event (上报), with photos as multipart parts",
        description="Honours `Idempotency-Key` and `submission_key`: a retried submission creates one event. "
                    "201 for a new event, 200 when the submission key names one already stored.",
        request={"multipart/form-data": EventCreateSerializer, "application/json": EventCreateSerializer},
        responses={201: EventDetailSerializer, 200: EventDetailSerializer}),
    transition=extend_schema(
        summary="Take a workflow step (accept, file, dispatch, feed back, verify, close, rate …)",
        description="A step that is not possible now is refused with 400 and the reason keyed by field "
                    "(`action`, `note`, `unit`, `rating` …).",
        parameters=ID, request={"multipart/form-data": TransitionSerializer,
                                "application/json": TransitionSerializer},
        responses=EventDetailSerializer),
)
class EventViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Events (事件) the caller may see: his territory's, his handling unit's, his own reports."""

    model = Event
    serializer_class = EventSerializer
    scope_permission = VIEW
    filterset_class = EventFilter
    pagination_class = EventCursorPagination
    http_method_names = ["get", "post", "head", "options"]
    permission_map = {"list": VIEW, "retrieve": VIEW, "create": REPORT, "transition": VIEW, "default": VIEW}

    def base_queryset(self):
        # Masked responses only: the encrypted phone is not fetched.
        return Event.objects.select_related("category", "handling_unit").defer("reporter_phone")

    def get_queryset(self):
        qs = super().get_queryset()
        if getattr(self, "swagger_fake_view", False):
            return qs
        if self.request.user.has_permission(Perm.EVENTS_HANDLE):
            qs = qs.distinct()  # the unit's staff reach events through their steps too: one row per event
        return qs

    def get_serializer_class(self):
        return EventDetailSerializer if self.action in ("retrieve", "create", "transition") else EventSerializer

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "now": timezone.now()}

    def _detail(self, pk, code=status.HTTP_200_OK, **context):
        event = (Event.objects.select_related("category", "handling_unit").defer("reporter_phone")
                 .prefetch_related(Prefetch("steps", queryset=EventStep.objects.select_related("unit")
                                            .prefetch_related("photos")))
                 .get(pk=pk))
        ctx = {**self.get_serializer_context(), **context}
        return Response(EventDetailSerializer(event, context=ctx).data, status=code)

    def retrieve(self, request, *args, **kwargs):
        return self._detail(self.get_object().pk)

    def _default_source(self, user) -> str:
        if user.has_permission(Perm.PATROL):
            return Source.GRID
        if user.has_permission(Perm.EVENTS_DISPATCH):
            return Source.DESK
        if user.has_permission(VIEW):
            return Source.GRID
        return Source.RESIDENT

    def create(self, request, *args, **kwargs):
        serializer = EventCreateSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        key = (data.pop("submission_key") or "").strip()
        header = request.headers.get(HEADER, "").strip()
        if not key and header:
            digest = hashlib.sha256(f"{request.user.pk}:{header}".encode()).hexdigest()[:40]
            key = f"idem:{digest}"
        if key and not key.startswith("idem:"):
            key = f"u{request.user.pk}:{key}"[:80]  # one reporter's keys never collide with another's
        result = services.report_event(
            actor=request.user, submission_key=key or None, source=data.pop("source", None) or self._default_source(
                request.user), **data)
        if not result.created:  # a retry: the event as it is now
            return self._detail(result.event.pk, status.HTTP_200_OK, duplicates=result.duplicates)
        ctx = {**self.get_serializer_context(), "duplicates": result.duplicates}
        return Response(EventDetailSerializer(result.event, context=ctx).data, status=status.HTTP_201_CREATED)

    @action(detail=True, methods=["post"])
    def transition(self, request, pk=None):
        event = self.get_object()
        serializer = TransitionSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        d = serializer.validated_data
        event = services.transition(event, d["action"], actor=request.user, note=d["note"], unit=d["unit"],
                                    photos=d["photos"], rating=d["rating"], master=d["master"], extra=d["extra"],
                                    extra_unit=d["extra_unit"], public_note=d["public_note"])
        return self._detail(event.pk)


@extend_schema_view(
    list=extend_schema(summary="The event catalogue (大类 and 小类)"),
    retrieve=extend_schema(summary="One category", parameters=ID),
    create=extend_schema(summary="Add a category (district admins)", request=CategoryWriteSerializer,
                         responses={201: CategorySerializer}),
    partial_update=extend_schema(summary="Change a category (district admins)", parameters=ID,
                                 request=CategoryUpdateSerializer, responses=CategorySerializer),
)
class CategoryViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """The catalogue: configuration, not territory data (the same for every reader)."""

    model = EventCategory
    serializer_class = CategorySerializer
    pagination_class = None
    http_method_names = ["get", "post", "patch", "head", "options"]
    permission_map = {"list": VIEW, "retrieve": VIEW, "create": CONFIGURE, "partial_update": CONFIGURE,
                      "default": CONFIGURE}

    def get_queryset(self):  # configuration: not scoped
        qs = EventCategory.objects.order_by("sort_order", "code")
        if self.request.query_params.get("active") == "1":
            qs = qs.filter(is_active=True)
        return qs

    def get_object(self):
        obj = EventCategory.objects.filter(pk=self.kwargs["pk"]).first()
        if obj is None:
            raise Http404
        return obj

    def _input(self, serializer_class, partial=False):
        serializer = serializer_class(data=self.request.data, partial=partial, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)

    def create(self, request, *args, **kwargs):
        data = self._input(CategoryWriteSerializer)
        category = services_config.create_category(actor=request.user, **data)
        return Response(CategorySerializer(category).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        category = self.get_object()
        data = self._input(CategoryUpdateSerializer, partial=True)
        category = services_config.update_category(category, actor=request.user, **data)
        return Response(CategorySerializer(category).data)


@extend_schema_view(
    list=extend_schema(summary="Handling units of the caller's districts"),
    retrieve=extend_schema(summary="One handling unit", parameters=ID),
)
class HandlingUnitViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Handling units (read only; configured on the pages): every unit of the districts the caller works in."""

    model = HandlingUnit
    serializer_class = HandlingUnitSerializer
    permission_map = {"list": VIEW, "retrieve": VIEW, "default": VIEW}

    def get_queryset(self):
        return services_config.readable_units(self.request.user).order_by("kind", "name", "id")

    def get_object(self):
        pk = self.kwargs["pk"]
        obj = self.get_queryset().filter(pk=pk).first()
        if obj is None:
            outside = HandlingUnit.objects.filter(pk=pk).first()
            if outside is None:
                raise Http404
            raise OutOfScope(VIEW, outside)
        return obj


def register(router):
    """Register the events, catalogue and handling-unit viewsets."""
    router.register("gridops/events", EventViewSet, basename="gridops-event")
    router.register("gridops/categories", CategoryViewSet, basename="gridops-category")
    router.register("gridops/units", HandlingUnitViewSet, basename="gridops-unit")
