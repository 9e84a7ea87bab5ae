"""torchvision ImageNet backbones loaded from a local weights file (never downloaded).

:func:`build_backbone` turns a catalogue entry (:mod:`dlcourse.models.pretrained`) and a
weights file into a module mapping channels-last images in [0, 1] to pooled features;
:func:`blocks` lists its stages so that a caller can unfreeze the last N of them.
"""

from __future__ import annotations

import importlib
from pathlib import Path

import torch
from torch import nn

from dlcourse.errors import ConfigError
from dlcourse.models.pretrained import Pretrained, check_input

_EXAMPLES = 1                                    # keys named per kind of mismatch in an error message


class Backbone(nn.Module):
    """ImageNet normalisation, a torchvision feature extractor and global average pooling.

    Input: ``(n, h, w, 3)`` float32, channels last, values in [0, 1].
    Output: ``(n, features)`` float32.

    ``stages`` is an ``nn.Sequential`` of the network's top-level stages, input to output.
    """

    def __init__(self, stages: nn.Sequential, mean: list[float], std: list[float], name: str):
        super().__init__()
        self.name = name
        self.register_buffer("mean", torch.tensor(mean, dtype=torch.float32).view(1, 3, 1, 1), persistent=False)
        self.register_buffer("std", torch.tensor(std, dtype=torch.float32).view(1, 3, 1, 1), persistent=False)
        self.stages = stages
        self.pool = nn.AdaptiveAvgPool2d(1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x.permute(0, 3, 1, 2)                 # (n, h, w, 3) -> (n, 3, h, w)
        x = (x - self.mean) / self.std            # (n, 3, h, w), ImageNet-normalised
        x = self.stages(x)                        # (n, features, h', w')
        x = self.pool(x)                          # (n, features, 1, 1)
        return torch.flatten(x, 1)                # (n, features)

    def extra_repr(self) -> str:
        return f"name={self.name!r}"


def _weights_enum(entry: Pretrained):
    """The torchvision ``Weights`` member whose URL ends with ``entry.file_name``."""
    from torchvision.models import get_model_weights

    for weights in get_model_weights(entry.name):
        if weights.url.rsplit("/", 1)[-1] == entry.file_name:
            return weights
    raise ConfigError(f"this torchvision has no weights named '{entry.file_name}' for {entry.name}.",
                      "Install the torchvision version dlcourse was written for (0.29).")


def _architecture(entry: Pretrained) -> nn.Module:
    """The full torchvision model with random weights (``weights=None``), from ``entry.native``."""
    module, function = entry.native.rsplit(".", 1)
    return getattr(importlib.import_module(module), function)(weights=None)


def _head(model: nn.Module) -> str:
    """The attribute holding the ImageNet classifier: ``fc`` (ResNet) or ``classifier`` (MobileNet)."""
    for name in ("fc", "classifier"):
        if hasattr(model, name):
            return name
    raise TypeError(f"no classifier head found on {type(model).__name__}")


def _stages(model: nn.Module) -> nn.Sequential:
    """The model's feature part as an ``nn.Sequential`` of its top-level stages."""
    if hasattr(model, "features"):                # MobileNetV3: features[0] stem ... features[-1] last conv
        return nn.Sequential(*model.features.children())
    stem = nn.Sequential(model.conv1, model.bn1, model.relu, model.maxpool)
    return nn.Sequential(stem, model.layer1, model.layer2, model.layer3, model.layer4)


def _read_state(path: Path, entry: Pretrained) -> dict:
    """The file's ``state_dict`` (``weights_only=True``: no Python object is ever unpickled)."""
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # noqa: BLE001 - any refusal or corruption is the file's fault
        text = str(exc).strip().splitlines()[0].split(". ")[0].rstrip(".")[:160] if str(exc).strip() else ""
        if "Unsupported global" in str(exc):       # a pickled Python object: refused, it could run code
            reason = "it holds Python objects other than tensors, which are refused"
        else:
            shown = "" if text.startswith("Weights only load failed") or not any(c.isalpha() for c in text) else text
            reason = "it was not written by torch.save" + (f": {shown}" if shown else "")
        raise ConfigError(f"weights file '{path}' for {entry.label} is not a PyTorch state_dict ({reason}).",
                          f"Give a file saved with torch.save(model.state_dict(), path), such as "
                          f"'{entry.file_name}'.") from None
    if not isinstance(state, dict) or not all(isinstance(k, str) and isinstance(v, torch.Tensor)
                                              for k, v in state.items()):
        kind = type(state).__name__ if not isinstance(state, dict) else "dict with non-tensor values"
        raise ConfigError(f"weights file '{path}' for {entry.label} holds a {kind}, not a state_dict (a mapping "
                          f"of parameter names to tensors).",
                          f"Give a file saved with torch.save(model.state_dict(), path), such as "
                          f"'{entry.file_name}'.")
    return state


def _mismatch(state: dict, expected: dict) -> str:
    """``"12 missing keys such as 'layer4.1.bn2.weight', 3 shape mismatches such as ..."``, or ``""``."""
    missing = [f"'{k}'" for k in expected            # older files lack the counters; torch fills them in
               if k not in state and not k.endswith(".num_batches_tracked")]
    unexpected = [f"'{k}'" for k in state if k not in expected]
    shapes = [f"'{k}' (file {tuple(state[k].shape)}, model {tuple(v.shape)})"
              for k, v in expected.items() if k in state and tuple(state[k].shape) != tuple(v.shape)]
    parts = []
    for items, one, many in ((missing, "missing key", "missing keys"),
                             (unexpected, "unexpected key", "unexpected keys"),
                             (shapes, "shape mismatch", "shape mismatches")):
        if items:
            parts.append(f"1 {one} {items[0]}" if len(items) == 1 else
                         f"{len(items)} {many} such as {', '.join(items[:_EXAMPLES])}")
    return ", ".join(parts)


def build_backbone(entry: Pretrained, weights: Path | None, input_shape: tuple[int, int, int]) -> Backbone:
    """The torchvision backbone of ``entry`` with the weights read from ``weights``.

    entry: a torch entry of :data:`dlcourse.models.pretrained.CATALOGUE`.
    weights: a ``state_dict`` file: the official ImageNet file (classifier keys included, they are
        dropped) or the user's own weights for the same architecture (a classifier of any size, or
        none). Found with :func:`dlcourse.models.pretrained.locate`.
    input_shape: ``(h, w, 3)`` of one image; each side at least ``entry.min_size``.

    Returns a :class:`Backbone`: ``(n, h, w, 3)`` float32 in [0, 1] -> ``(n, entry.features)`` float32.
    ``weights=None``: the architecture only (a saved run's own weights are loaded over it). Raises :class:`ConfigError` for a file that is not a state_dict or does not fit the architecture.
    """
    check_input(entry, input_shape)
    model = _architecture(entry)
    head = _head(model)
    setattr(model, head, nn.Identity())             # the ImageNet classifier is not part of the backbone
    if weights is not None:
        _load(model, head, Path(weights), entry)
    transforms = _weights_enum(entry).transforms()
    backbone = Backbone(_stages(model), list(transforms.mean), list(transforms.std), entry.name)
    if len(backbone.stages) != entry.blocks:      # the catalogue and this torchvision disagree
        raise RuntimeError(f"{entry.name}: torchvision gives {len(backbone.stages)} stages, the catalogue "
                           f"says {entry.blocks}")
    return backbone


def _load(model: nn.Module, head: str, path: Path, entry: Pretrained) -> None:
    """Read ``path`` into ``model`` (its classifier keys dropped); a misfit is one :class:`ConfigError` sentence."""
    state = {k: v for k, v in _read_state(path, entry).items() if not k.startswith(f"{head}.")}
    expected = model.state_dict()
    problems = _mismatch(state, expected)
    if problems:
        raise ConfigError(f"weights file '{path}' does not fit the torchvision {entry.name} architecture: "
                          f"{problems}.",
                          f"Give weights saved from a {entry.name} (such as '{entry.file_name}'), or choose the "
                          f"backbone the file was saved from.")
    try:
        model.load_state_dict(state, strict=True)
    except RuntimeError as exc:                   # not expected after the check above; keep it one sentence
        raise ConfigError(f"weights file '{path}' does not fit the torchvision {entry.name} architecture: "
                          f"{str(exc).strip().splitlines()[-1].strip()[:200]}.") from None




def blocks(module: Backbone) -> list[nn.Module]:
    """The backbone's top-level stages, input to output (``len == entry.blocks``).

    Setting ``requires_grad`` on the parameters of the last N of them unfreezes those N stages.
    """
    if not isinstance(module, Backbone):
        raise TypeError(f"blocks() expects a Backbone from build_backbone(), got {type(module).__name__}")
    return list(module.stages.children())
