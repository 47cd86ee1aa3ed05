"""Print the demo's job progress in the terminal until everything `demo_setup` queued is done, then
'ready' (used by scripts/run.sh). Exits 0 when ready, 1 on --timeout."""

import time

from django.core.management.base import BaseCommand, CommandParser

from learning.selectors.demo_progress import demo_ready, demo_steps


class Command(BaseCommand):
    help = "Follow the demo's jobs (NLP, QC, first models, scoring) and say when the demo is ready."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--timeout", type=float, default=1800, help="seconds to wait at most")
        parser.add_argument("--interval", type=float, default=2.0)
        parser.add_argument("--url", default="", help="the address to repeat with 'ready'")

    def handle(self, *args, **opts) -> None:
        start = time.monotonic()
        shown: dict[str, str] = {s.label: s.line() for s in demo_steps() if s.state in ("done", "failed")}
        if shown:
            self.stdout.write(f"  {len(shown)} demo job(s) already finished earlier")
        while True:
            steps = demo_steps()
            for s in steps:
                line = s.line()
                if shown.get(s.label) != line:
                    shown[s.label] = line
                    self.stdout.write(f"  [{time.monotonic() - start:5.0f} s] {line}")
            if demo_ready(steps):
                failed = [s.label for s in steps if s.state == "failed"]
                note = (
                    f" ({len(failed)} job(s) failed: {', '.join(failed)}; see the worker log)"
                    if failed
                    else ""
                )
                where = f" at {opts['url']}" if opts["url"] else ""
                self.stdout.write(self.style.SUCCESS(f"==> ready: the demo's jobs are done{where}{note}"))
                return
            if time.monotonic() - start > opts["timeout"]:
                self.stdout.write(
                    self.style.WARNING("==> still working after the timeout; see the worker log")
                )
                raise SystemExit(1)
            time.sleep(opts["interval"])
