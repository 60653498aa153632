"""Background tasks of the territory app: the resident import (django-tasks).

An import job lives in a directory of its own under ``VAR_DIR/registry_imports/<job id>/`` (no model, no
migration): ``job.json`` (who, where, which file, status and progress), ``upload`` (the file as uploaded),
``result.json`` (the result dict) and ``errors.xlsx`` (the error workbook). The page polls ``job.json`` for the
progress bar. The task re-checks the actor's permission and territory inside the import service.
"""

from __future__ import annotations

import json
import logging
import os
import re
import time
import uuid
from pathlib import Path

from django.conf import settings
from django.utils import timezone
from django_tasks import task

logger = logging.getLogger(__name__)
JOB_ID = re.compile(r"^[0-9a-f]{32}$")


def jobs_dir() -> Path:
    return Path(getattr(settings, "SANSHE_IMPORT_DIR", "") or Path(settings.VAR_DIR) / "registry_imports")


def job_dir(job_id: str) -> Path:
    if not JOB_ID.match(job_id or ""):
        raise FileNotFoundError(job_id)
    return jobs_dir() / job_id


def _write_json(path: Path, data: dict) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, ensure_ascii=False))
    os.replace(tmp, path)


def load_job(job_id: str) -> dict:
    """The job's state (``FileNotFoundError`` for an unknown id)."""
    return json.loads((job_dir(job_id) / "job.json").read_text())


def save_job(job: dict) -> None:
    _write_json(job_dir(job["id"]) / "job.json", job)


def load_result(job_id: str) -> dict | None:
    path = job_dir(job_id) / "result.json"
    return json.loads(path.read_text()) if path.exists() else None


def create_job(*, data: bytes, filename: str, actor, community, grid=None, dry_run: bool = False) -> dict:
    """Store the upload and the job's description; the caller enqueues :func:`run_registry_import`."""
    job_id = uuid.uuid4().hex
    path = jobs_dir() / job_id
    path.mkdir(parents=True, exist_ok=False)
    (path / "upload").write_bytes(data)
    job = {"id": job_id, "actor_id": actor.pk, "community_id": community.pk, "grid_id": grid.pk if grid else None,
           "filename": filename[:200], "dry_run": dry_run, "created_at": timezone.now().isoformat(),
           "status": "queued", "stage": "", "done": 0, "total": 0, "message": ""}
    save_job(job)
    return job


@task()
def run_registry_import(job_id: str) -> dict:
    """Run one resident import job; returns (and stores) the result dict."""
    from sanshe.accounts.models import User
    from sanshe.core.exceptions import Denied, OutOfScope
    from sanshe.core.ledgers import ErrorReport
    from sanshe.territory.imports_registry import ImportRefused, import_residents
    from sanshe.territory.models import Node

    job = load_job(job_id)
    job.update(status="running", started_at=timezone.now().isoformat())
    save_job(job)
    last = [0.0]

    def progress(stage: str, done: int, total: int) -> None:
        now = time.monotonic()
        if now - last[0] < 0.5 and done < total:
            return
        last[0] = now
        job.update(stage=stage, done=done, total=total)
        save_job(job)

    path = job_dir(job_id)
    report = ErrorReport()
    try:
        actor = User.objects.get(pk=job["actor_id"])
        community = Node.objects.get(pk=job["community_id"])
        grid = Node.objects.filter(pk=job["grid_id"]).first() if job.get("grid_id") else None
        result = import_residents((path / "upload").read_bytes(), job["filename"], actor=actor, community=community,
                                  grid=grid, dry_run=job["dry_run"], progress=progress, report=report)
    except (ImportRefused, Denied, OutOfScope) as exc:
        job.update(status="failed", message=str(exc) or "denied")
        save_job(job)
        return {"status": "failed", "message": job["message"]}
    except Exception as exc:
        logger.exception("registry import %s failed", job_id)
        job.update(status="failed", message=exc.__class__.__name__)
        save_job(job)
        raise
    _write_json(path / "result.json", result)
    if report:
        (path / "errors.xlsx").write_bytes(report.workbook())
    (path / "upload").unlink(missing_ok=True)  # personal data: keep it no longer than needed
    job.update(status="done", stage="done", done=result["rows"], total=result["rows"],
               finished_at=timezone.now().isoformat())
    save_job(job)
    return {"status": "done", "rows": result["rows"], "created": result["created"], "updated": result["updated"],
            "unchanged": result["unchanged"], "errors": len(result["errors"])}
