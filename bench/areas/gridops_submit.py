"""Grid governance (issue 4 item 10): 200 grid workers submitting events at once to gunicorn over loopback,
then a reconciliation that every acknowledged submission is stored exactly once.

Set-up: ``CLIENTS`` grid-worker accounts spread over the district's grids, each with an API token (written
directly: benchmark fixtures). gunicorn starts as a subprocess with the project's settings (the child's
``DATABASE_URL``) on a free loopback port. The load is bounded: ``SUBMISSIONS`` reports in total, ``CLIENTS``
sessions in flight (asyncio, one keep-alive connection each), each ``POST /api/v1/gridops/events/`` with an
``Idempotency-Key`` and a ``submission_key``. On purpose, ``RETRY_SHARE`` of the submissions are sent twice
with the same key: half as a retry after the answer (a phone that missed the answer), half as a twin racing
the first on a second connection (a phone that timed out and resent). Both must come back with the same event.

Reconciliation reads the database: every acknowledged submission's event exists (lost = 0), no submission made
two events (duplicated = 0, counted by submission key AND by the submission's serial in the description, so a
key that failed to dedupe would show), and every retry got the first answer's event id (mismatched = 0).

Printed: submissions/s (acknowledged logical submissions over the wall time), request latencies p50/p95/p99
(every request, retries included), errors (non-2xx and broken connections), lost, duplicated.
Targets on a 2-core machine: ≥ 200 submissions/s, p99 < 300 ms, 0 errors, 0 lost.

PostgreSQL only (the SQLite row says skipped). Environment knobs: ``SANSHE_BENCH_SUBMISSIONS`` (default 6000),
``SANSHE_BENCH_CLIENTS`` (200), ``SANSHE_BENCH_WEB_WORKERS`` (default 2 × cores + 1), ``SANSHE_BENCH_THREADS``
(default 1: sync workers). Standalone, on the database ``DATABASE_URL`` points at (seeded demo district)::

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/sanshe_x .venv/bin/python -m bench.areas.gridops_submit
"""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections import Counter
from pathlib import Path

TITLE = "Grid governance: 200 grid workers submitting events to gunicorn (PostgreSQL, loopback)"
NOTE = ("Targets (2 cores): ≥ 200 submissions/s, p99 < 300 ms, 0 errors, 0 lost. ms = request latency of every "
        "request, retries included; lost/duplicated from the reconciliation against the database. The CPU row: "
        "CPU per request of the web workers, the database and the load client, and the submissions/s those allow "
        "on this machine's cores (the ceiling).")
ORDER = 60
ROOT = Path(__file__).resolve().parent.parent.parent
CLIENTS = int(os.environ.get("SANSHE_BENCH_CLIENTS", 200))
SUBMISSIONS = int(os.environ.get("SANSHE_BENCH_SUBMISSIONS", 6000))
RETRY_SHARE = 0.10
PATH = "/api/v1/gridops/events/"
PREFIX = "bench_gw_"


# --- fixtures -----------------------------------------------------------------------------------------------------
def make_workers(n: int) -> list[dict]:
    """``n`` grid workers on the district's grids (one grid each, round robin) with an API token each."""
    from django.db import transaction

    from sanshe.accounts.models import ApiToken, RoleGrant, User
    from sanshe.accounts.roles import Role
    from sanshe.core import audit
    from sanshe.gridops.catalogue_seed import ensure_catalogue
    from sanshe.territory.models import Node

    ensure_catalogue()
    district = Node.objects.filter(level="district").order_by("code").first()
    grids = list(Node.objects.filter(district=district, level="grid", is_active=True).order_by("code")[:n])
    workers = []
    with transaction.atomic():
        for i in range(n):
            grid = grids[i % len(grids)]
            username = f"{PREFIX}{i:03d}"
            user = User.objects.filter(username=username).first()
            if user is None:
                user = User(username=username, full_name=f"压测网格员{i:03d}", district=district)
                user.set_unusable_password()
                user.save()
                RoleGrant.objects.create(user=user, role=Role.GRID_WORKER, node=grid)
            else:
                grid = Node.objects.get(pk=user.grants.filter(revoked_at__isnull=True).first().node_id)
            key = secrets.token_urlsafe(32)
            ApiToken.objects.create(user=user, name="bench", prefix=key[:8], key_hash=ApiToken.hash_key(key))
            ring = grid.geometry["coordinates"][0]
            lat = (min(p[1] for p in ring) + max(p[1] for p in ring)) / 2
            lng = (min(p[0] for p in ring) + max(p[0] for p in ring)) / 2
            workers.append({"user_id": user.pk, "token": key, "grid": grid.pk, "lat": lat, "lng": lng})
        audit.record("bench.fixtures", object_type="accounts.user", object_repr=f"{n} bench grid workers",
                     message="gridops_submit benchmark: grid workers with API tokens")
    return workers


def categories() -> list[int]:
    from sanshe.gridops.models import EventCategory

    return list(EventCategory.objects.filter(parent__isnull=False, is_active=True, is_dispute=False)
                .order_by("code").values_list("pk", flat=True))


# --- gunicorn ------------------------------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_gunicorn(port: int, workers: int, threads: int) -> subprocess.Popen:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "sanshe.settings", "SANSHE_DEBUG": "0"}
    cmd = [sys.executable, "-m", "gunicorn", "sanshe.wsgi:application", "--bind", f"127.0.0.1:{port}",
           "--workers", str(workers), "--threads", str(threads), "--backlog", "2048", "--log-level", "warning",
           "--timeout", "120", "--chdir", str(ROOT)]
    if threads > 1:
        cmd += ["--worker-class", "gthread"]
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {proc.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return proc
        except OSError:
            time.sleep(0.2)
    stop(proc)
    raise RuntimeError("gunicorn did not start")


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


# --- CPU accounting ------------------------------------------------------------------------------------------------
def cpu_seconds(match) -> float:
    """User + system CPU of the processes ``match(pid, comm, pgid)`` accepts, their reaped children included
    (the postmaster's count covers backends that have exited)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                raw = f.read()
        except OSError:
            continue
        comm = raw[raw.index("(") + 1:raw.rindex(")")]
        fields = raw[raw.rindex(")") + 2:].split()
        if match(int(entry), comm, int(fields[2])):
            total += sum(int(v) for v in fields[11:15])  # utime stime cutime cstime
    return total / tick


def cpu_snapshot(gunicorn_pgid: int) -> dict:
    return {"web": cpu_seconds(lambda pid, comm, pgid: pgid == gunicorn_pgid),
            "db": cpu_seconds(lambda pid, comm, pgid: comm.startswith("postgres")),
            "client": time.process_time()}


# --- the client ----------------------------------------------------------------------------------------------------
class Connection:
    """One keep-alive HTTP/1.1 connection (reopened when the server closes it)."""

    def __init__(self, port: int):
        self.port = port
        self.reader = self.writer = None

    async def request(self, body: bytes, headers: dict) -> tuple[int, bytes]:
        for attempt in (1, 2):
            if self.writer is None:
                self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
            head = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
            self.writer.write(f"POST {PATH} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                              f"Content-Length: {len(body)}\r\n{head}\r\n".encode() + body)
            try:
                await self.writer.drain()
                status_line = await self.reader.readline()
                if not status_line:
                    raise ConnectionError("closed")
                status = int(status_line.split()[1])
                length, close = 0, False
                while True:
                    line = await self.reader.readline()
                    if line in (b"\r\n", b"\n", b""):
                        break
                    name, _sep, value = line.decode("latin-1").partition(":")
                    name = name.strip().lower()
                    if name == "content-length":
                        length = int(value)
                    elif name == "connection" and value.strip().lower() == "close":
                        close = True
                data = await self.reader.readexactly(length) if length else b""
                if close:
                    await self.close()
                return status, data
            except (ConnectionError, asyncio.IncompleteReadError, OSError):
                await self.close()
                if attempt == 2:
                    raise
        raise ConnectionError("unreachable")

    async def close(self):
        if self.writer is not None:
            self.writer.close()
            try:
                await self.writer.wait_closed()
            except OSError:
                pass
        self.reader = self.writer = None


async def load(port: int, workers: list[dict], cats: list[int], total: int, run_id: str) -> dict:
    counter = iter(range(total))
    latencies: list[float] = []
    errors: Counter = Counter()
    acked: dict[str, tuple[int, int]] = {}  # submission key → (user id, event id)
    mismatched = 0
    retried = 0

    async def send(conn: Connection, worker: dict, serial: int, key: str, body: bytes) -> int | None:
        nonlocal mismatched
        headers = {"Authorization": f"Token {worker['token']}", "Idempotency-Key": key}
        t0 = time.perf_counter()
        try:
            status, data = await conn.request(body, headers)
        except Exception as exc:  # noqa: BLE001 - counted, never raised
            errors[type(exc).__name__] += 1
            return None
        latencies.append((time.perf_counter() - t0) * 1000)
        if status not in (200, 201):
            errors[f"HTTP {status}"] += 1
            if len(errors) < 4:
                print(f"  !! {status} {data[:300]!r}", file=sys.stderr)
            return None
        event_id = json.loads(data)["id"]
        if key in acked and acked[key][1] != event_id:
            mismatched += 1
        acked.setdefault(key, (worker["user_id"], event_id))
        return event_id

    async def session(i: int):
        nonlocal retried
        worker = workers[i % len(workers)]
        conn, twin = Connection(port), Connection(port)
        for serial in counter:
            key = f"{run_id}-{serial}-{uuid.uuid4().hex[:8]}"
            body = json.dumps({
                "category": cats[serial % len(cats)], "node": worker["grid"],
                "description": f"{run_id} #{serial} 压测上报：楼下垃圾堆放无人清运",
                "latitude": round(worker["lat"] + (serial % 50) * 1e-5, 6),
                "longitude": round(worker["lng"] + (serial % 37) * 1e-5, 6),
                "submission_key": key,
            }, ensure_ascii=False).encode()
            mode = serial % int(1 / RETRY_SHARE)  # 0: retry after the answer; 1: racing twin
            if mode == 1 and RETRY_SHARE:
                retried += 1
                await asyncio.gather(send(conn, worker, serial, key, body), send(twin, worker, serial, key, body))
            else:
                await send(conn, worker, serial, key, body)
                if mode == 0 and RETRY_SHARE:
                    retried += 1
                    await send(conn, worker, serial, key, body)
        await conn.close()
        await twin.close()

    t0 = time.perf_counter()
    await asyncio.gather(*(session(i) for i in range(len(workers))))
    wall = time.perf_counter() - t0
    return {"wall": wall, "latencies": latencies, "errors": errors, "acked": acked, "mismatched": mismatched,
            "retried": retried}


def reconcile(run_id: str, result: dict) -> dict:
    """Read back what the run stored: lost = acknowledged but missing (or another event); duplicated = a
    submission stored more than once (by its serial in the description, and by submission key)."""
    from django.db.models import Count

    from sanshe.gridops.models import Event

    stored = Event.objects.filter(description__startswith=f"{run_id} #")
    rows = list(stored.values_list("id", "submission_key", "description"))
    by_key = {key: pk for pk, key, _d in rows}
    lost = sum(1 for key, (user_id, event_id) in result["acked"].items()
               if by_key.get(f"u{user_id}:{key}") != event_id)
    per_serial = Counter(d.split(" ", 2)[1] for _pk, _k, d in rows)
    duplicated = sum(n - 1 for n in per_serial.values() if n > 1)
    duplicated += stored.values("submission_key").annotate(n=Count("id")).filter(n__gt=1).count()
    return {"stored": len(rows), "lost": lost, "duplicated": duplicated}


def percentile(samples: list[float], q: float) -> float | None:
    if not samples:
        return None
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, max(0, int(q * len(ordered) + 0.999999) - 1))]


def run(b) -> None:
    from django.db import connection

    if connection.vendor != "postgresql":
        b.add("skipped on SQLite (the target is gunicorn on PostgreSQL)", submissions=0)
        return
    cpus = os.cpu_count() or 2
    web_workers = int(os.environ.get("SANSHE_BENCH_WEB_WORKERS", 2 * cpus + 1))
    threads = int(os.environ.get("SANSHE_BENCH_THREADS", 1))
    workers = make_workers(CLIENTS)
    cats = categories()
    connection.close()  # gunicorn's workers get their own connections
    port = free_port()
    proc = start_gunicorn(port, web_workers, threads)
    run_id = f"bench-{uuid.uuid4().hex[:10]}"
    try:
        # Warm-up: every worker process imports and connects (not counted).
        asyncio.run(load(port, workers[:20], cats, 60, f"{run_id}w"))
        before = cpu_snapshot(proc.pid)
        result = asyncio.run(load(port, workers, cats, SUBMISSIONS, run_id))
        after = cpu_snapshot(proc.pid)
    finally:
        stop(proc)
    figures = reconcile(run_id, result)
    lat = result["latencies"]
    errors = sum(result["errors"].values())
    acked = len(result["acked"])
    b.add(f"{CLIENTS} sessions, {SUBMISSIONS:,} submissions (+{result['retried']:,} retried), gunicorn "
          f"{web_workers}×{threads}",
          **{"submissions/s": acked / result["wall"], "requests": len(lat) + errors, "p50": percentile(lat, .50),
             "p95": percentile(lat, .95), "p99": percentile(lat, .99), "errors": errors,
             "lost": figures["lost"] + (SUBMISSIONS - acked), "duplicated": figures["duplicated"],
             "retry mismatch": result["mismatched"]})
    # Where the CPU went, per acknowledged submission: the ceiling of this machine for this request path.
    requests = max(1, len(lat))
    per = {k: (after[k] - before[k]) * 1000 / requests for k in before}
    b.add(f"CPU per request (ms): gunicorn {per['web']:.1f}, PostgreSQL {per['db']:.1f}, load client "
          f"{per['client']:.1f}", **{"submissions/s": cpus * 1000 / max(0.001, sum(per.values())),
                                    "requests": len(lat)})
    b.log(f"ceiling on {cpus} cores = cores × 1000 / CPU ms per request (retries included)")
    if result["errors"]:
        b.log(f"errors: {dict(result['errors'])}")


# --- standalone ----------------------------------------------------------------------------------------------------
def main() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sanshe.settings")
    os.environ.setdefault("SANSHE_DEBUG", "0")
    import django

    django.setup()
    from bench.core import Bench, format_tables

    b = Bench(backend="postgres", runs=0, page_runs=0, audit_rows=0)
    b.area, b.title, b.note = "gridops_submit", TITLE, NOTE
    run(b)
    print(format_tables(b.results))


if __name__ == "__main__":
    main()
