"""The records VOICE writes and reads across modules, processes and machines, as typed models.

In: nothing of the stages (a base package: every stage may use it). Out: one pydantic model per
record — the session metadata and index (:mod:`~voice.records.session`), the failure record
(:mod:`~voice.records.failure`), a training run's metrics (:mod:`~voice.records.training`), a
session's reviews file (:mod:`~voice.records.reviews`) and its effective labels
(:mod:`~voice.records.labels`) — that
writers build and readers parse, and their JSON Schemas (:mod:`~voice.records.schemas`:
``python -m voice.records.schemas`` writes ``docs/schemas/``). ``docs/design.md`` describes the
fields; the models are the contract.
"""
