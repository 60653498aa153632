"""API of grid governance: disputes (scoped, phones masked) and patrols (start, route points, end).

Every POST honours ``Idempotency-Key`` (``ScopedViewSet``): a phone retrying a batch of points, a start or a
registration on a bad network gets the first answer back. Writes go through ``services_disputes`` and
``services_patrols``.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from sanshe.accounts.roles import Perm
from sanshe.api.viewsets import ScopedViewSet
from sanshe.territory.models import Node

from . import services_disputes as sd
from . import services_patrols as sp
from .models import Dispute, Event, Patrol
from .models.disputes import DisputeKind, PartyRole, RiskLevel, SessionResult, SettledLevel

VIEW, MANAGE = Perm.DISPUTES_VIEW, Perm.DISPUTES_MANAGE


def _user(field):
    request = field.context.get("request")
    return getattr(request, "user", None)


@extend_schema_field(OpenApiTypes.INT)
class ScopedNodeField(serializers.PrimaryKeyRelatedField):
    def get_queryset(self):
        return Node.objects.visible_to(_user(self), MANAGE).filter(is_active=True)


@extend_schema_field(OpenApiTypes.INT)
class ScopedEventField(serializers.PrimaryKeyRelatedField):
    def get_queryset(self):
        return Event.objects.visible_to(_user(self), Perm.EVENTS_VIEW)


@extend_schema_field(OpenApiTypes.INT)
class PatrolGridField(serializers.PrimaryKeyRelatedField):
    def get_queryset(self):
        return Node.objects.visible_to(_user(self), Perm.PATROL).filter(level="grid", is_active=True)


# --- disputes ------------------------------------------------------------------------------------------------
class PartySerializer(serializers.Serializer):
    role = serializers.ChoiceField(PartyRole.choices, default=PartyRole.APPLICANT)
    resident = serializers.IntegerField(required=False, allow_null=True, label=_("resident"))
    name = serializers.CharField(required=False, allow_blank=True, max_length=100)
    phone = serializers.CharField(required=False, allow_blank=True, max_length=30, write_only=True)
    phone_masked = serializers.CharField(read_only=True)
    note = serializers.CharField(required=False, allow_blank=True, max_length=255)


class SessionSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    held_on = serializers.DateField()
    mediator_name = serializers.CharField(max_length=100)
    participants = serializers.CharField(required=False, allow_blank=True)
    place = serializers.CharField(required=False, allow_blank=True, max_length=255)
    minutes = serializers.CharField()
    result = serializers.ChoiceField(SessionResult.choices, default=SessionResult.CONTINUE)


class DisputeSerializer(serializers.ModelSerializer):
    parties = PartySerializer(many=True, read_only=True)
    sessions = SessionSerializer(many=True, read_only=True)

    class Meta:
        model = Dispute
        fields = ["id", "number", "kind", "summary", "risk_level", "address", "district", "street", "community",
                  "grid", "event", "found_at", "accepted", "state", "level", "alerted_at", "alert_due_at",
                  "outcome", "settled_level", "settled_at", "session_count", "parties", "sessions", "updated_at"]
        read_only_fields = fields


class DisputeCreateSerializer(serializers.Serializer):
    node = ScopedNodeField(required=False, allow_null=True)
    event = ScopedEventField(required=False, allow_null=True)
    kind = serializers.ChoiceField(DisputeKind.choices)
    summary = serializers.CharField()
    risk_level = serializers.ChoiceField(RiskLevel.choices, default=RiskLevel.YELLOW)
    found_at = serializers.DateTimeField(required=False, allow_null=True)
    address = serializers.CharField(required=False, allow_blank=True, max_length=255)
    parties = PartySerializer(many=True)
    settle_now = serializers.BooleanField(default=False)
    outcome = serializers.CharField(required=False, allow_blank=True)


class DisputeStepSerializer(serializers.Serializer):
    action = serializers.ChoiceField([(a, a) for a in sd.MANUAL_ACTIONS])
    note = serializers.CharField(required=False, allow_blank=True)
    outcome = serializers.CharField(required=False, allow_blank=True)
    settled_level = serializers.ChoiceField(SettledLevel.choices, required=False, allow_blank=True)


@extend_schema_view(
    list=extend_schema(summary="Disputes in the caller's territory (phones masked)"),
    retrieve=extend_schema(summary="One dispute with its parties and mediation sessions"),
    create=extend_schema(summary="Register a dispute", request=DisputeCreateSerializer,
                         responses={201: DisputeSerializer}),
)
class DisputeViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Disputes (矛盾纠纷); ``POST …/{id}/step/`` applies a step of the workflow, ``…/{id}/sessions/`` records a
    mediation session."""

    model = Dispute
    serializer_class = DisputeSerializer
    scope_permission = VIEW
    http_method_names = ["get", "post", "head", "options"]
    permission_map = {"list": VIEW, "retrieve": VIEW, "create": MANAGE, "step": MANAGE, "sessions": MANAGE,
                      "default": MANAGE}

    def base_queryset(self):
        return Dispute.objects.prefetch_related("parties", "sessions").order_by("-found_at", "-id")

    def get_serializer_class(self):
        return {"create": DisputeCreateSerializer, "step": DisputeStepSerializer,
                "sessions": SessionSerializer}.get(getattr(self, "action", None), DisputeSerializer)

    def _input(self, serializer_class):
        serializer = serializer_class(data=self.request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)

    def _out(self, dispute, code=status.HTTP_200_OK):
        dispute = self.base_queryset().get(pk=dispute.pk)
        return Response(DisputeSerializer(dispute, context=self.get_serializer_context()).data, status=code)

    def create(self, request, *args, **kwargs):
        data = self._input(DisputeCreateSerializer)
        parties = [dict(p) for p in data.pop("parties")]
        key = request.headers.get("Idempotency-Key")
        dispute = sd.register_dispute(actor=request.user, parties=parties,
                                      submission_key=f"api:{request.user.pk}:{key}"[:80] if key else None, **data)
        return self._out(dispute, status.HTTP_201_CREATED)

    @extend_schema(summary="Apply a workflow step (resolve, fail, escalate, refer …)", request=DisputeStepSerializer,
                   responses=DisputeSerializer)
    @action(detail=True, methods=["post"])
    def step(self, request, pk=None):
        dispute = self.get_object()
        data = self._input(DisputeStepSerializer)
        return self._out(sd.transition_dispute(dispute, data.pop("action"), actor=request.user, **data))

    @extend_schema(summary="Record a mediation session", request=SessionSerializer, responses=DisputeSerializer)
    @action(detail=True, methods=["post"])
    def sessions(self, request, pk=None):
        dispute = self.get_object()
        data = self._input(SessionSerializer)
        sd.record_session(dispute, actor=request.user, **data)
        return self._out(dispute, status.HTTP_201_CREATED)


# --- patrols ---------------------------------------------------------------------------------------------------
class PatrolSerializer(serializers.ModelSerializer):
    worker_name = serializers.SerializerMethodField()

    class Meta:
        model = Patrol
        fields = ["id", "worker", "worker_name", "district", "street", "community", "grid", "started_at",
                  "ended_at", "distance_m", "point_count", "buildings_passed", "note"]
        read_only_fields = fields

    def get_worker_name(self, obj) -> str:
        return obj.worker.get_full_name()


class PatrolStartSerializer(serializers.Serializer):
    grid = PatrolGridField(required=False, allow_null=True)


class PointsSerializer(serializers.Serializer):
    points = serializers.ListField(child=serializers.DictField(), max_length=sp.MAX_POINTS_PER_BATCH)


class PatrolEndSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000)


@extend_schema_view(
    list=extend_schema(summary="Patrols in the caller's territory"),
    retrieve=extend_schema(summary="One patrol"),
    create=extend_schema(summary="Start a patrol (returns the running one if any)", request=PatrolStartSerializer,
                         responses={201: PatrolSerializer}),
)
class PatrolViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Patrols (巡查): start, post route points in batches, end."""

    model = Patrol
    serializer_class = PatrolSerializer
    scope_permission = Perm.EVENTS_VIEW
    http_method_names = ["get", "post", "head", "options"]
    permission_map = {"list": Perm.EVENTS_VIEW, "retrieve": Perm.EVENTS_VIEW, "create": Perm.PATROL,
                      "points": Perm.PATROL, "end": Perm.PATROL, "default": Perm.PATROL}

    def base_queryset(self):
        return Patrol.objects.select_related("worker").order_by("-started_at", "-id")

    def get_serializer_class(self):
        return {"create": PatrolStartSerializer, "points": PointsSerializer, "end": PatrolEndSerializer}.get(
            getattr(self, "action", None), PatrolSerializer)

    def _out(self, patrol, code=status.HTTP_200_OK):
        patrol = self.base_queryset().get(pk=patrol.pk)
        return Response(PatrolSerializer(patrol, context=self.get_serializer_context()).data, status=code)

    def create(self, request, *args, **kwargs):
        serializer = PatrolStartSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        return self._out(sp.start_patrol(actor=request.user, grid=serializer.validated_data.get("grid")),
                         status.HTTP_201_CREATED)

    @extend_schema(summary="Post a batch of route points", request=PointsSerializer, responses=PatrolSerializer)
    @action(detail=True, methods=["post"])
    def points(self, request, pk=None):
        patrol = self.get_object()
        serializer = PointsSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        sp.add_points(patrol, actor=request.user, points=serializer.validated_data["points"])
        return self._out(patrol)

    @extend_schema(summary="End the patrol", request=PatrolEndSerializer, responses=PatrolSerializer)
    @action(detail=True, methods=["post"])
    def end(self, request, pk=None):
        patrol = self.get_object()
        serializer = PatrolEndSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        return self._out(sp.end_patrol(patrol, actor=request.user, note=serializer.validated_data.get("note", "")))


def register(router):
    router.register("gridops/disputes", DisputeViewSet, basename="gridops-dispute")
    router.register("gridops/patrols", PatrolViewSet, basename="gridops-patrol")
