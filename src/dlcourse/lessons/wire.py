"""What crosses between the checking process and the learner's process: plain JSON, never pickle.

The process that decides the verdict never runs the learner's code; it sends inputs and reads
observations. Both go through :func:`encode` / :func:`decode`:

- ``None``, ``bool``, ``int``, ``float``, ``str`` as themselves;
- arrays and tensors (NumPy, PyTorch, TensorFlow, a ``tf.Variable``) as
  ``{"__array__": {"type", "dtype", "shape", "values", "requires_grad"}}``, copied at the moment they
  are encoded (a gradient that a later call changes in place keeps the value it had);
- lists and tuples element by element, dicts with string keys;
- anything else as ``{"__object__": {"type", "repr"}}``.

:func:`decode` turns arrays into :class:`Array` (a NumPy array plus where it came from). JSON
cannot carry code, so a learner's file cannot make the checking process run anything.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

MAX_ELEMENTS = 200_000


@dataclass(frozen=True)
class Array:
    """An array received from the learner's process.

    Attributes
    ----------
    type: where it came from: ``torch.Tensor``, ``tf.Tensor``, ``tf.Variable``, ``numpy.ndarray``.
    dtype: the framework's dtype name (``float32``, ``uint8``, ``float64``…).
    values: the values, a NumPy array of that dtype when NumPy knows it.
    requires_grad: PyTorch's flag (``False`` elsewhere).
    """

    type: str
    dtype: str
    values: np.ndarray
    requires_grad: bool = False

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(self.values.shape)


def _type_name(value: Any) -> str | None:
    module = type(value).__module__ or ""
    name = type(value).__name__
    if isinstance(value, np.ndarray):
        return "numpy.ndarray"
    if isinstance(value, np.generic):
        return "numpy.scalar"
    if module.startswith("torch") and hasattr(value, "detach"):
        return "torch.Tensor"
    if module.startswith(("tensorflow", "keras")):
        if "Variable" in name:
            return "tf.Variable"
        if hasattr(value, "numpy") and hasattr(value, "dtype") and hasattr(value, "shape"):
            return "tf.Tensor"
    return None


def _dtype_name(value: Any) -> str:
    dtype = getattr(value, "dtype", None)
    name = getattr(dtype, "name", None) or str(dtype)
    return name.replace("torch.", "")


def _values(value: Any, kind: str) -> np.ndarray:
    if kind == "torch.Tensor":
        return value.detach().cpu().clone().numpy()
    if kind in ("tf.Tensor", "tf.Variable"):
        return np.array(value.numpy(), copy=True)
    return np.array(value, copy=True)


def encode(value: Any, depth: int = 0) -> Any:
    """``value`` as JSON-ready data (see the module docstring); arrays are copied now."""
    if depth > 20:
        return {"__object__": {"type": type(value).__name__, "repr": "(trop imbriqué)"}}
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else {"__float__": repr(value)}
    kind = _type_name(value)
    if kind is not None:
        try:
            values = _values(value, kind)
        except Exception:  # noqa: BLE001 - a tensor that cannot be read is reported as an object
            return {"__object__": {"type": type(value).__name__, "repr": _repr(value)}}
        if values.size > MAX_ELEMENTS:
            return {"__object__": {"type": kind, "repr": f"tableau de {values.size} éléments (trop grand)"}}
        numeric = values.astype(np.float64) if values.dtype.kind in "fc" else values
        return {"__array__": {"type": kind, "dtype": _dtype_name(value), "shape": list(values.shape),
                              "values": _finite(numeric.tolist()),
                              "requires_grad": bool(getattr(value, "requires_grad", False))}}
    if isinstance(value, (list, tuple)):
        return {"__sequence__": {"type": type(value).__name__, "items": [encode(v, depth + 1) for v in value]}}
    if isinstance(value, dict) and all(isinstance(k, str) for k in value):
        return {"__dict__": {k: encode(v, depth + 1) for k, v in value.items()}}
    return {"__object__": {"type": type(value).__name__, "repr": _repr(value)}}


def _finite(data: Any) -> Any:
    if isinstance(data, list):
        return [_finite(d) for d in data]
    if isinstance(data, float) and not math.isfinite(data):
        return {"__float__": repr(data)}
    return data


def _unfinite(data: Any) -> Any:
    if isinstance(data, list):
        return [_unfinite(d) for d in data]
    if isinstance(data, dict) and "__float__" in data:
        return float(data["__float__"])
    return data


def _repr(value: Any) -> str:
    try:
        text = repr(value)
    except Exception:  # noqa: BLE001 - a broken __repr__ must not stop the check
        text = f"<{type(value).__name__}>"
    return text if len(text) <= 80 else text[:79] + "…"


def decode(data: Any) -> Any:
    """The inverse of :func:`encode`: arrays become :class:`Array`, tuples and lists come back."""
    if isinstance(data, list):
        return [decode(d) for d in data]
    if not isinstance(data, dict):
        return data
    if "__float__" in data:
        return float(data["__float__"])
    if "__array__" in data:
        a = data["__array__"]
        raw = _unfinite(a["values"])
        try:
            values = np.array(raw, dtype=np.dtype(a["dtype"]))
        except TypeError:
            values = np.array(raw)
        return Array(str(a["type"]), str(a["dtype"]), values.reshape(a["shape"]), bool(a.get("requires_grad")))
    if "__sequence__" in data:
        s = data["__sequence__"]
        items = [decode(v) for v in s["items"]]
        return tuple(items) if s["type"] == "tuple" else items
    if "__dict__" in data:
        return {k: decode(v) for k, v in data["__dict__"].items()}
    if "__object__" in data:
        return Object(str(data["__object__"]["type"]), str(data["__object__"]["repr"]))
    return {k: decode(v) for k, v in data.items()}


@dataclass(frozen=True)
class Object:
    """Something that is neither a number, a string, a sequence nor an array: its type and ``repr``."""

    type: str
    repr: str


def encode_inputs(inputs: dict[str, Any]) -> dict[str, Any]:
    """The checking process's inputs (NumPy arrays, numbers) as JSON-ready data."""
    return {k: encode(v) for k, v in inputs.items()}


def decode_inputs(data: dict[str, Any]) -> dict[str, Any]:
    """The inputs back as NumPy arrays (with their dtype) and numbers, in the learner's process;
    arrays inside lists and dicts too."""
    def plain(got: Any) -> Any:
        if isinstance(got, Array):
            return got.values
        if isinstance(got, dict):
            return {k: plain(v) for k, v in got.items()}
        if isinstance(got, (list, tuple)):
            return type(got)(plain(v) for v in got)
        return got

    return {key: plain(decode(value)) for key, value in data.items()}
