"""The upload as media: opened safely, checked, decoded; the annotated video written.

In: an upload's local file. Out: :class:`~voice.media.probe.VideoInfo` (after
:class:`~voice.media.limits.MediaLimits` refused what an upload may not be), small upright frames
for a pass (:mod:`~voice.media.frames`), 16 kHz audio for Whisper (:mod:`~voice.media.audio`),
and the H.264 + AAC review copy (:mod:`~voice.media.h264`; parts of a long video joined without
re-encoding by :mod:`~voice.media.concat`). Every file is opened with the demuxer its extension
allows, local files only.
"""
