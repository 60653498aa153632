"""Dispute pages (矛盾纠纷): list with filters, register (parties from the registry or typed), the dispute page
(parties with masked phones, sessions, attachments, history, outcome), a mediation session, the outcome, the
printable ledger (台账) and its audited .xlsx export. Phone-friendly for grid workers, desk-sized for the rest.
Reads go through ``visible_to``; writes through :mod:`sanshe.gridops.services_disputes`."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View

from sanshe.accounts.roles import Perm
from sanshe.core import audit
from sanshe.core.crypto import blind_index
from sanshe.core.exports import audited_export
from sanshe.core.views import PermissionRequiredMixin, ScopedObjectMixin, apply_validation_error
from sanshe.territory.choices import Level, ResidentStatus
from sanshe.territory.models import Resident

from . import services_disputes as sd
from .forms_disputes import (
    AttachmentForm,
    DisputeFilterForm,
    DisputeForm,
    LedgerForm,
    OutcomeForm,
    PartyFormSet,
    RiskForm,
    SessionForm,
)
from .models import Dispute, DisputeAttachment, Event
from .models.disputes import DISPUTE_OPEN_STATES, DisputeAction, PartyRole

VIEW, MANAGE = Perm.DISPUTES_VIEW, Perm.DISPUTES_MANAGE
PAGE_SIZE = 50
LEDGER_MAX_ROWS = 20_000


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def period_filter(qs, start: dt.date | None, end: dt.date | None):
    if start:
        qs = qs.filter(found_at__gte=_day_start(start))
    if end:
        qs = qs.filter(found_at__lt=_day_start(end + dt.timedelta(days=1)))
    return qs


def node_filter(qs, node):
    if node is None:
        return qs
    return qs.filter(**{f"{node.level}_id": node.pk}) if node.level in (
        Level.DISTRICT, Level.STREET, Level.COMMUNITY, Level.GRID) else qs.none()


class DisputeListView(PermissionRequiredMixin, View):
    required_permission = VIEW

    def get(self, request):
        form = DisputeFilterForm(request.GET or None, user=request.user)
        qs = Dispute.objects.visible_to(request.user, VIEW).select_related("community", "grid")
        data = form.cleaned_data if form.is_bound and form.is_valid() else {}
        if data.get("q"):
            q = data["q"].strip()
            qs = qs.filter(Q(number__icontains=q) | Q(summary__icontains=q) | Q(parties__name=q)).distinct()
        qs = node_filter(qs, data.get("node"))
        if data.get("state") == "open":
            qs = qs.filter(state__in=DISPUTE_OPEN_STATES)
        elif data.get("state"):
            qs = qs.filter(state=data["state"])
        for name in ("risk_level", "kind"):
            if data.get(name):
                qs = qs.filter(**{name: data[name]})
        qs = period_filter(qs, data.get("start"), data.get("end"))
        page = Paginator(qs.order_by("-found_at", "-id"), PAGE_SIZE).get_page(request.GET.get("page"))
        query = request.GET.copy()
        query.pop("page", None)
        return render(request, "gridops/disputes/list.html", {
            "form": form, "page": page, "query": query.urlencode(),
            "can_manage": request.user.has_permission(MANAGE)})


def _party_rows(formset) -> list[dict]:
    rows = []
    for f in formset.forms:
        data = getattr(f, "cleaned_data", None) or {}
        if data.get("resident") or (data.get("name") or "").strip():
            rows.append({"role": data.get("role") or PartyRole.OTHER, "resident": data.get("resident"),
                         "name": data.get("name", ""), "phone": data.get("phone", ""), "note": data.get("note", "")})
    return rows


class DisputeCreateView(PermissionRequiredMixin, View):
    required_permission = MANAGE
    template = "gridops/disputes/form.html"

    def _event(self, request, value):
        if not value:
            return None
        return Event.objects.visible_to(request.user, Perm.EVENTS_VIEW).filter(pk=value).first()

    def get(self, request):
        initial = {}
        event = self._event(request, request.GET.get("event", "") if request.GET.get("event", "").isdigit() else None)
        if event is not None:
            initial = {"event": event.pk, "summary": event.description, "address": event.address,
                       "node": event.grid_id or event.community_id}
        form = DisputeForm(initial=initial, user=request.user)
        parties = PartyFormSet(prefix="party", initial=[{"role": PartyRole.APPLICANT},
                                                        {"role": PartyRole.RESPONDENT}])
        return render(request, self.template, {"form": form, "parties": parties, "event": event})

    def post(self, request):
        form = DisputeForm(request.POST, user=request.user)
        parties = PartyFormSet(request.POST, prefix="party")
        if form.is_valid() and parties.is_valid():
            data = form.cleaned_data
            found_on = data["found_on"]
            found_at = timezone.now() if found_on == timezone.localdate() else _day_start(found_on) + \
                dt.timedelta(hours=9)
            try:
                dispute = sd.register_dispute(
                    actor=request.user, node=data["node"], kind=data["kind"], summary=data["summary"],
                    risk_level=data["risk_level"], parties=_party_rows(parties), found_at=found_at,
                    event=self._event(request, data.get("event")), address=data.get("address", ""),
                    settle_now=data.get("settle_now", False), outcome=data.get("outcome", ""))
            except ValidationError as exc:
                apply_validation_error(form, exc)
            else:
                messages.success(request, _("Dispute %(number)s registered.") % {"number": dispute.number})
                return redirect("gridops:dispute_detail", pk=dispute.pk)
        return render(request, self.template, {"form": form, "parties": parties}, status=400)


class DisputeDetailView(ScopedObjectMixin, View):
    required_permission = VIEW
    model = Dispute
    scope_permission = VIEW

    def get(self, request, pk):
        dispute = self.get_object()
        actions = sd.allowed_actions(dispute, request.user)
        return render(request, "gridops/disputes/detail.html", {
            "dispute": dispute, "parties": dispute.parties.select_related("resident"),
            "sessions": dispute.sessions.all(), "attachments": dispute.attachments.all(),
            "steps": dispute.steps.all(), "actions": actions, "can_manage": bool(actions) or (
                request.user.has_permission(MANAGE) and Dispute.objects.visible_to(request.user, MANAGE).filter(
                    pk=dispute.pk).exists()),
            "attachment_form": AttachmentForm(), "risk_form": RiskForm(initial={"risk_level": dispute.risk_level}),
        })


class _ManageMixin(ScopedObjectMixin):
    """A write page on one dispute: 403 without the permission, 404 outside the territory (manage scope)."""

    required_permission = MANAGE
    model = Dispute
    scope_permission = MANAGE


class SessionCreateView(_ManageMixin, View):
    template = "gridops/disputes/session_form.html"

    def get(self, request, pk):
        dispute = self.get_object()
        form = SessionForm(initial={"held_on": timezone.localdate(),
                                    "mediator_name": request.user.get_full_name()})
        return render(request, self.template, {"dispute": dispute, "form": form})

    def post(self, request, pk):
        dispute = self.get_object()
        form = SessionForm(request.POST, request.FILES)
        if form.is_valid():
            data = form.cleaned_data
            try:
                session = sd.record_session(
                    dispute, actor=request.user, held_on=data["held_on"], minutes=data["minutes"],
                    result=data["result"], mediator=request.user if data["mediator_name"] ==
                    request.user.get_full_name() else None, mediator_name=data["mediator_name"],
                    participants=data.get("participants", ""), place=data.get("place", ""))
                if data.get("agreement"):
                    sd.add_attachment(dispute, actor=request.user, file=data["agreement"], session=session,
                                      name=data["agreement"].name)
            except ValidationError as exc:
                apply_validation_error(form, exc)
            else:
                messages.success(request, _("Mediation session recorded."))
                return redirect("gridops:dispute_detail", pk=dispute.pk)
        return render(request, self.template, {"dispute": dispute, "form": form}, status=400)


class OutcomeView(_ManageMixin, View):
    """Record the outcome (化解 / 未化解 / 转诉讼 …) or another step of the transition table."""

    template = "gridops/disputes/outcome_form.html"

    def _form(self, request, dispute, data=None):
        actions = sd.allowed_actions(dispute, request.user)
        initial = {"action": request.GET.get("action")} if request.GET.get("action") in actions else {}
        return OutcomeForm(data, actions=actions, initial=initial)

    def get(self, request, pk):
        dispute = self.get_object()
        return render(request, self.template, {"dispute": dispute, "form": self._form(request, dispute)})

    def post(self, request, pk):
        dispute = self.get_object()
        form = self._form(request, dispute, request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                dispute = sd.transition_dispute(dispute, data["action"], actor=request.user, note=data["note"],
                                                outcome=data["outcome"], settled_level=data["settled_level"])
            except ValidationError as exc:
                apply_validation_error(form, exc)
            else:
                messages.success(request, _("%(step)s: recorded.") % {"step": DisputeAction(data["action"]).label})
                return redirect("gridops:dispute_detail", pk=dispute.pk)
        return render(request, self.template, {"dispute": dispute, "form": form}, status=400)


class AttachmentUploadView(_ManageMixin, View):
    def post(self, request, pk):
        dispute = self.get_object()
        form = AttachmentForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                sd.add_attachment(dispute, actor=request.user, file=form.cleaned_data["file"],
                                  kind=form.cleaned_data["kind"], name=form.cleaned_data["file"].name)
            except ValidationError as exc:
                apply_validation_error(form, exc)
            else:
                messages.success(request, _("Attachment added."))
                return redirect("gridops:dispute_detail", pk=dispute.pk)
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect("gridops:dispute_detail", pk=dispute.pk)


class RiskView(_ManageMixin, View):
    def post(self, request, pk):
        dispute = self.get_object()
        form = RiskForm(request.POST)
        if form.is_valid():
            try:
                sd.change_risk(dispute, actor=request.user, **form.cleaned_data)
            except ValidationError as exc:
                apply_validation_error(form, exc)
            else:
                messages.success(request, _("Risk level changed."))
                return redirect("gridops:dispute_detail", pk=dispute.pk)
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect("gridops:dispute_detail", pk=dispute.pk)


class AttachmentDownloadView(ScopedObjectMixin, View):
    """An attachment of a visible dispute (audited: agreements hold personal data)."""

    required_permission = VIEW
    model = Dispute
    scope_permission = VIEW

    def get(self, request, pk, attachment_pk):
        dispute = self.get_object()
        attachment = DisputeAttachment.objects.filter(dispute=dispute, pk=attachment_pk).first()
        if attachment is None:
            raise Http404
        audit.record("gridops.dispute.attachment_viewed", obj=dispute, actor=request.user,
                     message=attachment.original_name, extra={"attachment": attachment.pk})
        response = FileResponse(attachment.file.open("rb"), content_type=attachment.content_type,
                                as_attachment=attachment.content_type == "application/pdf",
                                filename=attachment.original_name)
        response["Cache-Control"] = "no-store"
        response["X-Content-Type-Options"] = "nosniff"
        return response


class ResidentPickView(PermissionRequiredMixin, View):
    """Registry look-up for the party picker: name (prefix) or full ID number / phone; masked answers."""

    required_permission = MANAGE

    def get(self, request):
        q = (request.GET.get("q") or "").strip()
        if len(q) < 1:
            return JsonResponse({"results": []})
        qs = Resident.objects.visible_to(request.user, Perm.REGISTRY_VIEW).filter(
            status=ResidentStatus.REGISTERED)
        if q.isdigit() and len(q) == 11:
            qs = qs.filter(phone_index=blind_index(q))
        elif len(q) == 18 and q[:17].isdigit():
            from sanshe.territory.registry import id_number_index

            qs = qs.filter(id_number_index=id_number_index(q.upper()))
        else:
            qs = qs.filter(name__startswith=q)
        rows = qs.select_related("grid", "building").order_by("name", "id")[:20]
        return JsonResponse({"results": [
            {"id": r.pk, "name": r.name, "id_number": r.id_number_masked, "phone": r.phone_masked,
             "where": " ".join(n.name for n in (r.grid, r.building) if n is not None)} for r in rows]})


# --- the ledger (台账) --------------------------------------------------------------------------------------------
def _ledger(request):
    form = LedgerForm(request.GET or None, user=request.user)
    today = timezone.localdate()
    data = form.cleaned_data if form.is_bound and form.is_valid() else {}
    start = data.get("start") or today.replace(month=1, day=1)
    end = data.get("end") or today
    qs = Dispute.objects.visible_to(request.user, VIEW)
    qs = period_filter(node_filter(qs, data.get("node")), start, end)
    return form, qs, start, end, data.get("node")


class LedgerView(PermissionRequiredMixin, View):
    required_permission = VIEW

    def get(self, request):
        form, qs, start, end, node = _ledger(request)
        rows = list(sd.ledger_rows(qs, LEDGER_MAX_ROWS))
        query = request.GET.urlencode()
        return render(request, "gridops/disputes/ledger.html", {
            "form": form, "rows": rows, "columns": sd.ledger_columns(), "start": start, "end": end,
            "node": node, "cut": len(rows) >= LEDGER_MAX_ROWS, "export_url": reverse(
                "gridops:dispute_ledger_export") + (f"?{query}" if query else "")})


class LedgerExportView(PermissionRequiredMixin, View):
    required_permission = VIEW

    def get(self, request):
        form, qs, start, end, node = _ledger(request)
        active = {"start": start.isoformat(), "end": end.isoformat(), "node": node.code if node else ""}

        def record(table):
            audit.record("gridops.dispute.ledger_exported", actor=request.user, object_type="gridops.dispute",
                         object_repr=_("Dispute ledger"),
                         extra={"filter": active, "rows": table.rows, "truncated": table.truncated})

        return audited_export(
            "xlsx", sd.ledger_columns(), sd.ledger_rows(qs, LEDGER_MAX_ROWS + 1), user=request.user,
            basename="dispute-ledger", record=record, max_rows=LEDGER_MAX_ROWS, sheet_title=_("Dispute ledger"),
            truncated_note=_("Cut at %(n)d rows: choose a shorter period or a smaller territory.") % {
                "n": LEDGER_MAX_ROWS},
            active_filter=active, column_widths=[6, 12, 14, 28, 48, 8, 16, 36, 10, 12])
