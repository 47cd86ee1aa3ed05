# The two commands of the README, plus a few conveniences.
.PHONY: run test lint bench

run:   ## the platform on its embedded default: SQLite, filesystem broker, a real worker, a synthetic cohort
	@scripts/run.sh

test:  ## the whole test suite (PostgreSQL/Redis/Celery/browser where the machine has them; required when CI=true)
	@scripts/test.sh

lint:
	@scripts/bootstrap.sh && .venv/bin/ruff check . && .venv/bin/ruff format --check .
