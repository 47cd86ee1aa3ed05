"""What `make run` does before starting its processes, in one Python process (one Django start
instead of three): migrate, collect the static files, set up the demo (scripts/run.sh)."""

import time

from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "migrate + collectstatic + demo_setup, with the time each took."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--no-static",
            action="store_true",
            help="leave collectstatic to the web server's start (make run builds the web UI meanwhile)",
        )

    def handle(self, *args, **opts) -> None:
        steps = [
            ("database schema", "migrate", {"interactive": False, "verbosity": 0}),
            ("static files", "collectstatic", {"interactive": False, "verbosity": 0}),
            ("demo data", "demo_setup", {}),
        ]
        if opts["no_static"]:
            steps = [s for s in steps if s[1] != "collectstatic"]
        for label, name, kw in steps:
            t0 = time.monotonic()
            self.stdout.write(f"==> {label}")
            call_command(name, stdout=self.stdout, **kw)
            self.stdout.write(f"    {label}: {time.monotonic() - t0:.1f} s")
