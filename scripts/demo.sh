#!/usr/bin/env bash
# Install VOICE into .venv (first run only) and run the whole job on the bundled samples:
# process every sample -> train the patient model -> predict a held-out video -> HTML report.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
exec .venv/bin/voice demo "$@"
