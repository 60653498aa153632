"""Permission matrix entries: grid governance, patrols (see ``sanshe.core.matrix``).

A role that patrols gets its own running patrol in its grid (G1) as the "inside" object; the "outside" one is a
patrol in G5 of the other district. Roles without the patrol permission (refused before any lookup) and the
readers of patrols use the grid worker's patrol.
"""

import json

from sanshe.accounts.roles import ROLE_SPECS, Perm, Role
from sanshe.core.matrix import UrlCase

VIEW = Perm.EVENTS_VIEW


def patrol_for(world, role, inside: bool):
    from sanshe.accounts.models import User
    from sanshe.accounts.services import bootstrap_account
    from sanshe.gridops import services_patrols as sp

    cache = world.__dict__.setdefault("_matrix_patrols", {})
    if not inside:
        role = "outside"
    elif Perm.PATROL not in ROLE_SPECS[role].permissions:
        role = Role.GRID_WORKER
    if role not in cache:
        if role == "outside":
            user = User.objects.filter(username="t_matrix_g5").first() or bootstrap_account(
                username="t_matrix_g5", password="Test-pass-123", role=Role.GRID_WORKER, node=world.nodes["G5"])
        else:
            user = world.user(role)
        cache[role] = sp.running_patrol(user) or sp.start_patrol(actor=user)
    return cache[role]


def _pk(world, role, inside):
    return {"pk": patrol_for(world, role, inside).pk}


def _reader_pk(world, role, inside):
    """Reading: the grid worker's patrol (inside every reader's territory) or the outside one."""
    return {"pk": patrol_for(world, Role.GRID_WORKER if inside else role, inside).pk}


def _points(world, role):
    from django.utils import timezone

    return {"points": json.dumps([{"lat": 30.65, "lng": 104.06, "at": timezone.now().isoformat()}])}


def _api_points(world, role):
    from django.utils import timezone

    return {"points": [{"lat": 30.65, "lng": 104.06, "at": timezone.now().isoformat()}]}


MATRIX = {
    "gridops:patrol_list": UrlCase(VIEW),
    "gridops:patrol_my": UrlCase(Perm.PATROL),
    "gridops:patrol_start": UrlCase(Perm.PATROL, method="POST", ok=(302,)),
    "gridops:patrol_coverage": UrlCase(VIEW),
    "gridops:patrol_detail": UrlCase(VIEW, kwargs=_reader_pk),
    "gridops:patrol_points": UrlCase(Perm.PATROL, kwargs=_pk, method="POST", data=_points),
    "gridops:patrol_end": UrlCase(Perm.PATROL, kwargs=_pk, method="POST", ok=(302,)),
    # API
    "gridops-patrol-list": UrlCase(VIEW, api=True),
    "gridops-patrol-detail": UrlCase(VIEW, kwargs=_reader_pk, api=True),
    "gridops-patrol-points": UrlCase(Perm.PATROL, kwargs=_pk, method="POST", data=_api_points, api=True),
    "gridops-patrol-end": UrlCase(Perm.PATROL, kwargs=_pk, method="POST", api=True),
}
