"""How far narration, people and the model agree about a patient's sessions.

In: a patient's stored sessions (narrated events, reviews and imported codings through
:mod:`voice.exchange.sources`) and the promoted training run's ``out_of_fold.json`` (each sample
window's prediction by a model that never saw its video). Out: :mod:`~voice.agreement.stats`
(1-second bins, Cohen's kappa, observed agreement, Krippendorff's alpha, a bootstrap interval over
sessions), :mod:`~voice.agreement.patient` (every pair of sources on the sessions both cover: kappa
between independent coders, a confirmation rate for the narration against reviewers who saw it,
the model judged only out of fold; the disagreements with times → ``AgreementDoc``),
:mod:`~voice.agreement.disagreements` (the "To review" list's ``people_disagree`` provider) and
the report's section (:mod:`~voice.agreement.section`).
"""
