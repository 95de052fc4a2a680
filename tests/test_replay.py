"""The backward-pass replay: what it records is what the engine did, and recording changes nothing.

The recorder (atlas_exec.replay) is tested in this process on small graphs;
then every replay on the site is checked against torch.autograd.grad, node by
node, in a fresh run of its page program.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest
import torch

from atlas_exec.execute import Cell, PageJob, run_fresh
from atlas_exec.replay import MAX_NODES, ReplayError, graph_nodes, record, reference_check
from atlas_exec.replay_figure import REPLAY_MIME, replay_html, step_texts
from tests.page_program import ROOT, _page_result, site


def graph_example():
    """The graph chapter's worked example: f(x, y) = x^2 + xy + (x + y)^2 at (2, 2)."""
    x = torch.tensor(2.0, requires_grad=True)
    y = torch.tensor(2.0, requires_grad=True)
    f = x**2 + x * y + (x + y) ** 2
    return x, y, f


def test_the_last_steps_bring_14_and_10_to_the_leaves():
    x, y, f = graph_example()
    data = record(f, "f", {"x": x, "y": y, "f": f}, "t-")
    leaf_steps = [(data["nodes"][step["node"]]["label"], step["grad"]["text"]) for step in data["steps"] if "grad" in step]
    assert sorted(leaf_steps) == [("x", "14"), ("y", "10")]
    assert "grad" in data["steps"][-1], "the pass ends at a leaf"
    # Every node runs once: one step per node of the graph.
    assert sorted(step["node"] for step in data["steps"]) == list(range(len(data["nodes"])))
    assert data["steps"][0]["node"] == 0 and data["steps"][0]["grad_outputs"] == [{"shape": [], "text": "1"}]


def test_the_record_agrees_with_autograd_grad_and_a_wrong_record_is_caught():
    x, y, f = graph_example()
    data = record(f, "f", {"x": x, "y": y}, "t-")
    assert reference_check(f, data) == []
    tampered = json.loads(json.dumps(data))
    tampered["steps"][1]["grad_outputs"][0]["text"] = "2"
    assert len(reference_check(f, tampered)) == 1


def test_the_order_is_the_engines_own():
    """The steps are the order in which node hooks fire in a plain backward()."""
    x, y, f = graph_example()
    data = record(f, "f", {}, "t-")
    fired = []
    handles = [
        node.register_prehook(lambda grad_outputs, i=i: fired.append(i))
        for i, node in enumerate(graph_nodes(f))
        if node.name() != "torch::autograd::AccumulateGrad"
    ]
    f.backward()
    for handle in handles:
        handle.remove()
    assert [step["node"] for step in data["steps"] if "grad" not in step] == fired


def test_recording_changes_nothing_the_page_can_see():
    x, y, f = graph_example()
    y.grad = torch.tensor(5.0)
    before_y_grad = y.grad
    h = x * y
    h.retain_grad()
    loss = h * 3
    record(loss, "loss", {}, "t-")
    assert x.grad is None and y.grad is before_y_grad and y.grad.item() == 5.0
    assert h.grad is None, "retain_grad's .grad is put back"
    loss.backward()  # the graph was retained, and no recording hook is left on it
    assert x.grad.item() == 6.0 and y.grad.item() == 5.0 + 6.0 and h.grad.item() == 3.0


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: 3.0, "names a float, not a tensor"),
        (lambda: torch.ones(3, requires_grad=True) * 2, "is a tensor of shape (3,), not a scalar"),
        (lambda: torch.ones((), requires_grad=True), "has no graph to replay: it is a leaf"),
        (lambda: torch.ones(()) * 2, "has no graph to replay: it does not require grad"),
        (lambda: torch.ones((), requires_grad=True).detach() * 2, "has no graph to replay: it does not require grad"),
    ],
)
def test_what_cannot_be_replayed_says_why(make, message):
    with pytest.raises(ReplayError, match="^replay='v' " + message.replace("(", r"\(").replace(")", r"\)")):
        record(make(), "v", {}, "t-")


def test_a_freed_graph_and_a_large_graph_say_what_to_do():
    w = torch.ones(3, requires_grad=True)
    loss = (w * w).sum()
    loss.backward()
    with pytest.raises(ReplayError, match="was freed by an earlier backward"):
        record(loss, "loss", {}, "t-")
    big = w.sum()
    for _ in range(MAX_NODES):
        big = big * 1.0001
    with pytest.raises(ReplayError, match=rf"has {MAX_NODES + 2} nodes; a replay shows at most {MAX_NODES}"):
        record(big, "big", {}, "t-")


def test_large_tensors_show_their_shape_and_a_summary():
    torch.manual_seed(0)
    W = torch.randn(4, 3, requires_grad=True)
    loss = (torch.ones(2, 4) @ W).pow(2).sum()
    data = record(loss, "loss", {"W": W}, "t-")
    leaf = next(step["grad"] for step in data["steps"] if "grad" in step)
    assert leaf["shape"] == [4, 3] and leaf["text"].startswith("mean ")
    assert "(4, 3)" in data["svg"], "the drawing shows the shape, not twelve numbers"


def test_the_figure_names_every_step_and_works_without_javascript():
    x, y, f = graph_example()
    data = record(f, "f", {"x": x, "y": y, "f": f}, "t-")
    figure = replay_html(data)
    texts = step_texts(data)
    assert texts[-1] in figure and texts[-1].startswith("AccumulateGrad of leaf ") and texts[-1].endswith(("x.grad.", "y.grad."))
    assert figure.count("<li>") == len(data["steps"])
    assert "The leaves end with the gradients y: 10, x: 14." in figure
    assert 'data-replay="' in figure and "<script" not in figure  # instant navigation drops JSON scripts


# --- every replay on the site ----------------------------------------------------


def site_replays() -> list[tuple[str, list[Cell]]]:
    """(page, its cells) of every page with a replay= fence."""
    structure, snippets, _, _ = site()
    from atlas_exec.execute import page_cells

    found = []
    for source in sorted((ROOT / "docs").rglob("*.md")):
        path = source.relative_to(ROOT).as_posix()
        fences = structure.fences(source.read_text(encoding="utf-8"), path)
        if any(fence.replay for fence in fences):
            found.append((path, page_cells(fences, path, snippets)))
    return found


def test_the_site_has_replays():
    pages = [path for path, _ in site_replays()]
    assert "docs/graph.md" in pages, pages


@pytest.mark.parametrize(("path", "cells"), site_replays(), ids=lambda value: value if isinstance(value, str) else "")
def test_every_replay_on_the_site_agrees_with_autograd_grad(path, cells):
    """The build's record of each replay, compared node by node with torch.autograd.grad
    in a fresh run of the page program (the program up to its last replay, each replay
    followed by a check that prints what differs)."""
    from atlas_exec.execute import cache_key

    built = _page_result(ROOT, path, cache_key(path, cells), tuple(cells))
    assert built.failure is None, str(built.failure)
    checked: list[Cell] = []
    records = []
    for index, cell in enumerate(cells[: max(i for i, cell in enumerate(cells) if cell.replay) + 1]):
        checked.append(cell)
        if not cell.replay:
            continue
        (data,) = [output["data"][REPLAY_MIME] for output in built.outputs[index] if REPLAY_MIME in output.get("data", {})]
        records.append(data)
        code = f"import json as _json\nfrom atlas_exec.replay import reference_check as _check\nprint(_json.dumps(_check({cell.replay}, _json.loads({json.dumps(json.dumps(data))}))))"
        checked.append(replace(cell, code=code, lines=(cell.line,) * 3, replay=None, where=f"{cell.where} (replay check)"))
    (result,) = run_fresh([PageJob(path, checked)], Path(ROOT))
    assert result.failure is None, str(result.failure)
    reports = [
        json.loads(output["text"])
        for outputs, cell in zip(result.outputs, checked)
        if cell.where.endswith("(replay check)")
        for output in outputs
        if output["output_type"] == "stream"
    ]
    assert len(reports) == len(records) and all(report == [] for report in reports), reports


# --- in Chromium ---------------------------------------------------------------

ACTIVE = "(figure) => { const node = figure.querySelector('g.node.atlas-replay-active'); return node ? node.id : null; }"
LEAF_GRADIENTS = """(figure) => [...figure.querySelectorAll('g.node.atlas-replay-leaf')]
  .map((node) => [...node.querySelectorAll('text')].map((text) => getComputedStyle(text).visibility === 'visible' ? text.textContent : '').join(' ').trim())"""


@pytest.mark.browser
@pytest.mark.parametrize("palette", ["light", "dark"])
def test_stepping_through_the_graph_chapters_replay_by_keyboard(browser, site_url, palette):
    """Next (Enter) walks the engine's steps: the highlighted node and the text are the
    recorded run's, and the last steps bring 14 to x and 10 to y; the slider and Play too."""
    from tests.test_accessibility import FOCUS_RING, tab_to
    from tests.test_reader import reader_page

    with reader_page(browser, site_url + "graph/", f"replay-{palette}", color_scheme=palette) as page:
        figure = page.locator("figure.atlas-replay").first
        data = json.loads(figure.get_attribute("data-replay"))
        total = len(data["steps"])
        assert figure.get_attribute("data-replay-step") == "0" and figure.evaluate(ACTIVE) is None
        assert figure.evaluate(LEAF_GRADIENTS) == ["x", "y"], "no gradient has reached a leaf before the pass"
        tab_to(page, ".atlas-replay-controls button:nth-of-type(3)")
        assert page.evaluate("() => document.activeElement.textContent") == "Next" and page.evaluate(FOCUS_RING)
        for step in range(1, total + 1):
            page.keyboard.press("Enter")
            assert figure.evaluate(ACTIVE) == data["steps"][step - 1]["node"]
            assert figure.locator(".atlas-replay-status").inner_text() == f"Step {step} of {total}: {data['steps'][step - 1]['text']}"
        assert figure.evaluate(LEAF_GRADIENTS) == ["x grad = 14", "y grad = 10"]
        last_texts = [step["text"] for step in data["steps"][-3:]]
        assert any("sent to x, summed, are 14;" in text for text in last_texts) and any("sent to y, summed, are 10;" in text for text in last_texts)
        # The slider: Home goes back before the pass, arrows step.
        page.keyboard.press("Tab")
        assert page.evaluate("() => document.activeElement.type") == "range"
        page.keyboard.press("Home")
        assert figure.get_attribute("data-replay-step") == "0" and figure.evaluate(LEAF_GRADIENTS) == ["x", "y"]
        page.keyboard.press("ArrowRight")
        assert figure.evaluate(ACTIVE) == data["steps"][0]["node"]
        # Play runs on by itself; Space on it pauses.
        page.keyboard.press("Shift+Tab")
        page.keyboard.press("Shift+Tab")
        assert page.evaluate("() => document.activeElement.textContent") == "Play"
        page.keyboard.press("Enter")
        page.wait_for_function("(figure) => Number(figure.dataset.replayStep) >= 3", arg=figure.element_handle(), timeout=10_000)
        page.keyboard.press("Space")
        paused = figure.get_attribute("data-replay-step")
        page.wait_for_timeout(1500)
        assert figure.get_attribute("data-replay-step") == paused, "the replay went on after Pause"
        # A node shows its forward value and saved tensors when focused.
        figure.locator("g.node.atlas-replay-leaf").first.focus()
        assert figure.locator(".atlas-replay-details").inner_text() == "leaf x, forward value 2."


@pytest.mark.browser
def test_the_replay_fits_a_phone(browser, site_url):
    from tests.test_reader import reader_page

    with reader_page(browser, site_url + "graph/", "replay-390", width=390) as page:
        figure = page.locator("figure.atlas-replay").first
        figure.scroll_into_view_if_needed()
        width = figure.evaluate("(figure) => [figure.scrollWidth, figure.clientWidth, figure.querySelector('svg').getBoundingClientRect().width]")
        assert width[0] <= width[1] + 1 and width[2] <= 390, width
