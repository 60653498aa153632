"""Volunteers API (``/api/v1/volunteers/…``): the registry (ID numbers and phones masked only), activities and their
sign-ups, a volunteer's own activities (sign up, cancel, check in and out with the activity's QR token), service
records and their confirmation by the organizer (谁组织谁记录). Reads are scoped through ``visible_to``; writes go
through :mod:`sanshe.volunteers.services_activities`; POSTs honour ``Idempotency-Key`` (ScopedViewSet); refused
steps are 400 with the reason keyed by field."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from sanshe.api.serializers import ModelSerializer
from sanshe.api.viewsets import ScopedViewSet
from sanshe.territory.models import Node

from . import services_activities as sv
from .models import Activity, ServiceRecord, SignUp, Volunteer

VIEW, MANAGE, ORGANIZE, SELF = sv.VIEW, sv.MANAGE, sv.ORGANIZE, sv.SELF


class VolunteerRegistrySerializer(ModelSerializer):
    community_name = serializers.CharField(source="community.name", read_only=True, default=None)
    is_resident = serializers.SerializerMethodField()

    class Meta:
        model = Volunteer
        fields = ["id", "number", "name", "community", "community_name", "id_number_masked", "phone_masked",
                  "is_resident", "skills", "availability", "is_party_member", "registered_on", "is_active"]
        read_only_fields = fields

    def get_is_resident(self, v) -> bool:
        return v.resident_id is not None


class VolunteerRegistryCreateSerializer(serializers.Serializer):
    community = serializers.IntegerField(label=_("community"))
    name = serializers.CharField(label=_("name"), max_length=50, required=False, allow_blank=True, default="")
    id_number = serializers.CharField(label=_("ID number"), max_length=30, write_only=True)
    phone = serializers.CharField(label=_("phone"), max_length=30, required=False, allow_blank=True, default="",
                                  write_only=True)
    skills = serializers.ListField(label=_("skills"), child=serializers.CharField(max_length=20), required=False,
                                   default=list, max_length=20)
    availability = serializers.CharField(label=_("availability"), max_length=200, required=False, allow_blank=True,
                                         default="")
    is_party_member = serializers.BooleanField(label=_("party member"), required=False, default=False)


class VolunteerActivitySerializer(ModelSerializer):
    organizer = serializers.CharField(source="organizer_name", read_only=True)
    community_name = serializers.CharField(source="community.name", read_only=True, default=None)
    taken = serializers.SerializerMethodField()

    class Meta:
        model = Activity
        fields = ["id", "title", "organization", "organizer", "community", "community_name", "place", "content",
                  "starts_at", "ends_at", "slots", "taken", "skills", "contact", "allow_walk_in", "cancelled_at"]
        read_only_fields = fields

    def get_taken(self, a) -> int:
        return sv.taken_slots(a)


class VolunteerActivityPostSerializer(serializers.Serializer):
    community = serializers.IntegerField(label=_("community"))
    organization = serializers.IntegerField(label=_("organizing organization"), required=False, allow_null=True,
                                            default=None)
    title = serializers.CharField(label=_("title"), max_length=100)
    place = serializers.CharField(label=_("place"), max_length=200)
    content = serializers.CharField(label=_("content"), max_length=4000, required=False, allow_blank=True,
                                    default="")
    starts_at = serializers.DateTimeField(label=_("starts at"))
    ends_at = serializers.DateTimeField(label=_("ends at"))
    slots = serializers.IntegerField(label=_("slots"), min_value=1, max_value=10000)
    skills = serializers.ListField(label=_("skills wanted"), child=serializers.CharField(max_length=20),
                                   required=False, default=list, max_length=20)
    contact = serializers.CharField(label=_("person in charge"), max_length=50, required=False, allow_blank=True,
                                    default="")
    allow_walk_in = serializers.BooleanField(label=_("walk-ins"), required=False, default=True)


class VolunteerSignUpSerializer(ModelSerializer):
    volunteer_name = serializers.CharField(source="volunteer.name", read_only=True)
    volunteer_number = serializers.CharField(source="volunteer.number", read_only=True)

    class Meta:
        model = SignUp
        fields = ["id", "activity", "volunteer", "volunteer_name", "volunteer_number", "state", "walk_in",
                  "signed_up_at", "cancelled_at"]
        read_only_fields = fields


class VolunteerRecordSerializer(ModelSerializer):
    volunteer_name = serializers.CharField(source="volunteer.name", read_only=True)
    volunteer_number = serializers.CharField(source="volunteer.number", read_only=True)
    state_label = serializers.CharField(source="get_state_display", read_only=True)

    class Meta:
        model = ServiceRecord
        fields = ["id", "volunteer", "volunteer_name", "volunteer_number", "activity", "organization",
                  "organizer_name", "source", "started_at", "ended_at", "hours", "computed_hours", "place", "content",
                  "state", "state_label", "closed_by_rule", "confirmer_name", "confirmed_at", "decision_note"]
        read_only_fields = fields


class VolunteerCheckInSerializer(serializers.Serializer):
    token = serializers.CharField(label=_("the activity's QR token"), max_length=64)


class VolunteerRecordDecisionSerializer(serializers.Serializer):
    hours = serializers.DecimalField(label=_("hours"), max_digits=5, decimal_places=2, required=False,
                                     allow_null=True, default=None)
    reason = serializers.CharField(label=_("reason"), max_length=300, required=False, allow_blank=True, default="")


def _community(pk, user, permission):
    node = Node.objects.filter(pk=pk, level="community").first()
    if node is None:
        raise serializers.ValidationError({"community": [_("Choose a community.")]})
    return node


@extend_schema_view(list=extend_schema(summary="Volunteers of the caller's territory (masked)"),
                    retrieve=extend_schema(summary="One volunteer (masked)"),
                    create=extend_schema(summary="Register a volunteer", request=VolunteerRegistryCreateSerializer,
                                         responses={201: VolunteerRegistrySerializer}))
class VolunteerViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    model = Volunteer
    serializer_class = VolunteerRegistrySerializer
    scope_permission = VIEW
    http_method_names = ["get", "post", "head", "options"]
    permission_map = {"list": VIEW, "retrieve": VIEW, "create": MANAGE, "default": VIEW}

    def base_queryset(self):
        return Volunteer.objects.select_related("community").defer("id_number", "phone").order_by("number")

    def create(self, request, *args, **kwargs):
        from sanshe.territory.choices import ResidentStatus
        from sanshe.territory.models import Resident
        from sanshe.territory.registry import id_number_index

        s = VolunteerRegistryCreateSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        d = s.validated_data
        community = _community(d["community"], request.user, MANAGE)
        resident = Resident.objects.filter(district_id=community.district_id,
                                           id_number_index=id_number_index(d["id_number"]),
                                           status=ResidentStatus.REGISTERED).first()
        v = sv.register_volunteer(actor=request.user, community=community, resident=resident, name=d["name"],
                                  id_number=d["id_number"], phone=d["phone"], skills=d["skills"],
                                  availability=d["availability"], is_party_member=d["is_party_member"])
        return Response(VolunteerRegistrySerializer(v).data, status=status.HTTP_201_CREATED)


class _ActivityBase(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    model = Activity
    serializer_class = VolunteerActivitySerializer
    http_method_names = ["get", "post", "head", "options"]

    def base_queryset(self):
        return Activity.objects.select_related("organization", "community").order_by("-starts_at", "pk")


@extend_schema_view(list=extend_schema(summary="Activities of the caller's territory (staff) or organization"),
                    retrieve=extend_schema(summary="One activity"),
                    create=extend_schema(summary="Post an activity", request=VolunteerActivityPostSerializer,
                                         responses={201: VolunteerActivitySerializer}),
                    signups=extend_schema(summary="The activity's sign-ups", responses=VolunteerSignUpSerializer(many=True)))
class ActivityViewSet(_ActivityBase):
    scope_permission = VIEW
    permission_map = {"list": VIEW, "retrieve": VIEW, "signups": VIEW, "create": MANAGE, "default": VIEW}

    def create(self, request, *args, **kwargs):
        from sanshe.societies.models import Organization

        s = VolunteerActivityPostSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        d = s.validated_data
        community = _community(d["community"], request.user, MANAGE)
        organization = None
        if d["organization"]:
            organization = Organization.objects.filter(pk=d["organization"]).first()
            if organization is None:
                raise serializers.ValidationError({"organization": [_("Unknown organization.")]})
        activity = sv.post_activity(actor=request.user, community=community, organization=organization,
                                    title=d["title"], place=d["place"], content=d["content"],
                                    starts_at=d["starts_at"], ends_at=d["ends_at"], slots=d["slots"],
                                    skills=d["skills"], contact=d["contact"], allow_walk_in=d["allow_walk_in"])
        return Response(VolunteerActivitySerializer(activity).data, status=status.HTTP_201_CREATED)

    @action(detail=True, methods=["get"])
    def signups(self, request, pk=None):
        activity = self.get_object()
        rows = activity.signups.select_related("volunteer").order_by("signed_up_at", "pk")
        return Response(VolunteerSignUpSerializer(rows, many=True).data)


class OrgActivityViewSet(ActivityViewSet):
    """An organization's own activities (VOLUNTEERS_ORGANIZE)."""

    scope_permission = ORGANIZE
    permission_map = {"list": ORGANIZE, "retrieve": ORGANIZE, "signups": ORGANIZE, "create": ORGANIZE,
                      "default": ORGANIZE}


@extend_schema_view(list=extend_schema(summary="Activities open to the volunteer (his district)"),
                    retrieve=extend_schema(summary="One activity"),
                    signup=extend_schema(summary="Sign up", request=None, responses=VolunteerSignUpSerializer),
                    cancel=extend_schema(summary="Cancel one's sign-up", request=None, responses=VolunteerSignUpSerializer),
                    check_in=extend_schema(summary="Check in with the activity's QR token", request=VolunteerCheckInSerializer,
                                           responses=VolunteerRecordSerializer),
                    check_out=extend_schema(summary="Check out with the activity's QR token",
                                            request=VolunteerCheckInSerializer, responses=VolunteerRecordSerializer))
class MyActivityViewSet(_ActivityBase):
    scope_permission = SELF
    permission_map = {"default": SELF}

    @action(detail=True, methods=["post"])
    def signup(self, request, pk=None):
        return Response(VolunteerSignUpSerializer(sv.sign_up(self.get_object(), actor=request.user)).data)

    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        return Response(VolunteerSignUpSerializer(sv.cancel_sign_up(self.get_object(), actor=request.user)).data)

    def _token(self, request, activity):
        s = VolunteerCheckInSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        if s.validated_data["token"] != activity.token:
            raise serializers.ValidationError({"token": [_("Scan the activity's own QR code.")]})

    @action(detail=True, methods=["post"], url_path="check-in")
    def check_in(self, request, pk=None):
        activity = self.get_object()
        self._token(request, activity)
        return Response(VolunteerRecordSerializer(sv.check_in(activity, actor=request.user)).data)

    @action(detail=True, methods=["post"], url_path="check-out")
    def check_out(self, request, pk=None):
        activity = self.get_object()
        self._token(request, activity)
        return Response(VolunteerRecordSerializer(sv.check_out(activity, actor=request.user)).data)


class _RecordBase(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    model = ServiceRecord
    serializer_class = VolunteerRecordSerializer
    http_method_names = ["get", "post", "head", "options"]

    def base_queryset(self):
        return ServiceRecord.objects.select_related("volunteer").order_by("-started_at", "pk")

    def get_queryset(self):
        qs = super().get_queryset()
        state = self.request.query_params.get("state", "")
        activity = self.request.query_params.get("activity", "")
        if state:
            qs = qs.filter(state=state)
        if activity.isdigit():
            qs = qs.filter(activity_id=int(activity))
        return qs


@extend_schema_view(list=extend_schema(summary="Service records of the caller's territory (?state=, ?activity=)"),
                    retrieve=extend_schema(summary="One service record"),
                    confirm=extend_schema(summary="Confirm the hours (adjusted with a reason)",
                                          request=VolunteerRecordDecisionSerializer, responses=VolunteerRecordSerializer),
                    reject=extend_schema(summary="Reject a record with a reason", request=VolunteerRecordDecisionSerializer,
                                         responses=VolunteerRecordSerializer))
class RecordViewSet(_RecordBase):
    scope_permission = VIEW
    permission_map = {"list": VIEW, "retrieve": VIEW, "confirm": MANAGE, "reject": MANAGE, "default": VIEW}

    def _decision(self, request):
        s = VolunteerRecordDecisionSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        return s.validated_data

    @action(detail=True, methods=["post"])
    def confirm(self, request, pk=None):
        record = self.get_object()
        d = self._decision(request)
        return Response(VolunteerRecordSerializer(sv.confirm_record(record, actor=request.user, hours=d["hours"],
                                                           reason=d["reason"])).data)

    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        record = self.get_object()
        d = self._decision(request)
        return Response(VolunteerRecordSerializer(sv.reject_record(record, actor=request.user, reason=d["reason"])).data)


class OrgRecordViewSet(RecordViewSet):
    """The service records of an organization's activities (VOLUNTEERS_ORGANIZE)."""

    scope_permission = ORGANIZE
    permission_map = {"default": ORGANIZE}


@extend_schema_view(list=extend_schema(summary="The volunteer's own service records"),
                    retrieve=extend_schema(summary="One of the volunteer's records"))
class MyRecordViewSet(_RecordBase):
    scope_permission = SELF
    permission_map = {"default": SELF}


def register(router) -> None:
    router.register("volunteers/volunteers", VolunteerViewSet, basename="volunteers-volunteer")
    router.register("volunteers/activities", ActivityViewSet, basename="volunteers-activity")
    router.register("volunteers/org/activities", OrgActivityViewSet, basename="volunteers-org-activity")
    router.register("volunteers/org/records", OrgRecordViewSet, basename="volunteers-org-record")
    router.register("volunteers/records", RecordViewSet, basename="volunteers-record")
    router.register("volunteers/my/activities", MyActivityViewSet, basename="volunteers-my-activity")
    router.register("volunteers/my/records", MyRecordViewSet, basename="volunteers-my-record")
