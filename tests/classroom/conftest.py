"""The training room's server in its own process (``dlcourse classroom serve``, uvicorn) on a free port."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """``dlcourse classroom serve --host 127.0.0.1`` on ``port`` over the SQLite file ``db``."""

    def __init__(self, db: Path, port: int | None = None, qr: bool = False):
        self.db, self.port, self.qr = db, port or free_port(), qr
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen | None = None
        self.code = self.token = ""
        self.log = db.with_suffix(".log")

    def start(self, timeout: float = 60) -> "Server":
        out = open(self.log, "a", encoding="utf-8")
        self.proc = subprocess.Popen([sys.executable, "-m", "dlcourse", "classroom", "serve", "--host", "127.0.0.1",
                                      "--port", str(self.port), "--db", str(self.db),
                                      *([] if self.qr else ["--no-qr"])],
                                     stdout=out, stderr=subprocess.STDOUT, cwd=ROOT, stdin=subprocess.DEVNULL,
                                     env={**os.environ, "PYTHONUNBUFFERED": "1"})
        out.close()
        deadline = time.monotonic() + timeout
        while True:
            text = self.log.read_text(encoding="utf-8")
            codes, tokens = re.findall(r"Code de la salle : (\S+)", text), re.findall(r"dashboard\?token=(\S+)", text)
            if codes and tokens:
                try:
                    with urllib.request.urlopen(f"{self.url}/", timeout=2):
                        break
                except OSError:
                    pass
            assert self.proc.poll() is None, f"the server stopped:\n{text}"
            assert time.monotonic() < deadline, f"the server did not start:\n{text}"
            time.sleep(0.1)
        self.code, self.token = codes[-1], tokens[-1]
        return self

    def stop(self, kill: bool = False) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill() if kill else self.proc.terminate()
            self.proc.wait(timeout=30)
        self.proc = None

    def call(self, method: str, path: str, payload=None, *, token: str | None = None, raw: bytes | None = None,
             headers: dict | None = None) -> tuple[int, dict, dict]:
        """``(status, JSON answer, headers)``."""
        data = raw if raw is not None else (None if payload is None else json.dumps(payload).encode())
        head = {"Content-Type": "application/json", **(headers or {})}
        if token:
            head["Authorization"] = f"Bearer {token}"
        request = urllib.request.Request(self.url + path, data=data, method=method, headers=head)
        try:
            with urllib.request.urlopen(request, timeout=10) as r:
                status, body, got = r.status, r.read(), {k.lower(): v for k, v in r.headers.items()}
        except urllib.error.HTTPError as exc:
            status, body, got = exc.code, exc.read(), {k.lower(): v for k, v in exc.headers.items()}
        try:
            answer = json.loads(body)
        except ValueError:
            answer = {"_text": body.decode("utf-8", "replace")}
        return status, answer, got

    def state(self) -> dict:
        status, answer, _ = self.call("GET", f"/api/state?token={self.token}")
        assert status == 200, answer
        return answer


@pytest.fixture
def server(tmp_path):
    pytest.importorskip("starlette")
    pytest.importorskip("uvicorn")
    s = Server(tmp_path / "salle.sqlite3").start()
    yield s
    s.stop()


def check_result(exercise: str = "tf_tenseurs", passed: bool = False, hint: str = "remplacez le raise") -> dict:
    """A ``Result.to_dict()`` as ``dlcourse check --json`` prints it (with what must never leave the laptop)."""
    return {"exercise": exercise, "title": f"Titre de {exercise}", "chapter": 3, "numero": "3.1",
            "framework": "tensorflow", "passed": passed, "seed": 458438, "seconds": 1.25,
            "checks": [{"passed": passed, "message": "la sortie vaut [[1.0, 2.0]] au lieu de [[0.5, 1.5]]",
                        "hint": None if passed else hint}],
            "problem": None if passed else "Traceback: x = secret_data()", "problem_hint": None}


@pytest.fixture
def make_server(tmp_path):
    """``make_server(db=None, port=None, qr=False)`` -> a started :class:`Server`, stopped at the end of the test."""
    pytest.importorskip("starlette")
    pytest.importorskip("uvicorn")
    started = []

    def make(db: Path | None = None, port: int | None = None, qr: bool = False) -> Server:
        s = Server(db or tmp_path / f"salle-{len(started)}.sqlite3", port, qr).start()
        started.append(s)
        return s

    yield make
    for s in started:
        s.stop()


@pytest.fixture
def result_dict():
    return check_result
