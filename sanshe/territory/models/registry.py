"""The resident registry: 一院一图 (compound), 一楼一册 (building → dwellings), 一户一档 (household file).

Every row copies its territory ancestors (district … building) so that scoping and counting are plain indexed
equality (see :mod:`sanshe.core.scoping`). Only :mod:`sanshe.territory.registry` (the services) writes them.
ID numbers and phones are encrypted at rest; a blind index finds them by exact value, and a masked copy is
what every list shows.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from sanshe.core.fields import EncryptedTextField
from sanshe.core.models import TimeStampedModel
from sanshe.core.scoping import ScopedQuerySet

from ..choices import (
    IdType,
    MoveKind,
    Occupancy,
    RegistrationKind,
    Relation,
    ResidentStatus,
    Sex,
    UnitKind,
)

REGISTRY_VIEW = "registry.view"


def _ancestor(level_label, *, null=True, db_index=True):
    return models.ForeignKey(
        "territory.Node", verbose_name=level_label, null=null, blank=null, on_delete=models.PROTECT,
        related_name="+", db_index=db_index,
    )


class AncestorsModel(TimeStampedModel):
    """Abstract: the copied territory ancestors of a registry row (scoping and counting columns)."""

    district = _ancestor(_("district"))
    street = _ancestor(_("street"))
    community = _ancestor(_("community"))
    grid = _ancestor(_("grid"))
    compound = _ancestor(_("compound"))
    building = _ancestor(_("building"))

    SCOPE_PERMISSION = REGISTRY_VIEW

    class Meta:
        abstract = True

    def copy_ancestors_from(self, node) -> None:
        """Copy district … building from a node at or below the levels this row has."""
        for level in ("district", "street", "community", "grid", "compound", "building"):
            setattr(self, f"{level}_id", getattr(node, f"{level}_id", None))


class Dwelling(AncestorsModel):
    """A dwelling (套/户) of a building: unit (单元), floor, room, and how it is used.

    The building page (一楼一册) draws a building's dwellings as floors × units.
    """

    building = models.ForeignKey(
        "territory.Node", verbose_name=_("building"), on_delete=models.PROTECT, related_name="dwellings",
    )
    unit = models.CharField(_("unit"), max_length=10, blank=True)
    floor = models.SmallIntegerField(_("floor"), null=True, blank=True)
    room = models.CharField(_("room"), max_length=20)
    occupancy = models.CharField(_("occupancy"), max_length=10, choices=Occupancy.choices, default=Occupancy.OCCUPIED)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("dwelling")
        verbose_name_plural = _("dwellings")
        ordering = ["building_id", "unit", "floor", "room"]
        constraints = [
            models.UniqueConstraint(fields=["building", "unit", "room"], name="dwelling_unique_room"),
        ]

    def __str__(self):
        unit = f"{self.unit}单元" if self.unit else ""
        return f"{unit}{self.room}"


class Household(AncestorsModel):
    """A household (户) and its file (一户一档): number, dwelling, registration kind, head, members."""

    number = models.CharField(_("household number"), max_length=40)
    dwelling = models.ForeignKey(
        Dwelling, verbose_name=_("dwelling"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="households",
    )
    registration_kind = models.CharField(
        _("registration kind"), max_length=12, choices=RegistrationKind.choices, default=RegistrationKind.REGISTERED
    )
    head = models.ForeignKey(
        "territory.Resident", verbose_name=_("head of household"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )
    is_active = models.BooleanField(_("active"), default=True)
    note = models.TextField(_("note"), blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("household")
        verbose_name_plural = _("households")
        ordering = ["community_id", "number"]
        constraints = [
            models.UniqueConstraint(fields=["community", "number"], name="household_unique_number"),
        ]

    def __str__(self):
        return self.number


class Resident(AncestorsModel):
    """A resident: identity (ID number encrypted, masked copy for screens), household, status and dates.

    Birth date and sex come from the ID number when it is a resident ID card. The same ID number cannot be
    registered twice in a district (unique blind index per district).

    Indexes are chosen for the resident search and the bulk import (a million rows at a time): the district,
    street, community and grid columns have no single-column index of their own, because the unique
    (district, ID number index) and the (street | community | grid, status, id) indexes begin with them; the
    blind indexes and the name get one plain b-tree each (the name's with ``varchar_pattern_ops`` on PostgreSQL,
    so that a name prefix search uses it), not Django's default pair.
    """

    district = _ancestor(_("district"), db_index=False)
    street = _ancestor(_("street"), db_index=False)
    community = _ancestor(_("community"), db_index=False)
    grid = _ancestor(_("grid"), db_index=False)
    name = models.CharField(_("name"), max_length=50)
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices, blank=True)
    ethnicity = models.CharField(_("ethnicity"), max_length=20, blank=True, default="汉族")
    id_type = models.CharField(_("ID type"), max_length=10, choices=IdType.choices, default=IdType.ID_CARD)
    id_number = EncryptedTextField(_("ID number"), blank=True)
    id_number_index = models.CharField(_("ID number index"), max_length=64, blank=True, editable=False)
    id_number_masked = models.CharField(_("ID number (masked)"), max_length=40, blank=True, editable=False)
    birth_date = models.DateField(_("birth date"), null=True, blank=True, db_index=True)
    phone = EncryptedTextField(_("phone"), blank=True)
    phone_index = models.CharField(_("phone index"), max_length=64, blank=True, editable=False)
    phone_masked = models.CharField(_("phone (masked)"), max_length=40, blank=True, editable=False)
    household = models.ForeignKey(
        Household, verbose_name=_("household"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="members",
    )
    dwelling = models.ForeignKey(
        Dwelling, verbose_name=_("dwelling"), null=True, blank=True, on_delete=models.PROTECT, related_name="+",
    )
    relation = models.CharField(_("relation to head"), max_length=20, choices=Relation.choices, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=ResidentStatus.choices, default=ResidentStatus.REGISTERED
    )
    move_in_date = models.DateField(_("move-in date"), null=True, blank=True)
    move_out_date = models.DateField(_("move-out date"), null=True, blank=True)
    death_date = models.DateField(_("date of death"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)

    objects = ScopedQuerySet.as_manager()

    AUDIT_MASKED = {"id_number": "id_number", "phone": "phone"}
    AUDIT_EXCLUDE = ("id_number_index", "phone_index", "id_number_masked", "phone_masked")

    class Meta:
        verbose_name = _("resident")
        verbose_name_plural = _("residents")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["district", "id_number_index"], condition=~models.Q(id_number_index=""),
                name="resident_unique_id_number_in_district",
            ),
        ]
        indexes = [
            models.Index(fields=["community", "status", "id"], name="resident_community_status"),
            models.Index(fields=["grid", "status", "id"], name="resident_grid_status"),
            models.Index(fields=["street", "status", "id"], name="resident_street_status"),
            models.Index(fields=["name"], name="resident_name", opclasses=["varchar_pattern_ops"]),
            models.Index(fields=["id_number_index"], name="resident_id_number_index"),
            models.Index(fields=["phone_index"], name="resident_phone_index"),
        ]

    def __str__(self):
        return self.name


class ResidentMove(models.Model):
    """One step of a resident's history: moved in, changed household, moved out, died, returned."""

    resident = models.ForeignKey(Resident, verbose_name=_("resident"), on_delete=models.CASCADE, related_name="moves")
    kind = models.CharField(_("kind"), max_length=10, choices=MoveKind.choices)
    date = models.DateField(_("date"))
    from_household = models.ForeignKey(
        Household, verbose_name=_("from household"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    to_household = models.ForeignKey(
        Household, verbose_name=_("to household"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
    )
    note = models.CharField(_("note"), max_length=255, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("resident move")
        verbose_name_plural = _("resident moves")
        ordering = ["resident_id", "date", "id"]

    def __str__(self):
        return f"{self.resident_id} {self.kind} {self.date}"


class HouseholdTimelineEntry(models.Model):
    """An entry of a household's file timeline (一户一档).

    The hook later capabilities use: a service of any app adds an entry (kind like ``gridops.event``,
    ``servicedesk.application``) pointing at its object. ``permission`` is what a reader needs to see the entry
    (e.g. case titles only for those who may read cases).
    """

    household = models.ForeignKey(
        Household, verbose_name=_("household"), on_delete=models.CASCADE, related_name="timeline"
    )
    resident = models.ForeignKey(
        Resident, verbose_name=_("resident"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(_("time"), db_index=True)
    kind = models.CharField(_("kind"), max_length=60)
    title = models.CharField(_("title"), max_length=255)
    object_type = models.CharField(_("object type"), max_length=100, blank=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    url = models.CharField(_("link"), max_length=255, blank=True)
    permission = models.CharField(_("permission needed to see it"), max_length=60, default=REGISTRY_VIEW)

    class Meta:
        verbose_name = _("household timeline entry")
        verbose_name_plural = _("household timeline entries")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["household", "-at"], name="timeline_household_at")]

    def __str__(self):
        return self.title


class TagType(TimeStampedModel):
    """A special-group tag (人员类别: 残疾人, 低保, 留守儿童 …): configuration, not code.

    ``detail_fields`` lists the details a tag of this type carries, e.g.
    ``[{"key": "grade", "label": "残疾等级", "required": true}]``. A type with ``derived_min_age`` (老年人: 60)
    is not assigned by hand: it is derived from the birth date.
    """

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=50)
    detail_fields = models.JSONField(_("detail fields"), default=list, blank=True)
    derived_min_age = models.PositiveSmallIntegerField(_("derived from age (minimum)"), null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    sort_order = models.PositiveSmallIntegerField(_("order"), default=100)

    class Meta:
        verbose_name = _("tag type")
        verbose_name_plural = _("tag types")
        ordering = ["sort_order", "code"]

    def __str__(self):
        return self.name


class ResidentTag(AncestorsModel):
    """A tag held by a resident, with its validity period and details (e.g. 低保 certificate number)."""

    resident = models.ForeignKey(Resident, verbose_name=_("resident"), on_delete=models.CASCADE, related_name="tags")
    tag_type = models.ForeignKey(TagType, verbose_name=_("tag"), on_delete=models.PROTECT, related_name="+")
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    details = models.JSONField(_("details"), default=dict, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("resident tag")
        verbose_name_plural = _("resident tags")
        ordering = ["resident_id", "tag_type_id"]
        constraints = [
            models.UniqueConstraint(fields=["resident", "tag_type", "valid_from"], name="resident_tag_unique"),
            models.CheckConstraint(
                condition=models.Q(valid_to__isnull=True) | models.Q(valid_from__isnull=True)
                | models.Q(valid_to__gte=models.F("valid_from")),
                name="resident_tag_valid_period",
            ),
        ]
        indexes = [models.Index(fields=["tag_type", "community"], name="resident_tag_type_community")]

    def __str__(self):
        return f"{self.resident_id}: {self.tag_type_id}"


class ResidentUnit(AncestorsModel):
    """A resident unit (驻区单位): an enterprise, school or state organ located in the territory."""

    name = models.CharField(_("name"), max_length=100)
    credit_code = models.CharField(_("unified social credit code"), max_length=18, blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=UnitKind.choices, default=UnitKind.ENTERPRISE)
    node = models.ForeignKey(
        "territory.Node", verbose_name=_("located in"), on_delete=models.PROTECT, related_name="resident_units"
    )
    address = models.CharField(_("address"), max_length=255, blank=True)
    contact_name = models.CharField(_("contact person"), max_length=50, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=30, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("resident unit")
        verbose_name_plural = _("resident units")
        ordering = ["community_id", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["credit_code"], condition=~models.Q(credit_code=""), name="resident_unit_credit_code_unique"
            ),
        ]

    def __str__(self):
        return self.name
