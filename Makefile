# Day-to-day targets. They use the project's .venv as it is (no apt, npm or pip runs here):
# `bash scripts/test.sh` installs everything first and is what CI runs.
PY := .venv/bin
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 20

.PHONY: lint unit functional infra e2e images test

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

test: lint  ## everything, as scripts/test.sh runs it after installing
	$(PY)/pytest
	bash scripts/verify-images.sh
