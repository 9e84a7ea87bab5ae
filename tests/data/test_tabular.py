"""The CSV loader: target, numeric and categorical columns, task inference, missing values, fuzzing."""

from __future__ import annotations

import os

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dlcourse.data.tabular import encode_frame, load_csv
from dlcourse.errors import DataError

EXAMPLES = int(os.environ.get("DLCOURSE_FUZZ_EXAMPLES", "200"))


def write(tmp_path, text: str, name: str = "d.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_numeric_and_categorical_columns_with_text_target(tmp_path):
    path = write(tmp_path, "age,city,income,label\n30,Paris,1.5,yes\n40,Lyon,2.5,no\n50,Paris,3.0,yes\n22,Nice,0.5,no\n")
    ds = load_csv(path, target="label")
    assert ds.task == "classification" and ds.classes == ["no", "yes"]
    assert ds.x.dtype == np.float32 and ds.x.shape == (4, 2 + 3)         # age, income, city one-hot (3)
    assert ds.schema["features"] == ["age", "income", "city=Lyon", "city=Nice", "city=Paris"]
    np.testing.assert_array_equal(ds.x[0], [30, 1.5, 0, 0, 1])
    np.testing.assert_array_equal(ds.y, [1, 0, 1, 0])
    assert ds.y.dtype == np.int64


def test_task_inferred_or_stated(tmp_path):
    rng = np.random.default_rng(0)
    rows = "\n".join(f"{a:.3f},{int(a > 0)},{a * 2 + 0.1:.4f}" for a in rng.standard_normal(50))
    path = write(tmp_path, "x,cls,value\n" + rows + "\n")
    reg = load_csv(path, target="value")
    assert reg.task == "regression" and reg.y.shape == (50, 1) and reg.y.dtype == np.float32
    cls = load_csv(path, target="cls")
    assert cls.task == "classification" and cls.classes == ["0", "1"]
    forced = load_csv(path, target="cls", task="regression")
    assert forced.task == "regression"


def test_missing_value_names_row_and_column(tmp_path):
    path = write(tmp_path, "a,b,t\n1,2,0\n3,,1\n5,6,0\n7,8,1\n")
    with pytest.raises(DataError) as err:
        load_csv(path, target="t")
    assert "row 2" in str(err.value) and "line 3" in str(err.value) and "'b'" in str(err.value)
    assert "missing: drop" in str(err.value)
    ds = load_csv(path, target="t", missing="drop")
    assert len(ds.x) == 3 and ds.schema["dropped_rows"] == 1


@pytest.mark.parametrize("text, options, match", [
    ("a,b\n1,2\n", {"target": "c"}, "no column 'c'"),
    ("a,t\n1,x\n2,y\n", {"target": "t", "task": "regression"}, "text"),
    ("a,t\n1,0\n2,0\n", {"target": "t"}, "single class"),
    ("t\n1\n2\n", {"target": "t"}, "no feature column"),
    ("", {"target": "t"}, "empty"),
    ("a,t\n1,0\n2,1\n", {"target": "t", "missing": "fill"}, "missing must be"),
], ids=["no-target", "text-regression", "one-class", "no-feature", "empty", "bad-policy"])
def test_bad_files_raise_data_error(tmp_path, text, options, match):
    with pytest.raises(DataError, match=match):
        load_csv(write(tmp_path, text), **options)


def test_not_utf8_and_missing_file(tmp_path):
    path = tmp_path / "latin.csv"
    path.write_bytes("a,t\n1,caf\xe9\n".encode("latin-1"))
    with pytest.raises(DataError, match="UTF-8"):
        load_csv(str(path), target="t")
    with pytest.raises(DataError, match="does not exist"):
        load_csv(str(tmp_path / "nope.csv"), target="t")


def test_encode_frame_at_prediction_time_rejects_unseen_category(tmp_path):
    import pandas as pd

    ds = load_csv(write(tmp_path, "n,c,t\n1,a,0\n2,b,1\n3,a,0\n"), target="t")
    x = encode_frame(pd.DataFrame({"n": [4.0], "c": ["b"]}), ds.schema)
    np.testing.assert_array_equal(x, [[4.0, 0.0, 1.0]])
    with pytest.raises(DataError, match="unseen"):
        encode_frame(pd.DataFrame({"n": [4.0], "c": ["zzz"]}), ds.schema)
    with pytest.raises(DataError, match="missing column"):
        encode_frame(pd.DataFrame({"n": [4.0]}), ds.schema)


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.binary(max_size=300) | st.text(alphabet=st.sampled_from(list("ab,t01.;\n\"' -eE\x00nan")), max_size=200)
       .map(lambda s: ("a,b,t\n" + s).encode("utf-8", "surrogatepass")))
def test_fuzz_csv_raises_only_data_error(tmp_path, data):
    path = tmp_path / "fuzz.csv"
    path.write_bytes(data)
    try:
        ds = load_csv(str(path), target="t")
    except DataError:
        return
    assert len(ds.x) == len(ds.y) > 0 and ds.x.dtype == np.float32


def test_numeric_column_at_prediction_time_names_the_bad_row(tmp_path):
    import pandas as pd

    ds = load_csv(write(tmp_path, "n,t\n1,0\n2,1\n3,0\n"), target="t")
    with pytest.raises(DataError, match="row 2 holds 'abc'"):
        encode_frame(pd.DataFrame({"n": ["1.5", "abc"]}), ds.schema)


def test_a_text_column_without_any_value_is_named(tmp_path):
    from dlcourse.data.tabular import fit_imputer

    with pytest.raises(DataError, match="column 'c' has no value in any row.*data.options.drop: \\[c\\]"):
        load_csv(write(tmp_path, "n,c,t\n1,,0\n2,,1\n3,,0\n"), target="t", missing="mean", categorical=["c"])
    ds = load_csv(write(tmp_path, "n,c,t\n1,,0\n2,,1\n3,b,0\n4,a,1\n"), target="t", missing="mean")
    assert fit_imputer(ds.schema, ds.x[1:]) == {"strategy": "mean", "numeric": {"n": 3.0}, "categorical": {"c": "a"}}
    with pytest.raises(DataError, match="column 'c' has no value in the training split"):
        fit_imputer(ds.schema, ds.x[:2])


@pytest.mark.parametrize("text, features", [
    ("c,t\na,0\n,1\nb,0\na,1\n", ["c=a", "c=b"]),
    ("n,t\n1,0\n,1\n3,0\n5,1\n", ["n"]),
], ids=["text-only", "numbers-only"])
def test_imputed_tables_with_one_kind_of_column_encode_again_from_their_parameters(tmp_path, text, features):
    import json

    import pandas as pd

    from dlcourse.data.tabular import apply_imputer, fit_imputer, rebuild_encoder

    ds = load_csv(write(tmp_path, text), target="t", missing="mean")
    imputer = fit_imputer(ds.schema, ds.x)
    assert imputer["strategy"] == "mean"
    schema = json.loads(json.dumps({**ds.schema, "imputer": imputer}))
    assert list(rebuild_encoder(schema).get_feature_names_out()) == features == schema["features"]
    filled = apply_imputer(ds.schema, imputer, ds.x)
    np.testing.assert_array_equal(filled[1], [1.0, 0.0] if features[0] == "c=a" else [3.0])
    frame = pd.read_csv(tmp_path / "d.csv")
    np.testing.assert_array_equal(encode_frame(frame, schema), filled)
