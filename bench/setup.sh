#!/usr/bin/env bash
# What `make bench` needs besides the Swift build: tig (the terminal-bytes peer, from Debian)
# and a virtual environment with the Python peers' packages (from PyPI). Installs only what
# is missing, so a second run costs nothing.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v tig >/dev/null || ! command -v git >/dev/null || ! command -v sqlite3 >/dev/null; then
  if [ "$(id -u)" -eq 0 ]; then SUDO=""; elif command -v sudo >/dev/null; then SUDO=sudo; else
    echo "bench/setup.sh: tig, git and sqlite3 are needed (apt-get install tig git sqlite3, as root)" >&2; exit 1
  fi
  echo "bench/setup.sh: installing tig, git and sqlite3"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends tig git sqlite3 >/dev/null
fi

VENV=.venv-bench
if ! "$VENV/bin/python" -c "import httpx, httpx_sse, sse_starlette, uvicorn" 2>/dev/null; then
  echo "bench/setup.sh: creating $VENV with httpx-sse, sse-starlette, uvicorn and httpx"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q httpx-sse sse-starlette uvicorn httpx
fi
