"""Everyone in the video, followed over time, and which one is the patient.

In: sampled frames. Out: every person's track (ids across frames: :mod:`~voice.people.tracking`,
smoothed: :mod:`~voice.people.smoothing`, summarised: :mod:`~voice.people.track_stats`), and the
patient's track chosen by pin, appearance or time in view (:mod:`~voice.people.patient`). The
multi-person estimator is :mod:`~voice.people.estimator`; the pin (``--person X,Y@T``), the
patient profile (nicknames, learnt colours) and what they read and write in the store are
:mod:`~voice.people.pin`, :mod:`~voice.people.profile` and :mod:`~voice.people.patient_store`.
"""
