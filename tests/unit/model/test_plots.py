"""PNG figures without pyplot state: the feature-importance plot, bars coloured by feature group."""

from __future__ import annotations

import numpy as np

from voice.model.features import FEATURE_GROUPS, FEATURE_NAMES, group_of
from voice.model.plots import GROUP_COLORS, feature_importance_png, figure, png


def _decode(data: bytes) -> np.ndarray:
    import cv2

    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    assert image is not None
    return np.asarray(cv2.cvtColor(image, cv2.COLOR_BGR2RGB))


def _pixels_of(image: np.ndarray, colour: str) -> int:
    rgb = np.array([int(colour[i : i + 2], 16) for i in (1, 3, 5)])
    return int((np.abs(image.astype(int) - rgb).max(axis=-1) <= 2).sum())


def test_a_figure_is_drawn_off_screen_at_100_dpi() -> None:
    fig = figure(3.0, 2.0)
    fig.subplots().plot([0, 1], [0, 1])
    image = _decode(png(fig))
    assert 100 <= image.shape[1] <= 300, "3 inches at 100 dpi, trimmed to the drawing"
    assert image.shape[0] < image.shape[1]


def test_the_importance_plot_colours_each_group_and_is_byte_stable() -> None:
    values = np.linspace(1.0, 0.01, len(FEATURE_NAMES))  # body first: the top bars are body
    groups = [group_of(n) for n in FEATURE_NAMES]
    first = feature_importance_png(FEATURE_NAMES, values, groups=groups)
    assert first == feature_importance_png(FEATURE_NAMES, values, groups=groups), "no timestamps"
    image = _decode(first)
    for group in FEATURE_GROUPS:
        assert _pixels_of(image, GROUP_COLORS[group]) > 200, group  # the summed bar at least


def test_only_the_groups_a_model_has_are_drawn() -> None:
    names = ["a", "b", "c"]
    image = _decode(feature_importance_png(names, [0.5, 0.3, 0.2]))  # a body-only model of old
    assert _pixels_of(image, GROUP_COLORS["body"]) > 500
    assert _pixels_of(image, GROUP_COLORS["face"]) == 0
    assert _pixels_of(image, GROUP_COLORS["hands"]) == 0


def test_top_limits_the_bars_and_the_figure_grows_with_them() -> None:
    names = [f"f{i}" for i in range(40)]
    values = list(np.random.default_rng(0).uniform(size=40))
    few = _decode(feature_importance_png(names, values, top=8))
    many = _decode(feature_importance_png(names, values, top=30))
    assert many.shape[0] > few.shape[0] + 100


def test_the_reliability_and_families_plots_draw_from_the_metrics() -> None:
    from voice.model.plots import families_png, reliability_png
    from voice.records.training import Calibration, FamilyScore, ModelChoice, ReliabilityBin

    bins = [
        ReliabilityBin(lower=b / 10, upper=(b + 1) / 10, count=c, confidence=(b + 0.5) / 10 if c else None,
                       accuracy=(b + 0.4) / 10 if c else None)
        for b, c in enumerate([0, 0, 0, 4, 6, 8, 10, 12, 9, 5])
    ]  # fmt: skip
    cal = Calibration(
        method="m", temperature=1.2, brier=0.3, brier_uncalibrated=0.35, ece=0.05, ece_uncalibrated=0.09,
        bins=bins, unsure_below=0.6, target_accuracy=0.7, unsure_share=0.3, definition="d",
    )  # fmt: skip
    image = _decode(reliability_png(cal))
    assert _pixels_of(image, "#d63a2f") > 50, "the threshold line is drawn"
    assert _pixels_of(image, "#3b6fd8") > 50, "the model's curve is drawn"
    families = {f: FamilyScore(balanced_accuracy=v, per_repeat=[v], chosen_in_folds=1) for f, v in
                (("forest", 0.6), ("boosting", 0.55), ("logistic", 0.7))}  # fmt: skip
    choice = ModelChoice(
        method="m", inner_cv="i", families=families, configurations=[], chosen="logistic(C=1.0)",
        chosen_family="logistic",
    )  # fmt: skip
    image = _decode(families_png(choice, baseline=0.2))
    assert _pixels_of(image, "#3b6fd8") > 100, "the chosen family's bar"
    assert _pixels_of(image, "#9bb5ea") > 100, "the others"
