"""TensorFlow input pipelines from NumPy arrays: ``tf.data.Dataset``, seeded shuffling, augmentation.

Mirrors ``dlcourse.backends.torch.data``. Batches keep the NumPy layout
(``(b, h, w)`` or channels-last ``(b, h, w, c)``, float32). Augmentation uses
Keras preprocessing layers, applied to whole batches (each image still gets its
own random draw).
"""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf

from dlcourse.data.augment import AugmentSpec, image_layout


def build_augmentation(spec: AugmentSpec, image_shape: tuple[int, ...], seed: int = 0) -> keras.Sequential:
    """The spec as Keras preprocessing layers on ``(b, h, w, c)`` float batches in [0, 1] (call with ``training=True``)."""
    h, w, _ = image_layout(tuple(image_shape))
    constant = {"fill_mode": "constant", "fill_value": 0.0, "interpolation": "bilinear"}
    layers: list = []
    if spec.rotation:
        layers.append(keras.layers.RandomRotation(spec.rotation / 360.0, seed=seed, **constant))
    if spec.shift:
        layers.append(keras.layers.RandomTranslation(spec.shift, spec.shift, seed=seed + 1, **constant))
    if spec.zoom:
        layers.append(keras.layers.RandomZoom((-spec.zoom, spec.zoom), seed=seed + 2, **constant))
    if spec.crop:
        layers += [keras.layers.ZeroPadding2D(spec.crop), keras.layers.RandomCrop(h, w, seed=seed + 3)]
    if spec.flip:
        layers.append(keras.layers.RandomFlip("horizontal", seed=seed + 4))
    if spec.erasing:
        layers.append(keras.layers.RandomErasing(factor=(spec.erasing, spec.erasing), scale=(0.02, 0.2),
                                                 fill_value=0.0, value_range=(0.0, 1.0), seed=seed + 5))
    if spec.noise:
        layers.append(keras.layers.GaussianNoise(spec.noise, seed=seed + 6))
    return keras.Sequential(layers, name="augmentation")


def _augment_fn(spec: AugmentSpec, image_shape: tuple[int, ...], seed: int):
    """A function ``xb (b, h, w[, c]) -> same shape`` float32 applying the spec."""
    gray = len(image_shape) == 2
    if not spec.active:
        image_layout(tuple(image_shape))
        return lambda xb: tf.cast(xb, tf.float32)
    model = build_augmentation(spec, image_shape, seed)

    def apply(xb):
        xb = tf.cast(xb, tf.float32)
        xb = xb[..., None] if gray else xb
        out = model(xb, training=True)
        out = out[..., 0] if gray else out
        return tf.cast(out, tf.float32)

    apply.model = model                                      # its random state is saved with checkpoints
    return apply


def make_dataset(x: np.ndarray, y: np.ndarray, batch_size: int, shuffle: bool = True, seed: int = 0,
                 augment: AugmentSpec | str | dict | None = None, drop_last: bool = False) -> tf.data.Dataset:
    """A ``tf.data.Dataset`` of ``(xb (b, *shape) float32, yb)`` batches.

    The whole array is shuffled each epoch (``reshuffle_each_iteration``) from ``seed``;
    slices are batched in memory with no per-sample Python work; augmentation, if asked for,
    is one vectorised ``map`` over each batch.
    """
    spec = AugmentSpec.parse(augment)
    ds = tf.data.Dataset.from_tensor_slices((np.asarray(x, dtype=np.float32), np.asarray(y)))
    if shuffle:
        ds = ds.shuffle(len(x), seed=int(seed), reshuffle_each_iteration=True)
    ds = ds.batch(batch_size, drop_remainder=drop_last)
    if spec.active:
        fn = _augment_fn(spec, tuple(x.shape[1:]), int(seed))
        ds = ds.map(lambda xb, yb: (fn(xb), yb), num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
    return ds.prefetch(tf.data.AUTOTUNE)


def augment_batch(x: np.ndarray, spec: AugmentSpec | str | dict, seed: int = 0) -> np.ndarray:
    """Augment every image of ``x: (n, h, w[, c])`` once; returns the same shape, ``float32``."""
    spec = AugmentSpec.parse(spec)
    fn = _augment_fn(spec, tuple(x.shape[1:]), int(seed))
    return np.asarray(fn(tf.constant(np.asarray(x, dtype=np.float32)))).astype(np.float32, copy=False)


def batch_augmenter(spec: AugmentSpec | str | dict | None, feature_shape: tuple[int, ...], seed: int = 0):
    """``f(xb) -> xb``: augment a ``(b, *feature_shape)`` batch (tensor or array), one random draw per image.

    Returns ``None`` when the spec asks for nothing. For ``model.fit`` on arrays already put in
    the epoch's order: ``make_dataset(x[order], y[order], batch_size, shuffle=False, augment=spec)``.
    """
    spec = AugmentSpec.parse(spec)
    return _augment_fn(spec, tuple(feature_shape), int(seed)) if spec.active else None
