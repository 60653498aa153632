from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SocialworkConfig(AppConfig):
    name = "sanshe.socialwork"
    label = "socialwork"
    verbose_name = _("Social work")
    default_auto_field = "django.db.models.BigAutoField"
