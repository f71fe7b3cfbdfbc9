"""Where a fresh ``voice process`` leaves a core idle, and what the pass's threads wait for: a
scheduler trace of the run (Linux ``perf``, as root).

    sudo .venv/bin/python benchmarks/sched_trace.py VIDEO [NAME=VALUE ...]   # Markdown on stdout

``perf record`` follows every context switch and wake-up on the two cores while
``process_video`` runs on VIDEO in a fresh process (``NAME=VALUE``: its environment, e.g.
``VOICE_PASS_NICE=0``), with two probes on CPython's ``take_gil`` (entry and return), so a thread
asleep for the GIL is told apart from one asleep on a queue, a pipe or a frame. From the trace:

- per phase of the run (start: interpreter, imports, probe; the transcription, beside the head
  start; the pass; the end: outputs, exit): its wall time, the core-seconds left idle, and of
  those the ones while some thread of the run slept waiting for the GIL;
- per thread of the pass (and the encoder's ffmpeg, all its threads): seconds running, ready but
  waiting for a core, asleep for the GIL, asleep otherwise, and which thread woke it most from
  the latter.

Needs ``perf`` (Debian: ``linux-perf``) with the ``sched`` tracepoints and uprobes, and a Python
built with symbols (pyenv's, Debian's with ``-dbg`` symbols). The probes cost about 1 µs a GIL
hand-over: the run is a few per cent slower than without the trace.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PHASES = ("start", "transcription", "pass", "end")
#: The stage marks of ``process_video`` (``Hooks.on_stage``) where a phase begins.
_PHASE_STARTS = {"transcribe": "transcription", "pose": "pass", "samples": "end"}
_LINE = re.compile(r"^\s*(.+?)\s+(\d+)/(\d+)\s+\[(\d+)\]\s+([\d.]+):\s+(\S+):\s*(.*)$")
_FIELD = re.compile(r"(\w+)=(\S+)")


@dataclass(frozen=True)
class Event:
    """One line of ``perf script -F comm,pid,tid,cpu,time,event,trace``."""

    t: float
    comm: str
    pid: int
    tid: int
    cpu: int
    name: str
    fields: dict[str, str]


def parse(lines: list[str]) -> list[Event]:
    out = []
    for line in lines:
        m = _LINE.match(line)
        if m:
            comm, pid, tid, cpu, t, name, rest = m.groups()
            fields = dict(_FIELD.findall(rest))
            out.append(Event(float(t), comm, int(pid), int(tid), int(cpu), name.split(":")[-1], fields))
    return out


@dataclass
class Report:
    """What :func:`account` finds: per phase wall, idle and idle-while-GIL core-seconds; per
    thread of the pass, seconds in each state and who woke it from sleep."""

    cores: int = 2
    wall: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    idle: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    idle_gil: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    states: dict[str, dict[str, float]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(float))
    )
    wakers: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))


class _Replay:
    """The trace replayed event by event: which task runs on each core, each thread's state."""

    def __init__(self, marks: dict[str, float], names: dict[int, str], worker: int, cores: int) -> None:
        self.bounds = sorted((t, _PHASE_STARTS[n]) for n, t in marks.items() if n in _PHASE_STARTS)
        self.names, self.worker = names, worker
        self.report = Report(cores=cores)
        self.children: set[int] = set()  # processes the run started (the encoder)
        self.running: dict[int, int] = {}  # core → task
        self.owner: dict[int, int] = {}  # task → process
        self.state: dict[int, str] = {}
        self.since: dict[int, float] = {}
        self.in_gil: set[int] = set()
        self.asleep_from: dict[int, float] = {}

    def phase(self, t: float) -> str:
        current = "start"
        for t0, name in self.bounds:
            if t >= t0:
                current = name
        return current

    def label(self, tid: int) -> str | None:
        pid = self.owner.get(tid, -1)
        if pid == self.worker:
            return self.names.get(tid, "native threads (libav, CTranslate2, LiteRT)")
        return "encoder (ffmpeg)" if pid in self.children else None

    def elapse(self, t0: float, t1: float) -> None:
        """The cores from ``t0`` to ``t1``: idle ones, and whether a thread waits for the GIL."""
        ph = self.phase(t0)
        self.report.wall[ph] += t1 - t0
        idle = sum(1 for task in self.running.values() if task == 0) * (t1 - t0)
        self.report.idle[ph] += idle
        if any(self.state.get(t) == "asleep" for t in self.in_gil):
            self.report.idle_gil[ph] += idle

    def settle(self, tid: int, t: float) -> None:
        """Close ``tid``'s current state at ``t`` (the pass's threads only)."""
        who, t0 = self.label(tid), self.since.get(tid)
        self.since[tid] = t
        if who is None or t0 is None or self.phase(t0) != "pass":
            return
        s = self.state.get(tid, "asleep")
        if s == "asleep":
            s = "asleep for the GIL" if tid in self.in_gil else "asleep otherwise"
        self.report.states[who][s] += t - t0

    def switch(self, e: Event) -> None:
        prev, nxt = int(e.fields["prev_pid"]), int(e.fields["next_pid"])
        self.settle(prev, e.t)
        self.settle(nxt, e.t)
        self.state[prev] = "waiting for a core" if e.fields["prev_state"].startswith("R") else "asleep"
        if self.state[prev] == "asleep":
            self.asleep_from[prev] = e.t
        self.state[nxt] = "running"
        self.running[e.cpu] = nxt

    def wakeup(self, e: Event) -> None:
        woken = int(e.fields["pid"])
        self.settle(woken, e.t)
        who = self.label(woken)
        slept = self.asleep_from.get(woken, -1.0)
        if (
            who
            and self.state.get(woken) == "asleep"
            and woken not in self.in_gil
            and self.phase(slept) == "pass"
        ):
            self.report.wakers[who][self.label(e.tid) or e.comm] += 1
        self.state[woken] = "waiting for a core"

    def event(self, e: Event) -> None:
        self.owner[e.tid] = e.pid
        if e.name == "sched_switch":
            self.switch(e)
        elif e.name == "sched_wakeup":
            self.wakeup(e)
        elif e.pid != self.worker:
            return
        elif e.name == "sched_process_fork":
            self.children.add(int(e.fields["child_pid"]))
        elif e.name in ("gil_take", "gil_took__return"):
            self.settle(e.tid, e.t)
            (self.in_gil.add if e.name == "gil_take" else self.in_gil.discard)(e.tid)


def account(events: list[Event], marks: dict[str, float], names: dict[int, str], worker: int) -> Report:
    """Per phase and per thread of the pass, from the trace of the run in process ``worker``."""
    mine = [e.t for e in events if e.pid == worker]
    replay = _Replay(marks, names, worker, cores=len({e.cpu for e in events}) or 1)
    last = mine[0] if mine else 0.0
    for e in events:
        if mine and last < e.t <= mine[-1]:
            replay.elapse(last, e.t)
        last = max(last, e.t)
        replay.event(e)
    return replay.report


def markdown(report: Report) -> str:
    lines = [
        "| phase | wall s | idle core-s | share of the cores idle | of them, a thread waiting for the GIL |",
        "|---|---|---|---|---|",
    ]
    for ph in PHASES:
        wall = report.wall.get(ph, 0.0)
        idle = report.idle.get(ph, 0.0)
        share = idle / (report.cores * wall) if wall else 0.0
        lines.append(f"| {ph} | {wall:.2f} | {idle:.2f} | {share:.3f} | {report.idle_gil.get(ph, 0.0):.2f} |")
    kinds = ("running", "waiting for a core", "asleep for the GIL", "asleep otherwise")
    lines += ["", "| thread (the pass) | " + " s | ".join(kinds) + " s | woken most by |", "|---" * 6 + "|"]
    for who, states in sorted(report.states.items(), key=lambda kv: -kv[1].get("running", 0.0)):
        top = ", ".join(f"{w} ({n})" for w, n in report.wakers[who].most_common(2))
        lines.append(f"| {who} | " + " | ".join(f"{states.get(k, 0.0):.2f}" for k in kinds) + f" | {top} |")
    return "\n".join(lines)


def _libpython() -> str:
    """The file that holds CPython's ``take_gil``: libpython when shared, else the interpreter."""
    if sysconfig.get_config_var("Py_ENABLE_SHARED"):
        lib = Path(sysconfig.get_config_var("LIBDIR")) / sysconfig.get_config_var("INSTSONAME")
        if lib.exists():
            return str(lib)
    return sys.executable


def _worker(video: Path, out: Path) -> None:
    """``process_video`` on ``video``; the stage marks and the Python threads' names to ``out``."""
    from voice.config import Settings
    from voice.run.pipeline import Hooks, process_video
    from voice.storage import LocalStore

    names: dict[int, str] = {}
    marks: dict[str, float] = {}
    done = threading.Event()

    def watch() -> None:  # a thread of under 50 ms may stay unnamed
        while not done.wait(0.05):
            names.update({t.native_id: t.name for t in threading.enumerate() if t.native_id})

    threading.Thread(target=watch, name="trace-names", daemon=True).start()
    with tempfile.TemporaryDirectory() as tmp:
        store = LocalStore(Path(tmp))
        store.upload("videos", f"bench/{video.name}", video)

        def mark(stage: str) -> None:
            marks.setdefault(stage, time.clock_gettime(time.CLOCK_MONOTONIC))

        process_video(
            store, f"bench/{video.name}", settings=Settings(data_dir=Path(tmp)), hooks=Hooks(on_stage=mark)
        )
    done.set()
    out.write_text(json.dumps({"pid": os.getpid(), "marks": marks, "names": names}))


def _perf(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["perf", *args], capture_output=True, text=True, check=False)


def main(argv: list[str]) -> int:
    if argv[:1] == ["--worker"]:
        _worker(Path(argv[1]), Path(argv[2]))
        return 0
    if not argv or shutil.which("perf") is None or os.geteuid() != 0:
        print(__doc__, file=sys.stderr)
        return 2
    video, env = Path(argv[0]), dict(a.split("=", 1) for a in argv[1:])
    if not Path("/sys/kernel/tracing/events").is_dir():
        subprocess.run(["mount", "-t", "tracefs", "nodev", "/sys/kernel/tracing"], check=True)
    lib = _libpython()
    _perf("probe", "-q", "-d", "voice_gil:*")
    for spec in ("voice_gil:gil_take=take_gil", "voice_gil:gil_took=take_gil%return"):
        probe = _perf("probe", "-q", "-x", lib, "-a", spec)
        if probe.returncode != 0:
            print(f"perf probe on {lib} failed: {probe.stderr.strip()}", file=sys.stderr)
            return 1
    try:
        with tempfile.TemporaryDirectory() as tmp:
            data, out = Path(tmp) / "perf.data", Path(tmp) / "run.json"
            events = ["sched:sched_switch", "sched:sched_wakeup", "sched:sched_process_fork"]
            events += ["voice_gil:gil_take", "voice_gil:gil_took__return"]  # perf names a return probe so
            record = ["record", "-q", "-a", "-k", "CLOCK_MONOTONIC", "-o", str(data)]
            record += [arg for ev in events for arg in ("-e", ev)]
            worker = [sys.executable, __file__, "--worker", str(video), str(out)]
            subprocess.run(["perf", *record, "--", *worker], check=True, env={**os.environ, **env})
            script = _perf("script", "-i", str(data), "-F", "comm,pid,tid,cpu,time,event,trace")
            run = json.loads(out.read_text())
    finally:
        _perf("probe", "-q", "-d", "voice_gil:*")
    names = {int(k): v for k, v in run["names"].items()}
    report = account(parse(script.stdout.splitlines()), run["marks"], names, run["pid"])
    print(markdown(report))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
