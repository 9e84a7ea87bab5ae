"""Minimal in-memory training loops: the yardstick a framework sets for this model on this machine.

The same MLP as the course (Flatten, Dense 128 relu, Dense 10 logits), Adam lr 1e-3, the
course's batch size (64 for PyTorch, 32 for Keras), the whole training split held as one
float32 tensor in memory and indexed per batch: no per-sample Python work, no metric, no
callback, framework defaults for everything else unless an option says otherwise.

Run by ``bench_cpu.py``, one framework per process::

    python benchmarks/reference_loops.py torch --data DIR --epochs 5 --out result.json [--threads 1]
    python benchmarks/reference_loops.py tensorflow --data DIR --epochs 5 --out result.json [--threads 1]
    python benchmarks/reference_loops.py tensorflow --loop function --data DIR --epochs 5 --out result.json

For Keras there are two minimal loops: ``fit`` on the arrays (``--loop fit``, the default), and
the smallest hand-written alternative (``--loop function``): a ``tf.function`` whose
``tf.while_loop`` runs 256 mini-batches per call (gather, forward, loss, gradient, Keras' own
``Adam.apply``) over the split held as one tensor.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import EpochClock, load_arrays, worker_parser  # noqa: E402


def torch_loop(args) -> None:
    """``x (n, 784) float32`` in [0, 1] and ``y (n,) int64`` as tensors; one random permutation per epoch."""
    import torch
    from torch import nn

    clock = EpochClock(args, "reference", "torch", args.batch_size or 64)
    if args.threads:
        torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    (xtr, ytr), (xte, yte) = load_arrays(args.data)
    x = torch.from_numpy(xtr.reshape(len(xtr), -1)).float().div_(255.0)     # (n, 784) float32
    y = torch.from_numpy(ytr.astype("int64"))                                  # (n,) int64
    xt = torch.from_numpy(xte.reshape(len(xte), -1)).float().div_(255.0)
    yt = torch.from_numpy(yte.astype("int64"))
    model = nn.Sequential(nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 10))
    kwargs = {"foreach": True} if args.adam == "foreach" else {"fused": True} if args.adam == "fused" else {}
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3, **kwargs)
    loss_fn = nn.CrossEntropyLoss()
    n, bs = len(x), clock.batch_size

    def accuracy() -> float:
        with torch.inference_mode():
            return float((model(xt).argmax(1) == yt).float().mean())

    for _ in range(args.epochs):
        clock.epoch_start()
        order = torch.randperm(n)
        for i in range(0, n, bs):
            idx = order[i:i + bs]
            loss = loss_fn(model(x[idx]), y[idx])
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            clock.step()
        clock.epoch_end(accuracy)
    clock.finish(n_train=n, n_test=len(xt), threads=torch.get_num_threads(), adam=args.adam,
                 versions={"torch": torch.__version__})


def _keras_setup(args, name: str):
    """Threads, seed, data and the course's model for a Keras reference loop.

    Returns ``(clock, x (n, 784) float32 in [0, 1], y (n,) int64, xt, yte, model)``.
    """
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    os.environ.setdefault("KERAS_BACKEND", "tensorflow")
    import keras
    import numpy as np
    import tensorflow as tf

    clock = EpochClock(args, name, "tensorflow", args.batch_size or 32)
    if args.threads:
        tf.config.threading.set_intra_op_parallelism_threads(args.threads)
        tf.config.threading.set_inter_op_parallelism_threads(args.threads)
    keras.utils.set_random_seed(args.seed)
    (xtr, ytr), (xte, yte) = load_arrays(args.data)
    x = xtr.reshape(len(xtr), -1).astype(np.float32) / np.float32(255.0)
    xt = xte.reshape(len(xte), -1).astype(np.float32) / np.float32(255.0)
    model = keras.Sequential([keras.Input((784,)), keras.layers.Dense(128, activation="relu"), keras.layers.Dense(10)])
    return clock, x, ytr.astype(np.int64), xt, yte, model


def tensorflow_loop(args) -> None:
    """``model.fit`` on ``x (n, 784) float32`` in [0, 1], no metric, no progress bar; ``--spe`` sets steps_per_execution."""
    clock, x, y, xt, yte, model = _keras_setup(args, "reference")
    import keras
    import numpy as np
    import tensorflow as tf

    compile_kwargs = {}
    if args.spe:
        compile_kwargs["steps_per_execution"] = args.spe
    if args.jit != "auto":
        compile_kwargs["jit_compile"] = args.jit == "on"
    model.compile(optimizer=keras.optimizers.Adam(1e-3),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True), **compile_kwargs)

    class Clock(keras.callbacks.Callback):
        async_safe = True

        def on_epoch_begin(self, epoch, logs=None):
            clock.epoch_start()

        def on_train_batch_end(self, batch, logs=None):
            clock.step()

        def on_epoch_end(self, epoch, logs=None):
            clock.epoch_end(lambda: float((np.asarray(self.model(xt, training=False)).argmax(1) == yte).mean()))

    model.fit(x, y, batch_size=clock.batch_size, epochs=args.epochs, verbose=0, callbacks=[Clock()])
    clock.finish(n_train=len(x), n_test=len(xt), threads=tf.config.threading.get_intra_op_parallelism_threads(),
                 steps_per_execution=args.spe or 1, jit_compile=args.jit,
                 versions={"tensorflow": tf.__version__, "keras": keras.__version__})


def tensorflow_function_loop(args) -> None:
    """A hand-written ``tf.function`` loop over ``x (n, 784) float32`` in [0, 1] held as one tensor."""
    clock, x_np, y_np, xt, yte, model = _keras_setup(args, "reference_function")
    import keras
    import numpy as np
    import tensorflow as tf

    x, y = tf.constant(x_np), tf.constant(y_np)              # (n, 784) float32, (n,) int64
    optimizer = keras.optimizers.Adam(1e-3)
    optimizer.build(model.trainable_variables)
    loss_fn = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    n, bs, per_call = len(x_np), clock.batch_size, 256

    @tf.function(input_signature=[tf.TensorSpec([None], tf.int64)])
    def run(idx):                                            # idx: (m,) rows, m <= per_call * bs
        for i in tf.range((tf.shape(idx)[0] + bs - 1) // bs):
            batch = idx[i * bs:(i + 1) * bs]
            with tf.GradientTape() as tape:
                loss = loss_fn(tf.gather(y, batch), model(tf.gather(x, batch), training=True))
            optimizer.apply(tape.gradient(loss, model.trainable_variables), model.trainable_variables)
        return loss

    rng = np.random.default_rng(args.seed)
    for _ in range(args.epochs):
        clock.epoch_start()
        order = rng.permutation(n)
        for start in range(0, n, per_call * bs):
            run(order[start:start + per_call * bs]).numpy()
            clock.step()
        clock.epoch_end(lambda: float((np.asarray(model(xt, training=False)).argmax(1) == yte).mean()))
    clock.finish(n_train=n, n_test=len(xt), threads=tf.config.threading.get_intra_op_parallelism_threads(),
                 steps_per_call=per_call, versions={"tensorflow": tf.__version__, "keras": keras.__version__})


def main(argv=None) -> int:
    parser = worker_parser("A minimal in-memory training loop, timed.")
    parser.add_argument("framework", choices=["torch", "tensorflow"])
    parser.add_argument("--threads", type=int, default=0, help="intra-op threads (0: the framework's default)")
    parser.add_argument("--batch-size", type=int, default=0, help="0: the course's (64 torch, 32 Keras)")
    parser.add_argument("--adam", choices=["default", "foreach", "fused"], default="default", help="torch only")
    parser.add_argument("--spe", type=int, default=0, help="Keras steps_per_execution (0: Keras' default)")
    parser.add_argument("--jit", choices=["auto", "on", "off"], default="auto", help="Keras jit_compile")
    parser.add_argument("--loop", choices=["fit", "function"], default="fit",
                        help="Keras only: model.fit, or a hand-written tf.function loop")
    args = parser.parse_args(argv)
    if args.framework == "torch":
        torch_loop(args)
    elif args.loop == "function":
        tensorflow_function_loop(args)
    else:
        tensorflow_loop(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
