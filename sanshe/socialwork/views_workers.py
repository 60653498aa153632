"""Pages of the social workers' roster: the list with filters, the worker's page (certificates, posts, trainings,
subsidy history) and its forms, "my profile" for the social worker himself, the subsidy table, the monthly roll
with its .xlsx export (audited) and confirmation, trainings, and the figures.

Reads go through ``visible_to``; writes through :mod:`sanshe.socialwork.services_workers`.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch, Q
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from sanshe.accounts.models import User
from sanshe.core import audit
from sanshe.core.exports import audited_export
from sanshe.core.views import PermissionRequiredMixin, ScopedObjectMixin, apply_validation_error
from sanshe.societies.choices import OrgStatus
from sanshe.societies.models import Organization
from sanshe.territory.models import Resident

from . import services_workers as sw
from .choices_workers import LEVEL_RANK, CertificateLevel
from .forms_workers import (
    CertificateForm,
    EndPostForm,
    FiguresForm,
    PostForm,
    RateForm,
    RevokeForm,
    RollForm,
    TrainingFilterForm,
    TrainingForm,
    WorkerCreateForm,
    WorkerFilterForm,
    WorkerForm,
)
from .models import SocialWorker
from .models_workers import SubsidyPayment, SubsidyRate, Training, WorkerCertificate

VIEW, MANAGE, SUBSIDY, PRACTICE = sw.VIEW, sw.MANAGE, sw.SUBSIDY, sw.PRACTICE
PAGE_SIZE = 50
T = "socialwork/workers/"


def employers_for(user, permission=MANAGE):
    districts = sw.places(user, permission).values("district_id")
    return (Organization.objects.filter(district_id__in=districts).exclude(status=OrgStatus.DEREGISTERED)
            .order_by("-is_social_work_agency", "name"))


def _highest_today(worker, today):
    cert = sw.highest_valid(list(worker.certificates.all()), today)
    return cert


def _links(form, actor):
    """The account and registry record a worker form names (errors put on the form)."""
    user = resident = None
    data = form.cleaned_data
    if data.get("username"):
        user = User.objects.filter(username=data["username"].strip()).first()
        if user is None:
            form.add_error("username", _("No account has this user name."))
    if data.get("id_number"):
        from sanshe.territory.registry import id_number_index

        try:
            index = id_number_index(data["id_number"].strip().upper())
        except Exception:  # noqa: BLE001 - a malformed number is simply not found
            index = ""
        resident = Resident.objects.filter(id_number_index=index, district_id__in=sw.places(
            actor, MANAGE).values("district_id")).first() if index else None
        if resident is None:
            form.add_error("id_number", _("No resident of your district has this ID number."))
    return user, resident, not form.errors


# --- roster ----------------------------------------------------------------------------------------------------
class WorkerListView(PermissionRequiredMixin, View):
    required_permission = VIEW

    def get(self, request):
        user = request.user
        form = WorkerFilterForm(request.GET or None, places=sw.places(user), employers=employers_for(user, VIEW))
        data = form.cleaned_data if form.is_bound and form.is_valid() else {"active": "1"}
        today = timezone.localdate()
        qs = SocialWorker.objects.visible_to(user, VIEW)
        if data.get("node"):
            qs = qs.filter(sw.territory_filter(data["node"]))
        if data.get("employer"):
            qs = qs.filter(employer=data["employer"])
        if data.get("active") in ("0", "1"):
            qs = qs.filter(is_active=data["active"] == "1")
        if data.get("q"):
            q = data["q"].strip()
            qs = qs.filter(Q(name__contains=q) | Q(certificates__number__icontains=q)).distinct()
        valid = WorkerCertificate.objects.filter(registered_on__lte=today).filter(
            Q(valid_until__isnull=True) | Q(valid_until__gte=today)).filter(
            Q(revoked_on__isnull=True) | Q(revoked_on__gt=today))
        level = data.get("level")
        if level == "any":
            qs = qs.filter(pk__in=valid.values("worker_id"))
        elif level == "none":
            qs = qs.exclude(pk__in=valid.values("worker_id"))
        elif level:
            # the highest valid level is this one: holds it, and no higher one
            higher = [lv for lv, rank in LEVEL_RANK.items() if rank > LEVEL_RANK[CertificateLevel(level)]]
            qs = qs.filter(pk__in=valid.filter(level=level).values("worker_id")).exclude(
                pk__in=valid.filter(level__in=higher).values("worker_id"))
        qs = qs.select_related("community", "street", "district", "employer").prefetch_related(
            Prefetch("certificates", queryset=WorkerCertificate.objects.order_by("pk"))).order_by("name", "pk")
        page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
        rows = [{"worker": w, "cert": _highest_today(w, today)} for w in page]
        query = request.GET.copy()
        query.pop("page", None)
        return render(request, T + "list.html", {
            "form": form, "page": page, "rows": rows, "query": query.urlencode(),
            "can_manage": user.has_permission(MANAGE), "can_subsidy": user.has_permission(SUBSIDY)})


def worker_context(request, worker, *, is_self=False):
    today = timezone.localdate()
    certificates = list(worker.certificates.all().order_by("-issued_on", "-pk"))
    user = request.user
    can_manage = not is_self and user.has_permission(MANAGE) and SocialWorker.objects.visible_to(
        user, MANAGE).filter(pk=worker.pk).exists()
    show_subsidy = is_self or (user.has_permission(SUBSIDY) and SocialWorker.objects.visible_to(
        user, SUBSIDY).filter(pk=worker.pk).exists())
    trainings = list(worker.trainings.order_by("-held_on", "-pk"))
    return {
        "worker": worker, "is_self": is_self, "today": today,
        "certificates": [{"cert": c, "valid": c.is_valid_on(today)} for c in certificates],
        "current": sw.highest_valid(certificates, today),
        "posts": worker.posts.select_related("employer").order_by("-started_on", "-pk"),
        "trainings": trainings, "training_hours": sum((t.hours for t in trainings), 0),
        "payments": (SubsidyPayment.objects.filter(worker=worker).select_related("roll").order_by("-roll__month")[:24]
                     if show_subsidy else None),
        "can_manage": can_manage,
    }


class WorkerDetailView(ScopedObjectMixin, View):
    required_permission = VIEW
    model = SocialWorker
    scope_permission = VIEW

    def get(self, request, pk):
        worker = self.get_object()
        return render(request, T + "detail.html", worker_context(request, worker))


class MyProfileView(PermissionRequiredMixin, View):
    """我的资料: the social worker's own page (his account is linked to a roster entry)."""

    required_permission = PRACTICE

    def get(self, request):
        worker = (SocialWorker.objects.filter(user=request.user)
                  .select_related("community", "street", "district", "employer").first())
        if worker is None:
            return render(request, T + "detail.html", {"worker": None, "is_self": True})
        context = worker_context(request, worker, is_self=True)
        context["practice_links"] = practice_links()
        return render(request, T + "detail.html", context)


PRACTICE_LINKS = [("socialwork:practice_my_cases", gettext_lazy("My cases")), ("socialwork:practice_my_groups", gettext_lazy("My groups")),
                  ("socialwork:practice_my_activities", gettext_lazy("My activities"))]


def practice_links() -> list[tuple[str, str]]:
    """Links to the social worker's own practice pages (cases, groups, activities) that exist."""
    from django.urls import NoReverseMatch, reverse

    links = []
    for name, label in PRACTICE_LINKS:
        try:
            links.append((reverse(name), label))
        except NoReverseMatch:
            continue
    return links


class WorkerCreateView(PermissionRequiredMixin, View):
    required_permission = MANAGE

    def _form(self, request, data=None):
        return WorkerCreateForm(data, places=sw.places(request.user, MANAGE), employers=employers_for(request.user))

    def get(self, request):
        return render(request, T + "worker_form.html", {"form": self._form(request)})

    def post(self, request):
        form = self._form(request, request.POST)
        if form.is_valid():
            user, resident, ok = _links(form, request.user)
            if ok:
                d = form.cleaned_data
                try:
                    worker = sw.create_worker(actor=request.user, node=d["node"], name=d["name"], user=user,
                                              resident=resident, employer=d["employer"], post=d["post"],
                                              started_on=d["started_on"])
                except ValidationError as exc:
                    apply_validation_error(form, exc)
                else:
                    messages.success(request, _("%(name)s is on the roster.") % {"name": worker.name})
                    return redirect("socialwork:worker_detail", pk=worker.pk)
        return render(request, T + "worker_form.html", {"form": form}, status=400)


class WorkerEditView(ScopedObjectMixin, View):
    required_permission = MANAGE
    model = SocialWorker
    scope_permission = MANAGE

    def _form(self, request, worker, data=None):
        initial = {"name": worker.name, "node": worker.community_id or worker.street_id or worker.district_id,
                   "username": worker.user.username if worker.user_id else "", "is_active": worker.is_active}
        return WorkerForm(data, places=sw.places(request.user, MANAGE), initial=initial)

    def get(self, request, pk):
        worker = self.get_object()
        return render(request, T + "worker_form.html", {"form": self._form(request, worker), "worker": worker})

    def post(self, request, pk):
        worker = self.get_object()
        form = self._form(request, worker, request.POST)
        if form.is_valid():
            user, resident, ok = _links(form, request.user)
            if ok:
                d = form.cleaned_data
                try:
                    sw.update_worker(worker, actor=request.user, node=d["node"], name=d["name"], user=user,
                                     resident=resident if d.get("id_number") else worker.resident,
                                     is_active=d["is_active"])
                except ValidationError as exc:
                    apply_validation_error(form, exc)
                else:
                    messages.success(request, _("Saved."))
                    return redirect("socialwork:worker_detail", pk=worker.pk)
        return render(request, T + "worker_form.html", {"form": form, "worker": worker}, status=400)


class PostCreateView(ScopedObjectMixin, View):
    required_permission = MANAGE
    model = SocialWorker
    scope_permission = MANAGE

    def _form(self, request, data=None):
        return PostForm(data, employers=employers_for(request.user), initial={"started_on": timezone.localdate()})

    def get(self, request, pk):
        return render(request, T + "post_form.html", {"form": self._form(request), "worker": self.get_object()})

    def post(self, request, pk):
        worker = self.get_object()
        form = self._form(request, request.POST)
        if form.is_valid():
            d = form.cleaned_data
            try:
                sw.add_post(worker, actor=request.user, employer=d["employer"], title=d["title"],
                            started_on=d["started_on"])
            except ValidationError as exc:
                apply_validation_error(form, exc)
            else:
                messages.success(request, _("Post recorded."))
                return redirect("socialwork:worker_detail", pk=worker.pk)
        return render(request, T + "post_form.html", {"form": form, "worker": worker}, status=400)


class PostEndView(ScopedObjectMixin, View):
    required_permission = MANAGE
    model = SocialWorker
    scope_permission = MANAGE

    def post(self, request, pk):
        worker = self.get_object()
        form = EndPostForm(request.POST)
        try:
            if not form.is_valid():
                raise ValidationError(form.errors.get_json_data())
            sw.end_post(worker, actor=request.user, ended_on=form.cleaned_data["ended_on"])
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages) if hasattr(exc, "messages") else str(exc))
        else:
            messages.success(request, _("The post has ended."))
        return redirect("socialwork:worker_detail", pk=worker.pk)


class CertificateCreateView(ScopedObjectMixin, View):
    required_permission = MANAGE
    model = SocialWorker
    scope_permission = MANAGE

    def get(self, request, pk):
        return render(request, T + "certificate_form.html", {"form": CertificateForm(), "worker": self.get_object()})

    def post(self, request, pk):
        worker = self.get_object()
        form = CertificateForm(request.POST)
        if form.is_valid():
            try:
                sw.add_certificate(worker, actor=request.user, **form.cleaned_data)
            except ValidationError as exc:
                apply_validation_error(form, exc)
            else:
                messages.success(request, _("Certificate recorded."))
                return redirect("socialwork:worker_detail", pk=worker.pk)
        return render(request, T + "certificate_form.html", {"form": form, "worker": worker}, status=400)


class CertificateEditView(ScopedObjectMixin, View):
    required_permission = MANAGE
    model = WorkerCertificate
    scope_permission = MANAGE

    def get(self, request, pk):
        cert = self.get_object()
        form = CertificateForm(initial={f: getattr(cert, f) for f in CertificateForm.base_fields})
        return render(request, T + "certificate_form.html", {"form": form, "worker": cert.worker, "cert": cert})

    def post(self, request, pk):
        cert = self.get_object()
        form = CertificateForm(request.POST)
        if form.is_valid():
            try:
                sw.update_certificate(cert, actor=request.user, **form.cleaned_data)
            except ValidationError as exc:
                apply_validation_error(form, exc)
            else:
                messages.success(request, _("Saved."))
                return redirect("socialwork:worker_detail", pk=cert.worker_id)
        return render(request, T + "certificate_form.html", {"form": form, "worker": cert.worker, "cert": cert},
                      status=400)


class CertificateRevokeView(ScopedObjectMixin, View):
    required_permission = MANAGE
    model = WorkerCertificate
    scope_permission = MANAGE

    def post(self, request, pk):
        cert = self.get_object()
        form = RevokeForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("Give the reason."))
        else:
            try:
                sw.revoke_certificate(cert, actor=request.user, revoked_on=form.cleaned_data["revoked_on"],
                                      reason=form.cleaned_data["reason"])
            except ValidationError as exc:
                messages.error(request, " ".join(exc.messages))
            else:
                messages.success(request, _("Certificate revoked."))
        return redirect("socialwork:worker_detail", pk=cert.worker_id)


# --- subsidy table and roll ------------------------------------------------------------------------------------
class RateListView(PermissionRequiredMixin, View):
    required_permission = SUBSIDY

    def _render(self, request, form, status=200):
        rates = (SubsidyRate.objects.visible_to(request.user, SUBSIDY)
                 .select_related("region", "created_by").order_by("region__code", "-effective_from", "level"))
        today = timezone.localdate()
        groups: dict = {}
        for rate in rates:
            groups.setdefault(rate.region, []).append(rate)
        current = []
        for region, lines in groups.items():
            by_level = {}
            for rate in lines:  # newest first per level
                if rate.effective_from <= sw.month_start(today) and rate.level not in by_level:
                    by_level[rate.level] = rate
            current.append({"region": region, "lines": lines,
                            "now": [by_level.get(level) for level in CertificateLevel.values]})
        return render(request, T + "rates.html", {"form": form, "groups": current,
                                                  "levels": CertificateLevel.choices}, status=status)

    def _form(self, request, data=None):
        top = sw.top_place(request.user, SUBSIDY)
        return RateForm(data, places=sw.places(request.user, SUBSIDY),
                        initial={"region": top.pk if top else None,
                                 "effective_from": sw.month_start(timezone.localdate())})

    def get(self, request):
        return self._render(request, self._form(request))

    def post(self, request):
        form = self._form(request, request.POST)
        if form.is_valid():
            d = form.cleaned_data
            try:
                sw.set_rate(actor=request.user, region=d["region"], level=d["level"],
                            effective_from=d["effective_from"], amount=d["amount"], note=d["note"])
            except ValidationError as exc:
                apply_validation_error(form, exc)
            else:
                messages.success(request, _("Rate saved."))
                return redirect("socialwork:subsidy_rates")
        return self._render(request, form, status=400)


def _roll_params(request):
    """(form, node, month) from the query string; defaults: the user's widest place, the current month."""
    user = request.user
    form = RollForm(request.GET or None, places=sw.places(user, SUBSIDY))
    data = form.cleaned_data if form.is_bound and form.is_valid() else {}
    node = data.get("node") or sw.top_place(user, SUBSIDY)
    month = data.get("month") or sw.month_start(timezone.localdate())
    if not form.is_bound or form.errors:
        form = RollForm(initial={"node": node.pk if node else None, "month": month}, places=sw.places(user, SUBSIDY))
    return form, node, month


class RollView(PermissionRequiredMixin, View):
    required_permission = SUBSIDY

    def get(self, request):
        form, node, month = _roll_params(request)
        roll = sw.compute_roll(node, month) if node else None
        payments = None
        if roll is not None and roll.confirmed is not None:
            payments = roll.confirmed.payments.select_related("worker").order_by("worker_name", "pk")
        return render(request, T + "roll.html", {
            "form": form, "node": node, "month": month, "roll": roll, "payments": payments,
            "can_confirm": roll is not None and roll.confirmed is None
            and month <= sw.month_start(timezone.localdate())})


ROLL_HEADERS = [(gettext_lazy("Name"), 12), (gettext_lazy("Community"), 16), (gettext_lazy("Employer"), 24), (gettext_lazy("Certificate level"), 22),
                (gettext_lazy("Certificate number"), 20), (gettext_lazy("Valid until"), 12), (gettext_lazy("Rate region"), 16),
                (gettext_lazy("Rate effective from"), 14), (gettext_lazy("Yuan"), 10)]


class RollExportView(PermissionRequiredMixin, View):
    required_permission = SUBSIDY

    def get(self, request):
        _form, node, month = _roll_params(request)
        roll = sw.compute_roll(node, month)
        active = {"node": node.code, "month": f"{month:%Y-%m}"}

        def rows():
            for line in roll.lines:
                w, c, r = line.worker, line.certificate, line.rate
                where = w.community or w.street or w.district
                yield [w.name, where.name if where else "", w.employer.name if w.employer_id else "",
                       c.get_level_display(), c.number, c.valid_until, r.region.name, r.effective_from,
                       line.amount]
            yield ["", "", "", "", "", "", "", _("Total"), roll.total]

        def record(table):
            audit.record("socialwork.subsidy_roll.exported", actor=request.user, object_type="socialwork.subsidyroll",
                         object_repr=f"{node.name} {month:%Y-%m}",
                         extra={"filter": active, "rows": table.rows, "total": str(roll.total)})

        excluded = [(f"{e.worker.name}", str(e.reason_label)) for e in roll.excluded]
        return audited_export(
            "xlsx", [str(h) for h, _w in ROLL_HEADERS], rows(), user=request.user,
            basename=f"subsidy-roll-{node.code}-{month:%Y%m}", record=record, max_rows=100_000,
            sheet_title=_("Subsidy roll"), truncated_note="", active_filter=active,
            column_widths=[w for _h, w in ROLL_HEADERS],
            extra_notes=[(_("Territory"), node.name), (_("Month"), f"{month:%Y-%m}"),
                         (_("Social workers paid"), len(roll.lines)), (_("Total (yuan)"), roll.total),
                         (_("Confirmed"), _("yes") if roll.confirmed else _("no")),
                         (_("Excluded"), len(roll.excluded)), *excluded])


class RollConfirmView(PermissionRequiredMixin, View):
    required_permission = SUBSIDY

    def post(self, request):
        form = RollForm(request.POST, places=sw.places(request.user, SUBSIDY))
        if not form.is_valid() or not form.cleaned_data.get("node") or not form.cleaned_data.get("month"):
            messages.error(request, _("Choose the territory and the month."))
            return redirect("socialwork:subsidy_roll")
        node, month = form.cleaned_data["node"], form.cleaned_data["month"]
        try:
            roll = sw.confirm_roll(actor=request.user, node=node, month=month)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Roll confirmed: %(n)d social workers, %(total)s yuan.")
                             % {"n": roll.headcount, "total": roll.total})
        return redirect(f"{_url('socialwork:subsidy_roll')}?node={node.pk}&month={month:%Y-%m}")


def _url(name, *args):
    from django.urls import reverse

    return reverse(name, args=args)


# --- trainings -------------------------------------------------------------------------------------------------
class TrainingListView(PermissionRequiredMixin, View):
    required_permission = VIEW

    def get(self, request):
        form = TrainingFilterForm(request.GET or None)
        data = form.cleaned_data if form.is_bound and form.is_valid() else {}
        qs = Training.objects.visible_to(request.user, VIEW).select_related("community", "street", "district")
        if data.get("kind"):
            qs = qs.filter(kind=data["kind"])
        if data.get("year"):
            qs = qs.filter(held_on__year=data["year"])
        counts = {row["kind"]: row["n"] for row in qs.values("kind").annotate(n=Count("id")).order_by()}
        qs = qs.annotate(people=Count("attendees")).order_by("-held_on", "-pk")
        page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
        query = request.GET.copy()
        query.pop("page", None)
        return render(request, T + "trainings.html", {
            "form": form, "page": page, "query": query.urlencode(), "counts": counts,
            "can_manage": request.user.has_permission(MANAGE)})


class TrainingDetailView(ScopedObjectMixin, View):
    required_permission = VIEW
    model = Training
    scope_permission = VIEW

    def get(self, request, pk):
        training = self.get_object()
        return render(request, T + "training_detail.html", {
            "training": training, "attendees": training.attendees.select_related("community", "employer"),
            "can_manage": request.user.has_permission(MANAGE) and Training.objects.visible_to(
                request.user, MANAGE).filter(pk=training.pk).exists()})


class _TrainingFormMixin:
    def _form(self, request, data=None, initial=None):
        workers = (SocialWorker.objects.visible_to(request.user, MANAGE).filter(is_active=True)
                   .select_related("community", "street", "district").order_by("community__code", "name"))
        return TrainingForm(data, places=sw.places(request.user, MANAGE), workers=workers, initial=initial)


class TrainingCreateView(_TrainingFormMixin, PermissionRequiredMixin, View):
    required_permission = MANAGE

    def get(self, request):
        top = sw.top_place(request.user, MANAGE)
        form = self._form(request, initial={"node": top.pk if top else None, "held_on": timezone.localdate()})
        return render(request, T + "training_form.html", {"form": form})

    def post(self, request):
        form = self._form(request, request.POST)
        if form.is_valid():
            try:
                training = sw.record_training(actor=request.user, **form.cleaned_data)
            except ValidationError as exc:
                apply_validation_error(form, exc)
            else:
                messages.success(request, _("Training recorded."))
                return redirect("socialwork:training_detail", pk=training.pk)
        return render(request, T + "training_form.html", {"form": form}, status=400)


class TrainingEditView(_TrainingFormMixin, ScopedObjectMixin, View):
    required_permission = MANAGE
    model = Training
    scope_permission = MANAGE

    def get(self, request, pk):
        t = self.get_object()
        form = self._form(request, initial={
            "title": t.title, "kind": t.kind, "node": t.community_id or t.street_id or t.district_id,
            "held_on": t.held_on, "hours": t.hours, "place": t.place, "organizer": t.organizer,
            "attendees": list(t.attendees.values_list("pk", flat=True))})
        return render(request, T + "training_form.html", {"form": form, "training": t})

    def post(self, request, pk):
        t = self.get_object()
        form = self._form(request, request.POST)
        if form.is_valid():
            d = dict(form.cleaned_data)
            d.pop("node")
            try:
                sw.update_training(t, actor=request.user, **d)
            except ValidationError as exc:
                apply_validation_error(form, exc)
            else:
                messages.success(request, _("Saved."))
                return redirect("socialwork:training_detail", pk=t.pk)
        return render(request, T + "training_form.html", {"form": form, "training": t}, status=400)


# --- figures ---------------------------------------------------------------------------------------------------
class FiguresView(PermissionRequiredMixin, View):
    required_permission = VIEW

    def get(self, request):
        user = request.user
        form = FiguresForm(request.GET or None, places=sw.places(user, VIEW))
        node = form.cleaned_data.get("node") if form.is_bound and form.is_valid() else None
        node = node or sw.top_place(user, VIEW)
        if not form.is_bound or form.errors:
            form = FiguresForm(initial={"node": node.pk if node else None}, places=sw.places(user, VIEW))
        result = sw.figures(node) if node else None
        return render(request, T + "figures.html", {"form": form, "node": node, "f": result})
