"""URLs of the service cloud: appointments (the window's list, the slot page; booking and cancelling need no
account)."""

from django.urls import path

from . import views_appointments as v

urlpatterns = [
    path("appointments/", v.AppointmentListView.as_view(), name="appointment_list"),
    path("appointments/slots/", v.SlotsView.as_view(), name="appointment_slots"),
    path("appointments/<int:pk>/attended/", v.AttendedView.as_view(), name="appointment_attended"),
    path("appointments/<int:pk>/no-show/", v.NoShowView.as_view(), name="appointment_no_show"),
    path("appointments/<int:pk>/cancel/", v.CancelView.as_view(), name="appointment_cancel"),
    # public
    path("book/", v.book_page, name="appointment_book"),
    path("book/cancel/", v.public_cancel, name="appointment_public_cancel"),
]
