# Day-to-day targets. They use the project's .venv as it is (no apt, npm or pip runs here):
# `bash scripts/test.sh` installs everything first and is what CI runs.
PY := .venv/bin
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 20

.PHONY: lint unit functional infra e2e images lock test test-fast

lint:  ## ruff, ruff format --check, mypy (strict)
	$(PY)/ruff check .
	$(PY)/ruff format --check .
	$(PY)/mypy

unit:  ## no I/O: parsers, layout, features, model, structure
	$(PY)/pytest tests/unit

functional:  ## stores, handlers and the training job against moto or temp dirs
	$(PY)/pytest tests/functional

infra:  ## the CDK template, cdk-nag, the state machine (needs node and the npm tools)
	$(PY)/pytest tests/infra

e2e:  ## the CLI on the bundled samples, the demo in headless Chromium
	$(PY)/pytest tests/e2e

images:  ## build both images from the synthesized assets and run them as Lambda/SageMaker do (root, podman)
	bash scripts/verify-images.sh

lock:  ## regenerate docker/requirements.lock (hashes; keeps pins; ARGS=--upgrade moves them)
	$(PY)/python scripts/lock.py $(ARGS)

# Measured on the shared 2-core machine (2026-12-06): 53 s wall for 1,235 of the 1,360 tests,
# against 9.5 min for the whole suite. A test that takes more than about a second gets
# @pytest.mark.slow (measured with --durations=0 per tier).
test-fast:  ## the inner loop: every tier but the tests marked slow (lint excluded)
	$(PY)/pytest -m "not slow"

test: lint  ## everything, as scripts/test.sh runs it after installing
	$(PY)/pytest
	bash scripts/verify-images.sh
