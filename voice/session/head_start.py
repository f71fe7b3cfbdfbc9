"""The video pass's pose begun while the narration is transcribed.

Before the pass can draw, the narration must be transcribed (captions and events are drawn from
the start), and before that the process imports and loads its models: work that keeps one core
busy, seldom two. :class:`HeadStart` uses the other one: from the moment the upload is probed, a
thread decodes the pass's pose frames (only those, and at the size the pass will decode them:
the same pixels) and runs everyone's pose on them, in order, with the pass's own
:class:`~voice.people.estimator.PeoplePass` and :class:`~voice.people.patient.PatientChooser`.
When the transcript is ready it stops after the frame at hand, and the pass takes over the same
estimator, chooser and poses: the frames it has already seen get their stored pose, pose goes
on from the next one (:func:`voice.people.estimator.track_people`). So the results are those of
one pass, whatever the head start reached; the frames it decoded are decoded again by the pass
(at 640×480 a few hundredths of a CPU-second a second of video; on the otherwise idle core).

With a patient model the pass finds the poses first, on the pose-only pass's frames (their own
size), for the predictions it then draws: a head start begun for that pass (``pose_only``)
decodes those frames and the pose-only pass continues it the same way. A head start begun for
the other kind of pass is discarded; a video processed in segments does not start one.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

from voice.config import Settings
from voice.media.frames import FramePlan, frame_plans, iter_frames
from voice.media.probe import VideoInfo
from voice.people.estimator import PeoplePass
from voice.people.patient import PatientChooser
from voice.people.pin import PersonPin

__all__ = ["HeadStart"]

log = logging.getLogger("voice")


class HeadStart:
    """Everyone's pose on the first pose frames, in a thread, until :meth:`stop`."""

    def __init__(
        self,
        source: Path,
        info: VideoInfo,
        settings: Settings,
        *,
        pin: PersonPin | None,
        appearance: np.ndarray | None,
        pose_only: bool = False,
    ) -> None:
        pose_plan, drawing = frame_plans(info, settings)
        #: Begun for the pose-only pass of a session with a patient model (else the drawing pass).
        self.pose_only = pose_only
        self.chooser = PatientChooser((info.width, info.height), pin=pin, appearance=appearance)
        self._settings = settings
        # Made in the thread: loading the models is part of what the idle core takes over.
        self._people: PeoplePass | None = None
        self.busy_s = 0.0
        self.failed = False
        # The pass's frames (their size, and where a file that runs on past its length stops),
        # only those pose needs.
        skip = settings.decode_skip_nonref
        plan = pose_plan if pose_only else replace(drawing, show_every=0, skip_nonref=skip)
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=self._run, args=(source, plan), name="voice-head-start", daemon=True
        )
        self._thread.start()

    @property
    def people(self) -> PeoplePass:
        """The estimator the pass continues (after :meth:`stop` has returned self)."""
        if self._people is None:
            raise RuntimeError("the head start has no estimator (it failed, or has not begun)")
        return self._people

    @property
    def posed(self) -> int:
        """How many frames it has posed so far."""
        return 0 if self._people is None else len(self._people.done)

    def _run(self, source: Path, plan: FramePlan) -> None:
        try:
            self._people = people = PeoplePass(self._settings, self.chooser).__enter__()
            frames = iter_frames(source, plan)
            try:
                for fr in frames:
                    if self._stop.is_set():
                        break
                    t0 = time.perf_counter()
                    pose = people.step(fr.bgr, frame=fr.index, time_s=fr.time_s, size=fr.source_size)
                    people.done[fr.index] = pose
                    self.busy_s += time.perf_counter() - t0
            finally:
                close = getattr(frames, "close", None)
                if close is not None:
                    close()
        except Exception as exc:  # the pass meets the same problem itself and reports it
            log.info("pose head start stopped (%s); the pass starts afresh", type(exc).__name__)
            self.failed = True

    def stop(self) -> HeadStart | None:
        """Stop after the frame at hand; self, or None (then discarded) when it failed."""
        self._stop.set()
        self._thread.join()
        if self.failed:  # also when its estimator could not be made
            self.discard()
            return None
        return self

    def discard(self) -> None:
        """Stop and drop everything (the pass will not use it)."""
        self._stop.set()
        self._thread.join()
        if self._people is not None:
            self._people.__exit__(None, None, None)
            self._people.done.clear()
