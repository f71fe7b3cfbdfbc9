"""The review copy of a portrait phone video: a narration naming "José" shows its "é" in the caption
and the label burned into the H.264 copy, every text inside the frame, the same cues as the .vtt."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tests.support.captions import parse_cues
from tests.support.media import picture_of_size
from voice import layout
from voice.config import Settings
from voice.drawing.overlay import Overlay, text_boxes
from voice.media.probe import open_container, probe
from voice.run.pipeline import Hooks, process_video
from voice.storage import LocalStore
from voice.transcription.transcript import Segment, Transcript, Word

pytestmark = pytest.mark.slow

#: Whisper gives names zero-length timings: "José" at 1.0–1.0 s.
SAID = Transcript(
    language="en",
    segments=(
        Segment(
            1.0,
            1.9,
            "José is happy.",
            (Word("José", 1.0, 1.0), Word("is", 1.0, 1.3), Word("happy.", 1.3, 1.9)),
        ),
    ),
)


class _Narration:
    """Stands in for Whisper: the narration above, whatever the audio."""

    name = "fixed"

    def transcribe(self, audio: np.ndarray) -> Transcript:
        return SAID


def _frame_at(video: Path, t: float) -> np.ndarray:
    container = open_container(video)
    try:
        return min(
            ((abs(float(f.time) - t), f.to_ndarray(format="bgr24")) for f in container.decode(video=0)),
            key=lambda x: x[0],
        )[1]
    finally:
        container.close()


def _gray(bgr: np.ndarray) -> np.ndarray:
    return bgr.astype(float) @ np.array([0.114, 0.587, 0.299])


@pytest.mark.parametrize(("source", "copy"), [((1080, 1920), (720, 1280)), ((480, 854), (480, 854))])
def test_a_portrait_copy_shows_jose_with_its_accent(
    tmp_path: Path, source: tuple[int, int], copy: tuple[int, int]
) -> None:
    video = picture_of_size(tmp_path, *source)
    store = LocalStore(tmp_path / "data")
    store.upload("videos", f"José/{video.name}", video)
    meta = process_video(
        store, f"José/{video.name}", settings=Settings(), hooks=Hooks(transcriber=_Narration())
    )
    session = meta.session
    out = tmp_path / "data" / "videos" / layout.annotated_video_key("José", session)
    info = probe(out)
    assert (info.width, info.height) == copy

    cues = parse_cues(store.read("videos", layout.vtt_key("José", session)).decode())
    assert [lines for _, _, lines in cues] == [["José is happy."]]
    ((start, end, _),) = cues
    assert start == 1.0, "from its first word (the name Whisper gave no length)"
    assert 1.9 < end <= 2.9, "to a short linger after its last"
    events = store.read("videos", layout.events_vtt_key("José", session)).decode()
    assert "José: happiness (happy), counted" in events
    assert "José is happy." in store.read("videos", layout.srt_key("José", session)).decode()

    frame = _frame_at(out, 1.6)
    width, height = copy
    shown = Overlay(caption="José is happy.", label="José: happiness (happy)", label_emotion="happiness")
    folded = Overlay(caption="Jose is happy.", label="Jose: happiness (happy)", label_emotion="happiness")
    boxes = text_boxes(width, height, shown, not_found=True)
    assert all(b.box[0] >= 0 and b.box[1] >= 0 and b.box[2] <= width and b.box[3] <= height for b in boxes)
    for expected, ascii_fold in zip(
        text_boxes(width, height, shown), text_boxes(width, height, folded), strict=True
    ):
        left, top, right, bottom = expected.box
        assert ascii_fold.box == expected.box, "é and e are as wide: the same box"
        drawn = _gray(frame[top:bottom, left:right])
        want, fold = _gray(expected.patch), _gray(ascii_fold.patch)
        assert np.abs(drawn - want).mean() < 12, "the rendered text is there"
        accent = np.abs(want - fold) > 64
        assert accent.sum() >= 6, "the accent's pixels"
        to_accent = np.abs(drawn - want)[accent].mean()
        to_plain = np.abs(drawn - fold)[accent].mean()
        assert to_accent < 0.5 * to_plain, (to_accent, to_plain)
