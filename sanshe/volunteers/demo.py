"""Demo data of the volunteers app (idempotent); one module per area, called in order."""

from . import demo_activities, demo_rewards


def seed(ctx) -> None:
    for module in (demo_activities, demo_rewards,):
        module.seed(ctx)
