"""One framework-free augmentation spec, implemented natively by each backend.

PyTorch: :mod:`torchvision.transforms.v2`; Keras: preprocessing layers (each backend's
``augment_batch``, reached through :func:`dlcourse.backends.get_backend`). Augmentation
is applied to the training split only, after scaling (images in [0, 1]).

A spec is written ``shift=0.1,rotation=15,zoom=0.1,flip,noise=0.05,erasing=0.25,crop=2``
on the command line, or as a mapping in YAML.
"""

from __future__ import annotations

import os
import uuid
from dataclasses import asdict, dataclass, fields
from pathlib import Path

import numpy as np

from dlcourse.errors import DataError, UserError, did_you_mean


@dataclass(frozen=True)
class AugmentSpec:
    """Random transformations drawn independently for each training image.

    shift: largest translation, as a fraction of the height and width (``0.1`` = up to 10 %).
    rotation: largest rotation in degrees, either way.
    zoom: largest zoom in or out, as a fraction (scale drawn in ``[1 - zoom, 1 + zoom]``).
    flip: flip horizontally with probability 0.5 (not for digits: a flipped 2 is no digit).
    noise: standard deviation of additive Gaussian noise, in scaled units (images in [0, 1]).
    erasing: probability of blanking a random rectangle (2 % to 20 % of the image) with zeros.
    crop: pad every side with ``crop`` zero pixels, then crop back to the original size at a random place.
    """

    shift: float = 0.0
    rotation: float = 0.0
    zoom: float = 0.0
    flip: bool = False
    noise: float = 0.0
    erasing: float = 0.0
    crop: int = 0

    def __post_init__(self) -> None:
        limits = {"shift": (0.0, 0.5), "rotation": (0.0, 180.0), "zoom": (0.0, 0.9), "noise": (0.0, 1.0),
                  "erasing": (0.0, 1.0), "crop": (0, 64)}
        for name, (lo, hi) in limits.items():
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not lo <= value <= hi:
                raise UserError(f"augment: {name} must be a number between {lo} and {hi}, got {value!r}.")
        if not isinstance(self.flip, bool):
            raise UserError(f"augment: flip must be true or false, got {self.flip!r}.")
        if not isinstance(self.crop, int):
            raise UserError(f"augment: crop must be a whole number of pixels, got {self.crop!r}.")

    @property
    def active(self) -> bool:
        return any(getattr(self, f.name) for f in fields(self))

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def parse(cls, spec: "str | dict | AugmentSpec | None") -> "AugmentSpec":
        """From ``"shift=0.1,rotation=15,flip"``, a mapping, an AugmentSpec, or ``None`` (no augmentation)."""
        if spec is None or isinstance(spec, AugmentSpec):
            return spec or cls()
        names = [f.name for f in fields(cls)]
        if isinstance(spec, str):
            items: dict = {}
            for part in filter(None, (p.strip() for p in spec.split(","))):
                key, _, raw = part.partition("=")
                key = key.strip()
                if key not in names:
                    raise UserError(f"augment: unknown transformation '{key}'.{did_you_mean(key, names)}",
                                    f"Known: {', '.join(names)} (e.g. shift=0.1,rotation=15,zoom=0.1).")
                if not raw:
                    items[key] = True if key == "flip" else None
                    if key != "flip":
                        raise UserError(f"augment: '{key}' needs a value, e.g. {key}=0.1.")
                    continue
                try:
                    value = {"true": True, "false": False}.get(raw.strip().lower()) if key == "flip" else \
                        (int(raw) if key == "crop" else float(raw))
                except ValueError:
                    raise UserError(f"augment: {key} expects a number, got '{raw}'.") from None
                items[key] = value
            spec = items
        if not isinstance(spec, dict):
            raise UserError(f"augment: expected 'key=value,...' or a mapping, got {type(spec).__name__}.")
        unknown = [k for k in spec if k not in names]
        if unknown:
            raise UserError(f"augment: unknown transformation '{unknown[0]}'.{did_you_mean(unknown[0], names)}",
                            f"Known: {', '.join(names)}.")
        return cls(**spec)


def image_layout(feature_shape: tuple[int, ...]) -> tuple[int, int, int]:
    """``(h, w)`` or ``(h, w, c)`` -> ``(h, w, c)``; raises if the samples are not images."""
    if len(feature_shape) == 2:
        return feature_shape[0], feature_shape[1], 1
    if len(feature_shape) == 3 and feature_shape[2] in (1, 3):
        return tuple(feature_shape)  # type: ignore[return-value]
    raise DataError(f"augmentation needs images of shape (h, w) or (h, w, 1|3), got samples of shape {feature_shape}.",
                    "Augment image datasets only (digits, mnist, cifar10, image_folder).")


def pick_examples(y: np.ndarray, n: int, seed: int = 0) -> np.ndarray:
    """Indices of ``n`` samples cycling through the classes (one per class first)."""
    rng = np.random.default_rng(seed)
    by_class = [rng.permutation(np.flatnonzero(y == c)).tolist() for c in np.unique(y)]
    out: list[int] = []
    while len(out) < min(n, len(y)):
        for idx in by_class:
            if idx and len(out) < n:
                out.append(idx.pop())
    return np.asarray(out, dtype=np.int64)


def write_preview(x: np.ndarray, out: str | os.PathLike, rows: list[tuple[str, np.ndarray]], title: str = "") -> Path:
    """Write a PNG grid: first row ``x`` (originals), then one row per ``(label, images)`` pair.

    Images are ``(n, h, w)`` or ``(n, h, w, c)`` floats in [0, 1]. Written to a temporary name then renamed.
    """
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    out = Path(out)
    all_rows = [("original", x)] + rows
    n = len(x)
    fig, axes = plt.subplots(len(all_rows), n, figsize=(1.3 * n + 1.2, 1.3 * len(all_rows) + 0.4), squeeze=False)
    for r, (label, images) in enumerate(all_rows):
        for c in range(n):
            ax = axes[r][c]
            img = np.clip(images[c], 0.0, 1.0)
            if img.ndim == 3 and img.shape[2] == 1:
                img = img[..., 0]
            ax.imshow(img, cmap="gray" if img.ndim == 2 else None, vmin=0.0, vmax=1.0, interpolation="nearest")
            ax.set_xticks([])
            ax.set_yticks([])
            if c == 0:
                ax.set_ylabel(label, fontsize=8)
    if title:
        fig.suptitle(title, fontsize=9)
    fig.tight_layout()
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        temp = out.parent / f".{out.name}.{uuid.uuid4().hex}.png"
        fig.savefig(temp, dpi=100, format="png")
        os.replace(temp, out)
    except OSError as exc:
        raise UserError(f"cannot write the preview '{out}' ({exc.strerror or exc}).",
                        "Choose a writable path with --out.") from None
    finally:
        plt.close(fig)
        if "temp" in locals() and temp.exists():
            temp.unlink()
    return out
