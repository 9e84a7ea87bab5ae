"""Safe extraction of a downloaded tar archive (CIFAR-10 is a ``.tar.gz``).

Every member is checked before anything is written: absolute paths, ``..``
components, links (symbolic or hard) that point outside the destination, and
device, FIFO or other special files are refused. The archive is extracted into a
temporary folder next to the destination and renamed into place only when the
whole extraction succeeded, so a failure leaves nothing behind.
"""

from __future__ import annotations

import os
import posixpath
import shutil
import tarfile
import uuid
from pathlib import Path

from dlcourse.errors import DataError


def _check_member(member: tarfile.TarInfo, archive: Path) -> None:
    name = member.name
    refuse = None
    parts = name.replace("\\", "/").split("/")
    if name.startswith(("/", "\\")) or (len(name) > 1 and name[1] == ":"):
        refuse = "an absolute path"
    elif ".." in parts:
        refuse = "a '..' component"
    elif member.issym() or member.islnk():
        target = member.linkname
        base = posixpath.dirname(name) if member.issym() else ""
        resolved = posixpath.normpath(posixpath.join(base, target))
        if target.startswith("/") or resolved == ".." or resolved.startswith("../"):
            refuse = f"a link pointing outside the archive ('{target}')"
    elif not (member.isfile() or member.isdir()):
        refuse = "a device or special file"
    if refuse:
        raise DataError(f"archive '{archive}' is refused: member '{name}' has {refuse}.",
                        "The archive is not the published one; delete it and download it again.")


def safe_extract(archive: str | os.PathLike, destination: str | os.PathLike) -> Path:
    """Extract the tar archive (``.tar``, ``.tar.gz``...) at ``archive`` into the new folder ``destination``.

    Raises :class:`DataError` if a member is unsafe or the archive is corrupt; then nothing is
    left at ``destination`` (nor any temporary folder). An existing ``destination`` is replaced.
    """
    archive, destination = Path(archive), Path(destination)
    temp = destination.parent / f".{destination.name}.{uuid.uuid4().hex}.extracting"
    try:
        with tarfile.open(archive, "r:*") as tar:
            members = tar.getmembers()
            for member in members:
                _check_member(member, archive)
            temp.mkdir(parents=True)
            tar.extractall(temp, members=members, filter="data")
        if destination.exists():
            shutil.rmtree(destination)
        os.replace(temp, destination)
    except (tarfile.TarError, EOFError, OSError) as exc:
        raise DataError(f"cannot extract archive '{archive}' ({exc}).",
                        "The file is corrupt or incomplete; delete it and download it again.") from None
    finally:
        if temp.exists():
            shutil.rmtree(temp, ignore_errors=True)
    return destination
