#!/usr/bin/env bash
# Build both images from what `cdk deploy` stages and run them the way Lambda and SageMaker do:
#   1. `npx cdk synth` (the image assets are staged into cdk.out/asset.<hash>/);
#   2. scripts/images.py builds each asset with podman from its folder, as the CDK CLI would;
#   3. tests/images runs the handler image through a Runtime API server in a Lambda-shaped
#      sandbox and the training image as a SageMaker training job.
# Needs root (podman, a network namespace); installs podman, runc and debootstrap with apt when
# missing. The last line is the verdict:
#   IMAGES lambda=ok training=ok lambda_init_s=… lambda_run_s=… lambda_image_mb=… training_image_mb=…
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "$(id -u)" != 0 ]; then
  echo "verify-images: run as root (podman builds and runs images, the sandbox is a network namespace)" >&2
  exit 2
fi
need=()
for tool in podman runc debootstrap; do command -v "$tool" >/dev/null 2>&1 || need+=("$tool"); done
command -v ip >/dev/null 2>&1 || need+=(iproute2)
if [ ${#need[@]} -gt 0 ]; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi
[ -x .venv/bin/python ] || bash scripts/bootstrap.sh dev
[ -d node_modules ] || npm ci --no-audit --no-fund --loglevel=error

export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION=20 CDK_DISABLE_VERSION_CHECK=1 CDK_DISABLE_CLI_TELEMETRY=true
out=cdk.out
start=$SECONDS
# The synth a real `cdk deploy` runs first: the CLI resolves account and region from the
# credentials, ARNs become literal, and every cdk-nag acknowledgment must still match them.
env -u AWS_PROFILE CDK_DEFAULT_ACCOUNT=123456789012 CDK_DEFAULT_REGION=eu-west-1 \
  npx cdk synth --quiet --no-notices --output "$out.env" >/dev/null
rm -rf "$out.env"
npx cdk synth --quiet --no-notices --output "$out" >/dev/null
echo "verify-images: synthesized (with an account and region, then agnostic) in $((SECONDS - start)) s" >&2
.venv/bin/python scripts/images.py build "$out" >/dev/null
echo "verify-images: built in $((SECONDS - start)) s" >&2
results="$out/voice-images-results.json"
rm -f "$results"
VOICE_IMAGES_MANIFEST="$out/voice-images.json" VOICE_IMAGES_RESULTS="$results" \
  .venv/bin/pytest tests/images -q -p no:cacheprovider "$@" || true
echo "verify-images: done in $((SECONDS - start)) s" >&2
exec .venv/bin/python scripts/images.py summary "$out/voice-images.json" "$results"
