"""The patient's own model: pose features → a model family chosen by nested CV, evaluated honestly,
calibrated, and its predictions explained in words.

In: a patient's training samples (pose files by emotion). Out: a run in
``models/<patient>/<run-id>/`` (model, metrics, out-of-fold predictions and attributions, plots,
report; :mod:`~voice.model.registry`) and per-window predictions, each with its top signals in
words or marked unsure (:mod:`~voice.model.predict`). Features: body, face and hands
(:mod:`~voice.model.body_features`, :mod:`~voice.model.face_features`,
:mod:`~voice.model.hand_features`) joined into one named row (:mod:`~voice.model.features`), each
in words (:mod:`~voice.model.signal_words`). :mod:`~voice.model.gate` decides when there is enough
data, :mod:`~voice.model.selection` chooses the model (nested grouped CV over
:mod:`~voice.model.families`), :mod:`~voice.model.evaluation` scores it, :mod:`~voice.model.calibration`
and :mod:`~voice.model.explain` say how sure it is and why, :mod:`~voice.model.training` runs it all.
"""
