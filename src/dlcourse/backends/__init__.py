"""Framework backends. Each mirrors the other's modules: ``models``, ``optim``, ``train``, ``io``, ``runtime``.

Only the code under ``backends/<name>/`` imports a framework, and only when
:func:`get_backend` is called.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from types import ModuleType

from dlcourse.errors import FrameworkNotInstalled, UserError, did_you_mean

FRAMEWORKS = {"torch": "torch", "tensorflow": "tensorflow"}
_INSTALL = {"torch": "pip install 'dlcourse[torch]'", "tensorflow": "pip install 'dlcourse[tensorflow]'"}
_LABEL = {"torch": "PyTorch", "tensorflow": "TensorFlow"}


def is_installed(name: str) -> bool:
    """Whether the framework's package can be found, without importing it."""
    return importlib.util.find_spec(FRAMEWORKS[name]) is not None


def get_backend(name: str) -> ModuleType:
    """Import and return ``dlcourse.backends.<name>``; a clear error if the framework is missing."""
    if name not in FRAMEWORKS:
        raise UserError(f"unknown framework '{name}'.{did_you_mean(name, FRAMEWORKS)}",
                        f"Use one of: {', '.join(FRAMEWORKS)}.")
    if not is_installed(name):
        raise FrameworkNotInstalled(f"{_LABEL[name]} is not installed in this Python ({sys.executable}).",
                                    f"Install it with: {_INSTALL[name]}, or choose the other framework.")
    if name == "torch" and "tensorflow" in sys.modules and "torch._dynamo" not in sys.modules:
        raise UserError("PyTorch must be imported before TensorFlow when both share a process "
                        "(the other order crashes when an optimizer is created).",
                        "Import torch and torch._dynamo first, or run each framework in its own process.")
    return importlib.import_module(f"dlcourse.backends.{name}")
