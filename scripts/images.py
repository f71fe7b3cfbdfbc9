"""Build the Docker image assets of a synthesized VOICE app with podman, as ``cdk deploy`` would.

``python scripts/images.py build cdk.out`` reads ``cdk.out/*.assets.json`` and builds every
Docker image asset from its staged folder exactly as the CDK CLI does (``cd cdk.out/asset.<hash>
&& docker build --file <dockerFile> --platform <platform> .``), so a broken build context fails
here. It writes ``cdk.out/voice-images.json`` (tags, sizes, build times) for the image tests.

What differs from the CLI is only what this machine needs (see docs/cloud.md, "Verified here"):

- podman with ``--runtime runc`` and fixed ulimits (``VOICE_PODMAN_RUNTIME`` overrides runc);
- ``BASE_IMAGE``: python:3.11-slim cannot be pulled here, so a stand-in made from Debian
  bookworm (the release python:3.11-slim is built on) is built once per machine and cached by
  name; ``VOICE_BASE_IMAGE`` names another base to use instead (e.g. python:3.11-slim). It
  replaces a base the stack passes (``-c baseImage=...``);
- the host's CA bundle and pip settings are bind-mounted into the build (``--network host``).
  Mounts exist only while a RUN step runs: nothing of them reaches a layer or the image config.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shlex
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

__all__ = ["Built", "build_assets", "ensure_standin", "podman"]

#: The stand-in base: bump the suffix when its recipe changes.
STANDIN = "localhost/voice-standin-python:3.11-bookworm-1"
STANDIN_PACKAGES = "python3,python3-venv,python3-pip,ca-certificates"
#: Like python:3.11-slim: `python` and `pip` on PATH are one environment (a venv: Debian's own
#: python refuses system-wide installs), UTF-8 locale.
STANDIN_CONTAINERFILE = """\
FROM {rootfs}
RUN python3 -m venv /usr/local/py
ENV PATH=/usr/local/py/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \\
    LANG=C.UTF-8
"""
ULIMITS = ("--ulimit", "nofile=1024:1024", "--ulimit", "nproc=1024:1024")
MANIFEST = "voice-images.json"
BUILD_LOG = "voice-images-build.log"


def log(message: str) -> None:
    print(f"[images] {message}", file=sys.stderr, flush=True)


def podman(*args: str) -> list[str]:
    """A podman command line with this machine's runtime."""
    return ["podman", "--runtime", os.environ.get("VOICE_PODMAN_RUNTIME", "runc"), *args]


def _run(cmd: Sequence[str], **kwargs: object) -> subprocess.CompletedProcess[str]:
    log("$ " + shlex.join(cmd))
    return subprocess.run(cmd, check=True, text=True, **kwargs)  # type: ignore[call-overload,no-any-return]


def image_exists(name: str) -> bool:
    return subprocess.run(podman("image", "exists", name), check=False).returncode == 0


def image_size_mb(name: str) -> float:
    out = subprocess.run(
        podman("image", "inspect", "--format", "{{.Size}}", name), check=True, capture_output=True, text=True
    )
    return round(int(out.stdout.strip()) / 1e6, 1)


# --- the stand-in base ----------------------------------------------------------------------------


def debian_mirror(sources: Path = Path("/etc/apt")) -> str:
    """The Debian mirror apt already uses (deb822 ``URIs:`` or a one-line ``deb URL bookworm``)."""
    for path in sorted(sources.glob("sources.list.d/*.sources")):
        for stanza in path.read_text().split("\n\n"):
            fields: dict[str, str] = dict(re.findall(r"^([A-Za-z-]+):\s*(.+)$", stanza, re.MULTILINE))
            if "bookworm" in fields.get("Suites", "").split() and "URIs" in fields:
                return fields["URIs"].split()[0]
    for path in [sources / "sources.list", *sorted(sources.glob("sources.list.d/*.list"))]:
        if path.exists():
            match = re.search(r"^deb\s+(?:\[[^]]*\]\s+)?(\S+)\s+bookworm\s", path.read_text(), re.MULTILINE)
            if match:
                return match.group(1)
    raise SystemExit(
        "no Debian bookworm mirror in /etc/apt: set VOICE_BASE_IMAGE to a python:3.11-slim image"
    )


def ensure_standin(name: str = STANDIN) -> tuple[str, float]:
    """The stand-in base image (made once per machine: ~1 minute); returns (name, seconds spent)."""
    if image_exists(name):
        return name, 0.0
    t0 = time.perf_counter()
    rootfs_image = name.rsplit(":", 1)[0] + "-rootfs:" + name.rsplit(":", 1)[1]
    with tempfile.TemporaryDirectory(prefix="voice-standin-", dir="/var/tmp") as tmp:
        rootfs = Path(tmp) / "rootfs"
        _run(
            [
                "debootstrap",
                "--variant=minbase",
                f"--include={STANDIN_PACKAGES}",
                "bookworm",
                str(rootfs),
                debian_mirror(),
            ],
            stdout=subprocess.DEVNULL,
        )
        tar = subprocess.Popen(["tar", "-C", str(rootfs), "-c", "."], stdout=subprocess.PIPE)
        _run(podman("import", "-", rootfs_image), stdin=tar.stdout, stdout=subprocess.DEVNULL)
        if tar.wait() != 0:
            raise SystemExit("tar of the debootstrap root failed")
        containerfile = Path(tmp) / "Containerfile"
        containerfile.write_text(STANDIN_CONTAINERFILE.format(rootfs=rootfs_image))
        _run(podman("build", "--pull=never", *ULIMITS, "--tag", name, "--file", str(containerfile), tmp))
    return name, round(time.perf_counter() - t0, 1)


# --- the host's pip settings, for the build only --------------------------------------------------


def pip_settings(python: str = sys.executable) -> dict[str, str]:
    """``section.key → value`` of the host's pip configuration (environment over files)."""
    out = subprocess.run([python, "-m", "pip", "config", "list"], check=True, capture_output=True, text=True)
    settings: dict[str, str] = {}
    env: dict[str, str] = {}
    for line in out.stdout.splitlines():
        key, sep, raw = line.partition("=")
        if not sep:
            continue
        value = raw.strip().strip("'\"")
        if key.startswith(":env:."):
            env["global." + key[len(":env:.") :]] = value
        else:
            settings[key] = value
    return {**settings, **env}


def pip_conf_text(settings: dict[str, str]) -> str:
    sections: dict[str, list[str]] = {}
    for key, value in sorted(settings.items()):
        section, _, option = key.partition(".")
        sections.setdefault(section, []).append(f"{option} = {value}")
    return "".join(f"[{s}]\n" + "\n".join(lines) + "\n" for s, lines in sections.items())


def host_paths(settings: dict[str, str]) -> list[Path]:
    """Local files and folders the settings name (CA bundle, constraints, wheel folders, file:// indexes)."""
    paths = []
    for value in settings.values():
        for token in value.split():
            path = Path(token.removeprefix("file://"))
            if token.startswith("file://"):
                path = path.parent  # a local simple index links to files beside it (../files/...)
            if path.is_absolute() and path.exists() and path not in paths:
                paths.append(path)
    return paths


#: Where the build sees the host's pip files: below /root, which every base has. A bind mount
#: onto a path the image lacks leaves an empty mount point in the layer; below the mount on
#: /root (a host folder) mount points are made on the host, never in the image.
BUILD_HOME = "/root"
HOST_FILES = BUILD_HOME + "/.voice-host"


def _inside(token: str, paths: list[Path]) -> str:
    """A setting's token as the build sees it: local paths below HOST_FILES."""
    scheme = "file://" if token.startswith("file://") else ""
    path = token.removeprefix(scheme)
    if any(path == str(p) or path.startswith(f"{p}/") for p in paths):
        return scheme + HOST_FILES + path
    return token


@contextmanager
def build_mounts() -> Iterator[list[str]]:
    """``--volume`` options: the host CA bundle (over the image's own, at the same path) and the
    host's pip settings as ``~/.config/pip/pip.conf`` with every local path they name, read-only."""
    settings = pip_settings()
    ca = Path("/etc/ssl/certs/ca-certificates.crt")
    if ca.exists():
        settings.setdefault("global.cert", str(ca))
    paths = host_paths(settings)
    settings = {
        key: " ".join(_inside(token, paths) for token in value.split()) for key, value in settings.items()
    }
    with tempfile.TemporaryDirectory(prefix="voice-build-home-") as home:
        conf = Path(home) / ".config" / "pip" / "pip.conf"
        conf.parent.mkdir(parents=True)
        conf.write_text(pip_conf_text(settings))
        mounts = [f"{home}:{BUILD_HOME}"]
        if ca.exists():
            mounts.append(f"{ca}:{ca}:ro")
        mounts += [f"{p}:{HOST_FILES}{p}:ro" for p in paths]
        yield [opt for mount in mounts for opt in ("--volume", mount)]


# --- building the staged assets -------------------------------------------------------------------


@dataclass(frozen=True)
class Built:
    """One image built from a staged asset folder."""

    name: str
    tag: str
    asset: str
    context: str
    dockerfile: str
    build_s: float
    size_mb: float


def _assets(outdir: Path) -> dict[str, dict[str, object]]:
    manifests = sorted(outdir.glob("*.assets.json"))
    if len(manifests) != 1:
        raise SystemExit(
            f"expected one *.assets.json in {outdir}, found {len(manifests)}: run `npx cdk synth`"
        )
    images: dict[str, dict[str, object]] = json.loads(manifests[0].read_text()).get("dockerImages", {})
    return images


def build_command(source: dict[str, object], *, tag: str, base: str, mounts: Sequence[str]) -> list[str]:
    """The CDK CLI's ``docker build`` for one asset, plus this machine's options."""
    # Docker's image format (OCI ignores SHELL), as `docker build` writes it.
    cmd = podman("build", "--format", "docker", "--pull=never", "--network", "host", *ULIMITS, *mounts)
    cmd += ["--tag", tag]
    cmd += ["--file", str(source.get("dockerFile", "Dockerfile"))]
    # This machine's base wins over a deploy's (`-c baseImage=...@sha256:...`): no registry here serves it.
    build_args = {**dict(source.get("dockerBuildArgs") or {}), "BASE_IMAGE": base}  # type: ignore[call-overload]
    for key, value in build_args.items():
        cmd += ["--build-arg", f"{key}={value}"]
    if source.get("dockerBuildTarget"):
        cmd += ["--target", str(source["dockerBuildTarget"])]
    if source.get("platform"):
        cmd += ["--platform", str(source["platform"])]
    return [*cmd, "."]


def _build(cmd: Sequence[str], context: Path, log_path: Path) -> None:
    """Run one build in ``context``; its output goes to ``log_path`` (the tail is shown on failure)."""
    log("$ " + shlex.join(cmd) + f"  (in {context}, output: {log_path})")
    with log_path.open("a") as out:
        done = subprocess.run(cmd, cwd=context, stdout=out, stderr=subprocess.STDOUT, check=False)
    if done.returncode != 0:
        tail = log_path.read_text().splitlines()[-60:]
        raise SystemExit("image build failed:\n" + "\n".join(tail))


def build_assets(outdir: Path, base: str) -> list[Built]:
    """Build every Docker image asset of the cloud assembly in ``outdir``, one after the other."""
    built = []
    (outdir / BUILD_LOG).unlink(missing_ok=True)
    with build_mounts() as mounts:
        for asset_hash, asset in sorted(_assets(outdir).items()):
            source = dict(asset["source"])  # type: ignore[call-overload]
            context = outdir / str(source["directory"])
            name = Path(str(source.get("dockerFile", "Dockerfile"))).name.removesuffix(".Dockerfile")
            tag = f"localhost/voice-{name}:{asset_hash[:16]}"
            t0 = time.perf_counter()
            _build(build_command(source, tag=tag, base=base, mounts=mounts), context, outdir / BUILD_LOG)
            seconds = round(time.perf_counter() - t0, 1)
            built.append(
                Built(
                    name,
                    tag,
                    asset_hash,
                    str(context),
                    str(source.get("dockerFile")),
                    seconds,
                    image_size_mb(tag),
                )
            )
            log(f"{name}: {tag} built in {seconds} s, {built[-1].size_mb} MB")
    return built


def summary(manifest: dict[str, object], results: dict[str, object]) -> tuple[bool, str]:
    """The verdict line: an image is ok when every test of its tier passed (none skipped)."""
    tests: dict[str, str] = dict(results.get("tests") or {})  # type: ignore[call-overload]
    shared = {k: v for k, v in tests.items() if "test_image_hygiene" in k}
    verdict = {}
    for name in ("lambda", "training"):
        # The image's own files: test_lambda_image.py and test_lambda_limits.py; test_training_image.py.
        own = {k: v for k, v in tests.items() if f"tests/images/test_{name}_" in k}
        verdict[name] = "ok" if own and all(v == "passed" for v in {**own, **shared}.values()) else "fail"
    video = dict(dict(results.get("lambda") or {}).get("video_processor") or {})  # type: ignore[call-overload]
    images = dict(manifest["images"])  # type: ignore[call-overload]
    sizes = {name: f"{images[name]['size_mb']:.0f}" for name in ("lambda", "training")}
    line = (
        f"IMAGES lambda={verdict['lambda']} training={verdict['training']} "
        f"lambda_init_s={video.get('init_s', 'na')} lambda_run_s={video.get('run_s', 'na')} "
        f"lambda_image_mb={sizes['lambda']} training_image_mb={sizes['training']}"
    )
    return set(verdict.values()) == {"ok"}, line


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("base", help="make the stand-in base image (once per machine) and print its name")
    b = sub.add_parser("build", help="build every Docker image asset of a cloud assembly")
    b.add_argument("outdir", type=Path, help="the synthesized cloud assembly (cdk.out)")
    v = sub.add_parser("summary", help="print the IMAGES line from a build manifest and the test results")
    v.add_argument("manifest", type=Path)
    v.add_argument("results", type=Path)
    args = parser.parse_args(argv)
    if args.command == "summary":
        results = json.loads(args.results.read_text()) if args.results.exists() else {}
        ok, line = summary(json.loads(args.manifest.read_text()), results)
        print(line)
        return 0 if ok else 1
    base = os.environ.get("VOICE_BASE_IMAGE")
    base_s = 0.0
    if not base:
        base, base_s = ensure_standin()
    if args.command == "base":
        print(base)
        return 0
    built = build_assets(args.outdir, base)
    manifest = {
        "base": base,
        "base_s": base_s,
        "outdir": str(args.outdir.resolve()),
        "images": {b.name: asdict(b) for b in built},
    }
    (args.outdir / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
    print(json.dumps(manifest, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
