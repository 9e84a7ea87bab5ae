"""Property-based tests of the run folder reader: damaged files give a RunFolderError, never another exception.

``DLCOURSE_FUZZ_EXAMPLES`` raises the number of examples (default ~200), as for the config fuzzing.
"""

from __future__ import annotations

import json
import os

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dlcourse.errors import RunFolderError
from dlcourse.runs import REQUIRED, RUN_FORMAT, read_run

EXAMPLES = int(os.environ.get("DLCOURSE_FUZZ_EXAMPLES", "200"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, derandomize="DLCOURSE_FUZZ_SEED" not in os.environ,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])

GOOD = {
    "config.yaml": b"name: t\ntask: classification\n",
    "environment.json": json.dumps({"run_format": RUN_FORMAT, "versions": {"dlcourse": "0.1.0"}}).encode(),
    "history.csv": b"epoch,loss,accuracy,seconds\n1,0.5,0.8,0.1\n2,0.4,0.85,0.1\n",
    "metrics.json": b'{"test": {"accuracy": 0.85}}',
}

json_values = st.recursive(st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=10)),
                           lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                   st.dictionaries(st.text(max_size=8), inner, max_size=3)),
                           max_leaves=10)
contents = st.one_of(
    st.binary(max_size=200),
    st.text(max_size=200).map(lambda t: t.encode("utf-8")),
    json_values.map(lambda v: json.dumps(v).encode()),
    st.builds(lambda good, cut: good[:cut], st.sampled_from(list(GOOD.values())), st.integers(0, 60)),
)


@FUZZ
@given(damaged=st.dictionaries(st.sampled_from(REQUIRED), st.one_of(st.none(), contents), min_size=1))
def test_damaged_run_folders_give_only_run_folder_errors(tmp_path, damaged):
    """Each damaged file is replaced by random bytes, truncated, or removed (``None``)."""
    run = tmp_path / "run"
    run.mkdir(exist_ok=True)
    for name in REQUIRED:
        path = run / name
        path.unlink(missing_ok=True)
        content = damaged.get(name, GOOD[name])
        if content is not None:
            path.write_bytes(content)
    try:
        result = read_run(run)
    except RunFolderError as exc:
        assert str(exc) and "\n" not in str(exc).strip()
    else:
        assert isinstance(result["metrics"], dict) and isinstance(result["history"], list)


def test_the_intact_folder_reads(tmp_path):
    for name, content in GOOD.items():
        (tmp_path / name).write_bytes(content)
    run = read_run(tmp_path)
    assert [row["epoch"] for row in run["history"]] == [1, 2] and run["metrics"]["test"]["accuracy"] == 0.85
