"""Paths as messages and cache keys name them: relative, never this machine's."""

from __future__ import annotations

import os
import re
import sys
import sysconfig
from pathlib import Path

# Folders under the repository that hold no page input.
_NOT_INPUTS = {".git", ".venv", "venv", ".cache", "site", "node_modules", "__pycache__", ".ipynb_checkpoints", "test-artifacts"}


class PathCleaner:
    """Rewrites absolute paths in a text: the repository's become relative, a library's
    become relative to the folder it was imported from (``torch/autograd/__init__.py``)."""

    def __init__(self, root: Path):
        self.root = Path(root).resolve()
        prefixes = {str(self.root)}
        prefixes.update(entry for entry in sys.path if entry and os.path.isabs(entry))
        for name in ("stdlib", "platstdlib", "purelib", "platlib"):
            prefixes.add(sysconfig.get_path(name))
        home = os.path.expanduser("~")
        # Longest first: a site-packages folder inside the repository's venv wins over the repository.
        ordered = sorted((p.rstrip(os.sep) for p in prefixes if p and p != os.sep), key=len, reverse=True)
        alternatives = "|".join(re.escape(prefix) for prefix in ordered)
        self._prefix = re.compile(rf"(?:{alternatives}){re.escape(os.sep)}")
        self._home = re.compile(re.escape(home.rstrip(os.sep)) + r"(?=/)") if home not in ("", os.sep) else None
        self._temp = re.compile(r"/tmp/[^\s'\"]*/")

    def __call__(self, text: str) -> str:
        text = self._prefix.sub("", text)
        text = self._temp.sub("", text)
        if self._home:
            text = self._home.sub("~", text)
        return text

    def repository_file(self, path: Path) -> str | None:
        """``path`` relative to the repository if it is a page input there (not the venv, the cache or the built site)."""
        try:
            relative = Path(os.path.abspath(path)).relative_to(self.root)
        except ValueError:
            return None
        if not relative.parts or relative.parts[0] in _NOT_INPUTS or any(part in _NOT_INPUTS for part in relative.parts):
            return None
        return relative.as_posix() if (self.root / relative).is_file() else None
