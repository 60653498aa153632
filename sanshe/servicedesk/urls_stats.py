"""URLs of the service cloud: the figures page and its xlsx export."""

from django.urls import path

from . import views_stats as views

urlpatterns = [
    path("stats/", views.StatsView.as_view(), name="stats"),
    path("stats/export/", views.StatsExportView.as_view(), name="stats_export"),
]
