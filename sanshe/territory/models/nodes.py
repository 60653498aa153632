"""The territory tree: district → street → community → grid → compound → building."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from sanshe.core.models import TimeStampedModel

from ..choices import LEVEL_ORDER, Level
from ..querysets import NodeQuerySet


class Node(TimeStampedModel):
    """A node of the territory tree (区, 街道, 社区, 网格, 小区/院落 or 楼栋).

    Codes: a district has its 6-digit administrative code; streets and communities their 12-digit statistical
    division codes (a street's ends in 000 and starts with its district's code; a community's starts with its
    street's first nine digits); a grid's code is its community's code plus three digits, a compound's its
    grid's plus three, a building's its compound's plus three.

    The ancestors are copied onto the row (``district``, ``street`` … ``building``; the node's own level
    points to itself) so scoping and counting are plain indexed equality. Only
    :mod:`sanshe.territory.services` changes nodes, and it keeps these columns right when a node moves.
    """

    Level = Level

    level = models.CharField(_("level"), max_length=10, choices=Level.choices, db_index=True)
    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)
    parent = models.ForeignKey(
        "self", verbose_name=_("parent"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    geometry = models.JSONField(
        _("boundary or position (GeoJSON)"), null=True, blank=True,
        help_text=_("A GeoJSON geometry: Polygon or MultiPolygon for a boundary, Point for a position."),
    )
    is_active = models.BooleanField(_("active"), default=True, db_index=True)
    retired_at = models.DateTimeField(_("retired at"), null=True, blank=True)
    retired_reason = models.CharField(_("reason for retiring"), max_length=255, blank=True)

    district = models.ForeignKey(
        "self", verbose_name=_("district"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    street = models.ForeignKey(
        "self", verbose_name=_("street"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    community = models.ForeignKey(
        "self", verbose_name=_("community"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    grid = models.ForeignKey(
        "self", verbose_name=_("grid"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    compound = models.ForeignKey(
        "self", verbose_name=_("compound"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    building = models.ForeignKey(
        "self", verbose_name=_("building"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    objects = NodeQuerySet.as_manager()

    SCOPE_PERMISSION = "territory.view"

    class Meta:
        verbose_name = _("territory node")
        verbose_name_plural = _("territory nodes")
        ordering = ["code"]
        indexes = [
            models.Index(fields=["parent", "is_active", "code"], name="node_parent_active_code"),
            models.Index(fields=["level", "is_active"], name="node_level_active"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(level="district", parent__isnull=True)
                | (~models.Q(level="district") & models.Q(parent__isnull=False)),
                name="node_parent_iff_not_district",
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def depth(self) -> int:
        return LEVEL_ORDER.index(self.level)

    @property
    def audit_territory(self) -> str:
        return self.code

    def ancestor_ids(self) -> dict[str, int | None]:
        return {level: getattr(self, f"{level}_id") for level in LEVEL_ORDER}

    def ancestors(self) -> list["Node"]:
        """The chain from the district down to the parent, in one query."""
        ids = [getattr(self, f"{level}_id") for level in LEVEL_ORDER[: self.depth]]
        nodes = {n.pk: n for n in Node.objects.filter(pk__in=[i for i in ids if i])}
        return [nodes[i] for i in ids if i in nodes]
