"""API viewsets of the societies app; each area module registers its own."""

from . import api_registry


def register(router):
    for module in (api_registry,):
        module.register(router)
