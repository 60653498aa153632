"""URLs of the service cloud: orders."""

urlpatterns = []
