"""What page programs printed, on disk, keyed by everything the outputs depend on.

The key covers the page's executed code (after includes) and the environment
(engine, Python, torch, device). The files under the repository that the
program read or imported while it ran (data files, helper modules) are
recorded with their content hashes: an entry whose files changed is stale
and the page runs again. A page keeps one entry: storing a new one removes
the old. Deterministic failures are stored too, so that an unchanged failing
page (under ``mkdocs serve``, for example) fails again without running.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from .errors import Failure


@dataclass
class PageResult:
    """The outputs of a page program, cell by cell, and where they came from."""

    outputs: list[list[dict]]  # one list of nbformat outputs per cell that ran
    stamp: dict | None  # torch, device, python, date
    failure: Failure | None = None
    dependencies: dict[str, str] = field(default_factory=dict)  # repository file -> sha256
    cached: bool = False


def file_hash(path: Path) -> str:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return "missing"


class ExecutionCache:
    """One JSON file per page: ``<page>.<key>.json`` under ``directory``."""

    def __init__(self, directory: Path, root: Path):
        self.directory, self.root = directory, root

    @staticmethod
    def _slug(page: str) -> str:
        return page.replace("/", "__")

    def _file(self, page: str, key: str) -> Path:
        return self.directory / f"{self._slug(page)}.{key}.json"

    def load(self, page: str, key: str, lines: list[int]) -> PageResult | None:
        """The stored result if it is still true: same key, same files read, and for a failure the same fence lines."""
        file = self._file(page, key)
        try:
            data = json.loads(file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if data.get("failure") and data.get("lines") != lines:
            return None  # a failure names lines; after a prose edit it is run again to name the right ones
        for name, digest in data["dependencies"].items():
            if file_hash(self.root / name) != digest:
                return None
        failure = Failure.from_dict(data["failure"]) if data.get("failure") else None
        return PageResult(data["outputs"], data["stamp"], failure, data["dependencies"], cached=True)

    def store(self, page: str, key: str, lines: list[int], result: PageResult) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        payload = {
            "outputs": result.outputs,
            "stamp": result.stamp,
            "failure": result.failure.to_dict() if result.failure else None,
            "dependencies": result.dependencies,
            "lines": lines,
        }
        # Written then renamed, so that a parallel build never reads half a file.
        with tempfile.NamedTemporaryFile("w", dir=self.directory, suffix=".tmp", delete=False, encoding="utf-8") as tmp:
            json.dump(payload, tmp)
        target = self._file(page, key)
        os.replace(tmp.name, target)
        for stale in self.directory.glob(f"{self._slug(page)}.*.json"):
            if stale != target:
                stale.unlink(missing_ok=True)
