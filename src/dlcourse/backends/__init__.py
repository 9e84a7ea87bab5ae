"""Framework backends, one folder each with the same file names: ``models``, ``engine``, ``optim``, ``io``, ``data``, ``runtime``.

Each satisfies :class:`dlcourse.backends.contract.Backend`; :data:`dlcourse.frameworks.FRAMEWORKS`
lists them. Only the code under ``backends/<name>/`` imports a framework, and only when
:func:`get_backend` is called.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from types import ModuleType

from dlcourse.errors import FrameworkNotInstalled, UserError, did_you_mean
from dlcourse.frameworks import FRAMEWORKS, UNINSTALL_TRITON, triton_installed


def is_installed(name: str) -> bool:
    """Whether the framework's package can be found, without importing it."""
    return importlib.util.find_spec(FRAMEWORKS[name].module) is not None


def get_backend(name: str) -> ModuleType:
    """Import and return the backend of framework ``name``; a clear error if the framework is missing."""
    if name not in FRAMEWORKS:
        raise UserError(f"unknown framework '{name}'.{did_you_mean(name, FRAMEWORKS)}",
                        f"Use one of: {', '.join(FRAMEWORKS)}.")
    info = FRAMEWORKS[name]
    if not is_installed(name):
        raise FrameworkNotInstalled(f"{info.label} is not installed in this Python ({sys.executable}).",
                                    f"Install it with: {info.install}, or choose the other framework.")
    if name == "torch" and "tensorflow" in sys.modules and "torch._dynamo" not in sys.modules and triton_installed():
        raise UserError("PyTorch cannot train in this process: TensorFlow is already loaded, and the 'triton' "
                        "package installed here crashes the process when a PyTorch optimizer loads it after "
                        "TensorFlow.",
                        f"Uninstall triton with '{UNINSTALL_TRITON}' (PyTorch needs it only for torch.compile "
                        "on CUDA GPUs) and restart, or run each framework in its own process.")
    return importlib.import_module(info.backend)
