#!/usr/bin/env bash
# Creates .venv with the pinned dependency set (skipped when nothing changed since the last run).
# Used by both README commands; safe to run repeatedly.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3.11}
command -v "$PY" >/dev/null || PY=python3
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
stamp=.venv/.arbiter-deps
want=$(cat pyproject.toml requirements/constraints.txt | sha256sum | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "==> installing Python dependencies into .venv (pinned; torch is the CPU build)"
  .venv/bin/python -m pip install -q --upgrade pip
  # One line that counts the packages as pip fetches them (the first install takes minutes).
  .venv/bin/python -m pip install -c requirements/constraints.txt -e ".[dev]" 2>&1 | awk '
    /^Collecting / { n++; printf "\r    %d packages resolved (%s)                    ", n, $2; fflush() }
    /^Installing collected packages/ { printf "\n    installing them...\n"; fflush() }
    /^(ERROR|error)/ { print }
    END { print "" }'
  .venv/bin/python -m pip check
  echo "$want" > "$stamp"
fi
