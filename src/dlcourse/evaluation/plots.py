"""Evaluation plots with matplotlib (Agg backend), each written as PNG and SVG.

Every function takes NumPy arrays and an output path without extension
(``folder/confusion_matrix``) and returns the files it wrote. Files are written
under a temporary name and renamed, so a failure never leaves half a file.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from dlcourse.frameworks import FRAMEWORKS

FORMATS = ("png", "svg")
FRAMEWORK_COLORS = {name: f.color for name, f in FRAMEWORKS.items()}   # distinct when overlaid
FRAMEWORK_LABELS = {name: f.label for name, f in FRAMEWORKS.items()}


def _pyplot():
    """pyplot, drawing off-screen (Agg), except where pyplot is already in use (a notebook's inline
    backend, a learner's window): the figures are saved to files either way, and the caller's own
    ``plt.show()`` keeps working after a dlcourse function drew its figures."""
    import sys

    import matplotlib

    if "matplotlib.pyplot" not in sys.modules and "ipykernel" not in sys.modules:
        matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def save_figure(fig, base: str | Path, formats=FORMATS) -> list[Path]:
    """Write ``fig`` to ``base.png`` and ``base.svg`` (atomically) and close it."""
    plt = _pyplot()
    base = Path(base)
    base.parent.mkdir(parents=True, exist_ok=True)
    written = []
    try:
        for fmt in formats:
            final = base.with_name(f"{base.name}.{fmt}")
            tmp = final.with_name(f".{final.name}.tmp")
            fig.savefig(tmp, format=fmt, dpi=110, bbox_inches="tight")
            os.replace(tmp, final)
            written.append(final)
    finally:
        plt.close(fig)
    return written


def _metric_keys(history: list[dict]) -> list[str]:
    """Train-side keys to plot, loss first, then the metrics that also have a validation value."""
    keys = [k for k in history[0] if k not in ("epoch", "seconds", "lr") and not k.startswith("val_")] if history else []
    preferred = ["loss", "accuracy", "f1_macro", "mae", "r2", "rmse", "mse"]
    keys = [k for k in preferred if k in keys] + [k for k in keys if k not in preferred]
    keys = keys[:4]
    rates = [row.get("lr") for row in history if row.get("lr") not in (None, "")]
    if rates and len({float(r) for r in rates}) > 1:             # a schedule: show the rate it followed
        keys.append("lr")
    return keys


def learning_curves(history: list[dict], base: str | Path, title: str = "") -> list[Path]:
    """Loss and metrics per epoch, train (dashed) vs validation (solid).

    ``history``: rows of ``history.csv`` (``epoch``, ``loss``, ``val_loss``, ...).
    """
    return compare_curves({"": history}, base, title)


def compare_curves(histories: dict[str, list[dict]], base: str | Path, title: str = "") -> list[Path]:
    """Learning curves of several runs overlaid (one colour per run, e.g. per framework).

    ``histories``: ``{label: history rows}``; a label ``torch``/``tensorflow`` gets that framework's colour.
    """
    plt = _pyplot()
    first = next((h for h in histories.values() if h), [])
    keys = _metric_keys(first)
    fig, axes = plt.subplots(1, max(len(keys), 1), figsize=(4.2 * max(len(keys), 1), 3.4), squeeze=False)
    for ax, key in zip(axes[0], keys):
        for i, (label, history) in enumerate(histories.items()):
            color = FRAMEWORK_COLORS.get(label, f"C{i}")
            name = FRAMEWORK_LABELS.get(label, label)
            epochs = [row["epoch"] for row in history]
            if key == "lr" and "lr" in history[0]:
                ax.plot(epochs, [float(row["lr"]) for row in history], "-", color=color, label=name or "learning rate")
                ax.set_yscale("log")
            elif key in history[0]:
                ax.plot(epochs, [row[key] for row in history], "--", color=color, alpha=0.8,
                        label=f"{name} train".strip())
            if f"val_{key}" in history[0]:
                ax.plot(epochs, [row[f"val_{key}"] for row in history], "-", color=color,
                        label=f"{name} validation".strip())
        ax.set_title("learning rate (first update of each epoch)" if key == "lr" else key)
        ax.set_xlabel("epoch")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return save_figure(fig, base)


def confusion_matrix(cm: np.ndarray, classes: list[str], base: str | Path, title: str = "") -> list[Path]:
    """``cm: (k, k)`` int counts, rows = true class, columns = predicted class."""
    from sklearn.metrics import ConfusionMatrixDisplay

    plt = _pyplot()
    k = len(classes)
    fig, ax = plt.subplots(figsize=(max(4.0, 0.42 * k + 1.8), max(3.6, 0.42 * k + 1.4)))
    ConfusionMatrixDisplay(np.asarray(cm), display_labels=classes).plot(ax=ax, cmap="Blues", colorbar=False,
                                                                       values_format="d")
    ax.set_title(title or "confusion matrix (rows: true, columns: predicted)", fontsize=9)
    fig.tight_layout()
    return save_figure(fig, base)


def worst_misclassified(images: np.ndarray, y_true: np.ndarray, probs: np.ndarray, classes: list[str],
                        base: str | Path, n: int = 16) -> list[Path]:
    """Grid of the misclassified samples the model was most sure about.

    ``images: (m, h, w)`` (or ``(m, h, w, 1)``) float, ``y_true: (m,)`` int,
    ``probs: (m, k)`` float probabilities. Returns ``[]`` when the samples are not
    images or nothing is misclassified.
    """
    plt = _pyplot()
    images = np.asarray(images)
    if images.ndim == 4 and images.shape[-1] == 1:
        images = images[..., 0]
    if images.ndim != 3:
        return []
    pred = probs.argmax(axis=1)
    wrong = np.flatnonzero(pred != y_true)
    if len(wrong) == 0:
        return []
    order = wrong[np.argsort(-probs[wrong, pred[wrong]], kind="stable")][:n]
    cols = min(len(order), 8)
    rows = (len(order) + cols - 1) // cols
    fig, axes = plt.subplots(rows, cols, figsize=(1.5 * cols, 2.1 * rows), squeeze=False)
    for ax in axes.ravel():
        ax.axis("off")
    for ax, i in zip(axes.ravel(), order):
        ax.imshow(images[i], cmap="gray_r")
        ax.set_title(f"true {classes[y_true[i]]}\npred {classes[pred[i]]} ({probs[i, pred[i]]:.0%})", fontsize=7,
                     color="#b00020")
    fig.suptitle(f"most confident mistakes ({len(wrong)} misclassified)", fontsize=9)
    fig.tight_layout()
    return save_figure(fig, base)


def predicted_vs_true(y_true: np.ndarray, y_pred: np.ndarray, base: str | Path) -> list[Path]:
    """Scatter of predictions against targets with the ``y = x`` line; ``(n, k)`` or ``(n,)`` float."""
    plt = _pyplot()
    t, p = np.ravel(y_true), np.ravel(y_pred)
    fig, ax = plt.subplots(figsize=(4.2, 4.0))
    ax.scatter(t, p, s=8, alpha=0.5)
    lo, hi = float(min(t.min(), p.min())), float(max(t.max(), p.max()))
    ax.plot([lo, hi], [lo, hi], "k--", lw=1, label="y = x")
    ax.set_xlabel("true value")
    ax.set_ylabel("predicted value")
    ax.set_title("predicted vs true")
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    return save_figure(fig, base)


def residuals(y_true: np.ndarray, y_pred: np.ndarray, base: str | Path) -> list[Path]:
    """Residuals (predicted - true) against the prediction, and their histogram."""
    plt = _pyplot()
    t, p = np.ravel(y_true), np.ravel(y_pred)
    r = p - t
    fig, (a, b) = plt.subplots(1, 2, figsize=(8.0, 3.4))
    a.scatter(p, r, s=8, alpha=0.5)
    a.axhline(0, color="k", lw=1, ls="--")
    a.set_xlabel("predicted value")
    a.set_ylabel("residual (predicted - true)")
    a.set_title("residuals")
    a.grid(alpha=0.3)
    spread = float(np.ptp(r)) if len(r) else 0.0
    b.hist(r, bins=30 if spread > 1e-6 * max(1.0, float(np.abs(r).max())) else 1, color="C1", alpha=0.8)
    b.set_xlabel("residual")
    b.set_title(f"distribution (mean {r.mean():.3f}, std {r.std():.3f})")
    fig.tight_layout()
    return save_figure(fig, base)
