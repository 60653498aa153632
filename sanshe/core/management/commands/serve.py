"""Run the web server (gunicorn) and one task worker together; Ctrl-C (or SIGTERM) stops both.

Used by ``make demo``. The children run in their own process group, so a Ctrl-C reaches only this command,
which then stops them in order and waits for them; they also get SIGTERM if this process dies (Linux).
In production run gunicorn and the workers as separate services instead (see README.md).
"""

from __future__ import annotations

import ctypes
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError


def _die_with_parent() -> None:  # pragma: no cover - runs in the child between fork and exec
    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except Exception:  # noqa: BLE001 - best effort, Linux only
        pass


class Command(BaseCommand):
    help = "Run gunicorn and a task worker (manage.py run_worker) together until Ctrl-C."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", 8000)))
        parser.add_argument("--web-workers", type=int, default=2, help="gunicorn worker processes")
        parser.add_argument("--threads", type=int, default=4, help="threads per gunicorn worker")

    def handle(self, *args, host: str, port: int, web_workers: int, threads: int, **options):
        self._check_port(host, port)
        base = settings.BASE_DIR
        python = sys.executable
        commands = {
            "worker": [python, str(base / "manage.py"), "run_worker", "--no-reload", "--interval", "1"],
            "web": [python, "-m", "gunicorn", "sanshe.wsgi:application", "--bind", f"{host}:{port}",
                    "--workers", str(web_workers), "--threads", str(threads), "--graceful-timeout", "5",
                    "--log-level", "warning", "--chdir", str(base)],
        }
        stopping = {"signal": None}

        def on_signal(signum, frame):
            stopping["signal"] = signum

        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(sig, on_signal)

        procs: dict[str, subprocess.Popen] = {}
        exit_code = 0
        try:
            for name, cmd in commands.items():
                procs[name] = subprocess.Popen(cmd, cwd=base, start_new_session=True, preexec_fn=_die_with_parent)
            url = f"http://{host}:{port}/"
            if self._wait_ready(url, procs, stopping):
                self.stdout.write(self.style.SUCCESS(
                    f"\nSanshe is running at {url} (server pid {procs['web'].pid}, task worker pid "
                    f"{procs['worker'].pid}). Press Ctrl-C to stop both."
                ))
                self._hint()
            while stopping["signal"] is None:
                dead = [name for name, p in procs.items() if p.poll() is not None]
                if dead:
                    self.stderr.write(f"The {dead[0]} process stopped (exit code {procs[dead[0]].returncode}); "
                                      "stopping the rest.")
                    exit_code = 1
                    break
                time.sleep(0.3)
        finally:
            self._stop(procs)
        if exit_code:
            raise CommandError("stopped because a child process died", returncode=exit_code)
        self.stdout.write("Server and task worker stopped.")

    def _check_port(self, host: str, port: int) -> None:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                sock.bind((host, port))
            except OSError as exc:
                raise CommandError(f"Port {port} on {host} is busy ({exc.strerror}); choose another: PORT=8001 "
                                   "make demo") from exc

    def _wait_ready(self, url: str, procs, stopping, timeout: float = 60) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and stopping["signal"] is None:
            if any(p.poll() is not None for p in procs.values()):
                return False
            try:
                with urllib.request.urlopen(url + "healthz", timeout=2):
                    return True
            except urllib.error.HTTPError:
                return True  # it answers: 503 only means the worker has not beaten yet
            except (urllib.error.URLError, OSError):
                time.sleep(0.3)
        return False

    def _hint(self) -> None:
        try:
            from sanshe.accounts.models import User

            if User.objects.filter(username="district_admin").exists():
                self.stdout.write("Log in as district_admin, street_official, community_worker, grid_worker … "
                                  "(password sanshe-demo); administrators: `make totp USER=system_admin`.")
        except Exception:  # noqa: BLE001 - only a hint
            pass

    def _stop(self, procs: dict[str, subprocess.Popen]) -> None:
        # The web server first (no new work comes in), then the worker (it finishes its current task).
        for name in ("web", "worker"):
            proc = procs.get(name)
            if proc is None or proc.poll() is not None:
                continue
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.stderr.write(f"The {name} process did not stop in time; killing it.")
                proc.kill()
                proc.wait()
