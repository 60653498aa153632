"""Background tasks of grid governance."""

from __future__ import annotations

from django_tasks import task


@task()
def escalate_overdue_events() -> dict:
    """Escalate overdue events one level up (community → street → district); enqueued periodically by the
    worker (``SANSHE_PERIODIC_TASKS``)."""
    from .services import escalate_overdue

    return {"escalated": escalate_overdue()}
