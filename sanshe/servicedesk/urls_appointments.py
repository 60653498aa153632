"""URLs of the service cloud: appointments."""

urlpatterns = []
