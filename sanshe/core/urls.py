"""The audit log (mounted at ``/audit/``). Read, export and check only: no URL edits or deletes an entry."""

from django.urls import path

from . import views_audit

app_name = "audit"

urlpatterns = [
    path("", views_audit.AuditListView.as_view(), name="list"),
    path("<int:pk>/", views_audit.AuditDetailView.as_view(), name="detail"),
    path("export/", views_audit.AuditExportView.as_view(), name="export"),
    path("verify/", views_audit.ChainVerifyView.as_view(), name="verify"),
]
