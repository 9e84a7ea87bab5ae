"""``dlcourse doctor``'s table prints each fix exactly as it must be typed."""

from __future__ import annotations

import argparse

from dlcourse import doctor


def test_fix_column_keeps_brackets_and_the_triton_advice(monkeypatch, capsys):
    checks = [doctor.Check("PyTorch", doctor.WARN, "not installed", "pip install 'dlcourse[torch]'"),
              doctor.Check("both in one process", doctor.WARN, "triton is installed", doctor.UNINSTALL_TRITON)]
    monkeypatch.setattr(doctor, "run_checks", lambda train=True: checks)
    monkeypatch.setenv("COLUMNS", "200")
    assert doctor.main(argparse.Namespace(skip_training=True)) == 0
    out = capsys.readouterr().out
    assert "pip install 'dlcourse[torch]'" in out
    assert "python -m pip uninstall -y triton" in out
