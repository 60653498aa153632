"""Login security: lockout, failed-login audit, session timeouts, the second factor, the password policy."""

from __future__ import annotations

import base64
import datetime as dt

import pytest
from axes.models import AccessAttempt
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from sanshe.accounts import services
from sanshe.accounts.middleware import LAST_SEEN, LOGIN_AT
from sanshe.accounts.models import User
from sanshe.accounts.roles import ADMIN_ROLES, Role
from sanshe.core.models import AuditEntry
from sanshe.core.testing import PASSWORD

LOGIN = "/accounts/login/"
LOCKED_TEXT = "登录失败次数过多"


def post_login(client, username, password):
    return client.post(LOGIN, {"username": username, "password": password})


# --- Lockout --------------------------------------------------------------------------------------------------
def test_sixth_attempt_with_the_right_password_is_refused(world, client):
    user = world.user(Role.COMMUNITY_WORKER)
    for _i in range(4):
        response = post_login(client, user.username, "wrong-Pass-1")
        assert response.status_code == 200
        assert "用户名或密码不正确" in response.content.decode()
    fifth = post_login(client, user.username, "wrong-Pass-1")
    assert fifth.status_code == 403
    assert LOCKED_TEXT in fifth.content.decode()

    sixth = post_login(client, user.username, PASSWORD)
    assert sixth.status_code == 403
    body = sixth.content.decode()
    assert LOCKED_TEXT in body and "15 分钟" in body
    assert "_auth_user_id" not in client.session
    assert client.get("/").status_code == 302  # still anonymous

    lockouts = AuditEntry.objects.filter(action="auth.lockout", username=user.username)
    assert lockouts.exists()
    assert lockouts.first().result == AuditEntry.Result.DENIED


def test_lockout_ends_after_the_cool_off(world, client):
    user = world.user(Role.GRID_WORKER)
    for _i in range(5):
        post_login(client, user.username, "wrong-Pass-1")
    assert post_login(client, user.username, PASSWORD).status_code == 403
    # 16 minutes later (the attempt rows carry the time of the last failure).
    AccessAttempt.objects.filter(username=user.username).update(
        attempt_time=timezone.now() - dt.timedelta(minutes=16)
    )
    response = post_login(client, user.username, PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert client.session["_auth_user_id"] == str(user.pk)


def test_lockout_is_per_account(world, client):
    locked = world.user(Role.GRID_WORKER)
    for _i in range(5):
        post_login(client, locked.username, "wrong-Pass-1")
    other = world.user(Role.GRID_LEADER)
    assert post_login(client, other.username, PASSWORD).status_code == 302


def test_security_admin_unlocks(world, client, client_for):
    user = world.user(Role.COMMUNITY_WORKER)
    for _i in range(5):
        post_login(client, user.username, "wrong-Pass-1")
    security = world.user(Role.SECURITY_ADMIN)
    admin_client = client_for(security)
    page = admin_client.get(reverse("accounts:security"))
    assert page.status_code == 200
    assert user.username in page.content.decode()
    response = admin_client.post(reverse("accounts:security"), {"action": "unlock", "user": user.pk})
    assert response.status_code == 302
    assert AuditEntry.objects.filter(action="security.user.unlocked", object_id=str(user.pk)).exists()
    assert user.username not in admin_client.get(reverse("accounts:security")).content.decode().split(
        "已锁定的账号")[1].split("管理员账号")[0]

    admin_client.logout()
    assert post_login(client, user.username, PASSWORD).status_code == 302


def test_unlock_needs_security_manage(world, client_for):
    user = world.user(Role.COMMUNITY_WORKER)
    c = client_for(world.user(Role.DISTRICT_ADMIN))
    assert c.post(reverse("accounts:security"), {"action": "unlock", "user": user.pk}).status_code == 403
    assert AuditEntry.objects.filter(action="permission.denied", result="denied").exists()


def test_unlock_outside_the_district_is_404(world, client_for):
    stranger = User.objects.create_user("far_away", PASSWORD, district=world.nodes["D2"])
    c = client_for(world.user(Role.SECURITY_ADMIN))
    assert c.post(reverse("accounts:security"), {"action": "unlock", "user": stranger.pk}).status_code == 404
    assert AuditEntry.objects.filter(action="permission.out_of_scope").exists()


def test_failed_logins_are_audited(world, client):
    user = world.user(Role.GRID_WORKER)
    post_login(client, user.username, "wrong-Pass-1")
    post_login(client, "no_such_user", "wrong-Pass-1")
    failures = AuditEntry.objects.filter(action="auth.login_failed")
    assert set(failures.values_list("username", flat=True)) == {user.username, "no_such_user"}
    assert set(failures.values_list("result", flat=True)) == {AuditEntry.Result.FAILURE}
    assert post_login(client, user.username, PASSWORD).status_code == 302
    assert AuditEntry.objects.filter(action="auth.login", user=user).exists()


def test_inactive_account_cannot_log_in(world, client):
    user = world.user(Role.GRID_WORKER)
    User.objects.filter(pk=user.pk).update(is_active=False)
    response = post_login(client, user.username, PASSWORD)
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_login_page_is_chinese(client, db):
    body = client.get(LOGIN).content.decode()
    assert "登录" in body and "用户名" in body and "密码" in body


def test_next_is_kept_and_only_local(world, client):
    user = world.user(Role.GRID_WORKER)
    response = client.post(LOGIN + "?next=/accounts/me/", {"username": user.username, "password": PASSWORD})
    assert response["Location"] == "/accounts/me/"
    client.logout()
    response = client.post(LOGIN + "?next=https://evil.example/", {"username": user.username, "password": PASSWORD})
    assert response["Location"] == "/"


# --- Session timeouts ------------------------------------------------------------------------------------------
def _login_session(client, user):
    assert post_login(client, user.username, PASSWORD).status_code == 302
    return client


def _shift(client, key, delta):
    session = client.session
    session[key] = (timezone.now() - delta).timestamp()
    session.save()


def test_idle_timeout(world, client):
    _login_session(client, world.user(Role.GRID_WORKER))
    _shift(client, LAST_SEEN, dt.timedelta(minutes=29))
    assert client.get("/").status_code == 200          # 29 minutes idle: still in
    _shift(client, LAST_SEEN, dt.timedelta(minutes=31))
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)
    assert "_auth_user_id" not in client.session
    assert AuditEntry.objects.filter(action="auth.session_expired", message="idle").exists()
    assert client.get("/").status_code == 302


def test_absolute_timeout(world, client):
    _login_session(client, world.user(Role.GRID_WORKER))
    _shift(client, LOGIN_AT, dt.timedelta(hours=11, minutes=59))
    assert client.get("/").status_code == 200          # active all along, under 12 hours
    _shift(client, LOGIN_AT, dt.timedelta(hours=12, minutes=1))
    response = client.get("/")
    assert response.status_code == 302 and response["Location"].startswith(LOGIN)
    assert AuditEntry.objects.filter(action="auth.session_expired", message="absolute").exists()


def test_expired_session_on_the_api_is_401(world, client):
    _login_session(client, world.user(Role.GRID_WORKER))
    _shift(client, LAST_SEEN, dt.timedelta(minutes=31))
    response = client.get("/api/v1/accounts/me/")
    assert response.status_code == 401
    assert "会话已过期" in response.json()["detail"]


# --- Second factor -------------------------------------------------------------------------------------------------
def _code(device) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


@pytest.mark.parametrize("role", sorted(ADMIN_ROLES))
def test_admin_roles_need_the_second_factor(world, client, role):
    user = world.user(role)
    response = post_login(client, user.username, PASSWORD)
    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:otp"))
    for path in ("/", reverse("accounts:profile"), reverse("accounts:user_list")):
        response = client.get(path)
        assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:otp"))
    api = client.get("/api/v1/accounts/me/")
    assert api.status_code == 403
    assert "第二重身份验证" in api.json()["detail"]


def test_business_roles_do_not_need_the_second_factor(world, client):
    response = post_login(client, world.user(Role.DISTRICT_ADMIN).username, PASSWORD)
    assert response["Location"] == "/"
    assert client.get("/").status_code == 200


def test_totp_setup_and_later_verification_through_the_page(world, client):
    user = world.user(Role.AUDIT_ADMIN)
    post_login(client, user.username, PASSWORD)
    page = client.get(reverse("accounts:otp"))
    body = page.content.decode()
    assert page.status_code == 200
    assert 'src="data:image/svg+xml;base64,' in body
    svg = base64.b64decode(page.context["qr_svg"]).decode()
    assert svg.startswith("<svg") and 'xmlns="http://www.w3.org/2000/svg"' in svg  # an <img> needs the namespace
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    assert page.context["secret"] in body
    assert base64.b32decode(page.context["secret"] + "=" * (-len(page.context["secret"]) % 8)) == device.bin_key

    wrong = client.post(reverse("accounts:otp"), {"token": "000000" if _code(device) != "000000" else "111111"})
    assert wrong.status_code == 200 and "验证码不正确" in wrong.content.decode()
    # django-otp now throttles the device for a second; the test does not wait for it.
    TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_timestamp=None, throttling_failure_count=0)

    response = client.post(reverse("accounts:otp"), {"token": _code(device)})
    assert response.status_code == 302
    device.refresh_from_db()
    assert device.confirmed
    assert client.get("/").status_code == 200
    assert client.get("/api/v1/accounts/me/").status_code == 200
    assert AuditEntry.objects.filter(action="security.totp.confirmed", user=user).exists()
    assert AuditEntry.objects.filter(action="auth.second_factor", user=user).exists()

    # Next login: the code is asked for again, against the confirmed device (no new QR code).
    client.post(reverse("accounts:logout"))
    post_login(client, user.username, PASSWORD)
    page = client.get(reverse("accounts:otp"))
    assert page.context["setup"] is False and "qr_svg" not in page.context
    device.refresh_from_db()
    device.last_t = -1  # the same 30-second window may be used once only
    device.save()
    assert client.post(reverse("accounts:otp"), {"token": _code(device)}).status_code == 302
    assert client.get("/").status_code == 200


def test_business_roles_are_not_offered_a_second_factor(world, client_for):
    c = client_for(world.user(Role.GRID_WORKER))
    assert c.get(reverse("accounts:otp")).status_code == 302
    assert not TOTPDevice.objects.exists()


def test_reset_second_factor_by_the_security_admin(world, client_for):
    audit_admin = world.user(Role.AUDIT_ADMIN)
    TOTPDevice.objects.create(user=audit_admin, name="phone", confirmed=True)
    c = client_for(world.user(Role.SECURITY_ADMIN))
    response = c.post(reverse("accounts:security"), {"action": "reset_totp", "user": audit_admin.pk})
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=audit_admin, name="phone").exists()
    assert AuditEntry.objects.filter(action="security.totp.reset", object_id=str(audit_admin.pk)).exists()


# --- Password policy ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("password", "ok", "message"),
    [
        ("Ab1-xyz", False, "密码长度太短"),           # 7 characters
        ("abcdefghk", False, "至少包含 3 类字符"),       # one class
        ("abcdefgh12", False, "至少包含 3 类字符"),      # two classes
        ("Wgy7Lmqz", True, None),                     # three classes, 8 characters
        ("abcd-fgh1", True, None),                    # lower, symbol, digit
    ],
)
def test_password_policy(world, client, password, ok, message):
    user = world.user(Role.GRID_WORKER)
    client.force_login(user)
    response = client.post(reverse("accounts:password_change"), {
        "old_password": PASSWORD, "new_password1": password, "new_password2": password,
    })
    if ok:
        assert response.status_code == 302
        user.refresh_from_db()
        assert user.check_password(password)
    else:
        assert response.status_code == 200
        assert message in response.content.decode()


def test_service_refuses_weak_passwords_in_chinese(world):
    with pytest.raises(ValidationError) as exc:
        services.create_user(actor=world.user(Role.DISTRICT_ADMIN), username="weak", password="abcdefgh12",
                             district=world.nodes["D1"])
    assert "至少包含 3 类字符" in str(exc.value.message_dict["password"])


def test_forced_password_change(world, client):
    user = world.user(Role.GRID_WORKER)
    User.objects.filter(pk=user.pk).update(must_change_password=True)
    post_login(client, user.username, PASSWORD)
    response = client.get("/")
    assert response.status_code == 302 and response["Location"] == reverse("accounts:password_change")
    assert client.get("/api/v1/accounts/me/").status_code == 403
    client.post(reverse("accounts:password_change"), {
        "old_password": PASSWORD, "new_password1": "New-pass-456", "new_password2": "New-pass-456",
    })
    assert client.get("/").status_code == 200


def test_passwords_are_hashed_with_argon2(settings, db):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher"]
    user = User.objects.create_user("argon", "Abcdefg1")
    assert user.password.startswith("argon2$")


# --- No superuser ---------------------------------------------------------------------------------------------------
def test_there_is_no_superuser(db):
    assert "is_superuser" not in {f.name for f in User._meta.get_fields()}
    assert not hasattr(User(), "is_superuser")
    with pytest.raises(NotImplementedError):
        call_command("createsuperuser", "--noinput", "--username", "root", verbosity=0)
    assert not User.objects.filter(username="root").exists()
    with pytest.raises(NotImplementedError):
        User.objects.create_superuser("root", "x")
