"""Start JupyterLab on a lesson notebook (``dlcourse lessons open N``).

JupyterLab comes with the ``lessons`` extra. It is started from the Python running dlcourse
(``python -m jupyterlab``) when it is installed there, else from a ``jupyter-lab`` on the PATH,
with its root folder set to the notebook's folder so that the notebook and the exercises beside
it are in its file browser.
"""

from __future__ import annotations

import importlib.util
import shlex
import shutil
import sys
from pathlib import Path


def lab_executable() -> list[str] | None:
    """The command that starts JupyterLab here, or ``None`` when JupyterLab is not installed."""
    if importlib.util.find_spec("jupyterlab") is not None:
        return [sys.executable, "-m", "jupyterlab"]
    exe = shutil.which("jupyter-lab")
    return [exe] if exe else None


def lab_command(notebook: Path, *options: str, root: Path | None = None) -> list[str] | None:
    """The command line opening ``notebook`` in JupyterLab, rooted at ``root`` (default: its folder).

    ``options`` are JupyterLab options placed before the notebook (``--no-browser``,
    ``--ServerApp.port=8899``...). ``None`` when JupyterLab is not installed.
    """
    exe = lab_executable()
    if exe is None:
        return None
    notebook = Path(notebook).resolve()
    root = Path(root).resolve() if root is not None else notebook.parent
    if not notebook.is_relative_to(root):
        raise ValueError(f"{notebook} is not inside JupyterLab's root folder {root}")
    return [*exe, f"--ServerApp.root_dir={root}", *options, str(notebook)]


def jupyterlab_requirement() -> str:
    """The JupyterLab version the ``lessons`` extra pins (``jupyterlab==X``), or ``jupyterlab`` if unknown."""
    try:
        from importlib.metadata import PackageNotFoundError, requires

        for requirement in requires("dlcourse") or []:
            spec, _, marker = requirement.partition(";")
            spec = spec.replace(" ", "")
            if spec.lower().startswith("jupyterlab==") and "lessons" in marker:
                return spec
    except (ImportError, PackageNotFoundError):
        pass
    return "jupyterlab"


def install_command() -> str:
    """The command that installs the pinned JupyterLab into the Python running dlcourse."""
    python = sys.executable
    if sys.platform != "win32":
        python = shlex.quote(python)
    elif " " in python:
        python = f'"{python}"'
    return f'{python} -m pip install "{jupyterlab_requirement()}"'


__all__ = ["lab_executable", "lab_command", "jupyterlab_requirement", "install_command"]
