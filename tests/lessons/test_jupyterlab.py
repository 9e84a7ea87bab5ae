"""The lessons in JupyterLab and their static HTML pages, rendered by headless Chromium with no network."""

from __future__ import annotations

import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import nbformat
import numpy as np
import pytest

from dlcourse.lessons.jupyter import lab_command

pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(shutil.which("chromium") is None, reason="chromium is not installed")]

# Every host name resolves to nothing: a page that tried to load something from the network would fail.
OFFLINE = ["--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1"]


def _chromium(tmp_path: Path, url: str, *, shot: Path | None = None, budget_ms: int = 30000) -> str:
    """Load ``url`` in headless Chromium; return the DOM after ``budget_ms`` of virtual time (and a screenshot)."""
    profile = tmp_path / f"profile-{secrets.token_hex(4)}"
    common = ["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
              "--disable-background-networking", "--disable-component-update", "--disable-sync",
              f"--user-data-dir={profile}", "--window-size=1280,900", f"--virtual-time-budget={budget_ms}", *OFFLINE]
    if shot is not None:
        done = subprocess.run([*common, f"--screenshot={shot}", url], capture_output=True, text=True, timeout=240)
        assert shot.is_file(), done.stderr[-2000:]
    done = subprocess.run([*common, "--dump-dom", url], capture_output=True, text=True, timeout=240)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
def test_a_lesson_opens_in_jupyterlab_and_its_first_cells_render(cli, tmp_path):
    out = tmp_path / "lessons"
    done = cli("lessons", "open", "1", "--print-path", "--out", str(out))
    assert done.returncode == 0, done.stderr
    notebook = Path(done.stdout.strip())
    port, token = _free_port(), secrets.token_hex(16)
    options = ["--no-browser", "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}",
               f"--IdentityProvider.token={token}", "--LabApp.news_url=None"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        options.append("--allow-root")
    command = lab_command(notebook, *options)
    assert command is not None, "JupyterLab comes with the lessons extra"
    env = dict(os.environ, JUPYTER_RUNTIME_DIR=str(tmp_path / "runtime"), JUPYTER_CONFIG_DIR=str(tmp_path / "config"))
    lab = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env)
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/status?token={token}", timeout=5):
                    break
            except OSError:
                assert lab.poll() is None and time.monotonic() < deadline, "JupyterLab did not start"
                time.sleep(0.5)
        # without the token the server answers nothing useful
        with pytest.raises(urllib.error.HTTPError):
            urllib.request.urlopen(f"http://127.0.0.1:{port}/api/contents", timeout=5)
        url = f"http://127.0.0.1:{port}/lab/tree/{notebook.name}?token={token}"
        shot = tmp_path / "lab.png"
        dom = _chromium(tmp_path, url, shot=shot)
    finally:
        lab.terminate()
        lab.wait(timeout=30)
    # the DOM holds the notebook's first cells, rendered: the title as a heading, the parameters cell as code
    first = nbformat.read(notebook, as_version=4).cells
    title = first[0].source.splitlines()[0].lstrip("# ").strip()
    assert re.search(r"<h1[^>]*>(<span[^>]*></span>)?" + re.escape(title), dom), title
    assert "jp-RenderedMarkdown" in dom and "FAST" in dom
    # the screenshot shows them: dark text on the light notebook panel, not a blank or loading page
    pixels = np.asarray(__import__("PIL.Image", fromlist=["Image"]).open(shot).convert("L"), dtype=np.float32)
    panel = pixels[100:380, 380:1200]           # where JupyterLab draws the first cell of the notebook
    assert pixels.std() > 20
    assert 0.02 < (panel < 100).mean() < 0.5, (panel < 100).mean()


def test_lesson_pages_typeset_formulas_with_no_network(tmp_path):
    from dlcourse.lessons.build import to_html

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# Formules\n\nEn ligne $f_\\theta(x) = \\sigma(Wx + b)$ et en bloc :\n\n"
                                              "$$\\mathcal{L} = -\\sum_k y_k \\log p_k$$")]
    page = tmp_path / "page.html"
    page.write_text(to_html(nb), encoding="utf-8")
    text = page.read_text(encoding="utf-8")
    remote = re.findall(r"""(?:src|href)\s*=\s*["'](?:https?:)?//[^"']+""", text)
    assert remote == [], remote                  # nothing is fetched from the network
    dom = _chromium(tmp_path, page.resolve().as_uri(), budget_ms=5000)
    assert dom.count('class="katex"') >= 1 and 'class="katex-display"' in dom
    assert "\\sum_k" not in re.sub(r"<annotation.*?</annotation>", "", dom, flags=re.S)  # no raw LaTeX left
