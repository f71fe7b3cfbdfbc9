"""The ways of running VOICE locally: one upload, a batch of files, the demo.

In: uploads (or local files staged as uploads). Out: sessions, or failure records that never stop
a batch. :func:`voice.run.pipeline.process_video` chooses one pass (:mod:`voice.session`) or
segments (:mod:`voice.segments`); :mod:`~voice.run.batch` stages and processes many files;
:mod:`~voice.run.demo` runs the bundled samples through the whole loop.
"""
