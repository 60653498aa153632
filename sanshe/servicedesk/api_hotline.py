"""Hotline and message-box API (``/api/v1/servicedesk/hotline-calls/…``, ``/api/v1/servicedesk/messages/…``):
calls read (scoped, HOTLINE), recorded and moved through their workflow; messages read by the staff who answer
them (MESSAGES_ANSWER). Phones appear masked only. Refused steps and invalid input are 400 with the reasons
keyed by field."""

from __future__ import annotations

from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from sanshe.accounts.roles import Perm
from sanshe.api.serializers import ModelSerializer
from sanshe.api.viewsets import ScopedReadOnlyViewSet, ScopedViewSet
from sanshe.gridops.models import EventCategory
from sanshe.territory.models import Node

from . import services_hotline as sh
from .choices_hotline import CallAction, CallCategory, CallState, FollowUpRating
from .models import ServiceItem
from .models_hotline import HotlineCall, HotlineStep, Message

HOTLINE, ANSWER = Perm.HOTLINE, Perm.MESSAGES_ANSWER


class HotlineStepSerializer(ModelSerializer):
    class Meta:
        model = HotlineStep
        fields = ["action", "from_state", "to_state", "actor_name", "at", "note", "data"]


class HotlineCallSerializer(ModelSerializer):
    """A call; the caller's phone masked."""

    state_label = serializers.CharField(source="get_state_display", read_only=True)
    community_name = serializers.CharField(source="community.name", read_only=True)

    class Meta:
        model = HotlineCall
        fields = ["id", "number", "caller_name", "caller_phone_masked", "community", "community_name", "household",
                  "category", "content", "received_at", "deadline", "state", "state_label", "answer", "hand_off",
                  "event", "application", "need_id", "need_number", "master", "resolved_at", "on_time",
                  "followed_up_at", "reached", "rating", "follow_up_note", "closed_at"]


class HotlineCallDetailSerializer(HotlineCallSerializer):
    steps = HotlineStepSerializer(many=True, read_only=True)
    allowed_actions = serializers.SerializerMethodField()

    class Meta(HotlineCallSerializer.Meta):
        fields = HotlineCallSerializer.Meta.fields + ["steps", "allowed_actions"]

    def get_allowed_actions(self, call) -> list[str]:
        return sh.allowed_actions(call, self.context["request"].user)


class RecordSerializer(serializers.Serializer):
    caller_name = serializers.CharField(max_length=50)
    phone = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")
    community = serializers.PrimaryKeyRelatedField(queryset=Node.objects.all())
    category = serializers.ChoiceField(choices=CallCategory.choices)
    content = serializers.CharField()


class TransitionSerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=[a for a in CallAction.choices if a[0] != CallAction.RECORD])
    note = serializers.CharField(required=False, allow_blank=True, default="")
    answer = serializers.CharField(required=False, allow_blank=True, default="")
    event_category = serializers.PrimaryKeyRelatedField(queryset=EventCategory.objects.all(), required=False,
                                                        allow_null=True, default=None)
    item = serializers.PrimaryKeyRelatedField(queryset=ServiceItem.objects.all(), required=False, allow_null=True,
                                              default=None)
    title = serializers.CharField(required=False, allow_blank=True, default="")
    master = serializers.IntegerField(required=False, allow_null=True, default=None)
    reached = serializers.BooleanField(required=False, allow_null=True, default=None)
    rating = serializers.ChoiceField(choices=FollowUpRating.choices, required=False, allow_blank=True, default="")


class HotlineCallViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    model = HotlineCall
    serializer_class = HotlineCallSerializer
    scope_permission = HOTLINE
    permission_map = {"list": HOTLINE, "retrieve": HOTLINE, "create": HOTLINE, "transition": HOTLINE}

    def base_queryset(self):
        return HotlineCall.objects.select_related("community")

    def get_queryset(self):
        qs = super().get_queryset()
        state = self.request.query_params.get("state")
        if state in CallState.values:
            qs = qs.filter(state=state)
        return qs.order_by("-received_at", "-pk")

    def _detail(self, call, code=status.HTTP_200_OK):
        call = HotlineCall.objects.select_related("community").prefetch_related("steps").get(pk=call.pk)
        return Response(HotlineCallDetailSerializer(call, context=self.get_serializer_context()).data, status=code)

    def retrieve(self, request, *args, **kwargs):
        return self._detail(self.get_object())

    def create(self, request, *args, **kwargs):
        serializer = RecordSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        d = serializer.validated_data
        call = sh.record_call(actor=request.user, community=d["community"], caller_name=d["caller_name"],
                              phone=d["phone"], content=d["content"], category=d["category"])
        return self._detail(call, status.HTTP_201_CREATED)

    @action(detail=True, methods=["post"])
    def transition(self, request, pk=None):
        call = self.get_object()
        serializer = TransitionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        d = serializer.validated_data
        master = None
        if d["master"] is not None:
            master = HotlineCall.objects.visible_to(request.user, HOTLINE).filter(pk=d["master"]).first()
            if master is None:
                raise serializers.ValidationError({"master": ["No such call in your territory."]})
        call = sh.transition(call, d["action"], actor=request.user, note=d["note"], answer=d["answer"],
                             event_category=d["event_category"], item=d["item"], title=d["title"], master=master,
                             reached=d["reached"], rating=d["rating"])
        return self._detail(call)


class MessageSerializer(ModelSerializer):
    class Meta:
        model = Message
        fields = ["id", "number", "kind", "district", "community", "author_name", "author_phone_masked", "subject",
                  "content", "is_public", "state", "submitted_at", "answer", "answered_by_name", "answered_at"]


class MessageViewSet(ScopedReadOnlyViewSet):
    model = Message
    serializer_class = MessageSerializer
    scope_permission = ANSWER
    permission_map = {"list": ANSWER, "retrieve": ANSWER}

    def get_queryset(self):
        return super().get_queryset().order_by("-submitted_at", "-pk")


def register(router) -> None:
    router.register("servicedesk/hotline-calls", HotlineCallViewSet, basename="servicedesk-hotline-call")
    router.register("servicedesk/messages", MessageViewSet, basename="servicedesk-message")
