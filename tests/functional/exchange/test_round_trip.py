"""Export → import into a fresh copy → export gives the same labels; the ELAN file keeps ELAN's
documented structure (no XSD is reachable here: time slots ordered and referenced, linguistic
types and vocabularies declared, tiers without overlaps); importing VOICE's own export changes
nothing."""

from __future__ import annotations

import csv
import io
import itertools
import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from tests.support.exchange import researcher_eaf
from tests.support.labels import PATIENT, SESSION, stored_session
from voice.cli import main
from voice.config import EMOTIONS, Settings
from voice.labels.service import Change, ReviewRequest, review, session_labels
from voice.storage import LocalStore


@pytest.fixture
def store(tmp_path: Path) -> LocalStore:
    s = LocalStore(tmp_path / "data")
    stored_session(s)
    return s


def _export(store: LocalStore, fmt: str, out: Path, *extra: str) -> Path:
    assert (
        main(["export", PATIENT, "--format", fmt, "--out", str(out), "--data-dir", str(store.root), *extra])
        == 0
    )
    return out


def _labels_csv(path: Path, sources: set[str]) -> list[tuple[str, ...]]:
    rows = csv.DictReader(io.StringIO(path.read_text()))
    return sorted(
        (r["session"], r["source"], r["author"], r["start_s"], r["end_s"], r["emotion"])
        for r in rows
        if r["source"] in sources
    )


def test_the_eaf_keeps_elans_structure(store: LocalStore, tmp_path: Path) -> None:
    review(
        store,
        ReviewRequest(PATIENT, SESSION, (Change("add", emotion="anger", start=8.5, end=9.5),), author="anna"),
        settings=Settings(),
    )
    out = _export(store, "eaf", tmp_path / "out", "--transcript")
    root = ET.parse(out / f"{SESSION}.eaf").getroot()
    assert root.tag == "ANNOTATION_DOCUMENT"
    assert root.get("FORMAT") == "2.8"
    media = root.find("HEADER/MEDIA_DESCRIPTOR")
    assert media is not None
    assert media.get("RELATIVE_MEDIA_URL") == f"./{SESSION}.mp4"
    assert media.get("MEDIA_URL") == f"file:///{SESSION}.mp4"  # no local directory
    slots = [(s.get("TIME_SLOT_ID"), int(s.get("TIME_VALUE", "-1"))) for s in root.iter("TIME_SLOT")]
    assert [v for _, v in slots] == sorted(v for _, v in slots), "time slots in time order"
    assert [i for i, _ in slots] == [f"ts{k}" for k in range(1, len(slots) + 1)]
    value = dict(slots)
    types = {t.get("LINGUISTIC_TYPE_ID"): t for t in root.iter("LINGUISTIC_TYPE")}
    cvs = {c.get("CV_ID"): [v.text for v in c.iter("CVE_VALUE")] for c in root.iter("CONTROLLED_VOCABULARY")}
    assert cvs == {"voice-emotions": [*EMOTIONS, "not counted"]}
    tiers = {t.get("TIER_ID"): t for t in root.iter("TIER")}
    assert {
        "Narration",
        "Narration not counted",
        "Review: anna",
        "Person 0 (patient)",
        "Person 1",
        "Transcript",
    } <= set(tiers)
    ids = set()
    for name, tier in tiers.items():
        lt = types[tier.get("LINGUISTIC_TYPE_REF")]  # every tier's type is declared
        if lt.get("CONTROLLED_VOCABULARY_REF"):
            assert lt.get("CONTROLLED_VOCABULARY_REF") in cvs
            assert {v.text for v in tier.iter("ANNOTATION_VALUE")} <= set(cvs["voice-emotions"]), name
        spans = []
        for ann in tier.iter("ALIGNABLE_ANNOTATION"):
            start, end = value[ann.get("TIME_SLOT_REF1")], value[ann.get("TIME_SLOT_REF2")]
            assert start < end, name
            spans.append((start, end))
            ids.add(ann.get("ANNOTATION_ID"))
        assert all(a[1] <= b[0] for a, b in itertools.pairwise(spans)), f"{name} overlaps"
        if tier.get("PARENT_REF"):
            assert tier.get("PARENT_REF") in tiers
    for ref in root.iter("REF_ANNOTATION"):
        assert ref.get("ANNOTATION_REF") in ids
    marked = {p.text for p in root.iter("PROPERTY") if p.get("NAME") == "voice:tier"}
    assert set(tiers) <= marked, "VOICE marks every tier it writes"
    # The narrated windows 0–2 s (happiness) and 4.1–8.1 s (sadness) stay whole; the ignored question's
    # window sits on its own tier with its reason.
    narration = [
        (value[a.get("TIME_SLOT_REF1")], a.findtext("ANNOTATION_VALUE"))
        for a in tiers["Narration"].iter("ALIGNABLE_ANNOTATION")
    ]
    assert narration == [(0, "happiness"), (4100, "sadness")]
    assert [
        a.findtext("ANNOTATION_VALUE") for a in tiers["Narration not counted"].iter("ALIGNABLE_ANNOTATION")
    ] == ["anger: question"]


def test_without_transcript_no_words_are_exported(store: LocalStore, tmp_path: Path) -> None:
    out = _export(store, "eaf", tmp_path / "out")
    text = (out / f"{SESSION}.eaf").read_text()
    assert "Transcript" not in text
    assert "Maria" not in text


def _snapshot(store: LocalStore) -> dict[str, bytes]:
    return {
        p.relative_to(store.root).as_posix(): p.read_bytes()
        for p in store.root.rglob("*")
        if p.is_file() and ".locks" not in p.parts
    }


@pytest.mark.parametrize("fmt", ["eaf", "csv"])
def test_export_import_export_gives_the_same_labels(store: LocalStore, tmp_path: Path, fmt: str) -> None:
    coded = tmp_path / "coded.eaf"
    coded.write_bytes(
        researcher_eaf(f"{SESSION}.mp4", {"Emotion": [(0.2, 1.8, "happiness"), (8.5, 9.5, "anger")]})
    )
    assert main(["import", PATIENT, str(coded), "--data-dir", str(store.root)]) == 0
    first = _export(store, fmt, tmp_path / "first")
    first_csv = _export(store, "csv", tmp_path / "first-csv") / f"{PATIENT}_labels.csv"
    exported = first / (f"{SESSION}.eaf" if fmt == "eaf" else f"{PATIENT}_labels.csv")
    # Into the same store the export changes nothing: its coder's labels are there already.
    before = _snapshot(store)
    assert main(["import", PATIENT, str(exported), "--data-dir", str(store.root)]) == 0
    assert _snapshot(store) == before
    # Into a fresh copy of the processed session it brings the imported coder's labels back.
    fresh = LocalStore(tmp_path / "fresh")
    stored_session(fresh)
    assert main(["import", PATIENT, str(exported), "--data-dir", str(fresh.root)]) == 0
    second_csv = _export(fresh, "csv", tmp_path / "second-csv") / f"{PATIENT}_labels.csv"
    wanted = {"narration", "import", "effective"}
    assert _labels_csv(first_csv, wanted) == _labels_csv(second_csv, wanted)
    assert ("visit-0123456789", "import", "ben", "8.500", "9.500", "anger") in _labels_csv(second_csv, wanted)


def test_a_researchers_tier_added_to_the_exported_file_is_imported(store: LocalStore, tmp_path: Path) -> None:
    out = _export(store, "eaf", tmp_path / "out")
    path = out / f"{SESSION}.eaf"
    root = ET.parse(path).getroot()
    order = root.find("TIME_ORDER")
    assert order is not None
    ET.SubElement(order, "TIME_SLOT", TIME_SLOT_ID="tsR1", TIME_VALUE="8500")
    ET.SubElement(order, "TIME_SLOT", TIME_SLOT_ID="tsR2", TIME_VALUE="9500")
    tier = ET.Element("TIER", TIER_ID="My coding", LINGUISTIC_TYPE_REF="voice-emotion", ANNOTATOR="cleo")
    ann = ET.SubElement(
        ET.SubElement(tier, "ANNOTATION"),
        "ALIGNABLE_ANNOTATION",
        ANNOTATION_ID="aR1",
        TIME_SLOT_REF1="tsR1",
        TIME_SLOT_REF2="tsR2",
    )
    ET.SubElement(ann, "ANNOTATION_VALUE").text = "surprise"
    root.insert(list(root).index(root.find("TIER")), tier)  # type: ignore[arg-type]
    ET.ElementTree(root).write(path, encoding="UTF-8", xml_declaration=True)
    assert main(["import", PATIENT, str(path), "--data-dir", str(store.root)]) == 0
    added = [label for label in session_labels(store, PATIENT, SESSION).labels if label.kind == "added"]
    assert [(a.start, a.end, a.emotion, a.author, a.source) for a in added] == [
        (8.5, 9.5, "surprise", "cleo", "import")
    ]


def test_export_never_overwrites_a_file(
    store: LocalStore, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = _export(store, "eaf", tmp_path / "out")
    (out / f"{SESSION}.eaf").write_text("the researcher's coding")
    args = ["export", PATIENT, "--format", "eaf", "--out", str(out), "--data-dir", str(store.root)]
    assert main(args) == 2
    assert "nothing was written" in capsys.readouterr().err
    assert (out / f"{SESSION}.eaf").read_text() == "the researcher's coding"


def test_a_boris_observation_of_the_researcher_is_imported(store: LocalStore, tmp_path: Path) -> None:
    out = _export(store, "boris", tmp_path / "out")
    project = json.loads((out / f"{PATIENT}.boris").read_text())
    project["observations"]["cleo's coding"] = {
        "type": "MEDIA",
        "file": {"1": [f"{SESSION}.mp4"], "2": []},
        "description": "",
        "events": [[8.5, PATIENT, "surprise", "", "", 212], [9.5, PATIENT, "surprise", "", "", 237]],
    }
    path = tmp_path / "cleo.boris"
    path.write_text(json.dumps(project))
    assert main(["import", PATIENT, str(path), "--data-dir", str(store.root)]) == 0
    added = [label for label in session_labels(store, PATIENT, SESSION).labels if label.kind == "added"]
    assert [(a.start, a.end, a.emotion, a.author, a.source) for a in added] == [
        (8.5, 9.5, "surprise", "cleo", "import")
    ]
    assert main(["import", PATIENT, str(path), "--data-dir", str(store.root)]) == 0
    assert (
        len([label for label in session_labels(store, PATIENT, SESSION).labels if label.kind == "added"]) == 1
    )


def test_a_researchers_csv_is_imported_with_a_map(store: LocalStore, tmp_path: Path) -> None:
    path = tmp_path / "dan.csv"
    path.write_text(f"session,coder,start_s,end_s,emotion\n{SESSION},dan,8.5,9.5,Distress\n")
    args = ["import", PATIENT, str(path), "--data-dir", str(store.root)]
    assert main(args) == 2, "Distress is not an emotion without a map"
    assert main([*args, "--map", "distress=sadness"]) == 0
    added = [label for label in session_labels(store, PATIENT, SESSION).labels if label.kind == "added"]
    assert [(a.emotion, a.author) for a in added] == [("sadness", "dan")]
