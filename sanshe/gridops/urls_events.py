"""URLs of grid governance: events (included by ``urls.py``)."""

from django.urls import path

from . import views_events as v

urlpatterns = [
    path("events/", v.EventListView.as_view(), name="event_list"),
    path("events/batch/", v.BatchView.as_view(), name="event_batch"),
    path("events/report/", v.ReportView.as_view(), name="event_report"),
    path("events/report/subcategories/", v.SubcategoriesView.as_view(), name="event_subcategories"),
    path("events/<int:pk>/", v.EventDetailView.as_view(), name="event_detail"),
    path("events/<int:pk>/act/", v.EventActView.as_view(), name="event_act"),
    path("events/<int:pk>/verify/", v.EventVerifyView.as_view(), name="event_verify"),
    path("events/<int:pk>/photos/<int:photo_pk>/", v.EventPhotoView.as_view(), name="event_photo"),
    path("my/tasks/", v.MyTasksView.as_view(), name="my_tasks"),
    path("my/reports/", v.MyReportsView.as_view(), name="my_reports"),
    path("queue/", v.HandlerQueueView.as_view(), name="handler_queue"),
    path("notifications/", v.NotificationsView.as_view(), name="notifications"),
    path("notifications/read/", v.NotificationReadView.as_view(), name="notifications_read"),
    path("notifications/<int:pk>/", v.NotificationOpenView.as_view(), name="notification_open"),
]
