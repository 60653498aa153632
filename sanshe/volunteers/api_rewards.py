"""Rewards and party API (``/api/v1/volunteers/…``).

The volunteer's own: points ledger (``my/points``), star level (``my/star``), certificates (``my/certificates``),
time bank movements with ``transfer`` and ``donate`` (``my/timebank``), the catalogue with ``redeem``, party posts
with ``claim``. Staff: certificates of the territory, party claims. POSTs honour ``Idempotency-Key``; refusals
are 400 with the reason keyed by field.
"""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from sanshe.accounts.roles import Perm
from sanshe.api.serializers import ModelSerializer
from sanshe.api.viewsets import ScopedReadOnlyViewSet, ScopedViewSet

from . import services_party as sp
from . import services_rewards as sr
from .choices_rewards import ClaimState
from .models import Volunteer
from .models_party import PartyPost, PostClaim
from .models_rewards import CatalogueItem, PointEntry, ServiceCertificate, TimeBankEntry

VIEW, MANAGE, SELF = Perm.VOLUNTEERS_VIEW, Perm.VOLUNTEERS_MANAGE, Perm.VOLUNTEER_SELF


class PointEntrySerializer(ModelSerializer):
    class Meta:
        model = PointEntry
        fields = ["id", "kind", "points", "record", "redemption", "reason", "at"]
        read_only_fields = fields


class StarLevelSerializer(serializers.Serializer):
    stars = serializers.IntegerField()
    hours = serializers.DecimalField(max_digits=10, decimal_places=2)
    thresholds = serializers.ListField(child=serializers.IntegerField())
    next_at = serializers.IntegerField(allow_null=True)
    to_next = serializers.DecimalField(max_digits=10, decimal_places=2, allow_null=True)
    progress = serializers.IntegerField()
    on = serializers.DateField()
    points = serializers.IntegerField()
    time_balance = serializers.DecimalField(max_digits=10, decimal_places=2)


class VolunteerCertificateSerializer(ModelSerializer):
    verify_path = serializers.SerializerMethodField()

    class Meta:
        model = ServiceCertificate
        fields = ["id", "number", "holder_name", "id_type", "id_masked", "volunteer_number", "issuer_name",
                  "person_in_charge", "period_start", "period_end", "hours", "record_count", "content", "issued_at",
                  "revoked_at", "verify_path"]
        read_only_fields = fields

    def get_verify_path(self, cert) -> str:
        return sr.verify_path(cert)


class TimeEntrySerializer(ModelSerializer):
    counterpart_name = serializers.CharField(source="counterpart.name", read_only=True, default=None)

    class Meta:
        model = TimeBankEntry
        fields = ["id", "kind", "hours", "record", "counterpart", "counterpart_name", "note", "at", "batch"]
        read_only_fields = fields


class TimeTransferSerializer(serializers.Serializer):
    target_number = serializers.CharField(label=_("recipient's volunteer number"), max_length=20)
    target_name = serializers.CharField(label=_("recipient's name"), max_length=50)
    hours = serializers.DecimalField(label=_("hours"), max_digits=8, decimal_places=2, min_value=Decimal("0.01"))
    note = serializers.CharField(label=_("note"), max_length=200, required=False, allow_blank=True, default="")


class TimeDonateSerializer(serializers.Serializer):
    hours = serializers.DecimalField(label=_("hours"), max_digits=8, decimal_places=2, min_value=Decimal("0.01"))
    note = serializers.CharField(label=_("note"), max_length=200, required=False, allow_blank=True, default="")


class TimeBalanceSerializer(serializers.Serializer):
    batch = serializers.CharField()
    balance = serializers.DecimalField(max_digits=10, decimal_places=2)


class CatalogueItemSerializer(ModelSerializer):
    partner_name = serializers.CharField(source="partner.name", read_only=True)

    class Meta:
        model = CatalogueItem
        fields = ["id", "partner", "partner_name", "name", "description", "points", "stock"]
        read_only_fields = fields


class RedemptionResultSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    points = serializers.IntegerField()
    balance = serializers.IntegerField()


class PartyPostSerializer(ModelSerializer):
    community_name = serializers.CharField(source="community.name", read_only=True)
    taken = serializers.IntegerField(read_only=True, help_text="active claims")

    class Meta:
        model = PartyPost
        fields = ["id", "title", "description", "slots", "taken", "is_open", "community", "community_name"]
        read_only_fields = fields


class PartyClaimSerializer(ModelSerializer):
    member_name = serializers.CharField(source="report.volunteer.name", read_only=True)
    post_title = serializers.CharField(source="post.title", read_only=True)

    class Meta:
        model = PostClaim
        fields = ["id", "post", "post_title", "report", "member_name", "state", "claimed_at"]
        read_only_fields = fields


class _OwnMixin:
    """The caller's own rows (his volunteer row), not the territory's."""

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.model.objects.none()
        return self.model.objects.filter(volunteer__user=self.request.user)


@extend_schema_view(list=extend_schema(summary="My points ledger (balance = the sum)"))
class MyPointsViewSet(_OwnMixin, mixins.ListModelMixin, ScopedViewSet):
    model = PointEntry
    serializer_class = PointEntrySerializer
    permission_map = {"list": SELF, "default": SELF}


@extend_schema_view(list=extend_schema(summary="My star level, points and time bank balance",
                                       responses=StarLevelSerializer))
class MyStarViewSet(ScopedViewSet):
    model = Volunteer
    serializer_class = StarLevelSerializer
    permission_map = {"list": SELF, "default": SELF}

    def list(self, request):
        volunteer = sr.volunteer_of(request.user)
        if volunteer is None:
            return Response({"detail": _("Your account is not registered as a volunteer.")},
                            status=status.HTTP_404_NOT_FOUND)
        level = sr.star_level(volunteer)
        level.update(points=sr.points_balance(volunteer), time_balance=sr.time_balance(volunteer))
        return Response(StarLevelSerializer(level).data)


@extend_schema_view(list=extend_schema(summary="My certificates of volunteer service"))
class MyCertificatesViewSet(_OwnMixin, mixins.ListModelMixin, ScopedViewSet):
    model = ServiceCertificate
    serializer_class = VolunteerCertificateSerializer
    permission_map = {"list": SELF, "default": SELF}


@extend_schema_view(list=extend_schema(summary="My time bank movements"),
                    transfer=extend_schema(summary="Transfer hours to another volunteer", request=TimeTransferSerializer,
                                           responses={201: TimeBalanceSerializer}),
                    donate=extend_schema(summary="Donate hours to the public pool", request=TimeDonateSerializer,
                                         responses={201: TimeBalanceSerializer}))
class MyTimeBankViewSet(_OwnMixin, mixins.ListModelMixin, ScopedViewSet):
    model = TimeBankEntry
    serializer_class = TimeEntrySerializer
    http_method_names = ["get", "post", "head", "options"]
    permission_map = {"list": SELF, "transfer": SELF, "donate": SELF, "default": SELF}

    def _me(self):
        volunteer = sr.volunteer_of(self.request.user)
        if volunteer is None:
            raise serializers.ValidationError({"volunteer": [_("Your account is not registered as a volunteer.")]})
        return volunteer

    @action(detail=False, methods=["post"])
    def transfer(self, request):
        s = TimeTransferSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        d = s.validated_data
        me = self._me()
        target = Volunteer.objects.filter(number=d["target_number"].strip(), name=d["target_name"].strip()).first()
        if target is None:
            raise serializers.ValidationError({"target_number": [_("No volunteer has this number and name.")]})
        batch = sr.transfer_hours(me, target, actor=request.user, hours=d["hours"], note=d["note"])
        return Response({"batch": batch, "balance": str(sr.time_balance(me))}, status=status.HTTP_201_CREATED)

    @action(detail=False, methods=["post"])
    def donate(self, request):
        s = TimeDonateSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        me = self._me()
        batch = sr.donate_hours(me, actor=request.user, hours=s.validated_data["hours"], note=s.validated_data["note"])
        return Response({"batch": batch, "balance": str(sr.time_balance(me))}, status=status.HTTP_201_CREATED)


@extend_schema_view(list=extend_schema(summary="The redemption catalogue (爱心服务卡) within reach"),
                    retrieve=extend_schema(summary="One catalogue item"),
                    redeem=extend_schema(summary="Redeem one item with my points", request=None,
                                         responses={201: RedemptionResultSerializer}))
class CatalogueViewSet(ScopedReadOnlyViewSet):
    model = CatalogueItem
    serializer_class = CatalogueItemSerializer
    scope_permission = SELF
    http_method_names = ["get", "post", "head", "options"]
    permission_map = {"list": SELF, "retrieve": SELF, "redeem": SELF, "default": SELF}

    def base_queryset(self):
        return CatalogueItem.objects.filter(is_active=True, partner__is_active=True).select_related("partner")

    @action(detail=True, methods=["post"])
    def redeem(self, request, pk=None):
        item = self.get_object()
        redemption = sr.redeem(item, actor=request.user)
        return Response({"id": redemption.pk, "code": redemption.code, "points": redemption.points,
                         "balance": sr.points_balance(redemption.volunteer)}, status=status.HTTP_201_CREATED)


@extend_schema_view(list=extend_schema(summary="Open party member posts within reach"),
                    retrieve=extend_schema(summary="One post"),
                    claim=extend_schema(summary="Claim a post (a reported party member)", request=None,
                                        responses={201: PartyClaimSerializer}))
class PartyPostViewSet(ScopedReadOnlyViewSet):
    model = PartyPost
    serializer_class = PartyPostSerializer
    scope_permission = SELF
    http_method_names = ["get", "post", "head", "options"]
    permission_map = {"list": SELF, "retrieve": SELF, "claim": SELF, "default": SELF}

    def base_queryset(self):
        return PartyPost.objects.filter(is_open=True).select_related("community").annotate(
            taken=Count("claims", filter=Q(claims__state=ClaimState.CLAIMED))).order_by("-created_at", "-pk")

    @action(detail=True, methods=["post"])
    def claim(self, request, pk=None):
        post = self.get_object()
        row = sp.claim(post, actor=request.user)
        return Response(PartyClaimSerializer(row).data, status=status.HTTP_201_CREATED)


@extend_schema_view(list=extend_schema(summary="Party members' claims of the territory's posts"),
                    retrieve=extend_schema(summary="One claim"))
class PartyClaimViewSet(ScopedReadOnlyViewSet):
    model = PostClaim
    serializer_class = PartyClaimSerializer
    scope_permission = MANAGE
    permission_map = {"list": MANAGE, "retrieve": MANAGE, "default": MANAGE}

    def base_queryset(self):
        return PostClaim.objects.select_related("post", "report__volunteer")


@extend_schema_view(list=extend_schema(summary="Certificates of volunteer service of the territory"),
                    retrieve=extend_schema(summary="One certificate"))
class CertificateViewSet(ScopedReadOnlyViewSet):
    model = ServiceCertificate
    serializer_class = VolunteerCertificateSerializer
    scope_permission = VIEW
    permission_map = {"list": VIEW, "retrieve": VIEW, "default": VIEW}


def register(router) -> None:
    router.register("volunteers/my/points", MyPointsViewSet, basename="volunteers-my-points")
    router.register("volunteers/my/star", MyStarViewSet, basename="volunteers-my-star")
    router.register("volunteers/my/certificates", MyCertificatesViewSet, basename="volunteers-my-certificate")
    router.register("volunteers/my/timebank", MyTimeBankViewSet, basename="volunteers-my-timebank")
    router.register("volunteers/catalogue", CatalogueViewSet, basename="volunteers-catalogue")
    router.register("volunteers/party/posts", PartyPostViewSet, basename="volunteers-party-post")
    router.register("volunteers/party/claims", PartyClaimViewSet, basename="volunteers-party-claim")
    router.register("volunteers/certificates", CertificateViewSet, basename="volunteers-certificate")
