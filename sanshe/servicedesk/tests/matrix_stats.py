"""Permission matrix entries for the service cloud: the figures page and its export (``sanshe.core.matrix``).

Both take the territory from the query string (``?node=``, ``?station=``); without it they show the user's top
node, so the matrix checks the roles; ``tests/test_stats.py`` checks a node or station outside the user's
territory (404).
"""

from sanshe.accounts.roles import Perm
from sanshe.core.matrix import UrlCase

MATRIX = {
    "servicedesk:stats": UrlCase(Perm.SERVICES_STATS),
    "servicedesk:stats_export": UrlCase(Perm.SERVICES_STATS),
}
