"""One progress display for both frameworks.

The backends call a :class:`Reporter`: a live bar within each epoch and one line
per epoch on a terminal, plain lines (no control characters) when the output is
redirected, nothing at all when quiet.
"""

from __future__ import annotations

import sys
import time
from typing import IO, Any


# The epoch line shows these (and their val_ twins); history.csv keeps every metric.
SHOWN = ("loss", "accuracy", "f1_macro", "mae", "r2")


def format_logs(logs: dict[str, Any]) -> str:
    """``{'loss': 0.12, 'accuracy': 0.97, ...}`` -> ``'loss 0.1200  accuracy 0.9700'`` (main metrics only)."""
    return "  ".join(f"{k} {v:.4f}" for k, v in logs.items()
                     if isinstance(v, (int, float)) and k.removeprefix("val_") in SHOWN)


class Reporter:
    """Silent base reporter; subclasses draw something."""

    def start(self, epochs: int, steps_per_epoch: int, title: str = "") -> None:
        self.epochs, self.steps = epochs, steps_per_epoch

    def epoch_start(self, epoch: int) -> None:
        """``epoch`` counts from 1."""

    def step(self, done: int, loss: float | None = None) -> None:
        """``done`` steps of the current epoch are finished."""

    def epoch_end(self, epoch: int, logs: dict[str, Any], seconds: float) -> None:
        pass

    def close(self) -> None:
        pass


class PlainReporter(Reporter):
    """One line per epoch, suitable for logs and pipes."""

    def __init__(self, stream: IO[str] | None = None):
        self.stream = stream or sys.stdout

    def start(self, epochs: int, steps_per_epoch: int, title: str = "") -> None:
        super().start(epochs, steps_per_epoch, title)
        if title:
            print(title, file=self.stream, flush=True)

    def epoch_end(self, epoch: int, logs: dict[str, Any], seconds: float) -> None:
        width = len(str(self.epochs))
        print(f"epoch {epoch:>{width}}/{self.epochs}  {format_logs(logs)}  {seconds:.2f}s", file=self.stream, flush=True)


class RichReporter(PlainReporter):
    """A bar within the epoch (steps, loss, speed), then the epoch's line."""

    def __init__(self, stream: IO[str] | None = None):
        super().__init__(stream)
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

        self.console = Console(file=self.stream)
        self.progress = Progress(
            TextColumn("[bold]epoch {task.fields[epoch]}"), BarColumn(), MofNCompleteColumn(),
            TextColumn("loss {task.fields[loss]}"), TimeRemainingColumn(),
            console=self.console, transient=True,
        )
        self.task = None
        self._last = 0.0

    def start(self, epochs: int, steps_per_epoch: int, title: str = "") -> None:
        Reporter.start(self, epochs, steps_per_epoch, title)
        if title:
            self.console.print(f"[bold]{title}")
        self.progress.start()

    def epoch_start(self, epoch: int) -> None:
        if self.task is not None:
            self.progress.remove_task(self.task)
        self.task = self.progress.add_task("", total=self.steps, epoch=f"{epoch}/{self.epochs}", loss="-")

    def step(self, done: int, loss: float | None = None) -> None:
        now = time.perf_counter()
        if now - self._last < 0.1 and done < self.steps:
            return
        self._last = now
        self.progress.update(self.task, completed=done, loss="-" if loss is None else f"{loss:.4f}")

    def epoch_end(self, epoch: int, logs: dict[str, Any], seconds: float) -> None:
        width = len(str(self.epochs))
        self.progress.console.print(f"epoch {epoch:>{width}}/{self.epochs}  {format_logs(logs)}  {seconds:.2f}s", highlight=False)

    def close(self) -> None:
        self.progress.stop()


def make_reporter(quiet: bool = False, stream: IO[str] | None = None) -> Reporter:
    """Silent when ``quiet``, a live bar on a terminal, plain lines otherwise."""
    if quiet:
        return Reporter()
    stream = stream or sys.stdout
    return RichReporter(stream) if stream.isatty() else PlainReporter(stream)
