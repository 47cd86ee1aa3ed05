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
# The worker, restarted if it dies (killed, out of memory). Its own reaper timer re-queues what a dead
# worker was running (annotations.services.job_reaper): there is no beat here, and the filesystem
# broker cannot redeliver. Its own process group, so one signal stops the loop and the worker.
setsid bash -c "while true; do $PY -m celery -A config worker -Q default,gpu -c 1 -l INFO; \
  echo \"worker exited (\$?); restarting in 2 s\"; sleep 2; done" >"$ARBITER_VAR_DIR/log/worker.log" 2>&1 &
WORKER=$!
trap 'kill -TERM -- -$WORKER 2>/dev/null; wait $WORKER 2>/dev/null' EXIT INT TERM
cat <<MSG

  Arbiter is running at http://$HOST:$PORT/
    admin        admin / arbiter-demo   (datasets, imports, training runs, exports; /admin/ too)
    radiologists rad1, rad2, rad3 / arbiter-demo   (rad3 also adjudicates)
    adjudicator  adj1 / arbiter-demo   (never reads, so every case can be decided)
  API docs: http://$HOST:$PORT/api/docs/    worker log: $ARBITER_VAR_DIR/log/worker.log

MSG
.venv/bin/gunicorn config.wsgi --bind "$HOST:$PORT" --workers 2 --threads 4 --access-logfile - --log-level warning
