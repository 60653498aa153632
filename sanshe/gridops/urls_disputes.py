"""URLs of grid governance: disputes (included by ``urls.py``)."""

from django.urls import path

from . import views_disputes as v

urlpatterns = [
    path("disputes/", v.DisputeListView.as_view(), name="dispute_list"),
    path("disputes/new/", v.DisputeCreateView.as_view(), name="dispute_create"),
    path("disputes/residents/", v.ResidentPickView.as_view(), name="dispute_resident_pick"),
    path("disputes/ledger/", v.LedgerView.as_view(), name="dispute_ledger"),
    path("disputes/ledger/export/", v.LedgerExportView.as_view(), name="dispute_ledger_export"),
    path("disputes/<int:pk>/", v.DisputeDetailView.as_view(), name="dispute_detail"),
    path("disputes/<int:pk>/session/", v.SessionCreateView.as_view(), name="dispute_session"),
    path("disputes/<int:pk>/outcome/", v.OutcomeView.as_view(), name="dispute_outcome"),
    path("disputes/<int:pk>/attachments/", v.AttachmentUploadView.as_view(), name="dispute_attach"),
    path("disputes/<int:pk>/attachments/<int:attachment_pk>/", v.AttachmentDownloadView.as_view(),
         name="dispute_attachment"),
    path("disputes/<int:pk>/risk/", v.RiskView.as_view(), name="dispute_risk"),
]
