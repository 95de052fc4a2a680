"""Sybil parser for the page program: the same fences, in the same order, as the build.

Each page gets one namespace; python fences run in it as in a notebook cell
(the last expression is displayed, which draws torchviz graphs), raises= is
enforced, pycon fences run as doctests with the build's own checker.
"""

from __future__ import annotations

import ast
import json
from pathlib import Path

import plotly.io
import torch
from plotly.io._base_renderers import ExternalRenderer
from plotly.utils import PlotlyJSONEncoder
from sybil import Region, Sybil

from atlas_exec.fences import executed_fences, fence_source
from atlas_exec.pycon import run_pycon

ROOT = Path(__file__).resolve().parent.parent
SNIPPETS = ROOT / "snippets"


class SerialiseFigure(ExternalRenderer):
    """fig.show() under pytest: the figure must serialise, nothing is opened."""

    def render(self, fig_dict):
        json.dumps(fig_dict, cls=PlotlyJSONEncoder)


plotly.io.renderers["atlas-test"] = SerialiseFigure()
plotly.io.renderers.default = "atlas-test"


def _run_cell(code: str, filename: str, first_line: int, namespace: dict) -> None:
    """Run code like a notebook cell: display the value of a final expression."""
    tree = ast.parse(code, filename)
    ast.increment_lineno(tree, first_line - 1)
    last = tree.body.pop() if tree.body and isinstance(tree.body[-1], ast.Expr) else None
    exec(compile(tree, filename, "exec"), namespace)
    if last is not None:
        value = eval(compile(ast.Expression(last.value), filename, "eval"), namespace)
        if hasattr(value, "_repr_mimebundle_"):
            value._repr_mimebundle_()  # e.g. runs Graphviz's dot for make_dot(...)
        else:
            repr(value)


def _python_evaluator(code: str, filename: str, first_line: int, raises: str | None):
    def evaluate(example) -> None:
        if raises is None:
            _run_cell(code, filename, first_line, example.namespace)
            return
        try:
            _run_cell(code, filename, first_line, example.namespace)
        except Exception as error:  # noqa: BLE001 - the fence names the type it expects
            if type(error).__name__ != raises:
                raise AssertionError(f"{filename}:{first_line - 1}: expected {raises}, got {type(error).__name__}: {error}") from error
            return
        raise AssertionError(f"{filename}:{first_line - 1}: expected {raises}, but nothing was raised")

    return evaluate


def _pycon_evaluator(source: str, path: str, line: int):
    return lambda example: run_pycon(source, example.namespace, path, line)


def parse_page(document):
    """Sybil parser: one region per executed fence."""
    path = Path(document.path).resolve().relative_to(ROOT).as_posix()
    offsets = [0]
    for line in document.text.splitlines(keepends=True):
        offsets.append(offsets[-1] + len(line))
    for fence in executed_fences(document.text, path):
        source = fence_source(fence, SNIPPETS, path)
        if fence.language == "pycon":
            evaluator = _pycon_evaluator(source, path, fence.line)
        elif fence.include:
            evaluator = _python_evaluator(source, "snippets/" + fence.include.partition(":")[0], 1, fence.raises)
        else:
            evaluator = _python_evaluator(source, path, fence.line + 1, fence.raises)
        yield Region(offsets[fence.start], offsets[min(fence.end, len(offsets) - 1)], fence, evaluator)


def fresh_page_state(namespace: dict) -> None:
    """Each page starts as a fresh kernel would: global torch state back to defaults."""
    namespace["__name__"] = "__main__"
    torch.set_default_dtype(torch.float32)
    torch.set_grad_enabled(True)
    torch.manual_seed(0)
    torch.autograd.set_detect_anomaly(False)
    torch.set_num_threads(1)  # as in the build's kernels (OMP_NUM_THREADS=1)


# The one Sybil of the project: the root conftest.py collects docs/ with it,
# and the site tests compare what it runs with what the build executed.
PAGES = Sybil(parsers=[parse_page], patterns=["docs/*.md", "docs/**/*.md"], setup=fresh_page_state, path=str(ROOT))
