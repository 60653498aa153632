"""URLs of the service cloud: hotline."""

urlpatterns = []
