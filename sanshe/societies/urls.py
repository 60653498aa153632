"""URLs of the social organization registry under /societies/."""

from . import urls_registry

app_name = "societies"

urlpatterns = list(urls_registry.urlpatterns)
