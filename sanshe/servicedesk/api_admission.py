"""Community work admission API (``/api/v1/servicedesk/admission-…``).

* ``admission-entries``: the approved list (工作指导目录) of the caller's district, read by department staff;
* ``admission-tasks``: a department's tasks — list / read its own, create (the gate decides at once: the answer
  says admitted or refused and why);
* ``admission-reviews``: the district admin's view of the district's tasks and ``decide`` (refuse an admitted
  task or admit a refused one by exception, with a reason).
Validation errors are 400s keyed by field; writes go through :mod:`sanshe.servicedesk.services_admission`.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from sanshe.accounts.roles import Perm
from sanshe.api.viewsets import ScopedReadOnlyViewSet
from sanshe.territory.choices import Level
from sanshe.territory.models import Node

from . import services_admission as sa
from .choices_admission import REVIEW_ACTIONS, Frequency, TaskKind
from .models_admission import CommunityTask, ListEntry

SUBMIT, REVIEW = Perm.ADMISSION_SUBMIT, Perm.ADMISSION_REVIEW


class EntrySerializer(serializers.ModelSerializer):
    department_name = serializers.CharField(source="department.name", read_only=True)
    in_force = serializers.SerializerMethodField()

    class Meta:
        model = ListEntry
        fields = ["id", "district", "code", "title", "kind", "department", "department_name", "legal_basis",
                  "effective_from", "effective_to", "withdrawn_at", "withdraw_reason", "in_force"]
        read_only_fields = fields

    def get_in_force(self, obj) -> bool:
        return obj.in_force()


class AdmissionStepSerializer(serializers.Serializer):
    action = serializers.CharField()
    from_state = serializers.CharField()
    to_state = serializers.CharField()
    actor_name = serializers.CharField()
    at = serializers.DateTimeField()
    note = serializers.CharField()


class TaskSerializer(serializers.ModelSerializer):
    department_name = serializers.CharField(source="department.name", read_only=True)
    communities = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    steps = AdmissionStepSerializer(many=True, read_only=True)

    class Meta:
        model = CommunityTask
        fields = ["id", "number", "district", "department", "department_name", "title", "kind", "entry",
                  "communities", "frequency", "due_date", "hours", "description", "state", "refusal_reason",
                  "decision_note", "submitted_at", "decided_at", "steps"]
        read_only_fields = fields


class TaskWriteSerializer(serializers.Serializer):
    department = serializers.IntegerField(label=_("department"), required=False,
                                          help_text=_("Needed only by staff of several departments."))
    title = serializers.CharField(label=_("title"), max_length=200)
    kind = serializers.ChoiceField(label=_("kind"), choices=TaskKind.choices)
    entry = serializers.IntegerField(label=_("approved list entry"), required=False, allow_null=True)
    communities = serializers.ListField(label=_("target communities"), child=serializers.IntegerField(),
                                        required=False, help_text=_("Community ids; omit for all of the district."))
    frequency = serializers.ChoiceField(label=_("frequency"), choices=Frequency.choices, default=Frequency.ONCE)
    due_date = serializers.DateField(label=_("due date"))
    hours = serializers.DecimalField(label=_("workload (hours)"), max_digits=6, decimal_places=1, min_value=0)
    description = serializers.CharField(label=_("description"), required=False, allow_blank=True, default="")


class DecisionSerializer(serializers.Serializer):
    action = serializers.ChoiceField(label=_("decision"), choices=[(a, a) for a in REVIEW_ACTIONS])
    note = serializers.CharField(label=_("reason"), max_length=500)


@extend_schema_view(list=extend_schema(summary="The approved list (工作指导目录) of the caller's district"),
                    retrieve=extend_schema(summary="One entry of the approved list"))
class EntryViewSet(ScopedReadOnlyViewSet):
    model = ListEntry
    serializer_class = EntrySerializer
    scope_permission = SUBMIT
    permission_map = {"default": SUBMIT}

    def base_queryset(self):
        return ListEntry.objects.select_related("department").order_by("district_id", "code")


@extend_schema_view(list=extend_schema(summary="Our department's tasks for communities"),
                    retrieve=extend_schema(summary="One of our tasks with its history"),
                    create=extend_schema(summary="Submit a task (the gate admits or refuses it at once)",
                                         request=TaskWriteSerializer, responses={201: TaskSerializer}))
class TaskViewSet(mixins.CreateModelMixin, ScopedReadOnlyViewSet):
    model = CommunityTask
    serializer_class = TaskSerializer
    scope_permission = SUBMIT
    permission_map = {"default": SUBMIT}
    http_method_names = ["get", "post", "head", "options"]

    def get_queryset(self):
        return sa.department_tasks(self.request.user).select_related("department").prefetch_related(
            "communities", "steps")

    def create(self, request, *args, **kwargs):
        s = TaskWriteSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        d = s.validated_data
        departments = sa.user_departments(request.user)
        if d.get("department") is not None:
            department = departments.filter(pk=d["department"]).first()
        else:
            department = departments.first() if departments.count() == 1 else None
        if department is None:
            raise serializers.ValidationError({"department": [_("Choose one of your departments.")]})
        entry = None
        if d.get("entry") is not None:
            entry = ListEntry.objects.filter(pk=d["entry"], district_id=department.district_id).first()
            if entry is None:
                raise serializers.ValidationError({"entry": [_("No such entry in the district's list.")]})
        communities = Node.objects.filter(level=Level.COMMUNITY, district_id=department.district_id)
        if d.get("communities"):
            wanted = set(d["communities"])
            communities = list(communities.filter(pk__in=wanted))
            if len(communities) != len(wanted):
                raise serializers.ValidationError({"communities": [
                    _("Only communities of the department's district can be chosen.")]})
        task = sa.submit_task(actor=request.user, department=department, title=d["title"], kind=d["kind"],
                              entry=entry, communities=communities, frequency=d["frequency"],
                              due_date=d["due_date"], hours=d["hours"], description=d["description"])
        return Response(TaskSerializer(self.get_queryset().get(pk=task.pk)).data, status=status.HTTP_201_CREATED)


@extend_schema_view(list=extend_schema(summary="The district's tasks for communities (review)"),
                    retrieve=extend_schema(summary="One task with its history"),
                    decide=extend_schema(summary="Refuse an admitted task or admit a refused one by exception",
                                         request=DecisionSerializer, responses=TaskSerializer))
class ReviewViewSet(ScopedReadOnlyViewSet):
    model = CommunityTask
    serializer_class = TaskSerializer
    scope_permission = REVIEW
    permission_map = {"default": REVIEW}

    def base_queryset(self):
        return CommunityTask.objects.select_related("department").prefetch_related("communities", "steps")

    def get_queryset(self):
        qs = super().get_queryset()
        state = self.request.query_params.get("state")
        return qs.filter(state=state) if state else qs

    @action(detail=True, methods=["post"])
    def decide(self, request, pk=None):
        task = self.get_object()
        s = DecisionSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        task = sa.transition(task, s.validated_data["action"], actor=request.user, note=s.validated_data["note"])
        return Response(TaskSerializer(self.base_queryset().get(pk=task.pk)).data)


def register(router) -> None:
    router.register("servicedesk/admission-entries", EntryViewSet, basename="servicedesk-admission-entry")
    router.register("servicedesk/admission-tasks", TaskViewSet, basename="servicedesk-admission-task")
    router.register("servicedesk/admission-reviews", ReviewViewSet, basename="servicedesk-admission-review")
