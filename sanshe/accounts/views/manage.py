"""Account management pages: users, their role grants, and login security.

Every page checks the role permission (403) and reaches accounts only through ``User.objects.visible_to``
(404 outside the viewer's territory, audited); every write goes through :mod:`sanshe.accounts.services`.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.password_validation import password_validators_help_texts
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST
from django_otp.plugins.otp_totp.models import TOTPDevice

from sanshe.core.exceptions import Denied, OutOfScope
from sanshe.core.services import require
from sanshe.core.views import apply_validation_error

from .. import services
from ..filters import UserFilter, admin_accounts, locked_usernames
from ..forms import GrantForm, UserCreateForm, UserEditForm, grant_node_candidates, node_label
from ..models import RoleGrant, User
from ..roles import ADMIN_ROLES, Perm

PAGE_SIZE = 25


def _active_grants_prefetch():
    return Prefetch(
        "grants",
        queryset=RoleGrant.objects.active().select_related("node").order_by("role", "node__code"),
        to_attr="current_grants",
    )


def _scoped_user(request, pk, permission=Perm.ACCOUNTS_VIEW) -> User:
    """The account ``pk`` if the viewer's scope reaches it; otherwise 404 (audited when it exists)."""
    user = User.objects.visible_to(request.user, permission).select_related("district").filter(pk=pk).first()
    if user is None:
        outside = User.objects.filter(pk=pk).first()
        if outside is None:
            raise Http404
        raise OutOfScope(permission, outside)
    return user


def _can_revoke(actor, grant: RoleGrant) -> bool:
    if grant.revoked_at is not None or grant.user_id == actor.pk:
        return False
    if not actor.has_permission(Perm.ROLES_GRANT):
        return False
    if grant.role in ADMIN_ROLES and not actor.has_permission(Perm.ADMIN_ROLES_GRANT):
        return False
    return grant_node_candidates(actor, None).filter(pk=grant.node_id).exists()


@login_required
def user_list_view(request):
    """Accounts of the viewer's district(s): search, filter by role and status, paginated."""
    require(request.user, Perm.ACCOUNTS_VIEW)
    scope = User.objects.visible_to(request.user, Perm.ACCOUNTS_VIEW)
    filterset = UserFilter(request.GET or None, queryset=scope)
    qs = filterset.qs if filterset.is_bound and filterset.is_valid() else scope
    qs = qs.select_related("district").prefetch_related(_active_grants_prefetch()).order_by("username")
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "filter": filterset,
        "page": page,
        "query": query.urlencode(),
        "can_manage": request.user.has_permission(Perm.ACCOUNTS_MANAGE),
        "locked": locked_usernames([u.username for u in page.object_list]),
    }
    template = "accounts/user_list.html#results" if request.htmx and request.htmx.target == "results" else (
        "accounts/user_list.html")
    return render(request, template, context)


@sensitive_post_parameters("password")
@never_cache
@login_required
def user_create_view(request):
    """Create an account; optionally its first role. A generated password is shown once, on this response."""
    require(request.user, Perm.ACCOUNTS_MANAGE)
    if request.method == "POST" and "search" in request.POST:
        # The no-script node search: show the form again, narrowed, without validating it.
        form = UserCreateForm(initial=_initial_from(request.POST), actor=request.user,
                              options_url=_node_options_url())
        return render(request, "accounts/user_form.html", _create_context(form))
    form = UserCreateForm(request.POST or None, actor=request.user, options_url=_node_options_url())
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            with transaction.atomic():
                user, generated = services.create_user(
                    actor=request.user, username=data["username"], full_name=data["full_name"],
                    password=data["password"] or None, district=data["district"],
                )
                if form.can_grant and data.get("role"):
                    services.grant_role(user, actor=request.user, role=data["role"], node=data["node"])
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, _("The account %(name)s has been created.") % {"name": user.username})
            if generated:
                return render(request, "accounts/password_shown.html", {
                    "account": user, "password": generated, "created": True,
                })
            return redirect("accounts:user_detail", pk=user.pk)
    return render(request, "accounts/user_form.html", _create_context(form))


def _initial_from(data) -> dict:
    return {k: v for k, v in data.items() if k not in ("csrfmiddlewaretoken", "password", "search")}


def _create_context(form) -> dict:
    return {"form": form, "creating": True}


def _node_options_url() -> str:
    return reverse("accounts:node_options")


@login_required
def user_detail_view(request, pk):
    """One account: current roles (revocable), grant history, login facts."""
    require(request.user, Perm.ACCOUNTS_VIEW)
    account = _scoped_user(request, pk)
    actor = request.user
    grants = list(
        RoleGrant.objects.filter(user=account)
        .select_related("node", "node__parent", "granted_by", "revoked_by")
        .order_by("-granted_at")
    )
    current = [g for g in grants if g.revoked_at is None]
    for grant in current:
        grant.can_revoke = _can_revoke(actor, grant)
        grant.node_label = node_label(grant.node)
    for grant in grants:
        grant.node_label = node_label(grant.node)
    security = actor.has_permission(Perm.SECURITY_MANAGE)
    context = {
        "account": account,
        "current_grants": current,
        "history": grants,
        "can_manage": actor.has_permission(Perm.ACCOUNTS_MANAGE),
        "can_grant": actor.has_permission(Perm.ROLES_GRANT) and account.pk != actor.pk,
        "show_security": security,
        "has_totp": TOTPDevice.objects.filter(user=account, confirmed=True).exists() if security else None,
        "is_locked": bool(locked_usernames([account.username])) if security else None,
    }
    return render(request, "accounts/user_detail.html", context)


@sensitive_post_parameters()
@never_cache
@login_required
def user_edit_view(request, pk):
    """Full name and active flag; a button resets the password (the temporary one is shown once)."""
    require(request.user, Perm.ACCOUNTS_MANAGE)
    account = _scoped_user(request, pk, Perm.ACCOUNTS_MANAGE)
    if request.method == "POST" and "reset_password" in request.POST:
        password = services.reset_password(account, actor=request.user)
        return render(request, "accounts/password_shown.html", {"account": account, "password": password})
    initial = {"full_name": account.full_name, "is_active": account.is_active}
    form = UserEditForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_user(account, actor=request.user, full_name=form.cleaned_data["full_name"],
                                 is_active=form.cleaned_data["is_active"])
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, _("The account has been saved."))
            return redirect("accounts:user_detail", pk=account.pk)
    return render(request, "accounts/user_form.html", {"form": form, "account": account, "creating": False})


@login_required
def grant_create_view(request, pk):
    """Give an account a role at a territory node (roles and nodes limited to what the viewer may grant)."""
    require(request.user, Perm.ROLES_GRANT)
    account = _scoped_user(request, pk)
    url = reverse("accounts:grant_create", kwargs={"pk": account.pk})
    if request.method == "GET" and request.htmx:
        form = GrantForm(initial=request.GET.dict(), actor=request.user, target=account)
        return render(request, "accounts/grant_form.html#node-picker", {"form": form})
    if request.method == "POST" and "search" in request.POST:
        form = GrantForm(initial=_initial_from(request.POST), actor=request.user, target=account,
                         options_url=url)
    else:
        form = GrantForm(request.POST or None, actor=request.user, target=account, options_url=url)
    if request.method == "POST" and form.is_bound and form.is_valid():
        try:
            services.grant_role(account, actor=request.user, role=form.cleaned_data["role"],
                                node=form.cleaned_data["node"])
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, _("The role has been granted."))
            return redirect("accounts:user_detail", pk=account.pk)
    return render(request, "accounts/grant_form.html", {"form": form, "account": account})


@login_required
def node_options_view(request):
    """The node options of the account form's first-role picker (htmx)."""
    require(request.user, Perm.ROLES_GRANT)
    form = UserCreateForm(initial=request.GET.dict(), actor=request.user)
    return render(request, "accounts/grant_form.html#node-picker", {"form": form})


@require_POST
@login_required
def grant_revoke_view(request, pk):
    require(request.user, Perm.ROLES_GRANT)
    grant = RoleGrant.objects.visible_to(request.user, Perm.ACCOUNTS_VIEW).filter(pk=pk).first()
    if grant is None:
        outside = RoleGrant.objects.filter(pk=pk).first()
        if outside is None:
            raise Http404
        raise OutOfScope(Perm.ACCOUNTS_VIEW, outside)
    try:
        services.revoke_role(grant, actor=request.user)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("The role has been revoked."))
    return redirect("accounts:user_detail", pk=grant.user_id)


def _number(value: float) -> int | float:
    return int(value) if float(value).is_integer() else round(value, 1)


@login_required
def security_view(request):
    """Login security: locked accounts (unlock), administrators' second factor (reset), the policy."""
    require(request.user, Perm.SECURITY_MANAGE)
    scope = User.objects.visible_to(request.user, Perm.ACCOUNTS_VIEW)
    if request.method == "POST":
        account = _scoped_user(request, request.POST.get("user") or 0)
        action = request.POST.get("action")
        if action == "unlock":
            services.unlock_user(account, actor=request.user)
            messages.success(request, _("%(name)s can log in again.") % {"name": account.username})
        elif action == "reset_totp":
            services.reset_second_factor(account, actor=request.user)
            messages.success(request, _(
                "The second factor of %(name)s has been reset; a new one is set up at the next login."
            ) % {"name": account.username})
        else:
            raise Denied("security.unknown_action")
        return redirect("accounts:security")
    locked = locked_usernames(scope.values("username"))
    locked_accounts = [(u, locked[u.username]) for u in scope.filter(username__in=list(locked))]
    confirmed = set(TOTPDevice.objects.filter(confirmed=True).values_list("user_id", flat=True))
    admins = admin_accounts(scope).prefetch_related(_active_grants_prefetch()).order_by("username")
    admin_rows = [(u, u.pk in confirmed) for u in admins]
    hasher = settings.PASSWORD_HASHERS[0].rsplit(".", 1)[-1].replace("PasswordHasher", "")
    policy = [
        (_("Minimum password length"), settings.SANSHE_PASSWORD_MIN_LENGTH),
        (_("Character kinds required (of 4)"), settings.SANSHE_PASSWORD_MIN_CLASSES),
        (_("Failed logins before lockout"), settings.AXES_FAILURE_LIMIT),
        (_("Lockout length (minutes)"), int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)),
        (_("Idle session timeout (minutes)"), _number(settings.SANSHE_IDLE_TIMEOUT.total_seconds() / 60)),
        (_("Absolute session lifetime (hours)"),
         _number(settings.SANSHE_ABSOLUTE_TIMEOUT.total_seconds() / 3600)),
        (_("Second factor (TOTP) required for"), _("system, security and audit administrators")),
        (_("Password hashing"), hasher),
    ]
    context = {
        "locked_accounts": locked_accounts,
        "admin_rows": admin_rows,
        "policy": policy,
        "password_rules": password_validators_help_texts(),
        "audit_url": reverse("audit:list") if request.user.has_permission(Perm.AUDIT_VIEW) else None,
    }
    return render(request, "accounts/security.html", context)
