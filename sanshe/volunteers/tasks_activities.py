"""Background tasks of the volunteer activities: closing forgotten check-outs by rule."""

from __future__ import annotations

from django_tasks import task


@task()
def close_forgotten_checkouts() -> dict:
    """Close the service records still open ``SANSHE_VOLUNTEER_CHECKOUT_GRACE_HOURS`` (default 2) after their
    activity's end, at the activity's end time, marked as closed by rule; enqueued periodically by the worker
    (``SANSHE_PERIODIC_TASKS``)."""
    from .services_activities import close_forgotten_checkouts as close

    return {"closed": close()}
