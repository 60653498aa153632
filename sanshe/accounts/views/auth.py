"""Login, logout, the second factor, password change, the user's own account page and the home page."""

from __future__ import annotations

import base64

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import REDIRECT_FIELD_NAME, login, logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
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
from sanshe.territory.models import Node

from .. import services
from ..forms import LoginForm, OtpForm, PasswordChangeForm, TokenForm
from ..middleware import LAST_SEEN, LOGIN_AT
from ..models import ApiToken
from ..roles import Perm


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
    return render(request, "accounts/login.html", {"form": form, "next": _safe_next(request, "")})


def _reverse(name):
    from django.urls import reverse

    return reverse(name)


def lockout_response(request, original_response=None, credentials=None):
    """Shown instead of the login result while the account is locked (django-axes)."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    context = {
        "form": LoginForm(request),
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
    setup = device is None
    if setup:
        device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
        if device is None:
            device = TOTPDevice.objects.create(user=user, name=_("Authenticator app"), confirmed=False)
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
        context["qr_svg"] = base64.b64encode(
            segno.make(uri, micro=False).svg_inline(scale=4).encode()
        ).decode()
        context["secret"] = base64.b32encode(device.bin_key).decode().rstrip("=")
    return render(request, "accounts/otp.html", context)


@sensitive_post_parameters()
@login_required
def password_change_view(request):
    form = PasswordChangeForm(request.POST or None)
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
            return redirect("accounts:profile")
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
        "grants": user.active_grants(),
        "tokens": ApiToken.objects.filter(user=user).order_by("-created_at"),
        "form": form,
        "new_key": new_key,
        "has_totp": TOTPDevice.objects.filter(user=user, confirmed=True).exists(),
    }
    return render(request, "accounts/profile.html", context)


@login_required
def home(request):
    """The home page: the user's territory with its children and their counts, and what his roles look after."""
    user = request.user
    context: dict = {"grants": user.active_grants(), "areas": []}
    if user.has_permission(Perm.TERRITORY_VIEW):
        node_ids = [node_id for _level, node_id in user.scope_nodes(Perm.TERRITORY_VIEW)]
        for node in Node.objects.filter(pk__in=node_ids, is_active=True).order_by("code"):
            children = list(node.children.filter(is_active=True).order_by("code"))
            counts = Node.objects.child_counts(node)
            totals = Node.objects.descendants_of(node).filter(is_active=True).values_list("level", flat=True)
            summary: dict[str, int] = {}
            for level in totals:
                summary[level] = summary.get(level, 0) + 1
            context["areas"].append({
                "node": node,
                "children": [(child, counts.get(child.pk, {})) for child in children],
                "summary": [(Node.Level(level).label, n) for level, n in sorted(
                    summary.items(), key=lambda item: Node.Level.values.index(item[0]))],
            })
    if user.has_permission(Perm.AUDIT_VIEW):
        from sanshe.core.models import AuditEntry

        context["recent_audit"] = AuditEntry.objects.order_by("-seq")[:10]
        context["denials_today"] = AuditEntry.objects.filter(
            result=AuditEntry.Result.DENIED, at__gte=timezone.now() - timezone.timedelta(days=1)
        ).count()
    if user.has_permission(Perm.SECURITY_MANAGE):
        from axes.models import AccessAttempt

        from ..models import User

        scope = User.objects.visible_to(user, Perm.ACCOUNTS_VIEW)
        context["locked_accounts"] = AccessAttempt.objects.filter(
            failures_since_start__gte=settings.AXES_FAILURE_LIMIT,
            attempt_time__gte=timezone.now() - settings.AXES_COOLOFF_TIME,
        ).count()
        admin_ids = scope.filter(grants__revoked_at__isnull=True, grants__is_admin_role=True).values("pk")
        context["admins_without_totp"] = scope.filter(pk__in=admin_ids).exclude(
            totpdevice__confirmed=True
        ).count()
    if user.has_permission(Perm.ACCOUNTS_VIEW):
        from ..models import User

        scope = User.objects.visible_to(user, Perm.ACCOUNTS_VIEW)
        context["account_count"] = scope.filter(is_active=True).count()
    if user.has_permission(Perm.SYSTEM_HEALTH):
        from sanshe.core.models import WorkerHeartbeat

        context["workers"] = WorkerHeartbeat.objects.order_by("-last_seen")[:5]
    return render(request, "accounts/home.html", context)
