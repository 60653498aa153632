"""URLs of the service cloud that need no account: following an application, verifying a certificate."""

from django.urls import path

from . import views_public as views

urlpatterns = [
    path("track/", views.TrackView.as_view(), name="track"),
]
