"""Build a ``keras.Sequential`` from a :class:`dlcourse.config.ModelSpec`: one table entry per layer type.

Keras' layout is the canonical one (:mod:`dlcourse.models.layers`): channels-last images,
kernels ``(in, out)`` and ``(kh, kw, in, out)``, batch norm's biased moving variance; weights
are copied as they are, layer after layer.
"""

from __future__ import annotations

import contextlib
from typing import Callable

import keras
import numpy as np

from dlcourse.models.layers import LayerTrace, initial_weights, pair


def _act(name: str) -> str | None:
    return None if name == "linear" else name


def _pool(kind):
    def build(t: LayerTrace, seed: int) -> list:
        return [kind(pair(t.layer.pool_size), t.layer.strides(), padding="valid")]   # (n, h, w, c) -> (n, h', w', c)
    return build


def _penalty(layer):
    """Keras' ``L1L2`` kernel regulariser for a layer's ``l1`` / ``l2`` (``None`` without)."""
    return keras.regularizers.L1L2(layer.l1, layer.l2) if (layer.l1 or layer.l2) else None


def _pretrained(t: LayerTrace, seed: int) -> list:
    """keras.applications' backbone with its ImageNet weights (or those of ``weights``): (n, h, w, 3) -> (n, features)."""
    from dlcourse.backends.tensorflow.pretrained import build_backbone
    from dlcourse.models.pretrained import locate, lookup

    entry = lookup(t.layer.name, "tensorflow")
    return [build_backbone(entry, locate(entry, t.layer.weights), t.input_shape)]


def _freeze_blocks(layer, spec_layer) -> None:
    """``train_blocks: N``: every stage of a backbone but the last N frozen (their batch norm in inference mode)."""
    if spec_layer.type != "pretrained" or spec_layer.train_blocks == "all" or not spec_layer.trainable:
        return
    from dlcourse.backends.tensorflow.pretrained import blocks

    stages = blocks(layer)
    for stage in stages[:len(stages) - int(spec_layer.train_blocks)]:
        for sub in stage:
            sub.trainable = False


#: type -> builder ``(trace, seed) -> Keras layers``; the layers of one spec layer, in order.
BUILDERS: dict[str, Callable[[LayerTrace, int], list]] = {
    "flatten": lambda t, seed: [keras.layers.Flatten()],                                  # (n, *shape) -> (n, prod)
    "dense": lambda t, seed: [keras.layers.Dense(t.layer.units, activation=_act(t.layer.activation),
                                                 kernel_regularizer=_penalty(t.layer))],
    "dropout": lambda t, seed: [keras.layers.Dropout(t.layer.rate, seed=seed + t.index)],
    "activation": lambda t, seed: [keras.layers.Activation(t.layer.function)],
    "conv2d": lambda t, seed: [keras.layers.Conv2D(                                          # (n, h, w, c) -> (n, h', w', f)
        t.layer.filters, pair(t.layer.kernel_size), pair(t.layer.stride), padding=t.layer.padding,
        activation=_act(t.layer.activation), kernel_regularizer=_penalty(t.layer))],
    "max_pool2d": _pool(keras.layers.MaxPooling2D),
    "avg_pool2d": _pool(keras.layers.AveragePooling2D),
    "global_avg_pool2d": lambda t, seed: [keras.layers.GlobalAveragePooling2D()],          # (n, h, w, c) -> (n, c)
    "global_max_pool2d": lambda t, seed: [keras.layers.GlobalMaxPooling2D()],              # (n, h, w, c) -> (n, c)
    "batch_norm": lambda t, seed: [keras.layers.BatchNormalization(momentum=t.layer.momentum, epsilon=t.layer.epsilon)],
    "pretrained": _pretrained,
}


def build_model(spec, input_shape: tuple[int, ...], seed: int = 0) -> keras.Sequential:
    """A ``keras.Sequential`` for inputs ``(n, *input_shape)`` float32 (channels-last); outputs ``(n, units)``.

    Only built-in Keras layers are used, so the saved ``.keras`` file loads in plain Keras.
    A grey image ``(h, w)`` reaching an image layer is reshaped to ``(h, w, 1)``. The initial
    weights come from :func:`dlcourse.models.layers.initial_weights` (the same as PyTorch's).
    """
    from dlcourse.backends.tensorflow import runtime

    keras.utils.set_random_seed(seed)
    with runtime.STRATEGY.scope() if runtime.STRATEGY is not None else contextlib.nullcontext():
        layers = [keras.Input(shape=tuple(input_shape))]
        for t in spec.trace(input_shape):
            if t.image_input is not None and t.image_input != t.input_shape:
                layers.append(keras.layers.Reshape(t.image_input))                    # (n, h, w) -> (n, h, w, 1)
            built = BUILDERS[t.layer.type](t, seed)
            for layer in built:
                layer.trainable = t.layer.trainable          # frozen batch norm: inference mode too (Keras 3)
                layer.dlcourse_lr_scale = t.layer.lr_scale
                _freeze_blocks(layer, t.layer)
            layers += built
        if keras.mixed_precision.global_policy().name != "float32":  # outputs and loss in float32
            last = spec.layers[-1]
            layers[-1] = keras.layers.Dense(last.units, activation=_act(last.activation), dtype="float32",
                                            kernel_regularizer=_penalty(last))
            layers[-1].trainable, layers[-1].dlcourse_lr_scale = last.trainable, last.lr_scale
        model = keras.Sequential(layers)
    _set_weights(model, initial_weights(spec, input_shape, seed), canonical_only=True)
    return model


def _weighted(model) -> list:
    return [layer for layer in model.layers if layer.weights]


def get_weights(model) -> list[np.ndarray]:
    """Every weight in the canonical layout, layer by layer (Keras' own order)."""
    return [np.array(w) for layer in _weighted(model) for w in layer.get_weights()]


def set_weights(model, weights: list[np.ndarray]) -> None:
    """Inverse of :func:`get_weights`."""
    _set_weights(model, weights)


def _set_weights(model, weights: list[np.ndarray], canonical_only: bool = False) -> None:
    """Inverse of :func:`get_weights` (``canonical_only``: the spec's initial weights, a pretrained backbone kept)."""
    i = 0
    for layer in _weighted(model):
        if canonical_only and isinstance(layer, keras.Model):   # a pretrained backbone: its file's weights
            continue
        n = len(layer.weights)
        layer.set_weights([np.asarray(w) for w in weights[i:i + n]])
        i += n


def count_params(model) -> int:
    """Every weight, moving statistics included (Keras' ``count_params``)."""
    return int(model.count_params())


def layer_table(model) -> list[dict]:
    """One row per spec layer: ``{'layer': native layers, 'output_shape': [None, ...], 'params'}``.

    A ``Reshape`` added for a grey image joins the row of the layer it feeds.
    """
    rows, pending = [], []
    for layer in model.layers:
        if isinstance(layer, keras.layers.Reshape):
            pending.append(layer)
            continue
        group, pending = [*pending, layer], []
        rows.append({"layer": " + ".join(type(g).__name__ for g in group), "output_shape": list(layer.output.shape),
                     "params": int(sum(g.count_params() for g in group))})
    return rows
