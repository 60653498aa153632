"""Pages of community work admission (社区工作准入): the approved list (工作指导目录) for the district admin,
a department's task form and list, the district's review queue, the community's work list (mark done) and
the burden pages (牌子多、台账多、检查多、考核多 made countable). Reads go through ``visible_to``; writes
through :mod:`sanshe.servicedesk.services_admission`."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View

from sanshe.accounts.roles import Perm
from sanshe.core.exceptions import Denied
from sanshe.core.views import PermissionRequiredMixin, ScopedObjectMixin, apply_validation_error
from sanshe.gridops.choices import UnitKind
from sanshe.gridops.models import HandlingUnit
from sanshe.territory.choices import Level
from sanshe.territory.models import Node

from . import services_admission as sa
from .choices_admission import AssignmentState, TaskKind, TaskState
from .forms_admission import EntryForm, ReviewForm, TaskFilterForm, TaskForm, WithdrawForm
from .models_admission import CommunityTask, ListEntry, TaskAssignment

VIEW, SUBMIT, REVIEW = Perm.ADMISSION_VIEW, Perm.ADMISSION_SUBMIT, Perm.ADMISSION_REVIEW
PAGE_SIZE = 50
# The kinds shown as their own columns on the burden pages (the rest are summed as "other").
MAIN_KINDS = (TaskKind.LEDGER, TaskKind.REPORT, TaskKind.CERTIFICATE, TaskKind.INSPECTION, TaskKind.ASSESSMENT,
              TaskKind.PLAQUE)


def _districts(user, permission):
    ids = {node_id for _level, node_id in user.scope_nodes(permission)}
    return Node.objects.filter(pk__in=ids).values("district_id")


def _review_districts(user):
    return Node.objects.visible_to(user, REVIEW).filter(level=Level.DISTRICT)


# --- the approved list -----------------------------------------------------------------------------------------
class EntryListView(PermissionRequiredMixin, View):
    required_permission = REVIEW

    def get(self, request):
        today = timezone.localdate()
        entries = list(ListEntry.objects.visible_to(request.user, REVIEW).select_related("department"))
        for e in entries:
            e.active = e.in_force(today)
        return render(request, "servicedesk/admission/entries.html", {
            "entries": entries, "active": sum(e.active for e in entries)})


class EntryEditView(ScopedObjectMixin, View):
    required_permission = REVIEW
    model = ListEntry
    scope_permission = REVIEW
    template = "servicedesk/admission/entry_form.html"

    def _form(self, obj, data=None):
        district = obj.district if obj else _review_districts(self.request.user).first()
        departments = HandlingUnit.objects.filter(node=district, kind=UnitKind.DISTRICT_DEPT).order_by("name") \
            if district else HandlingUnit.objects.none()
        initial = {}
        if obj:
            initial = {f: getattr(obj, f) for f in ("code", "title", "kind", "legal_basis", "effective_from",
                                                     "effective_to")}
            initial["department"] = obj.department_id
        else:
            initial = {"effective_from": timezone.localdate()}
        return district, EntryForm(data, initial=initial, departments=departments)

    def get(self, request, pk=None):
        obj = self.get_object() if pk else None
        _district, form = self._form(obj)
        return render(request, self.template, {"form": form, "obj": obj})

    def post(self, request, pk=None):
        obj = self.get_object() if pk else None
        district, form = self._form(obj, request.POST)
        if form.is_valid():
            try:
                if district is None:
                    raise Denied(REVIEW)
                saved = sa.save_entry(actor=request.user, district=district, entry=obj, **form.cleaned_data)
            except ValidationError as exc:
                apply_validation_error(form, exc)
            else:
                messages.success(request, _("Entry %(entry)s saved.") % {"entry": saved})
                return redirect("servicedesk:admission_entry_list")
        return render(request, self.template, {"form": form, "obj": obj}, status=400)


class EntryWithdrawView(ScopedObjectMixin, View):
    required_permission = REVIEW
    model = ListEntry
    scope_permission = REVIEW

    def post(self, request, pk):
        entry = self.get_object()
        form = WithdrawForm(request.POST)
        try:
            if not form.is_valid():
                raise ValidationError({"reason": [_("Give a reason.")]})
            sa.withdraw_entry(actor=request.user, entry=entry, reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            messages.error(request, " ".join(m for ms in exc.message_dict.values() for m in ms))
            return redirect("servicedesk:admission_entry_edit", pk=entry.pk)
        messages.success(request, _("Entry %(entry)s withdrawn.") % {"entry": entry})
        return redirect("servicedesk:admission_entry_list")


# --- a department's tasks --------------------------------------------------------------------------------------
def _filtered(request, qs):
    form = TaskFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_bound and form.is_valid() else {}
    if data.get("state"):
        qs = qs.filter(state=data["state"])
    if data.get("kind"):
        qs = qs.filter(kind=data["kind"])
    return form, qs


class DepartmentTaskListView(PermissionRequiredMixin, View):
    required_permission = SUBMIT

    def get(self, request):
        form, qs = _filtered(request, sa.department_tasks(request.user).select_related("department", "entry"))
        page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
        return render(request, "servicedesk/admission/tasks.html", {
            "form": form, "page": page, "departments": sa.user_departments(request.user),
            "detail_url": "servicedesk:admission_task_detail", "mine": True})


class TaskSubmitView(PermissionRequiredMixin, View):
    required_permission = SUBMIT
    template = "servicedesk/admission/task_form.html"

    def _form(self, data=None):
        departments = sa.user_departments(self.request.user)
        districts = departments.values("district_id")
        today = timezone.localdate()
        entries = (ListEntry.objects.filter(district_id__in=districts, department__in=departments,
                                            withdrawn_at__isnull=True, effective_from__lte=today)
                   .exclude(effective_to__lt=today).select_related("department"))
        communities = Node.objects.filter(level=Level.COMMUNITY, district_id__in=districts).order_by("code")
        return TaskForm(data, departments=departments, entries=entries, communities=communities)

    def get(self, request):
        return render(request, self.template, {"form": self._form()})

    def post(self, request):
        form = self._form(request.POST)
        if form.is_valid():
            d = form.cleaned_data
            try:
                task = sa.submit_task(actor=request.user, department=d["department"], title=d["title"],
                                      kind=d["kind"], entry=d["entry"], communities=d["communities"],
                                      frequency=d["frequency"], due_date=d["due_date"], hours=d["hours"],
                                      description=d["description"])
            except ValidationError as exc:
                apply_validation_error(form, exc)
            else:
                if task.state == TaskState.ADMITTED:
                    messages.success(request, _("Task %(number)s admitted: %(note)s") % {
                        "number": task.number, "note": task.decision_note})
                else:
                    messages.error(request, _("Task %(number)s refused: %(note)s") % {
                        "number": task.number, "note": task.decision_note})
                return redirect("servicedesk:admission_task_detail", pk=task.pk)
        return render(request, self.template, {"form": form}, status=400)


def _task_context(task):
    assignments = task.assignments.select_related("community").order_by("period", "community__code")
    done = sum(a.state == AssignmentState.DONE for a in assignments)
    return {"task": task, "steps": task.steps.all(), "assignments": assignments, "done": done,
            "communities": task.communities.order_by("code")}


class DepartmentTaskDetailView(ScopedObjectMixin, View):
    required_permission = SUBMIT
    model = CommunityTask
    scope_permission = SUBMIT

    def get_queryset(self):
        return sa.department_tasks(self.request.user)

    def get(self, request, pk):
        task = self.get_object()
        return render(request, "servicedesk/admission/task_detail.html", _task_context(task))


# --- the district's review -------------------------------------------------------------------------------------
class ReviewQueueView(PermissionRequiredMixin, View):
    required_permission = REVIEW

    def get(self, request):
        base = CommunityTask.objects.visible_to(request.user, REVIEW)
        form, qs = _filtered(request, base.select_related("department", "entry"))
        page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
        since = timezone.now() - dt.timedelta(days=30)
        recent = base.filter(submitted_at__gte=since)
        return render(request, "servicedesk/admission/tasks.html", {
            "form": form, "page": page, "detail_url": "servicedesk:admission_review_detail", "mine": False,
            "recent_admitted": recent.filter(state=TaskState.ADMITTED).count(),
            "recent_refused": recent.filter(state=TaskState.REFUSED).count()})


class ReviewDetailView(ScopedObjectMixin, View):
    required_permission = REVIEW
    model = CommunityTask
    scope_permission = REVIEW
    template = "servicedesk/admission/task_detail.html"

    def _render(self, task, form, status=200):
        ctx = _task_context(task)
        ctx["review_form"] = form
        ctx["actions"] = sa.allowed_actions(task, self.request.user)
        return render(self.request, self.template, ctx, status=status)

    def get(self, request, pk):
        task = self.get_object()
        return self._render(task, ReviewForm())

    def post(self, request, pk):
        task = self.get_object()
        form = ReviewForm(request.POST)
        if form.is_valid():
            try:
                sa.transition(task, form.cleaned_data["action"], actor=request.user, note=form.cleaned_data["note"])
            except ValidationError as exc:
                apply_validation_error(form, exc)
            else:
                messages.success(request, _("Decision recorded."))
                return redirect("servicedesk:admission_review_detail", pk=task.pk)
        return self._render(task, form, status=400)


# --- the community's work --------------------------------------------------------------------------------------
class AssignmentListView(PermissionRequiredMixin, View):
    required_permission = VIEW

    def get(self, request):
        qs = (TaskAssignment.objects.visible_to(request.user, VIEW).exclude(state=AssignmentState.CANCELLED)
              .select_related("task", "task__department", "community"))
        show = request.GET.get("show", "open")
        if show == "open":
            qs = qs.filter(state=AssignmentState.ASSIGNED)
        elif show == "done":
            qs = qs.filter(state=AssignmentState.DONE).order_by("-done_at")
        page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
        for a in page:
            a.can_mark = a.state == AssignmentState.ASSIGNED and sa.can_mark_done(request.user, a)
        return render(request, "servicedesk/admission/assignments.html", {
            "page": page, "show": show, "today": timezone.localdate()})


class MarkDoneView(ScopedObjectMixin, View):
    required_permission = VIEW
    model = TaskAssignment
    scope_permission = VIEW

    def post(self, request, pk):
        if not sa.is_community_staff(request.user):
            raise Denied(VIEW)
        assignment = self.get_object()
        try:
            sa.mark_done(actor=request.user, assignment=assignment, note=request.POST.get("note", ""))
        except ValidationError as exc:
            messages.error(request, " ".join(m for ms in exc.message_dict.values() for m in ms))
        else:
            messages.success(request, _("Marked done: %(task)s") % {"task": assignment.task.title})
        return redirect(request.POST.get("next") if str(request.POST.get("next", "")).startswith("/services/")
                        else "servicedesk:admission_assignments")


# --- the burden ------------------------------------------------------------------------------------------------
AHEAD_MONTHS = 2  # work already assigned for the coming months is shown too


def _months(request):
    """The last 12 months and the next two (periods of admitted recurring work fall there)."""
    today = timezone.localdate()
    return sa.month_list(sa.add_months(today.replace(day=1), AHEAD_MONTHS), 12 + AHEAD_MONTHS)


def _row_totals(cell) -> dict:
    admitted = {k: cell["admitted"].get(k, 0) for k in MAIN_KINDS}
    other = sum(n for k, n in cell["admitted"].items() if k not in MAIN_KINDS)
    return {"kinds": [admitted[k] for k in MAIN_KINDS], "other": other,
            "admitted": sum(cell["admitted"].values()), "refused": sum(cell["refused"].values()),
            "hours": cell["hours"], "certificates": cell["certificates"], "done": cell["done"],
            "open": cell["open"]}


class BurdenCommunityView(ScopedObjectMixin, View):
    required_permission = VIEW
    model = Node
    scope_permission = VIEW

    def get_queryset(self):
        return Node.objects.visible_to(self.request.user, VIEW).filter(level=Level.COMMUNITY)

    def get(self, request, pk):
        community = self.get_object()
        months = _months(request)
        data = sa.burden([community], months)[community.pk]
        rows = [{"month": m, **_row_totals(data[m])} for m in reversed(months)]
        totals = {"kinds": [sum(r["kinds"][i] for r in rows) for i in range(len(MAIN_KINDS))],
                  "other": sum(r["other"] for r in rows), "admitted": sum(r["admitted"] for r in rows),
                  "refused": sum(r["refused"] for r in rows), "hours": sum((r["hours"] for r in rows), Decimal(0)),
                  "certificates": sum(r["certificates"] for r in rows)}
        chart = {"months": [m.strftime("%Y-%m") for m in months],
                 "series": [{"name": str(TaskKind(k).label), "data": [data[m]["admitted"].get(k, 0) for m in months]}
                            for k in MAIN_KINDS],
                 "refused": [sum(data[m]["refused"].values()) for m in months],
                 "refused_label": _("Refused at the gate"),
                 "certificates": [data[m]["certificates"] for m in months],
                 "certificates_label": _("Certificates issued")}
        return render(request, "servicedesk/admission/burden_community.html", {
            "community": community, "rows": rows, "totals": totals, "kinds": [TaskKind(k).label for k in MAIN_KINDS],
            "chart": chart})


class BurdenOverviewView(PermissionRequiredMixin, View):
    required_permission = VIEW

    def get(self, request):
        months = _months(request)
        communities = list(Node.objects.visible_to(request.user, VIEW).filter(level=Level.COMMUNITY)
                           .select_related("street").order_by("code"))
        if len(communities) == 1 and not request.user.has_permission(REVIEW):
            return redirect("servicedesk:admission_burden_community", pk=communities[0].pk)
        data = sa.burden(communities, months)
        ranking = []
        for c in communities:
            cells = [_row_totals(data[c.pk][m]) for m in months]
            ranking.append({"community": c,
                            "kinds": [sum(x["kinds"][i] for x in cells) for i in range(len(MAIN_KINDS))],
                            "other": sum(x["other"] for x in cells),
                            "admitted": sum(x["admitted"] for x in cells), "refused": sum(x["refused"] for x in cells),
                            "hours": sum((x["hours"] for x in cells), Decimal(0)),
                            "certificates": sum(x["certificates"] for x in cells)})
        ranking.sort(key=lambda r: (-r["hours"], -r["admitted"], r["community"].code))
        departments = []
        if request.user.has_permission(REVIEW):
            since = timezone.make_aware(dt.datetime.combine(months[0], dt.time()))
            departments = sa.department_ranking([d.pk for d in _review_districts(request.user)], since)
        chart = {"communities": [r["community"].name for r in ranking[:15]][::-1],
                 "series": [{"name": str(TaskKind(k).label), "data": [r["kinds"][i] for r in ranking[:15]][::-1]}
                            for i, k in enumerate(MAIN_KINDS)]}
        return render(request, "servicedesk/admission/burden.html", {
            "ranking": ranking, "departments": departments, "kinds": [TaskKind(k).label for k in MAIN_KINDS],
            "since": months[0], "chart": chart})
