"""Run the built images the way Lambda and SageMaker run them, with podman (as root).

- :func:`isolated_network`: a network namespace whose only peer is this host, at one /30 address
  (a veth pair, no default route): a container in it reaches the test's servers and nothing else.
- :class:`FunctionConfig`: one Lambda function of the synthesized template (command, memory,
  /tmp size, timeout, environment), so the container gets what the deployed function gets.
- :func:`lambda_container`: the function's container as Lambda's sandbox shapes it (read-only
  root, /tmp the only writable path at the configured size, no /dev/shm, the memory cap, CPU in
  proportion to memory, a non-root uid) with its runtime pointed at a :class:`RuntimeApi`.
"""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from tests.images.runtime_api import RuntimeApi

ULIMITS = ("--ulimit", "nofile=1024:1024", "--ulimit", "nproc=1024:1024")
#: Lambda gives a function one vCPU per 1,769 MB of memory (3008 MB → 1.7 vCPUs).
MB_PER_VCPU = 1769
#: The uid Lambda runs functions as (sbx_user1051); anything but root shows the same.
LAMBDA_UID = "993:990"
REGION = "us-east-1"
ACCOUNT = "123456789012"


def podman(*args: str) -> list[str]:
    return ["podman", "--runtime", os.environ.get("VOICE_PODMAN_RUNTIME", "runc"), *args]


def run(cmd: Sequence[str], *, timeout: float = 120, check: bool = True) -> subprocess.CompletedProcess[str]:
    # From the temp directory: conmon (podman's container monitor) leaves an empty file "oom" in
    # its working directory when the kernel kills a container for its memory.
    return subprocess.run(
        list(cmd), capture_output=True, text=True, timeout=timeout, check=check, cwd=tempfile.gettempdir()
    )


# --- network --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class HostLink:
    """A network namespace linked to this host only: the host is ``host_ip`` inside it."""

    netns: str
    host_ip: str

    @property
    def podman_network(self) -> str:
        return f"ns:/run/netns/{self.netns}"


@contextmanager
def isolated_network() -> Iterator[HostLink]:
    """A netns with one veth to the host (10.231.N.1 ↔ .2/30) and no route anywhere else."""
    n = os.getpid() % 250 + 1
    name, host_if, ns_if = f"voice-img-{os.getpid()}", f"vih{n}", f"vic{n}"
    host_ip, ns_ip = f"10.231.{n}.1", f"10.231.{n}.2"
    steps = [
        ["ip", "netns", "add", name],
        ["ip", "link", "add", host_if, "type", "veth", "peer", "name", ns_if],
        ["ip", "link", "set", ns_if, "netns", name],
        ["ip", "addr", "add", f"{host_ip}/30", "dev", host_if],
        ["ip", "link", "set", host_if, "up"],
        ["ip", "-n", name, "addr", "add", f"{ns_ip}/30", "dev", ns_if],
        ["ip", "-n", name, "link", "set", ns_if, "up"],
        ["ip", "-n", name, "link", "set", "lo", "up"],
    ]
    teardown = [["ip", "netns", "del", name], ["ip", "link", "del", host_if]]  # netns takes the pair
    for step in teardown:  # what a run that was killed may have left
        run(step, check=False)
    try:
        for step in steps:
            run(step)
        yield HostLink(name, host_ip)
    finally:
        for step in teardown:
            run(step, check=False)


# --- the functions of the template ----------------------------------------------------------------


@dataclass(frozen=True)
class FunctionConfig:
    """What the template configures for one function."""

    logical_id: str
    command: list[str]
    memory_mb: int
    ephemeral_mb: int
    timeout_s: int
    environment: dict[str, Any]
    log_format: str | None

    @classmethod
    def from_template(cls, template: Mapping[str, Any], handler: str) -> FunctionConfig:
        """The function whose image command is ``handler`` (e.g. ``lambdas.analyze.handler``)."""
        found = [
            (logical, r["Properties"])
            for logical, r in template["Resources"].items()
            if r["Type"] == "AWS::Lambda::Function"
            and r["Properties"].get("ImageConfig", {}).get("Command") == [handler]
        ]
        assert len(found) == 1, f"one function runs {handler}: {[f[0] for f in found]}"
        logical, props = found[0]
        return cls(
            logical_id=logical,
            command=list(props["ImageConfig"]["Command"]),
            memory_mb=int(props.get("MemorySize", 128)),
            ephemeral_mb=int(props.get("EphemeralStorage", {}).get("Size", 512)),
            timeout_s=int(props.get("Timeout", 3)),
            environment=dict(props.get("Environment", {}).get("Variables", {})),
            log_format=props.get("LoggingConfig", {}).get("LogFormat"),
        )

    @property
    def cpus(self) -> str:
        return f"{self.memory_mb / MB_PER_VCPU:.2f}"

    @property
    def arn(self) -> str:
        return f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{self.logical_id}"

    def lambda_environment(self, refs: Mapping[str, str], runtime_api: str) -> dict[str, str]:
        """The template's variables (Refs resolved by ``refs``) plus what Lambda itself sets."""
        env = {key: _resolve(value, refs) for key, value in self.environment.items()}
        env.update(
            {
                "AWS_LAMBDA_RUNTIME_API": runtime_api,
                "_HANDLER": self.command[0],
                "AWS_LAMBDA_FUNCTION_NAME": self.logical_id,
                "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
                "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(self.memory_mb),
                "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
                "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{self.logical_id}",
                "AWS_LAMBDA_LOG_STREAM_NAME": f"{datetime.now():%Y/%m/%d}/[$LATEST]{uuid.uuid4().hex}",
                "AWS_REGION": REGION,
                "AWS_DEFAULT_REGION": REGION,
                "AWS_ACCESS_KEY_ID": "ASIATESTTESTTESTTEST",
                "AWS_SECRET_ACCESS_KEY": "test-secret",
                "AWS_SESSION_TOKEN": "test-session-token",
                "LAMBDA_TASK_ROOT": "/var/task",
                "LAMBDA_RUNTIME_DIR": "/var/runtime",
                "TZ": ":UTC",
            }
        )
        if self.log_format:
            env["AWS_LAMBDA_LOG_FORMAT"] = self.log_format
        return env


def _resolve(value: Any, refs: Mapping[str, str]) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and set(value) == {"Ref"}:
        return refs[value["Ref"]]
    if isinstance(value, dict) and set(value) == {"Fn::GetAtt"}:
        return refs[".".join(value["Fn::GetAtt"])]
    raise AssertionError(f"cannot resolve {value!r} for the container")


# --- a Lambda-shaped container --------------------------------------------------------------------


@dataclass
class LambdaRun:
    """One function instance: its container, its Runtime API, and what it did."""

    container: str
    api: RuntimeApi
    config: FunctionConfig
    started_at: float
    init_s: float | None = None
    tmp_files: list[str] = field(default_factory=list)
    podman_changes: list[str] = field(default_factory=list)
    rootfs_changes: list[str] = field(default_factory=list)
    logs: str = ""
    oom_killed: bool = False
    exit_code: int = 0
    stopped_by_the_test: bool = False

    def killed_by_signal(self, state: dict[str, Any]) -> bool:
        """Exit 137 (SIGKILL) that the test did not send itself (a timeout's stop)."""
        return int(state.get("ExitCode", 0)) == 137 and not self.stopped_by_the_test

    def invoke_to_the_end(self, event: Any, *, timeout_s: float) -> str:
        """One invocation, ended the way Lambda ends it: ``"answered"`` (the runtime posted a
        response or an error), ``"killed"`` (the process died: the memory cap), or ``"timed out"``
        (the deadline passed: the sandbox is stopped there, and nothing more of the code runs)."""
        invocation = self.api.submit(event, timeout_s=timeout_s)
        deadline = time.monotonic() + timeout_s
        while not invocation.done.wait(0.2):
            if not _inspect(self.container)["State"]["Running"]:
                return "killed"
            if time.monotonic() >= deadline:
                self.stopped_by_the_test = True
                run(podman("kill", self.container), check=False)
                return "timed out"
        return "answered"

    def wait_for_init(self, timeout_s: float = 120) -> float:
        """Seconds from container start to the runtime's first poll (Lambda's Init Duration)."""
        deadline = time.monotonic() + timeout_s
        while self.api.first_poll_at is None:
            state = _inspect(self.container)["State"]
            if self.api.init_error_seen.is_set() or not state["Running"]:
                raise AssertionError(f"init failed: {self.api.init_error} {_logs(self.container)[-3000:]}")
            if time.monotonic() > deadline:
                raise AssertionError(f"no poll in {timeout_s} s: {_logs(self.container)[-3000:]}")
            time.sleep(0.05)
        self.init_s = round(self.api.first_poll_at - self.started_at, 2)
        return self.init_s


def _inspect(container: str) -> dict[str, Any]:
    data: list[dict[str, Any]] = json.loads(run(podman("inspect", container)).stdout)
    return data[0]


def _logs(container: str) -> str:
    done = run(podman("logs", container), check=False)
    return done.stdout + done.stderr


def _started_at(container: str) -> float:
    """The container's start time (RFC 3339 with nanoseconds) as epoch seconds."""
    raw = _inspect(container)["State"]["StartedAt"]
    stamp, _, _zone = raw.partition("+")
    date, _, frac = stamp.partition(".")
    started = datetime.fromisoformat(date + "+00:00").timestamp()
    return started + float("0." + "".join(c for c in frac if c.isdigit())[:6] or "0")


@contextmanager
def lambda_container(
    image: str,
    config: FunctionConfig,
    *,
    link: HostLink,
    refs: Mapping[str, str],
    extra_env: Mapping[str, str],
) -> Iterator[LambdaRun]:
    """Start ``image`` as the function ``config`` describes; yields once the container runs.

    On exit it records the files left in /tmp, the changes to the root file system (read-only:
    none), the logs and whether the memory cap killed it, then removes the container.
    """
    with RuntimeApi(link.host_ip, function_arn=config.arn) as api:
        env = {**config.lambda_environment(refs, api.address), **extra_env}
        name = f"voice-lambda-{config.logical_id[:24].lower()}-{uuid.uuid4().hex[:6]}"
        options = [*ULIMITS, "--network", link.podman_network, *sandbox_options(config)]
        for key, value in sorted(env.items()):
            options += ["--env", f"{key}={value}"]
        started = run(podman("run", "--detach", "--name", name, *options, image, *config.command))
        container = started.stdout.strip()
        lambda_run = LambdaRun(container, api, config, started_at=_started_at(container))
        try:
            yield lambda_run
        finally:
            _collect(lambda_run)
            lambda_run.podman_changes = _changes_of_a_noop(image, options)


def sandbox_options(config: FunctionConfig) -> list[str]:
    """Lambda's sandbox for ``config``: read-only root, an empty /tmp of the configured size as
    the only writable path, no /dev/shm, the memory cap, CPU in proportion, a non-root uid."""
    return [
        "--read-only", "--read-only-tmpfs=false",
        "--tmpfs", f"/tmp:rw,size={config.ephemeral_mb}m,mode=1777,notmpcopyup",
        "--ipc", "none",
        "--memory", f"{config.memory_mb}m", "--memory-swap", f"{config.memory_mb}m",
        "--cpus", config.cpus,
        "--user", LAMBDA_UID,
    ]  # fmt: skip


def _changes_of_a_noop(image: str, options: Sequence[str]) -> list[str]:
    """What podman itself changes in the root file system (mount points in /etc): the control."""
    name = f"voice-noop-{uuid.uuid4().hex[:8]}"
    run(podman("run", "--name", name, *options, "--entrypoint", "/bin/true", image))
    try:
        return run(podman("diff", name)).stdout.split()
    finally:
        run(podman("rm", "--force", name), check=False)


def _collect(lambda_run: LambdaRun) -> None:
    container = lambda_run.container
    before = _inspect(container)["State"]  # a process that died by itself, before the stop below
    if before["Running"]:
        found = run(podman("exec", container, "find", "/tmp", "-type", "f"), check=False)
        lambda_run.tmp_files = sorted(found.stdout.split())
    lambda_run.rootfs_changes = run(podman("diff", container), check=False).stdout.split()
    run(podman("stop", "--time", "2", container), check=False)
    state = _inspect(container)["State"]
    # The kernel's OOM killer ends the process with SIGKILL (exit 137); podman may not set the flag.
    died = not before["Running"] and lambda_run.killed_by_signal(before)
    lambda_run.oom_killed = bool(state.get("OOMKilled")) or died
    lambda_run.exit_code = int(
        before.get("ExitCode", 0) if not before["Running"] else state.get("ExitCode", 0)
    )
    lambda_run.logs = _logs(container)
    run(podman("rm", "--force", container), check=False)


def cannot_reach_outside(image: str, link: HostLink) -> str:
    """Try a public address from the sandbox network; returns the error it got."""
    probe = (
        "import socket\n"
        "try:\n"
        "    socket.create_connection(('1.1.1.1', 443), 3)\n"
        "    print('connected')\n"
        "except OSError as exc:\n"
        "    print(type(exc).__name__, exc.errno)\n"
    )
    done = run(
        podman(
            "run",
            "--rm",
            *ULIMITS,
            "--network",
            link.podman_network,
            "--entrypoint",
            "python",
            image,
            "-c",
            probe,
        )
    )
    return done.stdout.strip()
