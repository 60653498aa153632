"""Infrastructure models shared by every app: the audit log, idempotency records, worker heartbeats.

No domain models live here; :class:`ScopedRow` is the abstract base of the domain apps' rows that belong to a
district, a street and (usually) a community.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class TimeStampedModel(models.Model):
    """Abstract base: creation and last-change times."""

    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True


def _ancestor(label, *, null=True):
    return models.ForeignKey("territory.Node", verbose_name=label, null=null, blank=null,
                             on_delete=models.PROTECT, related_name="+")


class ScopedRow(TimeStampedModel):
    """Abstract: a row of a district, street and (usually) community, scoped by them.

    Subclasses set ``SCOPE_PERMISSION`` (the permission that reads them) and keep ``objects`` a
    :class:`sanshe.core.scoping.ScopedQuerySet` manager, so ``Model.objects.visible_to(user, perm)`` works.
    """

    district = _ancestor(_("district"), null=False)
    street = _ancestor(_("street"))
    community = _ancestor(_("community"))

    SCOPE_FIELDS = {"district": "district_id", "street": "street_id", "community": "community_id"}
    SCOPE_PERMISSION: str | None = None

    class Meta:
        abstract = True

    def copy_ancestors_from(self, node) -> None:
        for level in ("district", "street", "community"):
            setattr(self, f"{level}_id", getattr(node, f"{level}_id", None))


class AppendOnlyError(Exception):
    pass


class AuditQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError("audit entries are append-only")

    def delete(self):
        raise AppendOnlyError("audit entries are append-only")


class AuditEntry(models.Model):
    """One line of the append-only, hash-chained audit log.

    Written by :func:`sanshe.core.audit.record` in the same transaction as the change it describes. Each row
    carries the hash of the previous one (``prev_hash``) and its own (``hash``) over its content, so a changed,
    removed or inserted row breaks the chain; ``manage.py verify_audit`` finds the first broken link.
    Sensitive values are masked before they are written. The database refuses UPDATE and DELETE (triggers).
    """

    class Result(models.TextChoices):
        SUCCESS = "success", _("Success")
        FAILURE = "failure", _("Failure")
        DENIED = "denied", _("Denied")

    seq = models.BigIntegerField(_("sequence"), unique=True)
    at = models.DateTimeField(_("time (UTC)"), db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+", db_constraint=False,
    )
    username = models.CharField(_("user name"), max_length=150, blank=True, db_index=True)
    roles = models.CharField(_("roles"), max_length=255, blank=True)
    territory = models.CharField(_("territory"), max_length=255, blank=True, db_index=True)
    action = models.CharField(_("action"), max_length=100, db_index=True)
    object_type = models.CharField(_("object type"), max_length=100, blank=True, db_index=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True, db_index=True)
    object_repr = models.CharField(_("object"), max_length=255, blank=True)
    changes = models.JSONField(_("changes"), default=dict, blank=True)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    request_id = models.CharField(_("request id"), max_length=64, blank=True, db_index=True)
    result = models.CharField(_("result"), max_length=10, choices=Result.choices, default=Result.SUCCESS)
    message = models.TextField(_("message"), blank=True)
    prev_hash = models.CharField(_("previous hash"), max_length=64)
    hash = models.CharField(_("hash"), max_length=64)

    objects = AuditQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")
        ordering = ["-seq"]

    def __str__(self):
        return f"#{self.seq} {self.action} {self.object_repr}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError("audit entries are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("audit entries are append-only")


class AuditChainHead(models.Model):
    """The single row that holds the last sequence number and hash; locked while an entry is appended."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    seq = models.BigIntegerField(_("last sequence"), default=0)
    hash = models.CharField(_("last hash"), max_length=64, default="0" * 64)

    class Meta:
        verbose_name = _("audit chain head")
        verbose_name_plural = _("audit chain head")

    def __str__(self):
        return f"#{self.seq} {self.hash[:12]}"


class IdempotencyRecord(models.Model):
    """The stored answer to a POST made with an ``Idempotency-Key``, replayed when the same key comes again."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE)
    key = models.CharField(_("idempotency key"), max_length=255)
    method = models.CharField(_("method"), max_length=10)
    path = models.CharField(_("path"), max_length=500)
    fingerprint = models.CharField(_("request fingerprint"), max_length=64)
    status_code = models.PositiveSmallIntegerField(_("status code"), null=True)
    response_body = models.JSONField(_("response body"), null=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("idempotency record")
        verbose_name_plural = _("idempotency records")
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="idempotency_user_key_unique")]

    def __str__(self):
        return f"{self.method} {self.path} [{self.key}]"


class WorkerHeartbeat(models.Model):
    """A background task worker's sign of life, refreshed every few seconds; read by ``/healthz``."""

    worker_id = models.CharField(_("worker id"), max_length=64, primary_key=True)
    hostname = models.CharField(_("host name"), max_length=255)
    pid = models.PositiveIntegerField(_("process id"))
    started_at = models.DateTimeField(_("started at"))
    last_seen = models.DateTimeField(_("last seen"), db_index=True)

    class Meta:
        verbose_name = _("worker heartbeat")
        verbose_name_plural = _("worker heartbeats")

    def __str__(self):
        return f"{self.hostname}:{self.pid}"
