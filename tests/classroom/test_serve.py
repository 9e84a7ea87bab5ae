"""What ``dlcourse classroom serve`` prints, the learners' page, and the server's packages as an optional extra."""

from __future__ import annotations

import importlib.util
import re

import pytest

from dlcourse.cli import main


def test_serve_prints_the_code_a_qr_code_and_the_trainer_links(make_server):
    pytest.importorskip("qrcode")
    server = make_server(qr=True)
    text = server.log.read_text(encoding="utf-8")
    assert re.search(r"Code de la salle : [A-Z2-9]{3}-[A-Z2-9]{4}\n", text)
    assert f"dlcourse classroom join {server.code} --name PRÉNOM --server {server.url}" in text
    assert text.count("█") > 50                                  # the QR code, drawn in the terminal
    assert f"(le QR code ouvre {server.url}/?code={server.code}" in text
    assert f"{server.url}/export.csv?token={server.token}" in text
    status, answer, _ = server.call("GET", f"/?code={server.code}")
    page = answer["_text"]
    assert status == 200 and f"dlcourse classroom join {server.code} --name VOTRE_PRÉNOM" in page
    assert "Jamais votre code, jamais vos données" in page and server.token not in page
    page = server.call("GET", "/?code=<script>alert(1)</script>")[1]["_text"]
    assert "<script>alert" not in page and "join CODE" in page


def test_serve_without_the_classroom_extra_says_how_to_install_it(monkeypatch, capsys, tmp_path):
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "uvicorn" else real(name, *a))
    assert main(["classroom", "serve", "--db", str(tmp_path / "s.sqlite3")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: the training room server needs uvicorn, not installed")
    assert "-m pip install -e '.[classroom]'" in err and err.count("\n") == 1
