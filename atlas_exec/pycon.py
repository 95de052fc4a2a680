"""How a ``pycon`` fence is checked: as a doctest, in the page's namespace.

The page process runs it for the build and for the tests alike, so both
compare outputs with exactly the same rules (ELLIPSIS, NORMALIZE_WHITESPACE).
"""

from __future__ import annotations

import doctest

OPTION_FLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE


class _Runner(doctest.DocTestRunner):
    """Collects each failing example as (line, report) instead of printing doctest's banner."""

    def __init__(self, first_line: int, process):
        super().__init__(optionflags=OPTION_FLAGS)
        self.first_line, self.process, self.failed_examples = first_line, process, []

    def _line(self, example) -> int:
        return self.first_line + example.lineno

    def report_start(self, out, test, example):
        pass

    def report_success(self, out, test, example, got):
        pass

    def report_failure(self, out, test, example, got):
        report = f"Failed example:\n{_indented(example.source)}{self._checker.output_difference(example, got, self.optionflags)}"
        self.failed_examples.append((self._line(example), report.rstrip()))

    def report_unexpected_exception(self, out, test, example, exc_info):
        error = exc_info[1]
        lines = self.process.traceback_lines(error) if self.process else [f"{type(error).__name__}: {error}"]
        report = f"Failed example:\n{_indented(example.source)}Exception raised:\n" + "\n".join("    " + line for line in lines)
        self.failed_examples.append((self._line(example), report))


def _indented(text: str) -> str:
    return "".join("    " + line + "\n" for line in text.rstrip("\n").split("\n"))


def run_pycon(source: str, namespace: dict, path: str, first_line: int, process=None) -> list[tuple[int, str]]:
    """Run the examples of one pycon fence whose first line is ``path:first_line``.

    Returns one (line, report) per failing example, empty when all pass. Names
    the examples define stay in ``namespace`` for the fences that follow.
    ``process`` (a runner.PageProcess) maps tracebacks to page lines.
    """
    test = doctest.DocTestParser().get_doctest(source, namespace, path, path, first_line - 1)
    test.globs = namespace  # DocTest copies its globals; names defined here must reach later fences
    if process is not None:
        for number, example in enumerate(test.examples):
            process.code_names[f"<doctest {path}[{number}]>"] = (
                path,
                [first_line + example.lineno + offset for offset in range(example.source.count("\n") + 1)],
            )
    runner = _Runner(first_line, process)
    runner.run(test, out=lambda text: None, clear_globs=False)
    return runner.failed_examples
