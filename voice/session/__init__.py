"""One upload processed in one pass: from the video to the session's outputs.

In: an upload in the store. Out: the session (``docs/design.md``): samples, annotated video,
VTT, CSV, key frames, index, and the metadata last — or a failure record
(:mod:`~voice.session.failures`). :mod:`~voice.session.prepare` (identify, transcribe, events,
pin, model) → :mod:`~voice.session.video_pass` (decode, everyone's pose, draw, encode) →
:mod:`~voice.session.finish` (samples and outputs, written by :mod:`~voice.session.outputs`).
:mod:`~voice.session.time_budget` refuses a video that cannot finish in the time a run has left.
"""
