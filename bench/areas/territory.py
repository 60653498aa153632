"""Scoped reads of the territory tree through the ORM (``visible_to``) against the same SQL on a bare cursor.

The ORM side builds the queryset, compiles it, runs it and makes model instances, with the user's grants
already loaded (as they are after the first lookup of a request); the raw side runs the captured statements
(the exact SQL and parameters the ORM sent) and fetches the rows.
"""

from __future__ import annotations

from django.db import connection

from bench.core import captured_sql, raw_runner
from sanshe.accounts.models import User
from sanshe.territory.models import Node

TITLE = "Territory: scoped queries, ORM vs raw SQL on the cursor"
NOTE = "ORM/raw = ratio of the p50s. rows = rows the ORM measure returns (counts excluded)."
ORDER = 10
ROLES = ["district_admin", "street_official", "grid_worker"]


def _home(user) -> Node:
    node_id = user.scope_nodes("territory.view")[0][1]
    return Node.objects.get(pk=node_id)


def _measures(user, node):
    def node_list():
        qs = Node.objects.visible_to(user).filter(is_active=True).order_by("code")
        return qs.count(), list(qs[:50])

    def children():
        return list(Node.objects.visible_to(user).filter(parent=node, is_active=True).order_by("code"))

    def child_counts():
        return Node.objects.visible_to(user).child_counts(node)

    return {
        "node list (count + first 50)": (node_list, lambda r: len(r[1])),
        "children of own node": (children, len),
        "child counts (one GROUP BY)": (child_counts, len),
    }


def run(b) -> None:
    for username in ROLES:
        user = User.objects.get(username=username)
        user.active_grants()  # cached on the instance, as within one request
        node = _home(user)
        for label, (fn, size) in _measures(user, node).items():
            with captured_sql(connection) as statements:
                rows = size(fn())
            orm = b.timed(fn)
            raw = b.timed(raw_runner(connection, statements))
            b.add(f"{label} · {username}", rows=rows, queries=len(statements), **{
                "ORM p50": orm.p50, "ORM p95": orm.p95, "raw p50": raw.p50, "raw p95": raw.p95,
                "ORM/raw": orm.p50 / raw.p50 if raw.p50 else None,
            })
