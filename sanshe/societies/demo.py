"""Demo data of the societies app (idempotent); one module per area, called in order."""

from . import demo_registry


def seed(ctx) -> None:
    for module in (demo_registry,):
        module.seed(ctx)
