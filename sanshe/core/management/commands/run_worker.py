"""Run the django-tasks database worker with a heartbeat that ``/healthz`` reads."""

import os
import socket
import threading

from django.db import close_old_connections
from django.utils import timezone
from django_tasks_db.management.commands.db_worker import Command as DbWorkerCommand

from sanshe.core.models import WorkerHeartbeat

BEAT_SECONDS = 10


class Command(DbWorkerCommand):
    help = "Run the background task worker (django-tasks database queue) with a heartbeat for /healthz."

    def handle(self, *args, **options):
        worker_id = options["worker_id"]
        started = timezone.now()
        stop = threading.Event()

        def beat():
            while not stop.is_set():
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
