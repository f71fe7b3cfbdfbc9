"""The patient's signal passport: what the model learnt, in a caregiver's words (``docs/passport.md``).

In: a patient's promoted (else newest) training run (``metrics.json``, ``out_of_fold.json``), the
samples it was trained on, the sessions' metadata, indexes, key frames and review copies. Out:
one self-contained HTML page (:mod:`~voice.passport.write`) — per emotion the signals that set
it apart and hold across videos (:mod:`~voice.passport.signals`), its clearest examples as stills
and clips (:mod:`~voice.passport.media`), what the model mixes up, what is missing and the
emotions over time (:mod:`~voice.passport.story`), rendered by :mod:`~voice.passport.page` from
what :mod:`~voice.passport.data` reads.
"""
