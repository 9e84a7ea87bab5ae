"""Seeds, threads and determinism for TensorFlow/Keras."""

from __future__ import annotations

import os
import sys

import tempfile
from contextlib import contextmanager

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
if "torch" in sys.modules:
    # torch's optimizers import torch._dynamo, whose native library crashes the process
    # when it loads after TensorFlow's: load it first.
    import torch._dynamo  # noqa: F401


@contextmanager
def _native_stderr_held():
    """Hold what native code writes on stderr (TensorFlow's start-up lines about CUDA drivers,
    which no setting silences); show it only if the block fails. ``DLCOURSE_TF_LOGS=1`` shows it always."""
    if os.environ.get("DLCOURSE_TF_LOGS") == "1":
        yield
        return
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile() as held:
        os.dup2(held.fileno(), 2)
        try:
            yield
        except BaseException:
            os.dup2(saved, 2)
            held.seek(0)
            sys.stderr.write(held.read().decode(errors="replace"))
            raise
        finally:
            os.dup2(saved, 2)
            os.close(saved)


with _native_stderr_held():
    import keras  # noqa: E402
    import tensorflow as tf  # noqa: E402

    tf.config.list_physical_devices("GPU")                 # device discovery logs here too

_configured = False


def setup_runtime(seed: int, threads: int | str = "auto", deterministic: bool = True) -> dict:
    """Seed Python, NumPy and TensorFlow, fix the thread pools and (optionally) op determinism.

    Thread pools can only be set before TensorFlow runs its first op; later calls keep the first values.
    """
    global _configured
    n = (os.cpu_count() or 1) if threads == "auto" else int(threads)
    if not _configured:
        try:
            tf.config.threading.set_intra_op_parallelism_threads(n)
            tf.config.threading.set_inter_op_parallelism_threads(min(n, 2))
        except RuntimeError:
            pass
        _configured = True
    keras.utils.set_random_seed(seed)
    if deterministic:
        tf.config.experimental.enable_op_determinism()
    return {"threads": tf.config.threading.get_intra_op_parallelism_threads() or n,
            "deterministic": deterministic, "seed": seed}


def versions() -> dict:
    return {"tensorflow": tf.__version__, "keras": keras.__version__,
            "gpus": len(tf.config.list_physical_devices("GPU"))}
