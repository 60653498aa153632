"""URLs of the service cloud: applications (the window, the department's queue, the application page)."""

from django.urls import path

from . import views_applications as views

urlpatterns = [
    path("applications/<int:pk>/", views.application_detail, name="application_detail"),
]
