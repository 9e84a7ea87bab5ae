"""``check("4.3")`` in a notebook gives the terminal's French report, from the notebook's own cells."""

from __future__ import annotations

import re

import pytest

from dlcourse.exercises import notebook_source
from dlcourse.lessons.exercises import load_exercise

IPython = pytest.importorskip("IPython")

CELLS = [
    "%precision 3\nimport torch\nfrom torch import nn\nimport numpy as np",
    "PAS = 1\nDESCRIPTION = 'boucle'\nresultats = np.zeros(3)",
    '''def _un_pas(modele, x, y, critere, optimiseur):
    optimiseur.zero_grad()
    perte = critere(modele(x), y)
    perte.backward()
    optimiseur.step()
    return perte.item()


def entrainer(modele, x, y, epoques=100, lr=0.1):
    critere = nn.MSELoss()
    optimiseur = torch.optim.SGD(modele.parameters(), lr=lr)
    return [_un_pas(modele, x, y, critere, optimiseur) for _ in range(0, epoques, PAS)]''',
    "print(entrainer)",
]


@pytest.fixture()
def shell():
    from IPython.core.interactiveshell import InteractiveShell

    sh = InteractiveShell.instance()
    yield sh
    InteractiveShell.clear_instance()


def _run(sh, code):
    result = sh.run_cell(code, store_history=True)
    assert result.success, result.error_in_exec or result.error_before_exec


def test_the_checked_file_holds_the_functions_their_helpers_imports_and_constants(shell):
    for cell in CELLS:
        _run(shell, cell)
    source = notebook_source(shell.user_ns, list(shell.user_ns["In"]), ["entrainer"])
    assert "import torch" in source and "from torch import nn" in source and "precision" not in source
    assert "PAS = 1" in source and "DESCRIPTION" not in source and "resultats" not in source
    assert source.index("def _un_pas") < source.index("def entrainer") and "print(entrainer)" not in source
    compile(source, "checked.py", "exec")


@pytest.mark.slow
def test_notebook_check_prints_the_same_report_as_the_terminal(shell, capsys, cli, tmp_path):
    for cell in CELLS:
        _run(shell, cell)
    capsys.readouterr()
    _run(shell, 'from dlcourse.exercises import check\ncheck("4.3", seed=5)')
    notebook = capsys.readouterr().out
    assert "Bravo" in notebook and 'check("4.3", seed=5)' in notebook
    learner = tmp_path / "torch_boucle.py"
    learner.write_text(load_exercise("torch_boucle").solution_text(), encoding="utf-8")
    terminal = cli("check", "torch_boucle", "--seed", "5", cwd=tmp_path).stdout
    same = lambda text: re.sub(r"\(entrées aléatoires.*\)|\([\d.]+ s\)", "", text).strip()  # noqa: E731
    assert same(notebook) == same(terminal)

    _run(shell, "def entrainer(modele, x, y, epoques=100, lr=0.1):\n    return [3.0, 2.0, 1.0][:epoques]")
    _run(shell, 'check("torch_boucle", seed=5)')
    wrong = capsys.readouterr().out
    assert "Pas encore" in wrong and "Indice" in wrong and "Traceback" not in wrong


def test_outside_a_notebook_check_says_what_to_run(capsys):
    from IPython.core.interactiveshell import InteractiveShell

    from dlcourse.exercises import check

    InteractiveShell.clear_instance()
    check("4.3")
    assert "dlcourse check torch_boucle VOTRE_FICHIER.py" in capsys.readouterr().out
