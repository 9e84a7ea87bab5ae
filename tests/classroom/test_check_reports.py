"""``dlcourse check`` on a joined laptop: the result reaches the trainer, and only the result; offline it waits."""

from __future__ import annotations

import json

import pytest


@pytest.mark.slow
def test_check_sends_its_result_and_queues_it_while_the_server_is_away(cli, tmp_path, server):
    env = {"DLCOURSE_CLASSROOM_DIR": str(tmp_path / "learner")}
    assert cli("classroom", "join", server.code, "--name", "Alice", "--server", server.url, env=env).returncode == 0
    work = tmp_path / "work"
    work.mkdir()
    assert cli("check", "tf_tenseurs", "--start", cwd=work, env=env).returncode == 0
    learner_file = work / "tf_tenseurs.py"
    learner_file.write_text(learner_file.read_text(encoding="utf-8") + "\nSECRET_VALUE = 'ne-doit-pas-sortir'\n",
                            encoding="utf-8")

    done = cli("check", "tf_tenseurs", "--json", cwd=work, env=env)
    assert done.returncode == 1 and done.stderr == ""
    local = json.loads(done.stdout)
    state = server.state()
    assert state["total"] == 1
    assert state["cells"]["1"] == {"tf_tenseurs": {"state": "failed", "attempts": 1}}
    expected = [c["hint"] for c in local["checks"] if c["hint"]]
    assert [h for h, _ in state["hints"]["tf_tenseurs"]] == list(dict.fromkeys(expected))[:3]
    stored = server.db.read_bytes()
    assert b"ne-doit-pas-sortir" not in stored and b"NotImplementedError()" not in stored
    assert str(local["seed"]).encode() not in stored

    server.stop()                                     # the server goes away: the check works, its result waits
    done = cli("check", "tf_tenseurs", cwd=work, env=env)
    assert done.returncode == 1 and "Pas encore" in done.stdout
    assert done.stderr == "Résultat mis en file d'attente : le serveur de la salle ne répond pas.\n"
    assert len(list((tmp_path / "learner" / "queue").glob("*.json"))) == 1

    server.start()                                    # back: the next command sends the queue, once
    done = cli("classroom", "status", env=env)
    assert done.returncode == 0 and "1 résultat(s) en attente viennent d'être envoyés" in done.stdout
    assert server.state()["cells"]["1"]["tf_tenseurs"]["attempts"] == 2
    assert list((tmp_path / "learner" / "queue").glob("*.json")) == []
