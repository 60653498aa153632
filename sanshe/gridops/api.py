"""The v1 API of grid governance: each area registers its viewsets."""


def register(router):
    """Register this app's viewsets on the v1 router."""
    from . import api_disputes, api_events

    api_events.register(router)
    api_disputes.register(router)
