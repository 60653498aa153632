"""Social workers (社工) and their professional practice.

A :class:`SocialWorker` is a person on the district's roster, linked to his account (``user``) and, where he lives
in the district, to the registry (``resident``); his employer is a social organization (usually a social work
agency, 社工机构). His certificates, posts, subsidies and trainings are in ``models_workers.py``; his cases (个案),
groups (小组) and community activities in ``models_practice.py``.
Territory ancestors are copied onto every row (district, street, community) for scoping and counting.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from sanshe.accounts.roles import Perm
from sanshe.core.models import ScopedRow
from sanshe.core.scoping import ScopedQuerySet


class SocialWorker(ScopedRow):
    """A social worker on the roster: where he works (his territory), who employs him, his account."""

    name = models.CharField(_("name"), max_length=50)
    user = models.OneToOneField(settings.AUTH_USER_MODEL, verbose_name=_("account"), null=True, blank=True,
                                on_delete=models.SET_NULL, related_name="social_worker")
    resident = models.ForeignKey("territory.Resident", verbose_name=_("resident"), null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="+")
    employer = models.ForeignKey("societies.Organization", verbose_name=_("employer"), null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="social_workers")
    post = models.CharField(_("post"), max_length=50, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    objects = ScopedQuerySet.as_manager()
    SCOPE_PERMISSION = Perm.SOCIALWORK_VIEW

    class Meta:
        verbose_name = _("social worker")
        verbose_name_plural = _("social workers")
        ordering = ["name", "pk"]

    def __str__(self):
        return self.name


from .models_practice import *  # noqa: E402,F403  (cases, groups, activities)
from .models_workers import *  # noqa: E402,F403  (certificates, subsidies, trainings)
