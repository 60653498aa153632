"""The small benchmark framework: timing, SQL capture, results and the printed tables.

An area is a module in ``bench/areas/`` with ``TITLE``, ``ORDER`` (sort key) and ``run(b: Bench)``; it calls
``b.timed(...)`` / ``b.rate(...)`` and ``b.add(name, **metrics)``. Each database backend runs in its own
process (see ``bench/run.py``); the parent prints one table per area with a row per measure and backend.
Figures are printed, never asserted.
"""

from __future__ import annotations

import gc
import math
import sys
import time
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field


@dataclass
class Stats:
    """Timings of one measure, in milliseconds."""

    samples: list[float]

    @property
    def n(self) -> int:
        return len(self.samples)

    def pct(self, q: float) -> float:
        ordered = sorted(self.samples)
        return ordered[min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))]

    @property
    def p50(self) -> float:
        return self.pct(0.50)

    @property
    def p95(self) -> float:
        return self.pct(0.95)


def measure(fn: Callable[[], object], runs: int, warmup: int = 5) -> Stats:
    """Call ``fn`` ``warmup`` times, then ``runs`` times, timing each call (ms)."""
    for _unused in range(warmup):
        fn()
    gc.collect()
    samples = []
    clock = time.perf_counter
    for _unused in range(runs):
        t0 = clock()
        fn()
        samples.append((clock() - t0) * 1000)
    return Stats(samples)


@contextmanager
def captured_sql(connection):
    """Collect ``(sql, params)`` of every statement run on ``connection`` inside the block, exactly as sent."""
    statements: list[tuple[str, object]] = []

    def wrapper(execute, sql, params, many, context):
        statements.append((sql, params))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(wrapper):
        yield statements


def raw_runner(connection, statements) -> Callable[[], None]:
    """A function that runs the captured statements on a bare cursor and fetches every row."""

    def run():
        with connection.cursor() as cursor:
            for sql, params in statements:
                cursor.execute(sql, params)
                cursor.fetchall()

    return run


@dataclass
class Bench:
    """What an area gets: the options, the backend name, and where its results go."""

    backend: str
    runs: int
    page_runs: int
    audit_rows: int
    results: list[dict] = field(default_factory=list)
    area: str = ""
    title: str = ""
    note: str = ""

    def log(self, message: str) -> None:
        print(f"[{self.backend}] {message}", file=sys.stderr, flush=True)

    def add(self, name: str, **metrics) -> None:
        """Record one row: ``name`` and its metrics (column → number or text), in column order."""
        self.results.append({"area": self.area, "title": self.title, "note": self.note, "name": name,
                             "backend": self.backend, "metrics": metrics})

    def timed(self, fn: Callable[[], object], runs: int | None = None, warmup: int = 5) -> Stats:
        return measure(fn, runs or self.runs, warmup)


# --- printing ---------------------------------------------------------------------------------------------------

def _fmt(value) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        if value >= 1000:
            return f"{value:,.0f}"
        if value >= 100:
            return f"{value:.1f}"
        return f"{value:.2f}" if value >= 1 else f"{value:.3f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def _width(text: str) -> int:
    return sum(2 if ord(ch) > 0x2E7F else 1 for ch in text)


def _ljust(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


def _rjust(text: str, width: int) -> str:
    return " " * (width - _width(text)) + text


def format_tables(results: list[dict]) -> str:
    """One table per area: measure, database, then the union of the metric columns in first-seen order."""
    out: list[str] = []
    areas: dict[str, list[dict]] = {}
    for row in results:
        areas.setdefault(row["area"], []).append(row)
    for rows in areas.values():
        columns: list[str] = []
        for row in rows:
            columns += [c for c in row["metrics"] if c not in columns]
        names = list(dict.fromkeys(r["name"] for r in rows))
        backends = list(dict.fromkeys(r["backend"] for r in rows))
        by_key = {(r["name"], r["backend"]): r for r in rows}
        table = [["measure", "db", *columns]]
        for name in names:
            first = True
            for backend in backends:
                row = by_key.get((name, backend))
                if row is None:
                    continue
                table.append([name if first else "", backend,
                              *[_fmt(row["metrics"].get(c)) for c in columns]])
                first = False
        widths = [max(_width(line[i]) for line in table) for i in range(len(table[0]))]
        out.append("")
        out.append(f"## {rows[0]['title']}")
        if rows[0]["note"]:
            out.append(rows[0]["note"])
        for i, line in enumerate(table):
            cells = [_ljust(line[0], widths[0]), _ljust(line[1], widths[1])]
            cells += [_rjust(cell, widths[j + 2]) for j, cell in enumerate(line[2:])]
            out.append("  ".join(cells).rstrip())
            if i == 0:
                out.append("  ".join("-" * w for w in widths))
    return "\n".join(out)
