"""Registry URLs (import)."""

from django.urls import path

from . import views_registry_import as views

urlpatterns: list = [
    path("registry/import/", views.import_page, name="registry_import"),
    path("registry/import/template.xlsx", views.template_download, name="registry_import_template"),
    path("registry/import/<str:job_id>/", views.job_page, name="registry_import_job"),
    path("registry/import/<str:job_id>/status/", views.job_status, name="registry_import_status"),
    path("registry/import/<str:job_id>/errors.xlsx", views.error_workbook, name="registry_import_errors"),
]
