"""Plots are written as PNG and SVG and are not blank."""

from __future__ import annotations

import numpy as np
from PIL import Image

from dlcourse.evaluation import plots


def _not_blank(path):
    pixels = np.asarray(Image.open(path).convert("L"), dtype=np.float32)
    return pixels.std() > 5.0


def test_classification_plots(tmp_path):
    history = [{"epoch": e, "loss": 1 / e, "accuracy": 1 - 1 / (e + 1), "val_loss": 1.2 / e,
                "val_accuracy": 1 - 1.2 / (e + 1), "seconds": 0.1} for e in range(1, 6)]
    files = plots.learning_curves(history, tmp_path / "lc", "t")
    cm = np.array([[5, 1], [2, 7]])
    files += plots.confusion_matrix(cm, ["a", "b"], tmp_path / "cm")
    rng = np.random.default_rng(0)
    probs = rng.dirichlet(np.ones(3), size=20)
    files += plots.worst_misclassified(rng.random((20, 8, 8)), rng.integers(0, 3, 20), probs, ["0", "1", "2"],
                                       tmp_path / "worst")
    assert sorted(p.name for p in files) == ["cm.png", "cm.svg", "lc.png", "lc.svg", "worst.png", "worst.svg"]
    for p in files:
        if p.suffix == ".png":
            assert _not_blank(p), p
        else:
            assert p.read_text().lstrip().startswith("<?xml")
    assert not list(tmp_path.glob(".*tmp"))


def test_regression_and_overlay_plots(tmp_path):
    rng = np.random.default_rng(0)
    y = rng.normal(size=(50, 1))
    files = plots.predicted_vs_true(y, y + 0.1, tmp_path / "pvt") + plots.residuals(y, y + 0.1, tmp_path / "res")
    h = [{"epoch": e, "loss": 1 / e, "mae": 1 / e, "val_loss": 1 / e, "val_mae": 1 / e, "seconds": 0.1}
         for e in (1, 2, 3)]
    files += plots.compare_curves({"torch": h, "tensorflow": h}, tmp_path / "both")
    assert all(_not_blank(p) for p in files if p.suffix == ".png") and len(files) == 6


def test_no_mistakes_no_grid(tmp_path):
    probs = np.eye(3)
    assert plots.worst_misclassified(np.zeros((3, 8, 8)), np.arange(3), probs, list("abc"), tmp_path / "w") == []
    assert plots.worst_misclassified(np.zeros((3, 5)), np.zeros(3, int), probs, list("abc"), tmp_path / "w") == []
