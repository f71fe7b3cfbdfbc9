"""Face (70) and hands (21×2) from a person's BODY_25 pose, with the real MediaPipe models on real images."""

from __future__ import annotations

import json
from collections.abc import Iterator

import numpy as np
import pytest

from tests.support.face_media import expressive_face, paste_hand
from voice.pose.body25 import PoseFrame, pose_from_json, pose_to_json
from voice.pose.face_hands import FaceHandsEstimator
from voice.pose.regions import Roi

W, H = 480, 360
PHOTO = (105, 53, 270)  # x, y, side of the photo in the frame
#: Wrists of the pasted hands (px): the person's right hand is on the image's left.
RIGHT_WRIST, LEFT_WRIST = (200.0, 300.0), (300.0, 300.0)


def _scene(*, hands: bool = True, face: bool = True, smile: float = 0.0) -> np.ndarray:
    import cv2

    frame = np.full((H, W, 3), (214, 208, 196), np.uint8)
    x, y, side = PHOTO
    if face:
        frame[y : y + side, x : x + side] = cv2.resize(
            expressive_face(smile), (side, side), interpolation=cv2.INTER_AREA
        )
    if hands:
        frame = paste_hand(frame, RIGHT_WRIST, size=60, angle_deg=-10, right=True)
        frame = paste_hand(frame, LEFT_WRIST, size=60, angle_deg=10, right=False)
    return frame


def _body(frame: np.ndarray) -> np.ndarray:
    """The real pose of the scene, with wrists and elbows placed at the pasted hands (the photo
    shows no arms, so the pose model cannot see them; a real video's pose would)."""
    from voice.pose.legacy import PoseEstimator

    with PoseEstimator() as est:
        kp = est.estimate(frame, frame=0, time_s=0.0).keypoints
    assert kp is not None
    kp = kp.copy()
    for wrist_i, elbow_i, (wx, wy) in ((4, 3, RIGHT_WRIST), (7, 6, LEFT_WRIST)):
        kp[wrist_i] = (wx, wy, 0.9)
        kp[elbow_i] = (wx, wy + 50, 0.9)
    return kp


def _mirror(frame: np.ndarray, body: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The frame flipped left-right; each keypoint keeps its body slot, its x is flipped."""
    flipped = body.copy()
    flipped[:, 0] = W - 1 - flipped[:, 0]
    return np.ascontiguousarray(frame[:, ::-1]), flipped


@pytest.fixture(scope="module")
def estimator() -> Iterator[FaceHandsEstimator]:
    with FaceHandsEstimator() as est:
        yield est


@pytest.fixture(scope="module")
def scene() -> tuple[np.ndarray, np.ndarray]:
    frame = _scene()
    return frame, _body(frame)


def test_face_layout_follows_openpose(
    estimator: FaceHandsEstimator, scene: tuple[np.ndarray, np.ndarray]
) -> None:
    frame, body = scene
    face = estimator.estimate(frame, body).face
    assert face is not None
    assert face.shape == (70, 3)
    assert (face[:, 2] == 1.0).all()
    y, x = face[:, 1], face[:, 0]
    # eyes (36–47) above the nose base (31–35) above the mouth (48–67) above the chin (8)
    assert y[36:48].max() < y[31:36].min() < y[31:36].max() < y[48:68].min()
    assert y[48:68].max() < y[8]
    assert y[17:27].max() < y[36:48].mean()  # brows above the eyes
    # the person's right (OpenPose's first of each pair) is on the image's left for a frontal face
    assert x[36:42].max() < x[42:48].min()
    assert x[17:22].mean() < x[22:27].mean()
    assert x[48] < x[51] < x[54]
    assert x[60] < x[62] < x[64]
    assert x[68] < x[69]
    # jaw contour: from the right ear down to the chin (8), then up to the left ear
    assert (np.diff(x[:17]) > 0).all()
    assert (np.diff(y[:9]) > 0).all()
    assert (np.diff(y[8:17]) < 0).all()
    # pupils inside their eyes
    for pupil, eye in ((68, slice(36, 42)), (69, slice(42, 48))):
        assert x[eye].min() < x[pupil] < x[eye].max()
    # on the face: the nose tip (30) is near BODY_25's nose
    assert np.hypot(*(face[30, :2] - body[0, :2])) < 0.25 * np.ptp(x[:17])


def test_hands_are_labelled_by_the_body_on_a_mirrored_frame(
    estimator: FaceHandsEstimator, scene: tuple[np.ndarray, np.ndarray]
) -> None:
    frame, body = scene
    for img, kp in (scene, _mirror(frame, body)):
        est = FaceHandsEstimator(face=False)  # fresh: no tracking carried between the two frames
        found = est.estimate(img, kp)
        est.close()
        assert found.hand_right is not None
        assert found.hand_left is not None
        assert found.hand_right[:, 2].min() == 1.0
        assert found.hand_left[:, 2].min() == 1.0
        # each hand's wrist lies at that side's BODY_25 wrist, wherever it is in the image
        for hand, wrist_i in ((found.hand_right, 4), (found.hand_left, 7)):
            assert np.hypot(*(hand[0, :2] - kp[wrist_i, :2])) < 25
            assert hand[12, 1] < hand[0, 1]  # fingers up: middle tip above the wrist
    mirrored = FaceHandsEstimator(face=False).estimate(*_mirror(frame, body))
    assert mirrored.hand_right is not None
    assert mirrored.hand_right[0, 0] > W / 2  # the right hand is on the image's right now


def test_missing_parts_are_zeros_with_confidence_zero(estimator: FaceHandsEstimator) -> None:
    frame = _scene(face=False, hands=False)
    _, body = _scene(), _body(_scene())
    found = FaceHandsEstimator().estimate(frame, body)
    for part, n in ((found.face, 70), (found.hand_left, 21), (found.hand_right, 21)):
        assert part is not None
        assert part.shape == (n, 3)
        assert not part.any()
    nobody = estimator.estimate(frame, None)
    assert nobody.face is not None
    assert not nobody.face.any()
    off = FaceHandsEstimator(face=False, hands=False).estimate(_scene(), body)
    assert off.face is None
    assert off.hand_left is None
    assert off.hand_right is None


def test_openpose_json_carries_face_and_hands(
    estimator: FaceHandsEstimator, scene: tuple[np.ndarray, np.ndarray]
) -> None:
    frame, body = scene
    found = FaceHandsEstimator().estimate(frame, body)
    pose = PoseFrame(
        0, 0.0, W, H, body, face=found.face, hand_left=found.hand_left, hand_right=found.hand_right
    )
    doc = json.loads(pose_to_json(pose, "s"))
    person = doc["people"][0]
    assert len(person["face_keypoints_2d"]) == 210
    assert len(person["hand_left_keypoints_2d"]) == 63
    assert len(person["hand_right_keypoints_2d"]) == 63
    back = pose_from_json(pose_to_json(pose, "s"))
    assert back.face is not None
    assert np.allclose(back.face, found.face, atol=1e-3)
    assert back.hand_right is not None
    assert np.allclose(back.hand_right, found.hand_right, atol=1e-3)


def _expression_window(smiles: list[float]) -> list[PoseFrame]:
    """Frames at 5 fps of the photo with the given smile amounts, through pose, face and hands."""
    from voice.pose.legacy import PoseEstimator

    frames = []
    with PoseEstimator() as pose_est, FaceHandsEstimator() as est:
        for i, smile in enumerate(smiles):
            img = _scene(hands=False, smile=smile)
            pose = pose_est.estimate(img, frame=5 * i, time_s=i / 5)
            found = est.estimate(img, pose.keypoints)
            frames.append(
                PoseFrame(
                    pose.frame,
                    pose.time_s,
                    W,
                    H,
                    pose.keypoints,
                    face=found.face,
                    hand_left=found.hand_left,
                    hand_right=found.hand_right,
                )
            )
    return frames


@pytest.mark.slow
def test_a_smile_forming_on_video_gives_a_rising_smile_feature() -> None:
    from voice.model.face_features import FACE_FEATURE_NAMES, extract_face_features

    smile, trend = FACE_FEATURE_NAMES.index("face_smile_med"), FACE_FEATURE_NAMES.index("face_smile_trend")
    rising = extract_face_features(_expression_window(list(np.linspace(-1.0, 1.0, 11))))
    neutral = extract_face_features(_expression_window([0.0] * 11))
    assert rising[0] == 1.0
    assert neutral[0] == 1.0
    # Thresholds: the warp moves the corners by ±9 px of the 512 px photo (±0.2 fu); the rising
    # window's slope measured 0.094 fu/s, the neutral one's 0.003 fu/s (model jitter).
    assert rising[trend] > 0.03, rising[trend]
    assert abs(neutral[trend]) < 0.01, neutral[trend]
    per_frame = [extract_face_features(_expression_window([s]))[smile] for s in (-1.0, 0.0, 1.0)]
    assert per_frame[0] < per_frame[1] < per_frame[2], per_frame


_GRAPH = """
input_stream: "image"
input_stream: "roi"
output_stream: "landmarks"
node {{
  calculator: "{calculator}"
  input_stream: "IMAGE:image"
  input_stream: "ROI:roi"
  input_side_packet: "{side}:{side_name}"
  output_stream: "LANDMARKS:landmarks"
}}
"""


def _graph_points(calculator: str, side: tuple[str, str, object], frame: np.ndarray, roi: Roi) -> np.ndarray:
    """The same region through MediaPipe's own landmark subgraph (the reference)."""
    import cv2
    from mediapipe.framework.formats import rect_pb2
    from mediapipe.python.solution_base import SolutionBase

    tag, name, value = side
    graph = SolutionBase(
        graph_config=_GRAPH.format(calculator=calculator, side=tag, side_name=name), side_inputs={name: value}
    )
    rect = rect_pb2.NormalizedRect(
        x_center=roi.cx / W,
        y_center=roi.cy / H,
        width=roi.size / W,
        height=roi.size / H,
        rotation=roi.rotation,
    )
    result = graph.process({"image": cv2.cvtColor(frame, cv2.COLOR_BGR2RGB), "roi": rect})
    graph.close()
    assert result.landmarks is not None
    return np.array([(p.x * W, p.y * H) for p in result.landmarks.landmark])


def test_litert_gives_mediapipes_landmarks(scene: tuple[np.ndarray, np.ndarray]) -> None:
    from voice.pose.landmark_models import face_model, hand_model
    from voice.pose.regions import face_roi_from_body, hand_roi_from_body

    frame, body = scene
    face_roi, hand_roi = face_roi_from_body(body), hand_roi_from_body(body, "right", frame.shape)
    assert face_roi is not None
    assert hand_roi is not None
    tilted = Roi(face_roi.cx, face_roi.cy, face_roi.size, face_roi.rotation + 0.2)
    for roi in (face_roi, tilted):
        ours = face_model().points(frame, roi)
        assert ours is not None
        reference = _graph_points("FaceLandmarkCpu", ("WITH_ATTENTION", "with_attention", False), frame, roi)
        assert np.abs(ours - reference).max() < 0.5  # px; measured 0.01
    ours = hand_model("lite").points(frame, hand_roi)
    assert ours is not None
    reference = _graph_points("HandLandmarkCpu", ("MODEL_COMPLEXITY", "model_complexity", 0), frame, hand_roi)
    assert np.abs(ours - reference).max() < 0.5
