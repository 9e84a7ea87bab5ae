"""Shared fixtures.

Where the ``triton`` package is installed, TensorFlow loaded before ``torch._dynamo`` crashes the
process when a torch optimizer is created (see ``dlcourse.frameworks.triton_installed``); a test
worker may run files of both frameworks, so there torch's ``_dynamo`` is imported first.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")
if importlib.util.find_spec("torch") is not None and importlib.util.find_spec("triton") is not None:
    import torch  # noqa: F401
    import torch._dynamo  # noqa: F401

ROOT = Path(__file__).resolve().parents[1]


def _installed(name: str) -> bool:
    return importlib.util.find_spec(name) is not None


FRAMEWORKS = [
    pytest.param("torch", marks=pytest.mark.skipif(not _installed("torch"), reason="torch not installed")),
    pytest.param("tensorflow", marks=pytest.mark.skipif(not _installed("tensorflow"), reason="tensorflow not installed")),
]


@pytest.fixture(params=FRAMEWORKS)
def framework(request) -> str:
    """Each backend in turn (the contract suites are parametrised over it)."""
    return request.param


@pytest.fixture
def runs_dir(tmp_path: Path) -> Path:
    return tmp_path / "runs"


def run_cli(*args: str, cwd: Path | None = None, timeout: float = 600, env: dict | None = None) -> subprocess.CompletedProcess:
    """Run ``python -m dlcourse ARGS`` in a fresh process; returns the completed process (text output)."""
    full_env = {**os.environ, **(env or {})}
    return subprocess.run([sys.executable, "-m", "dlcourse", *args], capture_output=True, text=True,
                          cwd=cwd or ROOT, timeout=timeout, env=full_env, stdin=subprocess.DEVNULL)


@pytest.fixture
def cli():
    return run_cli


@pytest.fixture(autouse=True)
def _no_inherited_terminal_size(monkeypatch):
    """pytest-xdist's workers export COLUMNS=80 and LINES=24: every test starts as a plain pipe
    (what the commands see when their output is redirected); a test that wants a width sets it."""
    monkeypatch.delenv("COLUMNS", raising=False)
    monkeypatch.delenv("LINES", raising=False)


@pytest.fixture(autouse=True)
def _no_training_room(monkeypatch, tmp_path_factory):
    """A laptop that joined a training room must not send the suite's own check results to it:
    every test sees an empty classroom folder of its own (a test that joins sets its own)."""
    if "DLCOURSE_CLASSROOM_DIR" not in os.environ:
        monkeypatch.setenv("DLCOURSE_CLASSROOM_DIR", str(tmp_path_factory.mktemp("classroom")))
