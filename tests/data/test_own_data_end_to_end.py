"""A CSV of 10 000 rows and a folder of 1 000 images train end to end, in both frameworks, from one config each."""

from __future__ import annotations

import json

import numpy as np
import pytest
import yaml
from PIL import Image


def make_csv(path, n=10_000):
    import pandas as pd

    rng = np.random.default_rng(0)
    area = rng.uniform(20, 150, n)
    rooms = rng.integers(1, 6, n)
    city = rng.choice(["Paris", "Lyon", "Lille"], n)
    bonus = np.select([city == "Paris", city == "Lyon"], [2.0, 1.0], 0.0)
    score = 0.03 * area + 0.3 * rooms + bonus + rng.normal(0, 0.3, n)
    label = np.where(score > np.median(score), "expensive", "cheap")
    pd.DataFrame({"area": area.round(1), "rooms": rooms, "city": city, "label": label}).to_csv(path, index=False)


def make_images(root, n=1_000):
    rng = np.random.default_rng(0)
    for k, name in enumerate(["horizontal", "vertical"]):
        (root / name).mkdir(parents=True)
        for i in range(n // 2):
            img = rng.integers(0, 60, (24, 24)).astype(np.uint8)
            pos = rng.integers(4, 20)
            if k == 0:
                img[pos - 2:pos + 2, 3:21] = 230
            else:
                img[3:21, pos - 2:pos + 2] = 230
            Image.fromarray(img).save(root / name / f"{i:04d}.{'png' if i % 2 else 'jpg'}")


def config(name, data, units):
    return {"name": name, "task": "classification", "seed": 0, "data": data,
            "model": {"layers": [{"type": "flatten"}, {"type": "dense", "units": 32, "activation": "relu"},
                                 {"type": "dense", "units": units}]},
            "optimizer": {"name": "adam", "lr": 0.003}, "training": {"epochs": 4, "batch_size": 64}}


@pytest.mark.slow
def test_csv_and_image_folder_train_in_both_frameworks(tmp_path, cli):
    make_csv(tmp_path / "houses.csv")
    make_images(tmp_path / "bars")
    configs = {
        "houses": config("houses", {"dataset": "csv", "scaling": "standard",
                                    "options": {"path": str(tmp_path / "houses.csv"), "target": "label"}}, 2),
        "bars": config("bars", {"dataset": "image_folder", "scaling": "range",
                                "options": {"path": str(tmp_path / "bars"), "size": 16}}, 2),
    }
    for name, cfg in configs.items():
        path = tmp_path / f"{name}.yaml"
        path.write_text(yaml.safe_dump(cfg))
        for fw in ("torch", "tensorflow"):
            out = tmp_path / f"{name}-{fw}.json"
            proc = cli("train", str(path), "-f", fw, "--runs-dir", str(tmp_path / "runs"), "-q",
                       "--result-json", str(out))
            assert proc.returncode == 0, proc.stderr[-2000:]
            result = json.loads(out.read_text())
            test = result["metrics"]["test"]
            print(f"{name} {fw}: test accuracy {test['accuracy']:.4f}, "
                  f"{result['metrics']['train_seconds']:.1f} s training")
            assert test["accuracy"] > 0.85, (name, fw, test)
            pre = json.loads((tmp_path / "runs" / result["path"].split("/")[-1] / "preprocessing.json").read_text())
            kind = "csv" if name == "houses" else "image_folder"
            assert pre["schema"]["kind"] == kind
            sizes = json.loads((tmp_path / "runs" / result["path"].split("/")[-1] / "environment.json").read_text())
            assert sum(sizes["splits"].values()) == (10_000 if name == "houses" else 1_000)
