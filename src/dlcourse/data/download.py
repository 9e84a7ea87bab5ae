"""Verified downloads into the user's cache: pinned checksums, mirrors, retries, atomic writes.

A file is fetched into a hidden temporary name in the cache folder
(``.NAME.<random>.part``), hashed while it is written, checked against the
checksum its publisher gives, and only then renamed to its final name with
:func:`os.replace`. A download that fails, is corrupt, or whose process is
killed never sits under the final name.

Mirrors are tried in order: a network error (refused, reset, timeout, connection
closed mid-file) or a checksum failure moves on to the next mirror; an HTTP 5xx
is retried on the same mirror with a growing pause first. A redirect from
``https`` to ``http`` is refused.
"""

from __future__ import annotations

import gzip
import hashlib
import http.client
import os
import socket
import ssl
import sys
import time
import urllib.error
import urllib.request
import uuid
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable

from dlcourse.errors import DataError

ENV_VAR = "DLCOURSE_DATA_DIR"
CHUNK = 1 << 16


@dataclass(frozen=True)
class RemoteFile:
    """One file as its publisher describes it.

    ``md5``/``sha256``: the published checksum of the file (SHA-256 where published, MD5 otherwise).
    ``gunzip_md5``: the published MD5 of the decompressed content of a ``.gz`` file; a file whose
    compression differs but whose content matches it is accepted. ``size``: bytes, if known.
    """

    name: str
    md5: str | None = None
    sha256: str | None = None
    size: int | None = None
    gunzip_md5: str | None = None

    def pinned(self) -> str:
        parts = [f"sha256 {self.sha256}" if self.sha256 else "", f"md5 {self.md5}" if self.md5 else "",
                 f"{self.size} bytes" if self.size is not None else ""]
        return ", ".join(p for p in parts if p) or "no checksum"


@dataclass(frozen=True)
class Digest:
    """What a file actually is: its size and checksums."""

    size: int
    md5: str
    sha256: str
    html: bool = False

    def describe(self) -> str:
        return f"sha256 {self.sha256}, md5 {self.md5}, {self.size} bytes"


class OfflineError(DataError):
    """No mirror could be reached at all (no network)."""


class _Refused(Exception):
    """A mirror answer we do not follow (an https -> http redirect, a 4xx)."""


# ----------------------------------------------------------------------------- cache folder
def default_data_dir() -> Path:
    """``$DLCOURSE_DATA_DIR`` if set, else the user cache folder (``~/.cache/dlcourse/data`` on Linux)."""
    env = os.environ.get(ENV_VAR)
    if env:
        return Path(env).expanduser()
    import platformdirs

    return Path(platformdirs.user_cache_dir("dlcourse")) / "data"


def data_dir(override: str | os.PathLike | None = None) -> Path:
    """The cache folder: ``override`` (``--data-dir``), else :func:`default_data_dir`."""
    return Path(override).expanduser() if override else default_data_dir()


def ensure_writable(folder: Path) -> Path:
    """Create ``folder`` if needed and check that a file can be written in it."""
    probe = folder / f".write-test-{uuid.uuid4().hex}"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise DataError(f"the data cache folder '{folder}' is not writable ({reason}).",
                        f"Point the environment variable {ENV_VAR} (or --data-dir) to a writable folder.") from None
    return folder


# ----------------------------------------------------------------------------- verification
def _looks_html(head: bytes) -> bool:
    text = head.lstrip()[:64].lower()
    return text.startswith((b"<!doctype html", b"<html", b"<head", b"<body", b"<?xml"))


def digest_file(path: Path) -> Digest:
    """Size, MD5 and SHA-256 of the file at ``path``."""
    md5, sha, size, head = hashlib.md5(), hashlib.sha256(), 0, b""
    with open(path, "rb") as fh:
        while chunk := fh.read(CHUNK):
            if not head:
                head = chunk[:64]
            md5.update(chunk)
            sha.update(chunk)
            size += len(chunk)
    return Digest(size, md5.hexdigest(), sha.hexdigest(), _looks_html(head))


def _gunzip_md5(path: Path) -> str | None:
    md5 = hashlib.md5()
    try:
        with gzip.open(path, "rb") as fh:
            while chunk := fh.read(CHUNK):
                md5.update(chunk)
    except (OSError, EOFError, zlib.error):
        return None
    return md5.hexdigest()


def matches(spec: RemoteFile, path: Path, digest: Digest | None = None) -> bool:
    """True when the file at ``path`` is the one ``spec`` pins (or its content is, for a recompressed ``.gz``)."""
    digest = digest or digest_file(path)
    if spec.sha256 is None and spec.md5 is None and spec.gunzip_md5 is None:
        return spec.size is None or digest.size == spec.size
    if spec.sha256 and digest.sha256 == spec.sha256.lower():
        return True
    if spec.md5 and digest.md5 == spec.md5.lower() and (spec.size is None or spec.size == digest.size):
        return True
    return bool(spec.gunzip_md5) and _gunzip_md5(path) == spec.gunzip_md5.lower()


def mismatch_message(spec: RemoteFile, where: str, digest: Digest) -> str:
    html = " (it is an HTML page, not the file: the server sent an error page)" if digest.html else ""
    return (f"'{where}' does not match its pinned checksum{html}: expected {spec.pinned()}, "
            f"got {digest.describe()}.")


# ----------------------------------------------------------------------------- HTTP
class _NoDowngrade(urllib.request.HTTPRedirectHandler):
    """Follow redirects, except from https to anything that is not https."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        if req.full_url.lower().startswith("https:") and not newurl.lower().startswith("https:"):
            raise _Refused(f"refused the redirect from {req.full_url} to {newurl} (https is never downgraded)")
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def _opener(context: ssl.SSLContext | None) -> urllib.request.OpenerDirector:
    return urllib.request.build_opener(_NoDowngrade(), urllib.request.HTTPSHandler(context=context))


def _progress_bar(name: str, enabled: bool):
    """A rich progress bar on a terminal, else a no-op; returns (start(total), advance(n), stop())."""
    if not enabled:
        return (lambda total: None), (lambda n: None), (lambda: None)
    from rich.progress import BarColumn, DownloadColumn, Progress, TransferSpeedColumn

    bar = Progress("[bold]{task.description}", BarColumn(), DownloadColumn(), TransferSpeedColumn(), transient=True)
    state = {}

    def start(total):
        bar.start()
        state["task"] = bar.add_task(name, total=total)

    return start, (lambda n: bar.advance(state["task"], n)), bar.stop


def _download_once(url: str, temp: Path, opener, timeout: float, progress: bool) -> Digest:
    """Stream ``url`` into ``temp`` (hashing as it goes); raises on any transfer problem."""
    md5, sha, size, head = hashlib.md5(), hashlib.sha256(), 0, b""
    request = urllib.request.Request(url, headers={"User-Agent": "dlcourse"})
    start, advance, stop = _progress_bar(url.rsplit("/", 1)[-1], progress)
    with opener.open(request, timeout=timeout) as resp:
        length = resp.headers.get("Content-Length")
        expected = int(length) if length and length.isdigit() else None
        start(expected)
        try:
            with open(temp, "wb") as out:
                while chunk := resp.read(CHUNK):
                    if not head:
                        head = chunk[:64]
                    out.write(chunk)
                    md5.update(chunk)
                    sha.update(chunk)
                    size += len(chunk)
                    advance(len(chunk))
                out.flush()
                os.fsync(out.fileno())
        finally:
            stop()
    if expected is not None and size != expected:
        raise http.client.IncompleteRead(b"", expected - size)
    return Digest(size, md5.hexdigest(), sha.hexdigest(), _looks_html(head))


def _network_reason(exc: BaseException) -> str:
    if isinstance(exc, (socket.timeout, TimeoutError)):
        return "timed out"
    if isinstance(exc, http.client.IncompleteRead):
        return "connection closed before the end of the file"
    if isinstance(exc, urllib.error.URLError):
        reason = exc.reason
        return "timed out" if isinstance(reason, (socket.timeout, TimeoutError)) else str(reason)
    return str(exc) or type(exc).__name__


def _remove_stale_parts(folder: Path, name: str, age: float = 3600.0) -> None:
    """Delete temporary files of ``name`` left by a killed download (older than ``age`` seconds)."""
    now = time.time()
    for part in folder.glob(f".{name}.*.part"):
        try:
            if now - part.stat().st_mtime > age:
                part.unlink()
        except OSError:
            pass


def fetch(spec: RemoteFile, urls: Iterable[str], folder: str | os.PathLike, *, timeout: float = 30.0,
          retries: int = 3, backoff: float = 1.0, progress: bool | None = None,
          context: ssl.SSLContext | None = None, log: Callable[[str], None] | None = None) -> Path:
    """Return ``folder/spec.name``, downloading and verifying it first if the cache does not hold it.

    Parameters
    ----------
    urls: full URLs of the file, one per mirror, tried in order.
    timeout: seconds without data before a connection is given up.
    retries: attempts per mirror for HTTP 5xx answers (pause ``backoff * 2**k`` seconds between them).
    progress: show a progress bar (default: when standard error is a terminal).
    context: SSL context for https (default: the system's certificates).

    A warm cache (a file already there that matches ``spec``) makes no request.
    Raises :class:`OfflineError` when no mirror can be reached, :class:`DataError` otherwise.
    """
    folder = Path(folder)
    final = folder / spec.name
    if final.is_file() and matches(spec, final):
        return final
    ensure_writable(folder)
    _remove_stale_parts(folder, spec.name)
    urls = list(urls)
    if progress is None:
        progress = sys.stderr.isatty()
    opener = _opener(context)
    failures: list[str] = []
    network_only = True
    for url in urls:
        scheme = url.split(":", 1)[0].lower()
        if scheme not in ("https", "http"):
            failures.append(f"{url}: unsupported scheme '{scheme}'")
            network_only = False
            continue
        for attempt in range(max(retries, 1)):
            temp = folder / f".{spec.name}.{uuid.uuid4().hex}.part"
            try:
                digest = _download_once(url, temp, opener, timeout, progress)
                if not matches(spec, temp, digest):
                    failures.append(mismatch_message(spec, url, digest))
                    network_only = False
                    break
                os.replace(temp, final)
                if log:
                    log(f"downloaded {spec.name} from {url} ({digest.size} bytes, verified)")
                return final
            except urllib.error.HTTPError as exc:
                network_only = False
                if 500 <= exc.code < 600 and attempt + 1 < retries:
                    if log:
                        log(f"{url}: HTTP {exc.code}, retrying")
                    time.sleep(backoff * 2 ** attempt)
                    continue
                failures.append(f"{url}: HTTP {exc.code} {exc.reason}")
                break
            except _Refused as exc:
                network_only = False
                failures.append(str(exc))
                break
            except (urllib.error.URLError, OSError, http.client.HTTPException) as exc:
                failures.append(f"{url}: {_network_reason(exc)}")
                break
            finally:
                temp.unlink(missing_ok=True)
    if not urls:
        raise DataError(f"no download address is known for '{spec.name}'.")
    if network_only:
        raise OfflineError(
            f"cannot download '{spec.name}': no mirror could be reached ({'; '.join(failures)}); "
            "this machine looks offline.",
            "Copy the files from another machine (e.g. a USB key) and run 'dlcourse datasets import NAME DIR'.")
    raise DataError(f"cannot download '{spec.name}': every mirror failed: {' | '.join(failures)}",
                    "Nothing was written to the cache; try again later or use 'dlcourse datasets import NAME DIR'.")


def install_local(spec: RemoteFile, source: Path, folder: str | os.PathLike) -> Path:
    """Verify a local copy of ``spec`` (e.g. from a USB key) and copy it atomically into ``folder``."""
    import shutil

    source, folder = Path(source), Path(folder)
    if not source.is_file():
        raise DataError(f"'{source}' does not exist or is not a file.")
    digest = digest_file(source)
    if not matches(spec, source, digest):
        raise DataError(mismatch_message(spec, str(source), digest), "Copy the file again from a trusted source.")
    ensure_writable(folder)
    final = folder / spec.name
    temp = folder / f".{spec.name}.{uuid.uuid4().hex}.part"
    try:
        shutil.copyfile(source, temp)
        os.replace(temp, final)
    finally:
        temp.unlink(missing_ok=True)
    return final


def install_uncompressed(spec: RemoteFile, source: Path, folder: str | os.PathLike) -> Path:
    """Verify an uncompressed copy of ``spec`` (its content checksum, ``spec.gunzip_md5``) and store it
    gzip-compressed as ``folder/spec.name``, atomically: what :func:`matches` accepts afterwards."""
    import shutil

    source, folder = Path(source), Path(folder)
    md5 = hashlib.md5()
    with open(source, "rb") as fh:
        while chunk := fh.read(CHUNK):
            md5.update(chunk)
    if md5.hexdigest() != (spec.gunzip_md5 or "").lower():
        raise DataError(f"'{source}' does not match the pinned checksum of the uncompressed {spec.name} "
                        f"(MD5 {md5.hexdigest()}, expected {spec.gunzip_md5}); it is truncated or another file.",
                        "Copy the file again from a trusted source.")
    ensure_writable(folder)
    final = folder / spec.name
    temp = folder / f".{spec.name}.{uuid.uuid4().hex}.part"
    try:
        with open(source, "rb") as src, gzip.open(temp, "wb", compresslevel=6) as dst:
            shutil.copyfileobj(src, dst, CHUNK)
        os.replace(temp, final)
    finally:
        temp.unlink(missing_ok=True)
    return final
