"""Demand orders API (``/api/v1/servicedesk/needs/…``, ``/api/v1/servicedesk/orders/…``): the 五单法 needs and
orders of the caller's territory (scoped through ``visible_to``), placing a need (群众点单), declining it,
issuing an order for needs (下单, merging them) and the order's workflow steps. Phones appear masked only.
Refused steps are 400 with the reason keyed by field; POSTs honour ``Idempotency-Key`` (ScopedViewSet)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from sanshe.accounts.roles import Perm
from sanshe.api.serializers import ModelSerializer
from sanshe.api.viewsets import ScopedViewSet
from sanshe.gridops.api_events import scoped_pk
from sanshe.territory.choices import Level
from sanshe.territory.models import Household, Node

from . import services_orders as so
from .choices_orders import FundSource, NeedKind, NeedSource, OfferMode, OrderAction, Rating
from .models_orders import DemandOrder, Need, OrderBid, OrderCheck, OrderStep

VIEW, PLACE, ISSUE = Perm.ORDERS_VIEW, Perm.ORDERS_PLACE, Perm.ORDERS_ISSUE


class NeedSerializer(ModelSerializer):
    state_label = serializers.CharField(source="get_state_display", read_only=True)
    community_name = serializers.CharField(source="community.name", read_only=True)
    order_number = serializers.CharField(source="order.number", read_only=True, default=None)

    class Meta:
        model = Need
        fields = ["id", "number", "kind", "title", "description", "community", "community_name", "source", "state",
                  "state_label", "contact_name", "contact_phone_masked", "placed_at", "order", "order_number",
                  "decline_reason", "declined_at", "rating", "rated_at", "households"]
        read_only_fields = fields


class NeedPlaceSerializer(serializers.Serializer):
    community = scoped_pk(Node, PLACE, level=Level.COMMUNITY)(label=_("community"))
    kind = serializers.ChoiceField(label=_("kind"), choices=NeedKind.choices, default=NeedKind.OTHER)
    title = serializers.CharField(label=_("title"), max_length=200)
    description = serializers.CharField(label=_("description"), max_length=4000, required=False, allow_blank=True,
                                        default="")
    households = serializers.PrimaryKeyRelatedField(label=_("households concerned"), many=True, required=False,
                                                    default=list, queryset=Household.objects.all())
    contact_name = serializers.CharField(label=_("contact"), max_length=50, required=False, allow_blank=True,
                                         default="")
    contact_phone = serializers.CharField(label=_("contact phone"), max_length=20, required=False,
                                          allow_blank=True, default="", write_only=True)
    source = serializers.ChoiceField(label=_("source"), choices=NeedSource.choices, default=NeedSource.WORKER)


class DeclineSerializer(serializers.Serializer):
    reason = serializers.CharField(label=_("reason"), max_length=500)


class BidSerializer(ModelSerializer):
    unit_name = serializers.CharField(source="unit.name", read_only=True)

    class Meta:
        model = OrderBid
        fields = ["id", "unit", "unit_name", "action", "price", "plan", "at", "chosen"]
        read_only_fields = fields


class CheckSerializer(ModelSerializer):
    class Meta:
        model = OrderCheck
        fields = ["id", "date", "finding", "ok", "at"]
        read_only_fields = fields


class OrderStepSerializer(ModelSerializer):
    class Meta:
        model = OrderStep
        fields = ["id", "action", "from_state", "to_state", "actor_name", "at", "note", "data"]
        read_only_fields = fields


class OrderSerializer(ModelSerializer):
    state_label = serializers.CharField(source="get_state_display", read_only=True)
    provider_name = serializers.CharField(source="provider.name", read_only=True, default=None)

    class Meta:
        model = DemandOrder
        fields = ["id", "number", "title", "content", "community", "budget", "fund_source", "responsible_member",
                  "mode", "state", "state_label", "provider", "provider_name", "price", "issued_at", "taken_at",
                  "submitted_at", "closed_at"]
        read_only_fields = fields


class OrderDetailSerializer(OrderSerializer):
    needs = NeedSerializer(many=True, read_only=True)
    bids = BidSerializer(many=True, read_only=True)
    checks = CheckSerializer(many=True, read_only=True)
    steps = OrderStepSerializer(many=True, read_only=True)
    allowed_actions = serializers.SerializerMethodField()
    stage_seconds = serializers.SerializerMethodField()

    class Meta(OrderSerializer.Meta):
        fields = [*OrderSerializer.Meta.fields, "verify_note", "needs", "bids", "checks", "steps",
                  "allowed_actions", "stage_seconds"]
        read_only_fields = fields

    def get_allowed_actions(self, order) -> list[str]:
        return so.allowed_actions(order, self.context["request"].user)

    def get_stage_seconds(self, order) -> dict:
        return so.stage_durations(order.steps.all(), include_open=True)


class IssueSerializer(serializers.Serializer):
    needs = serializers.ListField(label=_("needs"), child=serializers.IntegerField(), min_length=1, max_length=50)
    title = serializers.CharField(label=_("project"), max_length=200)
    content = serializers.CharField(label=_("content of the service"), max_length=4000)
    budget = serializers.DecimalField(label=_("budget (yuan)"), max_digits=12, decimal_places=2, min_value=0)
    fund_source = serializers.ChoiceField(label=_("fund source"), choices=FundSource.choices)
    responsible_member = serializers.CharField(label=_("responsible party member"), max_length=50)
    mode = serializers.ChoiceField(label=_("offered to"), choices=OfferMode.choices, default=OfferMode.INVITE)
    invited = serializers.ListField(label=_("invited providers"), child=serializers.IntegerField(), required=False,
                                    default=list)


class OrderTransitionSerializer(serializers.Serializer):
    action = serializers.ChoiceField(label=_("action"), choices=[c for c in OrderAction.choices
                                                                 if c[0] != OrderAction.ISSUE])
    note = serializers.CharField(label=_("note"), max_length=2000, required=False, allow_blank=True, default="")
    provider = serializers.IntegerField(label=_("provider to invite"), required=False, allow_null=True, default=None)
    price = serializers.DecimalField(label=_("price (yuan)"), max_digits=12, decimal_places=2, required=False,
                                     allow_null=True, default=None)
    plan = serializers.CharField(label=_("plan"), max_length=2000, required=False, allow_blank=True, default="")
    bid = serializers.IntegerField(label=_("bid"), required=False, allow_null=True, default=None)
    date = serializers.DateField(label=_("date"), required=False, allow_null=True, default=None)
    ok = serializers.BooleanField(label=_("in order"), required=False, default=True)
    need = serializers.IntegerField(label=_("need"), required=False, allow_null=True, default=None)
    rating = serializers.ChoiceField(label=_("rating"), choices=Rating.choices, required=False, allow_blank=True,
                                     default="")
    comment = serializers.CharField(label=_("comment"), max_length=500, required=False, allow_blank=True,
                                    default="")
    ratings = serializers.DictField(label=_("ratings by need"), child=serializers.ChoiceField(Rating.choices),
                                    required=False, default=dict)


@extend_schema_view(list=extend_schema(summary="Needs (群众点单) of the caller's territory"),
                    retrieve=extend_schema(summary="One need"),
                    create=extend_schema(summary="Place a need (群众点单)", request=NeedPlaceSerializer,
                                         responses={201: NeedSerializer}),
                    decline=extend_schema(summary="Decline a need with a reason", request=DeclineSerializer,
                                          responses=NeedSerializer))
class NeedViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    model = Need
    serializer_class = NeedSerializer
    scope_permission = VIEW
    http_method_names = ["get", "post", "head", "options"]
    permission_map = {"list": VIEW, "retrieve": VIEW, "create": PLACE, "decline": ISSUE, "default": VIEW}

    def base_queryset(self):
        return Need.objects.select_related("community", "order").prefetch_related("households").defer(
            "contact_phone")

    def get_queryset(self):
        qs = super().get_queryset()
        state = self.request.query_params.get("state", "")
        return qs.filter(state=state) if state else qs

    def create(self, request, *args, **kwargs):
        s = NeedPlaceSerializer(data=request.data, context=self.get_serializer_context())
        s.is_valid(raise_exception=True)
        d = s.validated_data
        need = so.place_need(actor=request.user, community=d["community"], title=d["title"],
                             description=d["description"], kind=d["kind"], households=d["households"],
                             contact_name=d["contact_name"], contact_phone=d["contact_phone"], source=d["source"])
        return Response(NeedSerializer(need).data, status=status.HTTP_201_CREATED)

    @action(detail=True, methods=["post"])
    def decline(self, request, pk=None):
        need = self.get_object()
        s = DeclineSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        need = so.decline_need(need, actor=request.user, reason=s.validated_data["reason"])
        return Response(NeedSerializer(need).data)


@extend_schema_view(list=extend_schema(summary="Demand orders of the caller's territory"),
                    retrieve=extend_schema(summary="One order with its needs, bids, checks and history",
                                           responses=OrderDetailSerializer),
                    create=extend_schema(summary="Issue an order for open needs (下单; several needs are merged)",
                                         request=IssueSerializer, responses={201: OrderDetailSerializer}),
                    transition=extend_schema(summary="Take a workflow step (invite, accept, bid, choose, check, "
                                                     "finish, verify, return, evaluate)",
                                             request=OrderTransitionSerializer, responses=OrderDetailSerializer))
class OrderViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    model = DemandOrder
    serializer_class = OrderSerializer
    scope_permission = VIEW
    http_method_names = ["get", "post", "head", "options"]
    permission_map = {"list": VIEW, "retrieve": VIEW, "create": ISSUE, "transition": VIEW, "default": VIEW}

    def base_queryset(self):
        return DemandOrder.objects.select_related("community", "provider")

    def get_queryset(self):
        qs = super().get_queryset()
        state = self.request.query_params.get("state", "")
        return qs.filter(state=state) if state else qs

    def _detail(self, order, code=status.HTTP_200_OK):
        order = DemandOrder.objects.select_related("provider").prefetch_related(
            "needs", "bids__unit", "checks", "steps").get(pk=order.pk)
        return Response(OrderDetailSerializer(order, context=self.get_serializer_context()).data, status=code)

    def retrieve(self, request, *args, **kwargs):
        return self._detail(self.get_object())

    def create(self, request, *args, **kwargs):
        s = IssueSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        d = s.validated_data
        needs = list(Need.objects.visible_to(request.user, ISSUE).filter(pk__in=d["needs"]))
        if len(needs) != len(set(d["needs"])):
            raise serializers.ValidationError({"needs": [_("A need is not one you may order.")]})
        order = so.issue_order(actor=request.user, needs=needs, title=d["title"], content=d["content"],
                               budget=d["budget"], fund_source=d["fund_source"],
                               responsible_member=d["responsible_member"], mode=d["mode"], invited=d["invited"])
        return self._detail(order, status.HTTP_201_CREATED)

    @action(detail=True, methods=["post"])
    def transition(self, request, pk=None):
        order = self.get_object()
        s = OrderTransitionSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        d = s.validated_data
        bid = order.bids.filter(pk=d["bid"]).first() if d["bid"] else None
        need = order.needs.filter(pk=d["need"]).first() if d["need"] else None
        ratings = {int(k): v for k, v in d["ratings"].items() if str(k).isdigit()}
        order = so.transition(order, d["action"], actor=request.user, note=d["note"], invite=d["provider"],
                              price=d["price"], plan=d["plan"], bid=bid, check_date=d["date"], ok=d["ok"],
                              need=need, rating=d["rating"], comment=d["comment"], ratings=ratings)
        return self._detail(order)


def register(router) -> None:
    router.register("servicedesk/needs", NeedViewSet, basename="servicedesk-need")
    router.register("servicedesk/orders", OrderViewSet, basename="servicedesk-order")
