"""Seeds, threads and determinism for PyTorch."""

from __future__ import annotations

import os

import torch


def setup_runtime(seed: int, threads: int | str = "auto", deterministic: bool = True) -> dict:
    """Seed every generator and fix the thread count (reduction order depends on it).

    Returns the settings actually applied, for the run folder.
    """
    n = (os.cpu_count() or 1) if threads == "auto" else int(threads)
    torch.set_num_threads(n)
    torch.manual_seed(seed)
    torch.use_deterministic_algorithms(deterministic, warn_only=True)
    return {"threads": n, "deterministic": deterministic, "seed": seed}


def versions() -> dict:
    return {"torch": torch.__version__, "cuda_available": torch.cuda.is_available()}
