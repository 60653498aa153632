from django.urls import include, path
from django.views.i18n import set_language
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from sanshe.accounts.views import home
from sanshe.core.views import healthz

urlpatterns = [
    path("", home, name="home"),
    path("healthz", healthz, name="healthz"),
    path("i18n/setlang/", set_language, name="set_language"),
    path("accounts/", include("sanshe.accounts.urls")),
    path("territory/", include("sanshe.territory.urls")),
    path("gridops/", include("sanshe.gridops.urls")),
    path("open311/v2/", include("sanshe.gridops.open311.urls")),
    path("services/", include("sanshe.servicedesk.urls")),
    path("societies/", include("sanshe.societies.urls")),
    path("socialwork/", include("sanshe.socialwork.urls")),
    path("volunteers/", include("sanshe.volunteers.urls")),
    path("audit/", include("sanshe.core.urls")),
    path("api/v1/", include("sanshe.api.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
]
