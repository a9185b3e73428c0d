#!/usr/bin/env bash
# One idempotent set-up shared by `./minwon start` and `./minwon test`.
#
# Installs what a fresh Debian machine lacks (Java for KoNLPy, espeak-ng for the voice prompts,
# PostgreSQL and Redis for the scale-out tests, Chromium for browser tests), finds a Python 3.10
# for the Rasa side, and builds two separate virtual environments from the lock files:
#   rasa:    Rasa 3.6 + rasa-sdk + channels + NLU (Python 3.10; old pydantic/SQLAlchemy pins)
#   backend: the issuance & dispatch service (current Python 3.11+)
# Environments live outside the work tree, keyed by a hash of their lock file, so a second clone
# (CI) reuses them and a changed lock builds a new one. When everything is in place this takes
# about a second.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CACHE="${MINWON_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/minwon}"
mkdir -p "$CACHE/venvs" "$ROOT/.venvs" "$ROOT/logs" "$ROOT/var"

log() { printf '[setup] %s\n' "$*" >&2; }

# --- Debian packages -------------------------------------------------------------------------
need_apt=()
command -v java >/dev/null 2>&1 || need_apt+=(default-jre-headless)
command -v espeak-ng >/dev/null 2>&1 || need_apt+=(espeak-ng)
# pyttsx3's espeak driver loads libespeak-ng.so.1 through ctypes.
ldconfig -p 2>/dev/null | grep -q 'libespeak-ng.so.1' || need_apt+=(libespeak-ng1)
command -v sox >/dev/null 2>&1 || need_apt+=(sox)
pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1 || true)
[ -n "$pg_bin" ] && [ -x "$pg_bin/initdb" ] || need_apt+=(postgresql)
command -v redis-server >/dev/null 2>&1 || need_apt+=(redis-server)
[ -x /usr/bin/chromium ] || need_apt+=(chromium)
command -v git >/dev/null 2>&1 || need_apt+=(git)
# The balancer in front of several Rasa processes (./minwon start --rasa-processes N, tests/scale).
command -v haproxy >/dev/null 2>&1 || [ -x /usr/sbin/haproxy ] || need_apt+=(haproxy)
# Hangul glyphs for chromium: the console and phone-simulator screenshots show text, not boxes.
[ -d /usr/share/fonts/truetype/nanum ] || need_apt+=(fonts-nanum)

if [ "${#need_apt[@]}" -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ] && ! command -v sudo >/dev/null 2>&1; then
    log "missing Debian packages: ${need_apt[*]} — install them as root and run again"
    exit 1
  fi
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  log "installing Debian packages: ${need_apt[*]}"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
  # Debian starts the packaged services on install; minwon runs its own instances instead.
  $SUDO systemctl disable --now redis-server postgresql haproxy >/dev/null 2>&1 || true
  # Without systemd the init scripts started them; stop those too (ours use their own ports).
  for svc in redis-server postgresql haproxy; do $SUDO service "$svc" stop >/dev/null 2>&1 || true; done
fi

# --- Python 3.10 for Rasa ----------------------------------------------------------------------
find_python310() {
  local candidates=()
  [ -n "${MINWON_PYTHON310:-}" ] && candidates+=("$MINWON_PYTHON310")
  if command -v pyenv >/dev/null 2>&1; then
    for d in "$(pyenv root)"/versions/3.10.*; do [ -x "$d/bin/python" ] && candidates+=("$d/bin/python"); done
  fi
  for d in "$HOME"/.pyenv/versions/3.10.*; do [ -x "$d/bin/python" ] && candidates+=("$d/bin/python"); done
  candidates+=(/usr/bin/python3.10 /usr/local/bin/python3.10)
  command -v python3.10 >/dev/null 2>&1 && candidates+=("$(command -v python3.10)")
  for c in "${candidates[@]}"; do
    if [ -x "$c" ] && PYENV_VERSION=3.10 "$c" -c 'import sys, venv; assert sys.version_info[:2] == (3, 10)' 2>/dev/null; then
      echo "$c"; return 0
    fi
  done
  return 1
}

PY310="$(find_python310)" || {
  log "Rasa Open Source 3.6 needs Python 3.10 and none was found."
  log "Get one with pyenv ('pyenv install 3.10.13'), uv ('uv python install 3.10'),"
  log "or your distribution's python3.10 package, then run again (or set MINWON_PYTHON310=/path/to/python3.10)."
  exit 1
}

# --- virtual environments ------------------------------------------------------------------------
PY_BACKEND="${MINWON_PYTHON:-python3}"

build_venv() {  # name python lockfile [hashed-extra-lockfile]
  local name="$1" py="$2" lock="$3" extra="${4:-}"
  local key
  key=$( (cat "$lock" ${extra:+"$extra"}; "$py" -c 'import sys; print(sys.version)') | sha256sum | cut -c1-12)
  local dir="$CACHE/venvs/$name-$key"
  if [ ! -f "$dir/.minwon-installed" ]; then
    log "building the $name environment in $dir (first run only)"
    rm -rf "$dir"
    "$py" -m venv "$dir"
    # pip's output goes to a log: this machine's pip config prints a warning per package.
    if ! { "$dir/bin/python" -m pip install -q --upgrade "pip<25" &&
           "$dir/bin/python" -m pip install -q -r "$lock" &&
           { [ -z "$extra" ] ||
             "$dir/bin/python" -m pip install -q --no-deps --require-hashes -r "$extra"; }
         } >"$CACHE/pip-$name.log" 2>&1; then
      tail -n 40 "$CACHE/pip-$name.log" >&2
      log "installing the $name environment failed; full log: $CACHE/pip-$name.log"
      exit 1
    fi
    touch "$dir/.minwon-installed"
  fi
  ln -sfn "$dir" "$ROOT/.venvs/$name"
}

build_venv rasa "$PY310" "$ROOT/requirements/rasa.lock" "$ROOT/requirements/voice.lock"
if [ -f "$ROOT/backend/requirements.lock" ]; then
  build_venv backend "$PY_BACKEND" "$ROOT/backend/requirements.lock"
fi

log "ready: .venvs/rasa ($("$ROOT/.venvs/rasa/bin/python" -V 2>&1))$([ -e "$ROOT/.venvs/backend" ] && echo ", .venvs/backend")"
