"""Certificate pages (社区证明): the list of a territory's certificates with counts per type and month (the
证明盖章 burden made countable), issuing (holder from the registry or typed in), the certificate page with its PDF
(an audited export) and revoking, the district's certificate types, and the public verification page.
Reads go through ``visible_to``; writes through :mod:`sanshe.servicedesk.services_certificates`."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.db.models.functions import TruncMonth
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View

from sanshe.accounts.roles import Perm
from sanshe.core import audit
from sanshe.core.crypto import blind_index
from sanshe.core.exceptions import OutOfScope
from sanshe.core.views import PermissionRequiredMixin, ScopedObjectMixin, apply_validation_error
from sanshe.territory.choices import Level, ResidentStatus
from sanshe.territory.models import Node, Resident

from . import services_certificates as sc
from .forms_certificates import CertificateFilterForm, CertificateTypeForm, IssueForm, RevokeForm
from .models import Certificate, CertificateType
from .pdf import certificate_pdf

VIEW, CERTIFY, CONFIGURE = Perm.SERVICES_VIEW, Perm.SERVICES_CERTIFY, Perm.SERVICES_CONFIGURE
PAGE_SIZE = 50
COUNT_MONTHS = 12


def _districts(user, permission):
    ids = {node_id for _level, node_id in user.scope_nodes(permission)}
    return Node.objects.filter(pk__in=ids).values("district_id")


def types_for(user, permission=VIEW):
    """The certificate types of the districts the user works in."""
    return CertificateType.objects.filter(district_id__in=_districts(user, permission))


def mask_name(name: str) -> str:
    """张三 → 张*, 欧阳小明 → 欧***: the public page shows the surname only."""
    name = (name or "").strip()
    return name[:1] + "*" * max(1, len(name) - 1) if name else ""


def _month_start(year: int, month: int) -> dt.datetime:
    return timezone.make_aware(dt.datetime(year, month, 1))


class CertificateListView(PermissionRequiredMixin, View):
    required_permission = VIEW

    def get(self, request):
        types = types_for(request.user)
        communities = Node.objects.visible_to(request.user, VIEW).filter(level=Level.COMMUNITY).order_by("code")
        form = CertificateFilterForm(request.GET or None, types=types, communities=communities)
        data = form.cleaned_data if form.is_bound and form.is_valid() else {}
        base = Certificate.objects.visible_to(request.user, VIEW)
        if data.get("community"):
            base = base.filter(community=data["community"])
        if data.get("type"):
            base = base.filter(type=data["type"])
        qs = base.select_related("type", "community")
        if data.get("month"):
            year, month = data["month"]
            end = _month_start(year + (month == 12), month % 12 + 1)
            qs = qs.filter(issued_at__gte=_month_start(year, month), issued_at__lt=end)
        if data.get("q"):
            q = data["q"].strip()
            qs = qs.filter(Q(serial__icontains=q) | Q(holder_name__startswith=q))
        page = Paginator(qs.order_by("-issued_at", "-pk"), PAGE_SIZE).get_page(request.GET.get("page"))
        query = request.GET.copy()
        query.pop("page", None)
        return render(request, "servicedesk/certificates/list.html", {
            "form": form, "page": page, "query": query.urlencode(), "table": count_table(base),
            "can_certify": request.user.has_permission(CERTIFY),
            "can_configure": request.user.has_permission(CONFIGURE)})


def count_table(qs) -> dict:
    """Issued certificates per type and month over the last twelve months (revoked ones included: each was
    a stamp), with totals."""
    today = timezone.localdate()
    first = today.replace(day=1)
    for _i in range(COUNT_MONTHS - 1):
        first = (first - dt.timedelta(days=1)).replace(day=1)
    rows = (qs.filter(issued_at__gte=_month_start(first.year, first.month))
            .annotate(m=TruncMonth("issued_at")).values("type__name", "type__sort_order", "m")
            .annotate(n=Count("id")).order_by())
    months = []
    day = first
    while day <= today:
        months.append((day.year, day.month))
        day = (day + dt.timedelta(days=32)).replace(day=1)
    by_type: dict[str, dict] = {}
    order: dict[str, int] = {}
    for row in rows:
        m = row["m"]
        if isinstance(m, dt.datetime):
            m = timezone.localtime(m) if timezone.is_aware(m) else m
        key = (m.year, m.month)
        by_type.setdefault(row["type__name"], {})
        by_type[row["type__name"]][key] = by_type[row["type__name"]].get(key, 0) + row["n"]
        order[row["type__name"]] = row["type__sort_order"]
    lines = []
    for name in sorted(by_type, key=lambda n: (order[n], n)):
        cells = [by_type[name].get(k, 0) for k in months]
        lines.append({"name": name, "cells": cells, "total": sum(cells)})
    totals = [sum(line["cells"][i] for line in lines) for i in range(len(months))]
    return {"months": [f"{y}-{m:02d}" for y, m in months], "lines": lines, "totals": totals,
            "total": sum(totals)}


class IssueView(PermissionRequiredMixin, View):
    required_permission = CERTIFY
    template = "servicedesk/certificates/issue.html"

    def _form(self, request, data=None):
        communities = list(Node.objects.visible_to(request.user, CERTIFY).filter(
            level=Level.COMMUNITY, is_active=True).order_by("code"))
        initial = {}
        if request.GET.get("type", "").isdigit():
            initial["type"] = int(request.GET["type"])
        return IssueForm(data, types=types_for(request.user, CERTIFY).filter(is_active=True),
                         communities=Node.objects.filter(pk__in=[c.pk for c in communities]).order_by("code"),
                         initial=initial)

    def _resident(self, request, pk):
        if not pk:
            return None
        resident = Resident.objects.filter(pk=pk).first()
        if resident is None:
            raise Http404
        return resident  # the service checks that the user may see him (404 otherwise)

    def get(self, request):
        form = self._form(request)
        resident = None
        if request.GET.get("resident", "").isdigit():
            resident = Resident.objects.visible_to(request.user, Perm.REGISTRY_VIEW).filter(
                pk=request.GET["resident"]).first()
            if resident is not None:
                form.initial.update({"resident": resident.pk, "holder_name": resident.name,
                                     "community": resident.community_id})
        return render(request, self.template, {"form": form, "resident": resident})

    def post(self, request):
        form = self._form(request, request.POST)
        resident = None
        if form.is_valid():
            data = form.cleaned_data
            resident = self._resident(request, data.get("resident"))
            try:
                certificate = sc.issue_certificate(
                    actor=request.user, type=data["type"], community=data["community"], resident=resident,
                    holder_name="" if resident else data["holder_name"],
                    holder_id_number="" if resident else data["holder_id_number"], purpose=data["purpose"],
                    address=data["address"])
            except ValidationError as exc:
                apply_validation_error(form, exc)
            else:
                messages.success(request, _("Certificate %(serial)s issued.") % {"serial": certificate.serial})
                return redirect("servicedesk:certificate_detail", pk=certificate.pk)
        return render(request, self.template, {"form": form, "resident": resident}, status=400)


class ResidentPickView(PermissionRequiredMixin, View):
    """Registry look-up for the holder: name (prefix) or full ID number / phone; masked answers."""

    required_permission = CERTIFY

    def get(self, request):
        q = (request.GET.get("q") or "").strip()
        if not q:
            return JsonResponse({"results": []})
        communities = Node.objects.visible_to(request.user, CERTIFY).filter(level=Level.COMMUNITY)
        qs = Resident.objects.visible_to(request.user, Perm.REGISTRY_VIEW).filter(
            status=ResidentStatus.REGISTERED, community__in=communities)
        if q.isdigit() and len(q) == 11:
            qs = qs.filter(phone_index=blind_index(q))
        elif len(q) == 18 and q[:17].isdigit():
            from sanshe.territory.registry import id_number_index

            qs = qs.filter(id_number_index=id_number_index(q.upper()))
        else:
            qs = qs.filter(name__startswith=q)
        rows = qs.select_related("community", "grid", "building", "household").order_by("name", "id")[:20]
        return JsonResponse({"results": [
            {"id": r.pk, "name": r.name, "id_number": r.id_number_masked, "community": r.community_id,
             "where": " ".join(n.name for n in (r.community, r.grid, r.building) if n is not None),
             "household": r.household.number if r.household_id else ""} for r in rows]})


class CertificateDetailView(ScopedObjectMixin, View):
    required_permission = VIEW
    model = Certificate
    scope_permission = VIEW

    def get(self, request, pk):
        certificate = self.get_object()
        can_revoke = certificate.revoked_at is None and request.user.has_permission(CERTIFY) and \
            Certificate.objects.visible_to(request.user, CERTIFY).filter(pk=certificate.pk).exists()
        return render(request, "servicedesk/certificates/detail.html", {
            "certificate": certificate, "can_revoke": can_revoke, "revoke_form": RevokeForm(),
            "verify_url": request.build_absolute_uri(sc.verify_path(certificate))})


class CertificatePdfView(ScopedObjectMixin, View):
    """The certificate as PDF (an export of personal data: audited)."""

    required_permission = VIEW
    model = Certificate
    scope_permission = VIEW

    def get(self, request, pk):
        certificate = self.get_object()
        body = certificate_pdf(certificate, request.build_absolute_uri(sc.verify_path(certificate)))
        audit.record("servicedesk.certificate.exported", obj=certificate, actor=request.user,
                     extra={"format": "pdf", "bytes": len(body)})
        response = HttpResponse(body, content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="{certificate.serial}.pdf"'
        response["Cache-Control"] = "no-store"
        response["X-Content-Type-Options"] = "nosniff"
        return response


class RevokeView(ScopedObjectMixin, View):
    required_permission = CERTIFY
    model = Certificate
    scope_permission = CERTIFY

    def post(self, request, pk):
        certificate = self.get_object()
        form = RevokeForm(request.POST)
        if form.is_valid():
            try:
                sc.revoke_certificate(certificate, actor=request.user, reason=form.cleaned_data["reason"])
            except ValidationError as exc:
                for message in exc.messages:
                    messages.error(request, message)
            else:
                messages.success(request, _("Certificate %(serial)s revoked.") % {"serial": certificate.serial})
        else:
            messages.error(request, _("Give a reason."))
        return redirect("servicedesk:certificate_detail", pk=certificate.pk)


# --- certificate types (district administrators) -------------------------------------------------------------
class TypeListView(PermissionRequiredMixin, View):
    required_permission = CONFIGURE

    def get(self, request):
        types = types_for(request.user, CONFIGURE).select_related("district").annotate(
            issued=Count("certificates")).order_by("district__code", "sort_order", "code")
        return render(request, "servicedesk/certificates/types.html", {"types": types})


class TypeEditView(PermissionRequiredMixin, View):
    required_permission = CONFIGURE
    template = "servicedesk/certificates/type_form.html"

    def _get(self, pk):
        if pk is None:
            return None
        obj = types_for(self.request.user, CONFIGURE).filter(pk=pk).first()
        if obj is None:
            outside = CertificateType.objects.filter(pk=pk).first()
            if outside is None:
                raise Http404
            raise OutOfScope(CONFIGURE, outside)
        return obj

    def _district(self):
        return Node.objects.visible_to(self.request.user, CONFIGURE).filter(level=Level.DISTRICT).first()

    def get(self, request, pk=None):
        obj = self._get(pk)
        form = CertificateTypeForm(instance=obj, initial={} if obj else {"template": sc_template_hint()})
        return render(request, self.template, {"form": form, "obj": obj})

    def post(self, request, pk=None):
        obj = self._get(pk)
        form = CertificateTypeForm(request.POST, instance=self._get(pk))
        if form.is_valid():
            data = form.cleaned_data
            try:
                saved = sc.save_type(actor=request.user, district=obj.district if obj else self._district(),
                                     type=obj, code=data["code"], name=data["name"], template=data["template"],
                                     is_active=data["is_active"], sort_order=data["sort_order"] or 0)
            except ValidationError as exc:
                apply_validation_error(form, exc)
            else:
                messages.success(request, _("Certificate type %(name)s saved.") % {"name": saved.name})
                return redirect("servicedesk:certificate_type_list")
        return render(request, self.template, {"form": form, "obj": obj}, status=400)


def sc_template_hint() -> str:
    return "兹证明{name}（公民身份号码：{id_number}）居住于{address}。\n此证明用于{purpose}。特此证明。"


# --- public verification ----------------------------------------------------------------------------------------
def verify(request):
    """证明核验: by the code printed on the certificate; serial, type, masked holder, issuer, date, valid or
    revoked — nothing else."""
    code = (request.GET.get("code") or "").strip().upper().replace(" ", "")
    certificate = None
    if code:
        certificate = Certificate.objects.filter(verify_code=code).select_related("type", "community").first()
    context = {"code": code, "certificate": certificate, "holder": mask_name(certificate.holder_name)
               if certificate else "", "searched": bool(code)}
    return render(request, "servicedesk/certificates/verify.html", context, status=200 if certificate or not code
                  else 404)

