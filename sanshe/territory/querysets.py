from django.db import models

from sanshe.core.scoping import ScopedQuerySet

from .choices import child_level


class NodeQuerySet(ScopedQuerySet):
    def active(self):
        return self.filter(is_active=True)

    def at_level(self, level: str):
        return self.filter(level=level)

    def descendants_of(self, node, include_self: bool = False):
        qs = self.filter(**{f"{node.level}_id": node.pk})
        return qs if include_self else qs.exclude(pk=node.pk)

    def child_counts(self, node) -> dict[int, dict[str, int]]:
        """For each child of ``node``: how many active nodes of each lower level it holds (one query)."""
        level = child_level(node.level)
        if level is None:
            return {}
        rows = (
            self.filter(**{f"{node.level}_id": node.pk}, is_active=True)
            .exclude(level__in=[node.level, level])
            .values(f"{level}_id", "level")
            .annotate(n=models.Count("id"))
        )
        counts: dict[int, dict[str, int]] = {}
        for row in rows:
            counts.setdefault(row[f"{level}_id"], {})[row["level"]] = row["n"]
        return counts
