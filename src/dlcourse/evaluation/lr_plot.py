"""The plot of a learning-rate range test (``dlcourse lr-find``), with matplotlib, as PNG and SVG."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from dlcourse.evaluation.plots import FRAMEWORK_COLORS, FRAMEWORK_LABELS, _pyplot, save_figure

RULE_MARKERS = {"valley": "o", "minimum/10": "s", "steepest": "^"}


def _loss_at(lrs: np.ndarray, values: np.ndarray, lr: float) -> float:
    """``values`` interpolated at ``lr`` on a log axis (the marker's height)."""
    ok = np.isfinite(values)
    if not ok.any():
        return math.nan
    return float(np.interp(math.log10(lr), np.log10(lrs[ok]), values[ok]))


def plot_lr_find(result, base: str | Path, title: str = "") -> list[Path]:
    """Loss and smoothed loss against the learning rate (log axis), the suggested rate marked.

    ``result``: an :class:`~dlcourse.training.lr_find.LRFindResult` (or anything with ``lrs``,
    ``losses``, ``smoothed``: ``(m,)`` floats, ``suggested``, ``rule``, ``others``, ``framework``,
    ``stopped_early``). The legend names the rule of the suggestion; the other rules' rates are
    marked smaller. The loss axis is cut a little above the smoothed curve so that the divergence at
    the end does not flatten the rest. Writes ``base.png`` and ``base.svg``; returns them.
    """
    plt = _pyplot()
    lrs = np.asarray(result.lrs, np.float64)                 # (m,)
    raw = np.asarray([math.nan if v is None else v for v in result.losses], np.float64)
    smoothed = np.asarray([math.nan if v is None else v for v in result.smoothed], np.float64)
    color = FRAMEWORK_COLORS.get(result.framework, "C0")
    fig, ax = plt.subplots(figsize=(6.4, 4.0))
    ax.plot(lrs, raw, color=color, alpha=0.3, linewidth=1, label="loss (each mini-batch)")
    ax.plot(lrs, smoothed, color=color, linewidth=2, label="smoothed loss")
    ax.set_xscale("log")
    ax.set_xlabel("learning rate")
    ax.set_ylabel("training loss")
    marks = {result.rule: result.suggested, **result.others}
    for i, (rule, lr) in enumerate(marks.items()):
        suggested = i == 0
        y = _loss_at(lrs, smoothed, lr)
        label = f"{'suggested' if suggested else rule}: {lr:.2g}" + (f" ({rule})" if suggested else "")
        if suggested:
            ax.axvline(lr, color="black", linestyle="--", linewidth=1)
        ax.plot([lr], [y], linestyle="none", marker=RULE_MARKERS.get(rule, "o"), markersize=9 if suggested else 6,
                color="black" if suggested else f"C{i + 2}", label=label, zorder=3)
    finite = smoothed[np.isfinite(smoothed)]
    if len(finite):
        low = min(float(finite.min()), float(np.nanmin(raw)) if np.isfinite(raw).any() else float(finite.min()))
        high = max(float(finite[0]), float(np.max(finite[: max(len(finite) - 5, 1)])))
        pad = 0.1 * max(high - low, 1e-12)
        ax.set_ylim(low - pad, high + 3 * pad)
    name = FRAMEWORK_LABELS.get(result.framework, result.framework)
    stopped = ", stopped when the loss diverged" if result.stopped_early else ""
    ax.set_title(title or f"learning-rate range test, {name}{stopped}", fontsize=10)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(loc="best", fontsize=8)
    return save_figure(fig, base)
