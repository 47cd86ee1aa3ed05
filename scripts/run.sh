#!/usr/bin/env bash
# The platform on its embedded default: SQLite, a filesystem Celery broker (no server), a real Celery
# worker process beside the web server, a generated synthetic cohort, demo users. Ctrl-C stops both.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh
export ARBITER_VAR_DIR="${ARBITER_VAR_DIR:-$PWD/var}"
HOST="${HOST:-127.0.0.1}"
PORT="${PORT:-8000}"
PY=.venv/bin/python
# The web UI is built (the API client regenerated only when the API changed; no type check here:
# make test and CI do it) while the database is migrated and the demo set up: the two share nothing
# until the web server starts, which collects the static files itself (config/wsgi_preloaded.py).
scripts/frontend.sh bundle &
FRONTEND=$!
$PY manage.py run_prepare --no-static   # migrate, demo_setup in one process
wait $FRONTEND || { echo "the web UI could not be built (above)" >&2; exit 1; }
mkdir -p "$ARBITER_VAR_DIR/log"
WORKER=
WEB=
trap '[ -n "$WORKER" ] && kill -TERM -- -$WORKER 2>/dev/null; [ -n "$WEB" ] && kill -TERM $WEB 2>/dev/null; wait $WORKER $WEB 2>/dev/null' EXIT INT TERM
# The web server in the background, its app and URL map imported once before the workers fork
# (--preload, config/wsgi_preloaded.py), then warmed (a signed-in first visit on every worker) before
# the address is shown.
.venv/bin/gunicorn config.wsgi_preloaded --preload --bind "$HOST:$PORT" --workers 2 --threads 4 \
  --access-logfile "$ARBITER_VAR_DIR/log/access.log" --log-level warning &
WEB=$!
echo "==> starting the web server and warming its workers"
$PY scripts/warm_web.py "http://$HOST:$PORT" admin arbiter-demo
# The worker, started once the web server is warm (its start, torch included, would otherwise take
# the CPU from the warm-up; the demo's queued jobs wait a few seconds more), and restarted if it dies
# (killed, out of memory). Its own reaper timer re-queues what a dead worker was running (annotations.services.jobs.reaper): there is no beat here, and the filesystem
# broker cannot redeliver. Its own process group, so one signal stops the loop and the worker.
setsid bash -c "while true; do $PY -m celery -A config worker -Q default,gpu -c 1 -l INFO; \
  echo \"worker exited (\$?); restarting in 2 s\"; sleep 2; done" >"$ARBITER_VAR_DIR/log/worker.log" 2>&1 &
WORKER=$!
cat <<MSG

  Arbiter is running at http://$HOST:$PORT/   (up $SECONDS s after make run started)
    admin        admin / arbiter-demo   (datasets, imports, training runs, exports; /admin/ too)
    radiologists rad1, rad2, rad3 / arbiter-demo   (rad3 also adjudicates)
    adjudicator  adj1 / arbiter-demo   (never reads, so every case can be decided)
  API docs: http://$HOST:$PORT/api/docs/    worker log: $ARBITER_VAR_DIR/log/worker.log

==> the demo's jobs run on the worker (NLP, bad-image detection, first models, scoring); progress:
MSG
$PY manage.py demo_progress --url "http://$HOST:$PORT/" || true
echo "    (Ctrl-C stops the web server and the worker)"
wait $WEB
