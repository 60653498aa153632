from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SocietiesConfig(AppConfig):
    name = "sanshe.societies"
    label = "societies"
    verbose_name = _("Social organizations")
    default_auto_field = "django.db.models.BigAutoField"
