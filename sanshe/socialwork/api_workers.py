"""Social workers API (``/api/v1/socialwork/…``): the roster, certificates, trainings (read and the main writes),
the subsidy table, and the subsidy roll (computed for a month and territory, or the confirmed ones).

Reads are scoped through ``visible_to``; writes go through :mod:`sanshe.socialwork.services_workers` and honour
``Idempotency-Key`` (ScopedViewSet). Refusals are 400 with the reason keyed by field.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from sanshe.accounts.roles import Perm
from sanshe.api.serializers import ModelSerializer
from sanshe.api.viewsets import ScopedViewSet
from sanshe.gridops.api_events import scoped_pk
from sanshe.societies.models import Organization
from sanshe.territory.models import Node

from . import services_workers as sw
from .choices_workers import CertificateLevel, TrainingKind
from .models import SocialWorker
from .models_workers import SubsidyPayment, SubsidyRate, SubsidyRoll, Training, WorkerCertificate

VIEW, MANAGE, SUBSIDY = Perm.SOCIALWORK_VIEW, Perm.SOCIALWORK_MANAGE, Perm.SOCIALWORK_SUBSIDY


def _places(permission):
    return lambda user: sw.places(user, permission)


def _employers(user):
    return Organization.objects.filter(district_id__in=sw.places(user, MANAGE).values("district_id"))


class WorkerCertificateSerializer(ModelSerializer):
    level_label = serializers.CharField(source="get_level_display", read_only=True)
    worker_name = serializers.CharField(source="worker.name", read_only=True)
    valid_today = serializers.BooleanField(source="is_valid_today", read_only=True)

    class Meta:
        model = WorkerCertificate
        fields = ["id", "worker", "worker_name", "level", "level_label", "number", "issued_on", "registered_on",
                  "valid_until", "revoked_on", "revoke_reason", "valid_today"]
        read_only_fields = fields


class WorkerPostSerializer(ModelSerializer):
    employer_name = serializers.CharField(source="employer.name", read_only=True, default=None)

    class Meta:
        from .models_workers import WorkerPost

        model = WorkerPost
        fields = ["id", "employer", "employer_name", "title", "started_on", "ended_on"]
        read_only_fields = fields


class SocialWorkerSerializer(ModelSerializer):
    employer_name = serializers.CharField(source="employer.name", read_only=True, default=None)
    username = serializers.CharField(source="user.username", read_only=True, default=None)

    class Meta:
        model = SocialWorker
        fields = ["id", "name", "district", "street", "community", "employer", "employer_name", "post", "is_active",
                  "username", "resident"]
        read_only_fields = fields


class SocialWorkerDetailSerializer(SocialWorkerSerializer):
    certificates = WorkerCertificateSerializer(many=True, read_only=True)
    posts = WorkerPostSerializer(many=True, read_only=True)

    class Meta(SocialWorkerSerializer.Meta):
        fields = [*SocialWorkerSerializer.Meta.fields, "certificates", "posts"]
        read_only_fields = fields


class SocialWorkerCreateSerializer(serializers.Serializer):
    name = serializers.CharField(label=_("name"), max_length=50)
    node = scoped_pk(Node, MANAGE, _places(MANAGE))(label=_("works in"))
    employer = scoped_pk(Organization, MANAGE, _employers)(label=_("employer"), required=False, allow_null=True,
                                                           default=None)
    post = serializers.CharField(label=_("post title"), max_length=50, required=False, allow_blank=True,
                                 default="")
    started_on = serializers.DateField(label=_("in post from"), required=False, allow_null=True, default=None)


class WorkerCertificateCreateSerializer(serializers.Serializer):
    worker = scoped_pk(SocialWorker, MANAGE)(label=_("social worker"))
    level = serializers.ChoiceField(label=_("certificate level"), choices=CertificateLevel.choices)
    number = serializers.CharField(label=_("certificate number"), max_length=40)
    issued_on = serializers.DateField(label=_("issued on"))
    registered_on = serializers.DateField(label=_("registered on"), required=False, allow_null=True, default=None)
    valid_until = serializers.DateField(label=_("valid until"), required=False, allow_null=True, default=None)


class WorkerCertificateRevokeSerializer(serializers.Serializer):
    revoked_on = serializers.DateField(label=_("revoked from"), required=False, allow_null=True, default=None)
    reason = serializers.CharField(label=_("reason"), max_length=200)


class WorkerTrainingSerializer(ModelSerializer):
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)

    class Meta:
        model = Training
        fields = ["id", "title", "kind", "kind_label", "held_on", "hours", "place", "organizer", "district",
                  "street", "community", "attendees"]
        read_only_fields = fields


class WorkerTrainingCreateSerializer(serializers.Serializer):
    title = serializers.CharField(label=_("title"), max_length=200)
    kind = serializers.ChoiceField(label=_("kind"), choices=TrainingKind.choices)
    node = scoped_pk(Node, MANAGE, _places(MANAGE))(label=_("organized by (territory)"))
    held_on = serializers.DateField(label=_("date"))
    hours = serializers.DecimalField(label=_("hours"), max_digits=5, decimal_places=1)
    place = serializers.CharField(label=_("place"), max_length=200, required=False, allow_blank=True, default="")
    organizer = serializers.CharField(label=_("organizer"), max_length=100, required=False, allow_blank=True,
                                      default="")
    attendees = serializers.ListField(label=_("attendees"), child=serializers.IntegerField(), required=False,
                                      default=list, max_length=500)


class SubsidyRateSerializer(ModelSerializer):
    level_label = serializers.CharField(source="get_level_display", read_only=True)
    region_name = serializers.CharField(source="region.name", read_only=True)

    class Meta:
        model = SubsidyRate
        fields = ["id", "region", "region_name", "level", "level_label", "effective_from", "amount", "note"]
        read_only_fields = fields


class SubsidyRateCreateSerializer(serializers.Serializer):
    region = scoped_pk(Node, SUBSIDY, _places(SUBSIDY))(label=_("region"))
    level = serializers.ChoiceField(label=_("certificate level"), choices=CertificateLevel.choices)
    effective_from = serializers.DateField(label=_("effective from"))
    amount = serializers.DecimalField(label=_("yuan per month"), max_digits=8, decimal_places=2, min_value=0,
                                      max_value=100000)
    note = serializers.CharField(label=_("note"), max_length=200, required=False, allow_blank=True, default="")


class SubsidyPaymentSerializer(ModelSerializer):
    class Meta:
        model = SubsidyPayment
        fields = ["worker", "worker_name", "certificate_number", "level", "region_name", "amount"]
        read_only_fields = fields


class SubsidyRollSerializer(ModelSerializer):
    payments = SubsidyPaymentSerializer(many=True, read_only=True)

    class Meta:
        model = SubsidyRoll
        fields = ["id", "node", "month", "headcount", "total", "confirmed_at", "payments"]
        read_only_fields = fields


class SubsidyRollQuerySerializer(serializers.Serializer):
    node = scoped_pk(Node, SUBSIDY, _places(SUBSIDY))(label=_("territory"))
    month = serializers.RegexField(r"^\d{4}-\d{2}$", label=_("month"), help_text="YYYY-MM")

    def validate_month(self, value):
        import datetime as dt

        year, month = (int(x) for x in value.split("-"))
        if not (2000 <= year <= 2100 and 1 <= month <= 12):
            raise serializers.ValidationError(_("Give a month as YYYY-MM."))
        return dt.date(year, month, 1)


def roll_json(roll: sw.Roll) -> dict:
    return {
        "node": roll.node.pk, "node_name": roll.node.name, "month": f"{roll.month:%Y-%m}",
        "confirmed": roll.confirmed.pk if roll.confirmed else None,
        "headcount": len(roll.lines), "total": str(roll.total),
        "by_level": [{"level": b["level"], "count": b["count"], "total": str(b["total"])} for b in roll.by_level],
        "lines": [{"worker": line.worker.pk, "name": line.worker.name, "level": line.level,
                   "certificate": line.certificate.number, "rate": line.rate.pk,
                   "rate_region": line.rate.region.name, "amount": str(line.amount)} for line in roll.lines],
        "excluded": [{"worker": e.worker.pk, "name": e.worker.name, "reason": e.reason} for e in roll.excluded],
    }


@extend_schema_view(list=extend_schema(summary="Social workers of the caller's territory"),
                    retrieve=extend_schema(summary="One social worker with certificates and posts",
                                           responses=SocialWorkerDetailSerializer),
                    create=extend_schema(summary="Put a social worker on the roster", request=SocialWorkerCreateSerializer,
                                         responses={201: SocialWorkerDetailSerializer}))
class WorkerViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    model = SocialWorker
    serializer_class = SocialWorkerSerializer
    scope_permission = VIEW
    http_method_names = ["get", "post", "head", "options"]
    permission_map = {"list": VIEW, "retrieve": VIEW, "create": MANAGE, "default": VIEW}

    def base_queryset(self):
        return SocialWorker.objects.select_related("employer", "user").order_by("name", "pk")

    def get_queryset(self):
        qs = super().get_queryset()
        active = self.request.query_params.get("active", "")
        return qs.filter(is_active=active == "1") if active in ("0", "1") else qs

    def retrieve(self, request, *args, **kwargs):
        worker = self.get_object()
        return Response(SocialWorkerDetailSerializer(worker).data)

    def create(self, request, *args, **kwargs):
        s = SocialWorkerCreateSerializer(data=request.data, context=self.get_serializer_context())
        s.is_valid(raise_exception=True)
        d = s.validated_data
        worker = sw.create_worker(actor=request.user, node=d["node"], name=d["name"], employer=d["employer"],
                                  post=d["post"], started_on=d["started_on"])
        return Response(SocialWorkerDetailSerializer(worker).data, status=status.HTTP_201_CREATED)


@extend_schema_view(list=extend_schema(summary="Certificates of the caller's social workers"),
                    retrieve=extend_schema(summary="One certificate"),
                    create=extend_schema(summary="Record a certificate", request=WorkerCertificateCreateSerializer,
                                         responses={201: WorkerCertificateSerializer}),
                    revoke=extend_schema(summary="Revoke a certificate from a date", request=WorkerCertificateRevokeSerializer,
                                         responses=WorkerCertificateSerializer))
class CertificateViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    model = WorkerCertificate
    serializer_class = WorkerCertificateSerializer
    scope_permission = VIEW
    http_method_names = ["get", "post", "head", "options"]
    permission_map = {"list": VIEW, "retrieve": VIEW, "create": MANAGE, "revoke": MANAGE, "default": VIEW}

    def base_queryset(self):
        return WorkerCertificate.objects.select_related("worker").order_by("worker__name", "pk")

    def create(self, request, *args, **kwargs):
        s = WorkerCertificateCreateSerializer(data=request.data, context=self.get_serializer_context())
        s.is_valid(raise_exception=True)
        d = dict(s.validated_data)
        worker = d.pop("worker")
        cert = sw.add_certificate(worker, actor=request.user, **d)
        return Response(WorkerCertificateSerializer(cert).data, status=status.HTTP_201_CREATED)

    @action(detail=True, methods=["post"])
    def revoke(self, request, pk=None):
        cert = self.get_object()
        s = WorkerCertificateRevokeSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        cert = sw.revoke_certificate(cert, actor=request.user, revoked_on=s.validated_data["revoked_on"],
                                     reason=s.validated_data["reason"])
        return Response(WorkerCertificateSerializer(cert).data)


@extend_schema_view(list=extend_schema(summary="Trainings of the caller's territory"),
                    retrieve=extend_schema(summary="One training"),
                    create=extend_schema(summary="Record a training", request=WorkerTrainingCreateSerializer,
                                         responses={201: WorkerTrainingSerializer}))
class TrainingViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    model = Training
    serializer_class = WorkerTrainingSerializer
    scope_permission = VIEW
    http_method_names = ["get", "post", "head", "options"]
    permission_map = {"list": VIEW, "retrieve": VIEW, "create": MANAGE, "default": VIEW}

    def base_queryset(self):
        return Training.objects.prefetch_related("attendees").order_by("-held_on", "-pk")

    def get_queryset(self):
        qs = super().get_queryset()
        kind = self.request.query_params.get("kind", "")
        return qs.filter(kind=kind) if kind in TrainingKind.values else qs

    def create(self, request, *args, **kwargs):
        s = WorkerTrainingCreateSerializer(data=request.data, context=self.get_serializer_context())
        s.is_valid(raise_exception=True)
        d = dict(s.validated_data)
        ids = set(d.pop("attendees"))
        attendees = list(SocialWorker.objects.visible_to(request.user, MANAGE).filter(pk__in=ids))
        if len(attendees) != len(ids):
            raise serializers.ValidationError({"attendees": [_("An attendee is not on your roster.")]})
        training = sw.record_training(actor=request.user, attendees=attendees, **d)
        return Response(WorkerTrainingSerializer(training).data, status=status.HTTP_201_CREATED)


@extend_schema_view(list=extend_schema(summary="The subsidy table (level × region × effective date)"),
                    retrieve=extend_schema(summary="One rate"),
                    create=extend_schema(summary="Enter a rate (the same region, level and date changes it)",
                                         request=SubsidyRateCreateSerializer, responses={201: SubsidyRateSerializer}))
class RateViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    model = SubsidyRate
    serializer_class = SubsidyRateSerializer
    scope_permission = SUBSIDY
    http_method_names = ["get", "post", "head", "options"]
    permission_map = {"list": SUBSIDY, "retrieve": SUBSIDY, "create": SUBSIDY, "default": SUBSIDY}

    def base_queryset(self):
        return SubsidyRate.objects.select_related("region").order_by("region__code", "level", "-effective_from")

    def create(self, request, *args, **kwargs):
        s = SubsidyRateCreateSerializer(data=request.data, context=self.get_serializer_context())
        s.is_valid(raise_exception=True)
        rate = sw.set_rate(actor=request.user, **s.validated_data)
        return Response(SubsidyRateSerializer(rate).data, status=status.HTTP_201_CREATED)


@extend_schema_view(list=extend_schema(summary="Confirmed subsidy rolls"),
                    retrieve=extend_schema(summary="One confirmed roll with its payments"),
                    compute=extend_schema(summary="The roll of a month and territory, computed now",
                                          parameters=[OpenApiParameter("node", int, required=True),
                                                      OpenApiParameter("month", str, required=True,
                                                                       description="YYYY-MM")],
                                          responses=dict),
                    confirm=extend_schema(summary="Confirm (freeze) the roll of a month and territory",
                                          request=SubsidyRollQuerySerializer, responses={201: SubsidyRollSerializer}))
class SubsidyRollViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    model = SubsidyRoll
    serializer_class = SubsidyRollSerializer
    scope_permission = SUBSIDY
    http_method_names = ["get", "post", "head", "options"]
    permission_map = {"list": SUBSIDY, "retrieve": SUBSIDY, "compute": SUBSIDY, "confirm": SUBSIDY,
                      "default": SUBSIDY}

    def base_queryset(self):
        return SubsidyRoll.objects.prefetch_related("payments").order_by("-month", "node__code")

    @action(detail=False, methods=["get"])
    def compute(self, request):
        s = SubsidyRollQuerySerializer(data=request.query_params, context=self.get_serializer_context())
        s.is_valid(raise_exception=True)
        return Response(roll_json(sw.compute_roll(s.validated_data["node"], s.validated_data["month"])))

    @action(detail=False, methods=["post"])
    def confirm(self, request):
        s = SubsidyRollQuerySerializer(data=request.data, context=self.get_serializer_context())
        s.is_valid(raise_exception=True)
        roll = sw.confirm_roll(actor=request.user, node=s.validated_data["node"], month=s.validated_data["month"])
        roll = SubsidyRoll.objects.prefetch_related("payments").get(pk=roll.pk)
        return Response(SubsidyRollSerializer(roll).data, status=status.HTTP_201_CREATED)


def register(router) -> None:
    router.register("socialwork/workers", WorkerViewSet, basename="socialwork-worker")
    router.register("socialwork/certificates", CertificateViewSet, basename="socialwork-certificate")
    router.register("socialwork/trainings", TrainingViewSet, basename="socialwork-training")
    router.register("socialwork/subsidy-rates", RateViewSet, basename="socialwork-subsidy-rate")
    router.register("socialwork/subsidy-rolls", SubsidyRollViewSet, basename="socialwork-subsidy-roll")
