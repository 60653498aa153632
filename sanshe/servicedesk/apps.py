from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ServicedeskConfig(AppConfig):
    name = "sanshe.servicedesk"
    label = "servicedesk"
    verbose_name = _("Service cloud")
    default_auto_field = "django.db.models.BigAutoField"
