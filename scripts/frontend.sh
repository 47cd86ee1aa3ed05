#!/usr/bin/env bash
# The web UI's build and test steps (frontend/). Quiet and idempotent: each step is skipped when
# its inputs have not changed since the last run (hash stamps in frontend/.cache/).
#
#   scripts/frontend.sh build       npm ci (when package-lock.json changed), the API client generated
#                                   from the OpenAPI schema (manage.py spectacular + openapi-typescript),
#                                   type check, vite build into frontend/dist/ (served by Django)
#   scripts/frontend.sh bundle      the same without the type check (make run: a changed file costs a
#                                   vite build, about 1 s, not tsc's 10 s; make test and CI type-check)
#   scripts/frontend.sh test-setup  build, plus Debian's chromium and firefox-esr for the browser
#                                   tests (never a browser download; playwright-core drives
#                                   /usr/bin/chromium, and /usr/bin/firefox-esr over WebDriver BiDi)
#   scripts/frontend.sh unit        the Vitest unit tests
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
FE=$ROOT/frontend
CACHE=$FE/.cache
PY=$ROOT/.venv/bin/python
mkdir -p "$CACHE"

say() { echo "==> frontend: $*"; }
hash_of() { sha256sum | cut -d' ' -f1; }
stamp_ok() { [ "$(cat "$CACHE/$1.stamp" 2>/dev/null)" = "$2" ]; }
stamp_set() { echo "$2" > "$CACHE/$1.stamp"; }

need_node() {
  command -v npm >/dev/null || { echo "frontend: Node.js 20+ and npm are needed to build the web UI" >&2; exit 1; }
}

deps() {
  need_node
  local want
  want=$( (cat "$FE/package-lock.json"; node --version) | hash_of)
  if [ ! -d "$FE/node_modules" ] || ! stamp_ok deps "$want"; then
    say "installing npm packages (npm ci)"
    (cd "$FE" && npm ci --no-audit --no-fund --loglevel=error >/dev/null 2>"$CACHE/npm-ci.log") \
      || { cat "$CACHE/npm-ci.log" >&2; exit 1; }
    stamp_set deps "$want"
  fi
}

schema() {
  # The schema depends on the Django apps' code; regenerate it only when that code changed (the
  # Django-free libraries, ml/ imaging/ synthetic/ layouts/, hold no API and are left out).
  local want
  want=$(find "$ROOT/annotations" "$ROOT/config" "$ROOT/learning" -name '*.py' -not -path '*/migrations/*' \
           -print0 2>/dev/null | sort -z | xargs -0 cat | hash_of)
  if [ ! -f "$CACHE/openapi.yml" ] || [ ! -f "$FE/src/api/schema.d.ts" ] || ! stamp_ok schema "$want"; then
    say "the API code changed: regenerating the OpenAPI schema"
    "$PY" "$ROOT/manage.py" spectacular --file "$CACHE/openapi.yml" --validate >"$CACHE/spectacular.log" 2>&1 \
      || { cat "$CACHE/spectacular.log" >&2; exit 1; }
    stamp_set schema "$want"
  fi
  # Most code changes leave the API as it was: the client is regenerated only when the schema
  # itself changed (and an unchanged client leaves the web UI's build stamp valid).
  local api
  api=$(hash_of <"$CACHE/openapi.yml")
  if [ ! -f "$FE/src/api/schema.d.ts" ] || ! stamp_ok client "$api"; then
    say "generating the API client from the changed OpenAPI schema"
    (cd "$FE" && npx --no-install openapi-typescript "$CACHE/openapi.yml" -o src/api/schema.d.ts \
       >"$CACHE/openapi-typescript.log" 2>&1) || { cat "$CACHE/openapi-typescript.log" >&2; exit 1; }
    stamp_set client "$api"
  fi
}

sources_hash() {
  (cd "$FE" && find src index.html vite.config.ts tsconfig.json package-lock.json -type f -print0 \
     | sort -z | xargs -0 sha256sum) | hash_of
}

bundle() {
  deps
  schema
  local want
  want=$(sources_hash)
  if [ ! -f "$FE/dist/index.html" ] || ! stamp_ok build "$want"; then
    say "building the web UI"
    (cd "$FE" && npx --no-install vite build --logLevel warn >"$CACHE/build.log" 2>&1) \
      || { cat "$CACHE/build.log" >&2; exit 1; }
    stamp_set build "$want"
  fi
}

build() {
  bundle
  local want
  want=$(sources_hash)
  if ! stamp_ok typecheck "$want"; then
    say "type-checking the web UI"
    (cd "$FE" && npx --no-install tsc --noEmit >"$CACHE/typecheck.log" 2>&1) \
      || { cat "$CACHE/typecheck.log" >&2; exit 1; }
    stamp_set typecheck "$want"
  fi
}

debian_browser() {
  # debian_browser COMMAND PACKAGE: apt-get installs PACKAGE unless COMMAND is on the PATH (type -P:
  # a file on the PATH; `command -v chromium` would find the shell function below and never install).
  local cmd=$1 pkg=$2
  if type -P "$cmd" >/dev/null; then return; fi
  if [ "$(id -u)" != 0 ]; then
    echo "frontend: Debian's $pkg is not installed and this is not root; its browser tests will skip" >&2
    return
  fi
  say "installing Debian's $pkg for the browser tests"
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$pkg") \
    >"$CACHE/apt-$pkg.log" 2>&1 || { cat "$CACHE/apt-$pkg.log" >&2; exit 1; }
}

chromium() { debian_browser chromium chromium; }
firefox() { debian_browser firefox-esr firefox-esr; }

unit() {
  deps
  cd "$FE" && exec npx --no-install vitest run --reporter=dot "$@"
}

(
  # One build at a time (the run script and the test script may both ask for one).
  exec 9>"$CACHE/lock"
  flock 9
  case "${1:-build}" in
    build) build ;;
    bundle) bundle ;;
    test-setup) build; chromium; firefox ;;
    unit) shift; unit "$@" ;;
    *) echo "usage: scripts/frontend.sh build|bundle|test-setup|unit" >&2; exit 2 ;;
  esac
) 
