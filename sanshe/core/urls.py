from django.urls import path

from . import views_audit

app_name = "audit"

urlpatterns = [
    path("", views_audit.audit_list_view, name="list"),
]
