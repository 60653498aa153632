"""URLs of the service cloud: stats."""

urlpatterns = []
