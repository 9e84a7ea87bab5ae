"""What a backend is: the typed contract that ``tests/backends/test_contract.py`` checks for every framework.

A backend maps the framework-free spec onto one framework. It supplies models (built from
:mod:`dlcourse.models.layers`, weights in the canonical layout), a step engine, prediction,
saving and loading; the epoch loop (:mod:`dlcourse.training.loop`), the metrics, checkpoints,
TensorBoard and progress are shared and framework-free. Arrays cross this boundary as NumPy.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import numpy as np


@runtime_checkable
class StepEngine(Protocol):
    """Runs optimizer steps for the epoch loop; owns the model, optimizer, schedule and random state.

    ``suffix``: the file extension of its checkpoints (``.pt``, ``.keras``).
    """

    suffix: str

    def run(self, idx: np.ndarray) -> tuple[int, np.ndarray, np.ndarray]:
        """Train on the rows ``idx: (m,) int64`` of the training split, in that order, cut into mini-batches
        of the config's batch size (the last may be smaller).

        Returns ``(done, losses, outputs)``: the steps run, ``(done,) float32`` losses and the
        ``(rows, outputs) float32`` model outputs of those steps (training mode). A non-finite loss
        ends the call before its update is applied; it is the last of ``losses``.
        """

    def learning_rate(self) -> float:
        """The rate the next update uses (the schedule's :func:`~dlcourse.models.schedules.rates`, times the factor)."""

    def set_lr_factor(self, factor: float) -> None:
        """Scale the schedule by ``factor`` from the next update on (``plateau``, the learning-rate finder)."""

    def save(self, path: Path) -> None:
        """Write everything needed to continue bit for bit: weights, optimizer, schedule and its factor, random state."""

    def load(self, path: Path) -> None:
        """Restore what :meth:`save` wrote."""

    def inject_nan(self) -> None:
        """Put a NaN into the first weight (fault injection for tests)."""

    def any_rank(self, flag: bool) -> bool:
        """``flag``, or in a distributed run: whether it is true in any process (all then stop together)."""

    def write_graph(self, log_dir: Path) -> None:
        """Store the model's graph as TensorBoard event files under ``log_dir``."""


@runtime_checkable
class Backend(Protocol):
    """The module ``dlcourse.backends.<name>``; its ``NAME`` is its key in :data:`dlcourse.frameworks.FRAMEWORKS`."""

    NAME: str

    def setup_runtime(self, seed: int, threads: int, deterministic: bool, device: str, precision: str,
                      distribution: str, cpu_replicas: int) -> dict:
        """Seed every generator, fix the thread count and determinism, check the device, precision and
        distribution (:class:`~dlcourse.errors.UserError` for one the machine cannot run); returns what was applied."""

    def versions(self) -> dict:
        """The framework's versions and devices, for the run folder."""

    def build_model(self, spec: Any, input_shape: tuple[int, ...], seed: int) -> Any:
        """A native model for inputs ``(n, *input_shape)`` float32 with the spec's initial weights."""

    def get_weights(self, model: Any) -> list[np.ndarray]:
        """Every weight in the canonical layout of :mod:`dlcourse.models.layers`."""

    def set_weights(self, model: Any, weights: list[np.ndarray]) -> None:
        """Inverse of :meth:`get_weights`."""

    def count_params(self, model: Any) -> int:
        """Every weight, moving statistics included."""

    def layer_table(self, model: Any) -> list[dict]:
        """One row per spec layer: ``{'layer', 'output_shape', 'params'}`` as the framework sees them."""

    def execution_settings(self, config: Any, train_shape: tuple[int, ...]) -> dict:
        """The speed choices for a training split of ``train_shape = (n, *sample_shape)``; ``steps_per_call`` is how many steps the loop asks per :meth:`StepEngine.run`."""

    def make_engine(self, model: Any, config: Any, x: np.ndarray, y: np.ndarray) -> StepEngine:
        """A step engine training ``model`` on ``x: (n, *shape) float32`` and ``y: (n,) int64 | (n, k) float32``."""

    def predict(self, model: Any, x: np.ndarray, batch_size: int = 4096) -> np.ndarray:
        """``x: (n, *shape) float32 -> (n, outputs) float32`` logits or values, inference mode."""

    def train_on_batches(self, model: Any, config: Any, batches: list) -> list[float]:
        """One plain optimizer step per ``(x, y)`` batch, in order; returns the losses (parity tests)."""

    def save_model(self, model: Any, folder: Path) -> str:
        """Write the model in its framework's native format into ``folder``; returns the file name."""

    def load_model(self, folder: Path, config: Any, input_shape: tuple[int, ...]) -> Any:
        """Reload what :meth:`save_model` wrote, refusing any file that would run code."""

    def augment_batch(self, x: np.ndarray, spec: Any, seed: int = 0) -> np.ndarray:
        """Augment each image of ``x: (n, h, w[, c]) float32`` once with the framework's own ops."""


#: The names every backend module exports (the contract suite checks them and their signatures).
BACKEND_FUNCTIONS = tuple(name for name in Backend.__dict__ if not name.startswith("_") and callable(getattr(Backend, name)))
ENGINE_METHODS = ("run", "learning_rate", "set_lr_factor", "save", "load", "inject_nan", "any_rank", "write_graph")
