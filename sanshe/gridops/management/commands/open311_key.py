"""API keys of Open311 client applications.

``manage.py open311_key create NAME [--district CODE]`` prints the new key once (only its SHA-256 is kept);
``open311_key list`` shows the clients (name, key prefix, district, state, last use); ``open311_key revoke
NAME`` disables a key for good.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from sanshe.gridops.models import Open311Client
from sanshe.gridops.open311.services import create_client, revoke_client
from sanshe.territory.choices import Level
from sanshe.territory.models import Node


def _messages(exc: ValidationError) -> str:
    return "; ".join(exc.messages)


class Command(BaseCommand):
    help = "Issue, list and revoke API keys of Open311 GeoReport v2 client applications."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True, metavar="{create,list,revoke}")
        create = sub.add_parser("create", help="issue a key to a client application; prints the key once")
        create.add_argument("name", help="name of the client application, e.g. 蓉e办")
        create.add_argument("--district", help="district code (6 digits); optional when only one district exists")
        sub.add_parser("list", help="list the client applications")
        revoke = sub.add_parser("revoke", help="disable a client application's key")
        revoke.add_argument("name")

    def handle(self, *args, action: str, **options):
        getattr(self, f"_{action}")(**options)

    def _create(self, *, name: str, district: str | None, **options):
        districts = Node.objects.filter(level=Level.DISTRICT, is_active=True)
        if district:
            node = districts.filter(code=district.strip()).first()
            if node is None:
                raise CommandError(f"No active district has the code {district}.")
        else:
            found = list(districts[:2])
            if len(found) != 1:
                raise CommandError("Give the district with --district CODE"
                                   + (" (several districts exist)." if found else " (no district exists yet)."))
            node = found[0]
        try:
            client, key = create_client(name=name, district=node)
        except ValidationError as exc:
            raise CommandError(_messages(exc)) from exc
        self.stdout.write(self.style.SUCCESS(
            f"Open311 client {client.name!r} (id {client.pk}) for district {node.code} {node.name}."))
        self.stdout.write("API key (shown this once; only its SHA-256 is stored):")
        self.stdout.write(key)

    def _list(self, **options):
        clients = Open311Client.objects.select_related("district").order_by("name")
        if not clients:
            self.stdout.write("No Open311 clients.")
            return
        self.stdout.write(f"{'id':>4}  {'name':<24} {'key':<12} {'district':<8} {'state':<8} last used")
        for c in clients:
            used = timezone.localtime(c.last_used_at).strftime("%Y-%m-%d %H:%M") if c.last_used_at else "-"
            state = "active" if c.is_active else "revoked"
            self.stdout.write(f"{c.pk:>4}  {c.name:<24} {c.key_prefix + '…':<12} {c.district.code:<8} {state:<8} {used}")

    def _revoke(self, *, name: str, **options):
        try:
            client = revoke_client(name=name)
        except ValidationError as exc:
            raise CommandError(_messages(exc)) from exc
        self.stdout.write(self.style.SUCCESS(f"Open311 client {client.name!r} revoked: its key no longer works."))
