"""Writes of the 五单法 demand orders: placing a need, declining it, issuing an order that merges needs, and
moving an order through ``choices_orders.TRANSITIONS``; plus the stage times derived from the history rows.

Every write is one transaction with its audit entry and history row (:class:`OrderStep`); needs that concern
households add an entry to each household's file. Views, the API, the hotline and the demo call these.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections import defaultdict
from collections.abc import Iterable, Sequence
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from sanshe.accounts.models import User
from sanshe.accounts.notifications import notify
from sanshe.accounts.roles import Perm
from sanshe.core import audit, txn
from sanshe.core.exceptions import Denied, OutOfScope
from sanshe.core.masking import mask_phone
from sanshe.core.services import require, require_visible
from sanshe.core.validators import validate_phone
from sanshe.core.workflow import TransitionRefused  # noqa: F401 - the module's refusal, for callers
from sanshe.core.workflow import actor_name as _name
from sanshe.core.workflow import refuse as _refuse

from .choices_orders import (
    STAGES,
    TRANSITIONS,
    FundSource,
    NeedKind,
    NeedSource,
    NeedState,
    OfferMode,
    OrderAction,
    OrderState,
    OrderWho,
    Rating,
)
from .models_orders import DemandOrder, Need, OrderBid, OrderCheck, OrderStep


def need_url(need: Need) -> str:
    return reverse("servicedesk:need_detail", args=[need.pk])


def order_url(order: DemandOrder) -> str:
    return reverse("servicedesk:order_detail", args=[order.pk])


def _number(prefix: str, obj, at: dt.datetime) -> str:
    return f"{prefix}{timezone.localtime(at):%Y%m%d}{obj.pk:06d}{secrets.randbelow(100):02d}"


def providers_for(district_id):
    """The provider directory of a district: handling units of kind ``social_org``."""
    from sanshe.gridops.choices import UnitKind
    from sanshe.gridops.models import HandlingUnit

    return HandlingUnit.objects.filter(kind=UnitKind.SOCIAL_ORG, district_id=district_id).order_by("name")


def user_providers(user) -> list:
    """The providers whose staff ``user`` is."""
    from sanshe.gridops.choices import UnitKind
    from sanshe.gridops.models import HandlingUnit

    if user is None or not user.is_authenticated:
        return []
    return list(HandlingUnit.objects.filter(kind=UnitKind.SOCIAL_ORG, unitmember__user=user).order_by("name"))


def reaches(user, permission: str, community) -> bool:
    """Does ``user`` hold ``permission`` over ``community`` (at it or at its street or district)?"""
    for level, node_id in user.scope_nodes(permission):
        if level == "community" and node_id == community.pk:
            return True
        if level in ("district", "street") and getattr(community, f"{level}_id", None) == node_id:
            return True
        if level not in ("district", "street", "community"):
            from sanshe.territory.models import Node

            if Node.objects.filter(pk=node_id, community_id=community.pk).exists():
                return True
    return False


# --- 群众点单 --------------------------------------------------------------------------------------------------
def place_need(*, actor, community, title, description, kind="", households=(), resident=None,
               contact_name="", contact_phone="", source="worker", at=None) -> Need:
    """群众点单: a resident for himself (``source`` is then ``resident``), a worker, a survey or the hotline
    for residents. ``households`` are registry households of ``community``; each gets a file entry."""
    require(actor, Perm.ORDERS_PLACE)
    from sanshe.territory.models import Household, Node

    errors: dict[str, list] = {}
    title = (title or "").strip()
    description = (description or "").strip()
    kind = kind or NeedKind.OTHER
    is_resident_account = not actor.has_permission(Perm.ORDERS_VIEW)
    if is_resident_account:
        source = NeedSource.RESIDENT
        contact_name = contact_name or _name(actor)
    if not title:
        errors.setdefault("title", []).append(_("Say briefly what is needed."))
    if kind not in NeedKind.values:
        errors.setdefault("kind", []).append(_("Choose a kind."))
    if source not in NeedSource.values:
        errors.setdefault("source", []).append(_("Choose a source."))
    phone = (contact_phone or "").strip()
    if phone:
        try:
            phone = validate_phone(phone).normalized
        except ValidationError as exc:
            errors.setdefault("contact_phone", []).extend(exc.messages)
    if not isinstance(community, Node) or community.level != "community":
        errors.setdefault("community", []).append(_("Choose a community."))
    households = list(households or ())
    if households and is_resident_account:
        errors.setdefault("households", []).append(_("Only staff attach households from the registry."))
    if errors:
        raise ValidationError(errors)
    if not reaches(actor, Perm.ORDERS_PLACE, community):
        raise OutOfScope(Perm.ORDERS_PLACE, community)
    hh_ids = [getattr(h, "pk", h) for h in households]
    rows = list(Household.objects.filter(pk__in=hh_ids))
    if len(rows) != len(set(hh_ids)) or any(h.community_id != community.pk for h in rows):
        raise ValidationError({"households": [_("A household is not one of the community's.")]})
    if resident is not None and resident.community_id != community.pk:
        raise ValidationError({"resident": [_("The resident does not live in this community.")]})
    at = at or timezone.now()
    with txn.atomic():
        need = Need(number=f"tmp-{secrets.token_hex(8)}", kind=kind, title=title[:200], description=description,
                    resident=resident, contact_name=(contact_name or "").strip()[:50], contact_phone=phone,
                    contact_phone_masked=mask_phone(phone) if phone else "", source=source, placed_by=actor,
                    placed_at=at)
        need.district_id, need.street_id, need.community_id = community.district_id, community.street_id, community.pk
        need.save()
        need.number = _number("DD", need, at)
        need.save(update_fields=["number"])
        if rows:
            need.households.set(rows)
            from sanshe.territory.registry import add_timeline_entry

            for household in rows:
                add_timeline_entry(household, kind="servicedesk.need",
                                   title=_("Need %(number)s placed: %(title)s") % {"number": need.number,
                                                                                    "title": need.title},
                                   obj=need, url=need_url(need), permission=Perm.ORDERS_VIEW, at=at)
        audit.record("servicedesk.need.placed", obj=need, after=audit.snapshot(need), actor=actor)
    return need


def decline_need(need: Need, *, actor, reason: str, at=None) -> Need:
    """社区党组织 declines a need with a reason (the resident sees it)."""
    require(actor, Perm.ORDERS_ISSUE)
    reason = (reason or "").strip()
    if not reason:
        _refuse("reason", _("Give a reason."))
    at = at or timezone.now()
    with txn.atomic():
        need = require_visible(Need, need, actor, Perm.ORDERS_ISSUE, lock=True)
        if need.state != NeedState.OPEN:
            _refuse("need", _("Need %(number)s was already reviewed.") % {"number": need.number})
        before = audit.snapshot(need)
        need.state, need.decline_reason, need.declined_at, need.declined_by = NeedState.DECLINED, reason, at, actor
        need.save()
        if need.placed_by_id:
            notify([need.placed_by], title=_("Your need %(number)s was declined") % {"number": need.number},
                   body=reason, url=need_url(need), kind="servicedesk.need_declined")
        audit.record("servicedesk.need.declined", obj=need, before=before, after=audit.snapshot(need), actor=actor)
    return need


def _decimal(value, field: str) -> Decimal:
    try:
        result = Decimal(str(value))
    except (InvalidOperation, TypeError, ValueError):
        _refuse(field, _("Give an amount in yuan."))
    if result < 0:
        _refuse(field, _("The amount cannot be negative."))
    return result


# --- 社区党组织下单 ----------------------------------------------------------------------------------------------
def issue_order(*, actor, needs: Sequence[Need], title: str, content: str, budget, fund_source: str,
                responsible_member: str, mode: str = OfferMode.INVITE, invited: Iterable = (),
                at=None) -> DemandOrder:
    """下单: one order answers one or more open needs of one community (merging similar needs)."""
    require(actor, Perm.ORDERS_ISSUE)
    errors: dict[str, list] = {}
    if not needs:
        errors.setdefault("needs", []).append(_("Choose the needs the order answers."))
    if not (title or "").strip():
        errors.setdefault("title", []).append(_("Give the project a title."))
    if not (content or "").strip():
        errors.setdefault("content", []).append(_("Describe the service."))
    if fund_source not in FundSource.values:
        errors.setdefault("fund_source", []).append(_("Choose a fund source."))
    if not (responsible_member or "").strip():
        errors.setdefault("responsible_member", []).append(_("Name the responsible party member."))
    if mode not in OfferMode.values:
        errors.setdefault("mode", []).append(_("Choose how the order is offered."))
    invited = list(invited or ())
    if mode == OfferMode.INVITE and not invited:
        errors.setdefault("invited", []).append(_("Invite at least one provider, or open the order for bids."))
    try:
        budget = _decimal(budget, "budget")
    except ValidationError as exc:
        errors.setdefault("budget", []).extend(exc.messages)
    if errors:
        raise ValidationError(errors)
    at = at or timezone.now()
    with txn.atomic():
        fresh = [require_visible(Need, n, actor, Perm.ORDERS_ISSUE, lock=True) for n in needs]
        communities = {n.community_id for n in fresh}
        if len(communities) != 1:
            _refuse("needs", _("An order answers needs of one community."))
        if any(n.state != NeedState.OPEN for n in fresh):
            _refuse("needs", _("Only open needs can be ordered."))
        first = fresh[0]
        allowed = set(providers_for(first.district_id).values_list("pk", flat=True))
        unit_ids = [getattr(u, "pk", u) for u in invited]
        if any(u not in allowed for u in unit_ids):
            _refuse("invited", _("A provider is not in the district's directory."))
        order = DemandOrder(number=f"tmp-{secrets.token_hex(8)}", title=title.strip()[:200], content=content.strip(),
                            budget=budget, fund_source=fund_source, responsible_member=responsible_member.strip()[:50],
                            mode=mode, issued_by=actor, issued_at=at, district_id=first.district_id,
                            street_id=first.street_id, community_id=first.community_id)
        order.save()
        order.number = _number("WD", order, at)
        order.save(update_fields=["number"])
        if unit_ids:
            order.invited.set(unit_ids)
        for need in fresh:
            need.state, need.order, need.ordered_at = NeedState.ORDERED, order, at
            need.save(update_fields=["state", "order", "ordered_at", "updated_at"])
        OrderStep.objects.create(order=order, action=OrderAction.ISSUE, from_state="", to_state=OrderState.ISSUED,
                                 actor=actor, actor_name=_name(actor), at=at,
                                 data={"needs": [n.number for n in fresh], "invited": unit_ids,
                                       "placed": {n.number: n.placed_at.isoformat() for n in fresh}})
        placers = [n.placed_by for n in fresh if n.placed_by_id]
        notify(placers, title=_("Your need became order %(number)s: %(title)s") % {"number": order.number,
                                                                                  "title": order.title},
               url=order_url(order), kind="servicedesk.need_ordered")
        _notify_units(unit_ids, order)
        audit.record("servicedesk.order.issued", obj=order, after=audit.snapshot(order), actor=actor,
                     extra={"needs": [n.number for n in fresh]})
    return order


def _notify_units(unit_ids, order) -> None:
    from sanshe.gridops.models import UnitMember

    users = [m.user for m in UnitMember.objects.filter(unit_id__in=unit_ids).select_related("user")]
    notify(users, title=_("Order %(number)s offered to you: %(title)s") % {"number": order.number,
                                                                           "title": order.title},
           url=order_url(order), kind="servicedesk.order_offered")


# --- the workflow ---------------------------------------------------------------------------------------------
def _provider_for(order: DemandOrder, actor, unit=None):
    """The provider the actor acts for on ``order`` (invited, open call, or already bid); None when none."""
    units = user_providers(actor)
    if unit is not None:
        units = [u for u in units if u.pk == getattr(unit, "pk", unit)]
    invited = set(order.invited.values_list("pk", flat=True))
    for u in units:
        if u.pk in invited or (order.mode == OfferMode.OPEN and u.district_id == order.district_id):
            return u
    return None


def _check_actor(order: DemandOrder, action: str, step, actor, *, unit=None, need=None):
    if actor is None or not actor.is_authenticated:
        raise Denied(step.permission, order)
    require(actor, step.permission)
    if step.who == OrderWho.PROVIDER:
        if not DemandOrder.objects.visible_to(actor, Perm.ORDERS_TAKE).filter(pk=order.pk).exists():
            raise OutOfScope(Perm.ORDERS_TAKE, order)
        if _provider_for(order, actor, unit) is None:
            _refuse("action", _("Only an invited provider takes this order."))
    elif step.who == OrderWho.CHOSEN:
        if order.provider_id not in {u.pk for u in user_providers(actor)}:
            raise OutOfScope(Perm.ORDERS_TAKE, order)
    elif step.who == OrderWho.RESIDENT:
        if need is None or need.order_id != order.pk:
            _refuse("need", _("Choose a need of this order."))
        own = need.placed_by_id == actor.pk
        staff = Need.objects.filter(pk=need.pk).filter(
            pk__in=Need.objects.visible_to(actor, Perm.ORDERS_VIEW).values("pk")).exists() and actor.has_permission(
            Perm.ORDERS_VIEW) and actor.scope_nodes(Perm.ORDERS_VIEW)
        if not own and not staff:
            raise OutOfScope(Perm.ORDERS_VIEW, order)
    else:
        if not DemandOrder.objects.visible_to(actor, step.permission).filter(pk=order.pk).exists():
            raise OutOfScope(step.permission, order)


def allowed_actions(order: DemandOrder, user) -> list[str]:
    """The actions ``user`` may take on ``order`` now (the page's panels)."""
    found = []
    for action, step in TRANSITIONS.items():
        if order.state not in step.sources or action == OrderAction.EVALUATE:
            continue
        try:
            _check_actor(order, action, step, user)
        except (Denied, OutOfScope, ValidationError):
            continue
        if action in (OrderAction.ACCEPT, OrderAction.BID):
            unit = _provider_for(order, user)
            if unit is not None and order.bids.filter(unit=unit).exists():
                continue
            if action == OrderAction.ACCEPT and order.mode != OfferMode.INVITE:
                continue
        if action == OrderAction.CHOOSE and not order.bids.exists():
            continue
        found.append(str(action))
    if order.state in TRANSITIONS[OrderAction.EVALUATE].sources and evaluable_needs(order, user):
        found.append(str(OrderAction.EVALUATE))
    return found


def evaluable_needs(order: DemandOrder, user) -> list[Need]:
    """The needs of ``order`` whose evaluation ``user`` may record now (his own, or any as staff)."""
    if user is None or not user.is_authenticated or not user.has_permission(Perm.ORDERS_PLACE):
        return []
    result = []
    for need in order.needs.filter(rating=""):
        try:
            _check_actor(order, OrderAction.EVALUATE, TRANSITIONS[OrderAction.EVALUATE], user, need=need)
        except (Denied, OutOfScope, ValidationError):
            continue
        result.append(need)
    return result


def transition(order: DemandOrder, action: str, *, actor, note: str = "", unit=None, price=None, plan: str = "",
               bid: OrderBid | None = None, need: Need | None = None, rating: str = "", comment: str = "",
               check_date: dt.date | None = None, ok: bool = True, photo=None, invite=None,
               ratings: dict | None = None, at: dt.datetime | None = None) -> DemandOrder:
    """Apply one step of ``TRANSITIONS``.

    INVITE ``invite`` (a provider); ACCEPT / BID as ``unit`` (default: the actor's provider) with ``price`` /
    ``plan``; CHOOSE ``bid``; CHECK with ``check_date``, ``note`` (the finding), ``ok``, ``photo``; FINISH;
    VERIFY with ``ratings`` ({need pk: rating} recorded for residents who have not rated yet) or RETURN with a
    reason; EVALUATE ``need`` with ``rating`` and ``comment``.
    """
    step_def = TRANSITIONS.get(action)
    if step_def is None:
        _refuse("action", _("Unknown action."))
    note = (note or "").strip()
    at = at or timezone.now()
    with txn.atomic():
        order = DemandOrder.objects.select_for_update().get(pk=order.pk)
        if need is not None:
            need = Need.objects.get(pk=getattr(need, "pk", need))
        _check_actor(order, action, step_def, actor, unit=unit, need=need)
        if order.state not in step_def.sources:
            _refuse("action", _("%(action)s is not possible while the order is %(state)s.") % {
                "action": OrderAction(action).label, "state": order.get_state_display()})
        if step_def.needs_note and not note:
            _refuse("note", _("Give a reason.") if action == OrderAction.RETURN else _("Record the finding."))
        before = audit.snapshot(order)
        from_state = order.state
        data: dict = {}
        if action == OrderAction.INVITE:
            allowed = providers_for(order.district_id)
            provider = allowed.filter(pk=getattr(invite, "pk", invite)).first() if invite is not None else None
            if provider is None:
                _refuse("invite", _("Choose a provider of the district's directory."))
            order.invited.add(provider)
            data["provider"] = provider.name
            _notify_units([provider.pk], order)
        elif action in (OrderAction.ACCEPT, OrderAction.BID):
            provider = _provider_for(order, actor, unit)
            if order.bids.filter(unit=provider).exists():
                _refuse("action", _("%(unit)s has already answered this order.") % {"unit": provider})
            if action == OrderAction.ACCEPT:
                if order.mode != OfferMode.INVITE:
                    _refuse("action", _("An open order takes bids."))
                amount = order.budget if price in (None, "") else _decimal(price, "price")
            else:
                if price in (None, ""):
                    _refuse("price", _("Give your price."))
                amount = _decimal(price, "price")
                if not (plan or "").strip():
                    _refuse("plan", _("Describe your plan."))
            OrderBid.objects.create(order=order, unit=provider, action=action, price=amount,
                                    plan=(plan or "").strip(), by=actor, at=at)
            data.update(provider=provider.name, price=str(amount))
            notify([order.issued_by] if order.issued_by_id else [],
                   title=_("%(unit)s answered order %(number)s") % {"unit": provider.name, "number": order.number},
                   url=order_url(order), kind="servicedesk.order_bid")
        elif action == OrderAction.CHOOSE:
            if bid is None or bid.order_id != order.pk:
                _refuse("bid", _("Choose one of the answers."))
            bid = OrderBid.objects.get(pk=bid.pk)
            bid.chosen = True
            bid.save(update_fields=["chosen"])
            order.provider_id, order.price, order.taken_at = bid.unit_id, bid.price, at
            data.update(provider=bid.unit.name, price=str(bid.price))
            _notify_units([bid.unit_id], order)
        elif action == OrderAction.CHECK:
            check = OrderCheck(order=order, date=check_date or timezone.localdate(at), finding=note, ok=bool(ok),
                               by=actor, at=at)
            if photo is not None:
                check.photo.save(getattr(photo, "name", "photo.jpg"), photo, save=False)
            check.save()
            data.update(ok=bool(ok), date=check.date.isoformat(), check=check.pk)
            if not ok:
                from sanshe.gridops.models import UnitMember

                users = [order.issued_by] if order.issued_by_id else []
                users += [m.user for m in UnitMember.objects.filter(unit_id=order.provider_id).select_related("user")]
                notify(users, title=_("Supervision found a problem on order %(number)s") % {"number": order.number},
                       body=note, url=order_url(order), kind="servicedesk.order_problem")
        elif action == OrderAction.FINISH:
            order.submitted_at = at
        elif action == OrderAction.VERIFY:
            ratings = {int(k): v for k, v in (ratings or {}).items() if v}
            needs = list(order.needs.all())
            for n in needs:
                value = ratings.get(n.pk)
                if value and value not in Rating.values:
                    _refuse("ratings", _("Choose a rating."))
                if value and not n.rating:
                    n.rating, n.rated_at, n.rated_by = value, at, actor
                    n.save(update_fields=["rating", "rated_at", "rated_by", "updated_at"])
            if needs and not any(n.rating for n in needs):
                _refuse("ratings", _("Record the residents' evaluation first."))
            order.closed_at, order.verify_note = at, note
            data["ratings"] = {n.number: n.rating for n in needs}
        elif action == OrderAction.RETURN:
            order.submitted_at = None
            order.verify_note = note
            if order.provider_id:
                _notify_units([order.provider_id], order)
        elif action == OrderAction.EVALUATE:
            if rating not in Rating.values:
                _refuse("rating", _("Choose a rating."))
            if need.rating:
                _refuse("rating", _("This need was already evaluated."))
            need.rating, need.rating_comment, need.rated_at, need.rated_by = rating, (comment or "")[:500], at, actor
            need.save(update_fields=["rating", "rating_comment", "rated_at", "rated_by", "updated_at"])
            data.update(need=need.number, rating=rating)
            note = note or comment
        if step_def.target is not None:
            order.state = step_def.target
        order.save()
        OrderStep.objects.create(order=order, action=action, from_state=from_state, to_state=order.state,
                                 actor=actor if isinstance(actor, User) else None, actor_name=_name(actor), at=at,
                                 note=note[:2000], data=data)
        if action in (OrderAction.VERIFY, OrderAction.CHOOSE):
            from sanshe.territory.registry import add_timeline_entry

            for n in order.needs.prefetch_related("households"):
                for household in n.households.all():
                    add_timeline_entry(household, kind="servicedesk.order",
                                       title=_("Order %(number)s %(state)s: %(title)s") % {
                                           "number": order.number, "state": order.get_state_display(),
                                           "title": order.title},
                                       obj=order, url=order_url(order), permission=Perm.ORDERS_VIEW, at=at)
        audit.record(f"servicedesk.order.{action}", obj=order, before=before, after=audit.snapshot(order),
                     actor=actor, extra={"note": note} if note else None)
    return order


# --- stage times ----------------------------------------------------------------------------------------------
def stage_durations(steps: Iterable[OrderStep], now: dt.datetime | None = None,
                    include_open: bool = False) -> dict[str, float]:
    """Seconds an order spent in each stage, from its history rows (ordered by time): a stage lasts from the
    step that entered it to the step that left it (a return to 接单 adds a second stretch). The stage it is in
    now counts up to ``now`` only with ``include_open``."""
    result: dict[str, float] = defaultdict(float)
    current, since = None, None
    for step in steps:
        if step.to_state and step.to_state != (current or ""):
            if current is not None:
                result[current] += (step.at - since).total_seconds()
            current, since = step.to_state, step.at
    if include_open and current in STAGES and since is not None:
        result[current] += ((now or timezone.now()) - since).total_seconds()
    return dict(result)


def stage_stats(orders) -> dict:
    """Counts per stage and the mean days spent in each finished stage over ``orders`` (a queryset), all from
    the history rows; plus the mean days a need waited for its order (placed → issued)."""
    counts = {s: 0 for s in OrderState.values}
    for row in orders.values("state"):
        counts[row["state"]] += 1
    totals: dict[str, list[float]] = defaultdict(list)
    waits = []
    by_order: dict[int, list] = defaultdict(list)
    for step in OrderStep.objects.filter(order__in=orders.values("pk")).order_by("order_id", "at", "pk"):
        by_order[step.order_id].append(step)
    for steps in by_order.values():
        for stage, seconds in stage_durations(steps).items():
            if stage in STAGES:
                totals[stage].append(seconds)
        issue = steps[0] if steps and steps[0].action == OrderAction.ISSUE else None
        if issue is not None:
            for placed in (issue.data or {}).get("placed", {}).values():
                waits.append((issue.at - dt.datetime.fromisoformat(placed)).total_seconds())
    mean_days = {s: (sum(v) / len(v) / 86400 if v else None) for s, v in totals.items()}
    return {"counts": counts, "mean_days": {s: mean_days.get(s) for s in STAGES},
            "need_wait_days": sum(waits) / len(waits) / 86400 if waits else None}
