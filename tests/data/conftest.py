"""Fixtures of the data tests: a scriptable HTTP(S) server on 127.0.0.1 for the download tests.

Each path is given a list of behaviours, consumed one per request (the last one repeats):
``("ok", body)``, ``("status", code, body)``, ``("truncate", body, n)`` (announces the full
length, sends ``n`` bytes, closes), ``("stall", body, seconds)`` (headers, then silence),
``("slow", body, seconds_per_chunk)``, ``("redirect", location)``.
"""

from __future__ import annotations

import http.server
import ssl
import subprocess
import threading
import time
from collections import Counter
from pathlib import Path


class Server:
    def __init__(self, context: ssl.SSLContext | None = None):
        self.routes: dict[str, list[tuple]] = {}
        self.hits: Counter = Counter()
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_GET(self):
                server.hits[self.path] += 1
                plan = server.routes.get(self.path)
                if not plan:
                    self.send_response(404)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                step = plan.pop(0) if len(plan) > 1 else plan[0]
                kind = step[0]
                if kind == "redirect":
                    self.send_response(302)
                    self.send_header("Location", step[1])
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                code = step[1] if kind == "status" else 200
                body = step[2] if kind == "status" else step[1]
                self.send_response(code)
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Connection", "close")
                self.end_headers()
                try:
                    if kind in ("ok", "status"):
                        self.wfile.write(body)
                    elif kind == "truncate":
                        self.wfile.write(body[:step[2]])
                        self.wfile.flush()
                    elif kind == "stall":
                        self.wfile.write(body[:10])
                        self.wfile.flush()
                        time.sleep(step[2])
                    elif kind == "slow":
                        for i in range(0, len(body), 4096):
                            self.wfile.write(body[i:i + 4096])
                            self.wfile.flush()
                            time.sleep(step[2])
                except (BrokenPipeError, ConnectionResetError):
                    pass
                self.close_connection = True

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        if context is not None:
            self.httpd.socket = context.wrap_socket(self.httpd.socket, server_side=True)
        self.scheme = "https" if context else "http"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path: str) -> str:
        return f"{self.scheme}://127.0.0.1:{self.httpd.server_address[1]}{path}"

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def self_signed(folder: Path) -> tuple[Path, Path]:
    """A certificate and key for 127.0.0.1, made with the openssl command."""
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(cert),
                    "-days", "1", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
                   check=True, capture_output=True)
    return cert, key


import pytest  # noqa: E402


@pytest.fixture
def server():
    srv = Server()
    yield srv
    srv.close()


@pytest.fixture
def make_server():
    """Factory for extra servers (a second mirror, an https one); all closed at the end."""
    made = []

    def make(context=None):
        srv = Server(context)
        made.append(srv)
        return srv

    yield make
    for srv in made:
        srv.close()


@pytest.fixture
def tls(tmp_path):
    """(server context, client context) for https on 127.0.0.1 with a throw-away self-signed certificate."""
    import shutil

    if shutil.which("openssl") is None:
        pytest.skip("the openssl command is needed to make a test certificate")
    cert, key = self_signed(tmp_path)
    server_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_ctx.load_cert_chain(cert, key)
    return server_ctx, ssl.create_default_context(cafile=str(cert))
