from django.conf import settings

from .nav import navigation


def sanshe(request):
    """Navigation and role information for the page shell."""
    user = getattr(request, "user", None)
    data = {"SANSHE_TILE_URL": settings.SANSHE_TILE_URL, "DEMO_MODE": not settings.PRODUCTION}
    if user is not None and user.is_authenticated:
        data["user_permissions"] = user.permissions()
        data["user_grants"] = user.active_grants()
        data["nav_groups"] = navigation(data["user_permissions"], getattr(request, "resolver_match", None))
    return data
