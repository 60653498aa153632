"""API: registry (``/api/v1/societies/organizations/…``, ``/api/v1/societies/figures/``).

The organizations of the caller's territory (scoped through ``visible_to``), registering one (登记 / 备案), moving
its status, adding members and recording an evaluation score sheet; the figures of a territory node. Writes go
through ``services_registry``; refusals are 400 with field errors; POSTs honour ``Idempotency-Key``
(ScopedViewSet)."""

from __future__ import annotations

from django.http import Http404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from sanshe.accounts.roles import Perm
from sanshe.api.serializers import ModelSerializer
from sanshe.api.viewsets import ScopedViewSet
from sanshe.territory.choices import Level
from sanshe.territory.models import Node, ResidentUnit

from . import services_registry as sr
from .choices import MemberKind, OrgStatus, ServiceField, Track
from .figures_registry import figures_for
from .models import CouncilSeat, Evaluation, LeadershipPost, Member, Organization, StatusChange

VIEW, MANAGE, EVALUATE = Perm.SOCIETIES_VIEW, Perm.SOCIETIES_MANAGE, Perm.SOCIETIES_EVALUATE


class OrganizationSerializer(ModelSerializer):
    org_type = serializers.CharField(read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = Organization
        fields = ["id", "name", "track", "org_type", "credit_code", "filing_number", "kind", "service_field", "status",
                  "status_label", "is_social_work_agency", "legal_representative", "contact_name", "address",
                  "founded_on", "district", "street", "community", "evaluation_level", "evaluation_valid_until",
                  "handling_unit"]
        read_only_fields = fields


class StatusChangeSerializer(ModelSerializer):
    class Meta:
        model = StatusChange
        fields = ["from_status", "to_status", "on_date", "at", "actor_name", "note"]
        read_only_fields = fields


class SeatSerializer(ModelSerializer):
    holder_is_resident = serializers.BooleanField(read_only=True)

    class Meta:
        model = CouncilSeat
        fields = ["id", "role", "holder_name", "holder_is_resident", "term_start", "term_end"]
        read_only_fields = fields


class PostSerializer(ModelSerializer):
    holder_is_resident = serializers.BooleanField(read_only=True)
    held_by_ordinary_resident = serializers.BooleanField(read_only=True)

    class Meta:
        model = LeadershipPost
        fields = ["id", "title", "holder_name", "holder_is_resident", "holder_is_cadre", "held_by_ordinary_resident"]
        read_only_fields = fields


class OrganizationDetailSerializer(OrganizationSerializer):
    """One organization with its history, council, posts, evaluations and member counts (names of individual
    members are not listed here)."""

    status_changes = StatusChangeSerializer(many=True, read_only=True)
    council_seats = SeatSerializer(many=True, read_only=True)
    posts = PostSerializer(many=True, read_only=True)
    evaluations = serializers.SerializerMethodField()
    member_counts = serializers.SerializerMethodField()

    class Meta(OrganizationSerializer.Meta):
        fields = [*OrganizationSerializer.Meta.fields, "status_changes", "council_seats", "posts", "evaluations",
                  "member_counts"]
        read_only_fields = fields

    def get_evaluations(self, org) -> list[dict]:
        return EvaluationSerializer(org.evaluations.all(), many=True).data

    def get_member_counts(self, org) -> dict:
        current = org.members.filter(left_on__isnull=True)
        return {"individual": current.filter(kind=MemberKind.INDIVIDUAL).count(),
                "unit": current.filter(kind=MemberKind.UNIT).count()}


class RegisterSerializer(serializers.Serializer):
    node = serializers.PrimaryKeyRelatedField(label=_("territory"), queryset=Node.objects.filter(
        level__in=(Level.DISTRICT, Level.STREET, Level.COMMUNITY)))
    name = serializers.CharField(label=_("name"), max_length=100)
    track = serializers.ChoiceField(label=_("track"), choices=Track.choices)
    credit_code = serializers.CharField(label=_("unified social credit code"), max_length=18, required=False,
                                        allow_blank=True, default="")
    filing_number = serializers.CharField(label=_("filing number"), max_length=40, required=False, allow_blank=True,
                                          default="")
    status = serializers.ChoiceField(label=_("status"), choices=OrgStatus.choices, required=False, default="")
    service_field = serializers.ChoiceField(label=_("service field"), choices=ServiceField.choices,
                                            default=ServiceField.OTHER)
    kind = serializers.CharField(label=_("kind"), max_length=50, required=False, allow_blank=True, default="")
    is_social_work_agency = serializers.BooleanField(label=_("social work agency"), required=False, default=False)
    legal_representative = serializers.CharField(label=_("legal representative"), max_length=50, required=False,
                                                 allow_blank=True, default="")
    contact_name = serializers.CharField(label=_("contact person"), max_length=50, required=False, allow_blank=True,
                                         default="")
    contact_phone = serializers.CharField(label=_("contact phone"), max_length=20, required=False, allow_blank=True,
                                          default="", write_only=True)


class StatusSerializer(serializers.Serializer):
    to = serializers.ChoiceField(label=_("new status"), choices=OrgStatus.choices)
    note = serializers.CharField(label=_("note"), max_length=300, required=False, allow_blank=True, default="")
    on_date = serializers.DateField(label=_("effective on"), required=False, allow_null=True, default=None)
    credit_code = serializers.CharField(label=_("unified social credit code"), max_length=18, required=False,
                                        allow_blank=True, default="")
    filing_number = serializers.CharField(label=_("filing number"), max_length=40, required=False, allow_blank=True,
                                          default="")


class MemberSerializer(ModelSerializer):
    class Meta:
        model = Member
        fields = ["id", "organization", "kind", "name", "resident", "unit", "joined_on", "left_on"]
        read_only_fields = fields


class MemberAddSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(label=_("kind"), choices=MemberKind.choices)
    name = serializers.CharField(label=_("name"), max_length=100, required=False, allow_blank=True, default="")
    resident_lookup = serializers.CharField(label=_("resident's ID number or mobile"), max_length=20,
                                            required=False, allow_blank=True, default="", write_only=True)
    unit = serializers.PrimaryKeyRelatedField(label=_("resident unit"), queryset=ResidentUnit.objects.all(),
                                              required=False, allow_null=True, default=None)
    joined_on = serializers.DateField(label=_("joined on"), required=False, allow_null=True, default=None)


class EvaluationSerializer(ModelSerializer):
    class Meta:
        model = Evaluation
        fields = ["id", "organization", "evaluated_on", "score_basic", "score_governance", "score_performance",
                  "score_social", "total", "level", "valid_until", "evaluator"]
        read_only_fields = fields


class ScoreSheetSerializer(serializers.Serializer):
    evaluated_on = serializers.DateField(label=_("evaluated on"))
    score_basic = serializers.DecimalField(label=_("basic conditions"), max_digits=5, decimal_places=1)
    score_governance = serializers.DecimalField(label=_("internal governance"), max_digits=5, decimal_places=1)
    score_performance = serializers.DecimalField(label=_("work performance"), max_digits=5, decimal_places=1)
    score_social = serializers.DecimalField(label=_("social evaluation"), max_digits=5, decimal_places=1)
    evaluator = serializers.CharField(label=_("evaluating body"), max_length=100, required=False, allow_blank=True,
                                      default="")
    notes = serializers.CharField(label=_("notes"), max_length=2000, required=False, allow_blank=True, default="")


@extend_schema_view(
    list=extend_schema(summary="Social organizations of the caller's territory"),
    retrieve=extend_schema(summary="One social organization with its history, council, posts and evaluations",
                           responses=OrganizationDetailSerializer),
    create=extend_schema(summary="Register (登记) or file (备案) an organization", request=RegisterSerializer,
                         responses={201: OrganizationSerializer}),
    status=extend_schema(summary="Move the organization's status", request=StatusSerializer,
                         responses=OrganizationSerializer),
    members=extend_schema(summary="Add a member (individual or resident unit)", request=MemberAddSerializer,
                          responses={201: MemberSerializer}),
    evaluations=extend_schema(summary="Record an evaluation score sheet (1000 points → 1A–5A)",
                              request=ScoreSheetSerializer, responses={201: EvaluationSerializer}),
)
class OrganizationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    model = Organization
    serializer_class = OrganizationSerializer
    scope_permission = VIEW
    http_method_names = ["get", "post", "head", "options"]
    permission_map = {"list": VIEW, "retrieve": VIEW, "create": MANAGE, "status": MANAGE, "members": MANAGE,
                      "evaluations": EVALUATE, "default": VIEW}

    def base_queryset(self):
        return Organization.objects.all()

    def get_queryset(self):
        qs = super().get_queryset()
        for key in ("track", "status", "service_field"):
            value = self.request.query_params.get(key, "")
            if value:
                qs = qs.filter(**{key: value})
        return qs

    def retrieve(self, request, *args, **kwargs):
        org = self.get_object()
        org = Organization.objects.prefetch_related("status_changes", "council_seats__resident",
                                                    "posts__resident").get(pk=org.pk)
        return Response(OrganizationDetailSerializer(org).data)

    def create(self, request, *args, **kwargs):
        s = RegisterSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        org = sr.register_organization(actor=request.user, **s.validated_data)
        return Response(OrganizationSerializer(org).data, status=status.HTTP_201_CREATED)

    def _scoped(self, permission):
        self.scope_permission = permission
        return self.get_object()

    @action(detail=True, methods=["post"])
    def status(self, request, pk=None):
        org = self._scoped(MANAGE)
        s = StatusSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        org = sr.change_status(actor=request.user, org=org, **s.validated_data)
        return Response(OrganizationSerializer(org).data)

    @action(detail=True, methods=["post"])
    def members(self, request, pk=None):
        org = self._scoped(MANAGE)
        s = MemberAddSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        member = sr.add_member(actor=request.user, org=org, **s.validated_data)
        return Response(MemberSerializer(member).data, status=status.HTTP_201_CREATED)

    @action(detail=True, methods=["post"])
    def evaluations(self, request, pk=None):
        org = self._scoped(EVALUATE)
        s = ScoreSheetSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        d = dict(s.validated_data)
        scores = {dim: d.pop(f"score_{dim}") for dim in sr.DIMENSIONS}
        ev = sr.record_evaluation(actor=request.user, org=org, scores=scores, **d)
        return Response(EvaluationSerializer(ev).data, status=status.HTTP_201_CREATED)


class FiguresSerializer(serializers.Serializer):
    node = serializers.IntegerField(source="node_id")
    label = serializers.CharField()
    registered = serializers.IntegerField()
    filed = serializers.IntegerField()
    by_status = serializers.DictField(child=serializers.IntegerField())
    by_field = serializers.DictField(child=serializers.IntegerField())
    agencies = serializers.IntegerField()
    residents = serializers.IntegerField()
    residents_per_organization = serializers.IntegerField(allow_null=True)
    individual_members = serializers.IntegerField()
    unit_members = serializers.IntegerField()
    seats = serializers.IntegerField()
    seats_by_residents = serializers.IntegerField()
    seat_resident_share = serializers.DecimalField(max_digits=5, decimal_places=0, allow_null=True)
    posts = serializers.IntegerField()
    posts_by_ordinary_residents = serializers.IntegerField()


@extend_schema_view(list=extend_schema(summary="Registry figures of a territory node (?node=; default: the "
                                               "caller's own)", responses=FiguresSerializer))
class FiguresViewSet(viewsets.ViewSet):
    """Figures are not rows: the caller's permission and the node's visibility are checked here."""

    serializer_class = FiguresSerializer
    permission_map = {"list": VIEW, "default": VIEW}

    def list(self, request):
        nodes = Node.objects.visible_to(request.user, VIEW).filter(
            level__in=(Level.DISTRICT, Level.STREET, Level.COMMUNITY)).order_by("code")
        wanted = request.query_params.get("node", "")
        node = nodes.filter(pk=wanted).first() if wanted.isdigit() else nodes.first()
        if node is None:
            raise Http404
        return Response(FiguresSerializer(figures_for(node)).data)


def register(router) -> None:
    router.register("societies/organizations", OrganizationViewSet, basename="societies-organization")
    router.register("societies/figures", FiguresViewSet, basename="societies-figures")
