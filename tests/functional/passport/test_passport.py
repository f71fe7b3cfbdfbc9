"""The passport end to end: real nested CV on a matrix where one feature alone separates one
emotion names that feature's sentence and nothing else; a trained patient's page (signals,
stills, H.264 clips beside it, mix-ups, what is missing, weeks; self-contained); thin data say so."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from tests.support.media import sample
from tests.support.synthetic import synthetic_dataset, write_samples
from voice import layout
from voice.config import Settings
from voice.media.probe import probe
from voice.model.evaluation import train_model
from voice.model.features import FEATURE_NAMES
from voice.model.report import write_report
from voice.model.signal_words import sentence
from voice.model.training import train_patient
from voice.passport import media
from voice.passport.data import load_passport_data
from voice.passport.signals import emotion_signals
from voice.passport.write import clip_key, page_key, write_passport
from voice.storage import LocalStore

FAST = Settings(forest_trees=30, cv_repeats=1, cv_folds=3)
SMILE = FEATURE_NAMES.index("face_smile_med")
CLASSES = ("happiness", "sadness", "anger")


@pytest.mark.slow
def test_the_one_separating_feature_is_named_for_its_emotion_and_nothing_is_invented() -> None:
    """Noise in every column (independent: no near-duplicates), ``face_smile_med`` raised for
    happiness only; the attributions are the fitted models' out-of-fold SHAP values."""
    rng = np.random.default_rng(0)
    y = np.repeat(np.arange(12) % 3, 5)
    x = rng.normal(size=(y.size, len(FEATURE_NAMES)))
    x[:, SMILE] += np.where(y == 0, 4.0, 0.0)
    emotions = [CLASSES[i] for i in y]
    videos = [f"video-{i:02d}" for i in np.repeat(np.arange(12), 5)]
    ids = [f"{e}/{v}_e{i}" for i, (e, v) in enumerate(zip(emotions, videos, strict=True))]
    model = train_model(x, emotions, videos, settings=FAST, run_id="r", samples=ids)
    assert model.out_of_fold is not None
    oof = model.out_of_fold.samples
    assert [s.sample for s in oof] == ids
    attributions = {c: np.array([s.attributions[c] for s in oof]) for c in CLASSES}
    found = {r.emotion: r for r in emotion_signals(x, emotions, videos, FEATURE_NAMES, attributions, least=3)}
    happy = np.asarray(emotions) == "happiness"
    expected = sentence("face_smile_med", float(x[~happy, SMILE].mean()), float(x[happy, SMILE].mean()))
    assert [s.sentence for s in found["happiness"].signals] == [expected]
    assert expected.startswith("smiling: mouth corners")
    assert found["happiness"].signals[0].videos_showing == 4
    assert found["sadness"].signals == ()
    assert found["anger"].signals == ()


def _trained_store(
    root: Path, *, sessions_per_emotion: int, per_session: int = 1, force: bool = False
) -> LocalStore:
    store = LocalStore(root)
    data = synthetic_dataset(
        sessions_per_emotion=sessions_per_emotion, samples_per_session=per_session, emotions=CLASSES, seed=5
    )
    write_samples(store, "maria", data)
    review_copy = sample().read_bytes()  # a real H.264 review copy for every session
    for session in {s.session for s in data}:
        store.write(layout.VIDEOS, layout.annotated_video_key("maria", session), review_copy)
    result = train_patient(store, "maria", settings=FAST, force=force)
    assert result.trained, result.reasons
    return store


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> LocalStore:
    return _trained_store(tmp_path_factory.mktemp("passport"), sessions_per_emotion=4)


@pytest.mark.slow
def test_the_page_of_a_trained_patient(trained: LocalStore) -> None:
    where = write_passport(trained, "maria", settings=FAST)
    key = page_key("maria")
    assert where == trained.describe(layout.VIDEOS, key)
    html = trained.read(layout.VIDEOS, key).decode()
    assert "How maria shows emotions" in html
    for emotion in CLASSES:
        assert f"id='{emotion}'" in html
    data = load_passport_data(trained, "maria")
    assert data.run_id is not None
    assert data.features.shape == (12, len(FEATURE_NAMES))
    # examples: clips beside the page, each a short H.264 file; stills inline
    clips = re.findall(r'src="(passport/[^"]+\.mp4)"', html)
    assert clips
    for href in clips:
        name = href.removeprefix("passport/").removesuffix(".mp4")
        path = Path(trained.describe(layout.VIDEOS, clip_key("maria", name)))
        info = probe(path)
        assert 2.0 <= info.duration_s <= 4.0
        assert info.codec == "h264"
        assert path.stat().st_size < 400_000
    assert html.count("data:image/jpeg;base64,") >= len(clips)
    assert "@media print" in html
    assert "@page{size:A4" in html
    # self-contained: no scripts, no network
    assert "<script" not in html
    assert not re.search(r"(src|href)=\"(https?:)?//", html)
    # what is missing: surprise and neutral were never narrated
    assert "No narrated surprise yet" in html
    assert "No narrated neutral yet" in html
    assert "Emotions over time" in html
    # the report links it
    write_report(trained, "maria", settings=FAST)
    assert 'href="passport.html"' in trained.read(layout.VIDEOS, layout.patient_report_key("maria")).decode()


@pytest.mark.slow
def test_a_second_passport_removes_clips_it_no_longer_shows(trained: LocalStore) -> None:
    stale = clip_key("maria", "happiness-gone_e9")
    trained.write(layout.VIDEOS, stale, b"old")
    write_passport(trained, "maria", settings=FAST)
    assert not trained.exists(layout.VIDEOS, stale)


@pytest.mark.slow
def test_a_review_copy_ffmpeg_cannot_read_costs_only_its_clips(trained: LocalStore) -> None:
    for obj in list(trained.list(layout.VIDEOS, layout.annotated_prefix("maria"))):
        if obj.key.endswith(".mp4") and "/passport/" not in obj.key:
            trained.write(layout.VIDEOS, obj.key, b"not a video")
    write_passport(trained, "maria", settings=FAST)
    html = trained.read(layout.VIDEOS, page_key("maria")).decode()
    assert "<video" not in html
    assert "No picture of this moment is stored." in html  # no key frames in this store either
    assert "id='happiness'" in html


@pytest.mark.slow
def test_thin_data_say_so(tmp_path: Path) -> None:
    store = _trained_store(tmp_path, sessions_per_emotion=2, per_session=2, force=True)  # two videos each
    write_passport(store, "maria", settings=FAST)
    html = store.read(layout.VIDEOS, page_key("maria")).decode()
    assert html.count("Too little data to say what") == 3
    assert "<ul class='signals'>" not in html
    assert "Only 2 videos of happiness (4 windows): narrate a few more" in html


def test_no_model_yet_says_so(tmp_path: Path) -> None:
    store = LocalStore(tmp_path)
    write_passport(store, "maria", settings=FAST)
    html = store.read(layout.VIDEOS, page_key("maria")).decode()
    assert "there is no trained model for this patient" in html
    assert "No narrated happiness yet" in html


@pytest.mark.slow
def test_a_clip_and_a_still_from_a_review_copy() -> None:
    video = sample()
    clip = media.clip(video, 1.0, probe(video).duration_s)
    assert clip[4:8] == b"ftyp"
    still = media.still(video, 1.0)
    assert still[:2] == b"\xff\xd8"
