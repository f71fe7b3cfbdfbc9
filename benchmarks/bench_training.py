"""Benchmark: features + grouped cross-validation for 1,000 synthetic samples (target ≤ 30 s).

With what each feature group adds (one more grouped CV per group with data).

    .venv/bin/python benchmarks/bench_training.py [--samples 1000] [--json]

Samples: 5 emotions × 20 videos × 10 samples of 4 s at 5 fps (21 poses each), as the pipeline
writes them. CV uses the default Settings (5-fold StratifiedGroupKFold × 3 repeats, 100 trees),
then the final fit on all samples. Synthetic data generation is timed separately and is not
part of the target.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

# Synthetic skeletons are test material (tests/support/synthetic.py), not product code.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.support.synthetic import synthetic_dataset
from voice.config import EMOTIONS, Settings
from voice.model.ablation import group_contributions
from voice.model.evaluation import train_model
from voice.model.features import FEATURE_NAMES, extract_feature_matrix


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=1000, help="total samples (multiple of 50)")
    parser.add_argument("--json", action="store_true", help="print one JSON line")
    args = parser.parse_args()
    per_session = 10
    sessions = max(args.samples // (len(EMOTIONS) * per_session), 1)
    settings = Settings()

    t0 = time.perf_counter()
    samples = synthetic_dataset(sessions_per_emotion=sessions, samples_per_session=per_session, seed=0)
    t1 = time.perf_counter()
    features = extract_feature_matrix([s.frames for s in samples])
    t2 = time.perf_counter()
    model = train_model(
        features,
        [s.emotion for s in samples],
        [s.session for s in samples],
        settings=settings,
        run_id="bench",
    )
    t3 = time.perf_counter()
    m = model.metrics
    # What each feature group adds: one more grouped CV per group that has data (the synthetic
    # skeletons have body points only, so here that is the body group alone).
    groups = group_contributions(
        features,
        [s.emotion for s in samples],
        [s.session for s in samples],
        settings=settings,
        feature_names=FEATURE_NAMES,
        metrics=m,
    )
    t4 = time.perf_counter()
    result = {
        "samples": len(samples),
        "videos": len({s.session for s in samples}),
        "features": len(FEATURE_NAMES),
        "cv": f"{m['cv']['scheme']} {m['cv']['folds']}x{m['cv']['repeats']}, {settings.forest_trees} trees",
        "generate_s": round(t1 - t0, 2),
        "features_s": round(t2 - t1, 2),
        "cv_and_fit_s": round(t3 - t2, 2),
        "group_ablation_s": round(t4 - t3, 2),
        "group_cvs": sum(1 for g in groups["groups"].values() if g["has_data"]),
        "total_s": round(t4 - t1, 2),
        "target_s": 30.0,
        "balanced_accuracy": round(m["balanced_accuracy"]["mean"], 3),
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
    }
    if args.json:
        print(json.dumps(result))
        return
    for key, value in result.items():
        print(f"{key:18s} {value}")
    print(f"{'within target':18s} {result['total_s'] <= result['target_s']}")


if __name__ == "__main__":
    main()
