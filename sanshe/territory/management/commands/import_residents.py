"""``manage.py import_residents FILE [--community CODE] [--user USERNAME] [--grid CODE] [--dry-run] [--json]``.

Imports a resident ledger (.xlsx/.xls/.ods or CSV in UTF-8/GBK) into one community through the bulk import
(:mod:`sanshe.territory.imports_registry`). Without ``--user`` the operator at the shell imports (audited with no
actor) and ``--community`` is required; with ``--user`` the user's permission (registry.import) and territory
apply, and ``--community`` defaults to the user's own community. ``--json`` prints exactly
``{"rows", "created", "updated", "unchanged", "errors": [{"row", "column", "reason"}]}``.

Exit code 0 when the file was read (even with bad rows: they are in the output); 1 when the file cannot be read
or the import cannot start (no header row, unknown community, no permission).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from django.core.management.base import BaseCommand

from sanshe.core.exceptions import Denied, OutOfScope


class Command(BaseCommand):
    help = "Import residents from a spreadsheet or CSV ledger into one community."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--community", help="code of the target community")
        parser.add_argument("--user", help="import as this user (permission and territory apply)")
        parser.add_argument("--grid", help="code of the grid new compounds go under (default: the only grid)")
        parser.add_argument("--dry-run", action="store_true", help="check and count, then roll back")
        parser.add_argument("--json", action="store_true", help="print the result as JSON")

    def handle(self, *args, **options):
        from sanshe.accounts.models import User
        from sanshe.territory.imports_registry import ImportRefused, community_for, import_residents
        from sanshe.territory.models import Node

        def fail(message: str):
            self.stderr.write(str(message))
            sys.exit(1)

        path = Path(options["file"])
        try:
            data = path.read_bytes()
        except OSError as exc:
            fail(f"{path}: {exc.strerror or exc}")
        actor = None
        if options["user"]:
            actor = User.objects.filter(username=options["user"]).first()
            if actor is None:
                fail(f"No user {options['user']!r}.")
        grid = None
        try:
            community = community_for(actor, options["community"])
            if options["grid"]:
                grid = Node.objects.filter(code=options["grid"]).first()
                if grid is None:
                    fail(f"No grid {options['grid']!r}.")
            result = import_residents(data, path.name, actor=actor, community=community, grid=grid,
                                      dry_run=options["dry_run"])
        except ImportRefused as exc:
            fail(str(exc))
        except (Denied, OutOfScope):
            fail("Permission denied for this community.")
        if options["json"]:
            self.stdout.write(json.dumps(result, ensure_ascii=False))
            return
        prefix = "[dry run] " if options["dry_run"] else ""
        self.stdout.write(f"{prefix}{community.name} ({community.code}): rows {result['rows']}, created "
                          f"{result['created']}, updated {result['updated']}, unchanged {result['unchanged']}, "
                          f"errors {len(result['errors'])}")
        for error in result["errors"]:
            column = f" [{error['column']}]" if error["column"] else ""
            self.stdout.write(f"  row {error['row']}{column}: {error['reason']}")
