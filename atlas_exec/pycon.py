"""How a ``pycon`` fence is checked: as a doctest, in the page's namespace.

The build runs this inside the page's kernel and the tests run it inside
Sybil, so both compare outputs with exactly the same rules.
"""

from __future__ import annotations

import doctest

OPTION_FLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE


class PyconMismatch(AssertionError):
    """A ``>>>`` example printed something other than what the page says."""


def run_pycon(source: str, namespace: dict, path: str, line: int) -> None:
    """Run the examples of one pycon fence opened at ``path:line``."""
    test = doctest.DocTestParser().get_doctest(source, namespace, path, path, line)
    test.globs = namespace  # DocTest copies its globals; names defined here must reach later fences
    runner = doctest.DocTestRunner(optionflags=OPTION_FLAGS)
    report: list[str] = []
    runner.run(test, out=report.append, clear_globs=False)
    if runner.failures:
        raise PyconMismatch("\n" + "".join(report))
