"""A full room: 15 learners posting 50 results each at once, the server restarted mid-way; nothing lost or doubled."""

from __future__ import annotations

import csv
import io
import threading
import time
from collections import Counter, defaultdict

import pytest

from dlcourse.classroom.client import Client

LEARNERS, RESULTS = 15, 50


@pytest.mark.slow
def test_fifteen_learners_750_results_across_a_server_restart(make_server, tmp_path, result_dict):
    server = make_server(tmp_path / "salle.sqlite3")
    clients = []
    for n in range(LEARNERS):
        c = Client(tmp_path / f"learner-{n:02d}")              # each learner its own membership and queue
        c.join(server.url, server.code, f"Apprenant {n:02d}")
        clients.append(c)

    done = Counter()
    queued_lines = Counter()
    lock = threading.Lock()
    half = threading.Event()
    errors = []

    def learner(n: int, c: Client) -> None:
        try:
            for i in range(RESULTS):
                result = result_dict(exercise=f"ex_{i % 5}", passed=(i + n) % 3 == 0, hint=f"indice {i % 4}")
                result["seconds"] = i + 0.5                     # identifies the result in the export
                line = c.report(result)                         # the real queue: to disk, then sent in <= 2 s
                with lock:
                    done["results"] += 1
                    queued_lines[n] += bool(line)
                    if done["results"] >= LEARNERS * RESULTS * 0.4:
                        half.set()
                time.sleep(0.05)
        except BaseException as exc:                            # noqa: BLE001 - reported by the main thread
            errors.append(exc)

    threads = [threading.Thread(target=learner, args=(n, c)) for n, c in enumerate(clients)]
    for t in threads:
        t.start()
    assert half.wait(120)
    port, code, token = server.port, server.code, server.token
    server.stop(kill=True)                                      # cut: requests in flight get no answer
    time.sleep(1.0)
    server.start()                                              # same port, same SQLite file
    assert (server.port, server.code, server.token) == (port, code, token)     # the session resumed
    for t in threads:
        t.join(300)
    assert not errors, errors
    assert sum(queued_lines.values()) > 0, "the restart did not cut anything"

    deadline = time.monotonic() + 120                           # the queues send what the restart cut
    while any(c.pending() for c in clients):
        for c in clients:
            c.flush(5.0)
        assert time.monotonic() < deadline, [len(c.pending()) for c in clients]

    state = server.state()
    assert state["total"] == LEARNERS * RESULTS
    assert len(state["learners"]) == LEARNERS
    for learner_row in state["learners"]:
        cells = state["cells"][str(learner_row["id"])]
        assert sum(cell["attempts"] for cell in cells.values()) == RESULTS
    status, answer, _ = server.call("GET", f"/export.csv?token={server.token}")
    rows = list(csv.DictReader(io.StringIO(answer["_text"])))
    assert len(rows) == LEARNERS * RESULTS
    assert len({(r["apprenant"], r["id_resultat"]) for r in rows}) == LEARNERS * RESULTS
    seconds = defaultdict(list)
    for r in rows:
        seconds[r["apprenant"]].append(float(r["secondes"]))
    assert {name: sorted(s) for name, s in seconds.items()} == \
        {f"Apprenant {n:02d}": [i + 0.5 for i in range(RESULTS)] for n in range(LEARNERS)}
    # the hints most given on failures, per exercise, counted once per learner
    assert all(1 <= count <= LEARNERS for hints in state["hints"].values() for _, count in hints)
