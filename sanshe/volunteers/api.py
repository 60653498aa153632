"""API viewsets of the volunteers app; each area module registers its own."""

from . import api_activities, api_rewards


def register(router):
    for module in (api_activities, api_rewards,):
        module.register(router)
