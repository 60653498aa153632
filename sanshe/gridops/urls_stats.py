"""URLs of grid governance: stats (included by ``urls.py``)."""

from django.urls import path

from . import views_stats

urlpatterns = [
    path("dashboard/", views_stats.DashboardView.as_view(), name="dashboard"),
    path("dashboard/export/", views_stats.DashboardExportView.as_view(), name="dashboard_export"),
]
