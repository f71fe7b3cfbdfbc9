"""``voice process --workers N``: a long video's segments in a pool of worker processes.

The same steps as on AWS (:mod:`voice.segments.steps`): the plan here, the segments in the pool (each
worker decodes its own range of the upload and writes its result to the store), the join here,
the draws in the pool, the merge here. Workers are spawned (not forked: this process already
runs Whisper's and the decoder's threads) and stay for both phases. The default is one worker
per core, fewer when memory would not hold them (``WORKER_BYTES`` each); a video of at most
``settings.segment_above_s`` seconds, or a single worker, keeps the one-pass pipeline. On two
cores two workers are as fast as one pass (``benchmarks/long_results.md``): the one pass already
keeps both cores busy.
"""

from __future__ import annotations

import concurrent.futures as futures
import multiprocessing
from collections.abc import Callable, Sequence
from pathlib import Path

from voice.config import Settings
from voice.layout import VIDEOS
from voice.priority import cores
from voice.records.session import SessionMetadata
from voice.segments.merge_step import merge_step
from voice.segments.steps import draw_step, draws_failed, join_step, make_plan, segment_step
from voice.segments.workspace import PlanDoc
from voice.session.prepare import Prepared, Run
from voice.storage import Store

__all__ = ["WORKER_BYTES", "default_workers", "run_segmented"]

#: Memory one worker may need: a 120 s segment of 640×480 video with its x264 child peaked at
#: 690–760 MB (``benchmarks/long_results.md``), a one-pass 4K video at ~930 MB.
WORKER_BYTES = 1_300_000_000


def _available_memory() -> int | None:
    """MemAvailable from /proc/meminfo (bytes), where there is one."""
    try:
        with open("/proc/meminfo") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        return None
    return None


def default_workers(settings: Settings | None = None) -> int:
    """``settings.workers`` when set, else one per core as far as memory allows (at least one)."""
    if settings is not None and settings.workers > 0:
        return settings.workers
    n = cores()  # the ones this process may run on (a container's CPU set), not the host's
    available = _available_memory()
    by_memory = n if available is None else available // WORKER_BYTES
    return max(1, min(n, by_memory))


def _segment(store: Store, doc: PlanDoc, index: int, source: Path, settings: Settings) -> None:
    segment_step(store, doc, index, source=source, settings=settings)


def _draw(store: Store, doc: PlanDoc, index: int, source: Path, settings: Settings) -> None:
    draw_step(store, doc, index, source=source, settings=settings)


Step = Callable[[Store, PlanDoc, int, Path, Settings], None]


def _in_pool(
    pool: futures.Executor, step: Step, indices: Sequence[int], run: Run, doc: PlanDoc, label: str
) -> dict[int, str]:
    """Run ``step`` for every index; returns the errors by index (the others all finished)."""
    if indices:
        run.stage(f"{label} 0/{len(indices)}")
    pending = {pool.submit(step, run.store, doc, i, run.source, run.settings): i for i in indices}
    errors: dict[int, str] = {}
    for done, future in enumerate(futures.as_completed(pending), 1):
        index = pending[future]
        exc = future.exception()
        if exc is not None:
            errors[index] = f"{type(exc).__name__}: {exc}"
        run.stage(f"{label} {done}/{len(indices)}")
    return errors


def _pool(size: int) -> futures.Executor:
    """``size`` spawned worker processes (module notes)."""
    return futures.ProcessPoolExecutor(max_workers=size, mp_context=multiprocessing.get_context("spawn"))


def run_segmented(
    run: Run, found: Prepared, *, workers: int, force: bool, version: str | None
) -> SessionMetadata:
    """Process a long upload in segments with ``workers`` processes (module notes)."""
    doc = make_plan(run, found, version=version, force=force)
    ws = doc.workspace
    todo = [i for i in range(len(doc.plan.segments)) if not run.store.exists(VIDEOS, ws.segment(i))]
    with _pool(max(1, min(workers, len(todo) or 1))) as pool:
        errors = _in_pool(pool, _segment, todo, run, doc, "segments")
        run.stage("join")
        redraw = join_step(run.store, doc, settings=run.settings, errors=errors)
        errors = _in_pool(pool, _draw, redraw, run, doc, "drawing")
    if errors:
        raise draws_failed(run.store, doc, errors)
    run.stage("merge")
    return merge_step(run.store, doc, settings=run.settings, on_stage=run.on_stage)
