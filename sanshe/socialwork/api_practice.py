"""Practice API (``/api/v1/socialwork/…``).

* ``cases`` (SOCIALWORK_VIEW): the cases of the caller's territory — number, title, state, counts; never notes.
* ``my-cases`` (SOCIALWORK_PRACTICE): the caller's own and supervised cases. The list has no notes; the detail has
  them (each read audited as ``socialwork.case.notes_read``). ``POST`` opens a case; ``transition``, ``sessions``,
  ``goals``, ``referrals`` act on one (the case's own social worker only).
* ``groups`` (VIEW) and ``my-groups`` (PRACTICE: create, ``sessions``, ``attendance``).
* ``my-activities`` (PRACTICE): the caller's community activities; ``POST`` records one.
Writes accept ``Idempotency-Key``; validation errors are 400s keyed by field.
"""

from __future__ import annotations

from django.db.models import Count, Sum
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from sanshe.accounts.roles import Perm
from sanshe.api.viewsets import ScopedReadOnlyViewSet

from . import services_practice as svc
from .choices_practice import (
    ActivityMethod,
    CaseAction,
    CaseKind,
    CaseOutcome,
    GroupKind,
    ReferralSource,
    SessionMethod,
)
from .models import Case, CommunityActivity, Group, GroupSession

PRACTICE = Perm.SOCIALWORK_PRACTICE
VIEW = Perm.SOCIALWORK_VIEW


class CaseSummarySerializer(serializers.ModelSerializer):
    """A case without any of its notes (what staff see, and every list)."""

    worker_name = serializers.CharField(source="worker.name", read_only=True)
    n_sessions = serializers.IntegerField(read_only=True)
    hours = serializers.DecimalField(max_digits=8, decimal_places=1, read_only=True)

    class Meta:
        model = Case
        fields = ["id", "number", "title", "kind", "state", "referral_source", "district", "street", "community",
                  "worker", "worker_name", "supervisor", "opened_on", "closed_on", "outcome", "n_sessions", "hours"]
        read_only_fields = fields


class CaseGoalOutSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    text = serializers.CharField()
    status = serializers.CharField()


class CaseReferralOutSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    to_whom = serializers.CharField()
    reason = serializers.CharField()
    referred_on = serializers.DateField()
    result = serializers.CharField()
    result_note = serializers.CharField()


class CaseStepOutSerializer(serializers.Serializer):
    action = serializers.CharField()
    from_state = serializers.CharField()
    to_state = serializers.CharField()
    actor_name = serializers.CharField()
    at = serializers.DateTimeField()
    note = serializers.CharField()


class CaseSessionOutSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    date = serializers.DateField()
    hours = serializers.DecimalField(max_digits=5, decimal_places=1)
    method = serializers.CharField()
    notes = serializers.CharField()


class CaseDetailSerializer(CaseSummarySerializer):
    """A case with its notes: only ever built from :func:`services_practice.read_notes` (audited)."""

    client = serializers.IntegerField(source="client_id", read_only=True)
    client_name = serializers.CharField(source="client.name", read_only=True)
    problem = serializers.SerializerMethodField()
    assessment = serializers.SerializerMethodField()
    plan = serializers.SerializerMethodField()
    closure_note = serializers.SerializerMethodField()
    goals = CaseGoalOutSerializer(many=True, read_only=True)
    referrals = CaseReferralOutSerializer(many=True, read_only=True)
    steps = CaseStepOutSerializer(many=True, read_only=True)
    sessions = serializers.SerializerMethodField()

    class Meta(CaseSummarySerializer.Meta):
        fields = [*CaseSummarySerializer.Meta.fields, "client", "client_name", "problem", "assessment", "plan",
                  "closure_note", "goals", "sessions", "referrals", "steps"]
        read_only_fields = fields

    def _notes(self):
        return self.context["notes"]

    def get_problem(self, obj) -> str:
        return self._notes().problem

    def get_assessment(self, obj) -> str:
        return self._notes().assessment

    def get_plan(self, obj) -> str:
        return self._notes().plan

    def get_closure_note(self, obj) -> str:
        return self._notes().closure_note

    def get_sessions(self, obj) -> list[dict]:
        notes = self._notes().sessions
        return [{"id": s.pk, "date": s.date, "hours": str(s.hours), "method": s.method, "notes": notes.get(s.pk, "")}
                for s in obj.sessions.all()]


class CaseOpenSerializer(serializers.Serializer):
    client = serializers.IntegerField(label=_("client"))
    title = serializers.CharField(label=_("title"), max_length=100)
    kind = serializers.ChoiceField(label=_("kind"), choices=CaseKind.choices, default=CaseKind.OTHER)
    referral_source = serializers.ChoiceField(label=_("referral source"), choices=ReferralSource.choices)
    supervisor = serializers.IntegerField(label=_("supervisor"), required=False, allow_null=True)
    opened_on = serializers.DateField(label=_("opened on"), required=False, allow_null=True)
    problem = serializers.CharField(label=_("presenting problem"), required=False, allow_blank=True, default="")


class CaseTransitionSerializer(serializers.Serializer):
    action = serializers.ChoiceField(label=_("action"), choices=[(a, CaseAction(a).label) for a in (
        CaseAction.ASSESS, CaseAction.PLAN, CaseAction.START, CaseAction.TRANSFER, CaseAction.CLOSE)])
    note = serializers.CharField(label=_("note"), required=False, allow_blank=True, default="", max_length=200)
    assessment = serializers.CharField(label=_("assessment"), required=False, allow_blank=True, default="")
    plan = serializers.CharField(label=_("plan"), required=False, allow_blank=True, default="")
    goals = serializers.ListField(label=_("goals"), child=serializers.CharField(max_length=200), required=False,
                                  default=list)
    outcome = serializers.ChoiceField(label=_("case outcome"), choices=CaseOutcome.choices, required=False,
                                      allow_blank=True, default="")
    closure_note = serializers.CharField(label=_("closure note"), required=False, allow_blank=True, default="")
    to_worker = serializers.IntegerField(label=_("to social worker"), required=False, allow_null=True)
    on = serializers.DateField(label=_("closed on"), required=False, allow_null=True)


class CaseSessionInSerializer(serializers.Serializer):
    date = serializers.DateField(label=_("date"))
    hours = serializers.DecimalField(label=_("hours"), max_digits=4, decimal_places=1)
    method = serializers.ChoiceField(label=_("method"), choices=SessionMethod.choices)
    notes = serializers.CharField(label=_("notes"), required=False, allow_blank=True, default="")


class CaseGoalInSerializer(serializers.Serializer):
    text = serializers.CharField(label=_("goal"), max_length=200)


class CaseReferralInSerializer(serializers.Serializer):
    to_whom = serializers.CharField(label=_("referred to"), max_length=100)
    reason = serializers.CharField(label=_("reason"), max_length=200)
    referred_on = serializers.DateField(label=_("referred on"), required=False, allow_null=True)


def _cases_annotated(qs):
    return qs.select_related("worker", "client").annotate(n_sessions=Count("sessions", distinct=True),
                                                          hours=Sum("sessions__hours"))


@extend_schema_view(list=extend_schema(summary="Cases of the caller's territory (title, state, counts; no notes)"),
                    retrieve=extend_schema(summary="One case (title, state, counts; no notes)"))
class CaseViewSet(ScopedReadOnlyViewSet):
    model = Case
    serializer_class = CaseSummarySerializer
    scope_permission = VIEW
    permission_map = {"default": VIEW}

    def get_queryset(self):
        return _cases_annotated(super().get_queryset()).order_by("-opened_on", "-pk")


@extend_schema_view(
    list=extend_schema(summary="My cases and those I supervise (no notes)"),
    retrieve=extend_schema(summary="One of my cases with its notes (the read is audited)",
                           responses=CaseDetailSerializer),
    create=extend_schema(summary="Open a case (接案)", request=CaseOpenSerializer, responses={201: CaseSummarySerializer}),
    transition=extend_schema(summary="A step of the case workflow", request=CaseTransitionSerializer,
                             responses=CaseSummarySerializer),
    sessions=extend_schema(summary="Record a session", request=CaseSessionInSerializer, responses={201: CaseSessionOutSerializer}),
    goals=extend_schema(summary="Add a goal to the plan", request=CaseGoalInSerializer, responses={201: CaseGoalOutSerializer}),
    referrals=extend_schema(summary="Refer the client", request=CaseReferralInSerializer,
                            responses={201: CaseReferralOutSerializer}),
)
class MyCaseViewSet(mixins.CreateModelMixin, ScopedReadOnlyViewSet):
    model = Case
    serializer_class = CaseSummarySerializer
    scope_permission = PRACTICE
    permission_map = {"default": PRACTICE}
    http_method_names = ["get", "post", "head", "options"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Case.objects.none()
        mine = Case.objects.practice_of(self.request.user)
        return _cases_annotated(Case.objects.filter(pk__in=mine.values("pk"))).order_by("-opened_on", "-pk")

    def retrieve(self, request, *args, **kwargs):
        case = self.get_object()
        notes = svc.read_notes(case, actor=request.user, where="api")
        return Response(CaseDetailSerializer(case, context={"notes": notes, "request": request}).data)

    def _summary(self, case, code=status.HTTP_200_OK):
        return Response(CaseSummarySerializer(self.get_queryset().get(pk=case.pk)).data, status=code)

    def create(self, request, *args, **kwargs):
        s = CaseOpenSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        case = svc.open_case(actor=request.user, **s.validated_data)
        return self._summary(case, status.HTTP_201_CREATED)

    @action(detail=True, methods=["post"])
    def transition(self, request, pk=None):
        case = self.get_object()
        s = CaseTransitionSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        d = dict(s.validated_data)
        case = svc.transition(case, d.pop("action"), actor=request.user, **d)
        return self._summary(case)

    @action(detail=True, methods=["post"])
    def sessions(self, request, pk=None):
        case = self.get_object()
        s = CaseSessionInSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        session = svc.record_session(case, actor=request.user, **s.validated_data)
        return Response({"id": session.pk, "date": session.date, "hours": str(session.hours),
                         "method": session.method, "notes": session.notes}, status=status.HTTP_201_CREATED)

    @action(detail=True, methods=["post"])
    def goals(self, request, pk=None):
        case = self.get_object()
        s = CaseGoalInSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        goal = svc.add_goal(case, actor=request.user, text=s.validated_data["text"])
        return Response(CaseGoalOutSerializer(goal).data, status=status.HTTP_201_CREATED)

    @action(detail=True, methods=["post"])
    def referrals(self, request, pk=None):
        case = self.get_object()
        s = CaseReferralInSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        referral = svc.add_referral(case, actor=request.user, **s.validated_data)
        return Response(CaseReferralOutSerializer(referral).data, status=status.HTTP_201_CREATED)


class PracticeGroupSessionOutSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    date = serializers.DateField()
    hours = serializers.DecimalField(max_digits=5, decimal_places=1)
    topic = serializers.CharField()
    present = serializers.ListField(child=serializers.IntegerField())


class PracticeGroupSerializer(serializers.ModelSerializer):
    n_sessions = serializers.IntegerField(read_only=True)
    person_times = serializers.IntegerField(read_only=True)

    class Meta:
        model = Group
        fields = ["id", "number", "title", "kind", "goals", "workers", "district", "street", "community",
                  "started_on", "is_closed", "n_sessions", "person_times"]
        read_only_fields = fields


class PracticeGroupDetailSerializer(PracticeGroupSerializer):
    sessions = serializers.SerializerMethodField()

    class Meta(PracticeGroupSerializer.Meta):
        fields = [*PracticeGroupSerializer.Meta.fields, "sessions"]
        read_only_fields = fields

    def get_sessions(self, obj) -> list[dict]:
        out = []
        for s in obj.sessions.prefetch_related("attendance"):
            out.append({"id": s.pk, "date": s.date, "hours": str(s.hours), "topic": s.topic,
                        "present": sorted(a.resident_id for a in s.attendance.all())})
        return out


class PracticeGroupInSerializer(serializers.Serializer):
    title = serializers.CharField(label=_("title"), max_length=100)
    kind = serializers.ChoiceField(label=_("kind"), choices=GroupKind.choices, default=GroupKind.SUPPORT)
    goals = serializers.CharField(label=_("goals"))
    community = serializers.IntegerField(label=_("community"), required=False, allow_null=True)
    started_on = serializers.DateField(label=_("started on"), required=False, allow_null=True)
    co_workers = serializers.ListField(label=_("co-workers"), child=serializers.IntegerField(), required=False,
                                       default=list)


class PracticeGroupSessionInSerializer(serializers.Serializer):
    date = serializers.DateField(label=_("date"))
    hours = serializers.DecimalField(label=_("hours"), max_digits=4, decimal_places=1)
    topic = serializers.CharField(label=_("topic"), max_length=100)


class PracticeAttendanceInSerializer(serializers.Serializer):
    session = serializers.IntegerField(label=_("group session"))
    residents = serializers.ListField(label=_("residents present"), child=serializers.IntegerField(),
                                      allow_empty=True)


def _groups_annotated(qs):
    return qs.annotate(n_sessions=Count("sessions", distinct=True), person_times=Count("sessions__attendance"))


@extend_schema_view(list=extend_schema(summary="Groups of the caller's territory"),
                    retrieve=extend_schema(summary="One group"))
class GroupViewSet(ScopedReadOnlyViewSet):
    model = Group
    serializer_class = PracticeGroupSerializer
    scope_permission = VIEW
    permission_map = {"default": VIEW}

    def get_queryset(self):
        return _groups_annotated(super().get_queryset()).prefetch_related("workers").order_by("-started_on", "-pk")


@extend_schema_view(
    list=extend_schema(summary="My groups"),
    retrieve=extend_schema(summary="One of my groups with its sessions and attendance",
                           responses=PracticeGroupDetailSerializer),
    create=extend_schema(summary="Create a group", request=PracticeGroupInSerializer, responses={201: PracticeGroupSerializer}),
    sessions=extend_schema(summary="Add a session", request=PracticeGroupSessionInSerializer,
                           responses={201: PracticeGroupSessionOutSerializer}),
    attendance=extend_schema(summary="Set a session's attendance (the residents present)",
                             request=PracticeAttendanceInSerializer, responses=PracticeGroupSessionOutSerializer),
)
class MyGroupViewSet(mixins.CreateModelMixin, ScopedReadOnlyViewSet):
    model = Group
    serializer_class = PracticeGroupSerializer
    scope_permission = PRACTICE
    permission_map = {"default": PRACTICE}
    http_method_names = ["get", "post", "head", "options"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Group.objects.none()
        mine = Group.objects.practice_of(self.request.user, worker_field="workers", supervisor_field=None)
        return _groups_annotated(Group.objects.filter(pk__in=mine.values("pk"))).prefetch_related(
            "workers").order_by("-started_on", "-pk")

    def retrieve(self, request, *args, **kwargs):
        return Response(PracticeGroupDetailSerializer(self.get_object()).data)

    def create(self, request, *args, **kwargs):
        s = PracticeGroupInSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        group = svc.create_group(actor=request.user, **s.validated_data)
        return Response(PracticeGroupSerializer(self.get_queryset().get(pk=group.pk)).data, status=status.HTTP_201_CREATED)

    @staticmethod
    def _session_out(session, code=status.HTTP_200_OK):
        return Response({"id": session.pk, "date": session.date, "hours": str(session.hours), "topic": session.topic,
                         "present": sorted(session.attendance.values_list("resident_id", flat=True))}, status=code)

    @action(detail=True, methods=["post"])
    def sessions(self, request, pk=None):
        group = self.get_object()
        s = PracticeGroupSessionInSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        session = svc.add_group_session(group, actor=request.user, **s.validated_data)
        return self._session_out(session, status.HTTP_201_CREATED)

    @action(detail=True, methods=["post"])
    def attendance(self, request, pk=None):
        group = self.get_object()
        s = PracticeAttendanceInSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        session = GroupSession.objects.filter(group=group, pk=s.validated_data["session"]).first()
        if session is None:
            raise serializers.ValidationError({"session": [_("No such session in this group.")]})
        svc.set_attendance(session, actor=request.user, residents=s.validated_data["residents"])
        return self._session_out(session)


class CommunityActivitySerializer(serializers.ModelSerializer):
    class Meta:
        model = CommunityActivity
        fields = ["id", "title", "date", "method", "place", "participants", "worker", "district", "street",
                  "community", "description"]
        read_only_fields = fields


class CommunityActivityInSerializer(serializers.Serializer):
    title = serializers.CharField(label=_("title"), max_length=100)
    date = serializers.DateField(label=_("date"))
    method = serializers.ChoiceField(label=_("method"), choices=ActivityMethod.choices)
    place = serializers.CharField(label=_("place"), max_length=100)
    participants = serializers.IntegerField(label=_("participants (person-times)"), min_value=1, max_value=100000)
    community = serializers.IntegerField(label=_("community"), required=False, allow_null=True)
    description = serializers.CharField(label=_("description"), required=False, allow_blank=True, default="")


@extend_schema_view(list=extend_schema(summary="My community activities"),
                    retrieve=extend_schema(summary="One of my community activities"),
                    create=extend_schema(summary="Record a community activity", request=CommunityActivityInSerializer,
                                         responses={201: CommunityActivitySerializer}))
class MyActivityViewSet(mixins.CreateModelMixin, ScopedReadOnlyViewSet):
    model = CommunityActivity
    serializer_class = CommunityActivitySerializer
    scope_permission = PRACTICE
    permission_map = {"default": PRACTICE}
    http_method_names = ["get", "post", "head", "options"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return CommunityActivity.objects.none()
        return CommunityActivity.objects.practice_of(self.request.user, supervisor_field=None).order_by("-date", "-pk")

    def create(self, request, *args, **kwargs):
        s = CommunityActivityInSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        activity = svc.record_activity(actor=request.user, **s.validated_data)
        return Response(CommunityActivitySerializer(activity).data, status=status.HTTP_201_CREATED)


def register(router) -> None:
    router.register("socialwork/cases", CaseViewSet, basename="socialwork-case")
    router.register("socialwork/my-cases", MyCaseViewSet, basename="socialwork-my-case")
    router.register("socialwork/groups", GroupViewSet, basename="socialwork-group")
    router.register("socialwork/my-groups", MyGroupViewSet, basename="socialwork-my-group")
    router.register("socialwork/my-activities", MyActivityViewSet, basename="socialwork-my-activity")
