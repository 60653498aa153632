"""Pages of volunteer rewards and party members in service.

* The volunteer's own pages (VOLUNTEER_SELF): my rewards (points, star level with progress, time bank,
  certificates), my points ledger, the redemption catalogue, my certificates (PDF), my time bank (transfer, donate),
  nominating a 身边好人, reporting as a party member and claiming posts.
* Staff pages: rules and thresholds (VOLUNTEERS_CONFIGURE), the catalogue (CONFIGURE), redemptions, a volunteer's
  rewards with adjustments, certificates, the time bank pool and withdrawals, nominations review, party members'
  reports, posts, claims and hours (VOLUNTEERS_MANAGE; certificates and figures read with VOLUNTEERS_VIEW).
* Public pages: certificate verification by number, the 身边好人 list.

Reads go through ``visible_to``; writes through ``services_rewards`` / ``services_party``.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncMonth
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views import View

from sanshe.accounts.roles import Perm
from sanshe.core import audit
from sanshe.core.views import PermissionRequiredMixin, ScopedObjectMixin, apply_validation_error
from sanshe.territory.choices import Level
from sanshe.territory.models import Node

from . import services_party as sp
from . import services_rewards as sr
from .choices_rewards import ClaimState, NominationState, RedemptionState
from .forms_rewards import (
    AdjustForm,
    CertificateIssueForm,
    ClaimForStaffForm,
    DonateForm,
    EndRuleForm,
    ItemForm,
    NominationForm,
    OrgCertificateIssueForm,
    PartnerForm,
    PartyPostForm,
    PartyReportForm,
    PointRuleForm,
    PostServiceForm,
    ReasonForm,
    ReviewForm,
    StaffPartyReportForm,
    StarSchemeForm,
    TimeCapForm,
    TransferForm,
    WithdrawForm,
)
from .models import ServiceRecord, Volunteer
from .models_party import PartyPost, PartyReport, PostClaim, PostService
from .models_rewards import (
    CatalogueItem,
    Nomination,
    PartnerUnit,
    PointEntry,
    PointRule,
    Redemption,
    ServiceCertificate,
    StarScheme,
    TimeBankCap,
    TimeBankEntry,
    mask_name,
)
from .pdf_rewards import certificate_pdf

VIEW, MANAGE, CONFIGURE, SELF = (Perm.VOLUNTEERS_VIEW, Perm.VOLUNTEERS_MANAGE, Perm.VOLUNTEERS_CONFIGURE,
                                 Perm.VOLUNTEER_SELF)
T = "volunteers/rewards/"


def _communities(user, permission):
    return Node.objects.visible_to(user, permission).filter(level=Level.COMMUNITY, is_active=True).order_by("code")


def _self_communities(user):
    """Communities a volunteer may report to as a party member: those of his district."""
    from .models_rewards import self_district_ids

    return Node.objects.filter(level=Level.COMMUNITY, is_active=True,
                               district_id__in=self_district_ids(user)).order_by("code")


def _districts(user, permission):
    ids = {node_id for _level, node_id in user.scope_nodes(permission)}
    return Node.objects.filter(pk__in=Node.objects.filter(pk__in=ids).values("district_id")).order_by("code")


def _errors(request, exc: ValidationError) -> None:
    for message in exc.messages:
        messages.error(request, message)


def _pdf_response(cert, request, actor) -> HttpResponse:
    body = certificate_pdf(cert, request.build_absolute_uri(sr.verify_path(cert)))
    audit.record("volunteers.certificate.exported", obj=cert, actor=actor, extra={"format": "pdf", "bytes": len(body)})
    response = HttpResponse(body, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{cert.number}.pdf"'
    response["Cache-Control"] = "no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --- the volunteer's own pages -----------------------------------------------------------------------------------
class SelfMixin(PermissionRequiredMixin):
    required_permission = SELF

    def dispatch(self, request, *args, **kwargs):
        self.volunteer = sr.volunteer_of(request.user) if request.user.is_authenticated else None
        return super().dispatch(request, *args, **kwargs)

    def unregistered(self, request, title):
        return render(request, T + "my_unregistered.html", {"title": title})


class MyRewardsView(SelfMixin, View):
    def get(self, request):
        v = self.volunteer
        if v is None:
            return self.unregistered(request, _("My rewards"))
        return render(request, T + "my_rewards.html", {
            "volunteer": v, "points": sr.points_balance(v), "star": sr.star_level(v),
            "time_balance": sr.time_balance(v), "time_cap": sr.time_cap(v.district_id),
            "certificates": v.certificates.filter(revoked_at__isnull=True).count()})


class MyPointsView(SelfMixin, View):
    def get(self, request):
        v = self.volunteer
        if v is None:
            return self.unregistered(request, _("My points"))
        page = Paginator(PointEntry.objects.filter(volunteer=v).select_related("record", "redemption"), 30).get_page(
            request.GET.get("page"))
        return render(request, T + "my_points.html", {
            "volunteer": v, "points": sr.points_balance(v), "page": page,
            "redemptions": Redemption.objects.filter(volunteer=v).select_related("item__partner")[:20]})


class MyCatalogueView(SelfMixin, View):
    def get(self, request):
        items = (CatalogueItem.objects.visible_to(request.user, SELF).filter(is_active=True, partner__is_active=True)
                 .select_related("partner", "community").order_by("points", "name"))
        return render(request, T + "my_catalogue.html", {
            "volunteer": self.volunteer, "items": items,
            "points": sr.points_balance(self.volunteer) if self.volunteer else 0})


class MyRedeemView(SelfMixin, ScopedObjectMixin, View):
    model = CatalogueItem
    scope_permission = SELF

    def post(self, request, pk):
        item = self.get_object()
        try:
            redemption = sr.redeem(item, actor=request.user)
        except ValidationError as exc:
            _errors(request, exc)
        else:
            messages.success(request, _("Redeemed %(item)s: show the voucher code %(code)s at %(partner)s.") % {
                "item": item.name, "code": redemption.code, "partner": item.partner.name})
            return redirect("volunteers:my_points")
        return redirect("volunteers:my_catalogue")


class MyCertificatesView(SelfMixin, View):
    def get(self, request):
        certificates = self.volunteer.certificates.all() if self.volunteer else []
        return render(request, T + "my_certificates.html", {"volunteer": self.volunteer,
                                                            "certificates": certificates})


class MyCertificatePdfView(SelfMixin, View):
    def get(self, request, pk):
        cert = ServiceCertificate.objects.filter(pk=pk, volunteer__user=request.user).first()
        if cert is None:
            raise Http404
        return _pdf_response(cert, request, request.user)


class MyTimeBankView(SelfMixin, View):
    def _render(self, request, transfer=None, donate=None, status=200):
        v = self.volunteer
        if v is None:
            return self.unregistered(request, _("My time bank"))
        page = Paginator(TimeBankEntry.objects.filter(volunteer=v).select_related("counterpart", "record"),
                         30).get_page(request.GET.get("page"))
        return render(request, T + "my_timebank.html", {
            "volunteer": v, "balance": sr.time_balance(v), "cap": sr.time_cap(v.district_id), "page": page,
            "transfer_form": transfer or TransferForm(prefix="t"), "donate_form": donate or DonateForm(prefix="d")},
            status=status)

    def get(self, request):
        return self._render(request)

    def post(self, request):
        if self.volunteer is None:
            return self._render(request)
        if request.POST.get("op") == "donate":
            form = DonateForm(request.POST, prefix="d")
            if form.is_valid():
                try:
                    sr.donate_hours(self.volunteer, actor=request.user, hours=form.cleaned_data["hours"],
                                    note=form.cleaned_data["note"])
                except ValidationError as exc:
                    apply_validation_error(form, exc)
                else:
                    messages.success(request, _("Donated %(hours)s hours to the public pool.") % {
                        "hours": form.cleaned_data["hours"]})
                    return redirect("volunteers:my_timebank")
            return self._render(request, donate=form, status=400)
        form = TransferForm(request.POST, prefix="t")
        if form.is_valid():
            d = form.cleaned_data
            target = Volunteer.objects.filter(number=d["target_number"].strip(), name=d["target_name"].strip()).first()
            if target is None:
                form.add_error("target_number", _("No volunteer has this number and name."))
            else:
                try:
                    sr.transfer_hours(self.volunteer, target, actor=request.user, hours=d["hours"], note=d["note"])
                except ValidationError as exc:
                    apply_validation_error(form, exc)
                else:
                    messages.success(request, _("Transferred %(hours)s hours to %(name)s.") % {
                        "hours": d["hours"], "name": target.name})
                    return redirect("volunteers:my_timebank")
        return self._render(request, transfer=form, status=400)


class MyNominateView(SelfMixin, View):
    def _form(self, request, data=None):
        return NominationForm(data, communities=_communities(request.user, SELF))

    def get(self, request):
        return render(request, T + "my_nominate.html", {"form": self._form(request)})

    def post(self, request):
        form = self._form(request, request.POST)
        if form.is_valid():
            d = form.cleaned_data
            try:
                sr.nominate(actor=request.user, community=d["community"], nominee_name=d["nominee_name"],
                            reason=d["reason"], story=d["story"], name_consented=d["name_consented"])
            except ValidationError as exc:
                apply_validation_error(form, exc)
            else:
                messages.success(request, _("Thank you: the community will review the nomination."))
                return redirect("volunteers:good_people")
        return render(request, T + "my_nominate.html", {"form": form}, status=400)


class MyPartyView(SelfMixin, View):
    def _render(self, request, form=None, status=200):
        v = self.volunteer
        if v is None:
            return self.unregistered(request, _("Party members in service"))
        reports = PartyReport.objects.filter(volunteer=v, left_on__isnull=True).select_related("community")
        communities = [r.community_id for r in reports]
        claims = {c.post_id: c for c in PostClaim.objects.filter(report__in=reports, state=ClaimState.CLAIMED)}
        posts = (PartyPost.objects.visible_to(request.user, SELF).filter(community_id__in=communities, is_open=True)
                 .annotate(taken=Count("claims", filter=_claimed())).select_related("community")
                 .order_by("-created_at", "-pk"))
        my_hours = ServiceRecord.objects.filter(volunteer=v, party_service__isnull=False)
        return render(request, T + "my_party.html", {
            "volunteer": v, "reports": reports, "posts": posts, "claims": claims,
            "records": my_hours.order_by("-started_at")[:20],
            "form": form or PartyReportForm(communities=_self_communities(request.user))}, status=status)

    def get(self, request):
        return self._render(request)

    def post(self, request):
        form = PartyReportForm(request.POST, communities=_self_communities(request.user))
        if self.volunteer is not None and form.is_valid():
            d = form.cleaned_data
            try:
                sp.report(actor=request.user, community=d["community"], work_unit=d["work_unit"],
                          party_branch=d["party_branch"])
            except ValidationError as exc:
                apply_validation_error(form, exc)
            else:
                messages.success(request, _("Reported to %(community)s.") % {"community": d["community"].name})
                return redirect("volunteers:my_party")
        return self._render(request, form=form, status=400)


def _claimed():
    return Q(claims__state=ClaimState.CLAIMED)


class MyPartyClaimView(SelfMixin, ScopedObjectMixin, View):
    model = PartyPost
    scope_permission = SELF

    def post(self, request, pk):
        post = self.get_object()
        try:
            sp.claim(post, actor=request.user)
        except ValidationError as exc:
            _errors(request, exc)
        else:
            messages.success(request, _("You claimed the post %(title)s.") % {"title": post.title})
        return redirect("volunteers:my_party")


# --- staff: configuration (rules, thresholds, cap) ------------------------------------------------------------------
class ConfigView(PermissionRequiredMixin, View):
    required_permission = CONFIGURE

    def _organizations(self, request):
        from sanshe.societies.models import Organization

        return Organization.objects.filter(district__in=_districts(request.user, CONFIGURE)).order_by("name")

    def _render(self, request, forms=None, status=200):
        districts = _districts(request.user, CONFIGURE)
        forms = forms or {}
        today = sr._today()
        return render(request, T + "config.html", {
            "districts": districts,
            "rules": PointRule.objects.filter(district__in=districts).select_related("organization"),
            "schemes": StarScheme.objects.filter(district__in=districts),
            "caps": TimeBankCap.objects.filter(district__in=districts),
            "current": [{"district": d, "stars": sr.star_thresholds(d.pk, today)[0], "cap": sr.time_cap(d.pk, today)}
                        for d in districts],
            "rule_form": forms.get("rule") or PointRuleForm(prefix="rule", organizations=self._organizations(request),
                                                            initial={"effective_from": today}),
            "scheme_form": forms.get("scheme") or StarSchemeForm(prefix="scheme", initial={"effective_from": today}),
            "cap_form": forms.get("cap") or TimeCapForm(prefix="cap", initial={"effective_from": today}),
            "end_form": EndRuleForm(initial={"until": today})}, status=status)

    def get(self, request):
        return self._render(request)

    def post(self, request):
        which = request.POST.get("which")
        district = _districts(request.user, CONFIGURE).first()
        if which == "scheme":
            form = StarSchemeForm(request.POST, prefix="scheme")
            if form.is_valid():
                try:
                    sr.save_star_scheme(actor=request.user, district=district, name=form.cleaned_data["name"],
                                        thresholds=form.thresholds(), effective_from=form.cleaned_data["effective_from"])
                except ValidationError as exc:
                    apply_validation_error(form, exc)
                else:
                    messages.success(request, _("Star thresholds saved."))
                    return redirect("volunteers:rewards_config")
            return self._render(request, {"scheme": form}, status=400)
        if which == "cap":
            form = TimeCapForm(request.POST, prefix="cap")
            if form.is_valid():
                try:
                    sr.save_time_cap(actor=request.user, district=district, **form.cleaned_data)
                except ValidationError as exc:
                    apply_validation_error(form, exc)
                else:
                    messages.success(request, _("Time bank cap saved."))
                    return redirect("volunteers:rewards_config")
            return self._render(request, {"cap": form}, status=400)
        form = PointRuleForm(request.POST, prefix="rule", organizations=self._organizations(request))
        if form.is_valid():
            try:
                sr.save_point_rule(actor=request.user, district=district, **form.cleaned_data)
            except ValidationError as exc:
                apply_validation_error(form, exc)
            else:
                messages.success(request, _("Points rule saved."))
                return redirect("volunteers:rewards_config")
        return self._render(request, {"rule": form}, status=400)


class RuleEndView(ScopedObjectMixin, View):
    required_permission = CONFIGURE
    model = PointRule
    scope_permission = CONFIGURE

    def post(self, request, pk):
        rule = self.get_object()
        form = EndRuleForm(request.POST)
        if form.is_valid():
            try:
                sr.end_point_rule(rule, actor=request.user, until=form.cleaned_data["until"])
            except ValidationError as exc:
                _errors(request, exc)
            else:
                messages.success(request, _("Rule %(name)s ends on %(date)s.") % {
                    "name": rule.name, "date": form.cleaned_data["until"]})
        else:
            messages.error(request, _("Give the end date."))
        return redirect("volunteers:rewards_config")


# --- staff: catalogue ------------------------------------------------------------------------------------------------
class CatalogueView(PermissionRequiredMixin, View):
    required_permission = CONFIGURE

    def _render(self, request, partner_form=None, item_form=None, status=200):
        partners = PartnerUnit.objects.visible_to(request.user, CONFIGURE).select_related("community")
        items = (CatalogueItem.objects.visible_to(request.user, CONFIGURE).select_related("partner")
                 .annotate(redeemed=Count("redemptions")).order_by("partner__name", "points"))
        return render(request, T + "catalogue.html", {
            "partners": partners, "items": items,
            "partner_form": partner_form or PartnerForm(prefix="p", communities=_communities(request.user, CONFIGURE)),
            "item_form": item_form or ItemForm(prefix="i", partners=partners.filter(is_active=True))}, status=status)

    def get(self, request):
        return self._render(request)

    def post(self, request):
        if request.POST.get("which") == "partner":
            form = PartnerForm(request.POST, prefix="p", communities=_communities(request.user, CONFIGURE))
            if form.is_valid():
                try:
                    sr.save_partner(actor=request.user, **form.cleaned_data)
                except ValidationError as exc:
                    apply_validation_error(form, exc)
                else:
                    messages.success(request, _("Partner unit saved."))
                    return redirect("volunteers:rewards_catalogue")
            return self._render(request, partner_form=form, status=400)
        form = ItemForm(request.POST, prefix="i",
                        partners=PartnerUnit.objects.visible_to(request.user, CONFIGURE).filter(is_active=True))
        if form.is_valid():
            try:
                sr.save_item(actor=request.user, **form.cleaned_data)
            except ValidationError as exc:
                apply_validation_error(form, exc)
            else:
                messages.success(request, _("Catalogue item saved."))
                return redirect("volunteers:rewards_catalogue")
        return self._render(request, item_form=form, status=400)


class ItemEditView(ScopedObjectMixin, View):
    required_permission = CONFIGURE
    model = CatalogueItem
    scope_permission = CONFIGURE

    def _form(self, request, item, data=None):
        return ItemForm(data, partners=PartnerUnit.objects.visible_to(request.user, CONFIGURE),
                        initial={"partner": item.partner_id, "name": item.name, "description": item.description,
                                 "points": item.points, "stock": item.stock, "is_active": item.is_active})

    def get(self, request, pk):
        item = self.get_object()
        return render(request, T + "item_edit.html", {"item": item, "form": self._form(request, item)})

    def post(self, request, pk):
        item = self.get_object()
        form = self._form(request, item, request.POST)
        if form.is_valid():
            try:
                sr.save_item(actor=request.user, item=item, **form.cleaned_data)
            except ValidationError as exc:
                apply_validation_error(form, exc)
            else:
                messages.success(request, _("Catalogue item saved."))
                return redirect("volunteers:rewards_catalogue")
        return render(request, T + "item_edit.html", {"item": item, "form": form}, status=400)


# --- staff: redemptions, a volunteer's rewards ------------------------------------------------------------------
class RedemptionListView(PermissionRequiredMixin, View):
    required_permission = MANAGE

    def get(self, request):
        qs = Redemption.objects.visible_to(request.user, MANAGE).select_related("volunteer", "item__partner")
        state = request.GET.get("state", "")
        if state in RedemptionState.values:
            qs = qs.filter(state=state)
        code = (request.GET.get("code") or "").strip().upper()
        if code:
            qs = qs.filter(code=code)
        page = Paginator(qs, 50).get_page(request.GET.get("page"))
        return render(request, T + "redemptions.html", {"page": page, "state": state, "code": code,
                                                        "states": RedemptionState.choices})


class RedemptionCloseView(ScopedObjectMixin, View):
    required_permission = MANAGE
    model = Redemption
    scope_permission = MANAGE

    def post(self, request, pk):
        redemption = self.get_object()
        used = request.POST.get("action") != "cancel"
        try:
            sr.close_redemption(redemption, actor=request.user, used=used)
        except ValidationError as exc:
            _errors(request, exc)
        else:
            messages.success(request, _("Voucher %(code)s: %(state)s.") % {
                "code": redemption.code, "state": RedemptionState.USED.label if used else RedemptionState.CANCELLED.label})
        return redirect("volunteers:rewards_redemptions")


class VolunteerRewardsView(ScopedObjectMixin, View):
    required_permission = MANAGE
    model = Volunteer
    scope_permission = MANAGE

    def _render(self, request, v, form=None, status=200):
        return render(request, T + "volunteer.html", {
            "volunteer": v, "points": sr.points_balance(v), "star": sr.star_level(v),
            "time_balance": sr.time_balance(v),
            "entries": PointEntry.objects.filter(volunteer=v).select_related("record")[:50],
            "time_entries": TimeBankEntry.objects.filter(volunteer=v).select_related("counterpart")[:50],
            "certificates": v.certificates.all(), "form": form or AdjustForm()}, status=status)

    def get(self, request, pk):
        return self._render(request, self.get_object())

    def post(self, request, pk):
        v = self.get_object()
        form = AdjustForm(request.POST)
        if form.is_valid():
            try:
                sr.adjust_points(v, actor=request.user, **form.cleaned_data)
            except ValidationError as exc:
                apply_validation_error(form, exc)
            else:
                messages.success(request, _("Points adjusted."))
                return redirect("volunteers:rewards_volunteer", pk=v.pk)
        return self._render(request, v, form, status=400)


# --- staff: certificates ------------------------------------------------------------------------------------------
class CertificateListView(PermissionRequiredMixin, View):
    required_permission = VIEW

    def get(self, request):
        base = ServiceCertificate.objects.visible_to(request.user, VIEW)
        qs = base.select_related("volunteer")
        q = (request.GET.get("q") or "").strip()
        if q:
            qs = qs.filter(number__icontains=q) | qs.filter(holder_name__startswith=q)
        counts = (base.annotate(m=TruncMonth("issued_at")).values("issuer_name", "m")
                  .annotate(n=Count("id"), h=Sum("hours")).order_by("-m", "issuer_name")[:36])
        page = Paginator(qs.order_by("-issued_at", "-pk"), 50).get_page(request.GET.get("page"))
        return render(request, T + "certificates.html", {
            "page": page, "q": q, "counts": counts, "total": base.count(),
            "can_issue": request.user.has_permission(MANAGE)})


class CertificateIssueView(PermissionRequiredMixin, View):
    required_permission = MANAGE

    def _form(self, request, data=None):
        initial = {"end": sr._today(), "start": sr._today().replace(month=1, day=1)}
        if request.GET.get("volunteer", "").isdigit():
            v = Volunteer.objects.visible_to(request.user, MANAGE).filter(pk=request.GET["volunteer"]).first()
            if v is not None:
                initial.update({"volunteer_number": v.number, "community": v.community_id})
        return CertificateIssueForm(data, communities=_communities(request.user, MANAGE), initial=initial)

    def get(self, request):
        return render(request, T + "certificate_issue.html", {"form": self._form(request)})

    def post(self, request):
        form = self._form(request, request.POST)
        if form.is_valid():
            d = form.cleaned_data
            volunteer = Volunteer.objects.filter(number=d["volunteer_number"].strip()).first()
            if volunteer is None:
                form.add_error("volunteer_number", _("No volunteer has this number."))
            else:
                try:
                    cert = sr.issue_certificate(volunteer, actor=request.user, start=d["start"], end=d["end"],
                                                person_in_charge=d["person_in_charge"], community=d["community"])
                except ValidationError as exc:
                    apply_validation_error(form, exc)
                else:
                    messages.success(request, _("Certificate %(number)s issued.") % {"number": cert.number})
                    return redirect("volunteers:rewards_certificate_detail", pk=cert.pk)
        return render(request, T + "certificate_issue.html", {"form": form}, status=400)


class CertificateDetailView(ScopedObjectMixin, View):
    required_permission = VIEW
    model = ServiceCertificate
    scope_permission = VIEW

    def get(self, request, pk):
        cert = self.get_object()
        can_revoke = cert.revoked_at is None and ServiceCertificate.objects.visible_to(
            request.user, MANAGE).filter(pk=cert.pk).exists()
        return render(request, T + "certificate_detail.html", {
            "cert": cert, "can_revoke": can_revoke, "revoke_form": ReasonForm(),
            "verify_url": request.build_absolute_uri(sr.verify_path(cert))})


class CertificatePdfView(ScopedObjectMixin, View):
    required_permission = VIEW
    model = ServiceCertificate
    scope_permission = VIEW

    def get(self, request, pk):
        return _pdf_response(self.get_object(), request, request.user)


class CertificateRevokeView(ScopedObjectMixin, View):
    required_permission = MANAGE
    model = ServiceCertificate
    scope_permission = MANAGE

    def post(self, request, pk):
        cert = self.get_object()
        form = ReasonForm(request.POST)
        if form.is_valid():
            try:
                sr.revoke_certificate(cert, actor=request.user, reason=form.cleaned_data["reason"])
            except ValidationError as exc:
                _errors(request, exc)
            else:
                messages.success(request, _("Certificate %(number)s revoked.") % {"number": cert.number})
        else:
            messages.error(request, _("Give a reason."))
        return redirect("volunteers:rewards_certificate_detail", pk=cert.pk)


# --- an organization's staff: certificates of the service it organized (谁记录谁证明) ------------------------
def _my_organizations(user):
    from sanshe.societies.models import Organization

    return Organization.objects.filter(staff__user=user).order_by("name")


class OrgCertificatesView(PermissionRequiredMixin, View):
    required_permission = Perm.VOLUNTEERS_ORGANIZE

    def _render(self, request, form=None, status=200):
        orgs = _my_organizations(request.user)
        today = sr._today()
        return render(request, T + "org_certificates.html", {
            "certificates": ServiceCertificate.objects.filter(organization__in=orgs).order_by("-issued_at")[:200],
            "form": form or OrgCertificateIssueForm(organizations=orgs, initial={
                "start": today.replace(month=1, day=1), "end": today})}, status=status)

    def get(self, request):
        return self._render(request)

    def post(self, request):
        form = OrgCertificateIssueForm(request.POST, organizations=_my_organizations(request.user))
        if form.is_valid():
            d = form.cleaned_data
            volunteer = Volunteer.objects.filter(number=d["volunteer_number"].strip()).first()
            if volunteer is None:
                form.add_error("volunteer_number", _("No volunteer has this number."))
            else:
                try:
                    cert = sr.issue_certificate(volunteer, actor=request.user, start=d["start"], end=d["end"],
                                                person_in_charge=d["person_in_charge"], organization=d["organization"])
                except ValidationError as exc:
                    apply_validation_error(form, exc)
                else:
                    messages.success(request, _("Certificate %(number)s issued.") % {"number": cert.number})
                    return redirect("volunteers:rewards_org_certificates")
        return self._render(request, form, status=400)


class OrgCertificatePdfView(PermissionRequiredMixin, View):
    required_permission = Perm.VOLUNTEERS_ORGANIZE

    def get(self, request, pk):
        cert = ServiceCertificate.objects.filter(pk=pk, organization__in=_my_organizations(request.user)).first()
        if cert is None:
            raise Http404
        return _pdf_response(cert, request, request.user)


# --- staff: time bank ---------------------------------------------------------------------------------------------
class TimeBankView(PermissionRequiredMixin, View):
    required_permission = MANAGE

    def _render(self, request, form=None, status=200):
        districts = _districts(request.user, MANAGE)
        movements = TimeBankEntry.objects.visible_to(request.user, MANAGE).select_related(
            "volunteer", "counterpart", "beneficiary")
        pool = TimeBankEntry.objects.filter(volunteer__isnull=True, district__in=districts).select_related(
            "counterpart", "beneficiary")
        totals = movements.filter(volunteer__isnull=False).aggregate(h=Sum("hours"))["h"] or 0
        return render(request, T + "timebank.html", {
            "pools": [{"district": d, "balance": sr.pool_balance(d.pk), "cap": sr.time_cap(d.pk)} for d in districts],
            "pool_entries": pool[:30], "movements": movements.filter(volunteer__isnull=False)[:50],
            "total": totals, "form": form or WithdrawForm()}, status=status)

    def get(self, request):
        return self._render(request)

    def post(self, request):
        from sanshe.territory.models import Resident
        from sanshe.territory.registry import id_number_index

        form = WithdrawForm(request.POST)
        if form.is_valid():
            d = form.cleaned_data
            communities = _communities(request.user, MANAGE)
            beneficiary = Resident.objects.filter(community__in=communities, id_number_index=id_number_index(
                d["beneficiary_id_number"].strip().upper())).first()
            volunteer = None
            if beneficiary is None:
                form.add_error("beneficiary_id_number", _("No resident of your territory has this ID number."))
            if d["volunteer_number"].strip():
                volunteer = Volunteer.objects.visible_to(request.user, MANAGE).filter(
                    number=d["volunteer_number"].strip()).first()
                if volunteer is None:
                    form.add_error("volunteer_number", _("No volunteer of your territory has this number."))
            if not form.errors:
                try:
                    sr.withdraw_hours(actor=request.user, beneficiary=beneficiary, hours=d["hours"], note=d["note"],
                                      volunteer=volunteer)
                except ValidationError as exc:
                    apply_validation_error(form, exc)
                else:
                    messages.success(request, _("%(hours)s hours withdrawn for %(name)s.") % {
                        "hours": d["hours"], "name": beneficiary.name})
                    return redirect("volunteers:rewards_timebank")
        return self._render(request, form, status=400)


# --- staff: nominations ---------------------------------------------------------------------------------------------
class NominationListView(PermissionRequiredMixin, View):
    required_permission = MANAGE

    def _render(self, request, form=None, status=200):
        qs = Nomination.objects.visible_to(request.user, MANAGE).select_related("community", "nominated_by")
        state = request.GET.get("state", NominationState.PENDING)
        if state in NominationState.values:
            qs = qs.filter(state=state)
        return render(request, T + "nominations.html", {
            "nominations": qs[:100], "state": state, "states": NominationState.choices, "review_form": ReviewForm(),
            "form": form or NominationForm(communities=_communities(request.user, MANAGE))}, status=status)

    def get(self, request):
        return self._render(request)

    def post(self, request):
        form = NominationForm(request.POST, communities=_communities(request.user, MANAGE))
        if form.is_valid():
            try:
                sr.nominate(actor=request.user, **form.cleaned_data)
            except ValidationError as exc:
                apply_validation_error(form, exc)
            else:
                messages.success(request, _("Nomination recorded."))
                return redirect("volunteers:rewards_nominations")
        return self._render(request, form, status=400)


class NominationReviewView(ScopedObjectMixin, View):
    required_permission = MANAGE
    model = Nomination
    scope_permission = MANAGE

    def post(self, request, pk):
        nomination = self.get_object()
        form = ReviewForm(request.POST)
        if form.is_valid():
            try:
                sr.review_nomination(nomination, actor=request.user,
                                     approve=form.cleaned_data["decision"] == "approve", note=form.cleaned_data["note"])
            except ValidationError as exc:
                _errors(request, exc)
            else:
                messages.success(request, _("Nomination of %(name)s reviewed.") % {"name": nomination.nominee_name})
        else:
            messages.error(request, _("Pick a decision."))
        return redirect("volunteers:rewards_nominations")


# --- staff: party members in service -----------------------------------------------------------------------------
class PartyHomeView(PermissionRequiredMixin, View):
    required_permission = MANAGE

    def _render(self, request, form=None, status=200):
        communities = list(_communities(request.user, MANAGE))
        rows = sp.figures(communities)
        reports = PartyReport.objects.visible_to(request.user, MANAGE).select_related("volunteer", "community")
        return render(request, T + "party_home.html", {
            "rows": rows, "totals": sp.totals(rows), "reports": reports.filter(left_on__isnull=True)[:200],
            "form": form or StaffPartyReportForm(communities=_communities(request.user, MANAGE))}, status=status)

    def get(self, request):
        return self._render(request)

    def post(self, request):
        form = StaffPartyReportForm(request.POST, communities=_communities(request.user, MANAGE))
        if form.is_valid():
            d = form.cleaned_data
            volunteer = Volunteer.objects.visible_to(request.user, MANAGE).filter(
                number=d["volunteer_number"].strip()).first()
            if volunteer is None:
                form.add_error("volunteer_number", _("No volunteer of your territory has this number."))
            else:
                try:
                    sp.report(actor=request.user, community=d["community"], work_unit=d["work_unit"],
                              party_branch=d["party_branch"], volunteer=volunteer, reported_on=d["reported_on"])
                except ValidationError as exc:
                    apply_validation_error(form, exc)
                else:
                    messages.success(request, _("%(name)s reported.") % {"name": volunteer.name})
                    return redirect("volunteers:party_home")
        return self._render(request, form, status=400)


class PartyReportLeaveView(ScopedObjectMixin, View):
    required_permission = MANAGE
    model = PartyReport
    scope_permission = MANAGE

    def post(self, request, pk):
        row = self.get_object()
        try:
            sp.leave(row, actor=request.user)
        except ValidationError as exc:
            _errors(request, exc)
        else:
            messages.success(request, _("%(name)s no longer serves here.") % {"name": row.volunteer.name})
        return redirect("volunteers:party_home")


class PartyPostListView(PermissionRequiredMixin, View):
    required_permission = MANAGE

    def _render(self, request, form=None, status=200):
        posts = (PartyPost.objects.visible_to(request.user, MANAGE).select_related("community")
                 .annotate(taken=Count("claims", filter=_claimed())).order_by("community__code", "-created_at"))
        return render(request, T + "party_posts.html", {
            "posts": posts, "form": form or PartyPostForm(communities=_communities(request.user, MANAGE))},
            status=status)

    def get(self, request):
        return self._render(request)

    def post(self, request):
        form = PartyPostForm(request.POST, communities=_communities(request.user, MANAGE))
        if form.is_valid():
            try:
                post = sp.save_post(actor=request.user, **form.cleaned_data)
            except ValidationError as exc:
                apply_validation_error(form, exc)
            else:
                messages.success(request, _("Post %(title)s published.") % {"title": post.title})
                return redirect("volunteers:party_post_detail", pk=post.pk)
        return self._render(request, form, status=400)


class PartyPostDetailView(ScopedObjectMixin, View):
    required_permission = MANAGE
    model = PartyPost
    scope_permission = MANAGE

    def _render(self, request, post, claim_form=None, service_form=None, status=200):
        claims = post.claims.select_related("report__volunteer").order_by("state", "-claimed_at")
        services = (PostService.objects.filter(claim__post=post).select_related("record", "claim__report__volunteer")
                    .order_by("-record__started_at"))
        reports = PartyReport.objects.visible_to(request.user, MANAGE).filter(
            community_id=post.community_id, left_on__isnull=True).select_related("volunteer")
        return render(request, T + "party_post_detail.html", {
            "post": post, "claims": claims, "services": services,
            "claim_form": claim_form or ClaimForStaffForm(reports=reports),
            "service_form": service_form or PostServiceForm()}, status=status)

    def get(self, request, pk):
        return self._render(request, self.get_object())

    def post(self, request, pk):
        post = self.get_object()
        op = request.POST.get("op")
        if op == "service":
            form = PostServiceForm(request.POST)
            claim = post.claims.filter(pk=request.POST.get("claim") or 0, state=ClaimState.CLAIMED).first()
            if claim is None:
                form.add_error(None, _("Pick a claim."))
            if form.is_valid() and claim is not None:
                try:
                    sp.record_service(claim, actor=request.user, **form.cleaned_data)
                except ValidationError as exc:
                    apply_validation_error(form, exc)
                else:
                    messages.success(request, _("Hours recorded; confirm them below."))
                    return redirect("volunteers:party_post_detail", pk=post.pk)
            return self._render(request, post, service_form=form, status=400)
        if op in ("confirm", "reject"):
            record = ServiceRecord.objects.filter(pk=request.POST.get("record") or 0,
                                                  party_service__claim__post=post).first()
            if record is None:
                messages.error(request, _("Pick a record."))
            else:
                try:
                    sp.confirm_service(record, actor=request.user, approve=op == "confirm")
                except ValidationError as exc:
                    _errors(request, exc)
                else:
                    messages.success(request, _("Hours confirmed.") if op == "confirm" else _("Hours rejected."))
            return redirect("volunteers:party_post_detail", pk=post.pk)
        if op == "withdraw":
            claim = post.claims.filter(pk=request.POST.get("claim") or 0).first()
            if claim is not None:
                try:
                    sp.withdraw_claim(claim, actor=request.user)
                except ValidationError as exc:
                    _errors(request, exc)
            return redirect("volunteers:party_post_detail", pk=post.pk)
        reports = PartyReport.objects.visible_to(request.user, MANAGE).filter(community_id=post.community_id,
                                                                              left_on__isnull=True)
        form = ClaimForStaffForm(request.POST, reports=reports)
        if form.is_valid():
            try:
                sp.claim(post, actor=request.user, report_row=form.cleaned_data["report"])
            except ValidationError as exc:
                apply_validation_error(form, exc)
            else:
                messages.success(request, _("Claim recorded."))
                return redirect("volunteers:party_post_detail", pk=post.pk)
        return self._render(request, post, claim_form=form, status=400)


# --- public -----------------------------------------------------------------------------------------------------
def certificate_verify(request):
    """志愿服务证明核验: by the certificate number; the masked name, issuer, hours, date, valid or revoked."""
    number = (request.GET.get("number") or "").strip().upper().replace(" ", "")
    cert = ServiceCertificate.objects.filter(number=number).first() if number else None
    return render(request, T + "verify.html", {
        "number": number, "cert": cert, "holder": mask_name(cert.holder_name) if cert else "",
        "searched": bool(number)}, status=200 if cert or not number else 404)


def good_people(request):
    """身边好人: approved nominations, names masked unless the nominee consented."""
    qs = Nomination.objects.filter(state=NominationState.APPROVED).select_related("community", "street")
    page = Paginator(qs.order_by("-reviewed_at", "-pk"), 30).get_page(request.GET.get("page"))
    return render(request, T + "good_people.html", {"page": page})
