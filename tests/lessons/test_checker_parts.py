"""The parts of the exercise checker that need no framework: the JSON wire, the syntax-tree reader and
the generation of starters and solutions from tagged lesson cells."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from dlcourse.lessons.catalogue import LessonError
from dlcourse.lessons.rapport import structure
from dlcourse.lessons.sources import exercise_tag, read_cells, solution_code, starter_code
from dlcourse.lessons.wire import Array, Object, decode, decode_inputs, encode, encode_inputs


def _roundtrip(value):
    return decode(json.loads(json.dumps(encode(value))))


def test_wire_carries_arrays_with_their_dtype_and_shape_as_json():
    a = np.arange(6, dtype=np.uint8).reshape(2, 3)
    got = _roundtrip(a)
    assert isinstance(got, Array) and got.type == "numpy.ndarray" and got.dtype == "uint8"
    assert got.shape == (2, 3) and got.values.dtype == np.uint8 and np.array_equal(got.values, a)


def test_wire_copies_an_array_when_it_is_encoded():
    a = np.zeros(3, dtype=np.float32)
    sent = encode(a)
    a += 5                                        # changed in place afterwards (like an accumulated .grad)
    assert np.array_equal(decode(json.loads(json.dumps(sent))).values, np.zeros(3))


def test_wire_keeps_sequences_dicts_and_non_finite_numbers():
    value = {"t": (1, 2.5, "x"), "l": [None, True], "f": [math.inf, -math.inf, math.nan],
             "nested": {"a": np.array([math.nan, 1.0])}}
    got = _roundtrip(value)
    assert got["t"] == (1, 2.5, "x") and got["l"] == [None, True]
    assert got["f"][0] == math.inf and got["f"][1] == -math.inf and math.isnan(got["f"][2])
    assert math.isnan(got["nested"]["a"].values[0]) and got["nested"]["a"].values[1] == 1.0


def test_wire_turns_other_objects_into_a_type_and_a_repr_never_code():
    class Rusé:
        def __repr__(self):
            return "x" * 500

        def __reduce__(self):                     # what a pickle would run
            raise AssertionError("never pickled")

    got = _roundtrip(Rusé())
    assert isinstance(got, Object) and got.type.endswith("Rusé") and len(got.repr) <= 80


def test_inputs_come_back_as_numpy_with_their_dtype():
    inputs = {"x": np.linspace(0, 1, 4, dtype=np.float32), "n": 3}
    back = decode_inputs(json.loads(json.dumps(encode_inputs(inputs))))
    assert back["n"] == 3 and back["x"].dtype == np.float32 and np.array_equal(back["x"], inputs["x"])


SOURCE = '''
import numpy as np
import tensorflow as tf

def aide(x):
    return tf.reduce_mean(x)

def derivee(x):
    """Utilisez tf.GradientTape et tape.gradient."""
    # with tf.GradientTape() as tape: ... tape.gradient(y, x)
    return 3 * x ** 2 + 2 + aide(x)

def centrer(x):
    m = np.mean(x.numpy(), axis=0)
    return x - m

def par_bande(x):
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = x ** 3
    return tape.gradient(y, x)
'''


def test_structure_reads_calls_from_code_not_from_comments_or_docstrings():
    hand = structure(SOURCE, "derivee")
    assert not hand.appelle("GradientTape", "gradient")         # only named in the docstring and a comment
    assert hand.appelle("reduce_mean")                          # followed into the module's own helper
    tape = structure(SOURCE, "par_bande")
    assert tape.appelle("GradientTape") and tape.appelle("gradient") and not tape.numpy
    assert structure(SOURCE, "centrer").numpy
    assert structure(SOURCE, "absente") is None


EXERCISE = '''import torch


def double(x):
    """x : torch.Tensor -> 2x.

    Indication : multipliez.
    """
    ### BEGIN SOLUTION
    y = x * 2
    return y
    ### END SOLUTION'''


def test_starter_and_solution_are_generated_from_one_cell():
    starter = starter_code(EXERCISE)
    assert "y = x * 2" not in starter and "### BEGIN" not in starter
    assert '    # À compléter (voir la docstring).\n    raise NotImplementedError\n' in starter
    assert "Indication : multipliez." in starter
    solution = solution_code(EXERCISE)
    assert "    y = x * 2\n    return y\n" in solution and "###" not in solution
    namespace: dict = {}
    exec(compile(solution.replace("import torch", ""), "<solution>", "exec"), namespace)
    assert namespace["double"](21) == 42


@pytest.mark.parametrize("broken, message", [
    ("def f():\n    ### BEGIN SOLUTION\n    return 1\n", "never closed"),
    ("def f():\n    return 1\n    ### END SOLUTION\n", "without a"),
    ("def f():\n    ### BEGIN SOLUTION\n    ### BEGIN SOLUTION\n", "before the previous block"),
])
def test_malformed_markers_are_refused(broken, message):
    with pytest.raises(LessonError, match=message):
        solution_code(broken)


def test_a_cell_without_markers_cannot_become_a_starter():
    with pytest.raises(LessonError, match="starter would be the solution"):
        starter_code("def f():\n    return 1\n")


def test_read_cells_finds_exercise_tags(tmp_path):
    script = tmp_path / "05_essai.py"
    script.write_text('# %% [markdown]\n# Titre\n\n# %% tags=["exercise=double"]\n' + EXERCISE + "\n\n# %%\nprint(1)\n",
                      encoding="utf-8")
    cells = read_cells(script)
    assert [c.kind for c in cells] == ["markdown", "code", "code"]
    assert exercise_tag(cells[1].tags) == "double" and exercise_tag(cells[2].tags) is None
    assert cells[1].source == EXERCISE
    script.write_text("# %% tags=[exercise=double]\nx = 1\n", encoding="utf-8")
    with pytest.raises(LessonError, match="malformed tags"):
        read_cells(script)


def test_inputs_nested_in_dicts_and_lists_come_back_as_numpy_arrays():
    import json

    from dlcourse.lessons.wire import decode_inputs, encode_inputs

    inputs = {"x": np.arange(3, dtype=np.int64), "cas": {"a": np.ones((2, 2), np.float32), "n": 3},
              "lots": [np.zeros(2, np.float32), 1.5]}
    back = decode_inputs(json.loads(json.dumps(encode_inputs(inputs))))
    assert back["x"].dtype == np.int64 and back["cas"]["a"].dtype == np.float32
    assert isinstance(back["lots"][0], np.ndarray) and back["lots"][1] == 1.5 and back["cas"]["n"] == 3
