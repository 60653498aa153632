"""Appending to the audit log: ``audit.record`` (hash chain, head row locked, one transaction per entry, as a
service does it) against a raw INSERT of the same rows.

The raw rows get sequence numbers far above the chain's, so the benchmark database's chain no longer verifies:
it is a throw-away database.
"""

from __future__ import annotations

import time

from django.db import connection, transaction

from sanshe.core import audit
from sanshe.core.models import AuditEntry
from sanshe.territory.models import Node

TITLE = "Audit log: append rate"
NOTE = "entries/s; 'one transaction each' is how services write; the executemany row is an upper bound."
ORDER = 30


def run(b) -> None:
    n = b.audit_rows
    node = Node.objects.filter(level="grid").order_by("code").first()
    snapshot = audit.snapshot(node)
    before = {**snapshot, "name": snapshot["name"] + "（旧）"}

    t0 = time.perf_counter()
    for _unused in range(n):
        audit.record("bench.node.updated", obj=node, before=before, after=snapshot)
    record_rate = n / (time.perf_counter() - t0)
    b.add("audit.record (chain), one transaction each", entries=n, **{"entries/s": record_rate})

    # The same rows, as the ORM prepared them, inserted without the chain.
    last = list(AuditEntry.objects.order_by("-seq")[:n])
    fields = [f for f in AuditEntry._meta.concrete_fields if not f.primary_key]
    table = connection.ops.quote_name(AuditEntry._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    sql = f"INSERT INTO {table} ({columns}) VALUES ({', '.join(['%s'] * len(fields))})"
    offset = 10**12

    def rows(shift):
        for entry in last:
            values = []
            for f in fields:
                value = getattr(entry, f.attname)
                if f.name == "seq":
                    value += shift
                values.append(f.get_db_prep_save(value, connection))
            yield values

    t0 = time.perf_counter()
    with connection.cursor() as cursor:
        for values in rows(offset):
            with transaction.atomic():
                cursor.execute(sql, values)
    raw_rate = n / (time.perf_counter() - t0)
    b.add("raw INSERT, one transaction each", entries=n, **{"entries/s": raw_rate,
                                                            "vs record": raw_rate / record_rate})

    t0 = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.executemany(sql, list(rows(2 * offset)))
    bulk_rate = n / (time.perf_counter() - t0)
    b.add("raw INSERT, executemany in one transaction", entries=n, **{"entries/s": bulk_rate,
                                                                      "vs record": bulk_rate / record_rate})
