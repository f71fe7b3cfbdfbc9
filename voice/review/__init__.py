"""Review by people: what is worth a person's look, and (issue 21) the local review web app.

In: a patient's stored sessions (metadata, labels, predictions) and the training runs' records.
Out: :mod:`~voice.review.items`: the "To review" list, ranked :class:`~voice.review.items.ReviewItem` s
(session, start, end, kind, score, why) gathered from providers that other parts register.
"""

from voice.review import unsure as _unsure  # noqa: F401  (registers the "unsure" provider)
