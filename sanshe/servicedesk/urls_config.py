"""URLs of the service cloud: config."""

urlpatterns = []
