"""Permission matrix entries for the social workers' roster (see ``sanshe.core.matrix``).

The "inside" worker (with a certificate) and training are in 和平社区 (C1, inside every role's territory), the
"outside" ones in the other district's community (C4). The subsidy table and roll are the district's
(``socialwork.subsidy``: the district admin only); "my profile" is the social worker's own page.
"""

from sanshe.accounts.roles import Perm
from sanshe.core.matrix import UrlCase

VIEW, MANAGE, SUBSIDY, PRACTICE = (Perm.SOCIALWORK_VIEW, Perm.SOCIALWORK_MANAGE, Perm.SOCIALWORK_SUBSIDY,
                                   Perm.SOCIALWORK_PRACTICE)


def workers_data(world, inside: bool) -> dict:
    import datetime as dt

    from sanshe.socialwork.choices_workers import CertificateLevel, TrainingKind
    from sanshe.socialwork.models_workers import Training

    from .workers_support import agency, cert, worker

    cache = world.__dict__.setdefault("_matrix_workers", {})
    if inside not in cache:
        node = world.nodes["C1" if inside else "C4"]
        org = agency(node, "矩阵社工中心" if inside else "远方社工中心")
        w = worker(node, "矩阵社工" if inside else "远方社工", employer=org)
        c = cert(w, CertificateLevel.INTERMEDIATE, number=f"MATRIX{int(inside)}")
        t = Training(title="矩阵培训", kind=TrainingKind.CENTRAL, held_on=dt.date(2026, 1, 5), hours=3)
        t.copy_ancestors_from(node)
        t.save()
        t.attendees.set([w])
        cache[inside] = {"worker": w, "cert": c, "training": t}
    return cache[inside]


def _worker(world, role, inside):
    return {"pk": workers_data(world, inside)["worker"].pk}


def _cert(world, role, inside):
    return {"pk": workers_data(world, inside)["cert"].pk}


def _training(world, role, inside):
    return {"pk": workers_data(world, inside)["training"].pk}


def _roll(world, role):
    return {"node": world.nodes["D1"].pk, "month": "2026-01"}


def _revoke(world, role):
    return {"reason": "矩阵", "revoked_on": "2026-02-01"}


MATRIX = {
    "socialwork:worker_list": UrlCase(VIEW),
    "socialwork:worker_create": UrlCase(MANAGE),
    "socialwork:worker_detail": UrlCase(VIEW, kwargs=_worker),
    "socialwork:worker_edit": UrlCase(MANAGE, kwargs=_worker),
    "socialwork:worker_post_create": UrlCase(MANAGE, kwargs=_worker),
    "socialwork:worker_post_end": UrlCase(MANAGE, kwargs=_worker, method="POST", data={"ended_on": "2026-03-31"},
                                          ok=(302,)),
    "socialwork:worker_certificate_create": UrlCase(MANAGE, kwargs=_worker),
    "socialwork:worker_certificate_edit": UrlCase(MANAGE, kwargs=_cert),
    "socialwork:worker_certificate_revoke": UrlCase(MANAGE, kwargs=_cert, method="POST", data=_revoke, ok=(302,)),
    "socialwork:my_profile": UrlCase(PRACTICE),
    "socialwork:subsidy_rates": UrlCase(SUBSIDY),
    "socialwork:subsidy_roll": UrlCase(SUBSIDY, data=_roll),
    "socialwork:subsidy_roll_export": UrlCase(SUBSIDY, data=_roll),
    "socialwork:subsidy_roll_confirm": UrlCase(SUBSIDY, method="POST", data=_roll, ok=(302,)),
    "socialwork:training_list": UrlCase(VIEW),
    "socialwork:training_create": UrlCase(MANAGE),
    "socialwork:training_detail": UrlCase(VIEW, kwargs=_training),
    "socialwork:training_edit": UrlCase(MANAGE, kwargs=_training),
    "socialwork:worker_figures": UrlCase(VIEW),
    # API
    "socialwork-worker-list": UrlCase(VIEW, api=True),
    "socialwork-worker-detail": UrlCase(VIEW, kwargs=_worker, api=True),
    "socialwork-certificate-list": UrlCase(VIEW, api=True),
    "socialwork-certificate-detail": UrlCase(VIEW, kwargs=_cert, api=True),
    "socialwork-certificate-revoke": UrlCase(MANAGE, kwargs=_cert, method="POST", data=_revoke, ok=(200, 400),
                                             api=True, note="the second revocation is refused (400)"),
    "socialwork-training-list": UrlCase(VIEW, api=True),
    "socialwork-training-detail": UrlCase(VIEW, kwargs=_training, api=True),
    "socialwork-subsidy-rate-list": UrlCase(SUBSIDY, api=True),
    "socialwork-subsidy-rate-detail": UrlCase(SUBSIDY, kwargs=lambda world, role, inside: {"pk": _rate(world, inside)},
                                              api=True),
    "socialwork-subsidy-roll-list": UrlCase(SUBSIDY, api=True),
    "socialwork-subsidy-roll-detail": UrlCase(SUBSIDY, kwargs=lambda world, role, inside: {"pk": _frozen(world, inside)},
                                              api=True),
    "socialwork-subsidy-roll-compute": UrlCase(SUBSIDY, data=_roll, api=True),
    "socialwork-subsidy-roll-confirm": UrlCase(SUBSIDY, method="POST", data=lambda w, r: {
        "node": w.nodes["D1"].pk, "month": "2025-12"}, ok=(201,), api=True),
}


def _rate(world, inside):
    import datetime as dt

    from .workers_support import rate

    cache = world.__dict__.setdefault("_matrix_rates", {})
    if inside not in cache:
        cache[inside] = rate(world.nodes["D1" if inside else "D2"], "intermediate", 600, dt.date(2020, 1, 1)).pk
    return cache[inside]


def _frozen(world, inside):
    from django.utils import timezone

    from sanshe.socialwork.models_workers import SubsidyRoll

    cache = world.__dict__.setdefault("_matrix_rolls", {})
    if inside not in cache:
        node = world.nodes["D1" if inside else "D2"]
        roll = SubsidyRoll(node=node, month=timezone.localdate().replace(day=1, year=2020), confirmed_at=timezone.now())
        roll.copy_ancestors_from(node)
        roll.save()
        cache[inside] = roll.pk
    return cache[inside]
