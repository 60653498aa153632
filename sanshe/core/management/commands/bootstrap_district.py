"""Create the district node of a new installation: ``manage.py bootstrap_district 510108 成华区``."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from sanshe.territory.models import Node
from sanshe.territory.services import bootstrap_district


class Command(BaseCommand):
    help = "Create (or find) a district by its 6-digit administrative code and name. Idempotent."

    def add_arguments(self, parser):
        parser.add_argument("code", help="6-digit administrative division code, e.g. 510108")
        parser.add_argument("name", help="district name, e.g. 成华区")

    def handle(self, *args, code: str, name: str, **options):
        existed = Node.objects.filter(code=code.strip()).exists()
        try:
            node = bootstrap_district(code=code.strip(), name=name)
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        verb = "exists already" if existed else "created"
        self.stdout.write(self.style.SUCCESS(f"District {node.code} {node.name} {verb} (id {node.pk})."))
