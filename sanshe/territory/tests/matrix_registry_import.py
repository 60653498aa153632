"""Permission matrix entries of the registry (import) URLs.

A job belongs to a community: "inside" is a finished job of 和平社区 (C1, inside both importing roles' territory),
"outside" one of the other district's community (C4).
"""

import json

from sanshe.accounts.roles import Perm
from sanshe.core.matrix import UrlCase

IMPORT = Perm.REGISTRY_IMPORT


def _job(world, role, inside):
    import tempfile

    from django.conf import settings

    from sanshe.territory import tasks

    if not getattr(settings, "SANSHE_IMPORT_DIR", ""):
        settings.SANSHE_IMPORT_DIR = tempfile.mkdtemp(prefix="sanshe-matrix-imports-")  # test process only

    community = world.nodes["C1" if inside else "C4"]
    job = tasks.create_job(data=b"", filename="matrix.csv", actor=world.user(role), community=community)
    path = tasks.job_dir(job["id"])
    (path / "result.json").write_text(json.dumps(
        {"rows": 1, "created": 0, "updated": 0, "unchanged": 0, "errors": [{"row": 2, "column": "姓名",
                                                                            "reason": "x"}]}))
    (path / "errors.xlsx").write_bytes(b"PK")
    job.update(status="done")
    tasks.save_job(job)
    return {"job_id": job["id"]}


MATRIX: dict = {
    "territory:registry_import": UrlCase(IMPORT),
    "territory:registry_import_template": UrlCase(IMPORT),
    "territory:registry_import_job": UrlCase(IMPORT, kwargs=_job),
    "territory:registry_import_status": UrlCase(IMPORT, kwargs=_job),
    "territory:registry_import_errors": UrlCase(IMPORT, kwargs=_job),
}
