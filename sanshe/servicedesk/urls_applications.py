"""URLs of the service cloud: applications (the window, the lists, the department's queue, the application
page, its steps, scans and printables)."""

from django.urls import path

from . import views_applications as v

urlpatterns = [
    path("window/", v.WindowView.as_view(), name="window"),
    path("window/items/", v.WindowItemsView.as_view(), name="window_items"),
    path("window/materials/", v.WindowMaterialsView.as_view(), name="window_materials"),
    path("window/residents/", v.ResidentPickView.as_view(), name="window_resident_pick"),
    path("applications/", v.ApplicationListView.as_view(), name="application_list"),
    path("queue/", v.QueueView.as_view(), name="queue"),
    path("applications/<int:pk>/", v.ApplicationDetailView.as_view(), name="application_detail"),
    path("applications/<int:pk>/action/", v.ApplicationActionView.as_view(), name="application_action"),
    path("applications/<int:pk>/receipt/", v.ReceiptView.as_view(), name="application_receipt"),
    path("applications/<int:pk>/notice/", v.NoticeView.as_view(), name="application_notice"),
    path("applications/<int:pk>/attachments/<int:attachment_pk>/", v.AttachmentDownloadView.as_view(),
         name="application_attachment"),
]
