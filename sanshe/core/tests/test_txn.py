"""``sanshe.core.txn``: work on shared rows deferred to just before the commit, and dropped with its savepoint."""

from __future__ import annotations

import pytest
from django.db import transaction

from sanshe.core import audit, txn
from sanshe.core.models import AuditChainHead, AuditEntry

pytestmark = pytest.mark.django_db


def entries(action: str) -> int:
    return AuditEntry.objects.filter(action=action).count()


def test_outside_a_block_deferred_work_runs_at_once():
    ran = []
    txn.defer(lambda: ran.append(1))
    assert ran == [1]
    audit.record("test.txn.now", object_type="test", object_repr="x")
    assert entries("test.txn.now") == 1


def test_inside_a_block_it_runs_at_the_end_in_order_and_before_the_commit():
    ran = []
    with txn.atomic():
        txn.defer(lambda: ran.append("first"))
        audit.record("test.txn.late", object_type="test", object_repr="x")
        txn.defer(lambda: ran.append(("second", entries("test.txn.late"))))
        with txn.atomic():  # a nested block does not run the queue early
            txn.defer(lambda: ran.append("nested"))
        assert ran == [] and entries("test.txn.late") == 0
        head_before = AuditChainHead.objects.filter(pk=1).values_list("seq", flat=True).first() or 0
    assert ran == ["first", ("second", 1), "nested"]
    entry = AuditEntry.objects.get(action="test.txn.late")
    assert entry.seq == head_before + 1
    assert audit.verify_chain()[1] is None


def test_work_queued_in_a_rolled_back_savepoint_is_dropped():
    ran = []
    with txn.atomic():
        txn.defer(lambda: ran.append("kept"))
        try:
            with transaction.atomic():
                audit.record("test.txn.dropped", object_type="test", object_repr="x")
                txn.defer(lambda: ran.append("dropped"))
                raise RuntimeError("the savepoint rolls back")
        except RuntimeError:
            pass
        audit.record("test.txn.kept", object_type="test", object_repr="x")
    assert ran == ["kept"]
    assert entries("test.txn.dropped") == 0 and entries("test.txn.kept") == 1
    assert audit.verify_chain()[1] is None


def test_an_error_in_the_block_runs_nothing_and_writes_nothing():
    ran = []
    with pytest.raises(ValueError), txn.atomic():
        txn.defer(lambda: ran.append(1))
        audit.record("test.txn.failed", object_type="test", object_repr="x")
        raise ValueError
    assert ran == [] and entries("test.txn.failed") == 0


def test_an_error_in_deferred_work_rolls_the_block_back():
    def boom():
        raise RuntimeError("late failure")

    with pytest.raises(RuntimeError), txn.atomic():
        audit.record("test.txn.rolled_back", object_type="test", object_repr="x")
        txn.defer(boom)
    assert entries("test.txn.rolled_back") == 0


def test_deferred_work_may_defer_more():
    ran = []
    with txn.atomic():
        txn.defer(lambda: (ran.append("outer"), txn.defer(lambda: ran.append("inner"))))
    assert ran == ["outer", "inner"]
