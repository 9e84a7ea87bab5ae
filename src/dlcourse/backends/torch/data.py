"""PyTorch input pipelines from NumPy arrays: ``Dataset``/``DataLoader``, seeded shuffling, augmentation.

Mirrors ``dlcourse.backends.tensorflow.data``. Batches keep the NumPy layout
(``(b, h, w)`` or channels-last ``(b, h, w, c)``, float32), so the same models
receive the same tensors whichever pipeline fed them; augmentation converts to
channels-first internally for :mod:`torchvision.transforms.v2`.
"""

from __future__ import annotations

import numpy as np
import torch
from torch.utils.data import BatchSampler, DataLoader, SequentialSampler
from dlcourse.data.augment import AugmentSpec, image_layout


def build_augmentation(spec: AugmentSpec, image_shape: tuple[int, ...]):
    """The spec as a ``torchvision.transforms.v2.Compose`` on one ``(c, h, w)`` float tensor in [0, 1].

    torchvision is imported here, not with the module: its import (about 1.7 s, through its detection
    models) is paid only by a run that augments.
    """
    from torchvision.transforms import v2

    h, w, _ = image_layout(tuple(image_shape))
    ops: list = []
    if spec.rotation or spec.shift or spec.zoom:
        ops.append(v2.RandomAffine(degrees=spec.rotation, translate=(spec.shift, spec.shift) if spec.shift else None,
                                   scale=(1 - spec.zoom, 1 + spec.zoom) if spec.zoom else None,
                                   interpolation=v2.InterpolationMode.BILINEAR, fill=0.0))
    if spec.crop:
        ops.append(v2.RandomCrop((h, w), padding=spec.crop, fill=0.0))
    if spec.flip:
        ops.append(v2.RandomHorizontalFlip(0.5))
    if spec.erasing:
        ops.append(v2.RandomErasing(p=spec.erasing, scale=(0.02, 0.2), value=0.0))
    if spec.noise:
        ops.append(v2.GaussianNoise(mean=0.0, sigma=spec.noise, clip=False))
    return v2.Compose(ops or [v2.Identity()])


def _to_chw(x: torch.Tensor, ndim: int) -> torch.Tensor:
    """One sample ``(h, w)`` or ``(h, w, c)`` -> ``(c, h, w)``."""
    return x.unsqueeze(0) if ndim == 2 else x.permute(2, 0, 1)


def _from_chw(x: torch.Tensor, ndim: int) -> torch.Tensor:
    return x.squeeze(0) if ndim == 2 else x.permute(1, 2, 0)


class ArrayDataset(torch.utils.data.Dataset):
    """``x: (n, *shape) float32`` and ``y: (n,) int64`` or ``(n, k) float32`` held as tensors.

    Indexed with a list of indices it returns a whole batch at once (one tensor indexing, no
    per-sample Python work): the in-memory fast path. With ``transform`` (augmentation), each
    sample is transformed on its own so that every image gets its own random draw.
    """

    def __init__(self, x: np.ndarray, y: np.ndarray, transform=None):
        self.x = torch.as_tensor(np.ascontiguousarray(x, dtype=np.float32))
        self.y = torch.as_tensor(np.ascontiguousarray(y))
        self.transform = transform
        self._ndim = self.x.ndim - 1

    def __len__(self) -> int:
        return len(self.x)

    def _apply(self, xb: torch.Tensor) -> torch.Tensor:
        if self.transform is None:
            return xb
        return torch.stack([_from_chw(self.transform(_to_chw(s, self._ndim)), self._ndim) for s in xb])

    def __getitem__(self, index):
        if isinstance(index, (list, torch.Tensor, np.ndarray)):
            idx = torch.as_tensor(index, dtype=torch.int64)
            return self._apply(self.x[idx]), self.y[idx]
        return self._apply(self.x[index:index + 1])[0], self.y[index]


class EpochPermutation(torch.utils.data.Sampler):
    """One ``torch.randperm(n, generator=generator)`` per epoch, nothing else drawn from the generator.

    (``RandomSampler`` draws a second, empty permutation each epoch, so its batches would differ from
    a loop that calls ``randperm`` once per epoch with the same seeded generator.)
    """

    def __init__(self, n: int, generator: torch.Generator | None = None, order=None):
        self.n, self.generator, self.order, self.epoch = n, generator, order, 0

    def __len__(self) -> int:
        return self.n

    def __iter__(self):
        self.epoch += 1
        if self.order is not None:                       # e.g. dlcourse.data.batches.epoch_order
            return iter(np.asarray(self.order(self.epoch), dtype=np.int64).tolist())
        return iter(torch.randperm(self.n, generator=self.generator).tolist())


def make_loader(x: np.ndarray, y: np.ndarray, batch_size: int, shuffle: bool = True, seed: int = 0,
                augment: AugmentSpec | str | dict | None = None, drop_last: bool = False,
                order=None) -> DataLoader:
    """A ``DataLoader`` of ``(xb (b, *shape) float32, yb)`` batches.

    Shuffling draws a new permutation each epoch from a generator seeded with ``seed``, so two
    loaders made with the same seed give the same batches, and the same batches as the explicit
    loop ``torch.randperm(n, generator=torch.Generator().manual_seed(seed))`` once per epoch. Batches are gathered with one
    tensor indexing per batch (``BatchSampler`` + batch indexing), no collation of single samples.
    ``order``: optional ``order(epoch) -> (n,) int64`` indices (epoch counted from 1), used in place
    of the torch permutation, e.g. ``lambda e: epoch_order(seed, e, n)`` so that both frameworks
    visit the same batches. Augmentation (``augment``, an :class:`AugmentSpec`) uses torch's global
    generator, which ``setup_runtime`` seeds.
    """
    spec = AugmentSpec.parse(augment)
    transform = build_augmentation(spec, x.shape[1:]) if spec.active else None
    dataset = ArrayDataset(x, y, transform)
    generator = torch.Generator().manual_seed(int(seed))
    base = EpochPermutation(len(dataset), generator, order) if shuffle or order else SequentialSampler(dataset)
    sampler = BatchSampler(base, batch_size=batch_size, drop_last=drop_last)
    return DataLoader(dataset, sampler=sampler, batch_size=None, num_workers=0)


def augment_batch(x: np.ndarray, spec: AugmentSpec | str | dict, seed: int = 0) -> np.ndarray:
    """Augment every image of ``x: (n, h, w[, c])`` once; returns the same shape, ``float32``.

    Uses a forked, seeded global generator so that the caller's random state is untouched.
    """
    spec = AugmentSpec.parse(spec)
    transform = build_augmentation(spec, x.shape[1:])
    ds = ArrayDataset(x, np.zeros(len(x), np.int64), transform)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(int(seed))
        out, _ = ds[list(range(len(x)))]
    return out.numpy().astype(np.float32, copy=False)


def batch_augmenter(spec: AugmentSpec | str | dict | None, feature_shape: tuple[int, ...]):
    """``f(xb) -> xb``: augment a ``(b, *feature_shape)`` float32 tensor, one random draw per image.

    Returns ``None`` when the spec asks for nothing (the loop then does no per-sample work).
    For a training loop that indexes batches itself: ``xb = augment(x[idx]) if augment else x[idx]``.
    """
    spec = AugmentSpec.parse(spec)
    if not spec.active:
        return None
    ds = ArrayDataset(np.zeros((1, *feature_shape), np.float32), np.zeros(1, np.int64),
                      build_augmentation(spec, tuple(feature_shape)))
    return ds._apply
