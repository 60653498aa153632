"""Pages of the social organization registry: the list (filters, xlsx export), an organization's page, the forms
that register, edit, move the status, incubate, inspect, evaluate, add members, council seats and posts; the
evaluation configuration; the figures; and the ``social_org`` role's own pages (``mine``: its organizations'
contacts, members and council). Reads go through ``visible_to`` (or ``own_organizations``); writes through
:mod:`sanshe.societies.services_registry`."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View

from sanshe.accounts.roles import Perm
from sanshe.core import audit
from sanshe.core.exceptions import OutOfScope
from sanshe.core.exports import audited_export
from sanshe.core.views import PermissionRequiredMixin, ScopedObjectMixin, apply_validation_error
from sanshe.territory.choices import Level
from sanshe.territory.models import Node, ResidentUnit

from . import services_registry as sr
from .choices import TRANSITIONS
from .figures_registry import breakdown, figures_for
from .forms_registry import (
    ConfigForm,
    ContactsForm,
    EvaluationForm,
    FilterForm,
    IncubationForm,
    InspectionForm,
    MemberForm,
    OrganizationForm,
    PostForm,
    SeatForm,
    StaffForm,
    StatusForm,
)
from .models import CouncilSeat, EvaluationConfig, LeadershipPost, Member, Organization, OrganizationStaff

VIEW, MANAGE, EVALUATE, SELF = Perm.SOCIETIES_VIEW, Perm.SOCIETIES_MANAGE, Perm.SOCIETIES_EVALUATE, \
    Perm.SOCIETIES_SELF
PAGE_SIZE = 50
T = "societies/registry/"


def _nodes(user, permission):
    return Node.objects.visible_to(user, permission).filter(
        level__in=(Level.DISTRICT, Level.STREET, Level.COMMUNITY), is_active=True).order_by("code")


def _filtered(request):
    form = FilterForm(request.GET or None, nodes=_nodes(request.user, VIEW))
    qs = Organization.objects.visible_to(request.user, VIEW).select_related("street", "community")
    data = form.cleaned_data if form.is_bound and form.is_valid() else {}
    if data.get("q"):
        q = data["q"].strip()
        qs = qs.filter(Q(name__contains=q) | Q(credit_code=q.upper()) | Q(filing_number=q))
    for key in ("track", "service_field", "status"):
        if data.get(key):
            qs = qs.filter(**{key: data[key]})
    node = data.get("node")
    if node is not None:
        qs = qs.filter(**{f"{node.level}_id": node.pk})
    active = {k: (v.code if isinstance(v, Node) else v) for k, v in data.items() if v}
    return form, qs, active


class OrganizationListView(PermissionRequiredMixin, View):
    required_permission = VIEW

    def get(self, request):
        form, qs, active = _filtered(request)
        page = Paginator(qs.annotate(n_members=Count("members", filter=Q(members__left_on__isnull=True)))
                         .order_by("name", "pk"), PAGE_SIZE).get_page(request.GET.get("page"))
        query = request.GET.copy()
        query.pop("page", None)
        return render(request, T + "list.html", {"form": form, "page": page, "total": page.paginator.count,
                                                 "query": query.urlencode()})


EXPORT_HEADERS = [(_("Name"), 30), (_("Track"), 8), (_("Organization type"), 16), (_("Unified social credit code"), 22),
                  (_("Filing number"), 16), (_("Service field"), 10), (_("Status"), 8), (_("Street"), 14),
                  (_("Community"), 14), (_("Legal representative"), 10), (_("Contact person"), 10),
                  (_("Evaluation level"), 8), (_("Social work agency"), 8)]


class OrganizationExportView(PermissionRequiredMixin, View):
    """The filtered list as .xlsx (audited as an export; contact phones are left out)."""

    required_permission = VIEW

    def get(self, request):
        form, qs, active = _filtered(request)

        def rows():
            for o in qs.iterator(chunk_size=500):
                yield [o.name, o.get_track_display(), o.org_type, o.credit_code, o.filing_number,
                       o.get_service_field_display(), o.get_status_display(), o.street.name if o.street else "",
                       o.community.name if o.community else "", o.legal_representative, o.contact_name,
                       sr.current_level(o), _("yes") if o.is_social_work_agency else _("no")]

        def record(table):
            audit.record("societies.organizations.exported", actor=request.user, object_type="societies.organization",
                         object_repr=_("Social organizations"), extra={"filter": active, "rows": table.rows})

        return audited_export(
            "xlsx", [str(h) for h, _w in EXPORT_HEADERS], rows(), user=request.user, basename="social-organizations",
            record=record, max_rows=20_000, sheet_title=_("Social organizations"), truncated_note="",
            active_filter=active, column_widths=[w for _h, w in EXPORT_HEADERS])


def _detail_context(org, user, *, own=False):
    today = timezone.localdate()
    config = sr.default_config(org.district_id)
    members = list(org.members.filter(left_on__isnull=True).select_related("resident", "unit"))
    seats = list(org.council_seats.select_related("resident"))
    return {
        "org": org, "own": own, "level": sr.current_level(org, today),
        "history": org.status_changes.all(), "incubations": org.incubations.all(),
        "inspections": org.inspections.all(), "evaluations": org.evaluations.select_related("config"),
        "individuals": [m for m in members if m.kind == "individual"],
        "units": [m for m in members if m.kind == "unit"],
        "seats": seats, "seats_by_residents": sum(s.holder_is_resident for s in seats),
        "posts": list(org.posts.select_related("resident")), "config": config,
        "can_manage": not own and user.has_permission(MANAGE),
        "can_evaluate": not own and user.has_permission(EVALUATE),
        "next_statuses": TRANSITIONS.get(org.status, ()),
    }


class OrganizationDetailView(ScopedObjectMixin, View):
    required_permission = VIEW
    model = Organization
    scope_permission = VIEW

    def get(self, request, pk):
        org = self.get_object()
        return render(request, T + "detail.html", _detail_context(org, request.user))


class OrganizationCreateView(PermissionRequiredMixin, View):
    required_permission = MANAGE

    def _form(self, data=None):
        nodes = _nodes(self.request.user, MANAGE)
        initial = {"node": nodes.filter(level=Level.COMMUNITY).first() or nodes.first()}
        return OrganizationForm(data, nodes=nodes, initial=initial)

    def get(self, request):
        return render(request, T + "form.html", {"form": self._form(), "title": _("Register an organization")})

    def post(self, request):
        form = self._form(request.POST)
        if form.is_valid():
            data = dict(form.cleaned_data)
            try:
                org = sr.register_organization(actor=request.user, **data)
            except ValidationError as exc:
                apply_validation_error(form, exc)
            else:
                messages.success(request, _("%(org)s entered in the registry.") % {"org": org})
                return redirect("societies:detail", pk=org.pk)
        return render(request, T + "form.html", {"form": form, "title": _("Register an organization")}, status=400)


class _OrgFormView(ScopedObjectMixin, View):
    """A form about one organization of the actor's territory; subclasses say which form and service."""

    model = Organization
    form_class = None
    title = ""
    template = T + "form.html"

    def form(self, org, data=None):
        return self.form_class(data, initial=self.initial(org))

    def initial(self, org):
        return {}

    def save(self, org, data):
        raise NotImplementedError

    def context(self, org, form):
        return {"form": form, "org": org, "title": self.title}

    def get(self, request, pk):
        org = self.get_object()
        return render(request, self.template, self.context(org, self.form(org)))

    def post(self, request, pk):
        org = self.get_object()
        form = self.form(org, request.POST)
        if form.is_valid():
            try:
                self.save(org, dict(form.cleaned_data))
            except ValidationError as exc:
                apply_validation_error(form, exc)
            else:
                messages.success(request, _("Saved."))
                return redirect(self.success_url(org))
        return render(request, self.template, self.context(org, form), status=400)

    def success_url(self, org):
        from django.urls import reverse

        return reverse("societies:detail", args=[org.pk])


class OrganizationEditView(_OrgFormView):
    required_permission = scope_permission = MANAGE
    title = _("Edit the profile")

    def form(self, org, data=None):
        return OrganizationForm(data, editing=True, initial=self.initial(org))

    def initial(self, org):
        return {k: getattr(org, k) for k in (*sr.PROFILE_FIELDS, "credit_code", "filing_number")}

    def save(self, org, data):
        if org.track == "filed":
            data.pop("credit_code", None)
        else:
            data.pop("filing_number", None)
        sr.update_organization(actor=self.request.user, org=org, **data)


class StatusView(_OrgFormView):
    required_permission = scope_permission = MANAGE
    title = _("Change the status")

    def form(self, org, data=None):
        return StatusForm(data, allowed=TRANSITIONS.get(org.status, ()))

    def save(self, org, data):
        sr.change_status(actor=self.request.user, org=org, **data)


class IncubationView(_OrgFormView):
    required_permission = scope_permission = MANAGE
    form_class = IncubationForm
    title = _("Record an incubation")

    def initial(self, org):
        return {"entered_on": timezone.localdate()}

    def save(self, org, data):
        open_stay = org.incubations.filter(left_on__isnull=True).first()
        sr.save_incubation(actor=self.request.user, org=org, incubation=open_stay, **data)

    def form(self, org, data=None):
        open_stay = org.incubations.filter(left_on__isnull=True).first()
        initial = {k: getattr(open_stay, k) for k in ("level", "incubator", "stage", "entered_on", "note")} \
            if open_stay else self.initial(org)
        return IncubationForm(data, initial=initial)


class InspectionView(_OrgFormView):
    required_permission = scope_permission = MANAGE
    form_class = InspectionForm
    title = _("Record an annual inspection")

    def initial(self, org):
        return {"year": timezone.localdate().year - 1}

    def save(self, org, data):
        sr.record_inspection(actor=self.request.user, org=org, **data)


class EvaluationView(_OrgFormView):
    """The score sheet: four dimensions within their maximum points; the total and level follow the cut-offs."""

    required_permission = scope_permission = EVALUATE
    title = _("Evaluation score sheet")
    template = T + "evaluation_form.html"

    def form(self, org, data=None):
        config = sr.default_config(org.district_id)
        return EvaluationForm(data, maxima=config.maxima(), non_enterprise=org.is_private_non_enterprise,
                              initial={"evaluated_on": timezone.localdate()})

    def context(self, org, form):
        return {**super().context(org, form), "config": sr.default_config(org.district_id)}

    def save(self, org, data):
        scores = {d: data.pop(f"score_{d}") for d in sr.DIMENSIONS}
        sr.record_evaluation(actor=self.request.user, org=org, scores=scores, **data)


def _units_for(org):
    return ResidentUnit.objects.filter(district_id=org.district_id, is_active=True).order_by("name")


class MemberAddView(_OrgFormView):
    required_permission = scope_permission = MANAGE
    title = _("Add a member")

    def form(self, org, data=None):
        return MemberForm(data, units=_units_for(org))

    def save(self, org, data):
        sr.add_member(actor=self.request.user, org=org, **data)


class SeatAddView(_OrgFormView):
    required_permission = scope_permission = MANAGE
    title = _("Add a council seat")

    def form(self, org, data=None):
        return SeatForm(data)

    def save(self, org, data):
        sr.save_seat(actor=self.request.user, org=org, **data)


class PostAddView(_OrgFormView):
    required_permission = scope_permission = MANAGE
    form_class = PostForm
    title = _("Add a leadership post")

    def save(self, org, data):
        sr.save_post(actor=self.request.user, org=org, **data)


class _RowEditView(_OrgFormView):
    """Edit a seat or post of an organization of the actor's territory (looked up through the organization)."""

    required_permission = scope_permission = MANAGE
    row_model = None

    def get_object(self, queryset=None):
        row = self.row_model.objects.filter(pk=self.kwargs["pk"]).select_related("organization").first()
        if row is None:
            raise Http404
        self.row = row
        self.kwargs["org_pk"] = row.organization_id
        org = Organization.objects.visible_to(self.request.user, MANAGE).filter(pk=row.organization_id).first()
        if org is None:
            raise OutOfScope(MANAGE, row)
        return org


class SeatEditView(_RowEditView):
    row_model = CouncilSeat
    title = _("Edit a council seat")

    def form(self, org, data=None):
        r = self.row
        return SeatForm(data, initial={"role": r.role, "holder_name": r.holder_name, "term_start": r.term_start,
                                       "term_end": r.term_end})

    def save(self, org, data):
        sr.save_seat(actor=self.request.user, org=org, seat=self.row, **data)


class PostEditView(_RowEditView):
    row_model = LeadershipPost
    title = _("Edit a leadership post")

    def form(self, org, data=None):
        r = self.row
        return PostForm(data, initial={"title": r.title, "holder_name": r.holder_name,
                                       "holder_is_cadre": r.holder_is_cadre})

    def save(self, org, data):
        sr.save_post(actor=self.request.user, org=org, post=self.row, **data)


class _RowRemoveView(PermissionRequiredMixin, View):
    required_permission = MANAGE
    row_model = None

    def post(self, request, pk):
        row = self.row_model.objects.filter(pk=pk).first()
        if row is None:
            raise Http404
        if not Organization.objects.visible_to(request.user, MANAGE).filter(pk=row.organization_id).exists():
            raise OutOfScope(MANAGE, row)
        try:
            self.remove(row)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Removed."))
        return redirect("societies:detail", pk=row.organization_id)


class SeatRemoveView(_RowRemoveView):
    row_model = CouncilSeat

    def remove(self, row):
        sr.remove_seat(actor=self.request.user, seat=row)


class PostRemoveView(_RowRemoveView):
    row_model = LeadershipPost

    def remove(self, row):
        sr.remove_post(actor=self.request.user, post=row)


class StaffRemoveView(_RowRemoveView):
    row_model = OrganizationStaff

    def remove(self, row):
        sr.remove_staff(actor=self.request.user, staff=row)


class StaffView(_OrgFormView):
    """The organization's own accounts (``social_org`` role): who may edit its contacts, members and council."""

    required_permission = scope_permission = MANAGE
    title = _("Accounts of the organization")
    template = T + "staff.html"

    def form(self, org, data=None):
        return StaffForm(data)

    def context(self, org, form):
        return {**super().context(org, form), "staff": org.staff.select_related("user")}

    def save(self, org, data):
        sr.add_staff(actor=self.request.user, org=org, **data)

    def success_url(self, org):
        from django.urls import reverse

        return reverse("societies:staff", args=[org.pk])


class MemberEndView(ScopedObjectMixin, View):
    required_permission = scope_permission = MANAGE
    model = Member

    def post(self, request, pk):
        member = self.get_object()
        try:
            sr.end_membership(actor=request.user, member=member)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        return redirect("societies:detail", pk=member.organization_id)


# --- evaluation configuration -------------------------------------------------------------------------------------
class ConfigView(PermissionRequiredMixin, View):
    required_permission = EVALUATE

    def _district(self):
        ids = {node_id for _l, node_id in self.request.user.scope_nodes(EVALUATE)}
        node = Node.objects.filter(pk__in=ids).first()
        return node.district if node and node.district_id else node

    def _context(self, district, form):
        configs = EvaluationConfig.objects.filter(district=district) if district else []
        current = sr.config_on(district.pk) if district else None
        return {"form": form, "configs": configs, "current": current, "district": district,
                "can_edit": district is not None and Node.objects.visible_to(
                    self.request.user, EVALUATE).filter(pk=district.pk).exists()}

    def get(self, request):
        district = self._district()
        base = sr.default_config(district.pk) if district else EvaluationConfig()
        initial = {f: getattr(base, f) for f in ("cut_5a", "cut_4a", "cut_3a", "cut_2a", "cut_1a", "max_basic",
                                                 "max_governance", "max_performance", "max_social",
                                                 "validity_years")}
        initial["effective_from"] = timezone.localdate()
        return render(request, T + "config.html", self._context(district, ConfigForm(initial=initial)))

    def post(self, request):
        district = self._district()
        form = ConfigForm(request.POST)
        if form.is_valid():
            try:
                if district is None:
                    raise OutOfScope(EVALUATE)
                sr.save_config(actor=request.user, district=district, **form.cleaned_data)
            except ValidationError as exc:
                apply_validation_error(form, exc)
            else:
                messages.success(request, _("The new cut-offs are saved."))
                return redirect("societies:config")
        return render(request, T + "config.html", self._context(district, form), status=400)


# --- figures ------------------------------------------------------------------------------------------------------
class FiguresView(PermissionRequiredMixin, View):
    required_permission = VIEW

    def get(self, request):
        nodes = _nodes(request.user, VIEW)
        node = None
        if request.GET.get("node"):
            node = nodes.filter(pk=request.GET["node"]).first()
            if node is None:
                raise Http404
        node = node or nodes.first()
        if node is None:
            raise Http404
        return render(request, T + "figures.html", {"node": node, "nodes": nodes, "f": figures_for(node),
                                                    "children": breakdown(node)})


# --- an organization's own pages (social_org role) ------------------------------------------------------------
class _OwnMixin(PermissionRequiredMixin):
    required_permission = SELF

    def get_org(self):
        org = sr.own_organizations(self.request.user).filter(pk=self.kwargs["pk"]).first()
        if org is None:
            outside = Organization.objects.filter(pk=self.kwargs["pk"]).first()
            if outside is None:
                raise Http404
            raise OutOfScope(SELF, outside)
        return org


class OwnListView(PermissionRequiredMixin, View):
    required_permission = SELF

    def get(self, request):
        orgs = list(sr.own_organizations(request.user))
        if len(orgs) == 1:
            return redirect("societies:own_detail", pk=orgs[0].pk)
        return render(request, T + "own_list.html", {"orgs": orgs})


class OwnDetailView(_OwnMixin, View):
    def get(self, request, pk):
        return render(request, T + "detail.html", _detail_context(self.get_org(), request.user, own=True))


class _OwnFormView(_OwnMixin, View):
    title = ""

    def form(self, org, data=None):
        raise NotImplementedError

    def get(self, request, pk):
        org = self.get_org()
        return render(request, T + "form.html", {"form": self.form(org), "org": org, "title": self.title,
                                                 "own": True})

    def post(self, request, pk):
        org = self.get_org()
        form = self.form(org, request.POST)
        if form.is_valid():
            try:
                self.save(org, dict(form.cleaned_data))
            except ValidationError as exc:
                apply_validation_error(form, exc)
            else:
                messages.success(request, _("Saved."))
                return redirect("societies:own_detail", pk=org.pk)
        return render(request, T + "form.html", {"form": form, "org": org, "title": self.title, "own": True},
                      status=400)


class OwnContactsView(_OwnFormView):
    title = _("Edit the contacts")

    def form(self, org, data=None):
        return ContactsForm(data, initial={k: getattr(org, k) for k in sr.SELF_FIELDS})

    def save(self, org, data):
        sr.update_organization(actor=self.request.user, org=org, **data)


class OwnMemberAddView(_OwnFormView):
    title = _("Add a member")

    def form(self, org, data=None):
        return MemberForm(data, units=_units_for(org), registry=False)

    def save(self, org, data):
        sr.add_member(actor=self.request.user, org=org, **data)


class OwnSeatAddView(_OwnFormView):
    title = _("Add a council seat")

    def form(self, org, data=None):
        return SeatForm(data, registry=False)

    def save(self, org, data):
        sr.save_seat(actor=self.request.user, org=org, **data)


class OwnMemberEndView(PermissionRequiredMixin, View):
    required_permission = SELF

    def post(self, request, pk):
        member = Member.objects.filter(pk=pk, organization__in=sr.own_organizations(request.user)).first()
        if member is None:
            outside = Member.objects.filter(pk=pk).first()
            if outside is None:
                raise Http404
            raise OutOfScope(SELF, outside)
        try:
            sr.end_membership(actor=request.user, member=member)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        return redirect("societies:own_detail", pk=member.organization_id)


