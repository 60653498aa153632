"""URLs of the service cloud: certificates."""

urlpatterns = []
