"""Transfer learning from a dlcourse run: its trained layers become the start of a new model.

Every finished run stores its weights framework-free (``weights.npz``: the canonical layout of
:mod:`dlcourse.models.layers`), so a backbone trained in one framework starts a model in either.
:func:`resolve_backbone` turns ``model.backbone`` into plain layers (with ``trainable`` and
``lr_scale`` set) placed before the head, and returns the backbone's weights; the runner copies
them over the new model's first weights. The resolved config is what the run folder records
(with ``backbone.json`` saying where the layers came from), so evaluating, predicting and resuming
the new run need nothing from the source run.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from dlcourse.errors import ConfigError

WEIGHTS_FILE = "weights.npz"


def save_weights(folder: Path, weights: list[np.ndarray]) -> None:
    """Write ``weights`` (canonical layout, in order) as ``folder/weights.npz``."""
    with open(Path(folder) / WEIGHTS_FILE, "wb") as fh:
        np.savez(fh, *[np.asarray(w) for w in weights])


def load_weights(folder: Path) -> list[np.ndarray]:
    with np.load(Path(folder) / WEIGHTS_FILE, allow_pickle=False) as data:
        return [data[f"arr_{i}"] for i in range(len(data.files))]


def _source(path: str):
    """The source run's resolved config and its canonical weights."""
    from dlcourse.runs import run_state
    from dlcourse.training.runner import load_run_config

    folder = Path(path)
    if not (folder / "config.yaml").is_file():
        raise ConfigError(f"model.backbone.run: {str(folder)!r} is not a dlcourse run folder (no config.yaml).",
                          "Give the folder of a finished run, e.g. one printed by 'dlcourse train' "
                          "(list them with 'dlcourse runs list').")
    if not (folder / WEIGHTS_FILE).is_file():
        state = run_state(folder)
        raise ConfigError(f"model.backbone.run: run {str(folder)!r} has no {WEIGHTS_FILE} (its state: {state}).",
                          "Use a run that finished training; train the source model again if it was interrupted.")
    return load_run_config(folder), load_weights(folder)


def resolve_backbone(config, input_shape: tuple[int, ...]):
    """``(config, backbone weights, record)`` with ``model.backbone`` replaced by its layers.

    ``config`` is an :class:`~dlcourse.config.ExperimentConfig`; without a backbone it is returned
    unchanged with ``None`` and ``None``. The source model must accept samples of ``input_shape``
    and its kept layers' output must fit the head: both are checked with a teaching error.
    """
    spec = config.model
    bb = spec.backbone
    if bb is None:
        return config, None, None
    if bb.imagenet is not None:
        return _imagenet(config, input_shape)
    source, weights = _source(bb.run)
    layers = [layer.model_copy() for layer in source.model.layers]
    if bb.drop >= len(layers):
        raise ConfigError(f"model.backbone.drop is {bb.drop}, but the source model has only {len(layers)} layers.",
                          f"Use a drop below {len(layers)} (1 leaves out its output layer).")
    kept = layers[:len(layers) - bb.drop]
    try:
        traces = source.model.trace(tuple(input_shape))
    except ConfigError as exc:
        raise ConfigError(f"model.backbone.run: the source model does not take this dataset's samples of shape "
                          f"{tuple(input_shape)} ({exc.message})",
                          "Use a source run trained on images of the same shape and channels.") from None
    weighted = [i for i, t in enumerate(traces[:len(kept)]) if t.weights]
    if bb.trainable != "all" and bb.trainable > len(weighted):
        raise ConfigError(f"model.backbone.trainable is {bb.trainable}, but the backbone has only {len(weighted)} "
                          f"layers with weights.", f"Use 'all', or a number from 0 to {len(weighted)}.")
    train_from = 0 if bb.trainable == "all" else (weighted[len(weighted) - bb.trainable] if bb.trainable else len(kept))
    for i, layer in enumerate(kept):
        layer.trainable = i >= train_from
        layer.lr_scale = bb.lr_scale
    n_weights = sum(len(t.weights) for t in traces[:len(kept)])
    head_input = traces[len(kept) - 1].output_shape if kept else tuple(input_shape)
    new_model = spec.model_copy(update={"layers": [*kept, *spec.layers], "backbone": None})
    try:
        new_model.trace(tuple(input_shape))
    except ConfigError as exc:
        raise ConfigError(f"model.backbone: the backbone's output, of shape {head_input}, does not fit the head "
                          f"(model.layers): {exc.message}",
                          "Start the head with a layer that takes it (a flatten or global_avg_pool2d for images, "
                          "a dense layer for vectors), or change backbone.drop.") from None
    record = {"run": str(Path(bb.run)), "source_name": source.name, "source_framework": source.framework,
              "layers": len(kept), "weights": n_weights, "trainable": bb.trainable, "lr_scale": bb.lr_scale,
              "drop": bb.drop}
    return config.model_copy(update={"model": new_model}), weights[:n_weights], record


def _imagenet(config, input_shape: tuple[int, ...]):
    """An ImageNet backbone becomes a ``pretrained`` layer; its weights file is found (and a cached one's
    hash checked) now, before anything is written."""
    from dlcourse.models.layers import PretrainedBackbone
    from dlcourse.models.pretrained import locate, lookup

    spec, bb = config.model, config.model.backbone
    entry = lookup(bb.imagenet, config.framework)
    if bb.trainable != "all" and bb.trainable > entry.blocks:
        raise ConfigError(f"model.backbone.trainable is {bb.trainable}, but {entry.label} has only {entry.blocks} "
                          f"stages.", f"Use 'all', or a number from 0 to {entry.blocks}.")
    path = locate(entry, bb.weights)
    layer = PretrainedBackbone(type="pretrained", name=bb.imagenet, weights=bb.weights, trainable=bb.trainable != 0,
                               train_blocks=bb.trainable if bb.trainable != 0 else "all", lr_scale=bb.lr_scale)
    new_model = spec.model_copy(update={"layers": [layer, *spec.layers], "backbone": None})
    try:
        new_model.trace(tuple(input_shape))
    except ConfigError as exc:
        raise ConfigError(f"model.backbone: {exc.message}", exc.hint) from None
    record = {"imagenet": bb.imagenet, "framework": config.framework, "weights_file": str(path),
              "trainable": bb.trainable, "lr_scale": bb.lr_scale, "preprocessing": entry.preprocessing}
    return config.model_copy(update={"model": new_model}), None, record


def apply_backbone(backend, model, weights: list[np.ndarray] | None) -> None:
    """Copy the backbone's weights over the first weights of ``model`` (the head keeps its initial ones)."""
    if not weights:
        return
    current = backend.get_weights(model)
    for i, w in enumerate(weights):
        if current[i].shape != w.shape:
            raise ConfigError(f"model.backbone: weight {i} of the source run has shape {w.shape}, the new model "
                              f"expects {current[i].shape}.", "Use the source run's own layers unchanged.")
    backend.set_weights(model, [*weights, *current[len(weights):]])
