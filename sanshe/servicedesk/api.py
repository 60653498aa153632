"""The service cloud's API: each area's viewsets in its own ``api_<area>.py``, registered here."""


def register(router) -> None:
    from . import (
        api_admission,
        api_applications,
        api_appointments,
        api_catalogue,
        api_certificates,
        api_hotline,
        api_orders,
    )

    for module in (api_catalogue, api_applications, api_appointments, api_certificates, api_orders, api_hotline,
                   api_admission):
        module.register(router)
