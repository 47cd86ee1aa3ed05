#!/usr/bin/env bash
# The platform on its embedded default: SQLite, a filesystem Celery broker (no server), a real Celery
# worker process beside the web server, a generated synthetic cohort, demo users. Ctrl-C stops both.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh
[ -x scripts/frontend.sh ] && scripts/frontend.sh build
export ARBITER_VAR_DIR="${ARBITER_VAR_DIR:-$PWD/var}"
HOST="${HOST:-127.0.0.1}"
PORT="${PORT:-8000}"
PY=.venv/bin/python
$PY manage.py migrate --noinput -v 0
$PY manage.py collectstatic --noinput -v 0
$PY manage.py demo_setup
mkdir -p "$ARBITER_VAR_DIR/log"
$PY -m celery -A config worker -Q default,gpu -c 1 -l INFO >"$ARBITER_VAR_DIR/log/worker.log" 2>&1 &
WORKER=$!
trap 'kill $WORKER 2>/dev/null; wait $WORKER 2>/dev/null' EXIT INT TERM
cat <<MSG

  Arbiter is running at http://$HOST:$PORT/
    admin        admin / arbiter-demo   (datasets, imports, training runs, exports; /admin/ too)
    radiologists rad1, rad2, rad3 / arbiter-demo   (rad3 is also the adjudicator)
  API docs: http://$HOST:$PORT/api/docs/    worker log: $ARBITER_VAR_DIR/log/worker.log

MSG
.venv/bin/gunicorn config.wsgi --bind "$HOST:$PORT" --workers 2 --threads 4 --access-logfile - --log-level warning
