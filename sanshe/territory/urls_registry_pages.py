"""Registry URLs (pages)."""

urlpatterns: list = []
