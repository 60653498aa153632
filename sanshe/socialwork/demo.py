"""Demo data of the socialwork app (idempotent); one module per area, called in order."""

from . import demo_practice, demo_workers


def seed(ctx) -> None:
    for module in (demo_workers, demo_practice,):
        module.seed(ctx)
