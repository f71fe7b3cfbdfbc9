"""One person's body, face and hands in one frame, as OpenPose BODY_25.

In: an image and where to look. Out: :class:`~voice.pose.body25.PoseFrame` s (BODY_25, face 70,
hands 21×2; the pose file format in :mod:`~voice.pose.body25`) collected in a
:class:`~voice.pose.track.PoseTrack`. The models are the ones the mediapipe wheel ships, run by
LiteRT (:mod:`~voice.pose.litert`, :mod:`~voice.pose.crops`): BlazePose's person detector and
landmark model as MediaPipe's graphs run them (:mod:`~voice.pose.pose_detector`,
:mod:`~voice.pose.pose_landmarks`, :mod:`~voice.pose.stream_smoothing`; the Tasks bundle they are
tested against: :mod:`~voice.pose.bundle`), face and hand landmarks on regions found from the
body (:mod:`~voice.pose.regions`, :mod:`~voice.pose.face_hands`, :mod:`~voice.pose.landmark_models`,
:mod:`~voice.pose.palm_search`), and the legacy one-person tracker the benchmarks compare with
(:mod:`~voice.pose.legacy`).
"""
