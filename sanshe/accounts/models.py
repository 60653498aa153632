"""Accounts: users, their role grants at territory nodes, and API tokens."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sanshe.core.scoping import ScopedQuerySet

from .roles import ADMIN_ROLES, ROLE_SPECS, Role


class UserQuerySet(ScopedQuerySet):
    pass


class UserManager(BaseUserManager.from_queryset(UserQuerySet)):
    use_in_migrations = True

    def create_user(self, username, password=None, **extra):
        """Low-level creation (tests, seeding). Application code uses ``accounts.services.create_user``."""
        user = self.model(username=username, **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, *args, **kwargs):
        raise NotImplementedError(
            "Sanshe has no superuser. Use `manage.py create_account NAME --role system_admin --node CODE`."
        )


@dataclass(frozen=True)
class GrantInfo:
    role: str
    node_id: int
    node_level: str
    node_code: str
    node_name: str


class User(AbstractBaseUser):
    """A person who logs in to Sanshe.

    There is no superuser: what an account may do comes only from its role grants (:class:`RoleGrant`).
    ``district`` is the district the account belongs to; account managers see the accounts of their district.
    """

    username = models.CharField(_("user name"), max_length=150, unique=True)
    full_name = models.CharField(_("full name"), max_length=100, blank=True)
    district = models.ForeignKey(
        "territory.Node", verbose_name=_("district"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+", limit_choices_to={"level": "district"},
    )
    is_active = models.BooleanField(_("active"), default=True)
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)
    must_change_password = models.BooleanField(_("must change password"), default=False)
    password_changed_at = models.DateTimeField(_("password changed at"), null=True, blank=True)

    objects = UserManager()

    USERNAME_FIELD = "username"
    REQUIRED_FIELDS: list[str] = []
    SCOPE_PERMISSION = "accounts.view"
    SCOPE_FIELDS = {"district": "district_id"}
    AUDIT_EXCLUDE = ("last_login",)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["username"]

    def __str__(self):
        return f"{self.full_name} ({self.username})" if self.full_name else self.username

    def get_full_name(self):
        return self.full_name or self.username

    def get_short_name(self):
        return self.full_name or self.username

    # --- grants, cached for the life of this instance (one request) --------------------------------------
    def active_grants(self) -> list[GrantInfo]:
        cached = getattr(self, "_grant_cache", None)
        if cached is None:
            rows = (
                RoleGrant.objects.filter(user_id=self.pk, revoked_at__isnull=True, node__is_active=True)
                .values_list("role", "node_id", "node__level", "node__code", "node__name")
                .order_by("role", "node__code")
            )
            cached = [GrantInfo(*row) for row in rows] if self.pk else []
            self._grant_cache = cached
        return cached

    def clear_grant_cache(self):
        self._grant_cache = None

    def roles(self) -> set[str]:
        return {g.role for g in self.active_grants()}

    def permissions(self) -> set[str]:
        if not self.is_active:
            return set()
        perms: set[str] = set()
        for grant in self.active_grants():
            perms |= ROLE_SPECS[grant.role].permissions
        return perms

    def has_permission(self, permission: str) -> bool:
        return permission in self.permissions()

    def scope_nodes(self, permission: str) -> list[tuple[str, int]]:
        """(level, node id) of every grant whose role carries ``permission``."""
        return [
            (g.node_level, g.node_id)
            for g in self.active_grants()
            if permission in ROLE_SPECS[g.role].permissions
        ]

    def is_platform_admin(self) -> bool:
        return bool(self.roles() & ADMIN_ROLES)

    @property
    def needs_second_factor(self) -> bool:
        return self.is_platform_admin()


class RoleGrantQuerySet(ScopedQuerySet):
    def active(self):
        return self.filter(revoked_at__isnull=True)


class RoleGrant(models.Model):
    """A role held by a user at a territory node. A user may hold several.

    Revoking keeps the row (``revoked_at``) so that history can be read. At most one of the three platform
    administrator roles is active per account (a partial unique index).
    """

    user = models.ForeignKey(User, verbose_name=_("user"), on_delete=models.CASCADE, related_name="grants")
    role = models.CharField(_("role"), max_length=30, choices=Role.choices, db_index=True)
    node = models.ForeignKey(
        "territory.Node", verbose_name=_("territory"), on_delete=models.PROTECT, related_name="grants"
    )
    is_admin_role = models.BooleanField(_("platform administrator role"), default=False, editable=False)
    granted_by = models.ForeignKey(
        User, verbose_name=_("granted by"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    granted_at = models.DateTimeField(_("granted at"), default=timezone.now)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        User, verbose_name=_("revoked by"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = RoleGrantQuerySet.as_manager()

    SCOPE_PERMISSION = "accounts.view"
    SCOPE_FIELDS = {level: f"node__{level}_id" for level in ("district", "street", "community", "grid", "compound",
                                                             "building")}

    class Meta:
        verbose_name = _("role grant")
        verbose_name_plural = _("role grants")
        ordering = ["user_id", "role"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "role", "node"], condition=models.Q(revoked_at__isnull=True),
                name="grant_unique_active",
            ),
            models.UniqueConstraint(
                fields=["user"], condition=models.Q(revoked_at__isnull=True, is_admin_role=True),
                name="grant_one_admin_role",
            ),
        ]

    def __str__(self):
        return f"{self.user.username}: {self.get_role_display()} @ {self.node.name}"

    def save(self, *args, **kwargs):
        self.is_admin_role = self.role in ADMIN_ROLES
        super().save(*args, **kwargs)

    @property
    def audit_territory(self) -> str:
        return self.node.code


class ApiToken(models.Model):
    """A bearer token for the API (``Authorization: Token <key>``). Only a SHA-256 of the key is stored."""

    user = models.ForeignKey(User, verbose_name=_("user"), on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(_("key prefix"), max_length=8, db_index=True)
    key_hash = models.CharField(_("key hash"), max_length=64, unique=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    @staticmethod
    def hash_key(key: str) -> str:
        return hashlib.sha256(key.encode()).hexdigest()


class Notification(models.Model):
    """A message in a user's in-application inbox (an event dispatched to his unit, a report he made that was
    closed …). Written by :func:`sanshe.accounts.notifications.notify`; SMS copies go through the pluggable
    SMS backend."""

    user = models.ForeignKey(User, verbose_name=_("recipient"), on_delete=models.CASCADE,
                             related_name="notifications")
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("message"), blank=True)
    url = models.CharField(_("link"), max_length=255, blank=True)
    kind = models.CharField(_("kind"), max_length=60, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "read_at", "-created_at"], name="notification_inbox")]

    def __str__(self):
        return self.title
