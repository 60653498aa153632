"""Print the current TOTP code of an account's authenticator device (development and demo only)."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError

from .seed_demo import refuse_in_production


class Command(BaseCommand):
    help = "Print the current 6-digit TOTP code of USERNAME's confirmed device, so a tester can log in. Not in production."

    def add_arguments(self, parser):
        parser.add_argument("username")

    def handle(self, *args, username: str, **options):
        refuse_in_production("totp_code")
        from django_otp.oath import TOTP
        from django_otp.plugins.otp_totp.models import TOTPDevice

        device = (
            TOTPDevice.objects.filter(user__username=username, confirmed=True).order_by("pk").first()
        )
        if device is None:
            raise CommandError(f"{username} has no confirmed TOTP device (run `manage.py seed_demo` first?).")
        totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
        totp.time = time.time()
        code = f"{totp.token():0{device.digits}d}"
        left = device.step - int(totp.time - device.t0) % device.step
        self.stdout.write(code)
        if options.get("verbosity", 1) >= 1 and self.stderr.isatty():
            self.stderr.write(f"valid for {left} more seconds; a code is accepted only once.")
