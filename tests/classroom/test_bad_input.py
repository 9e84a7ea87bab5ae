"""Bad input to the server and to the command line: each refused with a clear status and reason; others still served."""

from __future__ import annotations

import http.client
import json
import os
import threading

import pytest

from dlcourse.classroom.schema import from_check


def _join(server, name):
    status, answer, _ = server.call("POST", "/api/join", {"code": server.code, "name": name})
    assert status == 200, answer
    return answer["token"]


def _post(server, token, result, rid):
    return server.call("POST", "/api/results", {"results": [from_check(result, rid, "")]}, token=token)


def test_every_bad_request_is_refused_and_the_room_keeps_working(make_server, result_dict):
    server = make_server()
    good = _join(server, "Alice")
    bad = _join(server, "Mallory")

    # a wrong join code, the code in another form (lower case, no dash) is the same code
    status, answer, _ = server.call("POST", "/api/join", {"code": "AAA-AAAA", "name": "Eve"})
    assert (status, answer) == (403, {"error": "wrong join code for this training room"})
    assert server.call("POST", "/api/join", {"code": server.code.lower().replace("-", ""), "name": "Zoé"})[0] == 200
    assert server.call("POST", "/api/join", {"code": server.code, "name": ""})[0] == 422
    assert server.call("POST", "/api/join", {"code": server.code, "name": "A", "admin": True})[0] == 422

    # forged tokens, a token of another room, no token, a learner token on the trainer's pages
    other = make_server()
    foreign = _join(other, "Alice")
    for token in ("forged-token", foreign, "x" * 5000, None):
        status, answer, _ = _post(server, token, result_dict(), "f" * 32)
        assert status == 401 and "token" in answer["error"], (token, status, answer)
    for path in ("/dashboard", "/api/state", "/events", "/export.csv"):
        for query in ("", f"?token={good}", "?token=", f"?token={server.token}x"):
            status, answer, _ = server.call("GET", path + query)
            assert status == 401 and "trainer" in answer["error"], (path, query, status)

    # oversized bodies (declared or streamed in chunks), malformed JSON, results outside the schema
    huge = json.dumps({"results": [{"id": "a" * 32, "exercise": "x", "passed": True, "title": "é" * 20000}]}).encode()
    status, answer, _ = server.call("POST", "/api/results", raw=huge, token=good)
    assert status == 413 and "16384 bytes" in answer["error"]
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    conn.request("POST", "/api/results", body=iter([b"{" + b" " * 8192] * 3), encode_chunked=True,
                 headers={"Authorization": f"Bearer {good}", "Content-Type": "application/json"})
    reply = conn.getresponse()
    assert reply.status == 413 and "larger than" in json.loads(reply.read())["error"]
    conn.close()
    for raw in (b"{not json", b"\xff\xfe", b""):
        status, answer, _ = server.call("POST", "/api/results", raw=raw, token=good)
        assert (status, answer) == (400, {"error": "the request body is not valid JSON"}), raw
    code = {**from_check(result_dict(), "c" * 32, ""), "code": "import os; os.system('rm -rf /')"}
    status, answer, _ = server.call("POST", "/api/results", {"results": [code]}, token=good)
    assert status == 422 and "unknown field 'code'" in answer["error"] and answer["index"] == 0
    assert server.call("POST", "/api/results", {"results": "x"}, token=good)[0] == 422
    assert server.call("GET", "/api/results", token=good)[0] == 405
    assert server.call("GET", "/nothing")[:2] == (404, {"error": "not found"})

    # a flood from one learner: refused with 429 and Retry-After, while another learner is served
    codes, lock = [], threading.Lock()

    def flood():
        for i in range(60):
            status, answer, headers = _post(server, bad, result_dict(),
                                            f"{threading.get_ident():x}{i:04d}".rjust(16, "0"))
            with lock:
                codes.append((status, headers.get("retry-after"), answer))

    threads = [threading.Thread(target=flood) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    refused = [(retry, answer) for status, retry, answer in codes if status == 429]
    assert refused and all(retry and int(retry) >= 1 for retry, _ in refused)
    assert all(answer == {"error": "too many requests; wait before sending again"} for _, answer in refused)
    assert {status for status, _, _ in codes} <= {200, 429}
    status, answer, _ = _post(server, good, result_dict(passed=True), "g" * 32)
    assert status == 200 and answer == {"stored": ["g" * 32], "duplicates": []}

    # guessing the join code: refused after a few tries from one address
    statuses = [server.call("POST", "/api/join", {"code": f"ZZZ-{i:04d}", "name": "Eve"})[0] for i in range(40)]
    assert statuses.count(429) > 0 and set(statuses) <= {403, 429}

    # nothing of the refused requests was stored; the good results are there once
    state = server.state()
    names = {learner["name"] for learner in state["learners"]}
    assert names == {"Alice", "Mallory", "Zoé"}
    alice = next(learner["id"] for learner in state["learners"] if learner["name"] == "Alice")
    assert state["cells"][str(alice)] == {"tf_tenseurs": {"state": "passed", "attempts": 1}}
    assert "import os" not in server.db.read_bytes().decode("latin-1")
    assert server.proc.poll() is None


def test_a_learner_who_left_can_no_longer_send(server, result_dict):
    token = _join(server, "Alice")
    assert server.call("POST", "/api/leave", token=token)[0] == 200
    assert _post(server, token, result_dict(), "h" * 32)[0] == 401
    assert server.state()["learners"] == [{"id": 1, "name": "Alice", "left": True}]


def test_command_line_bad_input_is_one_sentence_and_exit_2(cli, tmp_path, server):
    env = {"DLCOURSE_CLASSROOM_DIR": str(tmp_path / "learner")}
    done = cli("classroom", "join", "AAA-AAAA", "--name", "Alice", "--server", server.url, env=env)
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.startswith("error: the join code 'AAA-AAAA' is not the one of the training room")
    assert "Type the code shown on the trainer's screen" in done.stderr and done.stderr.count("\n") == 1

    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    done = cli("classroom", "join", server.code, "--name", "Alice", "--server", f"127.0.0.1:{port}", env=env)
    assert done.returncode == 2
    assert done.stderr.startswith(f"error: cannot reach the training room server at http://127.0.0.1:{port}")
    assert "--server http://ADDRESS:PORT" in done.stderr and "Traceback" not in done.stderr

    done = cli("classroom", "join", server.code, "--name", "x" * 41, "--server", server.url, env=env)
    assert done.returncode == 2 and "1 to 40 characters" in done.stderr
    done = cli("classroom", "leave", env=env)
    assert done.returncode == 2 and "has not joined a training room" in done.stderr
    done = cli("classroom", "serve", "--host", "127.0.0.1", "--port", str(server.port), "--db",
               str(tmp_path / "other.sqlite3"), env=env, timeout=60)
    assert done.returncode == 2 and f"cannot listen on 127.0.0.1:{server.port}" in done.stderr
    assert not os.path.exists(tmp_path / "learner" / "membership.json")


def test_join_status_leave_from_the_command_line(cli, tmp_path, server):
    env = {"DLCOURSE_CLASSROOM_DIR": str(tmp_path / "learner")}
    done = cli("classroom", "status", env=env)
    assert done.returncode == 0 and "aucune salle" in done.stdout
    done = cli("classroom", "join", server.code, "--name", "Alice", "--server", server.url, env=env)
    assert done.returncode == 0 and "Salle rejointe sous le nom « Alice »" in done.stdout, done.stderr
    assert "Jamais votre code, jamais vos données" in done.stdout
    membership = tmp_path / "learner" / "membership.json"
    assert oct(membership.stat().st_mode & 0o777) == "0o600"
    done = cli("classroom", "status", env=env)
    assert done.returncode == 0 and "a reçu 0 résultat(s)" in done.stdout
    done = cli("classroom", "leave", env=env)
    assert done.returncode == 0 and "Salle quittée" in done.stdout and not membership.exists()
    assert server.state()["learners"][0]["left"] is True
