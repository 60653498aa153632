"""Open311 GeoReport v2 endpoints (mounted at /open311/v2/): every resource in .xml and .json."""

from django.urls import re_path

from . import views

app_name = "open311"

F = r"\.(?P<fmt>xml|json)$"

urlpatterns = [
    re_path(r"^discovery" + F, views.discovery, name="discovery"),
    re_path(r"^services" + F, views.services, name="services"),
    re_path(r"^services/(?P<service_code>[^/]+?)" + F, views.service_definition, name="service_definition"),
    re_path(r"^requests" + F, views.requests_view, name="requests"),
    re_path(r"^requests/(?P<service_request_id>[^/]+?)" + F, views.request_detail, name="request"),
    re_path(r"^tokens/(?P<token>[^/]+?)" + F, views.token, name="token"),
    # Anything else: the spec's error document (400 for a known resource without a format, else 404).
    re_path(r"^(?P<rest>.*)$", views.invalid, name="invalid"),
]
