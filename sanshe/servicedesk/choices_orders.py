"""Choices of the 五单法 demand orders (Baoji's five orders) and their workflow as data.

群众点单 (a :class:`~sanshe.servicedesk.models_orders.Need` is placed) → 社区党组织下单 (the party secretary merges
needs into a :class:`~sanshe.servicedesk.models_orders.DemandOrder` or declines them) → 社会组织接单 (providers
accept or bid; one is chosen) → 社区监委会督单 (the supervisor records checks) → 街道党工委验单 (the street
verifies with the residents' evaluation) → closed.

``TRANSITIONS`` is the order's workflow: action → (states it may start from, state it leads to, permission,
who in particular, whether a note is required). :func:`sanshe.servicedesk.services_orders.transition` applies
it and writes an :class:`~sanshe.servicedesk.models_orders.OrderStep` per step; the time spent in each stage is
derived from those rows (:func:`sanshe.servicedesk.services_orders.stage_durations`).
"""

from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from sanshe.accounts.roles import Perm


class NeedKind(models.TextChoices):
    ELDERLY = "elderly", _("Care for the elderly")  # 养老助老
    CHILDREN = "children", _("Children and youth")  # 托育、四点半课堂
    ENVIRONMENT = "environment", _("Environment and sanitation")  # 环境整治
    FACILITIES = "facilities", _("Facilities and repairs")  # 设施维修
    CULTURE = "culture", _("Culture and sports")  # 文体活动
    ASSISTANCE = "assistance", _("Help for people in difficulty")  # 帮扶救助
    OTHER = "other", _("Other")


class NeedSource(models.TextChoices):
    RESIDENT = "resident", _("The resident himself")  # 居民自己点单
    WORKER = "worker", _("A community worker")  # 社区工作者代录
    SURVEY = "survey", _("A survey")  # 走访调查
    HOTLINE = "hotline", _("The hotline")  # 12343 热线


class NeedState(models.TextChoices):
    OPEN = "open", pgettext_lazy("need state", "Waiting for review")  # 待下单
    ORDERED = "ordered", pgettext_lazy("need state", "Ordered")  # 已下单（并入订单）
    DECLINED = "declined", pgettext_lazy("need state", "Declined")  # 不予下单


class FundSource(models.TextChoices):
    COMMUNITY_FUND = "community_fund", _("Community support fund")  # 社区保障资金
    VENTURE = "venture", _("Public welfare venture fund")  # 公益创投
    PURCHASE = "purchase", _("Government purchase of services")  # 财政购买服务
    SELF = "self", _("Self-raised")  # 自筹


class OfferMode(models.TextChoices):
    INVITE = "invite", _("Invited providers")  # 定向邀请
    OPEN = "open", _("Open for bids")  # 公开竞标


class OrderState(models.TextChoices):
    ISSUED = "issued", pgettext_lazy("order state", "Issued, waiting for a provider")  # 已下单·待接单
    TAKEN = "taken", pgettext_lazy("order state", "Taken, under supervision")  # 已接单·实施中（督单）
    SUBMITTED = "submitted", pgettext_lazy("order state", "Waiting for verification")  # 待验单
    CLOSED = "closed", pgettext_lazy("order state", "Closed")  # 已验收·办结


OPEN_ORDER_STATES = frozenset({OrderState.ISSUED, OrderState.TAKEN, OrderState.SUBMITTED})


class OrderAction(models.TextChoices):
    ISSUE = "issue", _("Issue the order")  # 下单
    INVITE = "invite", _("Invite a provider")  # 邀请社会组织
    ACCEPT = "accept", _("Accept the order")  # 接单
    BID = "bid", _("Bid")  # 竞标
    CHOOSE = "choose", _("Choose the provider")  # 选定承接组织
    CHECK = "check", _("Record a check")  # 督单
    FINISH = "finish", _("Report the work done")  # 完成服务，申请验收
    VERIFY = "verify", _("Verify and accept")  # 验单通过
    RETURN = "return", _("Return for rework")  # 验单退回
    EVALUATE = "evaluate", _("Residents' evaluation")  # 群众评价


class OrderWho(models.TextChoices):
    COMMUNITY = "community", _("the community's party organization")
    PROVIDER = "provider", _("an invited or bidding provider")
    CHOSEN = "chosen", _("the chosen provider")
    SUPERVISOR = "supervisor", _("the community's supervisory committee")
    STREET = "street", _("the street's party working committee")
    RESIDENT = "resident", _("a resident who placed a need, or a worker for him")


class Rating(models.TextChoices):
    SATISFIED = "satisfied", pgettext_lazy("evaluation", "Satisfied")  # 满意
    FAIRLY_SATISFIED = "fairly_satisfied", pgettext_lazy("evaluation", "Fairly satisfied")  # 基本满意
    DISSATISFIED = "dissatisfied", pgettext_lazy("evaluation", "Dissatisfied")  # 不满意


@dataclass(frozen=True)
class Step:
    sources: frozenset
    target: str | None
    permission: str
    who: str
    needs_note: bool = False


_O = OrderState
TRANSITIONS: dict[str, Step] = {
    OrderAction.INVITE: Step(frozenset({_O.ISSUED}), None, Perm.ORDERS_ISSUE, OrderWho.COMMUNITY),
    OrderAction.ACCEPT: Step(frozenset({_O.ISSUED}), None, Perm.ORDERS_TAKE, OrderWho.PROVIDER),
    OrderAction.BID: Step(frozenset({_O.ISSUED}), None, Perm.ORDERS_TAKE, OrderWho.PROVIDER),
    OrderAction.CHOOSE: Step(frozenset({_O.ISSUED}), _O.TAKEN, Perm.ORDERS_ISSUE, OrderWho.COMMUNITY),
    OrderAction.CHECK: Step(frozenset({_O.TAKEN, _O.SUBMITTED}), None, Perm.ORDERS_SUPERVISE, OrderWho.SUPERVISOR,
                            needs_note=True),
    OrderAction.FINISH: Step(frozenset({_O.TAKEN}), _O.SUBMITTED, Perm.ORDERS_TAKE, OrderWho.CHOSEN),
    OrderAction.VERIFY: Step(frozenset({_O.SUBMITTED}), _O.CLOSED, Perm.ORDERS_VERIFY, OrderWho.STREET),
    OrderAction.RETURN: Step(frozenset({_O.SUBMITTED}), _O.TAKEN, Perm.ORDERS_VERIFY, OrderWho.STREET,
                             needs_note=True),
    OrderAction.EVALUATE: Step(frozenset({_O.SUBMITTED, _O.CLOSED}), None, Perm.ORDERS_PLACE, OrderWho.RESIDENT),
}

STAGES = (OrderState.ISSUED, OrderState.TAKEN, OrderState.SUBMITTED)
"""The stages an order spends time in (closed is the end)."""
