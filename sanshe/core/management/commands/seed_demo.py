"""Seed the demo district: territory, accounts, and whatever later apps add.

Each app may have a ``demo.py`` with ``seed(ctx)``; this command calls them in order — territory first (all
else hangs on it), then the others in ``INSTALLED_APPS`` order — each in its own transaction. A ``seed`` must
be idempotent: running ``seed_demo`` twice creates nothing the second time. ``ctx`` (:class:`DemoContext`)
carries the scale, the key nodes (``ctx.nodes["district"|"street"|"community"|"grid"|"grid_2"|…]``), the
accounts to print and the counts of what was created.

Refuses to run under production settings (``settings.PRODUCTION``): the demo accounts share one known password
and the administrators' TOTP secrets are fixed.
"""

from __future__ import annotations

import importlib
import importlib.util
import time
from collections import Counter

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

FIRST = ["sanshe.territory"]
# Apps whose demo builds on grid governance's (its handling units include social organizations): seeded after it.
AFTER_GRIDOPS = ["sanshe.societies", "sanshe.socialwork", "sanshe.volunteers"]


class DemoContext:
    """What the apps' ``seed(ctx)`` functions share."""

    def __init__(self, scale: str, residents: int | None = None, events: int | None = None):
        self.scale = scale
        # district scale: how many residents and events to add (None: the defaults, 1,000,000 and 2,000,000)
        self.residents = residents
        self.events = events
        self.nodes: dict = {}
        self.accounts: list[dict] = []
        self.created: Counter = Counter()

    def count(self, app: str, what: str, n: int = 1) -> None:
        self.created[(app, str(what))] += n


def demo_modules() -> list[str]:
    """The ``<app>.demo`` modules that exist, in calling order."""
    names = [config.name for config in apps.get_app_configs() if config.name.startswith("sanshe.")]
    ordered = [name for name in FIRST if name in names] + [name for name in names if name not in FIRST]
    return [f"{name}.demo" for name in ordered if importlib.util.find_spec(f"{name}.demo") is not None]


def refuse_in_production(command: str) -> None:
    if getattr(settings, "PRODUCTION", False):
        raise CommandError(
            f"{command} refuses to run under production settings (SANSHE_ENV=production): it is for demo and "
            "development databases only."
        )


class Command(BaseCommand):
    help = "Build the fictional demo district (锦华区) with demo accounts. Idempotent. Not in production."

    def add_arguments(self, parser):
        parser.add_argument(
            "--scale", choices=["demo", "district"], default="demo",
            help="demo: 3 streets, 6 communities, 24 grids (default); district: the Chenghua shape "
                 "(14 streets, 108 communities, ~1,500 grids, ~24,000 nodes) for benchmarks.",
        )
        parser.add_argument("--residents", type=int, default=None,
                            help="district scale: residents to add (default 1,000,000)")
        parser.add_argument("--events", type=int, default=None,
                            help="district scale: events to add (default 2,000,000)")

    def handle(self, *args, scale: str, verbosity: int = 1, residents=None, events=None, **options):
        refuse_in_production("seed_demo")
        ctx = DemoContext(scale, residents=residents, events=events)
        started = time.monotonic()
        modules = demo_modules()
        late = [name for name in modules if name.rpartition(".")[0] in AFTER_GRIDOPS]
        for module_name in [name for name in modules if name not in late]:
            self._seed(module_name, ctx, verbosity)
        self._gridops(ctx, verbosity)
        for module_name in late:
            self._seed(module_name, ctx, verbosity)
        elapsed = time.monotonic() - started
        if verbosity >= 1:
            self._report(ctx, elapsed)
        return None

    def _seed(self, module_name: str, ctx: DemoContext, verbosity: int) -> None:
        module = importlib.import_module(module_name)
        t0 = time.monotonic()
        with transaction.atomic():
            module.seed(ctx)
        if verbosity >= 2:
            self.stdout.write(f"  {module_name}.seed: {time.monotonic() - t0:.2f} s")

    def _gridops(self, ctx: DemoContext, verbosity: int) -> None:
        """Grid governance: units, responsibility table and a year of events through the services
        (``gridops.demo_events``); the disputes and patrols of ``gridops.demo_disputes`` when that module exists;
        at district scale the 2,000,000 bulk events of ``gridops.demo_scale``."""
        from sanshe.gridops import demo_events

        t0 = time.monotonic()
        with transaction.atomic():
            demo_events.seed(ctx)
            demo_events.seed_disputes_and_patrols(ctx)
        if verbosity >= 2:
            self.stdout.write(f"  sanshe.gridops.demo_events.seed: {time.monotonic() - t0:.2f} s")
        if ctx.scale == "district":
            from sanshe.gridops import demo_scale

            t0 = time.monotonic()
            added = demo_scale.seed(ctx) if ctx.events is None else demo_scale.seed(ctx, count=ctx.events)
            if verbosity >= 1 and added:
                seconds = time.monotonic() - t0
                self.stdout.write(f"Grid governance at district scale: {added:,} events in {seconds:.1f} s "
                                  f"({added / seconds:,.0f} events/s).")

    def _report(self, ctx: DemoContext, elapsed: float) -> None:
        district = ctx.nodes.get("district")
        where = f"{district.name} ({district.code})" if district else "demo district"
        if ctx.created:
            made = ", ".join(f"{what} × {n}" for (_app, what), n in ctx.created.items())
            self.stdout.write(self.style.SUCCESS(f"Seeded {where} at scale '{ctx.scale}' in {elapsed:.1f} s: {made}."))
        else:
            self.stdout.write(self.style.SUCCESS(f"{where} is already seeded (scale '{ctx.scale}'): nothing to add."))
        if not ctx.accounts:
            return
        self.stdout.write("")
        self.stdout.write(f"Demo accounts (password for all: {ctx.accounts[0]['password']}):")
        header = ("user name", "role", "territory", "name", "TOTP secret (admins)")
        rows = [(a["username"], a["role"], a["node"], a["full_name"], a["totp_secret"]) for a in ctx.accounts]
        widths = [max(_width(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
        for row in [header, *rows]:
            self.stdout.write("  " + "  ".join(_pad(str(v), w) for v, w in zip(row, widths, strict=True)).rstrip())
        if any(a["totp_secret"] for a in ctx.accounts):
            self.stdout.write(
                "Administrators log in with a second factor: put the secret into an authenticator app, or print "
                "the current code with `make totp USER=system_admin` (manage.py totp_code system_admin)."
            )


def _width(text: str) -> int:
    """Display width: CJK characters take two columns."""
    return sum(2 if ord(ch) > 0x2E7F else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))
