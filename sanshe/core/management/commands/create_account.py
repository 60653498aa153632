"""Create an account with one role: the first administrators of a new installation.

    manage.py create_account sysadmin --role system_admin --node 510108 --full-name "张三"

The password is asked for twice (or read from standard input with ``--password-stdin``) and must pass the
password rules. An account that exists keeps its password and only gets the role. Uses
:func:`sanshe.accounts.services.bootstrap_account` (audited as done by the system).
"""

from __future__ import annotations

import getpass
import sys

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from sanshe.accounts.models import User
from sanshe.accounts.roles import ADMIN_ROLES, Role
from sanshe.accounts.services import bootstrap_account
from sanshe.territory.models import Node


class Command(BaseCommand):
    help = "Create an account (or add a role to one) at a territory node, from the server's shell."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--role", required=True, choices=Role.values)
        parser.add_argument("--node", required=True, help="code of the territory node, e.g. the district's 510108")
        parser.add_argument("--full-name", default="")
        parser.add_argument("--password-stdin", action="store_true",
                            help="read the password from the first line of standard input")

    def handle(self, *args, username: str, role: str, node: str, full_name: str, password_stdin: bool,
               **options):
        username = username.strip()
        target = Node.objects.filter(code=node.strip()).first()
        if target is None:
            raise CommandError(f"No territory node has the code {node}. Create the district with "
                               "`manage.py bootstrap_district CODE NAME` first.")
        existing = User.objects.filter(username=username).first()
        password = ""
        if existing is None:
            password = self._password(password_stdin)
            try:
                validate_password(password, User(username=username, full_name=full_name))
            except ValidationError as exc:
                raise CommandError("Password refused: " + " ".join(exc.messages)) from exc
        try:
            user = bootstrap_account(username=username, password=password, role=role, node=target,
                                     full_name=full_name)
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        what = "Role added to existing account" if existing else "Account created"
        self.stdout.write(self.style.SUCCESS(f"{what}: {user.username} — {role} at {target.code} {target.name}."))
        if existing is not None:
            self.stdout.write("The existing password was left unchanged.")
        if role in ADMIN_ROLES:
            self.stdout.write("At the first login the account sets up its authenticator app (TOTP second factor).")

    def _password(self, from_stdin: bool) -> str:
        if from_stdin:
            password = sys.stdin.readline().rstrip("\r\n")
        else:
            if not sys.stdin.isatty():
                raise CommandError("No terminal to ask for the password: use --password-stdin.")
            password = getpass.getpass("Password: ")
            if password != getpass.getpass("Password (again): "):
                raise CommandError("The two passwords differ.")
        if not password:
            raise CommandError("The password may not be empty.")
        return password
