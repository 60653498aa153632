"""Resident import at district scale (issue 3 item 8): a CSV of N residents imported through the bulk path
(:mod:`sanshe.territory.registry_bulk`), against the raw database writing the same resident rows.

The raw side is PostgreSQL ``COPY`` (SQLite: one ``executemany`` in one transaction) of the rows exactly as the
import stored them (already encrypted, indexed, with their ancestors), read back after the import, deleted, and
written again (on PostgreSQL a second time with the import's large-load trick: secondary indexes dropped and
rebuilt, foreign keys checked set by set). The import also reads and checks the file, creates the territory (compounds, buildings,
dwellings, households), the move-in history rows and the tags: all of that is in its figure.

Rows: ``SANSHE_BENCH_IMPORT_ROWS`` (default 1,000,000). Inside ``bench/run.py`` it runs on the demo database;
standalone it builds its own small territory on a fresh database per backend::

    .venv/bin/python -m bench.areas.registry_import --rows 200000 [--backends sqlite,postgres]
"""

from __future__ import annotations

import datetime as dt
import os
import random
import sys
import tempfile
import time
from pathlib import Path

TITLE = "Registry: resident import from CSV (bulk path) vs raw COPY / executemany of the same rows"
NOTE = "import/raw = ratio of the seconds. Targets (PostgreSQL): import within 3× raw COPY and under 60 s."
ORDER = 40
DEFAULT_ROWS = 1_000_000

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英文华建国红梅玉兰海燕志强春梅建华德明淑珍凤英丹宇浩然子涵欣怡梓轩雨萱俊杰佳怡"
RELATIONS = ["户主", "配偶", "子女", "子女", "父母"]
TAGS = ["", "", "", "", "", "", "", "退役军人", "失业人员", "独居老人、低保"]
# An area code of another province than the demo's, so that the file's ID numbers do not collide with it.
AREAS = ["650102", "650103", "650104", "650105"]


def _check_char(first17: str) -> str:
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    return "10X98765432"[sum(int(d) * w for d, w in zip(first17, weights, strict=True)) % 11]


def write_csv(path: Path, rows: int, seed: int = 7) -> None:
    """N residents in households of 1–4, 40 dwellings per floor-unit block, realistic names and addresses."""
    rng = random.Random(seed)
    base = dt.date(1935, 1, 1)  # birth date from n // 1000 and serial n % 1000: every ID number unique
    given = [GIVEN[i:i + 2] for i in range(0, len(GIVEN) - 1, 2)] + list(GIVEN)
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write("姓名,性别,民族,身份证号,联系电话,与户主关系,户号,小区,楼栋,单元,房号,户籍类型,人员类别,迁入日期\n")
        n = household = 0
        while n < rows:
            household += 1
            dwelling = household - 1
            compound = f"锦江{dwelling // 10000 + 1}号小区"
            building = (dwelling // 400) % 25 + 1
            unit = (dwelling // 100) % 4 + 1
            floor = (dwelling // 4) % 25 + 1
            room = f"{floor}{dwelling % 4 + 1:02d}"
            kind = "户籍" if household % 7 else "流动"
            for member in range(min(rng.randint(1, 4), rows - n)):
                n += 1
                birth = base + dt.timedelta(days=(n // 1000) * 29 % 29200)
                body = f"{AREAS[n % 4]}{birth:%Y%m%d}{n % 1000:03d}"
                number = body + _check_char(body)
                name = rng.choice(SURNAMES) + rng.choice(given)
                phone = f"1{rng.choice('3578')}{rng.randint(0, 999999999):09d}" if rng.random() < 0.8 else ""
                relation = RELATIONS[member] if member < len(RELATIONS) else "其他亲属"
                out.write(f"{name},,汉族,{number},{phone},{relation},H{household:07d},{compound},{building},{unit},"
                          f"{room},{kind},{rng.choice(TAGS)},2015-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}\n")


def _target():
    from sanshe.territory.choices import Level
    from sanshe.territory.models import Node

    community = Node.objects.filter(level=Level.COMMUNITY, is_active=True).order_by("code").first()
    grid = Node.objects.filter(parent=community, level=Level.GRID, is_active=True).order_by("code").first()
    return community, grid


def _raw_rows(community_id: int, since_id: int):
    from django.db import connection

    from sanshe.territory.registry_bulk import RESIDENT_COLUMNS

    cols = ", ".join(f'"{c}"' for c in RESIDENT_COLUMNS)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {cols} FROM territory_resident WHERE community_id = %s AND id > %s ORDER BY id",
                       [community_id, since_id])
        return cursor.fetchall()


def _delete(community_id: int, since_id: int) -> None:
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cursor:
        where = "SELECT id FROM territory_resident WHERE community_id = %s AND id > %s"
        cursor.execute(f"UPDATE territory_household SET head_id = NULL WHERE head_id IN ({where})",
                       [community_id, since_id])
        for table in ("territory_residentmove", "territory_residenttag"):
            cursor.execute(f"DELETE FROM {table} WHERE resident_id IN ({where})", [community_id, since_id])
        cursor.execute("DELETE FROM territory_householdtimelineentry WHERE resident_id IN "
                       f"({where})", [community_id, since_id])
        cursor.execute("DELETE FROM territory_resident WHERE community_id = %s AND id > %s", [community_id, since_id])
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("VACUUM ANALYZE territory_resident")
        else:
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def run(b) -> None:
    from django.db import connection, transaction

    from sanshe.territory.imports_registry import import_residents
    from sanshe.territory.models import Resident
    from sanshe.territory.registry_bulk import (
        RESIDENT_COLUMNS,
        foreign_key_triggers_skipped,
        indexes_suspended,
        insert_rows,
    )

    rows = int(os.environ.get("SANSHE_BENCH_IMPORT_ROWS", DEFAULT_ROWS))
    community, grid = _target()
    path = Path(tempfile.gettempdir()) / f"sanshe-bench-residents-{rows}.csv"
    if not path.exists():
        b.log(f"writing {rows:,} residents to {path}")
        write_csv(path, rows)
    data = path.read_bytes()
    since = Resident.objects.order_by("-id").values_list("id", flat=True).first() or 0
    b.log(f"importing {rows:,} rows into {community.name} ({connection.vendor})")
    t0 = time.perf_counter()
    result = import_residents(data, path.name, actor=None, community=community, grid=grid)
    seconds = time.perf_counter() - t0
    b.log(f"import: {seconds:.1f} s, created {result['created']:,}, errors {len(result['errors']):,}")
    # a second import of the same file changes nothing (the re-import path: read, check, compare)
    t0 = time.perf_counter()
    again = import_residents(data, path.name, actor=None, community=community, grid=grid)
    reimport = time.perf_counter() - t0
    b.log(f"re-import: {reimport:.1f} s, unchanged {again['unchanged']:,}")
    stored = _raw_rows(community.pk, since)
    _delete(community.pk, since)
    b.log(f"raw: writing the same {len(stored):,} resident rows")
    t0 = time.perf_counter()
    with transaction.atomic():
        insert_rows(Resident, RESIDENT_COLUMNS, stored)
    raw = time.perf_counter() - t0
    raw_name = "COPY" if connection.vendor == "postgresql" else "executemany"
    b.log(f"raw {raw_name}: {raw:.1f} s; import/raw {seconds / raw:.2f}")
    bulk = None
    if connection.vendor == "postgresql":
        # the same rows again with the large-load trick of the import (indexes suspended and rebuilt, foreign keys
        # checked set by set), so that the ratio of a large import is also shown against a raw load as clever
        _delete(community.pk, since)
        t0 = time.perf_counter()
        with transaction.atomic(), foreign_key_triggers_skipped([Resident]), indexes_suspended(Resident):
            insert_rows(Resident, RESIDENT_COLUMNS, stored)
        bulk = time.perf_counter() - t0
        b.log(f"raw COPY, indexes rebuilt, foreign keys checked in bulk: {bulk:.1f} s; import/raw {seconds / bulk:.2f}")
    b.add(f"import {rows:,} rows (bulk path)", rows=result["rows"], created=result["created"],
          errors=len(result["errors"]), seconds=seconds, **{"rows/s": result["rows"] / seconds})
    b.add(f"raw {raw_name} of the same resident rows", rows=len(stored), seconds=raw,
          **{"rows/s": len(stored) / raw if raw else None})
    b.add("import / raw", **{"import/raw": seconds / raw if raw else None})
    if bulk is not None:
        b.add("raw COPY, same trick (indexes rebuilt after, FKs checked in bulk)", rows=len(stored), seconds=bulk,
              **{"rows/s": len(stored) / bulk if bulk else None})
        b.add("import / raw with the same trick", **{"import/raw": seconds / bulk if bulk else None})
    b.add("re-import of the same file", rows=again["rows"], created=again["created"], updated=again["updated"],
          unchanged=again["unchanged"], seconds=reimport)


# --- standalone -------------------------------------------------------------------------------------------------
def _child(backend: str, rows: int) -> None:
    import json

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sanshe.settings")
    django.setup()
    from django.core.management import call_command

    from bench.core import Bench
    from sanshe.core.testing import build_node
    from sanshe.territory.choices import Level

    call_command("migrate", verbosity=0, interactive=False)
    district = build_node(Level.DISTRICT, None, "锦江区", "510104")
    street = build_node(Level.STREET, district, "春熙路街道", "510104001000")
    community = build_node(Level.COMMUNITY, street, "和平社区", "510104001001")
    build_node(Level.GRID, community, "第一网格", "510104001001001")
    build_node(Level.GRID, community, "第二网格", "510104001001002")
    os.environ["SANSHE_BENCH_IMPORT_ROWS"] = str(rows)
    b = Bench(backend=backend, runs=1, page_runs=1, audit_rows=0, area="registry_import", title=TITLE, note=NOTE)
    run(b)
    print("@@RESULTS@@" + json.dumps(b.results, ensure_ascii=False))


def main() -> int:
    import argparse
    import json
    import shutil
    import subprocess

    root = Path(__file__).resolve().parents[2]
    sys.path.insert(0, str(root))
    from bench.core import format_tables
    from bench.run import _pg_prepare

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=DEFAULT_ROWS)
    parser.add_argument("--backends", default="sqlite,postgres")
    parser.add_argument("--pg-url", default="postgres://postgres@127.0.0.1:5432/sanshe_bench_import")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(args.child, args.rows)
        return 0
    results = []
    for backend in [x.strip() for x in args.backends.split(",") if x.strip()]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("SANSHE_", "DATABASE_URL"))}
        env.update(DJANGO_SETTINGS_MODULE="sanshe.settings", SANSHE_DEBUG="0", PYTHONUNBUFFERED="1")
        var = Path(tempfile.mkdtemp(prefix=f"sanshe-bench-import-{backend}-"))
        env["SANSHE_VAR_DIR"] = str(var)
        if backend == "postgres":
            problem = _pg_prepare(args.pg_url)
            if problem:
                print(f"!! PostgreSQL not reachable: {problem}", file=sys.stderr)
                continue
            env["DATABASE_URL"] = args.pg_url
        done = subprocess.run([sys.executable, "-m", "bench.areas.registry_import", "--child", backend, "--rows",
                               str(args.rows)], env=env, cwd=root, capture_output=True, text=True)
        sys.stderr.write(done.stderr[-4000:])
        for line in done.stdout.splitlines():
            if line.startswith("@@RESULTS@@"):
                results += json.loads(line[len("@@RESULTS@@"):])
        shutil.rmtree(var, ignore_errors=True)
    print(format_tables(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
