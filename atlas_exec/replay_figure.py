"""A recorded backward pass (replay.record) as the figure a reader steps through.

Pure functions of the record, like render.py. The figure works without
JavaScript: the drawing shows every gradient of the finished pass and the
steps are an ordered list. docs/assets/javascripts/replay.js adds the step
control (previous, play, next, a slider, arrow keys) that highlights the
running node and hides what has not happened yet.
"""

from __future__ import annotations

import html
import json

# The MIME type of a record in a cell's outputs (published by runner.py).
REPLAY_MIME = "application/vnd.atlas.replay+json"


def _value(entry: dict | None) -> str:
    """A recorded tensor as prose: its values, with the shape when it is not a scalar."""
    if entry is None:
        return "None"
    if not entry["shape"]:
        return entry["text"]
    shape = "(" + ", ".join(map(str, entry["shape"])) + (",)" if len(entry["shape"]) == 1 else ")")
    if entry["text"].startswith("mean "):  # a summary: one tensor, not three numbers
        return f"a {shape} tensor with {entry['text']}"
    return f"{entry['text']} (shape {shape})"


def node_names(data: dict, depth: int = 2) -> list[str]:
    """How the text calls each node: a leaf or a named result by its name, another
    operation by its node name applied to its inputs, e.g. PowBackward0(AddBackward0(x, y))."""
    nodes = data["nodes"]
    inputs: dict[int, list[int]] = {}
    for edge in sorted(data["edges"], key=lambda edge: (edge["from"], edge["input"])):
        inputs.setdefault(edge["from"], []).append(edge["to"])

    def expression(position: int, level: int) -> str:
        node = nodes[position]
        if node["label"] and level < depth:
            return node["label"]
        if level == 0 or not inputs.get(position):
            return "…"
        return f"{node['name']}(" + ", ".join(expression(child, level - 1) for child in inputs[position]) + ")"

    names = []
    for position, node in enumerate(nodes):
        if node["kind"] == "leaf":
            names.append(f"leaf {node['label']}")
        elif node["label"]:
            names.append(f"{node['name']} (made {node['label']})")
        else:
            names.append(expression(position, depth))
    return names


def step_texts(data: dict) -> list[str]:
    """What each step did, in words: the gradients an operation received and sent, or the gradient a leaf got."""
    nodes, names = data["nodes"], node_names(data)
    targets = {(edge["from"], edge["input"]): names[edge["to"]] for edge in data["edges"]}
    texts = []
    for step in data["steps"]:
        node = nodes[step["node"]]
        if "grad" in step:
            label = node["label"]
            texts.append(
                f"AccumulateGrad of {names[step['node']]} runs: the gradients sent to {label}, summed, are {_value(step['grad'])}; "
                f"backward() adds that to {label}.grad."
            )
            continue
        received = ", ".join(_value(grad) for grad in step["grad_outputs"])
        sent = [f"{_value(grad)} to {targets[(step['node'], i)]}" for i, grad in enumerate(step.get("grad_inputs", [])) if (step["node"], i) in targets]
        texts.append(f"{names[step['node']]} runs: it receives grad_outputs {received} and sends " + (" and ".join(sent) if sent else "nothing on") + ".")
    return texts


def _details(node: dict, name: str) -> str:
    """What hovering or focusing a node shows: its forward value and what it saved for backward."""
    parts = [name]
    if node.get("value") is not None:
        parts.append(f"forward value {_value(node['value'])}")
    if node["saved"]:
        parts.append("saved for backward: " + "; ".join(f"{saved['name']} = {_value(saved['value'])}" for saved in node["saved"]))
    elif node["kind"] != "leaf":
        parts.append("saved nothing for backward")
    return ", ".join(parts[:2]) + (". " + parts[2][0].upper() + parts[2][1:] if len(parts) > 2 else "") + "."


def replay_html(data: dict) -> str:
    """The figure: caption, the Graphviz drawing, the step control's place, the steps as a list."""
    name = html.escape(data["name"])
    texts = step_texts(data)
    nodes = data["nodes"]
    leaves = [(nodes[step["node"]]["label"], _value(step["grad"])) for step in data["steps"] if "grad" in step]
    # The takeaway names the leaves' gradients when they are short enough to read in a sentence.
    if all(len(value) <= 24 for _, value in leaves):
        ends = "The leaves end with the gradients " + ", ".join(f"{html.escape(label)}: {html.escape(value)}" for label, value in leaves) + "."
    else:
        ends = "Each leaf shows its gradient once it has arrived."
    start = (
        f"Before the backward pass: {data['name']} = {_value(data['value'])}; the gradient of {data['name']} with respect to itself, 1, starts at the bottom."
    )
    # What replay.js needs to show step k: the node that runs, the edges it sends along, the text.
    script = {
        "start": start,
        "steps": [
            {
                "node": nodes[step["node"]]["id"],
                "edges": [f"{data['prefix']}e{edge['from']}-{edge['input']}" for edge in data["edges"] if edge["from"] == step["node"]],
                "text": text,
            }
            for step, text in zip(data["steps"], texts)
        ],
        "details": {node["id"]: _details(node, name) for node, name in zip(nodes, node_names(data))},
    }
    payload = html.escape(json.dumps(script, separators=(",", ":")), quote=True)
    items = "".join(f"<li>{html.escape(text)}</li>" for text in texts)
    return (
        f'<figure class="atlas-replay" data-replay="{payload}">'
        f'<figcaption><span class="atlas-figure-title">The backward pass of <code>{name}</code>, replayed</span> '
        f'<span class="atlas-figure-description">PyTorch\'s engine ran these {len(texts)} steps in this order when this page was built; '
        f"every value shown is from that run. Arrows point the way gradients flow, from <code>{name}</code> at the bottom to the leaves at the top. "
        f"{ends}</span></figcaption>"
        f'<div class="atlas-replay-graph" role="group" aria-label="Backward graph of {name}: {len(nodes)} nodes">{data["svg"]}</div>'
        f'<p class="atlas-replay-status" aria-live="polite">{html.escape(start)}</p>'
        f'<details class="atlas-replay-steps"><summary>All {len(texts)} steps as text</summary><ol>{items}</ol></details>'
        "</figure>"
    )
