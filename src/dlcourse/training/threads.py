"""Choosing the number of CPU threads for a run (``runtime.threads: auto``).

Splitting a small matrix product over several threads costs more in
synchronisation than it saves, and much more when other processes share the
cores. Measured on 2 cores with the course's MNIST MLP (784-128-10, 101,632
multiply-adds per image), seconds per 60 000 images, 1 thread / 2 threads
(``benchmarks/bench_cpu.py`` and the same loops with ``runtime.threads`` set):

=========  ===================  ===================
batch      PyTorch              Keras (compiled)
=========  ===================  ===================
32         -                    2.2 / 2.1
64         3.2 / 2.4 (ref.)     1.6 / 1.6
128        2.4 / 2.0            1.3 / 1.0
=========  ===================  ===================

Below about 5 million multiply-adds per step (batch 32 here) a second thread
gains little and loses a lot on a busy machine; above it all cores pay off.
"""

from __future__ import annotations

import os

# Multiply-adds of one forward pass of a mini-batch above which all cores are used.
PARALLEL_WORK = 5_000_000


def forward_work(model_spec, feature_shape: tuple[int, ...], batch_size: int) -> int:
    """Multiply-adds of one mini-batch's forward pass, every layer counted (:mod:`dlcourse.models.layers`)."""
    return model_spec.multiply_adds(tuple(feature_shape)) * batch_size


def resolve_threads(config, feature_shape: tuple[int, ...]) -> tuple[int, str]:
    """``(threads, reason)`` for ``config.runtime.threads`` (a number, or ``auto``)."""
    if config.runtime.threads != "auto":
        return int(config.runtime.threads), "set in the config"
    processes = int(os.environ.get("LOCAL_WORLD_SIZE", 1) or 1)       # torchrun's processes on this machine
    cores = max((os.cpu_count() or 1) // processes, 1)
    work = forward_work(config.model, feature_shape, config.training.batch_size)
    if work < PARALLEL_WORK or cores == 1:
        return 1, f"auto: {work:,} multiply-adds per step is too little work to share between threads"
    share = f" (the cores divided between {processes} processes)" if processes > 1 else ""
    return cores, f"auto: {work:,} multiply-adds per step, all {cores} cores{share}"
