// The step control of the backward-pass replays (figures rendered by
// atlas_exec/replay_figure.py from a pass recorded at build time). Without
// this script a replay shows the finished pass and its steps as a list; with
// it, the reader steps through the nodes in the order the engine ran them.
// Set up on every page change: Material's instant navigation swaps the content.
(function () {
  "use strict";

  const PLAY_INTERVAL_MS = 1100;

  function element(tag, attributes, text) {
    const made = document.createElement(tag);
    Object.keys(attributes || {}).forEach(function (key) { made.setAttribute(key, attributes[key]); });
    if (text !== undefined) made.textContent = text;
    return made;
  }

  function setup(figure) {
    if (figure.dataset.replayReady) return;
    figure.dataset.replayReady = "true";
    const data = JSON.parse(figure.dataset.replay);
    const total = data.steps.length;
    const graph = figure.querySelector(".atlas-replay-graph");
    const status = figure.querySelector(".atlas-replay-status");
    const byId = function (id) { return graph.querySelector('[id="' + id + '"]'); };

    // The step at which each node runs and each edge carries its gradient.
    const nodeStep = new Map();
    const edgeStep = new Map();
    data.steps.forEach(function (step, index) {
      nodeStep.set(byId(step.node), index + 1);
      step.edges.forEach(function (id) { const edge = byId(id); if (edge) edgeStep.set(edge, index + 1); });
    });

    // Controls: real buttons and a range input, so keyboards and screen readers can use them.
    const name = figure.querySelector(".atlas-figure-title code").textContent;
    const controls = element("div", { class: "atlas-figure-controls atlas-replay-controls", role: "group", "aria-label": "Step through the backward pass of " + name });
    const previous = element("button", { type: "button", class: "md-button" }, "Previous");
    const play = element("button", { type: "button", class: "md-button", "aria-pressed": "false" }, "Play");
    const next = element("button", { type: "button", class: "md-button" }, "Next");
    const slider = element("label", { class: "atlas-figure-slider" }, "Step");
    const range = element("input", { type: "range", min: "0", max: String(total), step: "1", value: "0" });
    const count = element("output", { "aria-hidden": "true" }, "0 / " + total);
    slider.append(range, count);
    controls.append(previous, play, next, slider);
    const details = element("p", { class: "atlas-replay-details", "aria-live": "polite" }, "Hover over or focus a node to see its forward value and what it saved.");
    status.before(controls);
    status.after(details);

    let current = 0;
    function show(step) {
      current = Math.max(0, Math.min(total, step));
      nodeStep.forEach(function (at, node) {
        node.classList.toggle("atlas-replay-active", at === current);
        node.classList.toggle("atlas-replay-done", at < current);
        // A leaf's second line is the gradient that reaches it: hidden until it does.
        const texts = node.querySelectorAll("text");
        if (node.classList.contains("atlas-replay-leaf") && texts.length > 1) texts[1].classList.toggle("atlas-replay-pending", at > current);
        label(node);
      });
      edgeStep.forEach(function (at, edge) {
        edge.classList.toggle("atlas-replay-flowing", at === current);
        edge.classList.toggle("atlas-replay-flowed", at < current);
        edge.classList.toggle("atlas-replay-pending", at > current);
      });
      range.value = String(current);
      count.textContent = current + " / " + total;
      range.setAttribute("aria-valuetext", "step " + current + " of " + total);
      status.textContent = current === 0 ? data.start : "Step " + current + " of " + total + ": " + data.steps[current - 1].text;
      previous.disabled = current === 0;
      next.disabled = current === total;
      figure.dataset.replayStep = String(current);
    }

    let timer = null;
    function setPlaying(playing) {
      if (timer !== null) window.clearInterval(timer);
      timer = null;
      play.textContent = playing ? "Pause" : "Play";
      play.setAttribute("aria-pressed", String(playing));
      if (!playing) return;
      if (current === total) show(0);
      timer = window.setInterval(function () {
        show(current + 1);
        if (current === total) setPlaying(false);
      }, PLAY_INTERVAL_MS);
    }

    previous.addEventListener("click", function () { setPlaying(false); show(current - 1); });
    next.addEventListener("click", function () { setPlaying(false); show(current + 1); });
    play.addEventListener("click", function () { setPlaying(timer === null); });
    range.addEventListener("input", function () { setPlaying(false); show(Number(range.value)); });
    // Arrow keys step whenever focus is in the figure (the slider handles its own).
    figure.addEventListener("keydown", function (event) {
      if (event.target === range || event.altKey || event.ctrlKey || event.metaKey) return;
      const moves = { ArrowLeft: -1, ArrowUp: -1, ArrowRight: 1, ArrowDown: 1 };
      if (!(event.key in moves) || !graph.contains(event.target) && !controls.contains(event.target)) return;
      event.preventDefault();
      setPlaying(false);
      show(current + moves[event.key]);
    });

    // A node's name starts with the text it shows (WCAG 2.5.3), then what it holds.
    function label(node) {
      const text = data.details[node.id];
      if (!text) return;
      const shown = Array.from(node.querySelectorAll("text")).filter(function (line) { return !line.classList.contains("atlas-replay-pending"); });
      node.setAttribute("aria-label", shown.map(function (line) { return line.textContent; }).join(" ") + ". " + text);
    }

    // Forward values and saved tensors of a node, on hover or keyboard focus.
    graph.querySelectorAll("g.node").forEach(function (node) {
      const text = data.details[node.id];
      if (!text) return;
      node.setAttribute("tabindex", "0");
      node.setAttribute("role", "button");
      const describe = function () { details.textContent = text; };
      node.addEventListener("mouseenter", describe);
      node.addEventListener("focus", describe);
      node.addEventListener("click", describe);
    });
    show(0);
  }

  function setupAll() { document.querySelectorAll(".atlas-replay[data-replay]").forEach(setup); }

  if (typeof window.document$ !== "undefined") window.document$.subscribe(setupAll);
  else if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", setupAll);
  else setupAll();
})();
