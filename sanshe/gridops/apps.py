from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GridopsConfig(AppConfig):
    name = "sanshe.gridops"
    label = "gridops"
    verbose_name = _("Grid governance")
    default_auto_field = "django.db.models.BigAutoField"
