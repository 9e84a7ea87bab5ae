"""The layer vocabulary, written once and framework-free.

Each layer type is one class: the keys a config may give it, and what it computes,
stated as shapes. Shapes are one sample's, **channels-last** (Keras' layout): ``(features,)``
for vectors, ``(h, w)`` for a grey image, ``(h, w, c)`` for an image with channels. Each class
knows:

* :meth:`~LayerSpec.output_shape`: its output for an input shape, or a teaching error
  (:class:`~dlcourse.errors.ConfigError` naming the layer's index and the shapes);
* :meth:`~LayerSpec.weight_shapes`: its weights in one canonical layout (Keras': a dense
  kernel ``(in, out)``, a convolution kernel ``(kh, kw, in, out)``, batch norm
  ``[gamma, beta, moving_mean, moving_variance]`` with the *biased* batch variance);
* :meth:`~LayerSpec.initial_weights`: those weights drawn with NumPy from the seed, so both
  frameworks start from the same values;
* :meth:`~LayerSpec.multiply_adds`: the work of one sample's forward pass.

A backend maps each ``type`` to its native layers in one table (``backends/<name>/models.py``)
and converts the canonical weights to its own layout. :func:`trace` follows a sample's shape
through a model; shape checks, initial weights, the thread choice, ``dlcourse summary`` and
parameter counts all read it.

How to add a layer type: write its class here (keys, ``output_shape``, ``weight_shapes``,
``initial_weights`` if it has weights, ``multiply_adds``, ``label``), add it to :data:`LAYER_TYPES`,
add one builder entry in each backend's ``models.py`` table, and one case in
``tests/backends/test_layer_parity.py``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Annotated, ClassVar, Literal, Union

import numpy as np
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator

from dlcourse.errors import ConfigError

Shape = tuple[int, ...]
ACTIVATIONS = ("relu", "tanh", "sigmoid", "gelu", "linear")
Activation = Literal["relu", "tanh", "sigmoid", "gelu", "linear"]
PositiveInt = Annotated[int, Field(gt=0, strict=True)]


def _check_pair(value):
    """A size or stride: a positive whole number, or a pair ``[rows, columns]`` of them."""
    ok = lambda v: isinstance(v, int) and not isinstance(v, bool) and v > 0  # noqa: E731
    if ok(value) or (isinstance(value, (list, tuple)) and len(value) == 2 and all(ok(v) for v in value)):
        return value if isinstance(value, int) else tuple(value)
    raise ValueError(f"expected a positive whole number or a pair [rows, columns] of them, got {value!r}")


Pair = Annotated[Union[int, tuple[int, int]], BeforeValidator(_check_pair)]


def pair(value: int | tuple[int, int]) -> tuple[int, int]:
    """``3`` -> ``(3, 3)``; ``(3, 5)`` stays."""
    return (int(value), int(value)) if isinstance(value, int) else (int(value[0]), int(value[1]))


def _fmt(shape: Shape) -> str:
    return "(" + ", ".join(str(d) for d in shape) + ("," if len(shape) == 1 else "") + ")"


class LayerSpec(BaseModel):
    """Base of every layer type. Subclasses set ``type`` (a literal) and override what applies."""

    model_config = ConfigDict(extra="forbid")
    type: str
    #: ``False``: the layer's weights are not updated (frozen); a frozen batch norm also stays in
    #: inference mode (its moving statistics are used and kept), as Keras does.
    trainable: bool = True
    #: The layer's learning rate is ``lr_scale`` times the optimizer's (discriminative rates for fine-tuning).
    lr_scale: float = Field(1.0, gt=0)
    #: True when the layer works on images: a ``(h, w)`` input is read as ``(h, w, 1)``.
    image_layer: ClassVar[bool] = False

    # -- shapes ----------------------------------------------------------------------------------
    def output_shape(self, shape: Shape, index: int) -> Shape:
        """One sample's output shape for one sample's input ``shape``; :class:`ConfigError` if it cannot take it."""
        return shape

    def weight_shapes(self, shape: Shape) -> list[tuple[str, Shape]]:
        """``[(name, shape)]`` of the weights in the canonical layout, for input ``shape``."""
        return []

    def initial_weights(self, shape: Shape, init: str, rng: np.random.Generator) -> list[np.ndarray]:
        """The weights' first values (float32, canonical layout), drawn from ``rng``."""
        return []

    def multiply_adds(self, shape: Shape) -> int:
        """Multiply-adds (or, for layers without products, element operations) of one sample's forward pass."""
        return 0

    def label(self) -> str:
        """A short description for tables: ``conv2d(32, 3x3, same, relu)``."""
        return self.type

    # -- teaching errors ---------------------------------------------------------------------------
    def _error(self, index: int, shape: Shape, problem: str, hint: str) -> ConfigError:
        return ConfigError(f"model.layers.{index} ({self.label()}) receives samples of shape {_fmt(shape)}: {problem}.",
                           hint)

    def _image(self, shape: Shape, index: int) -> tuple[int, int, int]:
        """``(h, w)`` or ``(h, w, c)`` -> ``(h, w, c)``; a teaching error for anything else."""
        if len(shape) == 2:
            return shape[0], shape[1], 1
        if len(shape) == 3:
            return shape  # type: ignore[return-value]
        raise self._error(index, shape, "it needs images of shape (height, width) or (height, width, channels)",
                          "Put convolution and pooling layers first, on image data (digits, mnist, cifar10, "
                          "image_folder), before any flatten or dense layer.")


def penalty(layer: LayerSpec, kernel: np.ndarray) -> float:
    """The loss term a layer's ``l1`` / ``l2`` add for ``kernel`` (any shape): ``l1·Σ|w| + l2·Σw²``.

    The gradient of ``l2·Σw²`` is ``2·l2·w``: PyTorch's coupled ``SGD(weight_decay=d)`` adds ``d·w``
    to the gradient, so Keras' ``L2(l)`` equals PyTorch's ``weight_decay = 2·l`` on SGD.
    """
    k = np.asarray(kernel, np.float64)
    return float(getattr(layer, "l1", 0.0) * np.abs(k).sum() + getattr(layer, "l2", 0.0) * np.square(k).sum())


def _activation_label(activation: str) -> str:
    return "" if activation == "linear" else f", {activation}"


# ----------------------------------------------------------------------------- initial weights
def _truncated_normal(rng: np.random.Generator, std: float, shape: Shape) -> np.ndarray:
    """Normal(0, std) redrawn outside ±2 std, as Keras' ``TruncatedNormal`` does."""
    out = rng.standard_normal(shape)
    bad = np.abs(out) > 2
    while bad.any():
        out[bad] = rng.standard_normal(int(bad.sum()))
        bad = np.abs(out) > 2
    return out * std


def kernel(init: str, shape: Shape, fan_in: int, fan_out: int, rng: np.random.Generator) -> np.ndarray:
    """A float32 kernel of ``shape`` drawn from ``init``'s law (the laws Keras defines, with its fans)."""
    if init == "glorot_uniform":
        limit = np.sqrt(6.0 / (fan_in + fan_out))
        w = rng.uniform(-limit, limit, shape)
    elif init == "glorot_normal":
        w = _truncated_normal(rng, np.sqrt(2.0 / (fan_in + fan_out)) / 0.87962566103423978, shape)
    elif init == "he_uniform":
        limit = np.sqrt(6.0 / fan_in)
        w = rng.uniform(-limit, limit, shape)
    elif init == "he_normal":
        w = _truncated_normal(rng, np.sqrt(2.0 / fan_in) / 0.87962566103423978, shape)
    else:
        raise ValueError(f"unknown initialiser {init!r}")
    return w.astype(np.float32)


# ----------------------------------------------------------------------------- layer types
class Flatten(LayerSpec):
    """Flatten every axis but the batch axis: ``(n, *shape) -> (n, prod(shape))``."""

    type: Literal["flatten"]

    def output_shape(self, shape, index):
        return (int(np.prod(shape)),)


class Dense(LayerSpec):
    """Fully connected layer ``y = act(x W + b)``: ``(n, in) -> (n, units)``; ``W: (in, units)``.

    ``l1``, ``l2``: a penalty ``l1 * sum(|W|) + l2 * sum(W**2)`` on the kernel, added to the
    training loss (Keras' ``L1L2(l1, l2)`` convention; see :func:`penalty`).
    """

    type: Literal["dense"]
    units: PositiveInt
    activation: Activation = "linear"
    l1: float = Field(0.0, ge=0)
    l2: float = Field(0.0, ge=0)

    def output_shape(self, shape, index):
        if len(shape) != 1:
            raise self._error(index, shape, f"it needs flat vectors of shape ({int(np.prod(shape))},)",
                              f"Add {{type: flatten}} before it (at model.layers.{index}), "
                              "or a global_avg_pool2d after convolutions.")
        return (self.units,)

    def weight_shapes(self, shape):
        return [("kernel", (shape[0], self.units)), ("bias", (self.units,))]

    def initial_weights(self, shape, init, rng):
        return [kernel(init, (shape[0], self.units), shape[0], self.units, rng), np.zeros(self.units, np.float32)]

    def multiply_adds(self, shape):
        return int(shape[0]) * self.units

    def label(self):
        return f"dense({self.units}{_activation_label(self.activation)})"


class Dropout(LayerSpec):
    """Dropout: during training, zero each value with probability ``rate`` and scale the rest by ``1/(1-rate)``."""

    type: Literal["dropout"]
    rate: float = Field(ge=0.0, lt=1.0)

    def label(self):
        return f"dropout({self.rate})"


class ActivationLayer(LayerSpec):
    """An activation on its own: ``y = function(x)``, element by element, any shape."""

    type: Literal["activation"]
    function: Activation

    def multiply_adds(self, shape):
        return int(np.prod(shape))

    def label(self):
        return f"activation({self.function})"


def same_padding(size: int, kernel_size: int, stride: int) -> tuple[int, int]:
    """``(before, after)`` zero rows that ``padding: same`` adds on one axis, as TensorFlow adds them.

    The output has ``ceil(size / stride)`` positions; when the total padding is odd, the extra
    row or column goes after (bottom/right). PyTorch's ``padding=`` is symmetric, so a backend
    pads explicitly when ``before != after``.
    """
    out = math.ceil(size / stride)
    total = max((out - 1) * stride + kernel_size - size, 0)
    return total // 2, total - total // 2


class Conv2D(LayerSpec):
    """2-D convolution: ``(h, w, c_in) -> (h', w', filters)``; kernel ``(kh, kw, c_in, filters)``, bias ``(filters,)``.

    ``padding: valid``: no padding, ``h' = floor((h - kh) / stride) + 1``. ``padding: same``:
    ``h' = ceil(h / stride)``, zero-padding split as :func:`same_padding` says (Keras' rule,
    asymmetric when the total is odd). ``l1``, ``l2``: a kernel penalty as :class:`Dense`'s.
    """

    type: Literal["conv2d"]
    filters: PositiveInt
    kernel_size: Pair = 3
    stride: Pair = 1
    padding: Literal["valid", "same"] = "valid"
    activation: Activation = "linear"
    l1: float = Field(0.0, ge=0)
    l2: float = Field(0.0, ge=0)
    image_layer: ClassVar[bool] = True

    def output_shape(self, shape, index):
        h, w, _ = self._image(shape, index)
        (kh, kw), (sh, sw) = pair(self.kernel_size), pair(self.stride)
        if self.padding == "same":
            return (math.ceil(h / sh), math.ceil(w / sw), self.filters)
        if kh > h or kw > w:
            raise self._error(index, shape, f"its {kh}x{kw} kernel is larger than its {h}x{w} input",
                              "Use a smaller kernel_size, padding: same, or fewer pooling layers before it.")
        return ((h - kh) // sh + 1, (w - kw) // sw + 1, self.filters)

    def padding_pairs(self, shape: Shape) -> tuple[tuple[int, int], tuple[int, int]]:
        """``((top, bottom), (left, right))`` zero padding for input ``shape``."""
        if self.padding == "valid":
            return (0, 0), (0, 0)
        h, w = shape[0], shape[1]
        (kh, kw), (sh, sw) = pair(self.kernel_size), pair(self.stride)
        return same_padding(h, kh, sh), same_padding(w, kw, sw)

    def weight_shapes(self, shape):
        c = shape[2] if len(shape) == 3 else 1
        kh, kw = pair(self.kernel_size)
        return [("kernel", (kh, kw, c, self.filters)), ("bias", (self.filters,))]

    def initial_weights(self, shape, init, rng):
        (_, k_shape), _ = self.weight_shapes(shape)
        field = k_shape[0] * k_shape[1]
        return [kernel(init, k_shape, field * k_shape[2], field * self.filters, rng), np.zeros(self.filters, np.float32)]

    def multiply_adds(self, shape):
        oh, ow, f = self.output_shape(shape, -1)
        (kh, kw, c, _), _ = (s for _, s in self.weight_shapes(shape))
        return oh * ow * f * kh * kw * c

    def label(self):
        kh, kw = pair(self.kernel_size)
        stride = "" if pair(self.stride) == (1, 1) else f", stride {'x'.join(map(str, pair(self.stride)))}"
        return f"conv2d({self.filters}, {kh}x{kw}{stride}, {self.padding}{_activation_label(self.activation)})"


class _Pool2D(LayerSpec):
    """Pooling over ``pool_size`` windows moved by ``stride`` (default: ``pool_size``), no padding.

    ``(h, w, c) -> (floor((h - ph) / sh) + 1, floor((w - pw) / sw) + 1, c)``.
    """

    pool_size: Pair = 2
    stride: Annotated[Union[int, tuple[int, int], None], BeforeValidator(lambda v: v if v is None else _check_pair(v))] = None
    image_layer: ClassVar[bool] = True

    def strides(self) -> tuple[int, int]:
        return pair(self.stride if self.stride is not None else self.pool_size)

    def output_shape(self, shape, index):
        h, w, c = self._image(shape, index)
        (ph, pw), (sh, sw) = pair(self.pool_size), self.strides()
        if ph > h or pw > w:
            raise self._error(index, shape, f"its {ph}x{pw} window is larger than its {h}x{w} input",
                              "Use a smaller pool_size, or fewer pooling layers (or stride-2 convolutions) before it.")
        return ((h - ph) // sh + 1, (w - pw) // sw + 1, c)

    def multiply_adds(self, shape):
        oh, ow, c = self.output_shape(shape, -1)
        ph, pw = pair(self.pool_size)
        return oh * ow * c * ph * pw

    def label(self):
        ph, pw = pair(self.pool_size)
        stride = "" if self.strides() == (ph, pw) else f", stride {'x'.join(map(str, self.strides()))}"
        return f"{self.type}({ph}x{pw}{stride})"


class MaxPool2D(_Pool2D):
    """Max pooling: each output is the largest value of its window, per channel."""

    type: Literal["max_pool2d"]


class AvgPool2D(_Pool2D):
    """Average pooling: each output is the mean of its window, per channel."""

    type: Literal["avg_pool2d"]


class GlobalAvgPool2D(LayerSpec):
    """Mean over height and width: ``(h, w, c) -> (c,)``."""

    type: Literal["global_avg_pool2d"]
    image_layer: ClassVar[bool] = True

    def output_shape(self, shape, index):
        return (self._image(shape, index)[2],)

    def multiply_adds(self, shape):
        return int(np.prod(shape))


class GlobalMaxPool2D(GlobalAvgPool2D):
    """Largest value over height and width: ``(h, w, c) -> (c,)``."""

    type: Literal["global_max_pool2d"]


class BatchNorm(LayerSpec):
    """Batch normalisation over the last axis (features, or an image's channels).

    Training: ``y = gamma * (x - mean_b) / sqrt(var_b + epsilon) + beta`` with the batch's mean and
    *biased* variance (per feature or channel, over the batch and the image's positions); the moving
    statistics are updated as ``moving = momentum * moving + (1 - momentum) * batch`` (Keras'
    convention, biased variance stored). Inference uses the moving statistics.
    PyTorch's conventions differ (its ``momentum`` is ``1 - momentum``, and it stores the unbiased
    variance): its backend maps them. Input ``(features,)`` or ``(h, w, c)``; weights
    ``[gamma, beta, moving_mean, moving_variance]``, each ``(features or c,)``.
    """

    type: Literal["batch_norm"]
    momentum: float = 0.99
    epsilon: float = Field(1e-3, gt=0)

    @field_validator("momentum")
    @classmethod
    def _momentum(cls, value: float) -> float:
        if not 0.0 < value < 1.0:
            raise ValueError(f"momentum must lie strictly between 0 and 1 (Keras' convention: the share of "
                             f"the old moving average kept at each step, e.g. 0.99), got {value}")
        return value

    def output_shape(self, shape, index):
        if len(shape) not in (1, 3):
            raise self._error(index, shape, "it needs flat features (n,) or images with channels (h, w, c)",
                              "Put it after a dense or conv2d layer.")
        return shape

    def weight_shapes(self, shape):
        c = (shape[-1],)
        return [("gamma", c), ("beta", c), ("moving_mean", c), ("moving_variance", c)]

    def initial_weights(self, shape, init, rng):
        c = shape[-1]
        return [np.ones(c, np.float32), np.zeros(c, np.float32), np.zeros(c, np.float32), np.ones(c, np.float32)]

    def multiply_adds(self, shape):
        return int(np.prod(shape))

    def label(self):
        return f"batch_norm({self.momentum})"


class PretrainedBackbone(LayerSpec):
    """An ImageNet backbone with its framework's own weights: ``(h, w, 3)`` RGB in [0, 1] ``-> (features,)``.

    ``name``: ``resnet18``, ``resnet50`` or ``mobilenet_v3_small`` (the names of
    :mod:`dlcourse.models.pretrained`; each framework has its own set and its own weights file).
    ``weights``: a weights file to read instead of the framework's cache folder. Each framework
    applies its own input preprocessing and global average pooling. ``train_blocks``: with
    ``trainable: true``, ``all`` trains every stage, ``N`` only the last ``N`` (the others and
    their batch norm stay frozen). Written by ``model.backbone: {imagenet: ...}``. Not a parity
    case: the two frameworks' ImageNet weights come from different trainings.
    """

    type: Literal["pretrained"]
    name: str
    weights: str | None = None
    train_blocks: Union[int, Literal["all"]] = "all"

    def output_shape(self, shape, index):
        from dlcourse.models.pretrained import features

        if len(shape) != 3 or shape[2] != 3:
            raise self._error(index, shape, "it needs RGB images of shape (height, width, 3)",
                              "Use RGB images (for an image folder: data.options.color: rgb).")
        return (features(self.name),)

    def multiply_adds(self, shape):
        return 0                                           # its own, not counted by the spec

    def label(self):
        return f"pretrained({self.name})"


#: Every layer type, by the ``type`` key a config uses.
LAYER_TYPES: dict[str, type[LayerSpec]] = {cls.model_fields["type"].annotation.__args__[0]: cls for cls in (
    Flatten, Dense, Dropout, ActivationLayer, Conv2D, MaxPool2D, AvgPool2D, GlobalAvgPool2D, GlobalMaxPool2D, BatchNorm,
    PretrainedBackbone)}

Layer = Annotated[Union[tuple(LAYER_TYPES.values())], Field(discriminator="type")]


# ----------------------------------------------------------------------------- a model's trace
@dataclass(frozen=True)
class LayerTrace:
    """One layer of a model followed with one sample.

    ``input_shape``: what it receives (channels-last); ``image_input``: the ``(h, w, c)`` it
    reads it as (an image layer given ``(h, w)`` sees one channel), else ``None``;
    ``output_shape``: what it gives; ``weights``: ``[(name, shape)]`` canonical;
    ``params``: their total size; ``multiply_adds``: per sample.
    """

    index: int
    layer: LayerSpec
    input_shape: Shape
    image_input: Shape | None
    output_shape: Shape
    weights: list[tuple[str, Shape]]
    params: int
    multiply_adds: int


def trace(layers: list[LayerSpec], input_shape: Shape) -> list[LayerTrace]:
    """Follow one sample of ``input_shape`` through ``layers``; the first misfit raises a teaching :class:`ConfigError`."""
    shape = tuple(int(d) for d in input_shape)
    out = []
    for i, layer in enumerate(layers):
        new = layer.output_shape(shape, i)
        image = (*shape, 1) if layer.image_layer and len(shape) == 2 else shape if layer.image_layer else None
        seen = image or shape
        weights = layer.weight_shapes(seen)
        out.append(LayerTrace(i, layer, shape, image, tuple(new), weights,
                              int(sum(np.prod(s) for _, s in weights)), int(layer.multiply_adds(seen))))
        shape = tuple(new)
    return out


def initial_weights(spec, input_shape: Shape, seed: int) -> list[np.ndarray]:
    """Every layer's first weights, in order, canonical layout, float32, drawn from ``seed``.

    ``spec`` is a :class:`dlcourse.config.ModelSpec` (its ``layers`` and ``init``). One NumPy
    generator serves the whole model, layer after layer, so both frameworks start equal.
    """
    rng = np.random.default_rng([seed, 0x1A17])
    weights: list[np.ndarray] = []
    for t in trace(spec.layers, input_shape):
        weights += t.layer.initial_weights(t.image_input or t.input_shape, spec.init, rng)
    return weights
