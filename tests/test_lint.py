"""The house style is part of the suite: ruff must be clean on the package and the tests."""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest
from conftest import REPO


def _ruff() -> list[str] | None:
    if shutil.which("ruff"):
        return ["ruff"]
    try:
        import ruff  # noqa: F401
    except ImportError:
        return None
    return [sys.executable, "-m", "ruff"]


@pytest.mark.skipif(_ruff() is None, reason="ruff is not installed (pip install '.[test]')")
def test_ruff_check_clean():
    res = subprocess.run(
        [*_ruff(), "check", "raidwatch", "tests", "benchmarks"], cwd=REPO, capture_output=True, text=True
    )
    assert res.returncode == 0, res.stdout + res.stderr
