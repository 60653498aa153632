"""Models of the service cloud: the 五单法 demand orders (see ``choices_orders.py`` for the workflow).

A :class:`Need` (群众点单) is what residents ask for; the community's party organization merges similar needs
into one :class:`DemandOrder` (下单) or declines a need with a reason. Providers (``gridops.HandlingUnit`` of
kind ``social_org``, their staff are ``UnitMember`` rows) accept or bid (:class:`OrderBid`); the supervisor's
checks are :class:`OrderCheck` rows; every step of an order is an :class:`OrderStep` (the stage times are
derived from them).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from sanshe.accounts.roles import Perm
from sanshe.core.fields import EncryptedTextField
from sanshe.core.scoping import ScopedQuerySet

from .choices_orders import (
    FundSource,
    NeedKind,
    NeedSource,
    NeedState,
    OfferMode,
    OrderAction,
    OrderState,
    Rating,
)
from .models import ScopedRow


def _user_fk(label):
    return models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=label, null=True, blank=True,
                             on_delete=models.SET_NULL, related_name="+")


def _units_of(user) -> list[int]:
    return list(user.unit_memberships.values_list("unit_id", flat=True))


class OrderQuerySet(ScopedQuerySet):
    def visible_to(self, user, permission: str | None = None):
        """As everywhere, except 接单: a provider's staff reach the orders offered to their provider only,
        wherever their own grant lies (never the whole territory of the grant)."""
        if permission == Perm.ORDERS_TAKE:
            if user is None or not user.is_authenticated or not user.is_active:
                return self.none()
            q = DemandOrder.scope_extra_q(user, permission)
            return self.none() if q is None else self.filter(q)
        return super().visible_to(user, permission)


class DemandOrder(ScopedRow):
    """An order (订单) the community's party organization issues to answer one or more needs.

    Its four publicities (四公开: 项目内容 ``title``/``content``, 承接组织 ``provider``, 经费来源 ``fund_source``
    and ``budget``, 责任党员 ``responsible_member``) are shown on a public page. ``invited`` are the providers
    offered the order (``mode`` invite) — with ``mode`` open every provider of the district may bid.
    """

    number = models.CharField(_("number"), max_length=24, unique=True)
    title = models.CharField(_("project"), max_length=200)
    content = models.TextField(_("content of the service"))
    budget = models.DecimalField(_("budget (yuan)"), max_digits=12, decimal_places=2, default=0)
    fund_source = models.CharField(_("fund source"), max_length=20, choices=FundSource.choices)
    responsible_member = models.CharField(_("responsible party member"), max_length=50)
    mode = models.CharField(_("offered to"), max_length=10, choices=OfferMode.choices, default=OfferMode.INVITE)
    invited = models.ManyToManyField("gridops.HandlingUnit", verbose_name=_("invited providers"), blank=True,
                                     related_name="+")
    state = models.CharField(_("state"), max_length=12, choices=OrderState.choices, default=OrderState.ISSUED,
                             db_index=True)
    provider = models.ForeignKey("gridops.HandlingUnit", verbose_name=_("provider"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="demand_orders")
    price = models.DecimalField(_("agreed price (yuan)"), max_digits=12, decimal_places=2, null=True, blank=True)
    issued_by = _user_fk(_("issued by"))
    issued_at = models.DateTimeField(_("issued at"), db_index=True)
    taken_at = models.DateTimeField(_("taken at"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("work reported done at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    verify_note = models.TextField(_("verification"), blank=True)

    objects = OrderQuerySet.as_manager()
    SCOPE_PERMISSION = Perm.ORDERS_VIEW

    class Meta:
        verbose_name = _("demand order")
        verbose_name_plural = _("demand orders")
        ordering = ["-issued_at", "-pk"]
        indexes = [models.Index(fields=["community", "state"], name="demand_order_community_state")]
        constraints = [
            models.CheckConstraint(condition=Q(budget__gte=0), name="demand_order_budget_not_negative"),
            models.CheckConstraint(condition=Q(state="issued") | Q(provider__isnull=False),
                                   name="demand_order_taken_has_provider"),
        ]

    def __str__(self):
        return f"{self.number} {self.title}"

    @classmethod
    def scope_extra_q(cls, user, permission):
        """Beyond territory: a provider's staff see the orders offered to, bid on or taken by their provider
        (and the open calls of their district); a resident sees the orders that answer his needs."""
        if permission not in (Perm.ORDERS_VIEW, Perm.ORDERS_TAKE, Perm.ORDERS_PLACE):
            return None
        q = None
        if permission in (Perm.ORDERS_VIEW, Perm.ORDERS_TAKE) and user.has_permission(Perm.ORDERS_TAKE):
            units = _units_of(user)
            if units:
                from sanshe.gridops.models import HandlingUnit

                districts = list(HandlingUnit.objects.filter(pk__in=units).values_list("district_id", flat=True))
                invited = DemandOrder.invited.through.objects.filter(handlingunit_id__in=units).values(
                    "demandorder_id")
                bid = OrderBid.objects.filter(unit_id__in=units).values("order_id")
                q = (Q(provider_id__in=units) | Q(pk__in=invited) | Q(pk__in=bid)
                     | Q(mode=OfferMode.OPEN, state=OrderState.ISSUED, district_id__in=districts))
        if permission in (Perm.ORDERS_VIEW, Perm.ORDERS_PLACE):
            mine = Q(pk__in=Need.objects.filter(placed_by_id=user.pk, order__isnull=False).values("order_id"))
            q = mine if q is None else q | mine
        return q


class Need(ScopedRow):
    """A need (群众点单) recorded by a resident himself, a worker, a survey or the hotline.

    ``households`` are the registry households concerned (their file timeline gets an entry). ``state`` is open
    until the party organization merges it into an order (``order``) or declines it (``decline_reason``). The
    residents who placed it evaluate the finished order (``rating``), from their account or through a worker.
    """

    number = models.CharField(_("number"), max_length=24, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=NeedKind.choices, default=NeedKind.OTHER)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    households = models.ManyToManyField("territory.Household", verbose_name=_("households concerned"), blank=True,
                                        related_name="+")
    resident = models.ForeignKey("territory.Resident", verbose_name=_("resident"), null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="+")
    contact_name = models.CharField(_("contact"), max_length=50, blank=True)
    contact_phone = EncryptedTextField(_("contact phone"), blank=True)
    contact_phone_masked = models.CharField(_("contact phone (masked)"), max_length=40, blank=True, editable=False)
    source = models.CharField(_("source"), max_length=10, choices=NeedSource.choices, default=NeedSource.WORKER)
    state = models.CharField(_("state"), max_length=10, choices=NeedState.choices, default=NeedState.OPEN,
                             db_index=True)
    placed_by = _user_fk(_("placed by"))
    placed_at = models.DateTimeField(_("placed at"), db_index=True)
    order = models.ForeignKey(DemandOrder, verbose_name=_("order"), null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="needs")
    ordered_at = models.DateTimeField(_("ordered at"), null=True, blank=True)
    decline_reason = models.TextField(_("reason for declining"), blank=True)
    declined_at = models.DateTimeField(_("declined at"), null=True, blank=True)
    declined_by = _user_fk(_("declined by"))
    rating = models.CharField(_("evaluation"), max_length=20, choices=Rating.choices, blank=True)
    rating_comment = models.CharField(_("comment"), max_length=500, blank=True)
    rated_at = models.DateTimeField(_("evaluated at"), null=True, blank=True)
    rated_by = _user_fk(_("evaluation recorded by"))

    SCOPE_PERMISSION = Perm.ORDERS_VIEW
    AUDIT_MASKED = {"contact_phone": "phone"}
    AUDIT_EXCLUDE = ("contact_phone_masked",)

    class Meta:
        verbose_name = _("need")
        verbose_name_plural = _("needs")
        ordering = ["-placed_at", "-pk"]
        indexes = [models.Index(fields=["community", "state"], name="need_community_state")]
        constraints = [
            models.CheckConstraint(condition=~Q(state="ordered") | Q(order__isnull=False),
                                   name="need_ordered_has_order"),
            models.CheckConstraint(condition=~Q(state="declined") | ~Q(decline_reason=""),
                                   name="need_declined_has_reason"),
        ]

    def __str__(self):
        return f"{self.number} {self.title}"

    @classmethod
    def scope_extra_q(cls, user, permission):
        """Beyond territory: whoever placed a need sees it (a resident his own needs)."""
        if permission in (Perm.ORDERS_VIEW, Perm.ORDERS_PLACE):
            return Q(placed_by_id=user.pk)
        return None


class OrderBid(models.Model):
    """A provider's answer to an order: it accepts it at the budget (接单) or bids with a price and a plan."""

    order = models.ForeignKey(DemandOrder, verbose_name=_("order"), on_delete=models.CASCADE, related_name="bids")
    unit = models.ForeignKey("gridops.HandlingUnit", verbose_name=_("provider"), on_delete=models.PROTECT,
                             related_name="+")
    action = models.CharField(_("answer"), max_length=10, choices=[(OrderAction.ACCEPT, OrderAction.ACCEPT.label),
                                                                    (OrderAction.BID, OrderAction.BID.label)])
    price = models.DecimalField(_("price (yuan)"), max_digits=12, decimal_places=2)
    plan = models.TextField(_("plan"), blank=True)
    by = _user_fk(_("by"))
    at = models.DateTimeField(_("at"))
    chosen = models.BooleanField(_("chosen"), default=False)

    class Meta:
        verbose_name = _("bid")
        verbose_name_plural = _("bids")
        ordering = ["price", "at"]
        constraints = [
            models.UniqueConstraint(fields=["order", "unit"], name="order_bid_one_per_provider"),
            models.CheckConstraint(condition=Q(price__gte=0), name="order_bid_price_not_negative"),
        ]

    def __str__(self):
        return f"{self.order_id} {self.unit}"


class OrderCheck(models.Model):
    """A check by the community's supervisory committee (督单): date, finding, ok or a problem."""

    order = models.ForeignKey(DemandOrder, verbose_name=_("order"), on_delete=models.CASCADE, related_name="checks")
    date = models.DateField(_("date"))
    finding = models.TextField(_("finding"))
    ok = models.BooleanField(_("in order"), default=True)
    photo = models.ImageField(_("photo"), upload_to="servicedesk/orders/%Y/%m/", blank=True)
    by = _user_fk(_("by"))
    at = models.DateTimeField(_("recorded at"))

    class Meta:
        verbose_name = _("supervision check")
        verbose_name_plural = _("supervision checks")
        ordering = ["date", "pk"]

    def __str__(self):
        return f"{self.order_id} {self.date}"


class OrderStep(models.Model):
    """One step of an order's history: who did what, when, from which state to which (the stage times come
    from these rows)."""

    order = models.ForeignKey(DemandOrder, verbose_name=_("order"), on_delete=models.CASCADE, related_name="steps")
    action = models.CharField(_("action"), max_length=12, choices=OrderAction.choices)
    from_state = models.CharField(_("from"), max_length=12, choices=OrderState.choices, blank=True)
    to_state = models.CharField(_("to"), max_length=12, choices=OrderState.choices, blank=True)
    actor = _user_fk(_("by"))
    actor_name = models.CharField(_("by (name)"), max_length=100, blank=True)
    at = models.DateTimeField(_("at"), db_index=True)
    note = models.TextField(_("note"), blank=True)
    data = models.JSONField(_("details"), default=dict, blank=True)

    class Meta:
        verbose_name = _("order step")
        verbose_name_plural = _("order steps")
        ordering = ["at", "pk"]

    def __str__(self):
        return f"{self.order_id} {self.action}"
