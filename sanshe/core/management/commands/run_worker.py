"""Run the django-tasks database worker with a heartbeat that ``/healthz`` reads, and the periodic tasks.

Periodic tasks (``settings.SANSHE_PERIODIC_TASKS``: dotted task path → seconds) are enqueued by the heartbeat
thread when due; they must be idempotent (several workers may enqueue the same one).
"""

import logging
import os
import socket
import threading
import time

from django.conf import settings
from django.db import close_old_connections
from django.utils import timezone
from django.utils.module_loading import import_string
from django_tasks_db.management.commands.db_worker import Command as DbWorkerCommand

from sanshe.core.models import WorkerHeartbeat

BEAT_SECONDS = 10
logger = logging.getLogger("sanshe.worker")


def enqueue_due(last_run: dict[str, float], now: float) -> list[str]:
    """Enqueue each periodic task whose interval has passed since it was last enqueued here."""
    done = []
    for path, every in getattr(settings, "SANSHE_PERIODIC_TASKS", {}).items():
        if now - last_run.get(path, 0) >= every:
            last_run[path] = now
            try:
                import_string(path).enqueue()
                done.append(path)
            except Exception:  # noqa: BLE001 - logged; the next beat tries again
                logger.exception("could not enqueue periodic task %s", path)
    return done


class Command(DbWorkerCommand):
    help = "Run the background task worker (django-tasks database queue) with a heartbeat for /healthz."

    def handle(self, *args, **options):
        worker_id = options["worker_id"]
        started = timezone.now()
        stop = threading.Event()

        last_run: dict[str, float] = {}

        def beat():
            while not stop.is_set():
                enqueue_due(last_run, time.monotonic())
                try:
                    WorkerHeartbeat.objects.update_or_create(
                        worker_id=worker_id,
                        defaults={"hostname": socket.gethostname()[:255], "pid": os.getpid(),
                                  "started_at": started, "last_seen": timezone.now()},
                    )
                except Exception:  # noqa: BLE001 - a missed beat is shown by /healthz, never fatal
                    pass
                finally:
                    close_old_connections()
                stop.wait(BEAT_SECONDS)

        thread = threading.Thread(target=beat, name="sanshe-heartbeat", daemon=True)
        thread.start()
        try:
            return super().handle(*args, **options)
        finally:
            stop.set()
            WorkerHeartbeat.objects.filter(worker_id=worker_id).delete()
