"""The compute floor: the products of one epoch (matrix products, convolutions), timed on this machine now.

MLP (``--model mlp``, the default)
----------------------------------

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

CNN (``--model cnn``)
---------------------

The layers of ``configs/mnist_cnn.yaml``, traced by dlcourse (``ModelSpec.trace`` on a ``(28, 28)``
grey sample). Its products are the two convolutions and the dense layer; per sample, forward::

    conv2d 32 3x3 on (28, 28, 1)  -> (26, 26, 32):  26*26*32 * 3*3*1   =   194,688 multiply-adds
    conv2d 64 3x3 on (13, 13, 32) -> (11, 11, 64):  11*11*64 * 3*3*32  = 2,230,272
    dense 10 on (1600,)                          :  1600*10            =    16,000
                                                                     F = 2,440,960

A training step computes each product forward, its weight gradient (the same multiply-adds) and
its input gradient (the same again), except the first layer's input gradient, which no loop
computes (the images need no gradient). So, counted exactly::

    flops_per_epoch = 2 * (3 * F - 194,688) * n_train

Pooling, ReLU, dropout, bias, softmax and Adam are element-wise and left out (a few percent of
the work), so the floor is a lower bound. The throughput is measured on exactly those
operations at the benchmark's batch size: forward, weight gradient and input gradient of each
layer, on random inputs of the layer's shapes, chained in order, with the framework's own
kernels (the ones its training loops call):

- ``torch``: ``F.conv2d`` / ``F.linear`` (channels-first) and ``torch.autograd.grad``, with 1
  thread and with every core;
- ``tensorflow``: ``tf.nn.conv2d`` / ``tf.matmul`` (channels-last) and ``tf.GradientTape`` in one
  ``tf.function`` per step, on ``tf.Variable`` inputs (nothing for graph optimisation to fold),
  with TensorFlow's default threads (its thread pools are fixed once it has started).

Each is the best of 5 timings of about half a second of steps (at least 3 steps), after a warm-up;
``floor_seconds = flops_per_epoch / throughput``. NumPy has no convolution, so the CNN floor is
measured with the two frameworks only.

    python benchmarks/floor.py torch --model cnn --data DIR --out floor_cnn_torch.json --batch-sizes 64
    python benchmarks/floor.py tensorflow --model cnn --data DIR --out floor_cnn_tf.json --batch-sizes 64
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
CNN_CONFIG = "mnist_cnn"                      # a shipped config (configs/mnist_cnn.yaml)
CNN_INPUT = (28, 28)                          # one MNIST sample, grey
CNN_SAMPLE_SECONDS = 0.5                      # length of one timing sample of the CNN's steps


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


# ----------------------------------------------------------------------------- CNN
def cnn_products(config: str = CNN_CONFIG, input_shape: tuple[int, ...] = CNN_INPUT) -> list[dict]:
    """The product layers (conv2d, dense) of a shipped config, traced by dlcourse for one sample.

    Each item: ``type``; ``input`` (``(h, w, c)`` for a convolution, ``(features,)`` for dense);
    ``output``; ``multiply_adds`` (forward, one sample); for a convolution also ``kernel (kh, kw)``,
    ``stride (sh, sw)`` and ``padding ((top, bottom), (left, right))``.
    """
    from dlcourse.config import ModelSpec, read_yaml, resolve_config_path
    from dlcourse.models.layers import pair

    spec = ModelSpec.model_validate(read_yaml(resolve_config_path(config))["model"])
    products = []
    for t in spec.trace(input_shape):
        if t.layer.type == "conv2d":
            products.append({"type": "conv2d", "input": t.image_input, "output": t.output_shape,
                             "kernel": pair(t.layer.kernel_size), "stride": pair(t.layer.stride),
                             "padding": t.layer.padding_pairs(t.image_input), "multiply_adds": t.multiply_adds})
        elif t.layer.type == "dense":
            products.append({"type": "dense", "input": t.input_shape, "output": t.output_shape,
                             "multiply_adds": t.multiply_adds})
    return products


def cnn_step_flops_per_sample(products: list[dict]) -> int:
    """FLOPs (2 per multiply-add) of one sample's training step: forward, weight gradients, and input
    gradients of every product layer but the first."""
    forward = sum(p["multiply_adds"] for p in products)
    return 2 * (3 * forward - products[0]["multiply_adds"])


def torch_cnn_step(products: list[dict], b: int, rng: np.random.Generator):
    """A function running one step's products for a batch of ``b`` with PyTorch (channels-first, float32)."""
    import torch
    import torch.nn.functional as F

    def make(shape, grad=True):
        return torch.from_numpy(rng.standard_normal(shape, dtype=np.float32)).requires_grad_(grad)

    ops = []
    for i, p in enumerate(products):
        if p["type"] == "conv2d":
            (h, w, c), (oh, ow, f), (kh, kw) = p["input"], p["output"], p["kernel"]
            (top, bottom), (left, right) = p["padding"]
            x = make((b, c, h, w), grad=i > 0)                  # (b, c, h, w)
            weight, bias, dy = make((f, c, kh, kw)), make((f,)), make((b, f, oh, ow), grad=False)
            symmetric = (top, left) == (bottom, right)

            def forward(x=x, weight=weight, bias=bias, stride=p["stride"], pads=(left, right, top, bottom),
                        symmetric=symmetric):
                if symmetric:
                    return F.conv2d(x, weight, bias, stride, padding=(pads[2], pads[0]))
                return F.conv2d(F.pad(x, pads), weight, bias, stride)
        else:
            (n_in,), (n_out,) = p["input"], p["output"]
            x = make((b, n_in), grad=i > 0)                     # (b, in)
            weight, bias, dy = make((n_out, n_in)), make((n_out,)), make((b, n_out), grad=False)

            def forward(x=x, weight=weight, bias=bias):
                return F.linear(x, weight, bias)
        ops.append((forward, [x, weight, bias] if i > 0 else [weight, bias], dy))

    def step():
        for forward, inputs, dy in ops:
            torch.autograd.grad(forward(), inputs, dy)
    return step


def tensorflow_cnn_step(products: list[dict], b: int, rng: np.random.Generator):
    """A function running one step's products for a batch of ``b`` with TensorFlow (channels-last, float32)."""
    import tensorflow as tf

    def make(shape):
        return tf.Variable(rng.standard_normal(shape, dtype=np.float32))

    layers = []
    for i, p in enumerate(products):
        if p["type"] == "conv2d":
            (h, w, c), (oh, ow, f), (kh, kw) = p["input"], p["output"], p["kernel"]
            (top, bottom), (left, right) = p["padding"]
            padding = "VALID" if (top, bottom, left, right) == (0, 0, 0, 0) else \
                [[0, 0], [top, bottom], [left, right], [0, 0]]
            x, weight, bias, dy = make((b, h, w, c)), make((kh, kw, c, f)), make((f,)), make((b, oh, ow, f))

            def forward(x, weight, bias, stride=(1, *p["stride"], 1), padding=padding):
                return tf.nn.bias_add(tf.nn.conv2d(x, weight, stride, padding), bias)
        else:
            (n_in,), (n_out,) = p["input"], p["output"]
            x, weight, bias, dy = make((b, n_in)), make((n_in, n_out)), make((n_out,)), make((b, n_out))

            def forward(x, weight, bias):
                return tf.nn.bias_add(tf.matmul(x, weight), bias)
        layers.append((forward, x, weight, bias, dy, i > 0))

    @tf.function(autograph=False)
    def step():
        done, grads = [], []
        for forward, x, weight, bias, dy, input_grad in layers:
            with tf.control_dependencies(done):             # layer after layer, as in a training step
                xv, wv, bv = x.read_value(), weight.read_value(), bias.read_value()
                with tf.GradientTape() as tape:
                    tape.watch([xv, wv, bv] if input_grad else [wv, bv])
                    y = forward(xv, wv, bv)
                done = tape.gradient(y, [xv, wv, bv] if input_grad else [wv, bv], output_gradients=dy.read_value())
            grads += done
        return grads                                         # returned, so that nothing is pruned
    return step


def time_cnn_steps(step, repeats: int = 5) -> float:
    """Best of ``repeats`` timings of about ``CNN_SAMPLE_SECONDS`` of steps (seconds per step); one warm-up first."""
    t0 = time.perf_counter()
    step()
    step()
    single = max((time.perf_counter() - t0) / 2, 1e-6)
    steps = max(3, int(CNN_SAMPLE_SECONDS / single))
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        for _ in range(steps):
            step()
        best = min(best, (time.perf_counter() - t0) / steps)
    return best


def measure_cnn(lib: str, batch_sizes: list[int], n_train: int, thread_counts: list[int]) -> dict:
    """Throughput (GFLOP/s) of the CNN's training-step products per batch size and thread count, and the floor."""
    rng = np.random.default_rng(0)
    products = cnn_products()
    if lib == "torch":
        import torch

        make_step, version = torch_cnn_step, torch.__version__

        def set_threads(t):
            torch.set_num_threads(t)
    else:
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
        import tensorflow as tf

        make_step, version = tensorflow_cnn_step, tf.__version__
        thread_counts = [os.cpu_count() or 1]                # TensorFlow's default pools, fixed at start-up

        def set_threads(t):
            pass
    per_sample = cnn_step_flops_per_sample(products)
    flops_epoch = per_sample * n_train
    out = {"lib": lib, "version": version, "model": "cnn", "config": CNN_CONFIG, "n_train": n_train,
           "products": products, "forward_multiply_adds_per_sample": sum(p["multiply_adds"] for p in products),
           "step_flops_per_sample": per_sample, "flops_per_epoch": flops_epoch,
           "counting": "2 FLOPs per multiply-add; forward + weight gradients + input gradients of every product "
                       "layer but the first (3x forward minus the first layer's input gradient); element-wise "
                       "work left out", "batch": {}}
    for b in batch_sizes:
        step = make_step(products, b, rng)
        per_threads = {}
        for t in thread_counts:
            set_threads(t)
            per_threads[str(t)] = per_sample * b / time_cnn_steps(step) / 1e9
        best_threads, gflops = max(per_threads.items(), key=lambda kv: kv[1])
        out["batch"][str(b)] = {"gflops_by_threads": per_threads, "best_threads": int(best_threads),
                                "gflops": gflops, "floor_seconds": flops_epoch / (gflops * 1e9)}
    return out


def main(argv=None) -> int:
    import argparse

    p = argparse.ArgumentParser(description="Throughput of a model's product shapes, and the compute floor.")
    p.add_argument("lib", choices=["numpy", "torch", "tensorflow"],
                   help="MLP: numpy or torch matmul; CNN: torch or tensorflow kernels")
    p.add_argument("--model", choices=["mlp", "cnn"], default="mlp",
                   help="the course's MLP, or the CNN of configs/mnist_cnn.yaml")
    p.add_argument("--data", type=Path, required=True, help="folder written by prepare_data (for n_train)")
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--batch-sizes", type=int, nargs="+", default=[32, 64])
    p.add_argument("--launch", type=float, default=None)
    args = p.parse_args(argv)
    if (args.model, args.lib) in (("mlp", "tensorflow"), ("cnn", "numpy")):
        p.error(f"the {args.model.upper()} floor is measured with "
                f"{'numpy or torch' if args.model == 'mlp' else 'torch or tensorflow'}, not {args.lib}")
    n_train = json.loads((args.data / "data.json").read_text(encoding="utf-8"))["n_train"]
    threads = sorted({1, os.cpu_count() or 1})
    measure_fn = measure_cnn if args.model == "cnn" else measure
    result = measure_fn(args.lib, args.batch_sizes, n_train, threads)
    write_result(args.out, {**result, "name": "floor", "peak_rss_mb": peak_rss_mb()})
    return 0


if __name__ == "__main__":
    sys.exit(main())
