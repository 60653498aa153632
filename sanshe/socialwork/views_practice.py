"""Pages of social workers' practice.

The social worker (``SOCIALWORK_PRACTICE``): 我的个案 / 我的小组 / 社区活动 — only his own cases and groups and the
cases he supervises (others: 404). His case page shows the confidential notes, each showing audited through
:func:`services_practice.read_notes`; all the case's actions post to one URL (``practice_case_action``).

Staff (``SOCIALWORK_VIEW``): the cases of their territory with title, state and counts — never the notes —, the
groups, the activities and the figures page (territory and period).
"""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Sum
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from sanshe.accounts.roles import Perm
from sanshe.core.exceptions import OutOfScope
from sanshe.core.views import PermissionRequiredMixin, ScopedObjectMixin
from sanshe.territory.choices import Level
from sanshe.territory.models import Node, Resident

from . import services_practice as svc
from .choices_practice import CaseAction, CaseState
from .forms_practice import (
    ActivityForm,
    AssessForm,
    CaseOpenForm,
    CloseForm,
    FiguresForm,
    GoalForm,
    GoalStatusForm,
    GroupForm,
    GroupSessionForm,
    PlanForm,
    ReferralForm,
    ReferralResultForm,
    SessionForm,
    TransferForm,
)
from .models import (
    Case,
    CaseGoal,
    CaseReferral,
    CommunityActivity,
    Group,
    GroupAttendance,
    GroupSession,
    SocialWorker,
)

PRACTICE = Perm.SOCIALWORK_PRACTICE
VIEW = Perm.SOCIALWORK_VIEW
LEVELS = (Level.DISTRICT, Level.STREET, Level.COMMUNITY)


def _errors(request, exc: ValidationError) -> None:
    for msg in exc.messages:
        messages.error(request, msg)


def _form_errors(request, form) -> None:
    for field, errs in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        for e in errs:
            messages.error(request, f"{label}：{e}" if label else e)


def _colleagues(user, exclude=None):
    """Active social workers of the districts the user's practice reaches (supervisors, co-workers)."""
    districts = {n.district_id for n in Node.objects.visible_to(user, PRACTICE).filter(level=Level.DISTRICT)}
    districts |= set(Node.objects.visible_to(user, PRACTICE).values_list("district_id", flat=True).distinct())
    qs = SocialWorker.objects.filter(district_id__in=districts, is_active=True)
    if exclude is not None:
        qs = qs.exclude(pk=exclude.pk)
    return qs.order_by("name")


def _communities(user):
    return Node.objects.visible_to(user, PRACTICE).filter(level=Level.COMMUNITY, is_active=True).order_by("code")


def _search_residents(user, q: str):
    q = (q or "").strip()
    if not q:
        return []
    return list(Resident.objects.visible_to(user, Perm.REGISTRY_VIEW).filter(name__startswith=q)
                .select_related("community").order_by("name", "pk")[:20])


# --- the social worker's pages -----------------------------------------------------------------------------
class MyCasesView(PermissionRequiredMixin, TemplateView):
    required_permission = PRACTICE
    template_name = "socialwork/practice/my_cases.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        state = self.request.GET.get("state", "")
        qs = Case.objects.practice_of(user).select_related("client", "worker", "supervisor").annotate(
            n_sessions=Count("sessions", distinct=True))
        if state in CaseState.values:
            qs = qs.filter(state=state)
        elif state == "open":
            qs = qs.exclude(state=CaseState.CLOSED)
        page = Paginator(qs.order_by("-opened_on", "-pk"), 30).get_page(self.request.GET.get("page"))
        return super().get_context_data(page=page, state=state, states=CaseState.choices,
                                         worker=svc.worker_of(user), **kwargs)


class CaseCreateView(PermissionRequiredMixin, TemplateView):
    required_permission = PRACTICE
    template_name = "socialwork/practice/case_form.html"

    def _ctx(self, form, client=None):
        user = self.request.user
        q = self.request.GET.get("q", "")
        return self.get_context_data(form=form, q=q, matches=_search_residents(user, q), client=client,
                                     worker=svc.worker_of(user))

    def get(self, request, *args, **kwargs):
        user = request.user
        client = None
        if request.GET.get("client"):
            client = Resident.objects.visible_to(user, Perm.REGISTRY_VIEW).filter(
                pk=request.GET["client"]).first() if request.GET["client"].isdigit() else None
        me = svc.worker_of(user)
        form = CaseOpenForm(initial={"client": client.pk if client else None, "opened_on": timezone.localdate()},
                            supervisors=_colleagues(user, exclude=me))
        return self.render_to_response(self._ctx(form, client))

    def post(self, request, *args, **kwargs):
        user = request.user
        form = CaseOpenForm(request.POST, supervisors=_colleagues(user, exclude=svc.worker_of(user)))
        client = None
        if form.is_valid():
            data = form.cleaned_data
            client = Resident.objects.visible_to(user, Perm.REGISTRY_VIEW).filter(pk=data["client"]).first()
            try:
                case = svc.open_case(actor=user, client=client or data["client"], title=data["title"],
                                     kind=data["kind"], referral_source=data["referral_source"],
                                     supervisor=data["supervisor"], opened_on=data["opened_on"],
                                     problem=data["problem"])
            except ValidationError as exc:
                from sanshe.core.views import apply_validation_error
                apply_validation_error(form, exc)
            else:
                messages.success(request, _("Case %(number)s opened.") % {"number": case.number})
                return redirect("socialwork:practice_case", pk=case.pk)
        return self.render_to_response(self._ctx(form, client), status=400)


class _MyCaseMixin(ScopedObjectMixin):
    required_permission = PRACTICE
    scope_permission = PRACTICE
    model = Case

    def get_queryset(self):
        return Case.objects.practice_of(self.request.user).select_related("client", "worker", "supervisor")


class CaseView(_MyCaseMixin, TemplateView):
    """The case page of its social worker and its supervisor: sections, notes (audited), action forms."""

    template_name = "socialwork/practice/case.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        case = self.get_object()
        notes = svc.read_notes(case, actor=user, where="case page")
        is_worker = case.worker.user_id == user.pk
        sessions = [(s, notes.sessions.get(s.pk, "")) for s in case.sessions.all()]
        ctx = dict(case=case, notes=notes, is_worker=is_worker, sessions=sessions,
                   goals=case.goals.all(), referrals=case.referrals.all(),
                   steps=case.steps.all(), open=case.state != CaseState.CLOSED,
                   hours=sum((s.hours for s, _n in sessions), start=0))
        if is_worker and case.state != CaseState.CLOSED:
            ctx.update(assess_form=AssessForm(initial={"assessment": notes.assessment}),
                       plan_form=PlanForm(initial={"plan": notes.plan}), goal_form=GoalForm(),
                       session_form=SessionForm(initial={"date": timezone.localdate(), "hours": "1.0",
                                                         "method": "interview"}),
                       referral_form=ReferralForm(initial={"referred_on": timezone.localdate()}),
                       transfer_form=TransferForm(workers=_colleagues(user, exclude=case.worker)),
                       close_form=CloseForm(initial={"on": timezone.localdate()}),
                       goal_statuses=GoalStatusForm.base_fields["status"].choices,
                       referral_results=ReferralResultForm.base_fields["result"].choices,
                       can_assess=case.state in (CaseState.INTAKE, CaseState.ASSESSMENT),
                       can_plan=case.state in (CaseState.ASSESSMENT, CaseState.PLANNING),
                       can_start=case.state == CaseState.PLANNING)
        return super().get_context_data(**ctx, **kwargs)


class CaseNotesView(_MyCaseMixin, TemplateView):
    """个案记录: every confidential note of the case on one printable page (audited)."""

    template_name = "socialwork/practice/case_notes.html"

    def get_context_data(self, **kwargs):
        case = self.get_object()
        notes = svc.read_notes(case, actor=self.request.user, where="case record")
        sessions = [(s, notes.sessions.get(s.pk, "")) for s in case.sessions.all()]
        return super().get_context_data(case=case, notes=notes, sessions=sessions, goals=case.goals.all(),
                                        referrals=case.referrals.all(), **kwargs)


class CaseActionView(_MyCaseMixin, TemplateView):
    """All the case's actions (POST ``do``): the workflow steps, goals, sessions, referrals."""

    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        case = self.get_object()
        user = request.user
        do = request.POST.get("do", "")
        forms = {CaseAction.ASSESS: AssessForm, CaseAction.PLAN: PlanForm, CaseAction.CLOSE: CloseForm,
                 "goal": GoalForm, "goal_status": GoalStatusForm, "session": SessionForm, "referral": ReferralForm,
                 "referral_result": ReferralResultForm}
        if do == CaseAction.TRANSFER:
            form = TransferForm(request.POST, workers=_colleagues(user, exclude=case.worker))
        elif do == CaseAction.START:
            form = None
        elif do in forms:
            form = forms[do](request.POST)
        else:
            messages.error(request, _("Unknown action."))
            return redirect("socialwork:practice_case", pk=case.pk)
        if form is not None and not form.is_valid():
            _form_errors(request, form)
            return redirect("socialwork:practice_case", pk=case.pk)
        data = form.cleaned_data if form is not None else {}
        try:
            if do == CaseAction.PLAN:
                goals = [g for g in data["goals"].splitlines() if g.strip()]
                svc.transition(case, do, actor=user, plan=data["plan"], goals=goals)
            elif do in (CaseAction.ASSESS, CaseAction.START, CaseAction.TRANSFER, CaseAction.CLOSE):
                svc.transition(case, do, actor=user, **data)
            elif do == "goal":
                svc.add_goal(case, actor=user, text=data["text"])
            elif do == "goal_status":
                goal = CaseGoal.objects.filter(pk=data["goal"], case=case).first()
                if goal is None:
                    raise Http404
                svc.set_goal_status(goal, actor=user, status=data["status"])
            elif do == "session":
                svc.record_session(case, actor=user, **data)
            elif do == "referral":
                svc.add_referral(case, actor=user, **data)
            elif do == "referral_result":
                referral = CaseReferral.objects.filter(pk=data["referral"], case=case).first()
                if referral is None:
                    raise Http404
                svc.set_referral_result(referral, actor=user, result=data["result"], note=data["note"])
        except ValidationError as exc:
            _errors(request, exc)
        else:
            messages.success(request, _("Saved."))
            if do == CaseAction.TRANSFER:
                return redirect("socialwork:practice_my_cases")
        return redirect("socialwork:practice_case", pk=case.pk)


class MyGroupsView(PermissionRequiredMixin, TemplateView):
    required_permission = PRACTICE
    template_name = "socialwork/practice/my_groups.html"

    def get_context_data(self, **kwargs):
        groups = Group.objects.practice_of(self.request.user, worker_field="workers", supervisor_field=None)
        groups = Group.objects.filter(pk__in=groups.values("pk")).annotate(
            n_sessions=Count("sessions", distinct=True), n_person_times=Count("sessions__attendance"))
        return super().get_context_data(groups=groups.order_by("is_closed", "-started_on", "-pk"), **kwargs)


class GroupCreateView(PermissionRequiredMixin, TemplateView):
    required_permission = PRACTICE
    template_name = "socialwork/practice/group_form.html"

    def _form(self, data=None):
        user = self.request.user
        me = svc.worker_of(user)
        initial = {"started_on": timezone.localdate(), "community": me.community_id if me else None}
        return GroupForm(data, initial=initial, communities=_communities(user), workers=_colleagues(user, exclude=me))

    def get(self, request, *args, **kwargs):
        return self.render_to_response(self.get_context_data(form=self._form()))

    def post(self, request, *args, **kwargs):
        form = self._form(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                group = svc.create_group(actor=request.user, title=data["title"], kind=data["kind"],
                                         goals=data["goals"], community=data["community"],
                                         started_on=data["started_on"], co_workers=data["co_workers"])
            except ValidationError as exc:
                from sanshe.core.views import apply_validation_error
                apply_validation_error(form, exc)
            else:
                messages.success(request, _("Group %(number)s created.") % {"number": group.number})
                return redirect("socialwork:practice_group", pk=group.pk)
        return self.render_to_response(self.get_context_data(form=form), status=400)


class _MyGroupMixin(ScopedObjectMixin):
    required_permission = PRACTICE
    scope_permission = PRACTICE
    model = Group

    def get_queryset(self):
        mine = Group.objects.practice_of(self.request.user, worker_field="workers", supervisor_field=None)
        return Group.objects.filter(pk__in=mine.values("pk"))


class GroupView(_MyGroupMixin, TemplateView):
    """The group page of its social workers: sessions, and for each the residents ticked present."""

    template_name = "socialwork/practice/group.html"

    def get_context_data(self, **kwargs):
        group = self.get_object()
        user = self.request.user
        sessions = list(group.sessions.all())
        present = {}
        for row in GroupAttendance.objects.filter(session__group=group).values("session_id", "resident_id"):
            present.setdefault(row["session_id"], set()).add(row["resident_id"])
        member_ids = set().union(*present.values()) if present else set()
        members = list(Resident.objects.filter(pk__in=member_ids).order_by("name", "pk"))
        q = self.request.GET.get("q", "")
        extra = [r for r in _search_residents(user, q) if r.pk not in member_ids]
        rows = [(s, present.get(s.pk, set())) for s in sessions]
        return super().get_context_data(
            group=group, workers=group.workers.all(), rows=rows, members=members + extra, q=q,
            person_times=sum(len(p) for p in present.values()),
            session_form=GroupSessionForm(initial={"date": timezone.localdate(), "hours": "1.5"}), **kwargs)


class GroupActionView(_MyGroupMixin, TemplateView):
    """The group's actions (POST ``do``): add a session, take a session's attendance, close the group."""

    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        group = self.get_object()
        do = request.POST.get("do", "")
        try:
            if do == "session":
                form = GroupSessionForm(request.POST)
                if not form.is_valid():
                    _form_errors(request, form)
                    return redirect("socialwork:practice_group", pk=group.pk)
                svc.add_group_session(group, actor=request.user, **form.cleaned_data)
            elif do == "attendance":
                session = GroupSession.objects.filter(group=group, pk=request.POST.get("session") or 0).first()
                if session is None or not str(request.POST.get("session", "")).isdigit():
                    raise Http404
                ids = [v for v in request.POST.getlist("present") if v.isdigit()]
                svc.set_attendance(session, actor=request.user, residents=ids)
            elif do == "close":
                svc.close_group(group, actor=request.user)
            else:
                messages.error(request, _("Unknown action."))
                return redirect("socialwork:practice_group", pk=group.pk)
        except ValidationError as exc:
            _errors(request, exc)
        else:
            messages.success(request, _("Saved."))
        return redirect("socialwork:practice_group", pk=group.pk)


class MyActivitiesView(PermissionRequiredMixin, TemplateView):
    """The social worker's community activities, and the form to record one."""

    required_permission = PRACTICE
    template_name = "socialwork/practice/my_activities.html"

    def _form(self, data=None):
        me = svc.worker_of(self.request.user)
        return ActivityForm(data, initial={"date": timezone.localdate(), "community": me.community_id if me else None},
                            communities=_communities(self.request.user))

    def _ctx(self, form):
        acts = CommunityActivity.objects.practice_of(self.request.user, supervisor_field=None).select_related(
            "community")
        totals = acts.aggregate(n=Count("id"), people=Sum("participants"))
        return self.get_context_data(form=form, activities=acts.order_by("-date", "-pk")[:100], totals=totals)

    def get(self, request, *args, **kwargs):
        return self.render_to_response(self._ctx(self._form()))

    def post(self, request, *args, **kwargs):
        form = self._form(request.POST)
        if form.is_valid():
            try:
                svc.record_activity(actor=request.user, **form.cleaned_data)
            except ValidationError as exc:
                from sanshe.core.views import apply_validation_error
                apply_validation_error(form, exc)
            else:
                messages.success(request, _("Saved."))
                return redirect("socialwork:practice_my_activities")
        return self.render_to_response(self._ctx(form), status=400)


# --- staff pages -------------------------------------------------------------------------------------------
class CasesView(PermissionRequiredMixin, TemplateView):
    """The cases of the staff's territory: number, title, kind, state, counts — never the notes."""

    required_permission = VIEW
    template_name = "socialwork/practice/cases.html"

    def get_context_data(self, **kwargs):
        state = self.request.GET.get("state", "")
        qs = Case.objects.visible_to(self.request.user, VIEW).select_related("worker", "community").annotate(
            n_sessions=Count("sessions", distinct=True), n_goals=Count("goals", distinct=True))
        if state in CaseState.values:
            qs = qs.filter(state=state)
        page = Paginator(qs.order_by("-opened_on", "-pk"), 30).get_page(self.request.GET.get("page"))
        return super().get_context_data(page=page, state=state, states=CaseState.choices, **kwargs)


class CaseStaffView(ScopedObjectMixin, TemplateView):
    """One case for staff: title, state, worker, counts and history — never the notes."""

    required_permission = VIEW
    scope_permission = VIEW
    model = Case
    template_name = "socialwork/practice/case_staff.html"

    def get_context_data(self, **kwargs):
        case = self.get_object()
        agg = case.sessions.aggregate(n=Count("id"), hours=Sum("hours"))
        return super().get_context_data(case=case, n_sessions=agg["n"], hours=agg["hours"] or 0,
                                        n_goals=case.goals.count(), n_referrals=case.referrals.count(),
                                        steps=case.steps.all(), **kwargs)


class GroupsView(PermissionRequiredMixin, TemplateView):
    required_permission = VIEW
    template_name = "socialwork/practice/groups.html"

    def get_context_data(self, **kwargs):
        groups = Group.objects.visible_to(self.request.user, VIEW).select_related("community").annotate(
            n_sessions=Count("sessions", distinct=True), n_person_times=Count("sessions__attendance"))
        page = Paginator(groups.order_by("-started_on", "-pk"), 30).get_page(self.request.GET.get("page"))
        return super().get_context_data(page=page, **kwargs)


class GroupStaffView(ScopedObjectMixin, TemplateView):
    required_permission = VIEW
    scope_permission = VIEW
    model = Group
    template_name = "socialwork/practice/group_staff.html"

    def get_context_data(self, **kwargs):
        group = self.get_object()
        sessions = group.sessions.annotate(n=Count("attendance"))
        return super().get_context_data(group=group, sessions=sessions, workers=group.workers.all(),
                                        person_times=sum(s.n for s in sessions), **kwargs)


class ActivitiesView(PermissionRequiredMixin, TemplateView):
    required_permission = VIEW
    template_name = "socialwork/practice/activities.html"

    def get_context_data(self, **kwargs):
        acts = CommunityActivity.objects.visible_to(self.request.user, VIEW).select_related("worker", "community")
        totals = acts.aggregate(n=Count("id"), people=Sum("participants"))
        page = Paginator(acts.order_by("-date", "-pk"), 30).get_page(self.request.GET.get("page"))
        return super().get_context_data(page=page, totals=totals, **kwargs)


def figure_nodes(user):
    return Node.objects.visible_to(user, VIEW).filter(level__in=LEVELS, is_active=True).order_by("code")


class FiguresView(PermissionRequiredMixin, TemplateView):
    """Cases, interview hours, groups, person-times, activities: live, for any territory level and period."""

    required_permission = VIEW
    template_name = "socialwork/practice/figures.html"

    def get(self, request, *args, **kwargs):
        form = FiguresForm(request.GET)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form, nodes=figure_nodes(request.user)),
                                           status=400)
        nodes = figure_nodes(request.user)
        node_id = form.cleaned_data.get("node")
        if node_id:
            node = nodes.filter(pk=node_id).first()
            if node is None:
                raise OutOfScope(VIEW, Node.objects.filter(pk=node_id).first())
        else:
            grants = {pk for _level, pk in request.user.scope_nodes(VIEW)}
            order = {lv: i for i, lv in enumerate(LEVELS)}
            tops = sorted(nodes.filter(pk__in=grants), key=lambda n: (order.get(n.level, 9), n.code))
            node = tops[0] if tops else None
        today = timezone.localdate()
        start = form.cleaned_data.get("start") or dt.date(today.year, 1, 1)
        end = form.cleaned_data.get("end") or today
        figs = svc.figures(node=node, start=start, end=end)
        children = []
        if node is not None and node.level != Level.COMMUNITY:
            child_level = LEVELS[LEVELS.index(node.level) + 1]
            for child in nodes.filter(level=child_level, **{f"{node.level}_id": node.pk}):
                children.append((child, svc.figures(node=child, start=start, end=end)))
        return self.render_to_response(self.get_context_data(
            form=form, nodes=nodes, node=node, start=start, end=end, figs=figs, children=children))


def practice_nav_url(user) -> str:
    """Where the navigation's 社工服务 entry leads for this user."""
    if user.has_permission(PRACTICE):
        return reverse("socialwork:practice_my_cases")
    return reverse("socialwork:practice_cases")


