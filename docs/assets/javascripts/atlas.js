// Draws what executed fences produced: Plotly figures. (Math arrives typeset:
// the build runs MathJax, atlas_exec/formulas.py.)
// Material's instant navigation swaps page content without reloading, so all
// drawing happens in document$.subscribe, which fires on every page.
(function () {
  "use strict";

  // Two plotly.js bundles sit beside this script, the same plotly.js version:
  // the 2-D (cartesian) one, about a third of the size, and the full one.
  // render.py's figure_html names the bundle a figure needs in
  // data-plotly-bundle; a page with any figure that needs the full bundle (a
  // 3-D trace) draws all its figures with it, rather than fetching both. Each
  // is loaded once per visit, when the page's first figure nears the viewport.
  const scriptUrl = document.currentScript.src;
  // A figure's data-src is relative to the site's root; this script is assets/javascripts/atlas.js.
  const siteRoot = new URL("../../", scriptUrl);
  const bundleUrls = {
    cartesian: new URL("plotly-cartesian/plotly.min.js", scriptUrl).href,
    full: new URL("plotly.min.js", scriptUrl).href,
  };
  const bundles = {};

  function loadBundle(name) {
    // The full bundle draws 2-D figures as well: no second download for them.
    if (name === "cartesian" && !bundles.cartesian && bundles.full) return bundles.full;
    if (!bundles[name]) {
      bundles[name] = new Promise(function (resolve, reject) {
        const script = document.createElement("script");
        script.src = bundleUrls[name];
        // Both bundles set window.Plotly: keep the one this script defined.
        script.onload = function () { resolve(window.Plotly); };
        script.onerror = function () { reject(new Error("Could not load " + bundleUrls[name])); };
        document.head.appendChild(script);
      });
    }
    return bundles[name];
  }

  function isDark() {
    return document.body.getAttribute("data-md-color-scheme") === "slate";
  }

  // One small template for every figure, in the colours of the site's palette.
  // Every colour here passes WCAG AA on the page's background: 4.5:1 for text,
  // 3:1 for lines and markers.
  function siteTemplate(dark) {
    const ink = dark ? "#e3e4ea" : "#1f2330";
    const grid = dark ? "#3a3f52" : "#e4e6ee";
    const axis = { gridcolor: grid, zerolinecolor: grid, linecolor: grid, automargin: true };
    const sceneAxis = { gridcolor: grid, zerolinecolor: grid, backgroundcolor: "rgba(0,0,0,0)", showbackground: false };
    const colorway = dark
      ? ["#b39ddb", "#ffca28", "#4db6ac", "#ef9a9a", "#64b5f6", "#bcaaa4", "#f48fb1", "#aed581"]
      : ["#5e35b1", "#e65100", "#00796b", "#c62828", "#1565c0", "#6d4c41", "#ad1457", "#558b2f"];
    return {
      layout: {
        colorway: colorway,
        font: { color: ink, family: "-apple-system, BlinkMacSystemFont, Segoe UI, Helvetica, Arial, sans-serif" },
        paper_bgcolor: "rgba(0,0,0,0)",
        plot_bgcolor: "rgba(0,0,0,0)",
        xaxis: axis,
        yaxis: axis,
        scene: { xaxis: sceneAxis, yaxis: sceneAxis, zaxis: sceneAxis },
        // Hover labels in the page's colours, not the trace's (2:1 on some traces).
        hoverlabel: { bgcolor: dark ? "#2e3245" : "#ffffff", bordercolor: dark ? "#8a8fa8" : "#5f6473", font: { color: ink, family: "monospace" } },
        legend: { bgcolor: "rgba(0,0,0,0)" },
        modebar: { bgcolor: "rgba(0,0,0,0)", color: dark ? "#aeb2c4" : "#5f6473", activecolor: ink },
        margin: { l: 50, r: 20, t: 60, b: 50 },
      },
    };
  }

  // The toolbar keeps what a reader uses (zoom, pan, reset; rotate in 3-D) and
  // nothing that talks to another host.
  const plotConfig = {
    responsive: true,
    displaylogo: false,
    showLink: false,
    showSendToCloud: false,
    showEditInChartStudio: false,
    showTips: false,
    modeBarButtonsToRemove: [
      "toImage", "select2d", "lasso2d", "zoomIn2d", "zoomOut2d", "autoScale2d",
      "hoverClosestCartesian", "hoverCompareCartesian", "toggleSpikelines",
      "zoom3d", "tableRotation", "resetCameraLastSave3d", "hoverClosest3d",
    ],
  };

  // The figure's JSON is a file of its own (render.py), fetched once, when the
  // figure nears the viewport, while plotly.js loads.
  function figureOf(node) {
    if (!node._atlasFigure) {
      const url = new URL(node.dataset.src, siteRoot).href;
      node._atlasFigure = fetch(url).then(function (response) {
        if (!response.ok) throw new Error("Could not load " + url + ": HTTP " + response.status);
        return response.json();
      });
    }
    return node._atlasFigure;
  }

  // The title is shown in the <figcaption> (it wraps on a phone, and the
  // toolbar cannot cover it); Plotly's sliders and buttons are replaced by HTML
  // controls that a keyboard and a screen reader can use.
  function drawnLayout(figure) {
    const layout = Object.assign({}, figure.layout, { template: siteTemplate(isDark()), autosize: true });
    delete layout.width;
    delete layout.title;
    delete layout.sliders;
    delete layout.updatemenus;
    return layout;
  }

  // Lines that a legend tells apart by colour alone do not tell a colour-blind
  // reader which is which: when a figure shows two or more lines in its legend,
  // those without a dash of their own also differ by dash.
  const dashes = ["solid", "dash", "dot", "dashdot", "longdash", "longdashdot"];

  function drawnData(figure) {
    const isLegendLine = function (trace) {
      return (trace.type || "scatter") === "scatter" && /lines/.test(trace.mode || "lines") && trace.visible !== false && trace.showlegend !== false;
    };
    const lines = figure.data.filter(isLegendLine);
    if (figure.layout.showlegend === false || lines.length < 2) return figure.data;
    return figure.data.map(function (trace) {
      const position = lines.indexOf(trace);
      if (position === -1 || (trace.line && trace.line.dash)) return trace;
      return Object.assign({}, trace, { line: Object.assign({}, trace.line, { dash: dashes[position % dashes.length] }) });
    });
  }

  function drawFigure(node) {
    if (node.dataset.drawing) return;
    node.dataset.drawing = "true";
    Promise.all([figureOf(node), loadBundle(pageBundle)]).then(function (loaded) {
      const figure = loaded[0], Plotly = loaded[1];
      node._atlasPlotly = Plotly;
      return Plotly.react(node, drawnData(figure), drawnLayout(figure), plotConfig).then(function () {
        if (figure.frames && figure.frames.length) return Plotly.addFrames(node, figure.frames);
      }).then(function () {
        // The plot's SVG is a picture of what the caption and controls say in words.
        node.querySelectorAll(".main-svg").forEach(function (svg) { svg.setAttribute("aria-hidden", "true"); });
        labelToolbar(node);
        addControls(node, figure, Plotly);
        node._atlasWidth = node.clientWidth;
        resizeObserver.observe(node);
        node.dataset.drawn = "true";
      });
    }).catch(function (error) { console.error(error); });
  }

  function labelToolbar(node) {
    node.querySelectorAll(".modebar-btn").forEach(function (button) {
      const name = button.getAttribute("data-title");
      if (name) button.setAttribute("aria-label", name);
    });
  }

  // ---- HTML controls mirroring Plotly's sliders and updatemenus ----

  function captionTitle(node) {
    const figure = node.closest("figure");
    return figure && figure.querySelector(".atlas-figure-title");
  }

  // A step or button may retitle the figure: the title lives in the caption.
  function withoutTitle(node, layoutUpdate) {
    if (!layoutUpdate) return layoutUpdate;
    const update = Object.assign({}, layoutUpdate);
    let text = null;
    if ("title.text" in update) { text = update["title.text"]; delete update["title.text"]; }
    if ("title" in update) {
      text = typeof update.title === "object" && update.title !== null ? update.title.text : update.title;
      delete update.title;
    }
    const title = captionTitle(node);
    if (text != null && title) {
      title.textContent = text;
      node.setAttribute("aria-label", text);
    }
    return update;
  }

  function runMethod(Plotly, node, method, args) {
    args = args || [];
    if (method === "animate") return Plotly.animate(node, args[0], args[1]);
    if (method === "restyle") return Plotly.restyle(node, args[0], args[1]);
    if (method === "relayout") return Plotly.relayout(node, withoutTitle(node, args[0]));
    if (method === "update") return Plotly.update(node, args[0], withoutTitle(node, args[1]), args[2]);
    return Promise.resolve();
  }

  function element(tag, attributes, text) {
    const made = document.createElement(tag);
    Object.keys(attributes || {}).forEach(function (key) { made.setAttribute(key, attributes[key]); });
    if (text != null) made.textContent = text;
    return made;
  }

  function frameNames(args) {
    const frames = args && args[0];
    if (frames == null) return [];
    return (Array.isArray(frames) ? frames : [frames]).map(String);
  }

  function addControls(node, figure, Plotly) {
    if (node._atlasControls) return;
    const sliders = (figure.layout.sliders || []).filter(function (slider) { return slider.visible !== false && (slider.steps || []).length; });
    const menus = (figure.layout.updatemenus || []).filter(function (menu) { return menu.visible !== false && (menu.buttons || []).length; });
    if (!sliders.length && !menus.length) return;
    const title = (captionTitle(node) || {}).textContent || "the figure";
    const panel = element("div", { class: "atlas-figure-controls", role: "group", "aria-label": "Controls of " + title });
    node._atlasControls = panel;
    // Buttons first, then sliders: Plotly's own layout puts Play left of the slider.
    const sliderPanel = document.createDocumentFragment();
    const ranges = sliders.map(function (slider, index) { return addSlider(sliderPanel, node, Plotly, slider, index); });
    menus.forEach(function (menu, index) { addMenu(panel, node, Plotly, menu, index, ranges); });
    panel.append(sliderPanel);
    node.after(panel);

    // While Plotly plays an animation, the sliders follow its frames.
    node.on("plotly_animatingframe", function (event) {
      ranges.forEach(function (range) { range.showFrame(String(event.name)); });
    });
  }

  function addSlider(panel, node, Plotly, slider, index) {
    const steps = slider.steps;
    const prefix = ((slider.currentvalue || {}).prefix || "").trim();
    const name = prefix.replace(/[=:]\s*$/, "").trim() || slider.name || "Step";
    const id = "atlas-" + Math.random().toString(36).slice(2) + "-slider-" + index;
    const wrapper = element("div", { class: "atlas-figure-slider" });
    const label = element("label", { for: id }, name);
    const input = element("input", { id: id, type: "range", min: "0", max: String(steps.length - 1), step: "1" });
    const output = element("output", { for: id, "aria-hidden": "true" });
    wrapper.append(label, input, output);
    panel.append(wrapper);

    function show(position) {
      input.value = String(position);
      const text = String(steps[position].label != null ? steps[position].label : position);
      output.textContent = text;
      input.setAttribute("aria-valuetext", (prefix ? prefix + " " : "") + text);
    }
    show(Math.min(Math.max(slider.active || 0, 0), steps.length - 1));
    input.addEventListener("input", function () {
      const position = Number(input.value);
      show(position);
      runMethod(Plotly, node, steps[position].method, steps[position].args);
    });
    return {
      input: input,
      atEnd: function () { return Number(input.value) === steps.length - 1; },
      showFrame: function (frame) {
        const position = steps.findIndex(function (step) { return step.method === "animate" && frameNames(step.args).indexOf(frame) !== -1; });
        if (position !== -1) show(position);
      },
    };
  }

  function addMenu(panel, node, Plotly, menu, index, ranges) {
    const buttons = menu.buttons.filter(function (button) { return button.visible !== false; });
    if (menu.type === "buttons") {
      buttons.forEach(function (button) {
        const plays = button.method === "animate" && frameNames(button.args).length === 0;
        const html = element("button", { type: "button", class: "md-button atlas-figure-button" }, button.label || "Apply");
        panel.append(html);
        if (plays) {
          setupPlay(html, node, Plotly, button, ranges);
        } else {
          html.addEventListener("click", function () { runMethod(Plotly, node, button.method, button.args); });
        }
      });
      return;
    }
    // Dropdowns (Plotly's default menu type) become a <select>.
    const id = "atlas-" + Math.random().toString(36).slice(2) + "-menu-" + index;
    const wrapper = element("div", { class: "atlas-figure-menu" });
    const select = element("select", { id: id });
    wrapper.append(element("label", { for: id }, menu.name || "Show"), select);
    buttons.forEach(function (button, position) {
      const option = element("option", { value: String(position) }, button.label || String(position));
      if (position === (menu.active || 0)) option.selected = true;
      select.append(option);
    });
    select.addEventListener("change", function () {
      const button = buttons[Number(select.value)];
      runMethod(Plotly, node, button.method, button.args);
    });
    panel.append(wrapper);
  }

  // Play runs the figure's animation; while it plays the same button pauses it
  // (WCAG 2.2.2: moving content that lasts more than 5 s can be paused).
  function setupPlay(html, node, Plotly, button, ranges) {
    const playLabel = button.label || "Play";
    let playing = false;
    function setPlaying(value) {
      playing = value;
      html.textContent = value ? "Pause" : playLabel;
      html.setAttribute("aria-pressed", String(value));
    }
    setPlaying(false);
    node.on("plotly_animated", function () { setPlaying(false); });
    node.on("plotly_animationinterrupted", function () { if (playing) setPlaying(false); });
    html.addEventListener("click", function () {
      if (playing) {
        setPlaying(false);
        Plotly.animate(node, [null], { mode: "immediate", frame: { duration: 0, redraw: false }, transition: { duration: 0 } });
        return;
      }
      const options = Object.assign({}, (button.args || [])[1]);
      // At the last step, Play starts over instead of doing nothing.
      if (ranges.length && ranges.every(function (range) { return range.atEnd(); })) options.fromcurrent = false;
      setPlaying(true);
      Plotly.animate(node, (button.args || [])[0] || null, options);
    });
  }

  // ---- When to draw ----

  // Figures are drawn when they come within a screen of the viewport. A figure
  // in a closed <details> or an inactive content tab has no box and so is not
  // drawn until it is shown: drawn while hidden, Plotly would lay it out at
  // its default 700 px width.
  const drawObserver = new IntersectionObserver(function (entries) {
    entries.forEach(function (entry) {
      if (!entry.isIntersecting) return;
      drawObserver.unobserve(entry.target);
      drawFigure(entry.target);
    });
  }, { rootMargin: "100% 0px" });

  // A drawn figure whose column changes width (a sidebar, a tab or a <details>
  // that was closed and reopened at another window size) is laid out again.
  const resizeObserver = new ResizeObserver(function (entries) {
    entries.forEach(function (entry) {
      const node = entry.target;
      const width = node.clientWidth;
      if (!width || width === node._atlasWidth || !node._atlasPlotly) return;
      node._atlasWidth = width;
      node._atlasPlotly.Plots.resize(node);
    });
  });

  let pageBundle = "full";

  function drawFigures() {
    pageBundle = document.querySelector(".atlas-plotly:not([data-plotly-bundle='cartesian'])") ? "full" : "cartesian";
    drawObserver.disconnect();
    resizeObserver.disconnect();
    document.querySelectorAll(".atlas-plotly").forEach(function (node) { drawObserver.observe(node); });
  }

  // Redraw figures in the new colours when the reader flips the palette,
  // keeping what the reader chose with the controls (relayout, not react).
  new MutationObserver(function () {
    document.querySelectorAll(".atlas-plotly[data-drawn='true']").forEach(function (node) {
      node._atlasPlotly.relayout(node, { template: siteTemplate(isDark()) });
    });
  }).observe(document.body, { attributes: true, attributeFilter: ["data-md-color-scheme"] });

  // ---- Keyboard access to what scrolls ----

  // A block wider than the column scrolls sideways; a keyboard reader scrolls
  // it once it can take focus (WCAG 2.1.1). Material does this for its own
  // code blocks; these are the site's outputs and the labs' notebook cells.
  // Each gets a name of its own (landmarks with one name cannot be told apart).
  const scrollers = [
    [".atlas-output pre", function (block) { return block.closest(".atlas-output").dataset.label || "Output"; }],
    [".jupyter-wrapper .highlight-ipynb", function () { return "Code"; }],
    [".jupyter-wrapper .jp-OutputArea-output pre", function () { return "Output"; }],
    // Material's wrapper of a wide table.
    [".md-typeset__scrollwrap", function () { return "Table"; }],
    // A wide display formula: focusable, with MathJax's own role and name.
    ["mjx-container[display='true']", null],
  ];

  function focusableScrollers() {
    const counts = {};
    scrollers.forEach(function (entry) {
      document.querySelectorAll(entry[0]).forEach(function (block) {
        const overflows = block.scrollWidth > block.clientWidth + 1;
        const marked = block.dataset.atlasScroll === "true";
        if (overflows && (marked || !block.hasAttribute("tabindex"))) {
          block.dataset.atlasScroll = "true";
          block.setAttribute("tabindex", "0");
          if (entry[1]) {
            const kind = entry[1](block);
            counts[kind] = (counts[kind] || 0) + 1;
            block.setAttribute("role", "region");
            block.setAttribute("aria-label", kind + " " + counts[kind] + ", scrolls sideways");
          }
        } else if (!overflows && marked) {
          delete block.dataset.atlasScroll;
          ["tabindex", "role", "aria-label"].forEach(function (name) { block.removeAttribute(name); });
        }
      });
    });
  }
  let scrollersQueued = null;
  window.addEventListener("resize", function () {
    clearTimeout(scrollersQueued);
    scrollersQueued = setTimeout(focusableScrollers, 200);
  });

  // Work that no reader waits for runs when the page is idle, not while it
  // loads: measuring every block's width forces a layout of the whole page.
  function whenIdle(work) {
    if (window.requestIdleCallback) window.requestIdleCallback(work, { timeout: 2000 });
    else setTimeout(work, 200);
  }

  // Material's copy button copies data-clipboard-text when a button has it
  // (content.code.copy). A pycon block copies its code without the >>> and
  // ... prompts and without the outputs (data-atlas-copy, written by the
  // build), so that it pastes into a notebook or a script and runs. Set in the
  // capture phase, before Material's delegated click handler reads it.
  document.addEventListener("click", function (event) {
    const button = event.target.closest && event.target.closest("[data-clipboard-target]");
    if (!button) return;
    const cell = button.closest(".atlas-cell[data-atlas-copy]");
    if (cell) button.setAttribute("data-clipboard-text", cell.dataset.atlasCopy);
  }, true);

  // ---- Names the theme leaves out ----

  // Material's search dialog and the progress bar of instant navigation have
  // no accessible name (axe: aria-dialog-name, aria-progressbar-name). Set
  // here rather than in overridden copies of Material's templates.
  function nameThemeWidgets() {
    const search = document.querySelector(".md-search[role='dialog']:not([aria-label])");
    const searchInput = search && search.querySelector("input[aria-label]");
    if (searchInput) search.setAttribute("aria-label", searchInput.getAttribute("aria-label"));
    const progress = document.querySelector(".md-progress[role='progressbar']:not([aria-label])");
    if (progress) progress.setAttribute("aria-label", "Loading the page");
  }

  document$.subscribe(function () {
    nameThemeWidgets();
    drawFigures();
    whenIdle(focusableScrollers);
  });
})();
