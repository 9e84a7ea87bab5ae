"""Verified downloads against a server started on 127.0.0.1 (no internet)."""

from __future__ import annotations

import gzip
import hashlib
import os
import signal
import socket
import ssl
import subprocess
import sys
import time
from pathlib import Path

import pytest

from dlcourse.data.download import ENV_VAR, OfflineError, RemoteFile, data_dir, fetch, install_local, matches
from dlcourse.errors import DataError

BODY = os.urandom(200_000)
SPEC = RemoteFile("file.bin", sha256=hashlib.sha256(BODY).hexdigest(), size=len(BODY))
FAST = {"timeout": 2.0, "retries": 3, "backoff": 0.0, "progress": False}


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def test_good_file_is_cached_and_warm_cache_makes_no_request(server, tmp_path):
    server.routes["/f"] = [("ok", BODY)]
    path = fetch(SPEC, [server.url("/f")], tmp_path / "cache", **FAST)
    assert path == tmp_path / "cache" / "file.bin" and path.read_bytes() == BODY
    assert server.hits["/f"] == 1
    again = fetch(SPEC, [server.url("/f")], tmp_path / "cache", **FAST)
    assert again == path and server.hits["/f"] == 1          # warm cache: no request at all
    assert leftovers(tmp_path / "cache") == ["file.bin"]


@pytest.mark.parametrize("body", [BODY[:-1] + b"x", b"<!DOCTYPE html><html><body>Not found</body></html>"],
                         ids=["corrupted", "html-200"])
def test_wrong_content_is_rejected_with_url_checksums_and_sizes(server, tmp_path, body):
    server.routes["/f"] = [("ok", body)]
    with pytest.raises(DataError) as err:
        fetch(SPEC, [server.url("/f")], tmp_path / "cache", **FAST)
    msg = str(err.value)
    assert server.url("/f") in msg
    assert SPEC.sha256 in msg and hashlib.sha256(body).hexdigest() in msg
    assert f"{len(BODY)} bytes" in msg and f"{len(body)} bytes" in msg
    if body.startswith(b"<!"):
        assert "HTML" in msg
    assert leftovers(tmp_path / "cache") == []


@pytest.mark.parametrize("plan", [("truncate", BODY, 50_000), ("stall", BODY, 3.0)], ids=["closed-mid-file", "stall"])
def test_interrupted_transfer_leaves_nothing_and_next_attempt_succeeds(server, tmp_path, plan):
    server.routes["/f"] = [plan, ("ok", BODY)]
    with pytest.raises(DataError) as err:
        fetch(SPEC, [server.url("/f")], tmp_path / "cache", **{**FAST, "timeout": 0.5})
    assert "timed out" in str(err.value) or "closed before the end" in str(err.value)
    assert leftovers(tmp_path / "cache") == []
    path = fetch(SPEC, [server.url("/f")], tmp_path / "cache", **FAST)
    assert path.read_bytes() == BODY


def test_503_is_retried_on_the_same_mirror(server, tmp_path):
    server.routes["/f"] = [("status", 503, b"busy"), ("status", 503, b"busy"), ("ok", BODY)]
    path = fetch(SPEC, [server.url("/f")], tmp_path / "c", **FAST)
    assert path.read_bytes() == BODY and server.hits["/f"] == 3


def test_503_retries_are_bounded(server, tmp_path):
    server.routes["/f"] = [("status", 503, b"busy")]
    with pytest.raises(DataError, match="HTTP 503"):
        fetch(SPEC, [server.url("/f")], tmp_path / "c", **FAST)
    assert server.hits["/f"] == FAST["retries"] and leftovers(tmp_path / "c") == []


def _closed_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def test_next_mirror_after_network_error(server, tmp_path):
    server.routes["/f"] = [("ok", BODY)]
    dead = f"http://127.0.0.1:{_closed_port()}/f"
    path = fetch(SPEC, [dead, server.url("/f")], tmp_path / "c", **FAST)
    assert path.read_bytes() == BODY


def test_next_mirror_after_checksum_failure(server, make_server, tmp_path):
    other = make_server()
    server.routes["/f"] = [("ok", b"garbage")]
    other.routes["/f"] = [("ok", BODY)]
    path = fetch(SPEC, [server.url("/f"), other.url("/f")], tmp_path / "c", **FAST)
    assert path.read_bytes() == BODY and server.hits["/f"] == 1 and other.hits["/f"] == 1


def test_offline_says_so_and_suggests_import(tmp_path):
    urls = [f"http://127.0.0.1:{_closed_port()}/f", f"http://127.0.0.1:{_closed_port()}/g"]
    with pytest.raises(OfflineError) as err:
        fetch(SPEC, urls, tmp_path / "c", **FAST)
    assert "offline" in str(err.value) and "dlcourse datasets import" in str(err.value)


def test_https_is_never_downgraded_to_http(server, make_server, tls, tmp_path):
    server_ctx, client_ctx = tls
    secure = make_server(server_ctx)
    server.routes["/f"] = [("ok", BODY)]                            # the plain-http copy
    secure.routes["/f"] = [("redirect", server.url("/f"))]          # https -> http redirect
    secure.routes["/g"] = [("ok", BODY)]
    with pytest.raises(DataError) as err:
        fetch(SPEC, [secure.url("/f")], tmp_path / "c", context=client_ctx, **FAST)
    assert "https is never downgraded" in str(err.value)
    assert server.hits["/f"] == 0 and leftovers(tmp_path / "c") == []
    path = fetch(SPEC, [secure.url("/f"), secure.url("/g")], tmp_path / "c", context=client_ctx, **FAST)
    assert path.read_bytes() == BODY and server.hits["/f"] == 0


def test_unwritable_cache_names_folder_and_variable(server, tmp_path):
    server.routes["/f"] = [("ok", BODY)]
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    folder = blocker / "cache"
    with pytest.raises(DataError) as err:
        fetch(SPEC, [server.url("/f")], folder, **FAST)
    assert str(folder) in str(err.value) and ENV_VAR in str(err.value)
    assert server.hits["/f"] == 0


def test_data_dir_precedence(tmp_path, monkeypatch):
    monkeypatch.setenv(ENV_VAR, str(tmp_path / "env"))
    assert data_dir() == tmp_path / "env"
    assert data_dir(tmp_path / "flag") == tmp_path / "flag"
    monkeypatch.delenv(ENV_VAR)
    assert "dlcourse" in str(data_dir())


@pytest.mark.slow
def test_sigkill_during_download_leaves_nothing_under_final_name(server, tmp_path):
    big = os.urandom(400_000)
    spec = RemoteFile("big.bin", sha256=hashlib.sha256(big).hexdigest())
    server.routes["/big"] = [("slow", big, 0.05), ("ok", big)]
    folder = tmp_path / "cache"
    code = ("import sys; from dlcourse.data.download import fetch, RemoteFile; "
            f"fetch(RemoteFile('big.bin', sha256='{spec.sha256}'), ['{server.url('/big')}'], sys.argv[1], progress=False)")
    proc = subprocess.Popen([sys.executable, "-c", code, str(folder)])
    try:
        deadline = time.time() + 60
        while time.time() < deadline:           # wait until part of the file is on disk
            parts = list(folder.glob(".big.bin.*.part")) if folder.exists() else []
            if parts and parts[0].stat().st_size > 0:
                break
            time.sleep(0.05)
        else:
            pytest.fail("the download never started")
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == -signal.SIGKILL
    assert not (folder / "big.bin").exists()
    stale = list(folder.glob(".big.bin.*.part"))
    assert stale                                     # the killed process could not clean up...
    old = time.time() - 7200
    os.utime(stale[0], (old, old))
    path = fetch(spec, [server.url("/big")], folder, **FAST)
    assert path.read_bytes() == big
    assert leftovers(folder) == ["big.bin"]          # ...the next download removes its old temporary file


def test_recompressed_gz_accepted_by_decompressed_checksum(tmp_path):
    content = os.urandom(5000)
    published = gzip.compress(content, compresslevel=9, mtime=0)
    recompressed = gzip.compress(content, compresslevel=1, mtime=123)
    assert published != recompressed
    spec = RemoteFile("x.gz", md5=hashlib.md5(published).hexdigest(), gunzip_md5=hashlib.md5(content).hexdigest())
    (tmp_path / "x.gz").write_bytes(recompressed)
    assert matches(spec, tmp_path / "x.gz")
    (tmp_path / "y.gz").write_bytes(gzip.compress(content + b"!", mtime=0))
    assert not matches(spec, tmp_path / "y.gz")


def test_install_local_verifies_then_copies_atomically(tmp_path):
    src = tmp_path / "usb"
    src.mkdir()
    (src / "file.bin").write_bytes(BODY)
    path = install_local(SPEC, src / "file.bin", tmp_path / "cache")
    assert path.read_bytes() == BODY
    (src / "bad.bin").write_bytes(BODY[:100])
    with pytest.raises(DataError, match="does not match"):
        install_local(RemoteFile("bad.bin", sha256=SPEC.sha256), src / "bad.bin", tmp_path / "cache")
    assert leftovers(tmp_path / "cache") == ["file.bin"]
