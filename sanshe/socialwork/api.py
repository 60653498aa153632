"""API viewsets of the socialwork app; each area module registers its own."""

from . import api_practice, api_workers


def register(router):
    for module in (api_workers, api_practice,):
        module.register(router)
