"""Registry URLs (import)."""

urlpatterns: list = []
