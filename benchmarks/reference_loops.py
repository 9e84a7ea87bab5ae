"""Minimal in-memory training loops: the yardstick a framework sets for this model on this machine.

``--model mlp`` (the default): the same MLP as the course (Flatten, Dense 128 relu, Dense 10
logits), the course's batch size (64 for PyTorch, 32 for Keras). ``--model cnn``: the CNN of
``configs/mnist_cnn.yaml`` (conv 32 3x3 relu valid, max pool 2, conv 64 3x3 relu, max pool 2,
flatten 1600, dropout 0.5, dense 10 logits), batch 64 in both frameworks. Either way: Adam lr 1e-3,
the whole training split held as one float32 tensor in memory and indexed per batch: no
per-sample Python work, no metric, no callback, framework defaults for everything else unless an
option says otherwise.

Run by ``bench_cpu.py``, one framework per process::

    python benchmarks/reference_loops.py torch --data DIR --epochs 5 --out result.json [--threads 1]
    python benchmarks/reference_loops.py tensorflow --data DIR --epochs 5 --out result.json [--threads 1]
    python benchmarks/reference_loops.py tensorflow --loop function --data DIR --epochs 5 --out result.json
    python benchmarks/reference_loops.py torch --model cnn --data DIR --epochs 5 --out result.json

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

#: Default batch size per model and framework: the course's for the MLP, the shipped config's for the CNN.
DEFAULT_BATCH = {"mlp": {"torch": 64, "tensorflow": 32}, "cnn": {"torch": 64, "tensorflow": 64}}
EVAL_CHUNK = 2000                                            # test samples per forward pass when evaluating


def torch_model(kind: str):
    """The ``nn.Sequential`` for ``kind``: MLP on ``(b, 784)``, CNN on ``(b, 1, 28, 28)``; ``(b, 10)`` logits."""
    from torch import nn

    if kind == "mlp":
        return nn.Sequential(nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 10))
    return nn.Sequential(
        nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2),         # (b, 32, 13, 13)
        nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2),        # (b, 64, 5, 5)
        nn.Flatten(), nn.Dropout(0.5), nn.Linear(64 * 5 * 5, 10))


def torch_loop(args) -> None:
    """``x`` as one float32 tensor in [0, 1] (MLP: ``(n, 784)``; CNN: ``(n, 1, 28, 28)``) and ``y (n,) int64``;
    one random permutation per epoch."""
    import torch
    from torch import nn

    clock = EpochClock(args, "reference", "torch", args.batch_size or DEFAULT_BATCH[args.model]["torch"])
    if args.threads:
        torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    (xtr, ytr), (xte, yte) = load_arrays(args.data)
    shape = (784,) if args.model == "mlp" else (1, 28, 28)
    x = torch.from_numpy(xtr.reshape(len(xtr), *shape)).float().div_(255.0)   # (n, *shape) float32
    y = torch.from_numpy(ytr.astype("int64"))                                  # (n,) int64
    xt = torch.from_numpy(xte.reshape(len(xte), *shape)).float().div_(255.0)
    yt = torch.from_numpy(yte.astype("int64"))
    model = torch_model(args.model)
    kwargs = {"foreach": True} if args.adam == "foreach" else {"fused": True} if args.adam == "fused" else {}
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3, **kwargs)
    loss_fn = nn.CrossEntropyLoss()
    n, bs = len(x), clock.batch_size

    def accuracy() -> float:
        model.eval()
        with torch.inference_mode():
            pred = torch.cat([model(xt[i:i + EVAL_CHUNK]).argmax(1) for i in range(0, len(xt), EVAL_CHUNK)])
        model.train()
        return float((pred == yt).float().mean())

    model.train()
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
    clock.finish(n_train=n, n_test=len(xt), threads=torch.get_num_threads(), adam=args.adam, model=args.model,
                 params=sum(p.numel() for p in model.parameters()), versions={"torch": torch.__version__})


def keras_model(kind: str):
    """The ``keras.Sequential`` for ``kind``: MLP on ``(b, 784)``, CNN on ``(b, 28, 28, 1)``; ``(b, 10)`` logits."""
    import keras

    if kind == "mlp":
        return keras.Sequential([keras.Input((784,)), keras.layers.Dense(128, activation="relu"),
                                 keras.layers.Dense(10)])
    return keras.Sequential([
        keras.Input((28, 28, 1)),
        keras.layers.Conv2D(32, 3, activation="relu"), keras.layers.MaxPooling2D(2),   # (b, 13, 13, 32)
        keras.layers.Conv2D(64, 3, activation="relu"), keras.layers.MaxPooling2D(2),   # (b, 5, 5, 64)
        keras.layers.Flatten(), keras.layers.Dropout(0.5), keras.layers.Dense(10)])


def keras_accuracy(model, xt, yte) -> float:
    """Test accuracy of ``model`` on ``xt (m, *shape) float32`` and ``yte (m,)``, in chunks, inference mode."""
    import numpy as np

    logits = [np.asarray(model(xt[i:i + EVAL_CHUNK], training=False)) for i in range(0, len(xt), EVAL_CHUNK)]
    return float((np.concatenate(logits).argmax(1) == yte).mean())


def _keras_setup(args, name: str):
    """Threads, seed, data and the model (``--model``) for a Keras reference loop.

    Returns ``(clock, x float32 in [0, 1], y (n,) int64, xt, yte, model)``; ``x`` is ``(n, 784)``
    for the MLP, ``(n, 28, 28, 1)`` for the CNN, ``xt`` likewise.
    """
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    os.environ.setdefault("KERAS_BACKEND", "tensorflow")
    import keras
    import numpy as np
    import tensorflow as tf

    clock = EpochClock(args, name, "tensorflow", args.batch_size or DEFAULT_BATCH[args.model]["tensorflow"])
    if args.threads:
        tf.config.threading.set_intra_op_parallelism_threads(args.threads)
        tf.config.threading.set_inter_op_parallelism_threads(args.threads)
    keras.utils.set_random_seed(args.seed)
    (xtr, ytr), (xte, yte) = load_arrays(args.data)
    shape = (784,) if args.model == "mlp" else (28, 28, 1)
    x = xtr.reshape(len(xtr), *shape).astype(np.float32) / np.float32(255.0)
    xt = xte.reshape(len(xte), *shape).astype(np.float32) / np.float32(255.0)
    return clock, x, ytr.astype(np.int64), xt, yte, keras_model(args.model)


def tensorflow_loop(args) -> None:
    """``model.fit`` on ``x`` float32 in [0, 1] (``(n, 784)`` or ``(n, 28, 28, 1)``), no metric, no progress bar;
    ``--spe`` sets steps_per_execution."""
    clock, x, y, xt, yte, model = _keras_setup(args, "reference")
    import keras
    import tensorflow as tf

    compile_kwargs = {}
    if args.spe:
        compile_kwargs["steps_per_execution"] = args.spe
    if args.jit != "auto":
        compile_kwargs["jit_compile"] = args.jit == "on"
    model.compile(optimizer=keras.optimizers.Adam(1e-3),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True), **compile_kwargs)

    model.fit(x, y, batch_size=clock.batch_size, epochs=args.epochs, verbose=0,
              callbacks=[clock.keras_callback(lambda model: keras_accuracy(model, xt, yte))])
    clock.finish(n_train=len(x), n_test=len(xt), threads=tf.config.threading.get_intra_op_parallelism_threads(),
                 steps_per_execution=args.spe or 1, jit_compile=args.jit, model=args.model, params=model.count_params(),
                 versions={"tensorflow": tf.__version__, "keras": keras.__version__})


def tensorflow_function_loop(args) -> None:
    """A hand-written ``tf.function`` loop over ``x`` float32 in [0, 1] (``(n, 784)`` or ``(n, 28, 28, 1)``) held as one tensor."""
    clock, x_np, y_np, xt, yte, model = _keras_setup(args, "reference_function")
    import keras
    import numpy as np
    import tensorflow as tf

    x, y = tf.constant(x_np), tf.constant(y_np)              # (n, *shape) float32, (n,) int64
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
        clock.epoch_end(lambda: keras_accuracy(model, xt, yte))
    clock.finish(n_train=n, n_test=len(xt), threads=tf.config.threading.get_intra_op_parallelism_threads(),
                 steps_per_call=per_call, model=args.model, params=model.count_params(),
                 versions={"tensorflow": tf.__version__, "keras": keras.__version__})


def main(argv=None) -> int:
    parser = worker_parser("A minimal in-memory training loop, timed.")
    parser.add_argument("framework", choices=["torch", "tensorflow"])
    parser.add_argument("--threads", type=int, default=0, help="intra-op threads (0: the framework's default)")
    parser.add_argument("--model", choices=["mlp", "cnn"], default="mlp",
                        help="the course's MLP, or the CNN of configs/mnist_cnn.yaml")
    parser.add_argument("--batch-size", type=int, default=0,
                        help="0: the model's default (MLP: 64 torch, 32 Keras; CNN: 64)")
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
