from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "sanshe.api"
    label = "api"
    verbose_name = "API"
