"""Permission matrix entries: grid governance, disputes (see ``sanshe.core.matrix``).

The "inside" dispute is in grid G1 (inside every role's territory), registered by the district admin so that
its level leaves room for every step; the "outside" one is in G5 of the other district.
"""

import datetime as dt

from sanshe.accounts.roles import Perm, Role
from sanshe.core.matrix import UrlCase

VIEW, MANAGE = Perm.DISPUTES_VIEW, Perm.DISPUTES_MANAGE
PDF = b"%PDF-1.4\n%%EOF\n"


def outsider(world):
    from sanshe.accounts.models import User
    from sanshe.accounts.services import bootstrap_account

    return User.objects.filter(username="t_matrix_d2_street").first() or bootstrap_account(
        username="t_matrix_d2_street", password="Test-pass-123", role=Role.STREET_OFFICIAL, node=world.nodes["S4"])


def dispute_data(world, inside: bool) -> dict:
    from sanshe.gridops import services_disputes as sd

    cache = world.__dict__.setdefault("_matrix_disputes", {})
    if inside not in cache:
        actor = world.user(Role.COMMUNITY_WORKER) if inside else outsider(world)
        dispute = sd.register_dispute(actor=actor, node=world.nodes["G1" if inside else "G5"], kind="neighbour",
                                      summary="矩阵纠纷", parties=[{"name": "张三", "phone": "13800001234"}])
        attachment = sd.add_attachment(dispute, actor=actor, file=PDF, name="协议.pdf")
        cache[inside] = {"dispute": dispute, "attachment": attachment}
    return cache[inside]


def _pk(world, role, inside):
    return {"pk": dispute_data(world, inside)["dispute"].pk}


def _attachment(world, role, inside):
    data = dispute_data(world, inside)
    return {"pk": data["dispute"].pk, "attachment_pk": data["attachment"].pk}


def _session(world, role):
    return {"held_on": dt.date.today().isoformat(), "mediator_name": "矩阵调解员", "minutes": "调解记录",
            "result": "continue"}


MATRIX = {
    "gridops:dispute_list": UrlCase(VIEW),
    "gridops:dispute_create": UrlCase(MANAGE),
    "gridops:dispute_resident_pick": UrlCase(MANAGE),
    "gridops:dispute_ledger": UrlCase(VIEW),
    "gridops:dispute_ledger_export": UrlCase(VIEW),
    "gridops:dispute_detail": UrlCase(VIEW, kwargs=_pk),
    "gridops:dispute_session": UrlCase(MANAGE, kwargs=_pk),
    "gridops:dispute_outcome": UrlCase(MANAGE, kwargs=_pk),
    "gridops:dispute_attach": UrlCase(MANAGE, kwargs=_pk, method="POST", data={"kind": "other"}, ok=(302,)),
    "gridops:dispute_attachment": UrlCase(VIEW, kwargs=_attachment),
    "gridops:dispute_risk": UrlCase(MANAGE, kwargs=_pk, method="POST", data={"risk_level": "yellow", "note": "x"},
                                    ok=(302,)),
    # API
    "gridops-dispute-list": UrlCase(VIEW, api=True),
    "gridops-dispute-detail": UrlCase(VIEW, kwargs=_pk, api=True),
    "gridops-dispute-sessions": UrlCase(MANAGE, kwargs=_pk, method="POST", data=_session, ok=(201,), api=True),
    "gridops-dispute-step": UrlCase(MANAGE, kwargs=_pk, method="POST", data={"action": "nope"}, ok=(400,),
                                    api=True, note="an unknown step: 400 inside, 404 outside, 403 without the right"),
}
