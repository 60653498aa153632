"""Operations: /healthz, the production deploy check, demo seeding, the task worker, bootstrap commands."""

from __future__ import annotations

import base64
import io
import os
import secrets
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_tasks_db.models import DBTaskResult

from sanshe.accounts.models import RoleGrant, User
from sanshe.core.models import AuditEntry, WorkerHeartbeat
from sanshe.gridops.models import Event
from sanshe.territory.models import Node, Resident

BASE_DIR = Path(__file__).resolve().parents[3]
MANAGE = str(BASE_DIR / "manage.py")
TASKS_TABLE = DBTaskResult._meta.db_table


def _subprocess_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """Environment for a ``manage.py`` child: real settings, its own SQLite file under ``tmp_path``."""
    # Nothing of the test process's own set-up leaks in (e2e fixtures set DJANGO_ALLOW_ASYNC_UNSAFE, which the
    # deploy check rightly flags).
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("SANSHE_", "DATABASE_URL", "DJANGO_"))}
    env.update(DJANGO_SETTINGS_MODULE="sanshe.settings", SANSHE_VAR_DIR=str(tmp_path), PYTHONUNBUFFERED="1")
    env.update(extra)
    return env


def _counts() -> dict[str, int]:
    return {
        "nodes": Node.objects.count(),
        "users": User.objects.count(),
        "grants": RoleGrant.objects.count(),
        "totp": TOTPDevice.objects.count(),
        "audit": AuditEntry.objects.count(),
    }


# --- /healthz -------------------------------------------------------------------------------------------------

@pytest.mark.django_db
def test_healthz_ok_with_a_fresh_heartbeat(client):
    now = timezone.now()
    WorkerHeartbeat.objects.create(worker_id="w1", hostname="test", pid=1, started_at=now, last_seen=now)
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok" and body["database"] == "ok"
    assert body["worker"]["status"] == "ok" and body["worker"]["live_workers"] == 1


@pytest.mark.django_db
def test_healthz_503_without_a_worker(client):
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["worker"]["status"] == "down"


@pytest.mark.django_db
def test_healthz_503_with_a_stale_heartbeat(client, settings):
    old = timezone.now() - timedelta(seconds=settings.SANSHE_WORKER_STALE_SECONDS + 30)
    WorkerHeartbeat.objects.create(worker_id="w1", hostname="test", pid=1, started_at=old, last_seen=old)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["worker"]["live_workers"] == 0


# --- production settings ---------------------------------------------------------------------------------------

def test_check_deploy_is_clean_under_production_settings(tmp_path):
    env = _subprocess_env(
        tmp_path,
        SANSHE_ENV="production",
        SANSHE_SECRET_KEY=secrets.token_urlsafe(60),
        SANSHE_FIELD_KEY=base64.b64encode(secrets.token_bytes(32)).decode(),
        SANSHE_ALLOWED_HOSTS="sanshe.example.org",
    )
    result = subprocess.run([sys.executable, MANAGE, "check", "--deploy", "--fail-level", "WARNING"], env=env,
                            cwd=BASE_DIR, capture_output=True, text=True, timeout=120)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "System check identified no issues" in output, output
    assert "WARNINGS" not in output and "ERRORS" not in output, output


def test_production_refuses_to_start_without_secrets(tmp_path):
    env = _subprocess_env(tmp_path, SANSHE_ENV="production")
    result = subprocess.run([sys.executable, MANAGE, "check"], env=env, cwd=BASE_DIR, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode != 0
    assert "SANSHE_SECRET_KEY" in result.stderr


@pytest.mark.django_db
def test_demo_commands_refuse_under_production_settings():
    with override_settings(PRODUCTION=True):
        with pytest.raises(CommandError, match="production"):
            call_command("seed_demo", stdout=io.StringIO())
        with pytest.raises(CommandError, match="production"):
            call_command("totp_code", "system_admin", stdout=io.StringIO())
    assert not Node.objects.exists() and not User.objects.exists()


# --- demo seeding ----------------------------------------------------------------------------------------------

DEMO_ACCOUNTS = {
    "district_admin": ("district_admin", "510197"),
    "street_official": ("street_official", "510197001000"),
    "community_worker": ("community_worker", "510197001001"),
    "grid_worker": ("grid_worker", "510197001001001"),
    "grid_worker_2": ("grid_worker", "510197001001002"),
    "system_admin": ("system_admin", "510197"),
    "security_admin": ("security_admin", "510197"),
    "audit_admin": ("audit_admin", "510197"),
}


@pytest.mark.django_db
def test_seed_demo_builds_the_district_and_accounts_and_twice_duplicates_nothing():
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    levels = {level: Node.objects.filter(level=level).count() for level in Node.Level.values}
    assert levels["district"] == 1 and levels["street"] == 3 and levels["community"] == 6
    assert levels["grid"] == 24
    assert levels["compound"] >= 2 * levels["grid"] and levels["building"] >= 2 * levels["compound"]
    assert not Node.objects.filter(level__in=["grid", "compound"], geometry__isnull=True).exists()
    assert Node.objects.filter(level="building").first().geometry["type"] == "Point"

    for username, (role, code) in DEMO_ACCOUNTS.items():
        user = User.objects.get(username=username)
        assert user.check_password("sanshe-demo")
        assert [(g.role, g.node_code) for g in user.active_grants()] == [(role, code)], username
        assert username in out.getvalue()
    for admin in ("system_admin", "security_admin", "audit_admin"):
        assert TOTPDevice.objects.filter(user__username=admin, confirmed=True).count() == 1
    # The seeded territory is really scoped: the grid worker sees his grid only.
    grid_worker = User.objects.get(username="grid_worker")
    assert set(Node.objects.visible_to(grid_worker).values_list("grid__code", flat=True)) == {"510197001001001"}

    before = _counts()
    second = io.StringIO()
    call_command("seed_demo", stdout=second)
    assert _counts() == before
    assert "nothing to add" in second.getvalue()


@pytest.mark.django_db
def test_totp_code_prints_a_code_the_device_accepts():
    call_command("seed_demo", stdout=io.StringIO())
    out = io.StringIO()
    call_command("totp_code", "security_admin", stdout=out)
    code = out.getvalue().strip()
    assert len(code) == 6 and code.isdigit()
    assert TOTPDevice.objects.get(user__username="security_admin").verify_token(code)
    with pytest.raises(CommandError):
        call_command("totp_code", "grid_worker", stdout=io.StringIO())


@pytest.mark.django_db
def test_seed_demo_district_scale_adds_the_rest_with_one_audit_entry_per_level():
    call_command("seed_demo", stdout=io.StringIO())
    levels = AuditEntry.objects.filter(action="demo.seeded", changes__level__isnull=False)
    audit_before = levels.count()
    events_before = Event.objects.count()  # the demo's own, through the services (grid workflow, hotline …)
    call_command("seed_demo", "--scale", "district", "--residents", "2000", "--events", "500",
                 stdout=io.StringIO())
    assert Node.objects.filter(level="street").count() == 14
    assert Node.objects.filter(level="community").count() == 108
    assert 1400 <= Node.objects.filter(level="grid").count() <= 1600
    assert levels.count() - audit_before == 5  # one per level: street, community, grid, compound, building
    assert Resident.objects.count() >= 2000 + 2000 and Event.objects.count() - events_before == 500
    summary = AuditEntry.objects.filter(action="demo.seeded", changes__level="building").get()
    assert summary.changes["created"] == Node.objects.filter(level="building").count() - 288
    # Bulk-inserted nodes carry their ancestors and point to themselves, like service-made ones.
    building = Node.objects.filter(level="building").order_by("-code").first()
    assert building.building_id == building.pk and building.compound_id == building.parent_id
    assert building.district.code == "510197" and building.street.code == building.code[:9] + "000"
    before = _counts()
    call_command("seed_demo", "--scale", "district", "--residents", "2000", "--events", "500",
                 stdout=io.StringIO())
    assert _counts() == before


# --- bootstrap commands ----------------------------------------------------------------------------------------

@pytest.mark.django_db
def test_bootstrap_district_and_create_account(monkeypatch):
    out = io.StringIO()
    call_command("bootstrap_district", "510108", "成华区", stdout=out)
    assert "created" in out.getvalue()
    call_command("bootstrap_district", "510108", "成华区", stdout=out)
    assert Node.objects.filter(code="510108").count() == 1
    with pytest.raises(CommandError):
        call_command("bootstrap_district", "5101", "坏区", stdout=out)

    monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))
    with pytest.raises(CommandError, match="Password refused"):
        call_command("create_account", "sysadmin", role="system_admin", node="510108", password_stdin=True,
                     stdout=out)
    monkeypatch.setattr("sys.stdin", io.StringIO("Lantern-Mango-2024!\n"))
    call_command("create_account", "sysadmin", role="system_admin", node="510108", full_name="张三",
                 password_stdin=True, stdout=out)
    user = User.objects.get(username="sysadmin")
    assert user.check_password("Lantern-Mango-2024!") and user.full_name == "张三"
    assert user.district.code == "510108" and user.roles() == {"system_admin"}
    assert user.needs_second_factor
    assert AuditEntry.objects.filter(action="accounts.role.granted", object_id=str(user.grants.get().pk)).exists()
    with pytest.raises(CommandError):  # a second platform administrator role for the same account
        call_command("create_account", "sysadmin", role="audit_admin", node="510108", stdout=out)
    with pytest.raises(CommandError, match="No territory node"):
        call_command("create_account", "x", role="system_admin", node="999999", stdout=out)


# --- the task worker -------------------------------------------------------------------------------------------

def _poll(db: Path, sql: str, until, timeout: float = 60.0):
    deadline = time.monotonic() + timeout
    rows = None
    while time.monotonic() < deadline:
        try:
            with sqlite3.connect(db, timeout=5) as conn:
                rows = conn.execute(sql).fetchall()
        except sqlite3.OperationalError:
            rows = None
        if rows is not None and until(rows):
            return rows
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting on {sql!r}; last rows: {rows!r}")


def test_run_worker_beats_runs_a_task_and_stops(tmp_path):
    """A real worker process against a file SQLite database: heartbeat, the ``ping`` task, clean stop."""
    env = _subprocess_env(tmp_path)
    run = {"env": env, "cwd": BASE_DIR, "capture_output": True, "text": True, "timeout": 180}
    migrated = subprocess.run([sys.executable, MANAGE, "migrate", "-v0"], **run)
    assert migrated.returncode == 0, migrated.stderr
    enqueued = subprocess.run(
        [sys.executable, MANAGE, "shell", "-c", "from sanshe.core.tasks import ping; print(ping.enqueue('hi').id)"],
        **run,
    )
    assert enqueued.returncode == 0, enqueued.stderr
    db = tmp_path / "sanshe.sqlite3"
    assert _poll(db, f"SELECT status FROM {TASKS_TABLE}", lambda r: r == [("READY",)])

    worker = subprocess.Popen(
        [sys.executable, MANAGE, "run_worker", "--no-reload", "--no-startup-delay", "--interval", "0.2"],
        env=env, cwd=BASE_DIR, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    try:
        beats = _poll(db, "SELECT worker_id, pid FROM core_workerheartbeat", lambda r: len(r) == 1)
        assert beats[0][1] == worker.pid
        done = _poll(db, f"SELECT status, return_value FROM {TASKS_TABLE}",
                     lambda r: r and r[0][0] in ("SUCCESSFUL", "FAILED"))
        assert done[0][0] == "SUCCESSFUL" and '"hi"' in done[0][1]
        worker.send_signal(signal.SIGINT)
        output, _unused = worker.communicate(timeout=30)
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait()
    assert worker.returncode == 0, output
    with sqlite3.connect(db) as conn:  # a stopped worker removes its heartbeat
        assert conn.execute("SELECT COUNT(*) FROM core_workerheartbeat").fetchone() == (0,)
