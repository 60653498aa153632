"""Pages of the volunteer registry and activities.

* The volunteer's phone pages (志愿服务, VOLUNTEER_SELF): activities of his district, sign-up, my sign-ups,
  check-in and check-out by the activity's QR code, my hours; 我要当志愿者 for an account not yet registered.
* Staff pages (VOLUNTEERS_VIEW, writes VOLUNTEERS_MANAGE): volunteers (filters, audited .xlsx export), one
  volunteer, teams, activities with their sign-ups, QR code and pending records, the figures.
* An organization's pages (VOLUNTEERS_ORGANIZE): its own activities, QR codes and pending records.

Reads go through ``visible_to``; writes through :mod:`sanshe.volunteers.services_activities`.
"""

from __future__ import annotations

import io

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q, Sum
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from sanshe.core import audit
from sanshe.core.exports import audited_export
from sanshe.core.views import PermissionRequiredMixin, ScopedObjectMixin, apply_validation_error
from sanshe.territory.choices import Level
from sanshe.territory.models import Node

from . import services_activities as sv
from .choices import RecordState, SignUpState
from .forms_activities import (
    ActivityForm,
    CancelForm,
    ConfirmForm,
    MyProfileForm,
    SelfRegisterForm,
    TeamForm,
    VolunteerEditForm,
    VolunteerFilterForm,
    VolunteerForm,
)
from .models import Activity, ServiceRecord, SignUp, Team, Volunteer, organization_ids, self_districts

VIEW, MANAGE, ORGANIZE, SELF = sv.VIEW, sv.MANAGE, sv.ORGANIZE, sv.SELF
PAGE_SIZE = 50


def _errors(exc: ValidationError) -> str:
    if hasattr(exc, "error_dict"):
        return " ".join(m for ms in exc.message_dict.values() for m in ms)
    return " ".join(exc.messages)


def _communities(user, permission):
    """The communities ``user`` reaches with ``permission``."""
    q = Q()
    found = False
    for level, node_id in user.scope_nodes(permission):
        if level in ("district", "street", "community"):
            q |= Q(**{f"{level}_id": node_id}) if level != "community" else Q(pk=node_id)
            found = True
    if not found:
        return Node.objects.none()
    return Node.objects.filter(q, level=Level.COMMUNITY).order_by("code")


# --- the volunteer's pages (志愿服务) -----------------------------------------------------------------------------
class MyHomeView(PermissionRequiredMixin, View):
    required_permission = SELF

    def get(self, request, profile=None, status=200):
        volunteer = sv.volunteer_of(request.user)
        context = {"volunteer": volunteer}
        if volunteer is not None:
            now = timezone.now()
            context["summary"] = sv.volunteer_hours(volunteer)
            served = volunteer.records.exclude(state=RecordState.OPEN).values("activity_id")
            context["signups"] = (SignUp.objects.filter(volunteer=volunteer, state=SignUpState.SIGNED_UP,
                                                        activity__ends_at__gt=now)
                                  .exclude(activity_id__in=served)
                                  .select_related("activity").order_by("activity__starts_at"))
            context["open_records"] = volunteer.records.filter(state=RecordState.OPEN).select_related("activity")
            context["profile"] = profile or MyProfileForm(initial={"skills": "，".join(volunteer.skills or []),
                                                                   "availability": volunteer.availability})
        return render(request, "volunteers/activities/my_home.html", context, status=status)

    def post(self, request):
        """The volunteer changes his own skills and availability."""
        volunteer = sv.volunteer_of(request.user)
        if volunteer is None:
            return redirect("volunteers:my_register")
        form = MyProfileForm(request.POST)
        if form.is_valid():
            try:
                sv.update_volunteer(volunteer, actor=request.user, skills=form.cleaned_data["skills"],
                                    availability=form.cleaned_data["availability"])
            except ValidationError as exc:
                apply_validation_error(form, exc)
            else:
                messages.success(request, _("Saved."))
                return redirect("volunteers:my_home")
        return self.get(request, profile=form, status=400)


class MyRegisterView(PermissionRequiredMixin, View):
    required_permission = SELF
    template = "volunteers/activities/my_register.html"

    def _form(self, data=None):
        communities = Node.objects.filter(level=Level.COMMUNITY,
                                          district_id__in=self_districts(self.request.user)).order_by("code")
        return SelfRegisterForm(data, communities=communities)

    def get(self, request):
        if sv.volunteer_of(request.user):
            return redirect("volunteers:my_home")
        return render(request, self.template, {"form": self._form()})

    def post(self, request):
        form = self._form(request.POST)
        if form.is_valid():
            d = form.cleaned_data
            try:
                v = sv.register_volunteer(actor=request.user, community=d["community"], name=d["name"],
                                          id_number=d["id_number"], phone=d["phone"], skills=d["skills"],
                                          availability=d["availability"])
            except ValidationError as exc:
                apply_validation_error(form, exc)
            else:
                messages.success(request, _("Welcome! Your volunteer number is %(number)s.") % {"number": v.number})
                return redirect("volunteers:my_home")
        return render(request, self.template, {"form": form}, status=400)


class MyActivityListView(PermissionRequiredMixin, View):
    required_permission = SELF

    def get(self, request):
        now = timezone.now()
        volunteer = sv.volunteer_of(request.user)
        qs = (Activity.objects.visible_to(request.user, SELF).filter(ends_at__gt=now, cancelled_at__isnull=True)
              .select_related("organization", "community")
              .annotate(taken=Count("signups", filter=Q(signups__state=SignUpState.SIGNED_UP)))
              .order_by("starts_at", "pk"))
        skill = request.GET.get("skill", "").strip()
        if skill:
            qs = qs.filter(skills__icontains=skill)
        page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
        mine = set()
        if volunteer is not None:
            mine = set(SignUp.objects.filter(volunteer=volunteer, state=SignUpState.SIGNED_UP,
                                             activity__in=[a.pk for a in page]).values_list("activity_id", flat=True))
        return render(request, "volunteers/activities/my_activities.html",
                      {"page": page, "mine": mine, "volunteer": volunteer, "skill": skill})


class MyActivityView(ScopedObjectMixin, View):
    required_permission = SELF
    model = Activity
    scope_permission = SELF

    def get(self, request, pk):
        activity = self.get_object()
        volunteer = sv.volunteer_of(request.user)
        signup = record = None
        if volunteer is not None:
            signup = SignUp.objects.filter(activity=activity, volunteer=volunteer).first()
            record = ServiceRecord.objects.filter(activity=activity, volunteer=volunteer).first()
        return render(request, "volunteers/activities/my_activity.html", {
            "activity": activity, "volunteer": volunteer, "signup": signup, "record": record,
            "taken": sv.taken_slots(activity), "now": timezone.now()})


class MySignUpView(ScopedObjectMixin, View):
    required_permission = SELF
    model = Activity
    scope_permission = SELF
    cancel = False

    def post(self, request, pk):
        activity = self.get_object()
        try:
            if self.cancel:
                sv.cancel_sign_up(activity, actor=request.user)
                messages.success(request, _("Your sign-up was cancelled."))
            else:
                sv.sign_up(activity, actor=request.user)
                messages.success(request, _("You signed up for %(title)s.") % {"title": activity.title})
        except ValidationError as exc:
            messages.error(request, _errors(exc))
        return redirect("volunteers:my_activity", pk=activity.pk)


class CheckInView(PermissionRequiredMixin, View):
    """The page the activity's QR code opens: check in, then check out."""

    required_permission = SELF

    def _context(self, request, activity):
        volunteer = sv.volunteer_of(request.user)
        record = signup = None
        if volunteer is not None:
            record = ServiceRecord.objects.filter(activity=activity, volunteer=volunteer).first()
            signup = SignUp.objects.filter(activity=activity, volunteer=volunteer,
                                           state=SignUpState.SIGNED_UP).first()
        return {"activity": activity, "volunteer": volunteer, "record": record, "signup": signup,
                "taken": sv.taken_slots(activity)}

    def get(self, request, token):
        activity = sv.activity_by_token(token, request.user)
        return render(request, "volunteers/activities/checkin.html", self._context(request, activity))

    def post(self, request, token):
        activity = sv.activity_by_token(token, request.user)
        try:
            if request.POST.get("action") == "out":
                record = sv.check_out(activity, actor=request.user)
                messages.success(request, _("Checked out: %(hours)s hours, awaiting the organizer's confirmation.")
                                 % {"hours": record.hours})
            else:
                sv.check_in(activity, actor=request.user)
                messages.success(request, _("Checked in. Remember to check out when you leave."))
        except ValidationError as exc:
            messages.error(request, _errors(exc))
        return redirect("volunteers:checkin", token=activity.token)


class MyRecordsView(PermissionRequiredMixin, View):
    required_permission = SELF

    def get(self, request):
        volunteer = sv.volunteer_of(request.user)
        records = []
        summary = None
        if volunteer is not None:
            records = volunteer.records.select_related("activity").order_by("-started_at")[:200]
            summary = sv.volunteer_hours(volunteer)
        return render(request, "volunteers/activities/my_records.html",
                      {"volunteer": volunteer, "records": records, "summary": summary})


# --- staff: volunteers ------------------------------------------------------------------------------------------
def _volunteer_rows(request):
    communities = _communities(request.user, VIEW)
    form = VolunteerFilterForm(request.GET or None, communities=communities)
    qs = Volunteer.objects.visible_to(request.user, VIEW).select_related("community")
    data = form.cleaned_data if form.is_bound and form.is_valid() else {}
    if data.get("q"):
        qs = qs.filter(Q(name__icontains=data["q"]) | Q(number__icontains=data["q"]))
    if data.get("community"):
        qs = qs.filter(community=data["community"])
    if data.get("skill"):
        qs = qs.filter(skills__icontains=data["skill"])
    if data.get("kind") == "resident":
        qs = qs.filter(resident__isnull=False)
    elif data.get("kind") == "other":
        qs = qs.filter(resident__isnull=True)
    if data.get("active") in ("0", "1"):
        qs = qs.filter(is_active=data["active"] == "1")
    qs = qs.annotate(confirmed_hours=Sum("records__hours", filter=Q(records__state=RecordState.CONFIRMED))).order_by(
        "number")
    active = {k: (v.pk if hasattr(v, "pk") else v) for k, v in data.items() if v}
    return form, qs, active


class VolunteerListView(PermissionRequiredMixin, View):
    required_permission = VIEW

    def get(self, request):
        form, qs, _active = _volunteer_rows(request)
        page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
        query = request.GET.copy()
        query.pop("page", None)
        return render(request, "volunteers/activities/volunteer_list.html", {
            "form": form, "page": page, "query": query.urlencode(), "can_manage": request.user.has_permission(MANAGE)})


EXPORT_HEADERS = [
    (gettext_lazy("Volunteer number"), 20), (gettext_lazy("Name"), 12), (gettext_lazy("Community"), 16),
    (gettext_lazy("ID number"), 22), (gettext_lazy("Phone"), 16), (gettext_lazy("Resident of the registry"), 10),
    (gettext_lazy("Skills"), 24), (gettext_lazy("Availability"), 20), (gettext_lazy("Party member"), 8),
    (gettext_lazy("Registered on"), 12), (gettext_lazy("Active"), 8), (gettext_lazy("Confirmed hours"), 10),
]


class VolunteerExportView(PermissionRequiredMixin, View):
    """The filtered volunteers as .xlsx (ID numbers and phones masked; the export is audited)."""

    required_permission = VIEW

    def get(self, request):
        form, qs, active = _volunteer_rows(request)
        yes, no = _("yes"), _("no")

        def rows():
            for v in qs.iterator(chunk_size=500):
                yield [v.number, v.name, v.community.name if v.community_id else "", v.id_number_masked,
                       v.phone_masked, yes if v.resident_id else no, "、".join(v.skills or []), v.availability,
                       yes if v.is_party_member else no, v.registered_on, yes if v.is_active else no,
                       v.confirmed_hours or 0]

        def record(table):
            audit.record("volunteers.volunteer.exported", actor=request.user, object_type="volunteers.volunteer",
                         object_repr=_("Volunteers"), extra={"filter": active, "rows": table.rows})

        return audited_export("xlsx", [str(h) for h, _w in EXPORT_HEADERS], rows(), user=request.user,
                              basename="volunteers", record=record, max_rows=100_000, sheet_title=_("Volunteers"),
                              truncated_note=_("Cut at 100,000 rows: narrow the filter."), active_filter=active,
                              column_widths=[w for _h, w in EXPORT_HEADERS])


class VolunteerCreateView(PermissionRequiredMixin, View):
    required_permission = MANAGE
    template = "volunteers/activities/volunteer_form.html"

    def _form(self, data=None):
        return VolunteerForm(data, communities=_communities(self.request.user, MANAGE))

    def get(self, request):
        return render(request, self.template, {"form": self._form()})

    def post(self, request):
        from sanshe.territory.choices import ResidentStatus
        from sanshe.territory.models import Resident
        from sanshe.territory.registry import id_number_index

        form = self._form(request.POST)
        if form.is_valid():
            d = form.cleaned_data
            resident = Resident.objects.filter(
                district_id=d["community"].district_id, id_number_index=id_number_index(d["id_number"]),
                status=ResidentStatus.REGISTERED).first()
            try:
                v = sv.register_volunteer(actor=request.user, community=d["community"], resident=resident,
                                          name=d["name"], id_number=d["id_number"], phone=d["phone"],
                                          skills=d["skills"], availability=d["availability"],
                                          is_party_member=d["is_party_member"])
            except ValidationError as exc:
                apply_validation_error(form, exc)
            else:
                messages.success(request, _("Volunteer %(volunteer)s registered.") % {"volunteer": v})
                return redirect("volunteers:volunteer_detail", pk=v.pk)
        return render(request, self.template, {"form": form}, status=400)


class VolunteerDetailView(ScopedObjectMixin, View):
    required_permission = VIEW
    model = Volunteer
    scope_permission = VIEW

    def get(self, request, pk):
        v = self.get_object()
        can_manage = request.user.has_permission(MANAGE) and Volunteer.objects.visible_to(
            request.user, MANAGE).filter(pk=v.pk).exists()
        edit = VolunteerEditForm(initial={"skills": "，".join(v.skills or []), "availability": v.availability,
                                          "is_party_member": v.is_party_member, "is_active": v.is_active})
        return render(request, "volunteers/activities/volunteer_detail.html", {
            "v": v, "summary": sv.volunteer_hours(v), "teams": v.teams.all(), "can_manage": can_manage,
            "edit": edit,
            "records": v.records.select_related("activity").order_by("-started_at")[:100],
            "signups": v.signups.select_related("activity").order_by("-signed_up_at")[:50]})


class VolunteerEditView(ScopedObjectMixin, View):
    """Staff change a volunteer's skills, availability, party membership, or stop (restart) his registration."""

    required_permission = MANAGE
    model = Volunteer
    scope_permission = MANAGE

    def post(self, request, pk):
        v = self.get_object()
        form = VolunteerEditForm(request.POST)
        if form.is_valid():
            d = form.cleaned_data
            sv.update_volunteer(v, actor=request.user, skills=d["skills"], availability=d["availability"],
                                is_active=d["is_active"], is_party_member=d["is_party_member"])
            messages.success(request, _("Volunteer %(volunteer)s saved.") % {"volunteer": v})
        else:
            messages.error(request, _("Check the form."))
        return redirect("volunteers:volunteer_detail", pk=v.pk)


# --- staff: teams -----------------------------------------------------------------------------------------------
class TeamListView(PermissionRequiredMixin, View):
    required_permission = VIEW

    def get(self, request):
        teams = (Team.objects.visible_to(request.user, VIEW).select_related("community", "organization", "leader")
                 .annotate(size=Count("members")))
        return render(request, "volunteers/activities/team_list.html", {
            "teams": teams, "can_manage": request.user.has_permission(MANAGE)})


def _numbers(text: str) -> list[str]:
    return [n for n in (text or "").replace("，", ",").replace("\n", ",").replace(" ", ",").split(",") if n]


class TeamCreateView(PermissionRequiredMixin, View):
    required_permission = MANAGE
    template = "volunteers/activities/team_form.html"

    def _form(self, data=None):
        return TeamForm(data, communities=_communities(self.request.user, MANAGE))

    def get(self, request):
        return render(request, self.template, {"form": self._form()})

    def post(self, request):
        form = self._form(request.POST)
        if form.is_valid():
            d = form.cleaned_data
            visible = Volunteer.objects.visible_to(request.user, MANAGE)
            numbers = _numbers(d["members"])
            members = list(visible.filter(number__in=numbers))
            leader = visible.filter(number=d["leader"]).first() if d["leader"] else None
            try:
                if len(members) != len(set(numbers)):
                    raise ValidationError({"members": [_("A volunteer number is unknown.")]})
                if d["leader"] and leader is None:
                    raise ValidationError({"leader": [_("A volunteer number is unknown.")]})
                team = sv.save_team(actor=request.user, community=d["community"], name=d["name"], leader=leader,
                                    members=members, service_field=d["service_field"])
            except ValidationError as exc:
                apply_validation_error(form, exc)
            else:
                messages.success(request, _("Team %(team)s saved.") % {"team": team})
                return redirect("volunteers:team_detail", pk=team.pk)
        return render(request, self.template, {"form": form}, status=400)


class TeamDetailView(ScopedObjectMixin, View):
    required_permission = VIEW
    model = Team
    scope_permission = VIEW

    def get(self, request, pk):
        team = self.get_object()
        members = team.members.annotate(
            confirmed_hours=Sum("records__hours", filter=Q(records__state=RecordState.CONFIRMED))).order_by("number")
        return render(request, "volunteers/activities/team_detail.html", {"team": team, "members": members})


# --- activities (staff and organizations) -----------------------------------------------------------------------
class _OrganizerMixin:
    """Staff pages (``org`` False: VOLUNTEERS_VIEW to read, VOLUNTEERS_MANAGE to write) and an organization's
    pages (``org`` True: VOLUNTEERS_ORGANIZE) share their views."""

    org = False

    @property
    def read_permission(self):
        return ORGANIZE if self.org else VIEW

    def url(self, name: str) -> str:
        return f"volunteers:{'org_' if self.org else ''}{name}"


class ActivityListView(_OrganizerMixin, PermissionRequiredMixin, View):
    required_permission = VIEW

    def get(self, request):
        qs = (Activity.objects.visible_to(request.user, self.read_permission)
              .select_related("organization", "community")
              .annotate(taken=Count("signups", filter=Q(signups__state=SignUpState.SIGNED_UP), distinct=True),
                        pending=Count("records", filter=Q(records__state=RecordState.PENDING), distinct=True))
              .order_by("-starts_at", "pk"))
        when = request.GET.get("when", "")
        now = timezone.now()
        if when == "upcoming":
            qs = qs.filter(ends_at__gt=now)
        elif when == "past":
            qs = qs.filter(ends_at__lte=now)
        elif when == "pending":
            qs = qs.filter(records__state=RecordState.PENDING).distinct()
        page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
        can_post = request.user.has_permission(ORGANIZE if self.org else MANAGE) and (
            not self.org or organization_ids(request.user))
        return render(request, "volunteers/activities/activity_list.html", {
            "page": page, "when": when, "org": self.org, "can_post": can_post,
            "create_url": reverse(self.url("activity_create")), "detail_name": self.url("activity_detail")})


class ActivityCreateView(_OrganizerMixin, PermissionRequiredMixin, View):
    required_permission = MANAGE
    template = "volunteers/activities/activity_form.html"

    def _form(self, data=None):
        from sanshe.societies.models import Organization

        if self.org:
            orgs = Organization.objects.filter(pk__in=organization_ids(self.request.user))
            communities = Node.objects.filter(level=Level.COMMUNITY,
                                              district_id__in=orgs.values("district_id")).order_by("code")
            return ActivityForm(data, communities=communities, organizations=orgs)
        return ActivityForm(data, communities=_communities(self.request.user, MANAGE))

    def get(self, request):
        return render(request, self.template, {"form": self._form(), "org": self.org})

    def post(self, request):
        form = self._form(request.POST)
        if form.is_valid():
            d = form.cleaned_data
            try:
                activity = sv.post_activity(
                    actor=request.user, community=d["community"], organization=d.get("organization"),
                    title=d["title"], place=d["place"], starts_at=d["starts_at"], ends_at=d["ends_at"],
                    slots=d["slots"], skills=d["skills"], content=d["content"], contact=d["contact"],
                    allow_walk_in=d["allow_walk_in"])
            except ValidationError as exc:
                apply_validation_error(form, exc)
            else:
                messages.success(request, _("Activity %(title)s posted.") % {"title": activity.title})
                return redirect(self.url("activity_detail"), pk=activity.pk)
        return render(request, self.template, {"form": form, "org": self.org}, status=400)


class ActivityDetailView(_OrganizerMixin, ScopedObjectMixin, View):
    """The organizer's page: the activity, its sign-ups, its QR code, its records awaiting confirmation."""

    required_permission = VIEW
    model = Activity

    def get_queryset(self):
        return Activity.objects.visible_to(self.request.user, self.read_permission).select_related(
            "organization", "community", "team")

    def get(self, request, pk):
        activity = self.get_object()
        checkin_url = request.build_absolute_uri(reverse("volunteers:checkin", args=[activity.token]))
        records = list(activity.records.select_related("volunteer").order_by("state", "started_at"))
        return render(request, "volunteers/activities/activity_detail.html", {
            "activity": activity, "org": self.org,
            "signups": activity.signups.select_related("volunteer").order_by("state", "signed_up_at"),
            "taken": sv.taken_slots(activity), "records": records,
            "pending": [r for r in records if r.state == RecordState.PENDING],
            "can_organize": sv.can_organize(request.user, activity), "checkin_url": checkin_url,
            "qr_url": reverse(self.url("activity_qr"), args=[activity.pk]),
            "confirm_name": self.url("record_confirm"), "reject_name": self.url("record_reject"),
            "cancel_url": reverse(self.url("activity_cancel"), args=[activity.pk]),
            "confirm_form": ConfirmForm(), "now": timezone.now()})


class ActivityQrView(_OrganizerMixin, ScopedObjectMixin, View):
    """The activity's QR code (SVG): it opens the volunteer's check-in page."""

    required_permission = VIEW
    model = Activity

    def get_queryset(self):
        return Activity.objects.visible_to(self.request.user, self.read_permission)

    def get(self, request, pk):
        import segno

        activity = self.get_object()
        url = request.build_absolute_uri(reverse("volunteers:checkin", args=[activity.token]))
        out = io.BytesIO()
        segno.make(url, error="m").save(out, kind="svg", scale=8, border=2, xmldecl=True)
        response = HttpResponse(out.getvalue(), content_type="image/svg+xml")
        response["Cache-Control"] = "private, no-store"
        return response


class ActivityCancelView(_OrganizerMixin, ScopedObjectMixin, View):
    required_permission = MANAGE
    model = Activity

    def get_queryset(self):
        return Activity.objects.visible_to(self.request.user, ORGANIZE if self.org else MANAGE)

    def post(self, request, pk):
        activity = self.get_object()
        form = CancelForm(request.POST)
        try:
            if not form.is_valid():
                raise ValidationError({"reason": [_("Give a reason.")]})
            sv.cancel_activity(activity, actor=request.user, reason=form.cleaned_data["reason"])
            messages.success(request, _("The activity was cancelled."))
        except ValidationError as exc:
            messages.error(request, _errors(exc))
        return redirect(self.url("activity_detail"), pk=activity.pk)


class RecordDecisionView(_OrganizerMixin, ScopedObjectMixin, View):
    """Confirm (with an optional adjustment and its reason) or reject a record of the organizer's activity."""

    required_permission = MANAGE
    model = ServiceRecord
    reject = False

    def get_queryset(self):
        return ServiceRecord.objects.visible_to(self.request.user, ORGANIZE if self.org else MANAGE)

    def post(self, request, pk):
        record = self.get_object()
        form = ConfirmForm(request.POST)
        try:
            if not form.is_valid():
                raise ValidationError({"hours": [_("Give the hours as a number.")]})
            d = form.cleaned_data
            if self.reject:
                sv.reject_record(record, actor=request.user, reason=d["reason"])
                messages.success(request, _("Record of %(name)s rejected.") % {"name": record.volunteer.name})
            else:
                record = sv.confirm_record(record, actor=request.user, hours=d["hours"], reason=d["reason"])
                messages.success(request, _("%(hours)s hours of %(name)s confirmed.") % {
                    "hours": record.hours, "name": record.volunteer.name})
        except ValidationError as exc:
            messages.error(request, _errors(exc))
        if record.activity_id is None:
            raise Http404
        return redirect(self.url("activity_detail"), pk=record.activity_id)


# --- figures ----------------------------------------------------------------------------------------------------
class FiguresView(PermissionRequiredMixin, View):
    required_permission = VIEW

    def get(self, request):
        rank = {"district": 0, "street": 1, "community": 2}
        nodes = sorted(Node.objects.filter(pk__in=[n for _lvl, n in request.user.scope_nodes(VIEW)],
                                           level__in=tuple(rank)), key=lambda n: (rank[n.level], n.code))
        node = nodes[0] if nodes else None
        wanted = request.GET.get("node", "")
        if wanted.isdigit():
            candidate = Node.objects.filter(pk=int(wanted), level__in=("district", "street", "community")).first()
            reach = {(lvl, n) for lvl, n in request.user.scope_nodes(VIEW)}
            if candidate is None:
                raise Http404
            if not any((lvl, getattr(candidate, f"{lvl}_id", None)) in reach
                       for lvl in ("district", "street", "community")):
                from sanshe.core.exceptions import OutOfScope

                raise OutOfScope(VIEW, candidate)
            node = candidate
        if node is None or node.level not in ("district", "street", "community"):
            raise Http404
        now = timezone.now()
        return render(request, "volunteers/activities/figures.html", {
            "f": sv.figures(node, now=now), "children": sv.figures_by_child(node, now=now), "node": node,
            "active_days": sv.ACTIVE_DAYS, "now": now})
