from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


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


class Occupancy(models.TextChoices):
    """How a dwelling is used."""

    OCCUPIED = "occupied", _("Owner-occupied")
    RENTED = "rented", _("Rented out")
    VACANT = "vacant", pgettext_lazy("dwelling", "Vacant")  # 空置 (a grid post is 空缺)


class RegistrationKind(models.TextChoices):
    """户籍类型 of a household."""

    REGISTERED = "registered", _("Registered household")
    FLOATING = "floating", _("Floating population")
    LODGING = "lodging", _("Lodging")


class Sex(models.TextChoices):
    MALE = "M", _("Male")
    FEMALE = "F", _("Female")


class IdType(models.TextChoices):
    ID_CARD = "id_card", _("Resident ID card")
    HMT = "hmt", _("Hong Kong, Macao or Taiwan residence permit")
    PASSPORT = "passport", _("Passport")
    OTHER = "other", _("Other")


class ResidentStatus(models.TextChoices):
    REGISTERED = "registered", _("Registered")
    MOVED_OUT = "moved_out", _("Moved out")
    DECEASED = "deceased", _("Deceased")


class Relation(models.TextChoices):
    """与户主关系."""

    HEAD = "head", _("Head of household")
    SPOUSE = "spouse", _("Spouse")
    CHILD = "child", _("Child")
    PARENT = "parent", _("Parent")
    GRANDPARENT = "grandparent", _("Grandparent")
    GRANDCHILD = "grandchild", _("Grandchild")
    SIBLING = "sibling", _("Sibling")
    CHILD_IN_LAW = "child_in_law", _("Son- or daughter-in-law")
    OTHER_RELATIVE = "other_relative", _("Other relative")
    TENANT = "tenant", _("Tenant")
    OTHER = "other", _("Other")


class MoveKind(models.TextChoices):
    MOVE_IN = "move_in", _("Moved in")
    TRANSFER = "transfer", _("Changed household")
    MOVE_OUT = "move_out", _("Moved out")
    DEATH = "death", _("Died")
    RETURN = "return", _("Returned")


class UnitKind(models.TextChoices):
    """Kinds of resident units (驻区单位)."""

    ENTERPRISE = "enterprise", _("Enterprise")
    SCHOOL = "school", _("School")
    STATE_ORGAN = "state_organ", _("State organ")
    PUBLIC_INSTITUTION = "public_institution", _("Public institution")
    HOSPITAL = "hospital", _("Hospital")
    SOCIAL_ORG = "social_org", _("Social organization")
    OTHER = "other", _("Other")
