from django.db import models
from django.utils.translation import gettext_lazy as _


class Level(models.TextChoices):
    """Levels of the territory tree, from the district down to the building."""

    DISTRICT = "district", _("District")
    STREET = "street", _("Street")
    COMMUNITY = "community", _("Community")
    GRID = "grid", _("Grid")
    COMPOUND = "compound", _("Compound")
    BUILDING = "building", _("Building")


LEVEL_ORDER = [Level.DISTRICT, Level.STREET, Level.COMMUNITY, Level.GRID, Level.COMPOUND, Level.BUILDING]
LEVEL_DEPTH = {level: i for i, level in enumerate(LEVEL_ORDER)}


def parent_level(level: str) -> str | None:
    depth = LEVEL_DEPTH[level]
    return LEVEL_ORDER[depth - 1] if depth else None


def child_level(level: str) -> str | None:
    depth = LEVEL_DEPTH[level]
    return LEVEL_ORDER[depth + 1] if depth + 1 < len(LEVEL_ORDER) else None


def levels_below(level: str) -> list[str]:
    return LEVEL_ORDER[LEVEL_DEPTH[level] + 1 :]


def levels_at_or_above(level: str) -> list[str]:
    return LEVEL_ORDER[: LEVEL_DEPTH[level] + 1]
