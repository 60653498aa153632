"""Applications API (``/api/v1/servicedesk/applications/…``): list and retrieve (scoped), accept (一窗受理; JSON,
or multipart with one ``attachments`` part per scan), the department's queue, and workflow steps.

Scoped through ``visible_to``: the territory's staff see their territory's applications; a department's staff
reach the applications routed to their department (``retrieve``, ``transition``, ``queue``). Applicants' ID
numbers and phones appear masked only. Accepting honours ``Idempotency-Key`` (a retried request gets the first
answer back) and maps it to the application's ``submission_key`` (a retry, even under another header, finds the
application the first one created). Refused steps are 400 with the reason keyed by field.
"""

from __future__ import annotations

import hashlib

from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field, extend_schema_view
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from sanshe.accounts.roles import Perm
from sanshe.api.idempotency import HEADER
from sanshe.api.serializers import ModelSerializer
from sanshe.api.viewsets import ScopedViewSet
from sanshe.core.exceptions import Denied, OutOfScope
from sanshe.gridops.api_events import scoped_pk
from sanshe.territory.models import Resident

from . import services
from .choices import OPEN_STATES, Action, Rating
from .models import Application, ApplicationMaterial, ApplicationStep, ServiceItem, ServiceStation
from .views_applications import Clock

VIEW, ACCEPT, HANDLE = Perm.SERVICES_VIEW, Perm.SERVICES_ACCEPT, Perm.SERVICES_HANDLE


def _user(field):
    request = field.context.get("request")
    return getattr(request, "user", None)


# --- serializers -------------------------------------------------------------------------------------------
class ApplicationSerializer(ModelSerializer):
    """An application as lists show it; the applicant's ID number and phone masked."""

    item_name = serializers.CharField(source="item.name", read_only=True)
    department_name = serializers.CharField(source="department.name", read_only=True)
    station_name = serializers.CharField(source="station.name", read_only=True)
    state_label = serializers.CharField(source="get_state_display", read_only=True)
    remaining_working_seconds = serializers.SerializerMethodField(
        help_text=_("Working time left before the deadline (negative: overdue); null once finished."))
    clock_stopped = serializers.SerializerMethodField()

    class Meta:
        model = Application
        fields = ["id", "number", "item", "item_name", "department", "department_name", "station", "station_name",
                  "window", "channel", "applicant_name", "applicant_id_masked", "applicant_phone_masked", "state",
                  "state_label", "received_at", "deadline", "paused_since", "paused_seconds", "started_at",
                  "finished_at", "on_time", "rating", "remaining_working_seconds", "clock_stopped"]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.INT)
    def get_remaining_working_seconds(self, app: Application):
        clock = self.context.get("clock")
        return clock.remaining(app) if clock is not None else services.remaining_working_seconds(app)

    @extend_schema_field(OpenApiTypes.BOOL)
    def get_clock_stopped(self, app: Application) -> bool:
        return app.paused_since is not None


class ApplicationMaterialSerializer(ModelSerializer):
    class Meta:
        model = ApplicationMaterial
        fields = ["id", "name", "required", "status", "note"]
        read_only_fields = fields


class ApplicationStepSerializer(ModelSerializer):
    class Meta:
        model = ApplicationStep
        fields = ["id", "action", "from_state", "to_state", "actor_name", "at", "note", "public", "data"]
        read_only_fields = fields


class ApplicationAttachmentInfoSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    content_type = serializers.CharField()
    size = serializers.IntegerField()


class ApplicationDetailSerializer(ApplicationSerializer):
    """One application with its checklist, scans (names only), history and the steps the caller may take."""

    materials = ApplicationMaterialSerializer(many=True, read_only=True)
    steps = ApplicationStepSerializer(many=True, read_only=True)
    attachments = ApplicationAttachmentInfoSerializer(many=True, read_only=True)
    allowed_actions = serializers.SerializerMethodField()

    class Meta(ApplicationSerializer.Meta):
        fields = [*ApplicationSerializer.Meta.fields, "description", "result_note", "rating_comment", "materials",
                  "attachments", "steps", "allowed_actions"]
        read_only_fields = fields

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_allowed_actions(self, app: Application):
        user = _user(self)
        return services.allowed_actions(app, user) if user is not None else []


class ApplicationAcceptSerializer(serializers.Serializer):
    """一窗受理: the item, the station (and window), the applicant (a resident of the register, or typed in), the
    checklist (ids of the item's materials missing or not needed; the rest are received), scans."""

    item = serializers.PrimaryKeyRelatedField(label=_("service item"),
                                              queryset=ServiceItem.objects.filter(is_active=True))
    station = scoped_pk(ServiceStation, ACCEPT, is_active=True)(label=_("station"))
    window = serializers.IntegerField(label=_("window"), required=False, allow_null=True, default=None, min_value=1)
    resident = scoped_pk(Resident, Perm.REGISTRY_VIEW)(label=_("resident"), required=False, allow_null=True,
                                                         default=None)
    applicant_name = serializers.CharField(label=_("applicant"), max_length=50, required=False, allow_blank=True,
                                           default="")
    applicant_id_number = serializers.CharField(label=_("applicant's ID number"), max_length=18, required=False,
                                                allow_blank=True, default="", write_only=True)
    applicant_phone = serializers.CharField(label=_("applicant's phone"), max_length=20, required=False,
                                            allow_blank=True, default="", write_only=True)
    description = serializers.CharField(label=_("what is asked"), max_length=2000, required=False, allow_blank=True,
                                        default="")
    missing = serializers.ListField(label=_("missing materials"), child=serializers.IntegerField(), required=False,
                                    default=list)
    not_needed = serializers.ListField(label=_("materials not needed"), child=serializers.IntegerField(),
                                       required=False, default=list)
    attachments = serializers.ListField(label=_("scans"), child=serializers.FileField(), required=False,
                                        default=list, max_length=20)
    submission_key = serializers.CharField(
        label=_("submission key"), max_length=60, required=False, allow_blank=True, default="",
        help_text=_("Chosen by the client for this submission: a retry with the same key returns the same "
                    "application."))


class ApplicationTransitionSerializer(serializers.Serializer):
    action = serializers.ChoiceField(label=_("action"), choices=[
        (a, label) for a, label in Action.choices if a != Action.ACCEPT])
    note = serializers.CharField(label=_("note"), max_length=2000, required=False, allow_blank=True, default="")
    result_note = serializers.CharField(label=_("result"), max_length=2000, required=False, allow_blank=True,
                                        default="")
    missing = serializers.ListField(label=_("missing materials"), child=serializers.CharField(max_length=200),
                                    required=False, default=list, max_length=50)
    rating = serializers.ChoiceField(label=_("rating"), choices=Rating.choices, required=False, allow_blank=True,
                                     default="")
    comment = serializers.CharField(label=_("comment"), max_length=500, required=False, allow_blank=True,
                                    default="")
    attachments = serializers.ListField(label=_("files"), child=serializers.FileField(), required=False,
                                        default=list, max_length=20)


ID = [OpenApiParameter("id", OpenApiTypes.INT, OpenApiParameter.PATH)]


# --- the viewset -------------------------------------------------------------------------------------------
@extend_schema_view(
    list=extend_schema(summary="Applications of the caller's territory, newest first"),
    retrieve=extend_schema(summary="One application with its checklist and history", parameters=ID,
                           responses=ApplicationDetailSerializer),
    create=extend_schema(
        summary="Accept an application at a window (一窗受理)",
        description="Honours `Idempotency-Key` and `submission_key`: a retried submission creates one "
                    "application. 201 for a new one, 200 when the key names one already stored.",
        request={"multipart/form-data": ApplicationAcceptSerializer, "application/json": ApplicationAcceptSerializer},
        responses={201: ApplicationDetailSerializer, 200: ApplicationDetailSerializer}),
    queue=extend_schema(summary="The caller's departments' applications, open first, nearest deadline first"),
    transition=extend_schema(
        summary="Take a workflow step (start, ask for materials, materials completed, complete, refuse, note)",
        description="A step that is not possible now is refused with 400 and the reason keyed by field "
                    "(`action`, `note`, `rating` …).",
        parameters=ID, request={"multipart/form-data": ApplicationTransitionSerializer,
                                "application/json": ApplicationTransitionSerializer},
        responses=ApplicationDetailSerializer),
)
class ApplicationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Applications (办件) the caller may see: his territory's, or his department's."""

    model = Application
    serializer_class = ApplicationSerializer
    scope_permission = VIEW
    http_method_names = ["get", "post", "head", "options"]
    # retrieve / transition decide by the application (territory or department): see get_object
    permission_map = {"list": VIEW, "retrieve": "authenticated", "create": ACCEPT, "transition": "authenticated",
                      "queue": HANDLE, "default": VIEW}

    def base_queryset(self):
        # Masked responses only: the encrypted fields are not fetched.
        return Application.objects.select_related("item", "department", "station").defer(
            "applicant_id_number", "applicant_phone")

    def get_queryset(self):
        qs = super().get_queryset()
        if self.action == "list":
            state = self.request.query_params.get("state", "")
            if state == "open":
                qs = qs.filter(state__in=list(OPEN_STATES))
            elif state:
                qs = qs.filter(state=state)
        return qs.order_by("-received_at", "-pk")

    def get_object(self):
        user = self.request.user
        pk = self.kwargs.get("pk")
        obj = self.base_queryset().visible_to(user, VIEW).filter(pk=pk).first()
        if obj is not None:
            return obj
        if not user.has_permission(VIEW):
            raise Denied(VIEW)
        outside = Application.objects.filter(pk=pk).first()
        if outside is None:
            raise Http404
        raise OutOfScope(VIEW, outside)

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "clock": Clock(timezone.now())}  # one calendar per district

    def _detail(self, pk, code=status.HTTP_200_OK):
        app = (Application.objects.select_related("item", "department", "station")
               .defer("applicant_id_number", "applicant_phone")
               .prefetch_related("materials", "steps", "attachments").get(pk=pk))
        return Response(ApplicationDetailSerializer(app, context=self.get_serializer_context()).data, status=code)

    def retrieve(self, request, *args, **kwargs):
        return self._detail(self.get_object().pk)

    def create(self, request, *args, **kwargs):
        serializer = ApplicationAcceptSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        d = serializer.validated_data
        key = (d["submission_key"] or "").strip()
        header = request.headers.get(HEADER, "").strip()
        if key:
            key = f"u{request.user.pk}:{key}"[:80]  # one clerk's keys never collide with another's
        elif header:
            key = "idem:" + hashlib.sha256(f"{request.user.pk}:{header}".encode()).hexdigest()[:40]
        if key:
            existing = Application.objects.filter(submission_key=key).first()
            if existing is not None:
                return self._detail(existing.pk, status.HTTP_200_OK)
        applicant = services.Applicant(name=d["applicant_name"], id_number=d["applicant_id_number"],
                                       phone=d["applicant_phone"], resident=d["resident"])
        app = services.accept_application(
            actor=request.user, item=d["item"], station=d["station"], applicant=applicant,
            description=d["description"], window=d["window"], missing=d["missing"], not_needed=d["not_needed"],
            attachments=d["attachments"], submission_key=key or None)
        return self._detail(app.pk, status.HTTP_201_CREATED)

    @action(detail=False, methods=["get"])
    def queue(self, request):
        units = list(request.user.unit_memberships.values_list("unit_id", flat=True))
        qs = self.base_queryset().filter(department_id__in=units)
        if request.query_params.get("state") != "all":
            qs = qs.filter(state__in=list(OPEN_STATES))
        qs = qs.order_by("deadline", "received_at")
        page = self.paginate_queryset(qs)
        data = ApplicationSerializer(page if page is not None else qs, many=True,
                                     context=self.get_serializer_context()).data
        return self.get_paginated_response(data) if page is not None else Response(data)

    @action(detail=True, methods=["post"])
    def transition(self, request, pk=None):
        app = self.get_object()
        serializer = ApplicationTransitionSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        d = serializer.validated_data
        app = services.transition(app, d["action"], actor=request.user, note=d["note"], result_note=d["result_note"],
                                  missing=d["missing"], rating=d["rating"], comment=d["comment"],
                                  attachments=d["attachments"])
        return self._detail(app.pk)



def register(router) -> None:
    router.register("servicedesk/applications", ApplicationViewSet, basename="servicedesk-application")
