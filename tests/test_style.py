"""The code follows the house style: ruff's lint and format checks pass."""

import subprocess
import sys

from tests.support import ROOT


def ruff(*args):
    return subprocess.run(
        [sys.executable, "-m", "ruff", *args], cwd=ROOT, capture_output=True, text=True
    )


def test_ruff_lint_passes():
    result = ruff("check", ".")
    assert result.returncode == 0, result.stdout


def test_ruff_format_passes():
    result = ruff("format", "--check", ".")
    assert result.returncode == 0, result.stdout
