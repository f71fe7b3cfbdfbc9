"""Researchers' formats: a patient's labels out to ELAN, BORIS and CSV, and a researcher's coding in.

In: a patient's processed sessions (metadata: narrated events, predictions, people; the whole pose
track; the reviews file) through :mod:`voice.labels`; a researcher's ``.eaf`` (parsed with
``defusedxml`` only), ``.boris`` project or CSV file. Out: :mod:`~voice.exchange.sources` (every
source's label intervals: narration, each reviewer, each imported coder, the model, the effective
labels), :mod:`~voice.exchange.export` (files a researcher opens: ``<session>.eaf``, one ``.boris``
project with its aggregated-events TSV, one CSV), :mod:`~voice.exchange.importing` (a coded tier
becomes ``add`` reviews of source ``import`` through :mod:`voice.labels.service`: checked,
idempotent, nothing written on any refusal). ``docs/researchers.md`` is the user's guide.
"""
