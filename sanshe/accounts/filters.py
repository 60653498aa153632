"""Filters for account lists (pages and API) and the read helpers the security views share."""

from __future__ import annotations

import django_filters
from django.conf import settings
from django.db.models import Max, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_filters.widgets import BooleanWidget

from .models import RoleGrant, User
from .roles import Role


class ActiveWidget(BooleanWidget):
    """``true`` / ``false`` in the query string (as the API expects), with readable labels on the page."""

    def __init__(self, attrs=None):
        super().__init__(attrs)
        self.choices = (("", _("All statuses")), ("true", _("Active")), ("false", _("Inactive")))


class UserFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="filter_q")
    role = django_filters.ChoiceFilter(label=_("Role"), choices=Role.choices, method="filter_role",
                                       empty_label=_("All roles"))
    is_active = django_filters.BooleanFilter(label=_("Status"), widget=ActiveWidget)

    class Meta:
        model = User
        fields = ["q", "role", "is_active"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        widget = self.filters["q"].field.widget
        widget.input_type = "search"
        widget.attrs.update({"placeholder": _("Name or user name"), "autocomplete": "off"})

    def filter_q(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(username__icontains=value) | Q(full_name__icontains=value))

    def filter_role(self, queryset, name, value):
        if not value:
            return queryset
        return queryset.filter(pk__in=RoleGrant.objects.active().filter(role=value).values("user_id"))


class GrantFilter(django_filters.FilterSet):
    user = django_filters.NumberFilter(label=_("User"), field_name="user_id")
    role = django_filters.ChoiceFilter(label=_("Role"), choices=Role.choices)
    node = django_filters.NumberFilter(label=_("Territory"), field_name="node_id")
    active = django_filters.BooleanFilter(label=_("Active"), method="filter_active")

    class Meta:
        model = RoleGrant
        fields = ["user", "role", "node", "active"]

    def filter_active(self, queryset, name, value):
        if value is None:
            return queryset
        return queryset.filter(revoked_at__isnull=value)


def locked_usernames(usernames=None) -> dict[str, object]:
    """User names locked out right now (django-axes), with the time of their last failure.

    ``usernames`` limits the answer (e.g. to the accounts a security administrator may see).
    """
    from axes.models import AccessAttempt

    rows = AccessAttempt.objects.filter(attempt_time__gte=timezone.now() - settings.AXES_COOLOFF_TIME)
    if usernames is not None:
        rows = rows.filter(username__in=usernames)
    rows = (
        rows.exclude(username__isnull=True).exclude(username="").values("username")
        .annotate(failures=Sum("failures_since_start"), last=Max("attempt_time"))
        .filter(failures__gte=settings.AXES_FAILURE_LIMIT)
    )
    locked = {row["username"]: row["last"] for row in rows}
    return locked


def admin_accounts(scope):
    """Accounts of ``scope`` (a User queryset) that hold one of the three platform administrator roles."""
    return scope.filter(pk__in=RoleGrant.objects.active().filter(is_admin_role=True).values("user_id"))


def without_second_factor(scope):
    """Accounts of ``scope`` with no confirmed TOTP device."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    return scope.exclude(pk__in=TOTPDevice.objects.filter(confirmed=True).values("user_id"))
