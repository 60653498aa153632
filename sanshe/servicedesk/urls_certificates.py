"""URLs of the service cloud: certificates (the public verification page needs no account)."""

from django.urls import path

from . import views_certificates as v

urlpatterns = [
    path("certificates/", v.CertificateListView.as_view(), name="certificate_list"),
    path("certificates/new/", v.IssueView.as_view(), name="certificate_issue"),
    path("certificates/residents/", v.ResidentPickView.as_view(), name="certificate_resident_pick"),
    path("certificates/<int:pk>/", v.CertificateDetailView.as_view(), name="certificate_detail"),
    path("certificates/<int:pk>/pdf/", v.CertificatePdfView.as_view(), name="certificate_pdf"),
    path("certificates/<int:pk>/revoke/", v.RevokeView.as_view(), name="certificate_revoke"),
    path("certificates/types/", v.TypeListView.as_view(), name="certificate_type_list"),
    path("certificates/types/new/", v.TypeEditView.as_view(), name="certificate_type_create"),
    path("certificates/types/<int:pk>/", v.TypeEditView.as_view(), name="certificate_type_edit"),
    # public
    path("verify/", v.verify, name="certificate_verify"),
]
