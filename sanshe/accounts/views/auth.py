"""Login, logout, the second factor, password change, the user's own account page and the home page."""

from __future__ import annotations

import base64
import io

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import REDIRECT_FIELD_NAME, login, logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from sanshe.core.views import apply_validation_error
from sanshe.territory.choices import LEVEL_ORDER, Level
from sanshe.territory.models import Node

from .. import services
from ..filters import admin_accounts, locked_usernames, without_second_factor
from ..forms import LoginForm, OtpForm, PasswordChangeForm, TokenForm
from ..middleware import LAST_SEEN, LOGIN_AT
from ..models import ApiToken, User
from ..roles import ADMIN_ROLES, Perm, Role


def _safe_next(request, default="home"):
    target = request.POST.get(REDIRECT_FIELD_NAME) or request.GET.get(REDIRECT_FIELD_NAME)
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return default


@sensitive_post_parameters("password")
@csrf_protect
@never_cache
def login_view(request):
    if request.user.is_authenticated:
        return redirect("home")
    form = LoginForm(request, data=request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.get_user()
        login(request, user)
        now = timezone.now().timestamp()
        request.session[LOGIN_AT] = now
        request.session[LAST_SEEN] = now
        if user.needs_second_factor:
            return redirect(f"{_reverse('accounts:otp')}?next={_safe_next(request, '/')}")
        return redirect(_safe_next(request))
    context = {"form": form, "next": _safe_next(request, ""), **_policy()}
    return render(request, "accounts/login.html", context)


def _policy() -> dict:
    return {
        "failure_limit": settings.AXES_FAILURE_LIMIT,
        "lockout_minutes": int(settings.AXES_COOLOFF_TIME.total_seconds() // 60),
    }


def _reverse(name):
    from django.urls import reverse

    return reverse(name)


def lockout_response(request, original_response=None, credentials=None):
    """Shown instead of the login result while the account is locked (django-axes)."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    context = {
        **_policy(),
        "form": LoginForm(request, initial={"username": (credentials or {}).get("username", "")}),
        "locked": True,
        "locked_message": _(
            "Too many failed attempts: this account is locked for %(minutes)d minutes. "
            "Ask the security administrator if you need it sooner."
        ) % {"minutes": minutes},
    }
    return render(request, "accounts/login.html", context, status=403)


@require_POST
def logout_view(request):
    logout(request)
    messages.success(request, _("You have logged out."))
    return redirect("accounts:login")


@login_required
@never_cache
def otp_view(request):
    """Set up (first time) or enter the TOTP second factor."""
    user = request.user
    if user.is_verified():
        return redirect(_safe_next(request))
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None and not user.needs_second_factor:
        return redirect(_safe_next(request))  # only administrators set up a second factor
    setup = device is None
    if setup:
        device = services.start_totp_setup(user)
    form = OtpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        token = form.cleaned_data["token"]
        ok = services.confirm_totp_device(user, device, token) if setup else device.verify_token(token)
        if ok:
            otp_login(request, device)
            from sanshe.core import audit

            audit.record("auth.second_factor", obj=user, actor=user)
            return redirect(_safe_next(request))
        form.add_error("token", _("The code is not right. Check the time on your phone and try again."))
    context = {"form": form, "setup": setup, "next": _safe_next(request, "")}
    if setup:
        uri = device.config_url
        svg = io.BytesIO()
        # A stand-alone SVG (with its namespace), as an <img> data URI needs; the CSP allows data: images.
        segno.make(uri, micro=False).save(svg, kind="svg", scale=4, border=2, xmldecl=False)
        context["qr_svg"] = base64.b64encode(svg.getvalue()).decode()
        context["secret"] = base64.b32encode(device.bin_key).decode().rstrip("=")
    return render(request, "accounts/otp.html", context)


@sensitive_post_parameters()
@login_required
def password_change_view(request):
    form = PasswordChangeForm(request.POST or None)
    forced = request.user.must_change_password
    if request.method == "POST" and form.is_valid():
        try:
            user = services.change_password(
                request.user, old_password=form.cleaned_data["old_password"],
                new_password=form.cleaned_data["new_password1"],
            )
        except ValidationError as exc:
            field_map = {"new_password": "new_password1"}
            if hasattr(exc, "error_dict"):
                exc = ValidationError({field_map.get(k, k): v for k, v in exc.error_dict.items()})
            apply_validation_error(form, exc)
        else:
            from django.contrib.auth import update_session_auth_hash

            update_session_auth_hash(request, user)
            messages.success(request, _("Your password has been changed."))
            return redirect("home" if forced else "accounts:profile")
    return render(request, "accounts/password_change.html", {"form": form})


@login_required
def profile_view(request):
    """The user's own account: roles, second factor, API tokens."""
    user = request.user
    form = TokenForm(request.POST or None)
    new_key = None
    if request.method == "POST":
        if "revoke" in request.POST:
            token = ApiToken.objects.filter(user=user, pk=request.POST.get("revoke"), revoked_at__isnull=True).first()
            if token is not None:
                services.revoke_api_token(token, actor=user)
                messages.success(request, _("The token has been revoked."))
            return redirect("accounts:profile")
        if form.is_valid():
            try:
                _token, new_key = services.create_api_token(user, actor=user, name=form.cleaned_data["name"])
            except ValidationError as exc:
                apply_validation_error(form, exc)
            else:
                form = TokenForm()
    context = {
        "grants": [{"grant": g, "role_label": Role(g.role).label} for g in user.active_grants()],
        "tokens": ApiToken.objects.filter(user=user).order_by("-created_at"),
        "form": form,
        "new_key": new_key,
        "has_totp": TOTPDevice.objects.filter(user=user, confirmed=True).exists(),
    }
    return render(request, "accounts/profile.html", context)


@login_required
def home(request):
    """The home page: the user's territory, its children with their counts, and what his roles look after."""
    user = request.user
    grants = user.active_grants()
    nodes = {n.pk: n for n in Node.objects.filter(pk__in={g.node_id for g in grants})}
    context: dict = {
        "grants": [
            {"grant": g, "role_label": Role(g.role).label, "is_admin": g.role in ADMIN_ROLES,
             "path": nodes[g.node_id].ancestors() if g.node_id in nodes else []}
            for g in grants
        ],
        "areas": [],
    }
    if user.has_permission(Perm.TERRITORY_VIEW):
        node_ids = [node_id for _level, node_id in user.scope_nodes(Perm.TERRITORY_VIEW)]
        for node in Node.objects.filter(pk__in=node_ids, is_active=True).order_by("code"):
            children = list(node.children.filter(is_active=True).order_by("code"))
            counts = Node.objects.child_counts(node)
            totals = (
                Node.objects.descendants_of(node).filter(is_active=True).values("level")
                .annotate(n=Count("id")).values_list("level", "n")
            )
            summary = dict(totals)
            below = [level for level in LEVEL_ORDER if level in summary]
            context["areas"].append({
                "node": node,
                "children": [
                    {"node": child, "counts": [(Level(level).label, counts.get(child.pk, {}).get(level, 0))
                                               for level in below[1:]]}
                    for child in children
                ],
                "child_level": Level(below[0]).label if below else None,
                "summary": [(Level(level).label, summary[level]) for level in below],
            })
    if user.has_permission(Perm.AUDIT_VIEW):
        from sanshe.core.models import AuditEntry

        midnight = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
        context["recent_audit"] = list(AuditEntry.objects.order_by("-seq")[:10])
        context["denials_today"] = AuditEntry.objects.filter(
            result=AuditEntry.Result.DENIED, at__gte=midnight
        ).count()
        context["failures_today"] = AuditEntry.objects.filter(
            result=AuditEntry.Result.FAILURE, at__gte=midnight
        ).count()
    if user.has_permission(Perm.ACCOUNTS_VIEW):
        scope = User.objects.visible_to(user, Perm.ACCOUNTS_VIEW)
        context["account_count"] = scope.filter(is_active=True).count()
        if user.has_permission(Perm.SECURITY_MANAGE):
            context["locked_accounts"] = sorted(locked_usernames(scope.values("username")))
            context["admins_without_totp"] = list(
                without_second_factor(admin_accounts(scope)).order_by("username")
            )
    if user.has_permission(Perm.SYSTEM_HEALTH):
        from sanshe.core.models import WorkerHeartbeat

        stale = timezone.now() - timezone.timedelta(seconds=settings.SANSHE_WORKER_STALE_SECONDS)
        context["workers"] = [
            {"worker": w, "alive": w.last_seen >= stale}
            for w in WorkerHeartbeat.objects.order_by("-last_seen")[:5]
        ]
    return render(request, "accounts/home.html", context)
