"""The one registry of frameworks: what the CLI offers, what configs accept, how reports label them.

Importing this module imports no framework. A backend is the package ``backend`` (one folder
under ``dlcourse/backends/``) that satisfies :class:`dlcourse.backends.contract.Backend`;
adding a framework is one folder, one line below, and a passing contract suite.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Framework:
    """One framework dlcourse can train with.

    name: the word used in configs and on the command line (``-f torch``).
    module: the top-level module whose presence means "installed" (found without importing it).
    backend: the dlcourse package that maps the framework-free spec onto it.
    extra: the pip extra that installs it (``pip install 'dlcourse[torch]'``).
    label: its name in tables, plots and reports; ``short``: in narrow tables.
    model_file: the file a finished run folder holds its model in.
    color: its colour in plots (distinct when the two curves are overlaid).
    """

    name: str
    module: str
    backend: str
    extra: str
    label: str
    short: str
    model_file: str
    color: str

    @property
    def install(self) -> str:
        return f"pip install 'dlcourse[{self.extra}]'"


FRAMEWORKS: dict[str, Framework] = {f.name: f for f in (
    Framework("torch", "torch", "dlcourse.backends.torch", "torch", "PyTorch", "PyTorch", "model.pt", "#d62728"),
    Framework("tensorflow", "tensorflow", "dlcourse.backends.tensorflow", "tensorflow", "TensorFlow/Keras", "Keras",
              "model.keras", "#1f77b4"),
)}
NAMES: tuple[str, ...] = tuple(FRAMEWORKS)


def label(name: str) -> str:
    """``"PyTorch"`` for ``"torch"``; an unknown name is returned as it is."""
    return FRAMEWORKS[name].label if name in FRAMEWORKS else name


# ----------------------------------------------------------------------------- both frameworks in one process
UNINSTALL_TRITON = "python -m pip uninstall -y triton"


def triton_installed() -> bool:
    """Whether the ``triton`` package is installed (found without importing it).

    The CUDA builds of PyTorch install it; PyTorch uses it only for ``torch.compile`` on CUDA GPUs.
    When TensorFlow's native libraries are loaded first, loading triton's (which happens as soon as
    a PyTorch optimizer is created) crashes the process. Without triton, both frameworks share a
    process in either order; :data:`UNINSTALL_TRITON` removes it.
    """
    import importlib.util

    return importlib.util.find_spec("triton") is not None
