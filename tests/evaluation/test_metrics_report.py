"""Final evaluation reports (scikit-learn) on hand-computable cases."""

from __future__ import annotations

import numpy as np
import pytest

from dlcourse.evaluation.metrics import classification_report, regression_report, softmax


def _logits(pred, k):
    out = np.zeros((len(pred), k), np.float32)
    out[np.arange(len(pred)), pred] = 5.0
    return out


def test_classification_report_hand_case():
    y = np.array([0, 1, 2, 2])
    report = classification_report(y, _logits([0, 1, 1, 1], 3), ["a", "b", "c"])
    assert report["summary"]["accuracy"] == pytest.approx(0.5)
    assert report["confusion_matrix"] == [[1, 0, 0], [0, 1, 0], [0, 2, 0]]
    by_class = {r["class"]: r for r in report["per_class"]}
    assert by_class["c"] == {"class": "c", "precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 2}
    assert by_class["b"]["precision"] == pytest.approx(1 / 3)
    assert report["top_k_accuracy"]["top_2"] >= report["summary"]["accuracy"]
    assert 0.0 <= report["roc_auc"] <= 1.0


def test_roc_auc_perfect_and_missing_class():
    y = np.array([0, 1, 0, 1])
    perfect = classification_report(y, _logits([0, 1, 0, 1], 2))
    assert perfect["roc_auc"] == pytest.approx(1.0)
    assert perfect["top_k_accuracy"] == {}                  # no k < 2 classes besides top-1
    # class 2 absent from the labels: ROC-AUC one-vs-rest is undefined
    assert classification_report(y, _logits([0, 1, 0, 1], 3))["roc_auc"] is None


def test_softmax_rows_sum_to_one():
    p = softmax(np.array([[1000.0, 0.0], [0.0, 0.0]]))
    assert np.allclose(p.sum(axis=1), 1.0) and p[0, 0] == pytest.approx(1.0) and p[1, 0] == pytest.approx(0.5)


def test_regression_report_residuals():
    y = np.array([[1.0], [2.0], [3.0], [4.0]])
    pred = y + np.array([[1.0], [-1.0], [1.0], [-1.0]])
    report = regression_report(y, pred)
    assert report["summary"]["mse"] == pytest.approx(1.0) and report["summary"]["mae"] == pytest.approx(1.0)
    assert report["residuals"]["mean"] == pytest.approx(0.0) and report["residuals"]["std"] == pytest.approx(1.0)
    assert report["residuals"]["min"] == -1.0 and report["residuals"]["max"] == 1.0
    assert report["summary"]["r2"] == pytest.approx(1 - 4 / 5)
