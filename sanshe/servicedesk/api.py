"""The service cloud's API: each area's viewsets in its own ``api_<area>.py``, registered here."""


def register(router) -> None:
    from . import api_applications, api_catalogue

    api_catalogue.register(router)
    api_applications.register(router)
