"""Does the profile's appearance cue pick the patient better than the default rule?

    .venv/bin/python benchmarks/bench_patient_choice.py [--json]

The patient's colours are learnt once, as ``voice process --person`` does: one pinned video
(patient and another person side by side, the room's ordinary light). Then a set of other
videos (``tests/support/scenes.py``, two people: the patient in a blue suit, another person in orange)
varies who is in view longer, who stands left, and the room's light (warmer, cooler, dimmer,
brighter). Three kinds test the cue's limits: the patient in new clothes (green), the two
people's clothes swapped (the other person now wears the patient's blue), and no patient at
all. Each video runs once through the pipeline's per-frame step; the default rule (in view
longest) and the appearance rule (profile colours, else the default) both choose from the same
tracks. Truth comes from the compositing (the patient's nose).
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

# Composited scenes are test material (tests/support/scenes.py), not product code.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.support import scenes
from voice.config import Settings
from voice.media.frames import iter_frames
from voice.people.estimator import PeoplePass
from voice.people.patient import PatientChooser, longest_in_view
from voice.people.pin import PersonPin
from voice.pose.body25 import PoseFrame

LIGHTS = {
    "ordinary": (1.0, 1.0, 1.0),
    "warm": (1.12, 1.0, 0.82),
    "cool": (0.85, 0.97, 1.15),
    "dim": (0.7, 0.7, 0.7),
    "bright": (1.2, 1.2, 1.2),
}
#: (patient in view, other in view): the default rule is right on the first, wrong on the last two.
SPANS = {
    "patient longer": ((0.0, 8.0), (2.0, 8.0)),
    "both throughout": ((0.0, 8.0), (0.0, 8.0)),
    "other longer": ((3.0, 8.0), (0.0, 8.0)),
    "patient briefly": ((5.0, 8.0), (0.0, 8.0)),
}
#: Clothes: (patient's, other's) look; the patient always wore blue when pinned.
CLOTHES = {"as pinned": ("blue", "orange"), "new clothes": ("green", "orange"), "swapped": ("orange", "blue")}


def _run(scene: scenes.Scene, path: Path, chooser: PatientChooser) -> list[PoseFrame]:
    with PeoplePass(Settings(), chooser) as people:
        return [
            people.step(f.bgr, frame=f.index, time_s=f.time_s) for f in iter_frames(path) if f.index % 5 == 0
        ]


def _patient_track(scene: scenes.Scene, frames: list[PoseFrame]) -> int | None:
    """The track id most often on the patient's nose (truth), None when the patient never shows."""
    votes: dict[int, int] = {}
    for f in frames:
        nose = scenes.truth(scene, f.time_s).get("patient")
        for p in f.people if nose is not None else ():
            if p.keypoints[0, 2] > 0.3 and np.hypot(*(p.keypoints[0, :2] - nose)) < 60:
                votes[p.person_id] = votes.get(p.person_id, 0) + 1
    return max(votes, key=lambda k: votes[k]) if votes else None


def learn(tmp: Path) -> np.ndarray:
    scene = scenes.two_people((0.0, 8.0), (0.0, 8.0))
    path = scenes.render(scene, tmp / "pinned.mp4")
    chooser = PatientChooser((scene.width, scene.height), pin=PersonPin(170, 150, 1.0))
    _run(scene, path, chooser)
    track = chooser.final().track_id
    assert track is not None, "the pin found the patient"
    colours = chooser.appearance(track)
    assert colours is not None
    return colours


def _cases() -> list[tuple[str, str, str, bool]]:
    """(time span, clothes, light, patient on the left)."""
    cases = [(s, "as pinned", light, j % 2 == 0) for s in SPANS for j, light in enumerate(LIGHTS)]
    for clothes in ("new clothes", "swapped"):
        cases += [
            (s, clothes, light, True)
            for s in ("both throughout", "other longer")
            for light in ("ordinary", "dim")
        ]
    return cases + [("no patient", "as pinned", light, True) for light in ("ordinary", "dim")]


def evaluate(tmp: Path, profile: np.ndarray) -> list[dict[str, Any]]:
    rows = []
    for i, (span, clothes, light, left) in enumerate(_cases()):
        patient, other = SPANS.get(span, ((9.0, 9.5), (0.0, 8.0)))
        scene = scenes.two_people(
            patient, other, looks=CLOTHES[clothes], patient_left=left, light=LIGHTS[light]
        )
        path = scenes.render(scene, tmp / f"case{i}.mp4")
        chooser = PatientChooser((scene.width, scene.height), appearance=profile)
        frames = _run(scene, path, chooser)
        truth = _patient_track(scene, frames)
        default = longest_in_view(chooser.stats(), (scene.width, scene.height)).track_id
        cue = chooser.final()
        rows.append(
            {
                "case": span,
                "clothes": clothes,
                "light": light,
                "patient_left": left,
                "truth": truth,
                "default_right": default == truth if truth is not None else None,
                "appearance_right": cue.track_id == truth if truth is not None else None,
                "appearance_used": cue.rule == "appearance",
                "appearance_picked_other": truth is None and cue.rule == "appearance",
            }
        )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="voice-bench-choice-") as tmp:
        rows = evaluate(Path(tmp), learn(Path(tmp)))
    scored = [r for r in rows if r["truth"] is not None]
    summary = {
        "machine": f"{platform.machine()}, {platform.python_version()}",
        "videos": len(scored),
        "default_right": sum(r["default_right"] for r in scored),
        "appearance_right": sum(r["appearance_right"] for r in scored),
        "by_clothes": {
            c: [sum(r[k] for r in scored if r["clothes"] == c) for k in ("default_right", "appearance_right")]
            + [sum(1 for r in scored if r["clothes"] == c)]
            for c in CLOTHES
        },
        "no_patient_videos": len(rows) - len(scored),
        "no_patient_appearance_picked_someone": sum(r["appearance_picked_other"] for r in rows),
        "rows": rows,
    }
    if args.json:
        print(json.dumps(summary))
        return
    print(f"{'case':<16} {'clothes':<12} {'light':<9} {'left':<5} default  appearance")
    for r in rows:
        d = "-" if r["default_right"] is None else ("right" if r["default_right"] else "WRONG")
        a = "-" if r["appearance_right"] is None else ("right" if r["appearance_right"] else "WRONG")
        used = " (cue)" if r["appearance_used"] else ""
        print(f"{r['case']:<16} {r['clothes']:<12} {r['light']:<9} {r['patient_left']!s:<5} {d:<8} {a}{used}")
    for clothes, (d_ok, a_ok, n) in summary["by_clothes"].items():
        print(f"  clothes {clothes}: default {d_ok}/{n}, appearance {a_ok}/{n}")
    print(
        f"patient chosen right: default {summary['default_right']}/{len(scored)}, "
        f"with the appearance cue {summary['appearance_right']}/{len(scored)}; "
        f"videos without the patient where the cue picked someone: "
        f"{summary['no_patient_appearance_picked_someone']}/{summary['no_patient_videos']}"
    )


if __name__ == "__main__":
    main()
