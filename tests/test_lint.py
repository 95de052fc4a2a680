"""ruff (configured in pyproject.toml) passes on the code: the check pre-commit runs, enforced in CI."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

BIN = Path(sys.executable).parent
LINTED = ["snippets", "tests", "atlas_exec", "labs"]


@pytest.mark.parametrize("command", [["check"], ["format", "--check", "--diff"]], ids=["ruff check", "ruff format"])
def test_ruff(command):
    ruff = subprocess.run([str(BIN / "ruff"), *command, *LINTED], cwd=ROOT, capture_output=True, text=True)
    assert ruff.returncode == 0, f"ruff {' '.join(command)} (run `pre-commit run --all-files` to fix):\n{ruff.stdout}{ruff.stderr}"


def test_pre_commit_runs_the_pinned_ruff():
    """The hook's ruff is the one `make test` runs: the same verdict locally and in CI."""
    pinned = re.search(r"^ruff==(\S+)$", (ROOT / "requirements.txt").read_text(encoding="utf-8"), re.M)
    config = (ROOT / ".pre-commit-config.yaml").read_text(encoding="utf-8")
    assert pinned, "ruff is not pinned in requirements.txt"
    assert re.search(rf"astral-sh/ruff-pre-commit\n\s+rev: v{re.escape(pinned.group(1))}\n", config), f"the pre-commit rev is not v{pinned.group(1)}"
    valid = subprocess.run([str(BIN / "pre-commit"), "validate-config", ".pre-commit-config.yaml"], cwd=ROOT, capture_output=True, text=True)
    assert valid.returncode == 0, valid.stdout + valid.stderr
