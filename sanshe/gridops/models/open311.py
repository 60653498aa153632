"""Open311 client applications (API keys for POST requests)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from sanshe.core.models import TimeStampedModel


class Open311Client(TimeStampedModel):
    """A client application allowed to POST service requests through Open311 GeoReport v2.

    The key is shown once at creation (``manage.py open311_key create NAME``); only its SHA-256 is stored.
    """

    name = models.CharField(_("name"), max_length=100, unique=True)
    key_hash = models.CharField(_("key hash"), max_length=64, unique=True, editable=False)
    key_prefix = models.CharField(_("key prefix"), max_length=8, editable=False)
    district = models.ForeignKey("territory.Node", verbose_name=_("district"), on_delete=models.PROTECT,
                                 related_name="+")
    is_active = models.BooleanField(_("active"), default=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)

    class Meta:
        verbose_name = _("Open311 client")
        verbose_name_plural = _("Open311 clients")
        ordering = ["name"]

    def __str__(self):
        return self.name
