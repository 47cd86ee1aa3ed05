"""Run the kill chain (tests.faults.kill_chain) on the embedded default: a fresh SQLite database and
the filesystem broker, in this process (the test process has its own database).

    python -m tests.faults.embedded_driver OUT.json COHORT_DIR WORKDIR kind [kind ...]

The caller sets the environment: DATABASE_URL=sqlite:///..., CELERY_BROKER_URL=filesystem://,
ARBITER_BROKER_DIR, ARBITER_VAR_DIR. Writes the results as JSON to OUT.json.
"""

import json
import os
import sys
from pathlib import Path


def main(argv: list[str]) -> int:
    out, data, workdir, kinds = Path(argv[0]), Path(argv[1]), Path(argv[2]), argv[3:]
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    from tests.faults.kill_chain import Broker, format_results, run_kill_chain

    call_command("migrate", verbosity=0)

    def publish(task, *args, queue: str | None = "default") -> None:
        task.apply_async(args=args, queue=queue)

    broker = Broker(
        "SQLite + filesystem broker",
        settings.CELERY_BROKER_URL,
        publish,
        env={"ARBITER_BROKER_DIR": os.environ["ARBITER_BROKER_DIR"]},
    )
    results = run_kill_chain(kinds, broker, workdir, data)
    print(format_results(broker.name, results))
    out.write_text(json.dumps([r.as_dict() for r in results], indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
