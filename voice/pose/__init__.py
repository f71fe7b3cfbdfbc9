"""One person's body, face and hands in one frame, as OpenPose BODY_25.

In: an image and where to look. Out: :class:`~voice.pose.body25.PoseFrame` s (BODY_25, face 70,
hands 21×2; the pose file format in :mod:`~voice.pose.body25`) collected in a
:class:`~voice.pose.track.PoseTrack`. The models are the ones the mediapipe wheel ships: the
multi-person bundle made from them (:mod:`~voice.pose.bundle`), face and hand landmarks run by
LiteRT on regions found from the body (:mod:`~voice.pose.regions`, :mod:`~voice.pose.face_hands`,
:mod:`~voice.pose.landmark_models`), and the legacy one-person tracker the benchmarks compare with
(:mod:`~voice.pose.legacy`).
"""
