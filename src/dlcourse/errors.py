"""The project's own error types.

Every problem caused by user input (a path, a config value, a data file) raises a
:class:`UserError` subclass. The command-line tool prints its message as one
sentence on standard error and exits with :data:`EXIT_USAGE` (2), without a
traceback unless ``--debug`` is given.
"""

from __future__ import annotations

import difflib
from typing import Iterable

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130


class DlcourseError(Exception):
    """Base class of every error raised on purpose by dlcourse."""


class UserError(DlcourseError):
    """Bad input from the user: a path, a config value, a data file.

    Parameters
    ----------
    message:
        One sentence saying what was wrong, naming the argument, what was
        expected and what was received.
    hint:
        Optional sentence saying how to fix it.
    """

    def __init__(self, message: str, hint: str | None = None):
        self.message = message
        self.hint = hint
        super().__init__(self.__str__())

    def __str__(self) -> str:
        return self.message if not self.hint else f"{self.message} {self.hint}"


class ConfigError(UserError):
    """An experiment configuration that cannot be read or is invalid."""


class DataError(UserError):
    """A dataset that is unknown, missing, corrupt or inconsistent."""


class FrameworkNotInstalled(UserError):
    """A framework needed for the command is not importable."""


class RunFolderError(UserError):
    """A run folder that is missing, incomplete or unreadable."""


class TrainingDiverged(DlcourseError):
    """The loss became NaN or infinite during training."""


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """Return ``" Did you mean 'x'?"`` for the closest choice, or ``""``."""
    close = difflib.get_close_matches(str(word), list(choices), n=1, cutoff=0.5)
    return f" Did you mean '{close[0]}'?" if close else ""


def child_failure(what: str, code: int, last_line: str, batch_size: int | None = None) -> str:
    """One sentence for a training subprocess that failed with exit ``code`` (negative: killed by a signal).

    A process killed with SIGKILL was most probably stopped by the system for lack of
    memory: say so, with the smaller batch size to try.
    """
    if code == -9:
        hint = (f" Lower the batch size, e.g. --set training.batch_size={max(batch_size // 2, 1)} (now {batch_size})."
                if batch_size else " Lower training.batch_size.")
        return f"{what} was killed by the system (SIGKILL), probably because it ran out of memory.{hint}"
    if code < 0:
        import signal

        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = f"signal {-code}"
        return f"{what} was stopped by {name}."
    return f"{what} failed (exit code {code}): {last_line}"


def first_sentence(exc: BaseException, limit: int = 200) -> str:
    """The first sentence of a library's exception, as a reason inside a dlcourse message.

    Terminal colour codes and line breaks are removed, and the text stops at the end of the
    first sentence, so that the library's own advice (which may point to an unsafe option) is
    not repeated; an exception without text gives its type name.
    """
    import re

    paragraphs = [p for p in re.split(r"\n\s*\n", re.sub(r"\x1b\[[0-9;]*m", "", str(exc))) if p.strip()]
    text = " ".join(paragraphs[0].split()) if paragraphs else ""
    if not text:
        return type(exc).__name__
    end = re.search(r"(?<=[.!?])\s(?=[A-Z(`])", text)
    sentence = (text[:end.start()] if end else text).rstrip(".")
    return sentence if len(sentence) <= limit else sentence[:limit - 1].rstrip() + "…"
