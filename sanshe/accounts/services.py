"""Writes on accounts. Every function: one transaction, permission and scope re-checked inside, audit row inside."""

from __future__ import annotations

import secrets

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from sanshe.core import audit
from sanshe.core.exceptions import Denied
from sanshe.core.services import require, require_visible
from sanshe.territory.models import Node

from .models import ApiToken, RoleGrant, User
from .roles import ADMIN_ROLES, ROLE_SPECS, Perm, Role


def _district_of(node: Node) -> Node:
    return node if node.level == Node.Level.DISTRICT else Node.objects.get(pk=node.district_id)


@transaction.atomic
def create_user(
    *, actor: User, username: str, full_name: str = "", password: str | None = None, district: Node,
    must_change_password: bool = True,
) -> tuple[User, str | None]:
    """Create an account in ``district``. Without a password, a random one is generated and returned once."""
    require(actor, Perm.ACCOUNTS_MANAGE)
    district = require_visible(Node, district, actor, Perm.ACCOUNTS_MANAGE)
    if district.level != Node.Level.DISTRICT:
        raise ValidationError({"district": _("Accounts belong to a district.")})
    username = username.strip()
    if not username:
        raise ValidationError({"username": _("This field is required.")})
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError({"username": _("This user name is already taken.")})
    generated = None
    if not password:
        generated = password = _generate_password()
    user = User(username=username, full_name=full_name.strip(), district=district,
                must_change_password=must_change_password)
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise ValidationError({"password": exc.messages}) from exc
    user.set_password(password)
    user.password_changed_at = timezone.now()
    user.save()
    audit.record("accounts.user.created", obj=user, after=audit.snapshot(user), actor=actor)
    return user, generated


@transaction.atomic
def update_user(user: User, *, actor: User, full_name: str | None = None, is_active: bool | None = None) -> User:
    require(actor, Perm.ACCOUNTS_MANAGE)
    user = require_visible(User, user, actor, Perm.ACCOUNTS_MANAGE, lock=True)
    before = audit.snapshot(user)
    if full_name is not None:
        user.full_name = full_name.strip()
    if is_active is not None:
        if user.pk == actor.pk and not is_active:
            raise ValidationError({"is_active": _("You cannot deactivate your own account.")})
        user.is_active = is_active
    user.save()
    after = audit.snapshot(user)
    if before != after:
        action = "accounts.user.updated"
        if before.get("is_active") != after.get("is_active"):
            action = "accounts.user.activated" if user.is_active else "accounts.user.deactivated"
        audit.record(action, obj=user, before=before, after=after, actor=actor)
    return user


@transaction.atomic
def grant_role(user: User, *, actor: User, role: str, node: Node) -> RoleGrant:
    """Give ``user`` the ``role`` at ``node``.

    Refused: outside the actor's scope; a platform administrator role without the right to grant one; a level
    the role cannot be held at; a node of another district; a second platform administrator role; oneself.
    """
    require(actor, Perm.ROLES_GRANT)
    if role not in ROLE_SPECS:
        raise ValidationError({"role": _("Unknown role.")})
    if role in ADMIN_ROLES and not actor.has_permission(Perm.ADMIN_ROLES_GRANT):
        raise Denied(Perm.ADMIN_ROLES_GRANT, user)
    user = require_visible(User, user, actor, Perm.ACCOUNTS_VIEW, lock=True)
    node = require_visible(Node, node, actor, Perm.ROLES_GRANT)
    if user.pk == actor.pk:
        raise ValidationError({"user": _("You cannot grant a role to yourself.")})
    if not node.is_active:
        raise ValidationError({"node": _("This territory node has been retired.")})
    spec = ROLE_SPECS[role]
    if node.level not in spec.levels:
        levels = "、".join(str(Node.Level(level).label) for level in spec.levels)
        raise ValidationError({"node": _("This role is held at the level of: %(levels)s.") % {"levels": levels}})
    if user.district_id and node.district_id != user.district_id:
        raise ValidationError({"node": _("This node is in another district than the account.")})
    current = set(user.grants.active().values_list("role", flat=True))
    if role in ADMIN_ROLES and current & ADMIN_ROLES:
        raise ValidationError({"role": _("An account may hold only one of the system, security and audit "
                                         "administrator roles.")})
    if role not in ADMIN_ROLES and current & ADMIN_ROLES:
        raise ValidationError({"role": _("A platform administrator account cannot hold business roles.")})
    if role in ADMIN_ROLES and current:
        raise ValidationError({"role": _("A platform administrator account cannot hold business roles.")})
    try:
        with transaction.atomic():
            grant = RoleGrant.objects.create(user=user, role=role, node=node, granted_by=actor)
    except IntegrityError as exc:
        raise ValidationError({"role": _("The account already holds this role here.")}) from exc
    user.clear_grant_cache()
    audit.record(
        "accounts.role.granted", obj=grant, after=audit.snapshot(grant), actor=actor,
        extra={"role": role, "node": node.code, "user": user.username},
    )
    return grant


@transaction.atomic
def revoke_role(grant: RoleGrant, *, actor: User) -> RoleGrant:
    require(actor, Perm.ROLES_GRANT)
    grant = RoleGrant.objects.select_for_update().select_related("user", "node").get(pk=grant.pk)
    if grant.role in ADMIN_ROLES and not actor.has_permission(Perm.ADMIN_ROLES_GRANT):
        raise Denied(Perm.ADMIN_ROLES_GRANT, grant)
    require_visible(Node, grant.node, actor, Perm.ROLES_GRANT)
    require_visible(User, grant.user, actor, Perm.ACCOUNTS_VIEW)
    if grant.user_id == actor.pk:
        raise ValidationError({"user": _("You cannot revoke your own role.")})
    if grant.revoked_at is not None:
        return grant
    before = audit.snapshot(grant)
    grant.revoked_at = timezone.now()
    grant.revoked_by = actor
    grant.save(update_fields=["revoked_at", "revoked_by"])
    audit.record("accounts.role.revoked", obj=grant, before=before, after=audit.snapshot(grant), actor=actor,
                 extra={"role": grant.role, "node": grant.node.code, "user": grant.user.username})
    return grant


@transaction.atomic
def change_password(user: User, *, old_password: str, new_password: str) -> User:
    """The user changes his own password."""
    user = User.objects.select_for_update().get(pk=user.pk)
    if not user.check_password(old_password):
        raise ValidationError({"old_password": _("Your old password was entered incorrectly.")})
    if old_password == new_password:
        raise ValidationError({"new_password": _("The new password must differ from the old one.")})
    try:
        validate_password(new_password, user)
    except ValidationError as exc:
        raise ValidationError({"new_password": exc.messages}) from exc
    user.set_password(new_password)
    user.must_change_password = False
    user.password_changed_at = timezone.now()
    user.save(update_fields=["password", "must_change_password", "password_changed_at"])
    audit.record("accounts.password.changed", obj=user, actor=user)
    return user


@transaction.atomic
def reset_password(user: User, *, actor: User) -> str:
    """Set a random temporary password that must be changed at the next login; returned once."""
    require(actor, Perm.ACCOUNTS_MANAGE)
    user = require_visible(User, user, actor, Perm.ACCOUNTS_MANAGE, lock=True)
    password = _generate_password()
    user.set_password(password)
    user.must_change_password = True
    user.password_changed_at = timezone.now()
    user.save(update_fields=["password", "must_change_password", "password_changed_at"])
    audit.record("accounts.password.reset", obj=user, actor=actor)
    return password


@transaction.atomic
def unlock_user(user: User, *, actor: User) -> int:
    """Lift a login lockout (django-axes) before it runs out."""
    from axes.models import AccessAttempt

    require(actor, Perm.SECURITY_MANAGE)
    user = require_visible(User, user, actor, Perm.ACCOUNTS_VIEW)
    count, _unused = AccessAttempt.objects.filter(username=user.username).delete()
    audit.record("security.user.unlocked", obj=user, actor=actor, extra={"attempts_cleared": count})
    return count


@transaction.atomic
def reset_second_factor(user: User, *, actor: User) -> int:
    """Remove the user's TOTP devices; he sets up a new one at his next login."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    require(actor, Perm.SECURITY_MANAGE)
    user = require_visible(User, user, actor, Perm.ACCOUNTS_VIEW)
    count, _unused = TOTPDevice.objects.filter(user=user).delete()
    audit.record("security.totp.reset", obj=user, actor=actor, extra={"devices_removed": count})
    return count


@transaction.atomic
def start_totp_setup(user: User):
    """The unconfirmed TOTP device the user is setting up (created once, reused until confirmed)."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=_("Authenticator app"), confirmed=False)
        audit.record("security.totp.setup_started", obj=user, actor=user)
    return device


@transaction.atomic
def confirm_totp_device(user: User, device, token: str) -> bool:
    """Confirm a newly set-up TOTP device with a first code."""
    if not device.verify_token(token):
        return False
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    audit.record("security.totp.confirmed", obj=user, actor=user)
    return True


@transaction.atomic
def create_api_token(user: User, *, actor: User, name: str) -> tuple[ApiToken, str]:
    """Issue a token for the actor himself; the key is shown once and only its hash is kept."""
    if user.pk != actor.pk:
        raise Denied("accounts.token", user)
    if user.is_platform_admin():
        raise ValidationError({"name": _("Platform administrator accounts cannot have API tokens.")})
    key = secrets.token_urlsafe(32)
    token = ApiToken.objects.create(user=user, name=name.strip() or "api", prefix=key[:8],
                                    key_hash=ApiToken.hash_key(key))
    audit.record("accounts.token.created", obj=token, actor=actor, extra={"prefix": token.prefix})
    return token, key


@transaction.atomic
def revoke_api_token(token: ApiToken, *, actor: User) -> ApiToken:
    if token.user_id != actor.pk:
        raise Denied("accounts.token", token)
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    audit.record("accounts.token.revoked", obj=token, actor=actor, extra={"prefix": token.prefix})
    return token


def _generate_password() -> str:
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz23456789"
    body = "".join(secrets.choice(alphabet) for _unused in range(10))
    return f"{body[:5]}-{body[5:]}7aA"


def bootstrap_account(*, username: str, password: str, role: str, node: Node, full_name: str = "") -> User:
    """Create or update an account with one role, bypassing the actor checks.

    Only for ``manage.py create_account`` (first administrators of a new installation) and demo seeding; both
    run from the server's shell, never from a request. Audited as done by the system.
    """
    if role not in Role.values:
        raise ValidationError({"role": _("Unknown role.")})
    spec = ROLE_SPECS[role]
    if node.level not in spec.levels:
        raise ValidationError({"node": _("This role cannot be held at this level.")})
    with transaction.atomic():
        user, created = User.objects.get_or_create(
            username=username, defaults={"full_name": full_name, "district": _district_of(node)}
        )
        if created:
            user.set_password(password)
            user.password_changed_at = timezone.now()
            user.save()
            audit.record("accounts.user.created", obj=user, after=audit.snapshot(user), message="bootstrap")
        if not user.grants.active().filter(role=role, node=node).exists():
            if role in ADMIN_ROLES and user.grants.active().filter(is_admin_role=True).exists():
                raise ValidationError({"role": _("An account may hold only one of the system, security and "
                                                 "audit administrator roles.")})
            grant = RoleGrant.objects.create(user=user, role=role, node=node)
            audit.record("accounts.role.granted", obj=grant, after=audit.snapshot(grant), message="bootstrap")
    return user
