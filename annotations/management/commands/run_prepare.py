"""What `make run` does before starting its processes, in one Python process (one Django start
instead of three): migrate, collect the static files, set up the demo (scripts/run.sh)."""

import time

from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "migrate + collectstatic + demo_setup, with the time each took."

    def handle(self, *args, **opts) -> None:
        for label, name, kw in (
            ("database schema", "migrate", {"interactive": False, "verbosity": 0}),
            ("static files", "collectstatic", {"interactive": False, "verbosity": 0}),
            ("demo data", "demo_setup", {}),
        ):
            t0 = time.monotonic()
            self.stdout.write(f"==> {label}")
            call_command(name, stdout=self.stdout, **kw)
            self.stdout.write(f"    {label}: {time.monotonic() - t0:.1f} s")
