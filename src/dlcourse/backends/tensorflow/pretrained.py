"""Keras ImageNet backbones (``keras.applications``) loaded from a local weights file (never downloaded).

:func:`build_backbone` turns a catalogue entry (:mod:`dlcourse.models.pretrained`) and a
weights file into a functional model mapping channels-last images in [0, 1] to pooled
features, preceded by the framework's own preprocessing written with built-in layers and
ops only (no ``Lambda``), so that a saved model reloads with ``safe_mode=True``;
:func:`blocks` groups its layers into stages so that a caller can unfreeze the last N.
"""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import keras
import numpy as np

from dlcourse.errors import ConfigError
from dlcourse.models.pretrained import Pretrained, check_input

# Stage of a layer, from its name; layers whose name matches none (auto-named activations)
# belong to the stage of the layer before them. A name that ends the stages is in _END.
_STAGE_PATTERNS = {
    "mobilenet_v3_small": ((re.compile(r"^conv(_bn)?$"), lambda m: 0),
                           (re.compile(r"^expanded_conv_(\d+)_"), lambda m: int(m.group(1)) + 1),
                           (re.compile(r"^expanded_conv_"), lambda m: 1),
                           (re.compile(r"^conv_1(_bn)?$"), lambda m: 12)),
    "resnet50": ((re.compile(r"^(conv1|pool1)_"), lambda m: 0),
                 (re.compile(r"^conv([2-5])_"), lambda m: int(m.group(1)) - 1)),
}
_MARKERS = {"mobilenet_v3_small": "expanded_conv_project", "resnet50": "conv5_block1_1_conv"}
_END = {"avg_pool", "max_pool"}


def _preprocess(entry: Pretrained, x):
    """Built-in layers (and ops) mapping inputs in [0, 1] to what ``entry``'s weights expect."""
    if entry.name == "mobilenet_v3_small":       # the model rescales [0, 255] to [-1, 1] itself
        return keras.layers.Rescaling(255.0, name="scale_to_0_255")(x)
    # ResNet50, 'caffe' mode: RGB -> BGR, then x * 255 minus the per-channel ImageNet mean,
    # the mean read from Keras' own preprocess_input (its output for a black pixel).
    offset = keras.applications.resnet50.preprocess_input(np.zeros((1, 1, 1, 3), np.float32)).reshape(3)
    x = keras.ops.flip(x, axis=-1)               # (n, h, w, 3): RGB -> BGR
    return keras.layers.Rescaling(255.0, offset=[float(v) for v in offset], name="caffe_preprocessing")(x)


def _summary(exc: Exception) -> str:
    """One clause for Keras' error on a weights file that does not fit."""
    text = " ".join(str(exc).split())
    patterns = (
        (r"Layer count mismatch.*?expected (\d+) layers, found (\d+) saved layers",
         "the model has {0} layers with weights, the file {1}"),
        (r"Weight count mismatch for layer #(\d+) \(named (\S+) in the current model.*?expects (\d+) weight\(s\)\. "
         r"Received (\d+)", "layer #{0} ({1}) has {2} weights, the file {3}"),
        (r"Shape mismatch in layer #(\d+) \(named (\S+)\)\s*for weight (\S+)\. Weight expects shape (\(.*?\))\. "
         r"Received saved weight with shape (\(.*?\))", "weight {2} has shape {3}, the file {4}"),
        (r"file signature not found", "it is not an HDF5 file"),
        (r"truncated file", "the file is cut short"),
        (r"File format not supported", "Keras loads only .h5 and .weights.h5 weights files"),
    )
    for pattern, words in patterns:
        match = re.search(pattern, text)
        if match:
            return words.format(*match.groups())
    return text.split(". ")[0].rstrip(".")[:200] or type(exc).__name__


def build_backbone(entry: Pretrained, weights: Path | None, input_shape: tuple[int, int, int]) -> keras.Model:
    """The ``keras.applications`` backbone of ``entry`` with the weights read from ``weights``.

    entry: a tensorflow entry of :data:`dlcourse.models.pretrained.CATALOGUE`.
    weights: a Keras weights file for the same architecture without its top (the official
        no-top ``.h5`` file, or the user's own ``.h5`` / ``.weights.h5``), found with
        :func:`dlcourse.models.pretrained.locate`.
    input_shape: ``(h, w, 3)`` of one image; each side at least ``entry.min_size`` (32).

    Returns a functional model: ``(n, h, w, 3)`` float32 in [0, 1] -> ``(n, entry.features)``
    float32 (``include_top=False, pooling="avg"``), its first layers doing the framework's own
    preprocessing (``entry.preprocessing``). Raises :class:`ConfigError` for a file that does not
    fit the architecture.
    """
    check_input(entry, input_shape)
    module, function = entry.native.rsplit(".", 1)
    application = getattr(importlib.import_module(module), function)
    inputs = keras.Input(shape=tuple(input_shape), name="images")               # (n, h, w, 3) in [0, 1]
    x = _preprocess(entry, inputs)                                               # (n, h, w, 3)
    path = Path(weights) if weights is not None else None         # None: the architecture only
    try:
        base = application(include_top=False, weights=str(path) if path else None, pooling="avg", input_shape=tuple(input_shape),
                           input_tensor=x)                                       # (n, features)
    except (ValueError, OSError, KeyError, TypeError) as exc:
        raise ConfigError(f"weights file '{path}' does not fit the Keras {function} architecture "
                          f"({_summary(exc)}).",
                          f"Give the no-top weights of a {function} (such as '{entry.file_name}'), or choose the "
                          f"backbone the file was saved from.") from None
    # A model with the one input tensor (not a list of one), named after the backbone.
    return keras.Model(inputs, base.output, name=entry.name)




def _architecture(model) -> str:
    names = {layer.name for layer in model.layers}
    for name, marker in _MARKERS.items():
        if marker in names:
            return name
    raise TypeError(f"blocks() expects a model from build_backbone(), got '{model.name}'")


def blocks(model) -> list[list]:
    """The backbone's top-level stages, input to output, each a list of its layers (``len == entry.blocks``).

    Layers before the first stage (input, preprocessing) and after the last (pooling) have no
    weights and belong to no stage. Setting ``trainable`` on the layers of the last N stages
    unfreezes those N stages.
    """
    patterns = _STAGE_PATTERNS[_architecture(model)]
    stages: list[list] = []
    current = None
    for layer in model.layers:
        if layer.name in _END:
            break
        for pattern, index in patterns:
            match = pattern.match(layer.name)
            if match:
                current = index(match)
                break
        if current is None:
            continue                              # before the first stage: input, preprocessing
        while len(stages) <= current:
            stages.append([])
        stages[current].append(layer)
    return stages
