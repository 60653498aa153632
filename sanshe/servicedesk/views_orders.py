"""Pages of the 五单法 demand orders: needs (and the resident's 我的点单), placing a need, the party secretary's
review desk (merge / decline / issue), the order list (the providers' 接单 list too), the order page with its
timeline and each role's action panel, the stage dashboard and the public four publicities (四公开).

Reads go through ``visible_to``; writes through :mod:`sanshe.servicedesk.services_orders`."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views import View

from sanshe.accounts.roles import Perm
from sanshe.core.views import PermissionRequiredMixin, apply_validation_error
from sanshe.territory.choices import Level
from sanshe.territory.models import Household, Node

from . import services_orders as so
from .choices_orders import STAGES, NeedState, OrderAction, OrderState
from .forms_orders import DeclineForm, IssueOrderForm, NeedForm, RatingForm
from .models_orders import DemandOrder, Need, OrderBid

VIEW, PLACE, ISSUE, TAKE = Perm.ORDERS_VIEW, Perm.ORDERS_PLACE, Perm.ORDERS_ISSUE, Perm.ORDERS_TAKE
PAGE_SIZE = 50


def span_text(seconds: float) -> str:
    """A stretch of time as people say it: days from one day on, hours below."""
    if seconds >= 86400:
        return _("%(n)s days") % {"n": f"{seconds / 86400:.1f}"}
    return _("%(n)s hours") % {"n": f"{seconds / 3600:.1f}"}


def _error_text(exc: ValidationError) -> str:
    return " ".join(exc.messages)


# --- needs ------------------------------------------------------------------------------------------------------
class NeedListView(PermissionRequiredMixin, View):
    required_permission = PLACE

    def get(self, request):
        user = request.user
        staff = user.has_permission(VIEW)
        qs = Need.objects.visible_to(user, VIEW).select_related("community", "order")
        state = request.GET.get("state", "")
        if state in NeedState.values:
            qs = qs.filter(state=state)
        page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
        return render(request, "servicedesk/orders/need_list.html", {
            "page": page, "staff": staff, "states": NeedState.choices, "state": state,
            "can_place": user.has_permission(PLACE), "can_issue": user.has_permission(ISSUE)})


def _communities(user):
    return Node.objects.visible_to(user, PLACE).filter(level=Level.COMMUNITY, is_active=True).order_by("code")


def _place_communities(user):
    ids = [c.pk for c in Node.objects.filter(level=Level.COMMUNITY, is_active=True) if so.reaches(user, PLACE, c)] \
        if not user.has_permission(VIEW) else None
    if ids is None:
        return _communities(user)
    return Node.objects.filter(pk__in=ids).order_by("code")


class NeedCreateView(PermissionRequiredMixin, View):
    required_permission = PLACE
    template = "servicedesk/orders/need_form.html"

    def _form(self, request, data=None):
        staff = request.user.has_permission(VIEW)
        return NeedForm(data, communities=_place_communities(request.user), staff=staff), staff

    def get(self, request):
        form, staff = self._form(request)
        return render(request, self.template, {"form": form, "staff": staff})

    def post(self, request):
        form, staff = self._form(request, request.POST)
        if form.is_valid():
            d = form.cleaned_data
            households = []
            numbers = [x.strip() for x in (d.get("households") or "").replace("，", ",").split(",") if x.strip()]
            if numbers:
                found = {h.number: h for h in Household.objects.filter(community=d["community"], number__in=numbers)}
                missing = [x for x in numbers if x not in found]
                if missing:
                    form.add_error("households", _("Not a household of the community: %(list)s") % {
                        "list": "、".join(missing)})
                households = list(found.values())
            if form.is_valid():
                try:
                    need = so.place_need(actor=request.user, community=d["community"], title=d["title"],
                                         description=d["description"], kind=d["kind"], households=households,
                                         contact_name=d["contact_name"], contact_phone=d["contact_phone"],
                                         source=d.get("source") or "worker")
                except ValidationError as exc:
                    apply_validation_error(form, exc)
                else:
                    messages.success(request, _("Need %(number)s recorded.") % {"number": need.number})
                    return redirect("servicedesk:need_detail", need.pk)
        return render(request, self.template, {"form": form, "staff": staff}, status=400)


class NeedDetailView(PermissionRequiredMixin, View):
    required_permission = PLACE

    def get(self, request, pk):
        need = get_object_or_404(Need.objects.visible_to(request.user, VIEW).select_related(
            "community", "order", "order__provider"), pk=pk)
        order = need.order
        can_rate = bool(order and order.state in (OrderState.SUBMITTED, OrderState.CLOSED) and need in
                        so.evaluable_needs(order, request.user))
        return render(request, "servicedesk/orders/need_detail.html", {
            "need": need, "order": order, "households": need.households.all(),
            "rating_form": RatingForm() if can_rate else None, "staff": request.user.has_permission(VIEW)})


# --- the party secretary's desk ------------------------------------------------------------------------------------
class DeskView(PermissionRequiredMixin, View):
    required_permission = ISSUE
    template = "servicedesk/orders/desk.html"

    def _context(self, request, form=None):
        needs = Need.objects.visible_to(request.user, ISSUE).filter(state=NeedState.OPEN).select_related(
            "community").order_by("community__code", "kind", "placed_at")
        district_ids = {n.district_id for n in Node.objects.visible_to(request.user, ISSUE)}
        from sanshe.gridops.choices import UnitKind
        from sanshe.gridops.models import HandlingUnit

        providers = HandlingUnit.objects.filter(kind=UnitKind.SOCIAL_ORG, district_id__in=district_ids).order_by("name")
        return {"needs": needs, "form": form or IssueOrderForm(providers=providers), "decline_form": DeclineForm(),
                "providers": providers}

    def get(self, request):
        return render(request, self.template, self._context(request))

    def post(self, request):
        ctx = self._context(request)
        ids = [int(x) for x in request.POST.getlist("needs") if x.isdigit()]
        chosen = list(Need.objects.visible_to(request.user, ISSUE).filter(pk__in=ids))
        if request.POST.get("op") == "decline":
            form = DeclineForm(request.POST)
            if len(chosen) != 1 or not form.is_valid():
                messages.error(request, _("Choose one need and give a reason."))
                return redirect("servicedesk:order_desk")
            try:
                so.decline_need(chosen[0], actor=request.user, reason=form.cleaned_data["reason"])
            except ValidationError as exc:
                messages.error(request, _error_text(exc))
            else:
                messages.success(request, _("Need %(number)s declined.") % {"number": chosen[0].number})
            return redirect("servicedesk:order_desk")
        form = IssueOrderForm(request.POST, providers=ctx["providers"])
        if form.is_valid():
            d = form.cleaned_data
            try:
                order = so.issue_order(actor=request.user, needs=chosen, title=d["title"], content=d["content"],
                                       budget=d["budget"], fund_source=d["fund_source"],
                                       responsible_member=d["responsible_member"], mode=d["mode"],
                                       invited=list(d["invited"]))
            except ValidationError as exc:
                apply_validation_error(form, exc)
            else:
                messages.success(request, _("Order %(number)s issued.") % {"number": order.number})
                return redirect("servicedesk:order_detail", order.pk)
        ctx["form"] = form
        ctx["checked"] = set(ids)
        return render(request, self.template, ctx, status=400)


# --- orders -----------------------------------------------------------------------------------------------------
class OrderListView(PermissionRequiredMixin, View):
    required_permission = VIEW
    permission = VIEW
    detail_url = "servicedesk:order_detail"

    def get(self, request):
        user = request.user
        qs = DemandOrder.objects.visible_to(user, self.permission).select_related("community", "provider")
        state = request.GET.get("state", "")
        if state in OrderState.values:
            qs = qs.filter(state=state)
        page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
        providers = so.user_providers(user) if self.permission == TAKE else []
        return render(request, "servicedesk/orders/order_list.html", {"detail_url": self.detail_url,
            "page": page, "states": OrderState.choices, "state": state, "providers": providers,
            "can_issue": user.has_permission(ISSUE), "can_stats": user.has_permission(VIEW)})


class OfferListView(OrderListView):
    """接单: the orders offered to the user's provider (invited, open calls of its district, taken)."""

    required_permission = TAKE
    permission = TAKE
    detail_url = "servicedesk:offer_detail"


class OrderDetailView(PermissionRequiredMixin, View):
    required_permission = VIEW
    permission = VIEW
    action_url = "servicedesk:order_action"

    def get(self, request, pk):
        order = get_object_or_404(DemandOrder.objects.visible_to(request.user, self.permission).select_related(
            "community", "provider", "street"), pk=pk)
        actions = so.allowed_actions(order, request.user)
        steps = list(order.steps.all())
        durations = so.stage_durations(steps, include_open=True)
        stage_rows = [{"label": OrderState(s).label, "span": span_text(durations[s])} for s in STAGES
                      if s in durations]
        my_unit = so._provider_for(order, request.user) if request.user.has_permission(TAKE) else None
        staff = request.user.has_permission(VIEW)
        return render(request, "servicedesk/orders/order_detail.html", {
            "action_url": self.action_url, "list_url": "servicedesk:offer_list" if self.permission == TAKE else
            "servicedesk:order_list", "order": order, "actions": actions, "steps": steps, "stage_rows": stage_rows,
            "needs": order.needs.all() if staff else order.needs.filter(placed_by=request.user),
            "bids": order.bids.select_related("unit"), "checks": order.checks.all(),
            "invited": order.invited.all(), "evaluable": so.evaluable_needs(order, request.user),
            "ratings": RatingForm().fields["rating"].choices, "my_unit": my_unit,
            "providers": so.providers_for(order.district_id).exclude(pk__in=order.invited.values("pk")),
            "staff": staff, "can_place": request.user.has_permission(PLACE), "today": dt.date.today()})


class OfferDetailView(OrderDetailView):
    required_permission = TAKE
    permission = TAKE
    action_url = "servicedesk:offer_action"


class OrderActionView(PermissionRequiredMixin, View):
    required_permission = VIEW
    permission = VIEW
    detail_url = "servicedesk:order_detail"

    def post(self, request, pk):
        order = get_object_or_404(DemandOrder.objects.visible_to(request.user, self.permission), pk=pk)
        action = request.POST.get("action", "")
        p = request.POST
        kwargs: dict = {"note": p.get("note", "")}
        try:
            if action == OrderAction.INVITE:
                kwargs["invite"] = int(p.get("provider") or 0)
            elif action in (OrderAction.ACCEPT, OrderAction.BID):
                kwargs.update(price=p.get("price") or None, plan=p.get("plan", ""))
            elif action == OrderAction.CHOOSE:
                kwargs["bid"] = OrderBid.objects.filter(order=order, pk=int(p.get("bid") or 0)).first()
            elif action == OrderAction.CHECK:
                try:
                    kwargs["check_date"] = dt.date.fromisoformat(p.get("date", "")) if p.get("date") else None
                except ValueError:
                    raise ValidationError({"date": [_("Give a date.")]}) from None
                kwargs["ok"] = p.get("ok", "1") == "1"
                kwargs["photo"] = request.FILES.get("photo")
            elif action == OrderAction.VERIFY:
                kwargs["ratings"] = {int(k[7:]): v for k, v in p.items() if k.startswith("rating_") and k[7:].isdigit()}
            elif action == OrderAction.EVALUATE:
                kwargs.update(need=order.needs.filter(pk=int(p.get("need") or 0)).first(),
                              rating=p.get("rating", ""), comment=p.get("comment", ""))
            so.transition(order, action, actor=request.user, **kwargs)
        except ValidationError as exc:
            messages.error(request, _error_text(exc))
            return redirect(self.detail_url, order.pk)
        messages.success(request, _("Done: %(action)s.") % {"action": OrderAction(action).label})
        return redirect(self.detail_url, order.pk)


class OfferActionView(OrderActionView):
    required_permission = TAKE
    permission = TAKE
    detail_url = "servicedesk:offer_detail"


class NeedEvaluateView(PermissionRequiredMixin, View):
    """The resident (or a worker for him) evaluates the order that answered a need."""

    required_permission = PLACE

    def post(self, request, pk):
        need = get_object_or_404(Need.objects.visible_to(request.user, VIEW), pk=pk)
        form = RatingForm(request.POST)
        if need.order_id is None or not form.is_valid():
            messages.error(request, _("Choose a rating."))
            return redirect("servicedesk:need_detail", need.pk)
        try:
            so.transition(need.order, OrderAction.EVALUATE, actor=request.user, need=need,
                          rating=form.cleaned_data["rating"], comment=form.cleaned_data["comment"])
        except ValidationError as exc:
            messages.error(request, _error_text(exc))
        else:
            messages.success(request, _("Thank you for your evaluation."))
        return redirect("servicedesk:need_detail", need.pk)


# --- figures ----------------------------------------------------------------------------------------------------
class OrderStatsView(PermissionRequiredMixin, View):
    required_permission = VIEW

    def get(self, request):
        orders = DemandOrder.objects.visible_to(request.user, VIEW)
        stats = so.stage_stats(orders)
        needs = Need.objects.visible_to(request.user, VIEW)
        need_counts = {r["state"]: r["n"] for r in needs.values("state").annotate(n=Count("id")).order_by()}
        rows = [{"state": s, "label": OrderState(s).label, "count": stats["counts"][s],
                 "days": stats["mean_days"].get(s)} for s in OrderState.values]
        ratings = {r["rating"]: r["n"] for r in needs.exclude(rating="").values("rating").annotate(
            n=Count("id")).order_by()}
        return render(request, "servicedesk/orders/stats.html", {
            "rows": rows, "need_counts": [(NeedState(s).label, need_counts.get(s, 0)) for s in NeedState.values],
            "need_wait_days": stats["need_wait_days"], "ratings": ratings,
            "rated": sum(ratings.values()),
            "satisfied": ratings.get("satisfied", 0) + ratings.get("fairly_satisfied", 0)})


# --- the public four publicities -----------------------------------------------------------------------------------
def public_index(request):
    """The communities that have orders, each linking to its 四公开 page (no account)."""
    ids = DemandOrder.objects.values("community_id").annotate(n=Count("id")).order_by()
    counts = {r["community_id"]: r["n"] for r in ids}
    communities = Node.objects.filter(pk__in=counts).order_by("code")
    return render(request, "servicedesk/orders/public_index.html", {
        "communities": [(c, counts[c.pk]) for c in communities]})


def public_community(request, pk):
    """四公开 of a community: 项目内容、承接组织、经费来源、责任党员 of its orders (no personal data)."""
    community = get_object_or_404(Node, pk=pk, level=Level.COMMUNITY)
    orders = DemandOrder.objects.filter(community=community).select_related("provider").annotate(
        n_needs=Count("needs")).order_by("-issued_at")
    total = sum((o.price or o.budget) for o in orders)
    return render(request, "servicedesk/orders/public.html", {
        "community": community, "orders": orders, "total": total, })
