"""Build a ``keras.Sequential`` from a :class:`dlcourse.config.ModelSpec`."""

from __future__ import annotations

import keras
import numpy as np

from dlcourse.models.init import initial_weights



def build_model(spec, input_shape: tuple[int, ...], seed: int = 0) -> keras.Sequential:
    """A ``keras.Sequential`` for inputs ``(n, *input_shape)`` float32; outputs ``(n, units)`` logits or values.

    Only built-in Keras layers are used, so the saved ``.keras`` file loads in plain Keras.
    The initial weights come from :func:`dlcourse.models.init.initial_weights` (the same
    values as the PyTorch backend's).
    """
    keras.utils.set_random_seed(seed)
    layers = [keras.Input(shape=tuple(input_shape))]
    shape = tuple(input_shape)
    for i, layer in enumerate(spec.layers):
        if layer.type == "flatten":
            layers.append(keras.layers.Flatten())            # (n, *shape) -> (n, prod(shape))
            shape = (int(np.prod(shape)),)
        elif layer.type == "dense":
            if len(shape) != 1:
                from dlcourse.errors import ConfigError
                raise ConfigError(f"model: a dense layer receives inputs of shape {shape}, it needs a flat vector.",
                                  "Add {type: flatten} before the first dense layer.")
            layers.append(keras.layers.Dense(                 # (n, in) -> (n, units)
                layer.units,
                activation=None if layer.activation == "linear" else layer.activation,
            ))
            shape = (layer.units,)
        elif layer.type == "dropout":
            layers.append(keras.layers.Dropout(layer.rate, seed=seed + i))
    model = keras.Sequential(layers)
    set_weights(model, initial_weights(spec, input_shape, seed))
    return model


def _dense(model) -> list:
    return [layer for layer in model.layers if isinstance(layer, keras.layers.Dense)]


def get_weights(model) -> list[np.ndarray]:
    """Canonical layout: ``[kernel (in, out), bias (out,)]`` per dense layer."""
    return [np.array(w) for layer in _dense(model) for w in layer.get_weights()]


def set_weights(model, weights: list[np.ndarray]) -> None:
    for i, layer in enumerate(_dense(model)):
        layer.set_weights([np.asarray(weights[2 * i]), np.asarray(weights[2 * i + 1])])


def count_params(model) -> int:
    return int(model.count_params())


def layer_table(model, input_shape: tuple[int, ...]) -> list[dict]:
    """``[{'layer', 'output_shape', 'params'}]`` for each Keras layer."""
    return [{"layer": f"{layer.name}: {type(layer).__name__}", "output_shape": list(layer.output.shape),
             "params": int(layer.count_params())} for layer in model.layers]
