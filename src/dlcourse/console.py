"""The rich console every command prints its tables with.

In a terminal, tables take the terminal's width (and fold long cells to fit, 80 columns
included); ``COLUMNS`` sets the width explicitly; output piped to a file or another program,
with no ``COLUMNS``, gets ``PIPED_WIDTH`` columns so that logs keep one row per line.
"""

from __future__ import annotations

import os
from typing import IO

PIPED_WIDTH = 160


def console(file: IO[str] | None = None, stderr: bool = False):
    """A ``rich.console.Console`` writing to ``file`` (default stdout, or stderr with ``stderr=True``)."""
    from rich.console import Console

    stream = file if file is not None else None
    probe = Console(file=stream, stderr=stderr)
    width = None if probe.is_terminal or os.environ.get("COLUMNS", "").isdigit() else PIPED_WIDTH
    return Console(file=stream, stderr=stderr, width=width)
