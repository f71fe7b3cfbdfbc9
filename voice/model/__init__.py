"""The patient's own model: pose features → RandomForest, evaluated honestly, and its predictions.

In: a patient's training samples (pose files by emotion). Out: a run in
``models/<patient>/<run-id>/`` (model, metrics, plots, report; :mod:`~voice.model.registry`) and
per-window predictions (:mod:`~voice.model.predict`). Features: body, face and hands
(:mod:`~voice.model.body_features`, :mod:`~voice.model.face_features`,
:mod:`~voice.model.hand_features`) joined into one named row (:mod:`~voice.model.features`).
:mod:`~voice.model.gate` decides when there is enough data, :mod:`~voice.model.evaluation` runs
grouped cross-validation, :mod:`~voice.model.training` the whole run.
"""
