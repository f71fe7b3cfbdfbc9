# The SageMaker training image of VOICE (script mode without the toolkit): SageMaker runs
# `docker run <image> train`; the entry maps SageMaker's files to the SM_* contract of
# training/train.py and runs it. Channel "train" = a copy of s3://<patients>/<patient>/.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONPATH=/opt/ml/code \
    MPLCONFIGDIR=/tmp/matplotlib \
    SM_CHANNEL_TRAIN=/opt/ml/input/data/train \
    SM_MODEL_DIR=/opt/ml/model \
    SM_OUTPUT_DATA_DIR=/opt/ml/output/data \
    VOICE_FAILURE_FILE=/opt/ml/output/failure

# One dependency list: pyproject.toml (no extras: training needs no Lambda runtime).
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
COPY pyproject.toml README.md /build/
COPY voice /build/voice
# DL3013: the argument is the project itself; its versions are pinned in pyproject.toml.
# hadolint ignore=DL3013
RUN pip install --no-cache-dir /build \
    && if pip show -q opencv-contrib-python; then \
         pip uninstall -y opencv-contrib-python \
         && pip install --no-cache-dir --force-reinstall --no-deps "$(pip freeze | grep -i '^opencv-python-headless==')"; \
       fi \
    && rm -rf /build

WORKDIR /opt/ml/code
COPY training /opt/ml/code/training

# Without the SageMaker training toolkit nobody sets SM_HPS: read SageMaker's hyperparameters file.
ENV SM_HYPERPARAMETERS_FILE=/opt/ml/input/config/hyperparameters.json
ENTRYPOINT ["/bin/sh", "-c", "SM_HPS=\"$(cat \"$SM_HYPERPARAMETERS_FILE\" 2>/dev/null || echo '{}')\" exec python -m training.train"]
