"""The compute floor: the matrix products of one epoch, timed on this machine now.

For the course's MLP (784 -> 128 -> 10) a training step on a batch of ``b`` samples does the
forward products ``(b, 784) @ (784, 128)`` and ``(b, 128) @ (128, 10)``, and about twice as
much again backward. With the usual rule (forward + backward ~ 3x the forward matmul FLOPs)::

    flops_per_epoch = 3 * 2 * (784*128 + 128*10) * n_train

This worker measures the throughput of exactly those shapes (both forward products, the two
weight gradients and the two input gradients: 3x the forward FLOPs) at the course's batch size,
with 1 thread and with every core, keeping the best (each the best of 5 timings of 200 steps, so
that a moment of load from elsewhere does not count); ``floor_seconds = flops_per_epoch /
throughput``. It is a lower bound for any loop that does the same arithmetic in float32 with the
same library, and ignores the element-wise work (bias, ReLU, softmax, Adam), which is small here.

    python benchmarks/floor.py numpy --data DIR --out floor_numpy.json --batch-sizes 32 64
    python benchmarks/floor.py torch --data DIR --out floor_torch.json --batch-sizes 32 64
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import peak_rss_mb, write_result  # noqa: E402

LAYERS = ((784, 128), (128, 10))
SAMPLE_STEPS = 200


def forward_flops_per_sample(layers=LAYERS) -> int:
    """Multiply-adds x 2 of the dense layers' forward products, for one sample."""
    return sum(2 * fan_in * fan_out for fan_in, fan_out in layers)


def step_shapes(b: int, layers=LAYERS) -> list[tuple[tuple[int, int], tuple[int, int]]]:
    """The ``(m, k) @ (k, n)`` operand shapes of one training step on a batch of ``b``: 3x the forward FLOPs."""
    shapes = []
    for fan_in, fan_out in layers:
        shapes.append(((b, fan_in), (fan_in, fan_out)))     # forward: x @ W
        shapes.append(((fan_in, b), (b, fan_out)))          # weight gradient: x.T @ dy
        shapes.append(((b, fan_out), (fan_out, fan_in)))    # input gradient: dy @ W.T
    return shapes


def time_steps(matmul, operands, steps: int, repeats: int = 5) -> float:
    """Best of ``repeats`` timings of ``steps`` training steps' worth of products (seconds per step)."""
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        for _ in range(steps):
            for a, b in operands:
                matmul(a, b)
        best = min(best, (time.perf_counter() - t0) / steps)
    return best


def measure(lib: str, batch_sizes: list[int], n_train: int, thread_counts: list[int]) -> dict:
    """Throughput (GFLOP/s) of one epoch's products per batch size and thread count, and the floor."""
    rng = np.random.default_rng(0)
    if lib == "torch":
        import torch

        def set_threads(t):
            torch.set_num_threads(t)

        def make(shape):
            return torch.from_numpy(rng.standard_normal(shape, dtype=np.float32))

        def matmul(a, b):
            return torch.mm(a, b)
        version = torch.__version__
    else:
        from threadpoolctl import threadpool_limits

        def set_threads(t):
            set_threads.limit = threadpool_limits(limits=t)

        def make(shape):
            return rng.standard_normal(shape, dtype=np.float32)

        matmul = np.matmul
        version = np.__version__
    flops_epoch = 3 * forward_flops_per_sample() * n_train
    out = {"lib": lib, "version": version, "n_train": n_train, "flops_per_epoch": flops_epoch, "batch": {}}
    for b in batch_sizes:
        operands = [(make(sa), make(sb)) for sa, sb in step_shapes(b)]
        step_flops = sum(2 * sa[0] * sa[1] * sb[1] for sa, sb in step_shapes(b))
        per_threads = {}
        for t in thread_counts:
            set_threads(t)
            time_steps(matmul, operands, 50, repeats=1)                 # warm-up
            per_step = time_steps(matmul, operands, SAMPLE_STEPS)       # best of 5 samples of 200 steps
            per_threads[str(t)] = step_flops / per_step / 1e9
        best_threads, gflops = max(per_threads.items(), key=lambda kv: kv[1])
        out["batch"][str(b)] = {"gflops_by_threads": per_threads, "best_threads": int(best_threads),
                                "gflops": gflops, "floor_seconds": flops_epoch / (gflops * 1e9)}
    return out


def main(argv=None) -> int:
    import argparse

    p = argparse.ArgumentParser(description="Matmul throughput of the course MLP's shapes, and the compute floor.")
    p.add_argument("lib", choices=["numpy", "torch"])
    p.add_argument("--data", type=Path, required=True, help="folder written by prepare_data (for n_train)")
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--batch-sizes", type=int, nargs="+", default=[32, 64])
    p.add_argument("--launch", type=float, default=None)
    args = p.parse_args(argv)
    n_train = json.loads((args.data / "data.json").read_text(encoding="utf-8"))["n_train"]
    threads = sorted({1, os.cpu_count() or 1})
    result = measure(args.lib, args.batch_sizes, n_train, threads)
    write_result(args.out, {**result, "name": "floor", "peak_rss_mb": peak_rss_mb()})
    return 0


if __name__ == "__main__":
    sys.exit(main())
