"""Chapter 7's experiments: the same config trained several ways, in each framework, in one folder.

``regularization``: on a deliberately small training subset, a baseline that over-fits, then each
technique alone (dropout, an L2 penalty, early stopping, batch norm, augmentation, label
smoothing, decoupled weight decay) and a combination. ``transfer``: a source model pre-trained by
dlcourse, then the target task at several sizes from scratch, by feature extraction (frozen
backbone) and by fine-tuning. Each variant is an ordinary run (its own run folder, reproducible
from its config); the experiment folder ``<runs>/<stamp>-<name>-<kind>/`` holds
``experiment.json``, ``experiment.md``, one figure per framework and ``report.html``.

Frameworks run one after the other in this process, PyTorch first (see ``docs/framework-defaults.md``).
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from dlcourse.errors import ConfigError
from dlcourse.frameworks import FRAMEWORKS, NAMES


@dataclass
class Variant:
    """One way of training: a name, what it changes (one line) and the config overrides that do it."""

    name: str
    what: str
    overrides: list[str] = field(default_factory=list)


def _layers_with(config, insert) -> list[dict]:
    """The config's layers as mappings, with ``insert(index, layer) -> [extra layers]`` after each one."""
    out = []
    layers = config.model.layers
    for i, layer in enumerate(layers):
        out.append(layer.model_dump(mode="json", exclude_defaults=True) | {"type": layer.type})
        if i < len(layers) - 1:
            out += insert(i, layer)
    return out


def _with_l2(layers: list[dict]) -> list[dict]:
    """``layers`` (mappings) with the experiment's :data:`L2` penalty on every dense and conv2d kernel."""
    return [dict(d, l2=L2) if d["type"] in ("dense", "conv2d") else d for d in layers]


def _yaml(value) -> str:
    return json.dumps(value)


#: The L2 penalty of the experiment (Keras' convention: ``L2 * sum(w**2)`` added to the loss).
L2 = 3e-3


def regularization_variants(config) -> list[Variant]:
    """The baseline and each technique alone, then a combination, as overrides of ``config``.

    Dropout (0.5) goes before each dense layer; the L2 penalty (:data:`L2`, Keras' convention) on
    every kernel; batch norm (momentum 0.9: its moving statistics must settle within the few updates
    of a small training set) after each hidden convolution and dense layer; early stopping on
    ``val_loss`` (patience 8, best weights restored); augmentation (images only) shifts by 10 % and
    rotates by 10°.
    """
    layers = config.model.layers
    hidden = [i for i, layer in enumerate(layers[:-1]) if layer.type in ("dense", "conv2d")]
    feeds_dense = [i for i in range(len(layers) - 1) if any(
        later.type == "dense" for later in layers[i + 1:]) and (layers[i].type in ("dense", "flatten", "global_avg_pool2d",
                                                                               "global_max_pool2d"))]
    dropout = _layers_with(config, lambda i, layer: [{"type": "dropout", "rate": 0.5}] if i in feeds_dense else [])
    norm = _layers_with(config, lambda i, layer: [{"type": "batch_norm", "momentum": 0.9}] if i in hidden else [])
    l2 = _with_l2(_layers_with(config, lambda i, layer: []))
    patience = min(8, config.training.epochs - 1)
    early = f"training.early_stopping={{monitor: val_loss, patience: {patience}, restore_best: true}}"
    images = len(config_shape(config)) >= 2
    variants = [
        Variant("baseline", "the config as it is: over-fits a small training set"),
        Variant("dropout", "dropout 0.5 before each dense layer", [f"model.layers={_yaml(dropout)}"]),
        Variant("l2", f"L2 penalty {L2:g} on every kernel", [f"model.layers={_yaml(l2)}"]),
        Variant("early_stopping", f"stop when val_loss stalls {patience} epochs, keep the best epoch", [early]),
        Variant("batch_norm", "batch norm (momentum 0.9) after each hidden layer", [f"model.layers={_yaml(norm)}"]),
        Variant("label_smoothing", "label smoothing 0.1", ["training.label_smoothing=0.1"]) if config.task ==
        "classification" else None,
        Variant("weight_decay", "AdamW, decoupled weight decay 0.05",
                [f"optimizer={{name: adamw, lr: {config.optimizer.lr}, weight_decay: 0.05}}"]),
        Variant("augmentation", "random shifts (10 %) and rotations (10°)", ["data.augment=shift=0.1,rotation=10"])
        if images else None,
    ]
    combo = [f"model.layers={_yaml(_with_l2(dropout))}",
             early] + (["data.augment=shift=0.1,rotation=10"] if images else [])
    variants.append(Variant("combined", "dropout + L2 + early stopping" + (" + augmentation" if images else ""), combo))
    return [v for v in variants if v is not None]


def config_shape(config) -> tuple[int, ...]:
    """One sample's shape for ``config``'s dataset (loads it: embedded datasets are instant)."""
    from dlcourse.data.catalogue import load_dataset

    return load_dataset(config.data.dataset, config.data.options, seed=config.seed).feature_shape


def _folder(runs_dir: Path, name: str, kind: str) -> tuple[Path, Path]:
    from dlcourse.runs import partial_folder

    return partial_folder(runs_dir, f"{name}-{kind}")


def _train(config_source: str, overrides: list[str], framework: str, runs_dir: Path):
    from dlcourse.config import load_config
    from dlcourse.training.runner import run_experiment

    return run_experiment(load_config(config_source, overrides), framework, runs_dir)


def _ordered(frameworks) -> list[str]:
    """PyTorch first, so that it also trains where triton is installed (see ``frameworks.triton_installed``)."""
    return [f for f in NAMES if f in frameworks]


def _score(metrics: dict) -> str:
    """The score a table shows for a run's ``metrics``: accuracy (classification) or R² (regression)."""
    return "accuracy" if "accuracy" in metrics["test"] else "r2"


def _row(variant: str, what: str, result) -> dict:
    from dlcourse.runs import read_run

    m, history = result.metrics, read_run(result.path)["history"]
    key = _score(m)
    losses = [float(h["val_loss"]) for h in history if h.get("val_loss") not in (None, "")]
    best = 1 + min(range(len(losses)), key=losses.__getitem__) if losses else None
    train, val = m["train"][key], m.get("val", {}).get(key)
    t_loss, v_loss = m["train"]["loss"], m.get("val", {}).get("loss")
    return {"variant": variant, "what": what, "metric": key, "train": train, "val": val,
            "score_gap": None if val is None else train - val, "train_loss": t_loss, "val_loss": v_loss,
            "gap": None if v_loss is None else v_loss - t_loss, "best_epoch": best, "epochs": m["epochs"],
            "test": m["test"][key], "run": str(result.path), "history": history}


def regularization(config_source: str, overrides: list[str] | None = None, frameworks=tuple(NAMES),
                   train_size: int | None = 100, epochs: int | None = 200, batch_size: int | None = 16,
                   runs_dir: str | Path = "runs", progress=print) -> Path:
    """Train the regularization variants of ``config_source`` in each framework; returns the experiment folder.

    ``train_size``: the small training subset that makes the baseline over-fit (``None``: the config's);
    ``epochs``, ``batch_size``: enough updates to over-fit it (``None``: the config's; ``--set`` wins).
    """
    from dlcourse.config import load_config

    base_overrides = ([f"training.epochs={epochs}"] if epochs else []) \
        + ([f"training.batch_size={batch_size}"] if batch_size else []) + list(overrides or []) \
        + ([f"data.train_size={train_size}"] if train_size else [])
    config = load_config(config_source, base_overrides)   # bad input fails here, before any training
    variants = regularization_variants(config)
    for v in variants:                                   # every variant's config is valid before training starts
        load_config(config_source, base_overrides + v.overrides)
    runs_dir = Path(runs_dir)
    partial, final = _folder(runs_dir, config.name, "regularization")
    try:
        results: dict[str, list[dict]] = {}
        for fw in _ordered(frameworks):
            results[fw] = []
            for v in variants:
                progress(f"{FRAMEWORKS[fw].label}: {v.name} ({v.what})")
                result = _train(config_source, base_overrides + v.overrides, fw, partial / "runs")
                results[fw].append(_row(v.name, v.what, result))
        _regularization_outputs(partial, config, variants, results, base_overrides)
        _publish(partial, final)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    return final


def _publish(partial: Path, final: Path) -> None:
    """Move the finished folder into place; the run folders inside it keep working (paths rewritten)."""
    for path in [partial / "experiment.json", *partial.glob("runs/*/backbone.json")]:
        path.write_text(path.read_text(encoding="utf-8").replace(str(partial), str(final)), encoding="utf-8")
    os.replace(partial, final)


def _curves(rows: list[dict], base: Path, title: str) -> list[Path]:
    """Validation loss (solid) and the train–validation accuracy gap per epoch, one colour per variant."""
    from dlcourse.evaluation.plots import _pyplot, save_figure

    plt = _pyplot()
    metric = rows[0]["metric"]
    fig, axes = plt.subplots(1, 2, figsize=(11, 3.8))
    for i, row in enumerate(rows):
        h = row["history"]
        epochs = [int(r["epoch"]) for r in h]
        color = f"C{i % 10}"
        axes[0].plot(epochs, [float(r["val_loss"]) for r in h], "-", color=color, label=row["variant"])
        axes[0].plot(epochs, [float(r["loss"]) for r in h], ":", color=color, alpha=0.6)
        if metric in h[0] and f"val_{metric}" in h[0]:
            axes[1].plot(epochs, [float(r[metric]) - float(r[f"val_{metric}"]) for r in h], "-", color=color,
                         label=row["variant"])
    axes[0].set_title("loss: validation (solid), training (dotted)")
    axes[1].set_title(f"train − validation {metric} (during training)")
    for ax in axes:
        ax.set_xlabel("epoch")
        ax.grid(alpha=0.3)
    axes[0].legend(fontsize=7)
    fig.suptitle(title)
    fig.tight_layout()
    return save_figure(fig, base)


COLUMNS = ["variant", "train_loss", "val_loss", "gap", "train", "val", "score_gap", "best_epoch", "epochs", "test"]


def _regularization_outputs(folder: Path, config, variants, results, overrides) -> None:
    from dlcourse.evaluation.report import _img, _md_table, _table

    md, html = [f"# {config.name}: regularization\n"], [f"<h1>{config.name}: regularization</h1>"]
    intro = (f"Training subset: {config.data.train_size or 'the whole training split'} samples, "
             f"{config.training.epochs} epochs, batch {config.training.batch_size}, seed {config.seed}. "
             "train_loss / val_loss: the kept model's data loss (no penalty, no smoothing) on each split, in "
             "inference mode; gap = val_loss − train_loss (the generalization gap); train / val: its "
             f"{_metric(results)} on each split, and score_gap = train − val; best_epoch: lowest validation loss.")
    md.append(intro + "\n")
    html.append(f"<p>{intro}</p>")
    for fw, rows in results.items():
        warning = overfitting_warning(rows[0], config.training.epochs)
        if warning:
            md.append(f"**{FRAMEWORKS[fw].label}**: {warning}\n")
            html.append(f"<p><b>{FRAMEWORKS[fw].label}</b>: {warning}</p>")
    for fw, rows in results.items():
        label = FRAMEWORKS[fw].label
        figure = _curves(rows, folder / f"curves-{fw}", f"{config.name} with {label}")
        table = [[r[c] for c in COLUMNS] for r in rows]
        md += [f"## {label}\n", _md_table(COLUMNS, table) + "\n", f"![curves](curves-{fw}.png)\n"]
        html += [f"<h2>{label}</h2>", _table(COLUMNS, table), _img(figure[0], f"Curves, {label}")]
    what = [[v.name, v.what] for v in variants]
    md += ["## Variants\n", _md_table(["variant", "what changes"], what) + "\n"]
    html += ["<h2>Variants</h2>", _table(["variant", "what changes"], what, numeric_from=9)]
    data = {"kind": "regularization", "name": config.name, "epochs": config.training.epochs, "overrides": overrides,
            "created":
            datetime.now().isoformat(timespec="seconds"), "metric": _metric(results),
            "variants": [{"name": v.name, "what": v.what, "overrides": v.overrides} for v in variants],
            "results": {fw: [{k: v for k, v in r.items() if k != "history"} for r in rows]
                        for fw, rows in results.items()}}
    _write_outputs(folder, data, md, html, f"{config.name}: regularization")


def _write_outputs(folder: Path, data: dict, md: list[str], html: list[str], title: str) -> None:
    """``experiment.json``, ``experiment.md`` and the self-contained ``report.html`` of an experiment."""
    from dlcourse.evaluation.report import _page, _write

    (folder / "experiment.json").write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    _write(folder / "experiment.md", "\n".join(md))
    _write(folder / "report.html", _page(title, "".join(html)))


def overfitting_warning(baseline: dict, epochs: int) -> str | None:
    """A sentence when the baseline's validation loss was still falling at the end: it did not over-fit yet."""
    if baseline.get("best_epoch") and baseline["best_epoch"] > 0.9 * epochs:
        return (f"the baseline's validation loss was lowest at epoch {baseline['best_epoch']} of {epochs}: it has not "
                "started to over-fit, so the techniques have little to correct. Raise --epochs or lower --train-size.")
    return None


def _metric(results: dict) -> str:
    return next(iter(results.values()))[0]["metric"]


def print_table(folder: Path, file=None) -> None:
    """Print an experiment folder's tables with rich."""
    import sys

    from dlcourse.console import console as make_console
    from rich.table import Table

    from dlcourse.evaluation.compare import format_value

    data = json.loads((Path(folder) / "experiment.json").read_text(encoding="utf-8"))
    console = make_console(file=file or sys.stdout)
    columns = data.get("columns", COLUMNS)
    for fw, rows in data["results"].items():
        t = Table(title=f"{data['name']}: {data['kind']}, {FRAMEWORKS[fw].label} ({data['metric']})")
        for c in columns:
            t.add_column(c, justify="left" if c in ("variant", "method") else "right")
        for r in rows:
            t.add_row(*[format_value(r.get(c)) for c in columns])
        console.print(t)
        if data["kind"] == "regularization":
            warning = overfitting_warning(rows[0], data.get("epochs", 0))
            if warning:
                console.print(f"note: {warning}")


# ----------------------------------------------------------------------------- transfer
TRANSFER_COLUMNS = ["size", "method", "val", "test", "epochs"]
METHODS = {
    "scratch": "from scratch: every weight starts at random",
    "features": "feature extraction: the source's layers frozen (batch norm in inference mode), new head trained",
    "fine_tune": "fine-tuning: the source's layers trained too, at a lower rate (lr_scale), new head",
}


def transfer(source: str, target: str, sizes: list[int], frameworks=tuple(NAMES), drop: int = 1,
             lr_scale: float = 0.1, source_overrides: list[str] | None = None,
             target_overrides: list[str] | None = None, runs_dir: str | Path = "runs", progress=print) -> Path:
    """Pre-train ``source``, then train ``target`` on ``sizes`` training samples three ways, in each framework.

    The target model is the source model with a new head: the transferred variants keep the
    source's layers but its last ``drop`` and put the target's last ``drop`` layers after them.
    Returns the experiment folder.
    """
    from dlcourse.config import load_config

    source_overrides, target_overrides = list(source_overrides or []), list(target_overrides or [])
    src_cfg = load_config(source, source_overrides)
    tgt_cfg = load_config(target, target_overrides)
    if not sizes or any(n <= 0 for n in sizes):
        raise ConfigError(f"--sizes: expected positive numbers of training samples, got {sizes}.")
    if not 0 < drop < len(tgt_cfg.model.layers):
        raise ConfigError(f"--drop: expected 1 to {len(tgt_cfg.model.layers) - 1} (the target's head layers), got {drop}.")
    head = [layer.model_dump(mode="json", exclude_defaults=True) | {"type": layer.type}
            for layer in tgt_cfg.model.layers[-drop:]]

    def variant(method: str, size: int, src_path: Path | None) -> list[str]:
        extra = [f"data.train_size={size}"]
        if method != "scratch":
            trainable = 0 if method == "features" else "all"
            extra += [f"model.layers={_yaml(head)}",
                      f"model.backbone={_yaml({'run': str(src_path), 'drop': drop, 'trainable': trainable, 'lr_scale': lr_scale if method == 'fine_tune' else 1.0})}"]
        return target_overrides + extra

    for size in sizes:                                   # every config valid before anything trains
        load_config(target, variant("scratch", size, None))
    partial, final = _folder(Path(runs_dir), tgt_cfg.name, "transfer")
    try:
        results: dict[str, list[dict]] = {}
        sources: dict[str, dict] = {}
        for fw in _ordered(frameworks):
            label = FRAMEWORKS[fw].label
            progress(f"{label}: pre-training the source model ({src_cfg.name})")
            src = _train(source, source_overrides, fw, partial / "runs")
            sources[fw] = {"run": str(src.path), "test": src.metrics["test"]}
            results[fw] = []
            for size in sizes:
                for method in METHODS:
                    progress(f"{label}: {size} target samples, {method}")
                    result = _train(target, variant(method, size, src.path), fw, partial / "runs")
                    key = _score(result.metrics)
                    results[fw].append({"size": size, "method": method, "metric": key,
                                        "val": result.metrics.get("val", {}).get(key),
                                        "test": result.metrics["test"][key], "epochs": result.metrics["epochs"],
                                        "run": str(result.path)})
        _transfer_outputs(partial, tgt_cfg, src_cfg, results, sources, dict(drop=drop, lr_scale=lr_scale, sizes=sizes,
                                                                           source=source, target=target))
        _publish(partial, final)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    return final


def _transfer_figure(results: dict, base: Path, title: str) -> list[Path]:
    """Test metric against the number of target training samples, one line per method, one panel per framework."""
    from dlcourse.evaluation.plots import _pyplot, save_figure

    plt = _pyplot()
    fig, axes = plt.subplots(1, len(results), figsize=(5.2 * len(results), 3.8), squeeze=False)
    for ax, (fw, rows) in zip(axes[0], results.items()):
        for i, method in enumerate(METHODS):
            pts = sorted((r["size"], r["test"]) for r in rows if r["method"] == method)
            ax.plot([p[0] for p in pts], [p[1] for p in pts], "o-", color=f"C{i}", label=method)
        ax.set_xscale("log")
        ax.set_xlabel("target training samples")
        ax.set_ylabel(f"test {rows[0]['metric']}")
        ax.set_title(FRAMEWORKS[fw].label)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    fig.suptitle(title)
    fig.tight_layout()
    return save_figure(fig, base)


def _transfer_outputs(folder: Path, tgt_cfg, src_cfg, results: dict, sources: dict, settings: dict) -> None:
    from dlcourse.evaluation.report import _img, _md_table, _table

    metric = _metric(results)
    title = f"{tgt_cfg.name}: transfer from {src_cfg.name}"
    figure = _transfer_figure(results, folder / "transfer", title)
    intro = (f"Source: {settings['source']} ({src_cfg.name}); target: {settings['target']}, "
             f"{tgt_cfg.training.epochs} epochs at every size; the last {settings['drop']} layer(s) form the new head; "
             f"fine-tuning at lr_scale {settings['lr_scale']}. val / test: the target run's {metric}.")
    md, html = [f"# {title}\n", intro + "\n"], [f"<h1>{title}</h1>", f"<p>{intro}</p>"]
    for fw, rows in results.items():
        label = FRAMEWORKS[fw].label
        table = [[r[c] for c in TRANSFER_COLUMNS] for r in rows]
        src = f"source model test {metric}: {sources[fw]['test'].get(metric, float('nan')):.4f}"
        md += [f"## {label}\n", src + "\n", _md_table(TRANSFER_COLUMNS, table) + "\n"]
        html += [f"<h2>{label}</h2>", f"<p>{src}</p>", _table(TRANSFER_COLUMNS, table, numeric_from=2)]
    md.append("![transfer](transfer.png)\n")
    html.append(_img(figure[0], "Test metric against the number of target samples"))
    methods = [[k, v] for k, v in METHODS.items()]
    md += ["## Methods\n", _md_table(["method", "what"], methods) + "\n"]
    html += ["<h2>Methods</h2>", _table(["method", "what"], methods, numeric_from=9)]
    data = {"kind": "transfer", "name": tgt_cfg.name, "created": datetime.now().isoformat(timespec="seconds"),
            "metric": metric, "columns": TRANSFER_COLUMNS, "settings": settings, "sources": sources,
            "results": results}
    _write_outputs(folder, data, md, html, title)
