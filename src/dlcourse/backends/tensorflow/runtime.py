"""Seeds, threads and determinism for TensorFlow/Keras."""

from __future__ import annotations

import os
import sys

import tempfile
from contextlib import contextmanager

from dlcourse.errors import UserError

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
if "torch" in sys.modules:
    from dlcourse.frameworks import triton_installed

    if triton_installed():
        # torch's optimizers import torch._dynamo, which loads triton's native library; that crashes
        # the process when it comes after TensorFlow's: load it first (see frameworks.triton_installed).
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
#: The ``tf.distribute`` strategy of this process's run (``None``: the default, one device).
STRATEGY = None
POLICIES = {"32": "float32", "bf16": "mixed_bfloat16", "16-mixed": "mixed_float16"}


def _devices(device: str, distribution: str, cpu_replicas: int) -> str:
    """Make the asked-for devices visible (before TensorFlow's first op); returns the device in words."""
    gpus = tf.config.list_physical_devices("GPU")
    if device == "mps":
        raise UserError("--device mps: TensorFlow has no MPS device (on a Mac, the tensorflow-metal plug-in "
                        "shows the GPU as a GPU).", "Use --device auto or --device cpu with TensorFlow.")
    if device == "cuda" and not gpus:
        raise UserError("--device cuda: TensorFlow finds no GPU on this machine.",
                        "Use --device cpu, or --device auto to take what is there.")
    try:
        if device == "cpu" and gpus:
            tf.config.set_visible_devices([], "GPU")
        if cpu_replicas > 1 and (device == "cpu" or not gpus):
            cpu = tf.config.list_physical_devices("CPU")[0]
            tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * cpu_replicas)
    except RuntimeError:                                  # already initialised in this process: keep what is there
        pass
    return "cuda" if gpus and device != "cpu" else "cpu"


def _strategy(distribution: str, where: str):
    if distribution == "none":
        return None
    if distribution == "mirrored":
        kind = "GPU" if where == "cuda" else "CPU"
        names = [d.name for d in tf.config.list_logical_devices(kind)]
        return tf.distribute.MirroredStrategy(devices=names)
    if "TF_CONFIG" not in os.environ:
        raise UserError("runtime.distribution: multi_worker needs the TF_CONFIG environment variable (the cluster's "
                        "workers and this one's index).", "Set TF_CONFIG on each machine, or use distribution: mirrored.")
    options = tf.distribute.experimental.CommunicationOptions(timeout_seconds=float(
        os.environ.get("DLCOURSE_DIST_TIMEOUT", 300)))
    return tf.distribute.MultiWorkerMirroredStrategy(communication_options=options)


def setup_runtime(seed: int, threads: int | str = "auto", deterministic: bool = True, device: str = "auto",
                  precision: str = "32", distribution: str = "none", cpu_replicas: int = 1) -> dict:
    """Seed Python, NumPy and TensorFlow, fix the thread pools and (optionally) op determinism, choose
    the devices, the mixed-precision policy and the ``tf.distribute`` strategy.

    Thread pools and devices can only be set before TensorFlow runs its first op; later calls keep
    the first values.
    """
    global _configured, STRATEGY
    n = (os.cpu_count() or 1) if threads == "auto" else int(threads)
    where = _devices(device, distribution, cpu_replicas)
    if precision == "16-mixed" and where != "cuda":
        raise UserError("--precision 16-mixed needs a CUDA GPU (float16 compute with loss scaling); this run is on "
                        "the cpu.", "Use --precision bf16 on a CPU, or --precision 32.")
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
    keras.mixed_precision.set_global_policy(POLICIES[precision])
    STRATEGY = _strategy(distribution, where)
    settings = {"threads": tf.config.threading.get_intra_op_parallelism_threads() or n,
                "deterministic": deterministic, "seed": seed, "device": where, "precision": precision}
    if STRATEGY is not None:
        name = {"mirrored": "MirroredStrategy", "multi_worker": "MultiWorkerMirroredStrategy"}[distribution]
        settings["distributed"] = {"engine": f"tf.distribute.{name}",
                                   "replicas": STRATEGY.num_replicas_in_sync}
    return settings


def versions() -> dict:
    return {"tensorflow": tf.__version__, "keras": keras.__version__,
            "gpus": len(tf.config.list_physical_devices("GPU"))}
