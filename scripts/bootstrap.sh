#!/usr/bin/env bash
# Create .venv and install the project with the given extras (default: none). Idempotent:
# re-installs only when pyproject.toml or the extras changed.
set -euo pipefail
cd "$(dirname "$0")/.."
extras="${1:-}"
py="${PYTHON:-python3.11}"
command -v "$py" >/dev/null 2>&1 || py=python3
if [ ! -x .venv/bin/python ]; then
  "$py" -m venv .venv
  .venv/bin/python -m pip install -q --upgrade pip
fi
stamp=".venv/.voice-installed-$(sha256sum pyproject.toml | cut -c1-12)-${extras//,/_}"
if [ ! -f "$stamp" ]; then
  spec="."
  [ -n "$extras" ] && spec=".[$extras]"
  if [[ ",$extras," == *",openai,"* ]]; then
    # The CPU torch wheel first, so openai-whisper does not pull a CUDA build.
    .venv/bin/python -m pip install -q "torch==2.13.0"
  fi
  .venv/bin/python -m pip install -q -e "$spec"
  # mediapipe pulls opencv-contrib-python next to the headless build; both own cv2/ and the
  # contrib one needs libGL. Keep exactly one OpenCV: the headless one.
  if .venv/bin/python -m pip show -q opencv-contrib-python >/dev/null 2>&1; then
    .venv/bin/python -m pip uninstall -q -y opencv-contrib-python
    .venv/bin/python -m pip install -q --force-reinstall --no-deps "$(.venv/bin/python -m pip freeze | grep -i '^opencv-python-headless==')"
  fi
  touch "$stamp"
fi
