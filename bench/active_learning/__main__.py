"""Entry point: `python -m bench.active_learning [--quick] [--size full --device cuda]`."""

from bench.active_learning.run import main

raise SystemExit(main())
