"""Same config, same seed, same CPU: identical metrics and history, and the run folder says how to repeat it.

Each run is a real ``dlcourse train`` in its own process. The second run is started only from
what the first run recorded (its ``config.yaml``, and the framework and thread count from its
``environment.json``), which shows both that training is deterministic and that the run folder
holds every setting needed to repeat it.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
import yaml

from dlcourse.config import validate_config

TIME_KEYS = {"seconds", "train_seconds"}


def train(cli, runs: Path, config: str, framework: str, *overrides: str) -> Path:
    result = runs / "result.json"
    args = ["train", config, "-f", framework, "--quiet", "--runs-dir", str(runs), "--result-json", str(result)]
    for item in overrides:
        args += ["--set", item]
    proc = cli(*args)
    assert proc.returncode == 0, proc.stderr
    return Path(json.loads(result.read_text())["path"])


def history(run: Path) -> list[dict]:
    """``history.csv`` without its wall-clock column."""
    with open(run / "history.csv", newline="", encoding="utf-8") as fh:
        return [{k: v for k, v in row.items() if k not in TIME_KEYS} for row in csv.DictReader(fh)]


def metrics(run: Path) -> dict:
    """``metrics.json`` without timings."""
    return {k: v for k, v in json.loads((run / "metrics.json").read_text()).items() if k not in TIME_KEYS}


@pytest.mark.slow
def test_same_seed_twice_gives_identical_results_and_the_folder_records_how(framework, cli, tmp_path):
    first = train(cli, tmp_path / "a", "digits_mlp", framework, "training.epochs=2", "seed=7")

    # Everything needed to repeat the run is in its folder.
    config = yaml.safe_load((first / "config.yaml").read_text())
    env = json.loads((first / "environment.json").read_text())
    assert validate_config(config).seed == 7 == config["seed"]
    assert config["training"]["epochs"] == 2 and config["framework"] == framework
    settings = env["settings"]
    assert settings["seed"] == 7 and settings["deterministic"] is True
    assert isinstance(settings["threads"], int) and settings["threads"] >= 1
    assert env["framework"] == framework and env["python"] and env["platform"]
    for package in ("dlcourse", "numpy", "scikit-learn", "torch" if framework == "torch" else "keras"):
        assert env["versions"][package], f"{package} version not recorded"

    # A second run from the record alone (no shipped config, no override of ours) gives the same numbers.
    again = train(cli, tmp_path / "b", str(first / "config.yaml"), env["framework"],
                  f"runtime.threads={settings['threads']}")
    rows = history(first)
    assert len(rows) == 2 and all(row["loss"] for row in rows)
    assert history(again) == rows                                      # bit-identical per-epoch logs
    assert metrics(again) == metrics(first)                            # identical final test metrics
    assert first != again and (again / "config.yaml").is_file()
