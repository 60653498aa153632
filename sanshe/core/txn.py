"""Transactions whose shared rows are touched last: work deferred to just before the commit.

Some writes touch rows that every concurrent transaction touches too: the audit chain's head (one row for the
whole platform) and the indicators' rollup counters (one row per day, street and category). A row lock is held
until the commit, so a transaction that takes such a lock early makes every concurrent one wait for the rest of
its work; under load (200 grid workers reporting at once) the waits queue up.

:func:`atomic` opens a transaction (or, inside one that is already open, a plain savepoint) in which
:func:`defer` queues a callable instead of running it; the queue runs at the end of the outermost such block,
inside the transaction, just before the commit. The audit log and the rollup use it, so the locks on their
shared rows are held only for the last few statements of a transaction.

* Outside such a block :func:`defer` runs the callable at once (the usual behaviour).
* Work queued inside a savepoint that is rolled back is dropped with it: each queued item leaves a marker in
  Django's on-commit list, which Django prunes when a savepoint rolls back; items whose marker is gone are
  skipped.
* An exception in the block (or in the deferred work) rolls the whole transaction back: nothing is written.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import contextmanager
from contextvars import ContextVar

from django.db import connection, transaction

_queue: ContextVar[list | None] = ContextVar("sanshe_late_work", default=None)


def _marker() -> None:
    """Runs after the commit and does nothing: its presence in ``run_on_commit`` says "not rolled back"."""


@contextmanager
def atomic():
    """``transaction.atomic()`` whose :func:`defer`-red work runs at its end (outermost block only)."""
    if _queue.get() is not None and connection.in_atomic_block:
        with transaction.atomic():
            yield
        return
    queue: list = []
    token = _queue.set(queue)
    try:
        with transaction.atomic():
            yield
            _run(queue)
    finally:
        _queue.reset(token)


def _run(queue: list) -> None:
    index = 0
    while index < len(queue):  # deferred work may defer more
        marker, func = queue[index]
        index += 1
        live = {id(entry[1]) for entry in connection.run_on_commit}
        if id(marker) in live:
            func()


def defer(func: Callable[[], object]) -> None:
    """Run ``func`` just before the commit of the open :func:`atomic` block, or now if there is none."""
    queue = _queue.get()
    if queue is None or not connection.in_atomic_block:
        func()
        return

    def marker() -> None:
        _marker()

    transaction.on_commit(marker)
    queue.append((marker, func))
