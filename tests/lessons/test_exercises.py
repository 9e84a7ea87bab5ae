"""Exercise checks: pass on the reference, fail in French on the starter and on typical mistakes.

The learner's file always runs in a separate process; loops, crashes and segmentation faults
become French sentences, never a traceback or a hang.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from dlcourse.lessons.exercises import check_exercise, format_result, list_exercises, load_exercise

EXERCISES = [ex.id for ex in list_exercises()]

# One file per exercise holding typical mistakes, and a piece of the French message each must produce.
WRONG = {
    "tf_tenseurs": ("""
        import tensorflow as tf
        def aplatir(images):
            return tf.cast(images, tf.float32) / 255.0          # pas aplati
        def centrer(x):
            return x - tf.reduce_mean(x, axis=1, keepdims=True)  # mauvais axe
        """, ["as-tu aplati l'image", "moyenne de chaque ligne"]),
    "tf_gradient": ("""
        import tensorflow as tf
        def derivee(x):
            with tf.GradientTape() as tape:                     # x non surveillé
                y = x ** 3 + 2 * x
            return tape.gradient(y, x)
        def gradient_mse(w, b, x, y):
            with tf.GradientTape() as tape:
                perte = tf.reduce_sum((w * x + b - y) ** 2)     # somme au lieu de moyenne
            return tuple(tape.gradient(perte, [w, b]))
        """, ["tape.watch(x)", "sommé au lieu de moyenner"]),
    "keras_parametres": ("""
        import keras
        def construire_modele():
            return keras.Sequential([keras.Input(shape=(28, 28)), keras.layers.Flatten(),
                                     keras.layers.Dense(100, activation="relu"),
                                     keras.layers.Dense(10, activation="softmax")])
        """, ["softmax", "paramètres entraînables, 101 770 attendus"]),
    "torch_tenseurs": ("""
        import numpy as np
        import torch
        def vers_nchw(images):
            return torch.from_numpy(images).float().reshape(len(images), 3, 32, 32) / 255   # reshape
        def normaliser(x):
            return (x - x.mean(dim=1, keepdim=True)) / x.std(dim=1, keepdim=True)          # axe des canaux
        """, ["pixels sont mélangés", "axe des canaux"]),
    "torch_autograd": ("""
        import torch
        def derivee(x):
            x = x.clone().requires_grad_(True)
            y = x ** 3 + 2 * x
            y.backward()                                         # pas un scalaire
            return x.grad
        def gradient_mse(w, b, x, y):
            ((w * x + b - y) ** 2).mean().backward()             # .grad s'accumule
            return w.grad.clone(), b.grad.clone()
        """, ["y.sum().backward()", "les gradients s'accumulent"]),
    "torch_boucle": ("""
        import torch
        from torch import nn
        def entrainer(modele, x, y, epoques=100, lr=0.1):
            opt = torch.optim.SGD(modele.parameters(), lr=lr)
            pertes = []
            for _ in range(epoques):
                perte = nn.functional.mse_loss(modele(x), y)    # zero_grad oublié
                perte.backward()
                opt.step()
                pertes.append(perte.item())
            return pertes
        """, ["s'accumulent", "zero_grad"]),
}


def _write(tmp_path: Path, name: str, code: str) -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(code), encoding="utf-8")
    return path


def test_every_exercise_has_a_typical_mistake_tested():
    assert set(WRONG) == set(EXERCISES)


@pytest.mark.slow
@pytest.mark.parametrize("exercise_id", EXERCISES)
def test_reference_solution_passes(exercise_id):
    result = check_exercise(exercise_id, load_exercise(exercise_id).solution)
    report = format_result(result)
    assert result.passed, report
    assert "Bravo" in report and "✘" not in report


@pytest.mark.slow
@pytest.mark.parametrize("exercise_id", EXERCISES)
def test_starter_fails_with_a_french_message(exercise_id):
    result = check_exercise(exercise_id, load_exercise(exercise_id).starter)
    report = format_result(result)
    assert not result.passed
    assert "n'est pas encore écrite" in report and "Indice" in report and "Traceback" not in report


@pytest.mark.slow
@pytest.mark.parametrize("exercise_id", EXERCISES)
def test_typical_mistakes_fail_with_a_helpful_hint(exercise_id, tmp_path):
    code, expected = WRONG[exercise_id]
    result = check_exercise(exercise_id, _write(tmp_path, "faux.py", code))
    report = format_result(result)
    assert not result.passed, report
    for piece in expected:
        assert piece in report, report
    assert "Traceback" not in report


def test_infinite_loop_is_stopped_with_a_french_message(tmp_path):
    learner = _write(tmp_path, "boucle.py", "while True:\n    pass\n")
    result = check_exercise("torch_boucle", learner, timeout=3)
    report = format_result(result)
    assert not result.passed and result.seconds < 30
    assert "n'a pas terminé en 3 secondes" in report and "boucle infinie" in report


def test_crash_at_import_names_the_line_without_a_traceback(tmp_path):
    learner = _write(tmp_path, "plante.py", "x = 1\nraise ValueError('oups')\n")
    report = format_result(check_exercise("torch_boucle", learner, timeout=60))
    assert "ligne 2" in report and "ValueError: oups" in report and "Traceback" not in report


def test_syntax_error_is_explained(tmp_path):
    learner = _write(tmp_path, "syntaxe.py", "def entrainer(:\n    pass\n")
    report = format_result(check_exercise("torch_boucle", learner, timeout=60))
    assert "erreur de syntaxe ligne 1" in report


def test_segmentation_fault_is_reported_in_french(tmp_path):
    learner = _write(tmp_path, "segv.py", "import ctypes\nctypes.string_at(0)\n")
    report = format_result(check_exercise("torch_boucle", learner, timeout=60))
    assert "erreur de segmentation" in report and "Traceback" not in report


def test_sys_exit_in_the_learner_file_is_explained(tmp_path):
    learner = _write(tmp_path, "sortie.py", "import sys\nsys.exit(3)\n")
    report = format_result(check_exercise("torch_boucle", learner, timeout=60))
    assert "sys.exit()" in report


def test_missing_learner_file_is_a_user_error(cli, tmp_path):
    done = cli("check", "tf_gradient", str(tmp_path / "absent.py"))
    assert done.returncode == 2 and "does not exist" in done.stderr and "--start" in done.stderr


@pytest.mark.slow
def test_cli_exit_codes(cli, tmp_path):
    ok = cli("check", "torch_autograd", str(load_exercise("torch_autograd").solution))
    assert ok.returncode == 0 and "Bravo" in ok.stdout
    ko = cli("check", "torch_autograd", str(load_exercise("torch_autograd").starter))
    assert ko.returncode == 1 and "Pas encore" in ko.stdout and "Traceback" not in ko.stdout + ko.stderr
