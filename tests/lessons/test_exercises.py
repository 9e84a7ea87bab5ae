"""Exercise checks: the reference passes, and a bank of typical wrong answers fails with a French hint.

The learner's file always runs in a separate process and only JSON observations come back; loops,
crashes and segmentation faults become French sentences, never a traceback or a hang.
"""

from __future__ import annotations

import json
import re
import shlex
import textwrap
from pathlib import Path

import numpy as np
import pytest

from dlcourse.lessons.exercises import check_exercise, format_result, list_exercises, load_check, load_exercise

EXERCISES = [ex.id for ex in list_exercises()]

# Replaces the reporting of the old in-process checker, and every method of the new one, by "all is fine".
TAMPER_REPORT = textwrap.dedent("""
    import dlcourse.lessons.rapport as _r
    _r.Rapport.echec = lambda *a, **k: None
    _r.Rapport.exiger = lambda self, *a, **k: True
    _r.Rapport.verifier = lambda self, *a, **k: True
    _r.Rapport.valeur = lambda self, *a, **k: (True, None)
""")
# Writes a forged "everything passed" file where the checking process reads the observations, then leaves.
TAMPER_FILE = textwrap.dedent("""
    import json, os
    _args = open("/proc/self/cmdline", "rb").read().split(b"\\0")
    _out = _args[-2].decode()
    with open(_out, "w") as _fh:
        json.dump({"items": [[True, "tout est juste", None]], "problem": None}, _fh)
    os._exit(0)
""")
# Replaces the learner-side recorder so that every call looks like it returned a plausible value.
TAMPER_PROBE = textwrap.dedent("""
    import sys
    import dlcourse.lessons.sandbox as _s
    for _m in (_s, sys.modules["__main__"]):     # the recorder runs as __main__ in the learner's process
        if hasattr(_m, "Sonde"):
            _m.Sonde.appeler = lambda self, cle, nom, *a, **k: (self.noter(cle, 0.0), (True, 0.0))[1]
""")

# exercise -> [(name, code, pieces of the report it must contain)]; each entry must fail.
BANK: dict[str, list[tuple[str, str, list[str]]]] = {
    "tf_tenseurs": [
        ("wrong axis, not flattened", """
            import tensorflow as tf
            def aplatir(images):
                return tf.cast(images, tf.float32) / 255.0
            def centrer(x):
                return x - tf.reduce_mean(x, axis=1, keepdims=True)
            """, ["avez-vous aplati l'image", "moyenne de chaque ligne"]),
        ("constants pasted from the fixed case", """
            import tensorflow as tf
            def aplatir(images):
                return tf.reshape(tf.cast(images, tf.float32) / 255.0, (-1, 784))
            def centrer(x):
                # the fixed case's column means, pasted
                return x - tf.constant([4.0, 40.0])
            """, ["l'appel de « centrer » a levé une erreur", "broadcasting"]),
        ("NumPy instead of TensorFlow", """
            import numpy as np
            import tensorflow as tf
            def aplatir(images):
                return tf.constant(images.numpy().reshape(len(images), 784).astype("float32") / 255)
            def centrer(x):
                a = x.numpy()
                return tf.constant(a - np.mean(a, axis=0))
            """, ["calcule avec NumPy", "équivalent TensorFlow"]),
        ("pixels read by column, one mean for all", """
            import tensorflow as tf
            def aplatir(images):
                return tf.reshape(tf.transpose(tf.cast(images, tf.float32) / 255.0, (0, 2, 1)), (-1, 784))
            def centrer(x):
                return x - tf.reduce_mean(x)
            """, ["colonne par colonne", "une seule moyenne pour tout le tableau"]),
        ("tampering with the report", TAMPER_REPORT + textwrap.dedent("""
            def aplatir(images):
                raise NotImplementedError
            def centrer(x):
                raise NotImplementedError
            """), ["n'est pas encore écrite"]),
    ],
    "tf_gradient": [
        ("x not watched, sum instead of mean", """
            import tensorflow as tf
            def derivee(x):
                with tf.GradientTape() as tape:
                    y = x ** 3 + 2 * x
                return tape.gradient(y, x)
            def gradient_mse(w, b, x, y):
                with tf.GradientTape() as tape:
                    perte = tf.reduce_sum((w * x + b - y) ** 2)
                return tuple(tape.gradient(perte, [w, b]))
            """, ["tape.watch(x)", "sommé au lieu de moyenner"]),
        ("hand-derived formula under the starter's comments", """
            import tensorflow as tf
            def derivee(x):
                \"\"\"Utilise tf.GradientTape : with tf.GradientTape() as tape, puis tape.gradient(y, x).\"\"\"
                # TODO : tf.GradientTape, tape.watch(x), tape.gradient
                return 3 * x ** 2 + 2
            def gradient_mse(w, b, x, y):
                # with tf.GradientTape() as tape: ... tape.gradient(perte, [w, b])
                r = w * x + b - y
                return tf.reduce_mean(2 * r * x), tf.reduce_mean(2 * r)
            """, ["sans tf.GradientTape ni tape.gradient", "formule dérivée à la main"]),
        ("values of the fixed case pasted as constants", """
            import tensorflow as tf
            def derivee(x):
                with tf.GradientTape() as tape:
                    tape.watch(x)
                    y = x ** 3 + 2 * x
                tape.gradient(y, x)
                return tf.constant([14.0, 2.75, 2.0, 5.0, 29.0])
            def gradient_mse(w, b, x, y):
                with tf.GradientTape() as tape:
                    perte = tf.reduce_mean((w * x + b - y) ** 2)
                tape.gradient(perte, [w, b])
                return tf.constant(-3.1), tf.constant(-1.2)
            """, ["forme", "ne sont pas les gradients de la perte"]),
        ("returns y, not its derivative", """
            import tensorflow as tf
            def derivee(x):
                with tf.GradientTape() as tape:
                    tape.watch(x)
                    y = x ** 3 + 2 * x
                tape.gradient(y, x)
                return y
            def gradient_mse(w, b, x, y):
                with tf.GradientTape() as tape:
                    perte = tf.reduce_mean((y - w * x - b) ** 2)
                g = tape.gradient(perte, [w, b])
                return -g[0], -g[1]
            """, ["pas sa dérivée", "mauvais signe"]),
        ("forged observations file", TAMPER_FILE, ["abîmé le fichier des observations"]),
    ],
    "keras_parametres": [
        ("softmax output, 100 hidden units", """
            import keras
            def construire_modele():
                return keras.Sequential([keras.Input(shape=(28, 28)), keras.layers.Flatten(),
                                         keras.layers.Dense(100, activation="relu"),
                                         keras.layers.Dense(10, activation="softmax")])
            """, ["« softmax »", "paramètres entraînables, 101 770 attendus"]),
        ("sigmoid output and no hidden activation", """
            import keras
            def construire_modele():
                return keras.Sequential([keras.Input(shape=(28, 28)), keras.layers.Flatten(),
                                         keras.layers.Dense(128),
                                         keras.layers.Dense(10, activation="sigmoid")])
            """, ["« sigmoid »", "se comporte comme une seule couche linéaire"]),
        ("right count, no non-linearity", """
            import keras
            def construire_modele():
                return keras.Sequential([keras.Input(shape=(28, 28)), keras.layers.Flatten(),
                                         keras.layers.Dense(128), keras.layers.Dense(10)])
            """, ["se comporte comme une seule couche linéaire", 'activation="relu"']),
        ("softmax as a separate layer", """
            import keras
            def construire_modele():
                return keras.Sequential([keras.Input(shape=(28, 28)), keras.layers.Flatten(),
                                         keras.layers.Dense(128, activation="relu"), keras.layers.Dense(10),
                                         keras.layers.Softmax()])
            """, ["des logits, sans activation"]),
        ("the count pasted, not a model", """
            def construire_modele():
                return 101770
            """, ["un modèle Keras est attendu"]),
        ("tampering with the learner-side recorder", TAMPER_PROBE + textwrap.dedent("""
            def construire_modele():
                raise NotImplementedError
            """), ["un modèle Keras est attendu"]),
    ],
    "torch_tenseurs": [
        ("reshape instead of permute, channel axis", """
            import torch
            def vers_nchw(images):
                return torch.from_numpy(images).float().reshape(len(images), 3, 32, 32) / 255
            def normaliser(x):
                return (x - x.mean(dim=1, keepdim=True)) / x.std(dim=1, keepdim=True)
            """, ["pixels sont mélangés", "axe des canaux"]),
        ("per-image normalisation", """
            import torch
            def vers_nchw(images):
                return torch.from_numpy(images).float().permute(0, 3, 1, 2) / 255
            def normaliser(x):
                return (x - x.mean(dim=(2, 3), keepdim=True)) / x.std(dim=(2, 3), keepdim=True)
            """, ["chaque image séparément"]),
        ("not scaled, one statistic for the batch", """
            import torch
            def vers_nchw(images):
                return torch.from_numpy(images).float().permute(0, 3, 1, 2)
            def normaliser(x):
                return (x - x.mean()) / x.std()
            """, ["ramenées dans [0, 1]", "une seule moyenne et un seul écart-type"]),
        ("NumPy statistics, float64", """
            import numpy as np
            import torch
            def vers_nchw(images):
                return torch.from_numpy(images.transpose(0, 3, 1, 2) / 255.0)
            def normaliser(x):
                a = x.numpy()
                m, s = a.mean(axis=(0, 2, 3), keepdims=True), a.std(axis=(0, 2, 3), keepdims=True)
                return torch.from_numpy((a - m) / s)
            """, ["des float64, des float32 sont attendus", "calcule avec NumPy"]),
        ("tampering with the report", TAMPER_REPORT + textwrap.dedent("""
            def vers_nchw(images):
                raise NotImplementedError
            def normaliser(x):
                raise NotImplementedError
            """), ["n'est pas encore écrite"]),
    ],
    "torch_autograd": [
        ("backward on a vector, gradients accumulated across calls", """
            import torch
            def derivee(x):
                x = x.clone().requires_grad_(True)
                y = x ** 3 + 2 * x
                y.backward()
                return x.grad
            def gradient_mse(w, b, x, y):
                ((w * x + b - y) ** 2).mean().backward()
                return w.grad.clone(), b.grad.clone()
            """, ["y.sum().backward()", "les gradients s'accumulent"]),
        ("the natural accumulation: .grad returned as is", """
            import torch
            def derivee(x):
                x = x.detach().clone().requires_grad_(True)
                (x ** 3 + 2 * x).sum().backward()
                return x.grad
            def gradient_mse(w, b, x, y):
                perte = ((w * x + b - y) ** 2).mean()
                perte.backward()
                return w.grad, b.grad
            """, ["les gradients s'accumulent", "torch.autograd.grad"]),
        ("hand-derived formula under the starter's comments", """
            import torch
            def derivee(x):
                \"\"\"Avec autograd : y.sum().backward() puis x.grad (torch.autograd.grad).\"\"\"
                # TODO : x.detach().requires_grad_(), y.sum().backward(), x.grad
                return 3 * x ** 2 + 2
            def gradient_mse(w, b, x, y):
                # torch.autograd.grad(perte, [w, b]) ; backward()
                with torch.no_grad():
                    r = w * x + b - y
                    return (2 * r * x).mean(), (2 * r).mean()
            """, ["sans backward() ni torch.autograd.grad", "formule dérivée à la main"]),
        ("values of the fixed case pasted as constants", """
            import torch
            def derivee(x):
                return torch.tensor([14.0, 2.75, 2.0, 5.0, 29.0])
            def gradient_mse(w, b, x, y):
                return torch.tensor(-3.1), torch.tensor(-1.2)
            """, ["forme", "ne sont pas les gradients de la perte"]),
        ("forged observations file", TAMPER_FILE, ["abîmé le fichier des observations"]),
    ],
    "torch_boucle": [
        ("zero_grad forgotten", """
            import torch
            from torch import nn
            def entrainer(modele, x, y, epoques=100, lr=0.1):
                opt = torch.optim.SGD(modele.parameters(), lr=lr)
                pertes = []
                for _ in range(epoques):
                    perte = nn.functional.mse_loss(modele(x), y)
                    perte.backward()
                    opt.step()
                    pertes.append(perte.item())
                return pertes
            """, ["s'accumulent", "zero_grad"]),
        ("invented decreasing losses next to a real loop", """
            import torch
            from torch import nn
            def entrainer(modele, x, y, epoques=100, lr=0.1):
                opt = torch.optim.SGD(modele.parameters(), lr=lr)
                for _ in range(epoques):
                    opt.zero_grad()
                    nn.functional.mse_loss(modele(x), y).backward()
                    opt.step()
                return [1.0 / (k + 1) for k in range(epoques)]
            """, ["pas celles du modèle à chaque époque"]),
        ("loss measured after the update", """
            import torch
            from torch import nn
            def entrainer(modele, x, y, epoques=100, lr=0.1):
                opt = torch.optim.SGD(modele.parameters(), lr=lr)
                pertes = []
                for _ in range(epoques):
                    opt.zero_grad()
                    nn.functional.mse_loss(modele(x), y).backward()
                    opt.step()
                    with torch.no_grad():
                        pertes.append(nn.functional.mse_loss(modele(x), y).item())
                return pertes
            """, ["après la mise à jour"]),
        ("sum instead of mean, tensors in the list", """
            import torch
            from torch import nn
            def entrainer(modele, x, y, epoques=100, lr=0.1):
                opt = torch.optim.SGD(modele.parameters(), lr=lr)
                pertes = []
                for _ in range(epoques):
                    opt.zero_grad()
                    perte = ((modele(x) - y) ** 2).sum()
                    perte.backward()
                    opt.step()
                    pertes.append(perte)
                return pertes
            """, ["des tenseurs, pas des nombres Python"]),
        ("losses of the fixed example pasted, no training", """
            def entrainer(modele, x, y, epoques=100, lr=0.1):
                return [9.5, 6.1, 3.9, 2.5, 1.6, 1.0, 0.7, 0.4, 0.3, 0.2, 0.1, 0.1, 0.1, 0.1][:epoques]
            """, ["poids du modèle n'ont pas bougé"]),
        ("tampering with the report", TAMPER_REPORT + textwrap.dedent("""
            def entrainer(modele, x, y, epoques=100, lr=0.1):
                raise NotImplementedError
            """), ["n'est pas encore écrite"]),
    ],
}

def _banks_of_other_chapters() -> dict:
    """The wrong-answer banks of ``tests/lessons/banks/chNN.py`` (each defines ``BANK`` like the one above)."""
    import runpy

    found: dict = {}
    for path in sorted((Path(__file__).parent / "banks").glob("ch[0-9][0-9].py")):
        for exercise, entries in runpy.run_path(str(path))["BANK"].items():
            found.setdefault(exercise, []).extend(entries)
    return found


for _exercise, _entries in _banks_of_other_chapters().items():
    BANK.setdefault(_exercise, []).extend(_entries)

CASES = [(ex, name, code, pieces) for ex, entries in BANK.items() for name, code, pieces in entries]
# Each reference solution, in each framework an exercise can be solved in.
SOLUTIONS = [(ex.id, fw) for ex in list_exercises() for fw in (ex.frameworks if ex.framework == "any" else [None])]


def _write(tmp_path: Path, name: str, code: str) -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(code), encoding="utf-8")
    return path


def test_the_bank_holds_at_least_four_wrong_answers_per_exercise():
    assert set(BANK) == set(EXERCISES)
    assert all(len(entries) >= 4 for entries in BANK.values())


@pytest.mark.slow
@pytest.mark.parametrize("exercise_id,framework", SOLUTIONS, ids=[f"{e}-{f or 'only'}" for e, f in SOLUTIONS])
def test_reference_solution_passes_on_two_seeds(exercise_id, framework, tmp_path):
    exercise = load_exercise(exercise_id)
    learner = _write(tmp_path, "solution.py", exercise.solution_text(framework))
    for seed in (1, 2):
        result = check_exercise(exercise_id, learner, seed=seed)
        report = format_result(result)
        assert result.passed, report
        assert "Bravo" in report and "✘" not in report and f"--seed {seed}" in report
        assert result.to_dict()["framework"] == (framework or exercise.framework)


@pytest.mark.slow
@pytest.mark.parametrize("exercise_id,framework", SOLUTIONS, ids=[f"{e}-{f or 'only'}" for e, f in SOLUTIONS])
def test_starter_fails_with_a_french_message(exercise_id, framework, tmp_path):
    learner = _write(tmp_path, "depart.py", load_exercise(exercise_id).starter_text(framework))
    result = check_exercise(exercise_id, learner)
    report = format_result(result)
    assert not result.passed
    assert "n'est pas encore écrite" in report and "Indice" in report and "Traceback" not in report


@pytest.mark.slow
@pytest.mark.parametrize("exercise_id,name,code,pieces", CASES, ids=[f"{c[0]}: {c[1]}" for c in CASES])
def test_wrong_answer_fails_with_a_useful_french_hint(exercise_id, name, code, pieces, tmp_path):
    result = check_exercise(exercise_id, _write(tmp_path, "faux.py", code), seed=7)
    report = format_result(result)
    assert not result.passed, report
    for piece in pieces:
        assert piece in report, report
    assert "Indice" in report and "Traceback" not in report


@pytest.mark.slow
def test_failure_messages_do_not_reveal_the_expected_values(tmp_path):
    """A wrong derivative gets told what is wrong, not the values that would pass."""
    wrong = _write(tmp_path, "faux.py", """
        import tensorflow as tf
        def derivee(x):
            with tf.GradientTape() as tape:
                tape.watch(x)
                y = x ** 3 + x
            return tape.gradient(y, x)
        def gradient_mse(w, b, x, y):
            return tf.constant(0.0), tf.constant(0.0)
        """)
    result = check_exercise("tf_gradient", wrong, seed=11)
    report = format_result(result)
    assert not result.passed
    inputs = load_check(load_exercise("tf_gradient"))["entrees"](np.random.default_rng(11))
    for x in (inputs["x_fixe"], inputs["x"]):
        for value in 3 * x.astype(np.float64) ** 2 + 2:
            for text in (f"{value:.2f}", f"{value:.3f}", f"{value:.4f}"):
                assert text not in report, (text, report)


def test_inputs_are_drawn_again_from_the_printed_seed():
    check = load_check(load_exercise("torch_boucle"))
    a, b = (check["entrees"](np.random.default_rng(5)) for _ in range(2))
    c = check["entrees"](np.random.default_rng(6))
    assert all(np.array_equal(a[k], b[k]) for k in a)
    assert not np.array_equal(a["x"], c["x"]) or a["x"].shape != c["x"].shape


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


def test_sys_exit_and_os_exit_in_the_learner_file_are_explained(tmp_path):
    report = format_result(check_exercise("torch_boucle", _write(tmp_path, "a.py", "import sys\nsys.exit(3)\n")))
    assert "sys.exit()" in report
    result = check_exercise("torch_boucle", _write(tmp_path, "b.py", "import os\nos._exit(0)\n"))
    assert not result.passed and "avant la fin des vérifications" in format_result(result)


def test_missing_learner_file_is_a_user_error(cli, tmp_path):
    done = cli("check", "tf_gradient", str(tmp_path / "absent.py"))
    assert done.returncode == 2 and "does not exist" in done.stderr and "--start" in done.stderr


@pytest.mark.slow
def test_cli_exit_codes_and_json(cli, tmp_path):
    good = _write(tmp_path, "bon.py", load_exercise("torch_autograd").solution_text())
    ok = cli("check", "torch_autograd", str(good), "--seed", "3")
    assert ok.returncode == 0 and "Bravo" in ok.stdout and "--seed 3" in ok.stdout
    # the replay command is printed exactly as it can be typed: run it as written
    replay = re.search(r"pour rejouer les mêmes : (dlcourse check .*)\)", ok.stdout).group(1)
    assert shlex.split(replay)[:4] == ["dlcourse", "check", "torch_autograd", str(good)]
    again = cli(*shlex.split(replay)[1:])
    assert again.returncode == 0 and replay in again.stdout
    start = cli("check", "torch_autograd", str(tmp_path / "depart.py"), "--start")
    assert start.returncode == 0 and (tmp_path / "depart.py").is_file()
    ko = cli("check", "torch_autograd", str(tmp_path / "depart.py"), "--json")
    assert ko.returncode == 1 and "Traceback" not in ko.stdout + ko.stderr
    data = json.loads(ko.stdout)
    assert data["exercise"] == "torch_autograd" and data["framework"] == "torch" and data["passed"] is False
    assert data["checks"] and all({"passed", "message", "hint"} <= set(c) for c in data["checks"])
    assert not any(c["passed"] for c in data["checks"]) and isinstance(data["seconds"], float)
    assert isinstance(data["seed"], int)
    listed = json.loads(cli("check", "--list", "--json").stdout)
    assert {e["exercise"] for e in listed} == set(EXERCISES)
