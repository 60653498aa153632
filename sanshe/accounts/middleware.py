"""Session security: idle and absolute timeouts, the second factor for administrators, forced password change."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from sanshe.core import audit

LOGIN_AT = "sanshe_login_at"
LAST_SEEN = "sanshe_last_seen"

# Paths an administrator may reach before the second factor is verified.
OPEN_PREFIXES = ("/static/", "/healthz", "/i18n/", "/accounts/login/", "/accounts/logout/", "/accounts/otp/",
                 "/accounts/password/")


class SessionSecurityMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated:
            response = self._check_timeouts(request)
            if response is not None:
                return response
            response = self._check_second_factor(request) or self._check_password_change(request)
            if response is not None:
                return response
        return self.get_response(request)

    def _expire(self, request, reason):
        audit.record("auth.session_expired", obj=request.user, actor=request.user, message=reason)
        logout(request)
        if request.path.startswith("/api/"):
            return JsonResponse({"detail": _("Your session has expired. Please log in again.")}, status=401)
        messages.info(request, _("Your session has expired. Please log in again."))
        return redirect(f"{reverse(settings.LOGIN_URL)}?next={request.path}")

    def _check_timeouts(self, request):
        now = timezone.now().timestamp()
        session = request.session
        login_at = session.get(LOGIN_AT)
        last_seen = session.get(LAST_SEEN)
        if login_at is None:
            session[LOGIN_AT] = login_at = now
        if now - login_at > settings.SANSHE_ABSOLUTE_TIMEOUT.total_seconds():
            return self._expire(request, "absolute")
        if last_seen is not None and now - last_seen > settings.SANSHE_IDLE_TIMEOUT.total_seconds():
            return self._expire(request, "idle")
        session[LAST_SEEN] = now
        return None

    def _check_second_factor(self, request):
        user = request.user
        if not user.needs_second_factor or user.is_verified() or request.path.startswith(OPEN_PREFIXES):
            return None
        if request.path.startswith("/api/"):
            return JsonResponse({"detail": _("A second factor is required for this account.")}, status=403)
        return redirect(f"{reverse('accounts:otp')}?next={request.path}")

    def _check_password_change(self, request):
        if not request.user.must_change_password or request.path.startswith(OPEN_PREFIXES):
            return None
        if request.path.startswith("/api/"):
            return JsonResponse({"detail": _("You must change your password first.")}, status=403)
        return redirect("accounts:password_change")
