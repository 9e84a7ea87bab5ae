"""The trainer's dashboard in headless Chromium (driven through the DevTools protocol on a pipe): the grid,
then a result posted while the page is open appears without a reload."""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import subprocess
import time
from pathlib import Path

import numpy as np
import pytest

from dlcourse.classroom.schema import from_check

pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(shutil.which("chromium") is None, reason="chromium is not installed")]

OFFLINE = ["--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1"]


class Browser:
    """Chromium with ``--remote-debugging-pipe``: JSON messages, NUL-terminated, on its file descriptors 3 and 4."""

    def __init__(self, profile: Path):
        to_chrome_r, self._to_chrome = os.pipe()
        self._from_chrome, from_chrome_w = os.pipe()

        def fds():                                   # in the child: the read end on 3, the write end on 4
            import fcntl

            high_r, high_w = fcntl.fcntl(to_chrome_r, fcntl.F_DUPFD, 64), fcntl.fcntl(from_chrome_w, fcntl.F_DUPFD, 64)
            os.dup2(high_r, 3)
            os.dup2(high_w, 4)

        self.proc = subprocess.Popen(
            ["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--remote-debugging-pipe",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             f"--user-data-dir={profile}", "--window-size=1280,900", *OFFLINE, "about:blank"],
            pass_fds=(3, 4, to_chrome_r, from_chrome_w), preexec_fn=fds, stdout=subprocess.DEVNULL,
            stderr=open(profile.parent / "chromium.log", "w"))
        os.close(to_chrome_r)
        os.close(from_chrome_w)
        self._buffer = b""
        self._id = 0

    def send(self, method: str, params: dict | None = None, session: str | None = None, timeout: float = 60):
        self._id += 1
        message = {"id": self._id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self._to_chrome, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + timeout
        while True:
            while b"\0" not in self._buffer:
                assert time.monotonic() < deadline, f"no answer to {method}"
                chunk = os.read(self._from_chrome, 1 << 20)
                assert chunk, "chromium closed the pipe"
                self._buffer += chunk
            raw, self._buffer = self._buffer.split(b"\0", 1)
            reply = json.loads(raw)
            if reply.get("id") == self._id:
                assert "error" not in reply, reply["error"]
                return reply["result"]

    def close(self) -> None:
        try:
            self.send("Browser.close", timeout=10)
        except (AssertionError, OSError):
            pass
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        os.close(self._to_chrome)
        os.close(self._from_chrome)


def _cells(page_eval) -> dict:
    return page_eval("Object.fromEntries([...document.querySelectorAll('#grid tbody tr')].map(tr => "
                     "[tr.cells[0].textContent, [...tr.querySelectorAll('td[data-exercise]')].map(td => "
                     "td.dataset.exercise + ':' + td.dataset.state)]))")


@pytest.mark.slow
def test_the_dashboard_shows_the_grid_and_updates_live(server, tmp_path, result_dict):
    tokens = {}
    for name in ("Alice", "Bob"):
        status, answer, _ = server.call("POST", "/api/join", {"code": server.code, "name": name})
        tokens[name] = answer["token"]

    def post(name, result):
        result["numero"] = {"tf_tenseurs": "3.1", "tf_gradient": "3.2"}[result["exercise"]]
        status, answer, _ = server.call("POST", "/api/results",
                                        {"results": [from_check(result, secrets.token_hex(16), "")]},
                                        token=tokens[name])
        assert status == 200, answer

    post("Alice", result_dict("tf_tenseurs", passed=True))
    post("Bob", result_dict("tf_tenseurs", passed=False, hint="centrez avec la moyenne de chaque image"))

    page_html = server.call("GET", f"/dashboard?token={server.token}")[1]["_text"]
    assert not re.findall(r"""(?:src|href)\s*=\s*["'](?:https?:)?//""", page_html)    # nothing from elsewhere

    browser = Browser(tmp_path / "profile")
    try:
        target = browser.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = browser.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]

        def evaluate(expression: str):
            reply = browser.send("Runtime.evaluate", {"expression": expression, "returnByValue": True}, session)
            return reply["result"].get("value")

        def wait_for(expression: str, timeout: float = 30):
            deadline = time.monotonic() + timeout
            while not evaluate(expression):
                assert time.monotonic() < deadline, f"never true: {expression}"
                time.sleep(0.1)

        def shot(path: Path) -> np.ndarray:
            data = browser.send("Page.captureScreenshot", {"format": "png"}, session)["data"]
            path.write_bytes(__import__("base64").b64decode(data))
            return np.asarray(__import__("PIL.Image", fromlist=["Image"]).open(path).convert("RGB"), dtype=np.int16)

        browser.send("Page.enable", session=session)
        browser.send("Page.navigate", {"url": f"{server.url}/dashboard?token={server.token}"}, session)
        wait_for("document.body && document.body.dataset.total === '2'")
        evaluate("window.__sameDocument = 'oui'")              # lost if the page were reloaded
        assert _cells(evaluate) == {"Alice": ["tf_tenseurs:passed"], "Bob": ["tf_tenseurs:failed"]}
        assert evaluate("document.getElementById('live').textContent") == "en direct"
        assert "centrez avec la moyenne de chaque image" in evaluate("document.getElementById('hints').textContent")
        before = shot(tmp_path / "before.png")

        post("Bob", result_dict("tf_gradient", passed=False, hint="appelez tape.gradient"))
        post("Alice", result_dict("tf_gradient", passed=True))
        wait_for("document.body.dataset.total === '4'")
        assert evaluate("window.__sameDocument") == "oui"
        assert _cells(evaluate) == {"Alice": ["tf_tenseurs:passed", "tf_gradient:passed"],
                                    "Bob": ["tf_tenseurs:failed", "tf_gradient:failed"]}
        assert "appelez tape.gradient" in evaluate("document.getElementById('hints').textContent")
        after = shot(tmp_path / "after.png")
        if os.environ.get("DLCOURSE_KEEP_SHOTS"):
            for name in ("before.png", "after.png"):
                shutil.copy(tmp_path / name, Path(os.environ["DLCOURSE_KEEP_SHOTS"]) / name)
    finally:
        browser.close()

    # the screenshots: the grid is drawn in the state colours, and the new column added green and red cells
    def share(img, rgb):
        return (np.abs(img - np.array(rgb)).sum(axis=2) < 12).mean()

    green, red = (0xB9, 0xE4, 0xC3), (0xF6, 0xC1, 0xBD)
    assert share(before, green) > 0.0005 and share(before, red) > 0.0005
    assert share(after, green) > share(before, green) * 1.3 and share(after, red) > share(before, red) * 1.3
    assert np.abs(after - before).sum(axis=2).astype(bool).mean() > 0.001
