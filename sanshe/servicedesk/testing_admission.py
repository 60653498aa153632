"""Test helpers of community work admission on top of ``servicedesk.testing.build_servicedesk``.

``build_admission(world)`` adds ``world.entries``: ``ledger`` (就业困难人员台账, hr, ledger, in force),
``report`` (hr, monthly report, in force), ``old`` (hr, inspection, expired last year), ``gone`` (hr,
assessment, withdrawn), ``civil`` (civil's ledger), ``other`` (the other district's ledger).
``submit(world, ...)`` submits a task as ``t_dept_handler`` for C1 and C2.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from .choices_admission import Frequency, TaskKind
from .models_admission import ListEntry


def _entry(district, code, title, kind, department, start, end=None, withdrawn=None):
    return ListEntry.objects.create(district=district, code=code, title=title, kind=kind, department=department,
                                    legal_basis="《就业促进法》", effective_from=start, effective_to=end,
                                    withdrawn_at=withdrawn, withdraw_reason="已取消" if withdrawn else "")


def build_admission(world):
    n, d = world.nodes, world.departments
    today = timezone.localdate()
    year_ago = today - dt.timedelta(days=400)
    world.entries = {
        "ledger": _entry(n["D1"], "ZR01", "就业困难人员台账", TaskKind.LEDGER, d["hr"], year_ago),
        "report": _entry(n["D1"], "ZR02", "社保参保情况月报", TaskKind.REPORT, d["hr"], year_ago),
        "old": _entry(n["D1"], "ZR03", "劳动保障检查", TaskKind.INSPECTION, d["hr"], year_ago,
                      end=today - dt.timedelta(days=30)),
        "gone": _entry(n["D1"], "ZR04", "就业工作考核", TaskKind.ASSESSMENT, d["hr"], year_ago,
                       withdrawn=timezone.now() - dt.timedelta(days=10)),
        "civil": _entry(n["D1"], "ZR05", "低保户台账", TaskKind.LEDGER, d["civil"], year_ago),
        "other": _entry(n["D2"], "ZR01", "就业困难人员台账", TaskKind.LEDGER, d["other"], year_ago),
    }
    return world


def ensure_admission(world):
    from .testing import ensure_servicedesk

    ensure_servicedesk(world)
    if not hasattr(world, "entries"):
        build_admission(world)
    return world


def submit(world, *, title="就业困难人员台账", kind=TaskKind.LEDGER, entry=None, communities=("C1", "C2"),
           frequency=Frequency.ONCE, due_days=20, hours=4, department="hr", user="dept_handler", **kwargs):
    from .services_admission import submit_task

    return submit_task(actor=world.user(user), department=world.departments[department], title=title, kind=kind,
                       entry=world.entries[entry] if isinstance(entry, str) else entry,
                       communities=[world.nodes[c] for c in communities], frequency=frequency,
                       due_date=timezone.localdate() + dt.timedelta(days=due_days), hours=hours, **kwargs)
