"""Benchmark: choosing and training a patient's model on 1,000 samples × 95 features (target: the
nested CV with its inner search and SHAP within 3 minutes on 2 cores).

    .venv/bin/python benchmarks/bench_training.py [--samples 1000] [--jobs 0] [--json]

Samples: 5 emotions × 20 videos × 10 samples of 4 s at 5 fps (21 poses each), as the pipeline
writes them. The synthetic skeletons have body points only, so the 30 face and hand columns are
drawn here (a per-video offset, noise and a weak pull by emotion) to give every model all 95
features to work with; and their motions tell the emotions apart perfectly, so a share of the
videos (``--label-noise``, 0.3) gets another emotion's label: models then grow the deeper trees of
real, noisy data, which the fits and SHAP pay for.

Measured with the default Settings: nested grouped CV (5-fold StratifiedGroupKFold, one repeat
from 300 samples on; inner 3-fold search over 9 configurations), calibration, SHAP of the
out-of-fold samples, the final fit; then what each feature group adds (reported apart: one
configuration, no search).

The machine is shared, so besides wall times it reports CPU seconds of each part (the sum over
the worker processes) and the load average (``os.getloadavg``) before and after: on a busy machine
the wall time says more about the neighbours than about VOICE, and CPU seconds / cores is what an
idle 2-core machine would take.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np

# Synthetic skeletons are test material (tests/support/synthetic.py), not product code.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.support.synthetic import synthetic_dataset
from voice.config import EMOTIONS, Settings
from voice.model.ablation import group_contributions
from voice.model.evaluation import Evaluation, evaluate
from voice.model.explain import attributions
from voice.model.families import FAMILIES, configurations, fit
from voice.model.features import FEATURE_NAMES, extract_feature_matrix, group_of
from voice.model.findings import feature_importance, out_of_fold
from voice.records.training import Promotion, TrainingMetrics

TARGET_S = 180.0


def _fill_face_and_hands(x: np.ndarray, labels: list[str], groups: list[str], seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    cols = [j for j, n in enumerate(FEATURE_NAMES) if group_of(n) != "body"]
    videos = sorted(set(groups))
    offset = {v: rng.normal(size=len(cols)) for v in videos}
    pull = rng.normal(size=(len(EMOTIONS), len(cols))) * 0.5
    out = x.copy()
    for i, (label, video) in enumerate(zip(labels, groups, strict=True)):
        out[i, cols] = offset[video] + pull[EMOTIONS.index(label)] + rng.normal(size=len(cols))
    return out


def _relabel(labels: list[str], groups: list[str], share: float, seed: int) -> list[str]:
    """Labels where a ``share`` of the videos carry another emotion than their motion shows."""
    rng = np.random.default_rng(seed)
    videos = sorted(set(groups))
    moved = set(rng.choice(videos, size=round(share * len(videos)), replace=False).tolist())
    label_of = {g: lab for lab, g in zip(labels, groups, strict=True)}
    new = {v: str(rng.choice([e for e in EMOTIONS if e != label_of[v]])) for v in sorted(moved)}
    return [new.get(g, lab) for lab, g in zip(labels, groups, strict=True)]


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--samples", type=int, default=1000, help="total samples (multiple of 50)")
    parser.add_argument("--jobs", type=int, default=0, help="processes (0: one per core)")
    parser.add_argument("--label-noise", type=float, default=0.3, help="share of videos relabelled")
    parser.add_argument("--json", action="store_true", help="print one JSON line")
    args = parser.parse_args()
    per_session = 10
    sessions = max(args.samples // (len(EMOTIONS) * per_session), 1)
    settings = Settings(train_jobs=args.jobs)
    load_before = os.getloadavg()

    t0 = time.perf_counter()
    samples = synthetic_dataset(sessions_per_emotion=sessions, samples_per_session=per_session, seed=0)
    groups = [s.session for s in samples]
    labels = _relabel([s.emotion for s in samples], groups, args.label_noise, seed=2)
    t1 = time.perf_counter()
    features = _fill_face_and_hands(extract_feature_matrix([s.frames for s in samples]), labels, groups, 1)
    t2 = time.perf_counter()
    c2 = time.process_time()
    ev = evaluate(features, labels, groups, settings=settings)
    t3 = time.perf_counter()
    main_cpu = time.process_time() - c2
    # The records train_model adds besides the scores: importances and the out-of-fold file.
    metrics = _metrics(ev)
    oof = out_of_fold(
        ev.data,
        ev.nested,
        run_id="bench",
        feature_names=FEATURE_NAMES,
        samples=[str(i) for i in range(len(samples))],
        unsure_below=0.5,
    )
    out_of_fold_mb = len(oof.model_dump_json()) / 1e6
    t4 = time.perf_counter()
    timings = ev.nested.timings
    t5 = time.perf_counter()
    ablation = group_contributions(
        features, labels, groups, settings=settings, feature_names=FEATURE_NAMES, metrics=metrics
    )
    t6 = time.perf_counter()
    shap_by_family = _shap_by_family(ev, settings)
    cpu = sum(v for k, v in timings.items() if k.endswith("_cpu_s")) + main_cpu
    choice = ev.cv.model_choice
    cal = ev.cv.calibration
    assert choice is not None
    assert cal is not None
    result = {
        "samples": len(samples),
        "videos": len(set(groups)),
        "features": len(FEATURE_NAMES),
        "cv": f"{ev.cv.cv.scheme} {ev.cv.cv.folds}x{ev.cv.cv.repeats}, inner {settings.inner_folds} folds, "
        f"{len(ev.nested.configs)} configurations, {settings.forest_trees} trees",
        "jobs": settings.train_jobs or os.cpu_count(),
        "generate_s": round(t1 - t0, 2),
        "features_s": round(t2 - t1, 2),
        "nested_cv_wall_s": round(t3 - t2, 2),
        "search_wall_s": round(timings["search_wall_s"], 2),
        "fits_and_shap_wall_s": round(timings["fits_wall_s"], 2),
        "inner_search_cpu_s": round(timings["inner_search_cpu_s"], 2),
        "final_search_cpu_s": round(timings["final_search_cpu_s"], 2),
        "outer_fits_cpu_s": round(timings["outer_fits_cpu_s"], 2),
        "shap_cpu_s": round(timings["shap_cpu_s"], 2),
        "final_fit_cpu_s": round(timings["final_fit_cpu_s"], 2),
        "main_process_cpu_s": round(main_cpu, 2),
        "nested_cv_cpu_s": round(cpu, 2),
        "cpu_s_per_core": round(cpu / 2, 2),
        "group_ablation_wall_s": round(t6 - t5, 2),
        "shap_1000_cpu_s_by_family": shap_by_family,
        "records_s": round(t4 - t3, 2),
        "out_of_fold_json_mb": round(out_of_fold_mb, 2),
        "target_s": TARGET_S,
        "within_target_wall": (t3 - t2) <= TARGET_S,
        "within_target_cpu_on_2_cores": cpu / 2 <= TARGET_S,
        "chosen": choice.chosen,
        "balanced_accuracy": round(ev.cv.balanced_accuracy.mean, 3),
        "families": {f: round(v.balanced_accuracy, 3) for f, v in choice.families.items()},
        "ece": round(cal.ece, 3),
        "brier": round(cal.brier, 3),
        "groups_add": {g: round(v.adds, 3) for g, v in ablation.groups.items()},
        "load_before": [round(v, 2) for v in load_before],
        "load_after": [round(v, 2) for v in os.getloadavg()],
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
    }
    if args.json:
        print(json.dumps(result))
        return
    for key, value in result.items():
        print(f"{key:28s} {value}")


def _shap_by_family(ev: Evaluation, settings: Settings) -> dict[str, float]:
    """What SHAP of every sample costs had each family been chosen: its first configuration fitted
    on the first outer training part explains all samples (as the outer folds' models together do)."""
    out = {}
    train, _ = ev.nested.repeats[0][0]
    for family in FAMILIES:
        config = next(c for c in configurations(settings) if c.family == family)
        pipeline = fit(config, ev.data.x[train], ev.data.y[train], settings)
        c0 = time.process_time()
        attributions(pipeline, ev.data.x, ev.data.k)
        out[family] = round(time.process_time() - c0, 2)
    return out


def _metrics(ev: Evaluation) -> TrainingMetrics:
    return TrainingMetrics(
        **dict(ev.cv),
        feature_importance=feature_importance(ev.nested, FEATURE_NAMES),
        promotion=Promotion(promoted=False, reason="bench", rule="bench"),
        run_id="bench",
    )


if __name__ == "__main__":
    main()
