"""``python -m bench.worklist``: see bench/worklist/run.py."""

from bench.worklist.run import main

raise SystemExit(main())
