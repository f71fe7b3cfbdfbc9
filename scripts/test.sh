#!/usr/bin/env bash
# Install everything the tests need (system packages, node tools, Python extras), then run
# lint (ruff), types (mypy), every test tier, and (without pytest arguments) the image check
# scripts/verify-images.sh (builds and runs both images with podman; needs root). CI runs exactly this.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
command -v flite >/dev/null 2>&1 || need_apt+=(flite)
command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)
if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
  else
    echo "warning: missing ${need_apt[*]} (needs root to install); dependent tests will fail" >&2
  fi
fi
if [ -f package.json ] && [ ! -d node_modules ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi
bash scripts/bootstrap.sh dev,openai

export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION=20
.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/mypy
status=0
.venv/bin/pytest "$@" || status=$?
if [ $# -eq 0 ]; then
  bash scripts/verify-images.sh || status=1
fi
exit "$status"
