"""The GitHub workflows: valid against the workflow schema, and clean under zizmor's security audit."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT

# The tools installed next to this interpreter (the project's venv), not whatever is on PATH.
BIN = Path(sys.executable).parent
WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))


def run_tool(*command: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(BIN / command[0]), *command[1:]], cwd=ROOT, capture_output=True, text=True)


def test_there_are_workflows():
    assert {path.name for path in WORKFLOWS} >= {"tests.yml", "docs.yml"}


def test_workflows_match_the_github_workflow_schema():
    check = run_tool("check-jsonschema", "--builtin-schema", "vendor.github-workflows", *map(str, WORKFLOWS))
    assert check.returncode == 0, check.stdout + check.stderr


def test_zizmor_finds_nothing():
    """Permissions, unpinned actions, template injection, credential persistence, ..."""
    # --offline: no GitHub API calls; the exit status is non-zero on any finding.
    audit = run_tool("zizmor", "--offline", "--no-progress", ".github/workflows")
    assert audit.returncode == 0, audit.stdout + audit.stderr


def test_zizmor_fails_on_an_unpinned_action(tmp_path):
    """The audit above can fail: an action pinned to a tag is a finding."""
    workflows = tmp_path / ".github" / "workflows"
    workflows.mkdir(parents=True)
    (workflows / "unpinned.yml").write_text(
        "on: push\npermissions: {}\njobs:\n  build:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n        with:\n          persist-credentials: false\n"
    )
    audit = run_tool("zizmor", "--offline", "--no-progress", str(workflows))
    assert audit.returncode != 0
    assert "unpinned-uses" in audit.stdout + audit.stderr
