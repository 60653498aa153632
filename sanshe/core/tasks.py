"""Background tasks of the core app.

``ping`` proves end to end that a worker (``manage.py run_worker``) picks tasks up from the database queue:
``ping.enqueue()`` then watch ``/healthz`` (``pending_tasks``) or the task result row.
"""

from __future__ import annotations

from django.utils import timezone
from django_tasks import task


@task()
def ping(message: str = "pong") -> dict:
    """A harmless task: returns its message and the time it ran."""
    return {"message": message, "ran_at": timezone.now().isoformat()}
