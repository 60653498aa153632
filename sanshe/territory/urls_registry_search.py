"""Registry URLs (search)."""

urlpatterns: list = []
