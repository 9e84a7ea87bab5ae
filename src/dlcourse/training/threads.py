"""Choosing the number of CPU threads for a run (``runtime.threads: auto``).

Splitting a small matrix product over several threads costs more in
synchronisation than it saves, and much more when other processes share the
cores. Measured on 2 cores with the course's MNIST MLP (784-128-10, 101,632
multiply-adds per image), seconds per 30 000 images, 1 thread / 2 threads:

=========  =================  =================
batch      PyTorch            Keras (compiled)
=========  =================  =================
64         1.70 / 1.57        0.79 / 0.80
128        1.22 / 1.01        0.65 / 0.49
=========  =================  =================

Below about 10 million multiply-adds per step (batch 64 here) a second thread
gains little and loses a lot on a busy machine; above it (batch 128 and more)
all cores pay off.
"""

from __future__ import annotations

import os

import numpy as np

# Multiply-adds of one forward pass of a mini-batch above which all cores are used.
PARALLEL_WORK = 10_000_000


def forward_work(model_spec, feature_shape: tuple[int, ...], batch_size: int) -> int:
    """Multiply-adds of the dense layers for one mini-batch's forward pass."""
    width = int(np.prod(feature_shape))
    total = 0
    for layer in model_spec.layers:
        if layer.type == "dense":
            total += width * layer.units
            width = layer.units
    return total * batch_size


def resolve_threads(config, feature_shape: tuple[int, ...]) -> tuple[int, str]:
    """``(threads, reason)`` for ``config.runtime.threads`` (a number, or ``auto``)."""
    if config.runtime.threads != "auto":
        return int(config.runtime.threads), "set in the config"
    cores = os.cpu_count() or 1
    work = forward_work(config.model, feature_shape, config.training.batch_size)
    if work < PARALLEL_WORK or cores == 1:
        return 1, f"auto: {work:,} multiply-adds per step is too little work to share between threads"
    return cores, f"auto: {work:,} multiply-adds per step, all {cores} cores"
