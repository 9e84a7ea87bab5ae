"""Framework-neutral probes for exercises that can be solved in PyTorch or in Keras.

These functions run in the learner's process, inside a check's ``sonder(sonde, entrees)``: they
take what the learner's code returned (a ``torch.nn.Module`` or a Keras model, tensors of either
framework, NumPy arrays) and give NumPy arrays and plain values back, so that one check serves
both frameworks. The frameworks are imported only when an object of theirs is met.
"""

from __future__ import annotations

from typing import Any

import numpy as np


def cadre_de(obj: Any) -> str | None:
    """``"torch"``, ``"tensorflow"`` (Keras included), ``"numpy"`` or ``None``: where ``obj`` comes from."""
    if isinstance(obj, (np.ndarray, np.generic)):
        return "numpy"
    module = type(obj).__module__ or ""
    for cls in type(obj).__mro__:
        module = cls.__module__ or ""
        if module.startswith("torch"):
            return "torch"
        if module.startswith(("tensorflow", "keras", "tf_keras")):
            return "tensorflow"
    return None


def en_numpy(x: Any) -> np.ndarray:
    """``x`` (a PyTorch or TensorFlow tensor, a ``tf.Variable``, an array, a list) as a NumPy array.

    A PyTorch tensor is detached and copied to the CPU; the dtype is kept.
    """
    if isinstance(x, np.ndarray):
        return x
    kind = cadre_de(x)
    if kind == "torch" and hasattr(x, "detach"):
        return x.detach().cpu().numpy()
    if kind == "tensorflow" and hasattr(x, "numpy"):
        return np.asarray(x.numpy())
    if isinstance(x, (list, tuple)):
        return np.asarray([en_numpy(v) if cadre_de(v) in ("torch", "tensorflow") else v for v in x])
    return np.asarray(x)


def _is_torch_module(modele: Any) -> bool:
    return cadre_de(modele) == "torch" and hasattr(modele, "parameters") and hasattr(modele, "train")


def _is_keras_model(modele: Any) -> bool:
    return cadre_de(modele) == "tensorflow" and hasattr(modele, "weights") and callable(modele)


def _check_model(modele: Any) -> None:
    if not (_is_torch_module(modele) or _is_keras_model(modele)):
        raise TypeError(f"un modèle PyTorch (nn.Module) ou Keras est attendu, pas un objet {type(modele).__name__}")


def predire(modele: Any, x: np.ndarray, entrainement: bool = False) -> np.ndarray:
    """Run ``modele`` on the NumPy batch ``x`` without gradient; returns its output as NumPy.

    PyTorch: the module is switched to ``train(entrainement)`` for the call and put back in the
    mode it was in. Keras: ``modele(x, training=entrainement)``. ``x`` keeps its dtype (pass
    ``float32``).
    """
    _check_model(modele)
    if _is_torch_module(modele):
        import torch

        before = {name: m.training for name, m in modele.named_modules()}
        modele.train(entrainement)
        try:
            with torch.no_grad():
                out = modele(torch.from_numpy(np.ascontiguousarray(x)))
        finally:
            for name, m in modele.named_modules():
                m.training = before.get(name, m.training)
        return en_numpy(out)
    return en_numpy(modele(x, training=entrainement))


def poids(modele: Any) -> list[dict]:
    """The model's parameters in order: ``{"nom", "forme", "entrainable", "valeurs"}`` each (values copied).

    PyTorch: ``named_parameters()`` then the buffers (batch-norm statistics, never trainable).
    Keras: ``modele.weights`` (trainable ones flagged by the layer's ``trainable``).
    """
    _check_model(modele)
    out = []
    if _is_torch_module(modele):
        for name, p in modele.named_parameters():
            out.append({"nom": name, "forme": tuple(p.shape), "entrainable": bool(p.requires_grad),
                        "valeurs": en_numpy(p).copy()})
        for name, b in modele.named_buffers():
            if b.dtype.is_floating_point:
                out.append({"nom": name, "forme": tuple(b.shape), "entrainable": False,
                            "valeurs": en_numpy(b).copy()})
        return out
    trainable = {id(w) for w in modele.trainable_weights}
    for w in modele.weights:
        out.append({"nom": getattr(w, "path", None) or w.name, "forme": tuple(int(d) for d in w.shape),
                    "entrainable": id(w) in trainable, "valeurs": np.array(w.numpy(), copy=True)})
    return out


def compter_parametres(modele: Any) -> tuple[int, int]:
    """``(total, trainable)`` numbers of values, counted the same way in both frameworks.

    The total holds every weight and the batch-norm statistics (PyTorch's floating-point buffers,
    Keras' non-trainable weights), as Keras' ``count_params`` does; so the same architecture gives
    the same two numbers in PyTorch and in Keras.
    """
    _check_model(modele)
    if _is_torch_module(modele):
        params = list(modele.parameters())
        stats = sum(b.numel() for b in modele.buffers() if b.dtype.is_floating_point)
        return sum(p.numel() for p in params) + stats, sum(p.numel() for p in params if p.requires_grad)
    return (sum(int(np.prod(w.shape)) for w in modele.weights),
            sum(int(np.prod(w.shape)) for w in modele.trainable_weights))


def couches(modele: Any) -> list[str]:
    """Class names of the model's layers in order: leaf modules for PyTorch, layers for Keras.

    A Keras activation given as an argument (``Dense(10, activation="softmax")``) is written
    ``Dense(softmax)``; an ``nn.Sequential`` nested in a module is flattened into its leaves.
    """
    _check_model(modele)
    if _is_torch_module(modele):
        return [type(m).__name__ for _, m in modele.named_modules() if not list(m.children())]
    names = []
    for layer in _keras_layers(modele):
        activation = getattr(layer, "activation", None)
        act = getattr(activation, "__name__", None)
        names.append(f"{type(layer).__name__}({act})" if act and act != "linear" else type(layer).__name__)
    return names


def _keras_layers(modele: Any) -> list:
    out = []
    for layer in getattr(modele, "layers", []):
        if hasattr(layer, "layers") and layer is not modele and getattr(layer, "layers", None):
            out.extend(_keras_layers(layer))
        else:
            out.append(layer)
    return out


def modules_en_entrainement(modele: Any) -> list[str]:
    """Names of the PyTorch submodules in training mode (``.training`` true); ``[]`` for Keras,
    whose layers take the mode at each call."""
    _check_model(modele)
    if _is_torch_module(modele):
        return [name or type(modele).__name__ for name, m in modele.named_modules() if m.training]
    return []


__all__ = ["cadre_de", "en_numpy", "predire", "poids", "compter_parametres", "couches", "modules_en_entrainement"]
