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
  .venv/bin/python -m pip install -q -c requirements/constraints.txt -e ".[dev]"
  .venv/bin/python -m pip check
  echo "$want" > "$stamp"
fi
