"""The learner's side without a server: what a result becomes on the wire, the on-disk queue, never an exception."""

from __future__ import annotations

import json
import subprocess
import sys
import time

import pytest

from dlcourse.classroom import client as client_module
from dlcourse.classroom.client import Client, report_result
from dlcourse.classroom.schema import FIELDS, SchemaError, from_check, validate


def test_a_result_on_the_wire_holds_no_code_no_data_no_seed(result_dict):
    record = from_check(result_dict(), "a" * 32, "2026-01-01T10:00:00")
    assert set(record) == FIELDS
    assert record["hints"] == ["remplacez le raise"] and record["passed"] is False
    text = json.dumps(record)
    for secret in ("secret_data", "458438", "au lieu de", "Traceback"):
        assert secret not in text
    assert validate(record)["exercise"] == "tf_tenseurs"


@pytest.mark.parametrize("change, words", [
    ({"code": "import os"}, "unknown field 'code'"),
    ({"exercise": "x" * 65}, "longer than 64"),
    ({"passed": "yes"}, "true or false"),
    ({"hints": ["h"] * 9}, "at most 8"),
    ({"hints": ["h" * 301]}, "at most 300"),
    ({"id": "../../etc"}, "'id'"),
    ({"seconds": -1}, "'seconds'"),
])
def test_the_schema_refuses_unknown_fields_wrong_types_and_long_strings(result_dict, change, words):
    record = {**from_check(result_dict(), "b" * 32, ""), **change}
    with pytest.raises(SchemaError, match=words.replace("(", r"\(")):
        validate(record)


def test_long_hints_are_cut_on_the_client_not_refused(result_dict):
    record = from_check(result_dict(hint="é" * 1000), "c" * 32, "")
    assert len(record["hints"][0]) == 300
    validate(record)


def test_not_joined_report_does_nothing(tmp_path, monkeypatch, result_dict, capsys):
    monkeypatch.setenv("DLCOURSE_CLASSROOM_DIR", str(tmp_path / "room"))
    report_result(result_dict())
    assert not (tmp_path / "room").exists()
    assert capsys.readouterr() == ("", "")


def test_server_gone_the_result_waits_on_disk_in_under_two_seconds(tmp_path, monkeypatch, result_dict, capsys):
    import socket

    with socket.socket() as s:                        # a port where nothing listens
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    folder = tmp_path / "room"
    monkeypatch.setenv("DLCOURSE_CLASSROOM_DIR", str(folder))
    folder.mkdir()
    (folder / "membership.json").write_text(json.dumps({"server": f"http://127.0.0.1:{port}", "token": "t" * 43,
                                                        "name": "Alice"}))
    t0 = time.monotonic()
    report_result(result_dict())
    assert time.monotonic() - t0 < 2.5
    out, err = capsys.readouterr()
    assert out == "" and err.count("\n") == 1
    assert err.startswith("Résultat mis en file d'attente : le serveur de la salle ne répond pas")
    assert len(Client(folder).pending()) == 1


def test_a_server_that_does_not_answer_costs_at_most_two_seconds(tmp_path, result_dict):
    import socket

    with socket.socket() as listener:               # accepts connections, never answers
        listener.bind(("127.0.0.1", 0))
        listener.listen(16)
        port = listener.getsockname()[1]
        folder = tmp_path / "room"
        folder.mkdir()
        (folder / "membership.json").write_text(json.dumps({"server": f"http://127.0.0.1:{port}",
                                                            "token": "t" * 43, "name": "Bob"}))
        c = Client(folder)
        for _ in range(3):
            c.enqueue(result_dict())
        t0 = time.monotonic()
        line = c.report(result_dict())
        assert time.monotonic() - t0 < 2.5
    assert line and "file d'attente" in line
    assert len(c.pending()) == 4


def test_report_result_never_raises_even_on_a_broken_folder(tmp_path, monkeypatch, result_dict, capsys):
    folder = tmp_path / "room"
    folder.mkdir()
    (folder / "membership.json").write_text(json.dumps({"server": "http://127.0.0.1:9", "token": "t", "name": "A"}))
    (folder / "queue").write_text("not a folder")     # the queue cannot be written
    monkeypatch.setenv("DLCOURSE_CLASSROOM_DIR", str(folder))
    report_result(result_dict())
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err


def test_the_client_needs_no_server_package():
    code = ("import sys; import dlcourse.classroom.client, dlcourse.commands.classroom, dlcourse.cli\n"
            "try:\n    dlcourse.cli.main(['classroom', '--help'])\nexcept SystemExit:\n    pass\n"
            "print([m for m in ('starlette', 'uvicorn', 'qrcode', 'httpx') if m in sys.modules])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip().splitlines()[-1] == "[]"
    assert client_module.REPORT_BUDGET <= 2
