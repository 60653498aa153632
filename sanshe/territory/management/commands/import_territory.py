"""``manage.py import_territory FILE --user USERNAME [--dry-run] [--json]``: import a territory spreadsheet."""

import json
import uuid
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from sanshe.accounts.models import User
from sanshe.core import context
from sanshe.core.exceptions import Denied
from sanshe.territory.imports import ImportFileError, import_territory


class Command(BaseCommand):
    help = ("Import territory nodes (streets … buildings) from an .xlsx or .csv file, as the given user: "
            "his permission and territory apply and every change is audited under his name. Good rows are "
            "imported even when others fail; the exit status is 1 when any row failed.")

    def add_arguments(self, parser):
        parser.add_argument("file", help="the .xlsx or .csv file")
        parser.add_argument("--user", required=True, help="user name of the account doing the import")
        parser.add_argument("--dry-run", action="store_true", help="check and apply, then roll everything back")
        parser.add_argument("--json", action="store_true", help="print the result as JSON")

    def handle(self, *args, **options):
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(_("No such file: %(path)s") % {"path": path})
        user = User.objects.filter(username=options["user"], is_active=True).first()
        if user is None:
            raise CommandError(_("No active account named %(name)s.") % {"name": options["user"]})
        with context.bind(request_id=uuid.uuid4().hex, user=user, source="cli"):
            try:
                result = import_territory(path.read_bytes(), actor=user, filename=path.name,
                                          dry_run=options["dry_run"])
            except ImportFileError as exc:
                raise CommandError(str(exc)) from exc
            except Denied as exc:
                raise CommandError(str(exc)) from exc
        if options["json"]:
            self.stdout.write(json.dumps(result, ensure_ascii=False, indent=2))
        else:
            for error in result["errors"]:
                self.stdout.write(_("Row %(row)s, %(column)s: %(reason)s") % {
                    "row": error["row"], "column": error["column"] or "—", "reason": error["reason"]})
            summary = _("%(rows)d rows: %(created)d created, %(updated)d updated, %(unchanged)d unchanged, "
                        "%(errors)d with errors.") % {**result, "errors": len(result["errors"])}
            if result["dry_run"]:
                summary += " " + _("Dry run: nothing was saved.")
            self.stdout.write(self.style.WARNING(summary) if result["errors"] else self.style.SUCCESS(summary))
        if result["errors"]:
            raise SystemExit(1)
