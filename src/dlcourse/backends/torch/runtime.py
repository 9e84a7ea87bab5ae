"""Seeds, threads, determinism, device, precision and (under ``torchrun``) the process group, for PyTorch."""

from __future__ import annotations

import datetime
import os
import sys

import torch

from dlcourse.errors import UserError

#: precision -> the dtype ``torch.autocast`` computes in (``None``: plain float32).
AUTOCAST = {"32": None, "bf16": torch.bfloat16, "16-mixed": torch.float16}


def _mps() -> bool:
    return bool(getattr(torch.backends, "mps", None) and torch.backends.mps.is_available())


def resolve_device(name: str) -> str:
    """``auto`` -> ``cuda`` (the process's own GPU under ``torchrun``), else ``mps``, else ``cpu``;
    an asked-for device that is not there is one sentence."""
    local = int(os.environ.get("LOCAL_RANK", 0))
    if name == "auto":
        return f"cuda:{local}" if torch.cuda.is_available() else "mps" if _mps() else "cpu"
    if name == "cuda":
        if not torch.cuda.is_available():
            build = f"built with CUDA {torch.version.cuda}" if torch.version.cuda else "a CPU-only build"
            raise UserError(f"--device cuda: PyTorch finds no CUDA GPU on this machine (torch {torch.__version__}, "
                            f"{build}).", "Use --device cpu, or --device auto to take what is there.")
        return f"cuda:{local}"
    if name == "mps" and not _mps():
        raise UserError("--device mps: Apple's MPS device is not available here (it needs a Mac with Apple silicon).",
                        "Use --device cpu, or --device auto to take what is there.")
    return name


def check_precision(device: str, precision: str) -> None:
    """Refuse, in one sentence, a precision the device cannot run."""
    kind = device.split(":")[0]
    if precision == "16-mixed" and kind != "cuda":
        raise UserError(f"--precision 16-mixed needs a CUDA GPU (float16 compute with a gradient scaler); this run "
                        f"is on the {kind}.", "Use --precision bf16 on a CPU, or --precision 32.")
    if precision == "bf16" and kind == "cuda" and not torch.cuda.is_bf16_supported():
        raise UserError(f"--precision bf16: the GPU {torch.cuda.get_device_name()} has no bfloat16 support.",
                        "Use --precision 16-mixed, or --precision 32.")


def autocast(device: str, precision: str):
    """The ``torch.autocast`` context for ``precision`` on ``device`` (disabled for float32)."""
    dtype = AUTOCAST[precision]
    return torch.autocast(device.split(":")[0], dtype=dtype or torch.float32, enabled=dtype is not None)


def world() -> tuple[int, int]:
    """``(rank, world size)`` of this process (``(0, 1)`` outside ``torchrun``)."""
    if torch.distributed.is_available() and torch.distributed.is_initialized():
        return torch.distributed.get_rank(), torch.distributed.get_world_size()
    return 0, 1


def use_deterministic_algorithms(deterministic: bool) -> None:
    """``torch.use_deterministic_algorithms(deterministic, warn_only=True)``.

    The public call also sets ``torch._inductor.config.deterministic``, which imports the compiler
    (``torch._inductor``, ``torch._dynamo``: 1.5 s on a 2-core laptop) for a setting only compiled
    code reads; dlcourse compiles nothing, so while the compiler is not loaded only the flag eager
    kernels read is set.
    """
    if "torch._inductor.config" in sys.modules or not hasattr(torch._C, "_set_deterministic_algorithms"):
        torch.use_deterministic_algorithms(deterministic, warn_only=True)
    else:
        torch._C._set_deterministic_algorithms(deterministic, warn_only=True)


def setup_runtime(seed: int, threads: int | str = "auto", deterministic: bool = True, device: str = "auto",
                  precision: str = "32", distribution: str = "none", cpu_replicas: int = 1) -> dict:
    """Seed every generator, fix the thread count (reduction order depends on it), check the device and
    precision; under ``torchrun`` (``WORLD_SIZE`` > 1) join the process group (gloo on a CPU, NCCL on GPUs).

    Returns the settings actually applied, for the run folder.
    """
    if distribution != "none":
        raise UserError(f"runtime.distribution: {distribution} is TensorFlow's; PyTorch distributes with torchrun.",
                        "Set runtime.distribution: none and launch: torchrun --nproc_per_node=N -m dlcourse train CONFIG.")
    resolved = resolve_device(device)
    check_precision(resolved, precision)
    n = (os.cpu_count() or 1) if threads == "auto" else int(threads)
    torch.set_num_threads(n)
    torch.manual_seed(seed)
    use_deterministic_algorithms(deterministic)
    settings = {"threads": n, "deterministic": deterministic, "seed": seed, "device": resolved, "precision": precision}
    if int(os.environ.get("WORLD_SIZE", 1)) > 1 and not torch.distributed.is_initialized():
        backend = "nccl" if resolved.startswith("cuda") else "gloo"
        if resolved.startswith("cuda"):
            torch.cuda.set_device(resolved)
        torch.distributed.init_process_group(backend, timeout=datetime.timedelta(
            seconds=float(os.environ.get("DLCOURSE_DIST_TIMEOUT", 300))))
    if torch.distributed.is_available() and torch.distributed.is_initialized():
        rank, size = world()
        settings["distributed"] = {"engine": "torch DistributedDataParallel", "backend": torch.distributed.get_backend(),
                                   "world_size": size}
    return settings


def versions() -> dict:
    return {"torch": torch.__version__, "cuda_available": torch.cuda.is_available(), "mps_available": _mps(),
            "gpu": torch.cuda.get_device_name(0) if torch.cuda.is_available() else None}
