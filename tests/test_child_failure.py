"""A training subprocess killed by the system is reported as probably out of memory."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

from dlcourse.errors import child_failure


def test_sigkill_is_reported_as_out_of_memory_with_a_smaller_batch():
    proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    os.kill(proc.pid, signal.SIGKILL)
    code = proc.wait()
    message = child_failure("the torch run of 'digits_mlp'", code, "", batch_size=64)
    assert message == ("the torch run of 'digits_mlp' was killed by the system (SIGKILL), probably because it ran "
                       "out of memory. Lower the batch size, e.g. --set training.batch_size=32 (now 64).")


def test_other_endings():
    assert child_failure("x", -15, "") == "x was stopped by SIGTERM."
    assert child_failure("x", 2, "error: bad") == "x failed (exit code 2): error: bad"
