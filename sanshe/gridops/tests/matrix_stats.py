"""Permission matrix entries: grid governance, stats (see ``sanshe.core.matrix``).

The dashboard and its export take the territory from the query string (``?node=``); without it they show the
user's top node, so the matrix checks the roles; ``tests/test_dashboard.py`` checks a node outside the user's
territory (404).
"""

from sanshe.accounts.roles import Perm
from sanshe.core.matrix import UrlCase

MATRIX = {
    "gridops:dashboard": UrlCase(Perm.EVENTS_STATS),
    "gridops:dashboard_export": UrlCase(Perm.EVENTS_STATS),
}
