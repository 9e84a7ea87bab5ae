"""What steers a training loop from outside: stop requests (Ctrl-C, SIGTERM), checkpoints, resume.

Framework-free: the backends' loops call :meth:`TrainingControl.should_stop`
after each step, :meth:`TrainingControl.save` at each epoch's end and when
stopping, and :meth:`TrainingControl.restore` before the first step.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Callable

from dlcourse.errors import DlcourseError
from dlcourse.training.checkpoints import CheckpointStore


class TrainingInterrupted(DlcourseError):
    """Training stopped on request after a step; a checkpoint was written."""

    def __init__(self, signal_name: str, epoch: int, step: int, checkpoint: Path | None, run: Path | None = None):
        self.signal_name, self.epoch, self.step, self.checkpoint, self.run = signal_name, epoch, step, checkpoint, run
        where = f"checkpoint saved to {checkpoint}" if checkpoint else "no checkpoint could be written"
        resume = f" Resume with: dlcourse train --resume {run}" if run and checkpoint else ""
        super().__init__(f"training interrupted by {signal_name} at epoch {epoch}, step {step}; {where}.{resume}")


class TrainingControl:
    """Stop flag, checkpoint store and fault injection shared by a run and its backend loop.

    Parameters
    ----------
    checkpoints:
        Where checkpoints go (``RUN/checkpoints``); ``None`` disables them (tests, benchmarks).
    resume:
        Restore the newest valid checkpoint before training.
    write:
        ``False``: checkpoints are read (resume) but never written.
    interval:
        Seconds between two end-of-epoch checkpoints (``0``: every epoch); see :meth:`end_epoch`.
    nan_at:
        ``(epoch, step)`` at which a NaN is injected into the first weight before the step
        (a testing aid, also settable with ``DLCOURSE_FAULT_NAN_AT=EPOCH:STEP``).
    """

    def __init__(self, checkpoints: Path | None = None, resume: bool = False, nan_at: tuple[int, int] | None = None,
                 warn: Callable[[str], None] | None = None, write: bool = True, interval: float = 0.0):
        self.store = CheckpointStore(checkpoints, warn=warn) if checkpoints else None
        self.interval, self._saved_at = float(interval), None
        self.resume, self.write = resume, write
        self.stop_signal: str | None = None
        self.run_path: Path | None = None
        if nan_at is None and os.environ.get("DLCOURSE_FAULT_NAN_AT"):
            e, s = os.environ["DLCOURSE_FAULT_NAN_AT"].split(":")
            nan_at = (int(e), int(s))
        self.nan_at = nan_at
        self.outcome: dict = {}                              # what the loop reports beyond the history

    # -- stop requests -------------------------------------------------------------------------
    def request_stop(self, name: str = "request") -> None:
        self.stop_signal = name

    @property
    def should_stop(self) -> bool:
        return self.stop_signal is not None

    @contextmanager
    def catch_signals(self):
        """Turn the first SIGINT/SIGTERM into a stop request at the end of the current step;
        a second one interrupts at once."""
        if threading.current_thread() is not threading.main_thread():
            yield
            return
        previous = {}

        def handler(signum, frame):
            if self.stop_signal is not None:
                raise KeyboardInterrupt
            self.request_stop(signal.Signals(signum).name)

        for sig in (signal.SIGINT, signal.SIGTERM):
            previous[sig] = signal.signal(sig, handler)
        try:
            yield
        finally:
            for sig, old in previous.items():
                signal.signal(sig, old)

    def interrupted(self, epoch: int, step: int, checkpoint: Path | None) -> TrainingInterrupted:
        return TrainingInterrupted(self.stop_signal or "request", epoch, step, checkpoint, self.run_path)

    # -- faults --------------------------------------------------------------------------------
    def inject_nan(self, epoch: int, step: int) -> bool:
        """Whether a NaN must be injected before step ``step`` (0-based) of ``epoch`` (1-based)."""
        return self.nan_at is not None and self.nan_at == (epoch, step)

    # -- epochs --------------------------------------------------------------------------------
    def end_epoch(self, epoch: int, epochs: int, logs: dict, seconds: float, history: list[dict], reporter,
                  save: Callable[[], object], tensorboard=None, final: bool = False) -> None:
        """An epoch's end, the same in every backend loop: record ``logs`` in ``history``, report,
        log to TensorBoard, write the checkpoint through ``save()`` when one is due, and raise
        :class:`TrainingInterrupted` if a stop was requested before the last epoch.

        A checkpoint is due at the first epoch this process trains, at the last one (``epoch == epochs``
        or ``final``: an early stop), when a stop was requested, and otherwise once ``interval`` seconds
        have passed since the previous one."""
        history.append({"epoch": epoch, **logs, "seconds": seconds})
        reporter.epoch_end(epoch, logs, seconds)
        if tensorboard is not None:
            tensorboard.log_epoch(epoch, logs)
        now = time.monotonic()
        if (final or epoch >= epochs or self.should_stop or self._saved_at is None
                or now - self._saved_at >= self.interval):
            save()
            self._saved_at = time.monotonic()
        if self.should_stop and epoch < epochs:
            raise self.interrupted(epoch + 1, 0, self.last_checkpoint)

    # -- best weights (early stopping) -----------------------------------------------------------
    def save_best(self, epoch: int, weights: list) -> None:
        """Record the best epoch's weights in ``checkpoints/best-weights.npz`` (atomic), for a resume."""
        if self.store is None or not self.write:
            return
        import numpy as np

        self.store.folder.mkdir(parents=True, exist_ok=True)
        tmp, final = self.store.folder / ".tmp-best-weights.npz", self.store.folder / "best-weights.npz"
        with open(tmp, "wb") as fh:
            np.savez(fh, epoch=np.asarray(epoch), *weights)
        os.replace(tmp, final)

    def load_best(self, epoch: int | None) -> list | None:
        """The best weights recorded for ``epoch`` (a resumed run), or ``None``."""
        if epoch is None or self.store is None:
            return None
        path = self.store.folder / "best-weights.npz"
        if not path.is_file():
            return None
        import numpy as np

        with np.load(path) as data:
            if int(data["epoch"]) != epoch:
                return None
            return [data[f"arr_{i}"] for i in range(len(data.files) - 1)]

    # -- checkpoints ---------------------------------------------------------------------------
    def save(self, epoch: int, step: int, suffix: str, write: Callable[[Path], None], meta: dict) -> Path | None:
        """Write a checkpoint through ``write(tmp_path)``; returns its path (``None`` when disabled, or in
        the processes of a distributed run other than the first, which read checkpoints but never write them)."""
        if self.store is None or not self.write:
            return None
        return self.store.write(epoch, step, suffix, write, meta)

    def restore(self, load: Callable[[Path, dict], None]) -> dict | None:
        """If resuming, load the newest valid checkpoint with ``load(path, meta)``; returns its metadata."""
        if not (self.resume and self.store):
            return None
        return self.store.restore(load)

    @property
    def last_checkpoint(self) -> Path | None:
        return self.store.latest() if self.store else None
