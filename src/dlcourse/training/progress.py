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


# Short names on the epoch line (the full names are history.csv's columns).
SHORT = {"accuracy": "acc", "f1_macro": "f1"}


def format_logs(logs: dict[str, Any], prefix: str = "") -> str:
    """``{'loss': 0.12, 'accuracy': 0.97, ...}`` -> ``'loss 0.1200  acc 0.9700'``: the main metrics whose
    name starts with ``prefix`` (``""``: training, ``"val_"``: validation), short names."""
    return "  ".join(f"{SHORT.get(k[len(prefix):], k[len(prefix):])} {v:.4f}" for k, v in logs.items()
                     if isinstance(v, (int, float)) and k.startswith(prefix) and k[len(prefix):] in SHOWN
                     and not (prefix == "" and k.startswith("val_")))


def epoch_line(epoch: int, epochs: int, logs: dict[str, Any], seconds: float, width: int | None = None) -> str:
    """``epoch 2/5  loss 0.31  acc 0.91 | val loss 0.35  acc 0.90 | 0.05 s``; wider than ``width``
    (the terminal's), the validation part goes on a second, indented line."""
    head = f"epoch {epoch:>{len(str(epochs))}}/{epochs}  {format_logs(logs)}"
    val = format_logs(logs, "val_")
    parts = [head] + ([f"val {val}"] if val else []) + [f"{seconds:.2f} s"]
    line = " | ".join(parts)
    if width is None or len(line) <= width or not val:
        return line
    return f"{head}\n{' ' * (len(head) - len(head.lstrip()) + 6)}val {val} | {seconds:.2f} s"


def _width(stream) -> int | None:
    """The width to fit: ``COLUMNS``, else the terminal's; ``None`` (one line per epoch) in a pipe."""
    import os
    import shutil

    if os.environ.get("COLUMNS", "").isdigit():
        return int(os.environ["COLUMNS"])
    return shutil.get_terminal_size().columns if getattr(stream, "isatty", lambda: False)() else None


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
        print(epoch_line(epoch, self.epochs, logs, seconds, _width(self.stream)), file=self.stream, flush=True)


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
        self.progress.console.print(epoch_line(epoch, self.epochs, logs, seconds, self.console.width),
                                    highlight=False, soft_wrap=True)

    def close(self) -> None:
        self.progress.stop()


def make_reporter(quiet: bool = False, stream: IO[str] | None = None) -> Reporter:
    """Silent when ``quiet``, a live bar on a terminal, plain lines otherwise."""
    if quiet:
        return Reporter()
    stream = stream or sys.stdout
    return RichReporter(stream) if stream.isatty() else PlainReporter(stream)
