from rest_framework import authentication


class SessionAuthentication(authentication.SessionAuthentication):
    """Browser session with CSRF, as in DRF; named here so the setting points at our own module."""
