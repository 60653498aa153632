"""URLs of the service cloud: admission."""

urlpatterns = []
