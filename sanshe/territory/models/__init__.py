"""Territory models: the tree (nodes) and the resident registry that hangs from it."""

from .nodes import Node
from .registry import (
    Dwelling,
    Household,
    HouseholdTimelineEntry,
    Resident,
    ResidentMove,
    ResidentTag,
    ResidentUnit,
    TagType,
)

__all__ = [
    "Node", "Dwelling", "Household", "HouseholdTimelineEntry", "Resident", "ResidentMove", "ResidentTag",
    "ResidentUnit", "TagType",
]
