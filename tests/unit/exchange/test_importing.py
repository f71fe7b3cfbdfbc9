"""Importing a researcher's coding: every refusal named, exit 2, nothing written; idempotent; the
imported labels train as labels do (a coder who disagrees with the narration is a conflict)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from tests.support.exchange import researcher_eaf
from tests.support.labels import PATIENT, SESSION, stored_session
from voice.cli import main
from voice.config import Settings
from voice.errors import CodingFileError, LabelError, UnknownMediaError, UnmappedValueError
from voice.exchange.importing import ImportRequest, import_coding, parse_map
from voice.labels.service import session_labels
from voice.labels.stored import read_index
from voice.storage import LocalStore

SETTINGS = Settings()
MEDIA = f"{SESSION}.mp4"


@pytest.fixture
def store(tmp_path: Path) -> LocalStore:
    s = LocalStore(tmp_path / "data")
    stored_session(s)
    return s


def _snapshot(store: LocalStore) -> dict[str, str]:
    return {
        p.relative_to(store.root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in store.root.rglob("*")
        if p.is_file() and ".locks" not in p.parts
    }


def _file(tmp_path: Path, data: bytes, name: str = "coding.eaf") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def _import(store: LocalStore, path: Path, **kw: object) -> object:
    return import_coding(store, ImportRequest(PATIENT, path, **kw), settings=SETTINGS)  # type: ignore[arg-type]


def test_a_coded_tier_becomes_labels_of_source_import_by_its_annotator(
    store: LocalStore, tmp_path: Path
) -> None:
    path = _file(tmp_path, researcher_eaf(MEDIA, {"Emotion": [(0.2, 1.8, "happiness"), (5.0, 7.0, "Joy")]}))
    result = _import(store, path, mapping=parse_map("joy=happiness"))
    assert result.written
    assert [(t.session, t.author, t.added) for t in result.tiers] == [(SESSION, "ben", 2)]
    labels = session_labels(store, PATIENT, SESSION).labels
    added = [label for label in labels if label.kind == "added"]
    assert [(a.start, a.end, a.emotion, a.source, a.author) for a in added] == [
        (0.2, 1.8, "happiness", "import", "ben"),
        (5.0, 7.0, "happiness", "import", "ben"),
    ]
    # The first agrees with the narrated happiness and trains; the second overlaps the narrated
    # sadness with another emotion: both are held back as a conflict, as labels define.
    assert added[0].trains
    assert not added[0].conflicts
    index = read_index(store, PATIENT, SESSION)
    assert index is not None
    assert added[0].id in {sample.label for sample in index.samples}, "the agreeing label has its sample"
    assert added[1].id not in {sample.label for sample in index.samples}
    sad = next(label for label in labels if label.narrated_emotion == "sadness")
    assert added[1].conflicts == [sad.id]
    assert not added[1].trains
    assert not sad.trains


def test_importing_the_same_file_twice_changes_nothing(store: LocalStore, tmp_path: Path) -> None:
    path = _file(tmp_path, researcher_eaf(MEDIA, {"Emotion": [(0.2, 1.8, "happiness")]}))
    _import(store, path)
    before = _snapshot(store)
    again = _import(store, path)
    assert not again.written
    assert again.tiers[0].unchanged == 1
    assert _snapshot(store) == before


def test_a_tier_without_annotator_is_authored_by_the_file_name(store: LocalStore, tmp_path: Path) -> None:
    path = _file(
        tmp_path, researcher_eaf(MEDIA, {"T": [(0.2, 1.8, "happiness")]}, annotator=None), "rater2.eaf"
    )
    _import(store, path)
    assert [
        label.author for label in session_labels(store, PATIENT, SESSION).labels if label.kind == "added"
    ] == ["rater2"]


def test_the_session_is_found_by_the_media_files_content_hash(store: LocalStore, tmp_path: Path) -> None:
    video = tmp_path / "renamed by the researcher.mp4"
    video.write_bytes(b"an upload")
    digest = hashlib.sha256(b"an upload").hexdigest()[:10]
    stored_session(store, session=f"clip-{digest}")
    path = _file(tmp_path, researcher_eaf(video.name, {"E": [(0.2, 1.8, "happiness")]}))
    assert _import(store, path).tiers[0].session == f"clip-{digest}"  # type: ignore[attr-defined]


BOMB = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<ANNOTATION_DOCUMENT><HEADER/><TIME_ORDER/><TIER TIER_ID="E">&lol3;</TIER></ANNOTATION_DOCUMENT>
"""

REFUSED = {
    "malformed": (researcher_eaf(MEDIA, {"E": [(0.2, 1.8, "happiness")]})[:-40], {}, "not well-formed"),
    "xml bomb": (BOMB, {}, "DTD or entities"),
    "missing tier": (
        researcher_eaf(MEDIA, {"E": [(0.2, 1.8, "happiness")]}),
        {"tier": "Gaze"},
        "no tier 'Gaze'",
    ),
    "slot missing": (
        researcher_eaf(MEDIA, {"E": [(0.2, 1.8, "happiness")]}).replace(
            b'TIME_SLOT_REF2="ts2"', b'TIME_SLOT_REF2="ts9"'
        ),
        {},
        "missing or have no time",
    ),
    "slots unordered": (researcher_eaf(MEDIA, {"E": [(1.8, 0.2, "happiness")]}), {}, "out of order"),
    "past the end": (
        researcher_eaf(MEDIA, {"E": [(8.0, 12.0, "happiness")]}),
        {},
        "past the video's end (10 s)",
    ),
    "overlap": (
        researcher_eaf(MEDIA, {"E": [(0.2, 3.0, "happiness"), (2.0, 4.0, "sadness")]}),
        {},
        "overlapping labels: 0.2–3 s and 2–4 s",
    ),
    "unknown media": (researcher_eaf("holiday.mp4", {"E": [(0.2, 1.8, "happiness")]}), {}, "'holiday.mp4'"),
    "unmapped": (
        researcher_eaf(MEDIA, {"E": [(0.2, 1.8, "joy"), (3.0, 4.0, "happiness"), (5.0, 6.0, "distress")]}),
        {},
        "Values in the file: 'distress', 'happiness', 'joy'",
    ),
}


@pytest.mark.parametrize("case", sorted(REFUSED))
def test_a_bad_file_is_refused_by_name_with_exit_2_and_nothing_written(
    store: LocalStore, tmp_path: Path, case: str, capsys: pytest.CaptureFixture[str]
) -> None:
    data, options, message = REFUSED[case]
    path = _file(tmp_path, data)
    before = _snapshot(store)
    with pytest.raises(CodingFileError, match=message.replace("(", r"\(").replace(")", r"\)")):
        _import(store, path, **options)
    args = ["import", PATIENT, str(path), "--data-dir", str(store.root)]
    args += [f"--{k}={v}" for k, v in options.items()]
    assert main(args) == 2
    assert message.split(":")[0] in capsys.readouterr().err
    assert _snapshot(store) == before


def test_the_typed_errors_say_which_refusal_it_is(store: LocalStore, tmp_path: Path) -> None:
    with pytest.raises(UnknownMediaError):
        _import(store, _file(tmp_path, REFUSED["unknown media"][0]))
    with pytest.raises(UnmappedValueError):
        _import(store, _file(tmp_path, REFUSED["unmapped"][0]))


def test_video_names_the_session_when_the_media_is_unknown(store: LocalStore, tmp_path: Path) -> None:
    path = _file(tmp_path, REFUSED["unknown media"][0])
    assert _import(store, path, video=SESSION).tiers[0].session == SESSION  # type: ignore[attr-defined]


def test_one_bad_tier_stops_the_whole_file_before_anything_is_written(
    store: LocalStore, tmp_path: Path
) -> None:
    data = researcher_eaf(MEDIA, {"Good": [(0.2, 1.8, "happiness")], "Bad": [(8.0, 12.0, "sadness")]})
    before = _snapshot(store)
    with pytest.raises(CodingFileError, match="tier 'Bad'"):
        _import(store, _file(tmp_path, data))
    assert _snapshot(store) == before


def test_a_map_must_name_emotions() -> None:
    assert parse_map(" Joy = happiness , distress=sadness") == {"joy": "happiness", "distress": "sadness"}
    with pytest.raises(LabelError, match="'glee' is not one of"):
        parse_map("joy=glee")
    with pytest.raises(LabelError, match="not VALUE=EMOTION"):
        parse_map("joy")


def test_naming_a_voice_tier_imports_nothing_and_says_so(
    store: LocalStore, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    assert main(["export", PATIENT, "--format", "eaf", "--out", str(out), "--data-dir", str(store.root)]) == 0
    before = _snapshot(store)
    args = [
        "import",
        PATIENT,
        str(out / f"{SESSION}.eaf"),
        "--tier",
        "Narration",
        "--data-dir",
        str(store.root),
    ]
    assert main(args) == 0
    printed = capsys.readouterr().out
    assert "VOICE's own tier(s) left alone: Narration" in printed
    assert "nothing new: nothing written." in printed
    assert _snapshot(store) == before


def test_a_label_the_new_file_no_longer_holds_is_reported_and_kept(store: LocalStore, tmp_path: Path) -> None:
    _import(
        store, _file(tmp_path, researcher_eaf(MEDIA, {"E": [(0.2, 1.8, "happiness"), (8.5, 9.5, "anger")]}))
    )
    anger = next(
        label.id
        for label in session_labels(store, PATIENT, SESSION).labels
        if label.emotion == "anger" and label.kind == "added"
    )
    result = _import(
        store, _file(tmp_path, researcher_eaf(MEDIA, {"E": [(0.2, 1.8, "happiness")]}), "v2.eaf")
    )
    assert result.tiers[0].not_in_file == [anger]  # type: ignore[attr-defined]
    assert not result.written  # type: ignore[attr-defined]
    assert any(label.id == anger and label.counts for label in session_labels(store, PATIENT, SESSION).labels)


def test_a_coders_name_is_made_printable_before_anything_is_written(
    store: LocalStore, tmp_path: Path
) -> None:
    data = researcher_eaf(MEDIA, {"E\u200e": [(0.2, 1.8, "happiness")]}, annotator=" ben\u200b\u0085 ")
    _import(store, _file(tmp_path, data))
    added = [label for label in session_labels(store, PATIENT, SESSION).labels if label.kind == "added"]
    assert [(a.author, a.reason) for a in added] == [("ben", "from tier E")]


def test_two_coders_of_one_session_are_written_one_after_the_other(store: LocalStore, tmp_path: Path) -> None:
    tiers = {"Ben": [(0.2, 1.8, "happiness")], "Cleo": [(8.5, 9.5, "anger")]}
    data = researcher_eaf(MEDIA, tiers, annotators={"Ben": "ben", "Cleo": "cleo"})
    result = _import(store, _file(tmp_path, data))
    assert [(t.author, t.added) for t in result.tiers] == [("ben", 1), ("cleo", 1)]  # type: ignore[attr-defined]
    added = [label for label in session_labels(store, PATIENT, SESSION).labels if label.kind == "added"]
    assert [(a.author, a.emotion) for a in added] == [("ben", "happiness"), ("cleo", "anger")]
