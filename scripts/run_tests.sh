#!/usr/bin/env bash
# Every test: the backend's own suite (its environment, SQLite and PostgreSQL), then the Rasa side
# (NLU, components, channels, actions, dialogue stories, end to end). Extra arguments go to the
# Rasa-side pytest, e.g. `./minwon test -k kakao`.
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
status=0
if [ -d backend/tests ] && [ -x .venvs/backend/bin/python ]; then
  echo "== backend tests"
  (cd backend && PYTHONPATH="$ROOT/backend" ../.venvs/backend/bin/python -m pytest -q) || status=1
fi
echo "== Rasa-side tests"
PYTHONPATH="$ROOT" .venvs/rasa/bin/python -m pytest -q "$@" || status=1
exit $status
