"""Remake docs/researchers.md's picture: the tiers of a real exported ``.eaf``, laid out as ELAN
lays them out (one row per tier, annotations as boxes on the time line).

    .venv/bin/python scripts/docs_researchers_image.py --data-dir DIR   # a finished `voice demo` in DIR

It copies one session of the demo (the one processed after training, which carries the model's
predictions) into a temporary store — DIR is only read —, reviews one of its labels as ``anna``,
imports a researcher's ELAN coding of it as ``cleo`` (``voice import``), exports it with
``voice export --format eaf`` and draws the tiers read back from that ``.eaf`` file with the
standard XML parser (our own file). Writes ``docs/images/researchers-eaf.png`` (under 200 KB).
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.support.exchange import researcher_eaf  # noqa: E402
from voice import layout  # noqa: E402
from voice.config import EMOTIONS, Settings  # noqa: E402
from voice.exchange.export import ExportRequest, export_sessions  # noqa: E402
from voice.exchange.importing import ImportRequest, import_coding  # noqa: E402
from voice.labels.service import Change, ReviewRequest, list_sessions, review, session_labels  # noqa: E402
from voice.labels.stored import load_session  # noqa: E402
from voice.storage import LocalStore  # noqa: E402

OUT = ROOT / "docs" / "images" / "researchers-eaf.png"
PATIENT = "maria"
MAX_BYTES = 200_000
COLOURS = dict(zip(EMOTIONS, ("#f2c14e", "#5b8fd6", "#d65b5b", "#b07fd6", "#9aa5b1"), strict=True))


def _copy_session(data_dir: Path, store: LocalStore) -> str:
    source = LocalStore(data_dir)
    sessions = list_sessions(source, PATIENT)
    tracked = [s.session for s in sessions if s.pose_track]
    predicted = [sid for sid in tracked if load_session(source, PATIENT, sid).metadata.predictions]
    session = (predicted or tracked)[-1]
    for bucket, prefix in (
        (layout.VIDEOS, layout.metadata_key(PATIENT, session)),
        (layout.PATIENTS, layout.session_index_key(PATIENT, session)),
        (layout.PATIENTS, layout.pose_track_key(PATIENT, session)),
        (layout.PATIENTS, layout.reviews_key(PATIENT, session)),
    ):
        if source.exists(bucket, prefix):
            store.write(bucket, prefix, source.read(bucket, prefix))
    return session


def _code(store: LocalStore, session: str, tmp: Path) -> None:
    labels = [label for label in session_labels(store, PATIENT, session).labels if label.counts]
    first = labels[0]
    review(
        store,
        ReviewRequest(PATIENT, session, (Change("confirm", event=first.id),), author="anna"),
        settings=Settings(),
    )
    duration = session_labels(store, PATIENT, session).duration_s
    spans = [(round(first.start, 1), round(min(first.end, duration), 1), first.emotion)]
    later = round(max(spans[0][1], duration * 0.6) + 0.1, 1), round(duration * 0.95, 1)
    if later[1] - later[0] >= 0.5:
        spans.append((*later, "surprise"))
    coding = tmp / "cleo.eaf"
    coding.write_bytes(researcher_eaf(f"{session}.mp4", {"Emotion (Cleo)": spans}, annotator="cleo"))
    import_coding(store, ImportRequest(PATIENT, coding), settings=Settings())


def _tiers(path: Path) -> list[tuple[str, list[tuple[float, float, str]]]]:
    root = ET.parse(path).getroot()
    slots = {s.get("TIME_SLOT_ID"): int(s.get("TIME_VALUE", "0")) / 1000 for s in root.iter("TIME_SLOT")}
    alignable = {}
    out = []
    for tier in root.iter("TIER"):
        spans = []
        for ann in tier.iter("ALIGNABLE_ANNOTATION"):
            span = (
                slots[ann.get("TIME_SLOT_REF1")],
                slots[ann.get("TIME_SLOT_REF2")],
                ann.findtext("ANNOTATION_VALUE") or "",
            )
            alignable[ann.get("ANNOTATION_ID")] = span
            spans.append(span)
        for ref in tier.iter("REF_ANNOTATION"):
            start, end, _ = alignable[ref.get("ANNOTATION_REF")]
            spans.append((start, end, ref.findtext("ANNOTATION_VALUE") or ""))
        out.append((tier.get("TIER_ID") or "", spans))
    return out


def _draw(tiers: list[tuple[str, list[tuple[float, float, str]]]], title: str, duration: float) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(11, 0.42 * len(tiers) + 1.0), dpi=90)
    for row, (_name, spans) in enumerate(tiers):
        y = len(tiers) - 1 - row
        for start, end, value in spans:
            colour = COLOURS.get(value, "#e3e7ec" if value == "in view" else "#f4f1ea")
            ax.add_patch(plt.Rectangle((start, y - 0.38), end - start, 0.76, color=colour, ec="#555", lw=0.6))
            if end - start > duration * 0.06:
                ax.text(start + 0.08, y, value, va="center", ha="left", fontsize=7, clip_on=True)
    ax.set_yticks(range(len(tiers)), [name for name, _ in reversed(tiers)], fontsize=8)
    ax.set_xlim(0, duration)
    ax.set_ylim(-0.6, len(tiers) - 0.4)
    ax.set_xlabel("seconds", fontsize=8)
    ax.tick_params(axis="x", labelsize=7)
    ax.set_title(title, fontsize=9, loc="left")
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    fig.tight_layout()
    fig.savefig(OUT, format="png")
    plt.close(fig)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, required=True, help="a finished `voice demo`")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="voice-docs-") as tmp_name:
        tmp = Path(tmp_name)
        store = LocalStore(tmp / "data")
        session = _copy_session(args.data_dir, store)
        _code(store, session, tmp)
        (path,) = [
            p
            for p in export_sessions(store, ExportRequest(PATIENT, (session,), "eaf", tmp / "out"))
            if p.suffix == ".eaf"
        ]
        duration = session_labels(store, PATIENT, session).duration_s
        _draw(_tiers(path), f"{path.name}: the tiers of an exported ELAN file", duration)
    size = OUT.stat().st_size
    print(f"wrote {OUT} ({size} bytes)")
    if size > MAX_BYTES:
        print(f"{OUT.name} is over {MAX_BYTES} bytes", file=sys.stderr)
        return 1
    shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
