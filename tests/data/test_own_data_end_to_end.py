"""The learner's own CSV end to end: train with missing cells imputed, then predict raw rows of the same format."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from dlcourse.config import load_config
from dlcourse.data.splits import prepare_splits, raw_splits
from dlcourse.errors import DataError


def _table(path: Path, n: int = 240, seed: int = 0) -> pd.DataFrame:
    """A numeric column, a text column, a target; some cells of both features left empty."""
    rng = np.random.default_rng(seed)
    size = rng.normal(50, 10, n)
    colour = rng.choice(["rouge", "vert", "bleu"], n)
    label = np.where((size > 50) ^ (colour == "bleu"), "oui", "non")
    frame = pd.DataFrame({"taille": size.round(2), "couleur": colour, "classe": label})
    frame.loc[rng.choice(n, 15, replace=False), "taille"] = np.nan
    frame.loc[rng.choice(n, 12, replace=False), "couleur"] = np.nan
    frame.to_csv(path, index=False)
    return frame


def _config(tmp_path: Path, csv_path: Path, missing: str = "median", epochs: int = 8) -> Path:
    path = tmp_path / "own.yaml"
    path.write_text(f"""name: own
task: classification
data:
  dataset: csv
  options: {{path: '{csv_path}', target: classe, missing: {missing}}}
  scaling: standard
model:
  layers:
    - {{type: dense, units: 16, activation: relu}}
    - {{type: dense, units: 2}}
optimizer: {{name: adam, lr: 0.01}}
training: {{epochs: {epochs}, batch_size: 32}}
""", encoding="utf-8")
    return path


def _train(cli, tmp_path: Path, config: Path, framework: str) -> Path:
    result = tmp_path / f"result-{framework}.json"
    done = cli("train", str(config), "-f", framework, "-q", "--runs-dir", str(tmp_path / "runs"),
               "--result-json", str(result))
    assert done.returncode == 0, done.stderr[-2000:]
    return Path(json.loads(result.read_text())["path"])


@pytest.mark.parametrize("framework", ["torch", pytest.param("tensorflow", marks=pytest.mark.slow)])
def test_train_on_a_csv_with_missing_cells_then_predict_raw_rows_as_evaluate_does(cli, tmp_path, framework):
    frame = _table(tmp_path / "fruits.csv")
    run = _train(cli, tmp_path, _config(tmp_path, tmp_path / "fruits.csv"), framework)
    imputer = json.loads((run / "preprocessing.json").read_text())["schema"]["imputer"]
    assert imputer["strategy"] == "median" and set(imputer["numeric"]) == {"taille"}
    assert imputer["categorical"]["couleur"] in ("rouge", "vert", "bleu")

    rows = frame.iloc[:40]                                   # raw rows: empty cells, text, the target too
    rows.to_csv(tmp_path / "rows.csv", index=False)
    assert rows.isna().any().any()
    evaluated = cli("evaluate", str(run), "--data", str(tmp_path / "rows.csv"))
    assert evaluated.returncode == 0, evaluated.stderr[-2000:]
    with open(run / "predictions.csv", newline="", encoding="utf-8") as fh:
        expected = [(r["predicted"], float(r["probability"])) for r in csv.DictReader(fh)]

    predicted = cli("predict", str(run), str(tmp_path / "rows.csv"), "--out", str(tmp_path / "p.csv"))
    assert predicted.returncode == 0, predicted.stderr[-2000:]
    with open(tmp_path / "p.csv", newline="", encoding="utf-8") as fh:
        from_cli = [(r["predicted"], float(r["probability"])) for r in csv.DictReader(fh)]
    assert [p for p, _ in from_cli] == [p for p, _ in expected]
    np.testing.assert_allclose([q for _, q in from_cli], [q for _, q in expected], atol=2e-6)

    from dlcourse.evaluation.predict import predict_frame

    from_frame = predict_frame(run, rows.drop(columns="classe"))          # a DataFrame, without the target
    assert [r["predicted"] for r in from_frame] == [p for p, _ in expected]
    np.testing.assert_allclose([r["probability"] for r in from_frame], [q for _, q in expected], atol=2e-6)

    # the run stores the encoder fitted on its training split as plain JSON parameters, nothing pickled
    _assert_plain_json(run / "preprocessing.json")
    assert not [p.name for p in run.rglob("*") if p.suffix in (".pkl", ".pickle", ".joblib")]
    cfg = load_config(str(tmp_path / "own.yaml"))
    _, splits, _ = prepare_splits(cfg.data, cfg.seed)
    stored = json.loads((run / "preprocessing.json").read_text(encoding="utf-8"))["schema"]
    assert stored == json.loads(json.dumps(splits.info["schema"])) and stored["format"] == 2


def _assert_plain_json(path: Path) -> None:
    """``path`` is UTF-8 JSON of plain values only: no pickle, raw or base64-encoded, and no binary blob."""
    text = path.read_text(encoding="utf-8")
    assert "\\x80" not in text and "gASV" not in text and "pickle" not in text.lower()

    def leaves(value):
        if isinstance(value, dict):
            assert all(isinstance(k, str) for k in value)
            for v in value.values():
                yield from leaves(v)
        elif isinstance(value, list):
            for v in value:
                yield from leaves(v)
        else:
            yield value

    for leaf in leaves(json.loads(text)):
        assert leaf is None or isinstance(leaf, (str, int, float, bool)), leaf
        assert not isinstance(leaf, str) or (len(leaf) < 200 and leaf.isprintable()), leaf


def test_the_encoder_is_sklearns_column_transformer_rebuilt_exactly_from_its_json_parameters(tmp_path):
    from sklearn.compose import ColumnTransformer

    from dlcourse.data.dataset import split_indices
    from dlcourse.data.preprocessing import Preprocessing
    from dlcourse.data.tabular import decode_rows, encode_frame, encoder_parameters, fit_encoder

    frame = _table(tmp_path / "fruits.csv")
    cfg = load_config(str(_config(tmp_path, tmp_path / "fruits.csv", missing="median")))
    ds, splits, scaler = prepare_splits(cfg.data, cfg.seed)
    (tmp_path / "preprocessing.json").write_text(json.dumps({"scaler": scaler.to_dict(), **splits.info}),
                                                 encoding="utf-8")
    _assert_plain_json(tmp_path / "preprocessing.json")
    pre = Preprocessing.load(tmp_path)

    # the live encoder: scikit-learn's ColumnTransformer fitted, as in training, on the training split's rows
    # (decoded from the encoded split: the raw rows, numbers as the float32 the model sees)
    train, _, _ = split_indices(ds.y, cfg.data.val_fraction, cfg.data.test_fraction, cfg.seed, True)
    train_rows = frame.iloc[train]
    assert train_rows.isna().any().any()
    decoded = decode_rows(ds.schema, raw_splits(cfg.data, cfg.seed)[1]["train"][0])
    np.testing.assert_array_equal(decoded["taille"], train_rows["taille"].to_numpy().astype(np.float32))
    assert decoded["couleur"].fillna("-").tolist() == train_rows["couleur"].fillna("-").tolist()
    live = fit_encoder(ds.schema, decoded)
    assert isinstance(live, ColumnTransformer)
    assert encoder_parameters(live, ds.schema) == pre.schema["imputer"]
    on_raw = encoder_parameters(fit_encoder(ds.schema, train_rows), ds.schema)
    assert on_raw["categorical"] == pre.schema["imputer"]["categorical"]
    assert on_raw["numeric"]["taille"] == float(np.nanmedian(train_rows["taille"]))
    assert pre.schema["imputer"]["numeric"]["taille"] == pytest.approx(on_raw["numeric"]["taille"], rel=1e-6)

    rebuilt = pre.column_transformer()                       # from preprocessing.json alone
    assert isinstance(rebuilt, ColumnTransformer) and rebuilt is not live
    assert list(rebuilt.get_feature_names_out()) == ["taille", "couleur=bleu", "couleur=rouge", "couleur=vert"] \
        == pre.schema["features"]
    step = rebuilt.named_transformers_["categorical"]
    assert [type(s).__name__ for s in step.named_steps.values()] == ["SimpleImputer", "OneHotEncoder"]
    assert step.named_steps["one_hot"].handle_unknown == "error"
    for rows in (train_rows, frame):                          # raw rows: text, empty cells, the target too
        expected = live.transform(rows)
        np.testing.assert_array_equal(rebuilt.transform(rows), expected)
        np.testing.assert_array_equal(encode_frame(rows, pre.schema), expected.astype(np.float32))
    # and what training fed the model is what prediction computes from the raw rows
    np.testing.assert_array_equal(pre.transform_frame(train_rows), splits.x_train)


def test_preprocessing_json_formats(tmp_path):
    from dlcourse.data.tabular import encode_frame
    from dlcourse.errors import RunFolderError

    frame = _table(tmp_path / "fruits.csv")
    cfg = load_config(str(_config(tmp_path, tmp_path / "fruits.csv", missing="mean")))
    _, splits, _ = prepare_splits(cfg.data, cfg.seed)
    schema = json.loads(json.dumps(splits.info["schema"]))
    rows = frame.iloc[:30]
    older = {k: v for k, v in schema.items() if k != "format"}              # written before the format field
    np.testing.assert_array_equal(encode_frame(rows, older), encode_frame(rows, schema))
    with pytest.raises(RunFolderError, match=r"CSV encoding in format 3; this dlcourse .* reads format 1 or 2\. "
                                             r"Train the run again"):
        encode_frame(rows, {**schema, "format": 3})
    broken = {**schema, "imputer": {**schema["imputer"], "categorical": {"couleur": "violet"}}}
    with pytest.raises(RunFolderError, match="preprocessing.json is inconsistent"):
        encode_frame(rows, broken)


def test_imputation_statistics_come_from_the_training_split_only(tmp_path):
    frame = _table(tmp_path / "fruits.csv")
    cfg = load_config(str(_config(tmp_path, tmp_path / "fruits.csv", missing="mean")))
    _, parts = raw_splits(cfg.data, cfg.seed)
    train_sizes = parts["train"][0][:, 0]
    held_out = np.concatenate([parts["val"][0][:, 0], parts["test"][0][:, 0]])
    # put an extreme value in one row that lands outside the training split
    target_value = held_out[~np.isnan(held_out)][0]
    row = int(np.flatnonzero(np.isclose(frame["taille"].to_numpy(), target_value, atol=1e-3))[0])
    frame.loc[row, "taille"] = 1e6
    frame.to_csv(tmp_path / "fruits.csv", index=False)
    _, splits, _ = prepare_splits(cfg.data, cfg.seed)
    imputer = splits.info["schema"]["imputer"]
    assert imputer["numeric"]["taille"] == pytest.approx(float(np.nanmean(train_sizes)), rel=1e-5)
    assert imputer["numeric"]["taille"] < 100                                  # the extreme value was not seen
    for split in ("train", "val", "test"):
        assert np.isfinite(getattr(splits, f"x_{split}")).all()


def test_predict_names_a_missing_column_and_handles_unseen_categories(cli, tmp_path):
    _table(tmp_path / "fruits.csv")
    run = _train(cli, tmp_path, _config(tmp_path, tmp_path / "fruits.csv", epochs=1), "torch")
    pd.DataFrame({"taille": [40.0]}).to_csv(tmp_path / "no_colour.csv", index=False)
    done = cli("predict", str(run), str(tmp_path / "no_colour.csv"))
    assert done.returncode == 2 and done.stderr.count("\n") == 1
    assert "missing column(s) 'couleur'" in done.stderr and "'taille', 'couleur'" in done.stderr
    pd.DataFrame({"taille": [40.0], "couleur": ["violet"]}).to_csv(tmp_path / "violet.csv", index=False)
    done = cli("predict", str(run), str(tmp_path / "violet.csv"))
    assert done.returncode == 2 and "category 'violet'" in done.stderr and "most_frequent" in done.stderr
    pd.DataFrame({"taille": [None], "couleur": [None]}).to_csv(tmp_path / "empty.csv", index=False)
    done = cli("predict", str(run), str(tmp_path / "empty.csv"))            # imputed as in training
    assert done.returncode == 0, done.stderr


def test_unknown_missing_policy_and_refused_missing_cells_say_how_to_fix(tmp_path):
    from dlcourse.data.catalogue import load_dataset

    _table(tmp_path / "fruits.csv")
    with pytest.raises(DataError, match="data.options.missing must be one of .*most_frequent, got 'average'"):
        load_dataset("csv", {"path": str(tmp_path / "fruits.csv"), "target": "classe", "missing": "average"})
    with pytest.raises(DataError, match="missing value at row"):
        load_dataset("csv", {"path": str(tmp_path / "fruits.csv"), "target": "classe"})
