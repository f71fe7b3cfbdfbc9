"""Labels as data: a session's narrated events overridden by what people say about them.

In: a processed session (its metadata's narrated events with their stable ids, its whole pose track
``patients/<patient>/.sessions/<session>.track.npz``) and its reviews
(``patients/<patient>/reviews/<session>.json``). Out: the session's effective labels
(:mod:`~voice.labels.effective`: confirmed, changed, rejected, counted, added; conflicts and
orphaned reviews) and its training samples written from them (:mod:`~voice.labels.samples`,
:mod:`~voice.labels.derive`: only what changed, the session index last). :mod:`~voice.labels.service`
is what the CLI, the review page and importers call (list, review with conflict-safe writes, list
sessions); :mod:`~voice.labels.stored` reads a session's parts; :mod:`~voice.labels.commands` is
``voice labels``. ``docs/labels.md`` is the contract.
"""
