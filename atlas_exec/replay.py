"""Record a backward pass as PyTorch's engine runs it, for the page's replay figure.

Runs inside the page process, right after a fence with ``replay="name"``: the
scalar tensor ``name`` of the page is differentiated once more by the real
autograd engine, with a pre-hook and a hook on every node of its graph
(``Node.register_prehook`` / ``Node.register_hook``) and a hook on every leaf,
so the record holds the order in which the engine ran the nodes and the
gradients each one received (``grad_outputs``) and produced (``grad_inputs``).

The record must not change the page program's state. It runs
``torch.autograd.grad(..., retain_graph=True)``, which accumulates nothing
into the leaves' ``.grad`` and frees no saved tensor; the ``.grad`` of
non-leaf tensors that called ``retain_grad()`` (which ``autograd.grad`` does
fill in) is put back afterwards, and every hook is removed. Hooks that the
page itself registered on the graph do run again.

Sources: the autograd notes ("Backward hooks execution", torch 2.x) for the
hook signatures and order; ``torch.autograd.graph.GradientEdge`` for the
reference gradient of one node's output (``reference_check``).
"""

from __future__ import annotations

import gc
import html
import math
import re
import warnings

import torch
from torch.autograd.graph import GradientEdge

_SVG_NOISE = re.compile(r"<title>.*?</title>\n?|<!--.*?-->\n?", re.S)
# A graph the reader can follow step by step, and a drawing that fits a phone.
MAX_NODES = 40
# Tensors with more elements are shown by their shape and a summary.
MAX_SHOWN_ELEMENTS = 6


class ReplayError(ValueError):
    """The value named by ``replay=`` cannot be replayed: the message says why and what to do."""


def graph_nodes(root: torch.Tensor) -> list:
    """The nodes of ``root``'s backward graph, breadth first from ``root.grad_fn`` (a fixed order)."""
    nodes, seen, queue = [], set(), [root.grad_fn]
    while queue:
        node = queue.pop(0)
        if node is None or node in seen:
            continue
        seen.add(node)
        nodes.append(node)
        queue.extend(next_node for next_node, _ in node.next_functions)
    return nodes


def _number(value: float) -> str:
    if value == 0:
        return "0"
    if math.isnan(value) or math.isinf(value):
        return str(value)
    return f"{value:.4g}"


def summary(value) -> dict | None:
    """A tensor as the figure shows it: its shape and its values, or a summary of them when large."""
    if value is None:
        return None
    if not isinstance(value, torch.Tensor):
        return {"shape": None, "text": _number(float(value)) if isinstance(value, (int, float)) else html.escape(repr(value))}
    value = value.detach().cpu()
    shape = list(value.shape)
    if value.is_complex() or not (value.is_floating_point() or value.dtype in (torch.int32, torch.int64, torch.bool)):
        return {"shape": shape, "text": f"{value.dtype}"}
    flat = value.double().flatten()
    if value.numel() <= MAX_SHOWN_ELEMENTS:
        numbers = [_number(x) for x in flat.tolist()]
        text = numbers[0] if value.dim() == 0 else "[" + ", ".join(numbers) + "]"
    elif value.numel() == 0:
        text = "empty"
    else:
        text = f"mean {_number(flat.mean().item())}, min {_number(flat.min().item())}, max {_number(flat.max().item())}"
    return {"shape": shape, "text": text}


def _short(entry: dict | None) -> str:
    """The text an edge or a leaf shows in the drawing: the value when small, else the shape."""
    if entry is None:
        return "None"
    if entry["shape"] is not None and len(entry["text"]) > 14:
        return "(" + ", ".join(map(str, entry["shape"])) + ")"
    return entry["text"]


def _check_replayable(root, name: str) -> None:
    if not isinstance(root, torch.Tensor):
        raise ReplayError(f"replay={name!r} names a {type(root).__name__}, not a tensor: name the scalar whose backward pass the figure replays")
    if root.numel() != 1:
        raise ReplayError(
            f"replay={name!r} is a tensor of shape {tuple(root.shape)}, not a scalar: backward needs a vector for it (see the Jacobians chapter); replay a scalar such as {name}.sum()"
        )
    if root.grad_fn is None:
        why = (
            "it is a leaf" if root.requires_grad else "it does not require grad (computed under no_grad, detached, or from tensors without requires_grad=True)"
        )
        raise ReplayError(f"replay={name!r} has no graph to replay: {why}")


def _names(namespace: dict) -> tuple[dict, dict]:
    """Names of the page's tensors: by tensor identity (leaves) and by grad_fn (results of operations)."""
    by_tensor, by_node = {}, {}
    for key, value in namespace.items():
        if key.startswith("_") or not isinstance(value, torch.Tensor):
            continue
        by_tensor.setdefault(id(value), key)
        if value.grad_fn is not None:
            by_node.setdefault(value.grad_fn, (key, value))
    return by_tensor, by_node


def _saved(node) -> list[dict]:
    """What a node saved for its backward (torchviz reads the same ``_saved_*`` attributes)."""
    saved = []
    for attribute in sorted(dir(node)):
        if not attribute.startswith("_saved_"):
            continue
        try:
            value = getattr(node, attribute)
        except RuntimeError:  # freed: cannot happen with a graph that backward can still run
            continue
        if isinstance(value, (torch.Tensor, int, float, bool)) or value is None:
            saved.append({"name": attribute.removeprefix("_saved_"), "value": summary(value)})
        elif isinstance(value, (tuple, list)) and all(isinstance(item, (int, float)) for item in value):
            saved.append({"name": attribute.removeprefix("_saved_"), "value": {"shape": None, "text": str(tuple(value))}})
    return saved


def record(root, name: str, namespace: dict, prefix: str) -> dict:
    """Run ``root``'s backward pass once with hooks on every node and return what happened.

    root: a tensor with one element and a ``grad_fn``. name: how the page calls it.
    namespace: the page's variables, to label leaves and intermediate results.
    prefix: makes the drawing's element ids unique on the page.
    Returns {"name", "prefix", "value", "nodes", "edges", "steps", "svg"}: nodes in
    ``graph_nodes`` order; steps in the order the engine ran them (an operation's
    step has its ``grad_outputs`` and ``grad_inputs``; a leaf's step the gradient
    that reached it, which ``backward()`` would add to its ``.grad``).
    Raises ReplayError when ``root`` cannot be replayed (not a tensor, not a
    scalar, no graph, a graph already freed by backward, too many nodes).
    """
    _check_replayable(root, name)
    nodes = graph_nodes(root)
    if len(nodes) > MAX_NODES:
        raise ReplayError(
            f"the graph of {name!r} has {len(nodes)} nodes; a replay shows at most {MAX_NODES}: replay a smaller computation (fewer or smaller layers)"
        )
    index = {node: position for position, node in enumerate(nodes)}
    by_tensor, by_node = _names(namespace)
    steps: list[dict] = []
    handles = []
    leaves = {}  # node index -> the leaf tensor (AccumulateGrad.variable)
    for position, node in enumerate(nodes):
        variable = getattr(node, "variable", None)
        if isinstance(variable, torch.Tensor):
            leaves[position] = variable
            handles.append(variable.register_hook(lambda grad, position=position: steps.append({"node": position, "grad": summary(grad)})))
            continue

        def started(grad_outputs, position=position):
            steps.append({"node": position, "grad_outputs": [summary(grad) for grad in grad_outputs]})

        def finished(grad_inputs, grad_outputs, position=position):
            steps[-1]["grad_inputs"] = [summary(grad) for grad in grad_inputs]

        handles.append(node.register_prehook(started))
        handles.append(node.register_hook(finished))
    retained = [(tensor, tensor.grad) for tensor in _retaining(index)]
    try:
        torch.autograd.grad(root, list(leaves.values()) or [root], retain_graph=True, allow_unused=True)
    except RuntimeError as error:
        if "backward through the graph a second time" in str(error):
            raise ReplayError(
                f"the graph of {name!r} was freed by an earlier backward(): put the replay on the fence that computes {name!r}, before any backward() on it, or call backward(retain_graph=True)"
            ) from None
        raise
    finally:
        for handle in handles:
            handle.remove()
        for tensor, grad in retained:
            tensor.grad = grad
    described = []
    for position, node in enumerate(nodes):
        entry = {"id": f"{prefix}n{position}", "name": node.name().removeprefix("torch::autograd::"), "saved": _saved(node)}
        if position in leaves:
            leaf = leaves[position]
            entry.update(kind="leaf", label=by_tensor.get(id(leaf), f"leaf {position}"), value=summary(leaf))
        else:
            label, tensor = by_node.get(node, (None, None))
            entry.update(
                kind="root" if position == 0 else "operation", label=name if position == 0 else label, value=summary(tensor) if tensor is not None else None
            )
        described.append(entry)
    edges = []
    for position, node in enumerate(nodes):
        for input_nr, (next_node, output_nr) in enumerate(node.next_functions):
            if next_node is not None:
                edges.append({"from": position, "to": index[next_node], "input": input_nr, "output": output_nr})
    data = {"name": name, "prefix": prefix, "value": summary(root), "nodes": described, "edges": edges, "steps": steps}
    data["svg"] = layout_svg(data, prefix)
    return data


def _retaining(nodes: dict) -> list[torch.Tensor]:
    """The page's non-leaf tensors of this graph that called retain_grad(): autograd.grad fills their .grad."""
    with warnings.catch_warnings():  # isinstance() wakes deprecated lazy attributes of torch modules
        warnings.simplefilter("ignore")
        return [obj for obj in gc.get_objects() if isinstance(obj, torch.Tensor) and obj.grad_fn in nodes and obj.retains_grad]


def edge_gradients(data: dict) -> dict[tuple[int, int], dict | None]:
    """(from, input) -> the gradient the engine sent along that edge: the sender's grad_inputs[input]."""
    sent = {}
    for step in data["steps"]:
        for input_nr, grad in enumerate(step.get("grad_inputs", [])):
            sent[(step["node"], input_nr)] = grad
    return sent


def layout_svg(data: dict, prefix: str) -> str:
    """The graph laid out by Graphviz's dot, gradients flowing from the output (bottom) up to the leaves.

    Element ids are ``prefix`` + graph, + n<node> and + e<from>-<input>, classes say what
    each element is (leaf, operation, root), so the site's stylesheet colours
    it for both palettes and replay.js highlights it step by step.
    """
    import graphviz

    # The graph's own id too: Graphviz calls every graph "graph0", and ids are page-wide.
    graph = graphviz.Digraph(graph_attr={"id": f"{prefix}graph", "rankdir": "BT", "bgcolor": "transparent", "nodesep": "0.3", "ranksep": "0.35"})
    graph.attr("node", shape="box", style="rounded,filled", fontname="sans-serif", fontsize="11", height="0.3", margin="0.08,0.04")
    graph.attr("edge", fontname="sans-serif", fontsize="10", arrowsize="0.6")
    leaf_gradient = {step["node"]: step["grad"] for step in data["steps"] if "grad" in step}
    for position, node in enumerate(data["nodes"]):
        lines = [node["name"]] if node["kind"] != "leaf" else [node["label"]]
        if node["kind"] == "root":
            lines.append(f"{node['label']} = {_short(data['value'])}")
        elif node["kind"] == "operation" and node["label"]:
            lines.append(node["label"])
        elif node["kind"] == "leaf":
            lines.append(f"grad = {_short(leaf_gradient.get(position))}")
        graph.node(str(position), "\n".join(lines), id=node["id"], **{"class": f"atlas-replay-{node['kind']}"})
    sent = edge_gradients(data)
    for edge in data["edges"]:
        label = _short(sent.get((edge["from"], edge["input"])))
        graph.edge(str(edge["from"]), str(edge["to"]), label=f" {label} ", id=f"{prefix}e{edge['from']}-{edge['input']}", **{"class": "atlas-replay-edge"})
    svg = graph.pipe(format="svg", encoding="utf-8")
    # Titles would be tooltips of Graphviz's internal names ("0", "%3"); the page labels the figure.
    return _SVG_NOISE.sub("", svg[svg.index("<svg") :])


def reference_check(root: torch.Tensor, data: dict) -> list[str]:
    """Compare a record with ``torch.autograd.grad``, node by node; the list of differences.

    For every operation step, each recorded ``grad_outputs[i]`` must equal the
    gradient of ``root`` with respect to output ``i`` of that node
    (``GradientEdge(node, i)``); for every leaf step, the gradient with respect to
    the leaf. Gradients are compared by their shape and summary text; a
    gradient the engine never materialised (None) matches zeros.
    """
    nodes = graph_nodes(root)
    problems = []
    if len(nodes) != len(data["nodes"]):
        return [f"the graph has {len(nodes)} nodes, the record {len(data['nodes'])}"]
    for step in data["steps"]:
        node = nodes[step["node"]]
        recorded = [step["grad"]] if "grad" in step else step["grad_outputs"]
        for output_nr, grad in enumerate(recorded):
            (expected,) = torch.autograd.grad(root, [GradientEdge(node, output_nr)], retain_graph=True, allow_unused=True)
            expected = summary(expected)
            if grad != expected and not (grad is None and _all_zero(expected)) and not (expected is None and _all_zero(grad)):
                problems.append(f"node {step['node']} ({node.name()}), output {output_nr}: recorded {grad}, autograd.grad gives {expected}")
    return problems


def _all_zero(entry: dict | None) -> bool:
    return entry is not None and entry["text"].strip("[]0, ") == ""
