"""``python -m bench.qc``: see bench/qc/run.py."""

from bench.qc.run import main

raise SystemExit(main())
