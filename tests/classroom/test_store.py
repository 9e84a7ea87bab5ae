"""The SQLite file: the session survives a restart, learners' tokens are kept as digests, results are kept once."""

from __future__ import annotations

import sqlite3

from dlcourse.classroom.schema import from_check, validate
from dlcourse.classroom.store import Store, normalise_code


def _record(result_dict, rid, **kw):
    return validate(from_check(result_dict(**kw), rid, ""))


def test_session_tokens_and_results_survive_a_reopen(tmp_path, result_dict):
    store = Store(tmp_path / "salle.sqlite3")
    code, trainer, resumed = store.session()
    assert not resumed and len(normalise_code(code)) == 8 and store.code_matches(code.lower().replace("-", " "))
    learner, token, name = store.add_learner("Alice")
    assert store.add_learner("Alice")[2] == "Alice (2)"
    assert store.add_results(learner, [_record(result_dict, "a" * 16)]) == (["a" * 16], [])
    store.close()

    store = Store(tmp_path / "salle.sqlite3")
    assert store.session() == (code, trainer, True)
    assert store.learner(token) == (learner, "Alice") and store.learner(token + "x") is None
    assert store.trainer_ok(trainer) and not store.trainer_ok(token) and not store.trainer_ok(None)
    assert store.add_results(learner, [_record(result_dict, "a" * 16), _record(result_dict, "b" * 16)]) == \
        (["b" * 16], ["a" * 16])
    assert store.state()["total"] == 2
    store.close()
    raw = sqlite3.connect(tmp_path / "salle.sqlite3").execute("SELECT token_hash FROM learners").fetchall()
    assert all(len(h) == 64 and h != token for (h,) in raw)          # SHA-256 digests, never the token
    assert oct((tmp_path / "salle.sqlite3").stat().st_mode & 0o777) == "0o600"


def test_the_frequent_hints_count_learners_not_attempts(tmp_path, result_dict):
    store = Store(tmp_path / "salle.sqlite3")
    store.session()
    a, b, c = (store.add_learner(n)[0] for n in "ABC")
    for i in range(5):                                     # A fails five times with the same hint
        store.add_results(a, [_record(result_dict, f"a{i:015d}", hint="pensez à la moyenne")])
    store.add_results(b, [_record(result_dict, "b" * 16, hint="pensez à l'axe")])
    store.add_results(c, [_record(result_dict, "c" * 16, hint="pensez à l'axe")])
    store.add_results(c, [_record(result_dict, "d" * 16, passed=True)])
    state = store.state()
    assert state["hints"]["tf_tenseurs"] == [["pensez à l'axe", 2], ["pensez à la moyenne", 1]]
    assert state["cells"][str(a)]["tf_tenseurs"] == {"state": "failed", "attempts": 5}
    assert state["cells"][str(c)]["tf_tenseurs"] == {"state": "passed", "attempts": 2}
    assert str(b) in state["cells"] and len(state["learners"]) == 3
