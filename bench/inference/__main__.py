"""``python -m bench.inference``: see bench/inference/run.py."""

from bench.inference.run import main

raise SystemExit(main())
