"""Checkpoint files written atomically, kept two deep, restored with fall-back.

A checkpoint is a model/optimizer file written by a backend (``epoch-003-step-00000.pt``
or ``.keras``) plus a JSON file of the same stem, written last, that commits it:
it holds the epoch, the step, the history so far, and the size and SHA-256 of
the model file. A process killed mid-write leaves at most a temporary file,
never a committed checkpoint that cannot be read.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import sys
from pathlib import Path
from typing import Callable

from dlcourse.errors import DlcourseError


class CheckpointError(DlcourseError):
    """A checkpoint could not be written or none could be read."""


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _fsync_replace(tmp: Path, final: Path) -> None:
    with open(tmp, "rb+") as fh:
        os.fsync(fh.fileno())
    os.replace(tmp, final)


class CheckpointStore:
    """The ``checkpoints/`` folder of a run.

    Parameters
    ----------
    folder: where checkpoints are written (created on first write).
    keep: how many committed checkpoints are kept (the newest ones).
    """

    def __init__(self, folder: Path, keep: int = 2, warn: Callable[[str], None] | None = None):
        self.folder, self.keep = Path(folder), keep
        self.warn = warn or (lambda msg: print(f"warning: {msg}", file=sys.stderr))

    @staticmethod
    def stem(epoch: int, step: int) -> str:
        return f"epoch-{epoch:03d}-step-{step:05d}"

    def committed(self) -> list[Path]:
        """Committed checkpoints' JSON files, newest first."""
        if not self.folder.is_dir():
            return []
        return sorted(self.folder.glob("epoch-*-step-*.json"), reverse=True)

    def latest(self) -> Path | None:
        files = self.committed()
        if not files:
            return None
        meta = json.loads(files[0].read_text())
        return self.folder / meta["file"]

    def write(self, epoch: int, step: int, suffix: str, write: Callable[[Path], None], meta: dict) -> Path:
        """``write(tmp)`` writes the model file; it is renamed, then committed by its JSON file."""
        self.folder.mkdir(parents=True, exist_ok=True)
        stem = self.stem(epoch, step)
        final = self.folder / f"{stem}{suffix}"
        tmp = self.folder / f".tmp-{stem}{suffix}"
        meta_tmp, meta_final = self.folder / f".tmp-{stem}.json", self.folder / f"{stem}.json"
        try:
            write(tmp)
            _fsync_replace(tmp, final)
            record = {**meta, "epoch": epoch, "step": step, "file": final.name,
                      "size": final.stat().st_size, "sha256": _sha256(final)}
            meta_tmp.write_text(json.dumps(record, default=float))
            _fsync_replace(meta_tmp, meta_final)
        except OSError as exc:
            for p in (tmp, meta_tmp):
                p.unlink(missing_ok=True)
            previous = self.latest()
            kept = f" The previous checkpoint {previous} is intact." if previous else ""
            reason = "no space left on the disk" if exc.errno == errno.ENOSPC else (exc.strerror or str(exc))
            raise CheckpointError(f"could not write checkpoint {final.name} ({reason}).{kept}",
                                  ) from None
        self.prune()
        return final

    def prune(self) -> None:
        """Keep the newest ``keep`` committed checkpoints; remove older ones and stray temporary files."""
        committed = self.committed()
        for meta in committed[self.keep:]:
            try:
                model_file = self.folder / json.loads(meta.read_text())["file"]
                model_file.unlink(missing_ok=True)
            except (OSError, ValueError, KeyError):
                pass
            meta.unlink(missing_ok=True)
        for tmp in self.folder.glob(".tmp-*"):
            tmp.unlink(missing_ok=True)

    def restore(self, load: Callable[[Path, dict], None]) -> dict:
        """Load the newest checkpoint that verifies and loads; warn about each one skipped."""
        candidates = self.committed()
        if not candidates:
            raise CheckpointError(f"no checkpoint to resume from in {self.folder}.",
                                  )
        for i, meta_path in enumerate(candidates):
            try:
                meta = json.loads(meta_path.read_text())
                path = self.folder / meta["file"]
                if path.stat().st_size != meta["size"] or _sha256(path) != meta["sha256"]:
                    raise ValueError("its checksum does not match")
                load(path, meta)
                return meta
            except Exception as exc:  # noqa: BLE001 - any failure means: try the previous one
                nxt = candidates[i + 1].stem if i + 1 < len(candidates) else None
                fallback = f"falling back to {nxt}" if nxt else "no older checkpoint left"
                self.warn(f"checkpoint {meta_path.stem} is unusable ({exc}); {fallback}.")
        raise CheckpointError(f"no usable checkpoint in {self.folder}; train the run again from the start.")
