"""The one scoping mechanism: ``Model.objects.visible_to(user)``.

A user's reach comes from his role grants: each grant ties a role to a territory node. A scoped model
declares which permission reading it needs (``SCOPE_PERMISSION``) and which of its columns hold the copied
territory ancestors (``SCOPE_FIELDS``, level → column). ``visible_to`` turns the user's grants for that
permission into one indexed equality per level, never a tree walk:

    street grant 7      →  WHERE street_id IN (7)
    grid grants 31, 32  →  WHERE grid_id IN (31, 32)

A model may widen its scope by a relation that is not territory, in the same place: a classmethod
``scope_extra_q(user, permission) -> Q | None`` is OR-ed in (an event is also visible to the staff of the
handling unit it was dispatched to, and to the resident who reported it).

Base views and viewsets apply it; nothing else filters by territory by hand.
"""

from __future__ import annotations

from collections import defaultdict

from django.db import models

DEFAULT_SCOPE_FIELDS = {
    "district": "district_id",
    "street": "street_id",
    "community": "community_id",
    "grid": "grid_id",
    "compound": "compound_id",
    "building": "building_id",
}


def scope_q(model, user, permission: str | None = None) -> models.Q | None:
    """The filter that limits ``model`` to what ``user`` may reach with ``permission``; None when nothing."""
    if user is None or not user.is_authenticated or not user.is_active:
        return None
    permission = permission or model.SCOPE_PERMISSION
    fields = getattr(model, "SCOPE_FIELDS", DEFAULT_SCOPE_FIELDS)
    by_level: dict[str, set[int]] = defaultdict(set)
    for level, node_id in user.scope_nodes(permission):
        if level in fields:
            by_level[level].add(node_id)
    q = None
    for level, ids in sorted(by_level.items()):
        column = fields[level]
        term = models.Q(**{f"{column}__in": sorted(ids)}) if len(ids) > 1 else models.Q(**{column: next(iter(ids))})
        q = term if q is None else q | term
    extra = getattr(model, "scope_extra_q", None)
    if extra is not None:
        more = extra(user, permission)
        if more is not None:
            q = more if q is None else q | more
    return q


class ScopedQuerySet(models.QuerySet):
    def visible_to(self, user, permission: str | None = None):
        q = scope_q(self.model, user, permission)
        return self.none() if q is None else self.filter(q)

    def is_visible_to(self, obj, user, permission: str | None = None) -> bool:
        """Re-check one object inside a write transaction (does the user's scope still reach it?)."""
        return self.visible_to(user, permission).filter(pk=obj.pk).exists()
