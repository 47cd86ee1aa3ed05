"""``python -m bench.retrieval``: see bench/retrieval/run.py."""

from bench.retrieval.run import main

raise SystemExit(main())
