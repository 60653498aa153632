from drf_spectacular import authentication as spectacular_authentication
from rest_framework import authentication


class SessionAuthentication(authentication.SessionAuthentication):
    """Browser session with CSRF, as in DRF; named here so the setting points at our own module."""


class SessionScheme(spectacular_authentication.SessionScheme):
    """OpenAPI description of the session authentication above (drf-spectacular matches the exact class)."""

    target_class = "sanshe.api.authentication.SessionAuthentication"
