#!/usr/bin/env bash
# The whole test suite. Installs what it needs, finds PostgreSQL and Redis on 127.0.0.1 and uses them
# (with CI=true their absence is an error, not a skip), then runs pytest. Extra args go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh
scripts/test-services.sh          # Orthanc + DICOMweb plugin (the PACS tests start their own instance)
scripts/frontend.sh test-setup    # web UI build, Debian chromium and playwright-core for the browser tests

probe() { .venv/bin/python - "$@" <<'PY'
import socket, sys
s = socket.socket(); s.settimeout(1.0)
try:
    s.connect((sys.argv[1], int(sys.argv[2]))); print("up")
except OSError:
    print("down")
PY
}
if [ -z "${DATABASE_URL:-}" ] && [ "$(probe 127.0.0.1 5432)" = up ]; then
  export DATABASE_URL="postgres://postgres@127.0.0.1:5432/arbiter"
fi
if [ -z "${ARBITER_TEST_REDIS_URL:-}" ] && [ "$(probe 127.0.0.1 6379)" = up ]; then
  export ARBITER_TEST_REDIS_URL="redis://127.0.0.1:6379/15"
fi
# Tasks published by the tests and consumed by the test worker go through that Redis.
[ -n "${ARBITER_TEST_REDIS_URL:-}" ] && export CELERY_BROKER_URL="$ARBITER_TEST_REDIS_URL"
if [ "${CI:-}" = true ]; then
  [[ "${DATABASE_URL:-}" == postgres* ]] || { echo "CI: PostgreSQL on 127.0.0.1:5432 is required" >&2; exit 1; }
  [ -n "${ARBITER_TEST_REDIS_URL:-}" ] || { echo "CI: Redis on 127.0.0.1:6379 is required" >&2; exit 1; }
fi
echo "==> database: ${DATABASE_URL:-sqlite (embedded)}; redis: ${ARBITER_TEST_REDIS_URL:-none}"
export ARBITER_VAR_DIR="${ARBITER_VAR_DIR:-$PWD/var/test}"
exec .venv/bin/python -m pytest "$@"
