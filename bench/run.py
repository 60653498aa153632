#!/usr/bin/env python
"""``make bench``: build the district-scale demo territory on SQLite and on PostgreSQL (when reachable), run
every area of ``bench/areas/`` on each, and print one table per area. Figures only; nothing is asserted.

    .venv/bin/python bench/run.py [--backends sqlite,postgres] [--only territory,pages] [--runs 200]

Each backend runs in a child process (its own settings: DATABASE_URL, SANSHE_VAR_DIR, DEBUG off) on a fresh
database: ``var/bench/sanshe.sqlite3`` and the PostgreSQL database ``sanshe_bench`` (dropped and re-created;
change it with ``--pg-url``). The benchmark databases are throw-away: the audit benchmark writes raw rows
beside the chain, so ``verify_audit`` fails on them by design.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import pkgutil
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.core import Bench, format_tables  # noqa: E402

DEFAULT_PG_URL = "postgres://postgres@127.0.0.1:5432/sanshe_bench"


def area_modules(only: list[str] | None):
    import bench.areas

    modules = []
    for info in pkgutil.iter_modules(bench.areas.__path__):
        if only and info.name not in only:
            continue
        modules.append(importlib.import_module(f"bench.areas.{info.name}"))
    return sorted(modules, key=lambda m: (getattr(m, "ORDER", 100), m.__name__))


# --- child: one backend -----------------------------------------------------------------------------------------

def child(args) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sanshe.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    from sanshe.territory.models import Node

    Path(settings.STATIC_ROOT).mkdir(parents=True, exist_ok=True)  # whitenoise warns when it is missing
    b = Bench(backend=args.backend, runs=args.runs, page_runs=args.page_runs, audit_rows=args.audit_rows)
    b.area, b.title = "setup", "Setup: a fresh database with the district-scale demo territory"
    b.log(f"{connection.vendor} {connection.Database.__name__}: migrating")
    t0 = time.perf_counter()
    call_command("migrate", verbosity=0, interactive=False)
    b.add("migrate (all apps)", seconds=time.perf_counter() - t0)
    b.log("seeding: seed_demo --scale district")
    t0 = time.perf_counter()
    call_command("seed_demo", scale="district", verbosity=0)
    seconds = time.perf_counter() - t0
    nodes = Node.objects.count()
    b.add("seed_demo --scale district", seconds=seconds, nodes=nodes, **{"nodes/s": nodes / seconds})
    for module in area_modules(args.only):
        b.area = module.__name__.rsplit(".", 1)[-1]
        b.title = getattr(module, "TITLE", b.area)
        b.note = getattr(module, "NOTE", "")
        b.log(f"area {b.area}")
        module.run(b)
    Path(args.json_out).write_text(json.dumps(b.results, ensure_ascii=False))


# --- parent: every backend ----------------------------------------------------------------------------------------

def _pg_prepare(url: str) -> str | None:
    """Drop and re-create the benchmark database; None when the server cannot be reached."""
    import dj_database_url
    import psycopg
    from psycopg import sql

    cfg = dj_database_url.parse(url)
    try:
        with psycopg.connect(dbname="postgres", user=cfg.get("USER") or None, password=cfg.get("PASSWORD") or None,
                             host=cfg.get("HOST") or None, port=cfg.get("PORT") or None, connect_timeout=5,
                             autocommit=True) as conn:
            name = sql.Identifier(cfg["NAME"])
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))
            conn.execute(sql.SQL("CREATE DATABASE {}").format(name))
    except Exception as exc:  # noqa: BLE001
        return f"{exc.__class__.__name__}: {str(exc).strip().splitlines()[0]}"
    return None


def parent(args) -> int:
    backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    results: list[dict] = []
    skipped: list[str] = []
    started = time.perf_counter()
    for backend in backends:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("SANSHE_", "DATABASE_URL"))}
        env.update(DJANGO_SETTINGS_MODULE="sanshe.settings", SANSHE_DEBUG="0", PYTHONUNBUFFERED="1")
        if backend == "sqlite":
            var = ROOT / "var" / "bench"
            shutil.rmtree(var, ignore_errors=True)
            var.mkdir(parents=True)
            env["SANSHE_VAR_DIR"] = str(var)
        elif backend == "postgres":
            problem = _pg_prepare(args.pg_url)
            if problem:
                skipped.append(f"PostgreSQL not reachable at {args.pg_url} ({problem}): its figures are MISSING.")
                print(f"!! {skipped[-1]}", file=sys.stderr)
                continue
            env["DATABASE_URL"] = args.pg_url
            env["SANSHE_VAR_DIR"] = tempfile.mkdtemp(prefix="sanshe-bench-")
        else:
            raise SystemExit(f"unknown backend {backend!r} (sqlite, postgres)")
        with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as tmp:
            out = tmp.name
        cmd = [sys.executable, __file__, "--child", "--backend", backend, "--json-out", out,
               "--runs", str(args.runs), "--page-runs", str(args.page_runs), "--audit-rows", str(args.audit_rows)]
        if args.only:
            cmd += ["--only", ",".join(args.only)]
        done = subprocess.run(cmd, env=env, cwd=ROOT)
        if done.returncode != 0:
            skipped.append(f"{backend}: the benchmark process failed (exit code {done.returncode}).")
            continue
        results += json.loads(Path(out).read_text())
        os.unlink(out)
    print(f"\n# Sanshe benchmarks ({', '.join(backends)}; {args.runs} runs per query, {args.page_runs} per page; "
          f"p50/p95 in ms)")
    print(format_tables(results))
    print(f"\nTotal {time.perf_counter() - started:.0f} s.")
    for line in skipped:
        print(f"!! {line}")
    return 1 if any("failed" in line for line in skipped) else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backends", default="sqlite,postgres")
    parser.add_argument("--only", type=lambda s: [a.strip() for a in s.split(",") if a.strip()], default=None,
                        help="comma-separated areas of bench/areas/ (default: all)")
    parser.add_argument("--runs", type=int, default=200, help="timed runs per query measure")
    parser.add_argument("--page-runs", type=int, default=30, help="timed runs per page measure")
    parser.add_argument("--audit-rows", type=int, default=2000, help="entries per audit append measure")
    parser.add_argument("--pg-url", default=os.environ.get("SANSHE_BENCH_DATABASE_URL", DEFAULT_PG_URL))
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--backend", help=argparse.SUPPRESS)
    parser.add_argument("--json-out", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args)
        return 0
    return parent(args)


if __name__ == "__main__":
    sys.exit(main())
