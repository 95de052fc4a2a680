// Draws what executed fences produced: Plotly figures and math.
// Material's instant navigation swaps page content without reloading, so all
// drawing happens in document$.subscribe, which fires on every page.
(function () {
  "use strict";

  // plotly.js sits beside this script; it is loaded only by pages that have
  // figures, once per visit (the browser caches it for the next page).
  const plotlyUrl = new URL("plotly.min.js", document.currentScript.src).href;
  let plotlyLoaded = null;

  function loadPlotly() {
    if (window.Plotly) return Promise.resolve(window.Plotly);
    if (!plotlyLoaded) {
      plotlyLoaded = new Promise(function (resolve, reject) {
        const script = document.createElement("script");
        script.src = plotlyUrl;
        script.onload = function () { resolve(window.Plotly); };
        script.onerror = function () { reject(new Error("Could not load " + plotlyUrl)); };
        document.head.appendChild(script);
      });
    }
    return plotlyLoaded;
  }

  function isDark() {
    return document.body.getAttribute("data-md-color-scheme") === "slate";
  }

  // One small template for every figure, in the colours of the site's palette.
  function siteTemplate(dark) {
    const ink = dark ? "#e3e4ea" : "#1f2330";
    const grid = dark ? "#3a3f52" : "#e4e6ee";
    const axis = { gridcolor: grid, zerolinecolor: grid, linecolor: grid, automargin: true };
    const sceneAxis = { gridcolor: grid, zerolinecolor: grid, backgroundcolor: "rgba(0,0,0,0)", showbackground: false };
    return {
      layout: {
        colorway: ["#7e57c2", "#ffa000", "#26a69a", "#ef5350", "#42a5f5", "#8d6e63", "#ec407a", "#9ccc65"],
        font: { color: ink, family: "-apple-system, BlinkMacSystemFont, Segoe UI, Helvetica, Arial, sans-serif" },
        paper_bgcolor: "rgba(0,0,0,0)",
        plot_bgcolor: "rgba(0,0,0,0)",
        xaxis: axis,
        yaxis: axis,
        scene: { xaxis: sceneAxis, yaxis: sceneAxis, zaxis: sceneAxis },
        hoverlabel: { font: { family: "monospace" } },
        legend: { bgcolor: "rgba(0,0,0,0)" },
        // Play buttons and sliders of animated figures, readable in both palettes.
        updatemenudefaults: { bgcolor: dark ? "#2e3245" : "#f4f5f8", bordercolor: grid, font: { color: ink } },
        sliderdefaults: { bgcolor: dark ? "#2e3245" : "#f4f5f8", bordercolor: grid, activebgcolor: dark ? "#7e57c2" : "#b39ddb", font: { color: ink } },
        margin: { l: 50, r: 20, t: 60, b: 50 },
      },
    };
  }

  function draw(Plotly, node) {
    const figure = JSON.parse(node.dataset.figure);
    const layout = Object.assign({}, figure.layout, { template: siteTemplate(isDark()), autosize: true });
    delete layout.width;
    const config = { responsive: true, displaylogo: false };
    const drawn = Plotly.react(node, figure.data, layout, config);
    if (figure.frames && figure.frames.length) {
      return drawn.then(function () { return Plotly.addFrames(node, figure.frames); });
    }
    return drawn;
  }

  function drawFigures() {
    const nodes = document.querySelectorAll(".atlas-plotly");
    if (!nodes.length) return;
    loadPlotly().then(function (Plotly) {
      nodes.forEach(function (node) {
        draw(Plotly, node).then(function () { node.dataset.drawn = "true"; });
      });
    }).catch(function (error) { console.error(error); });
  }

  function typesetMath() {
    if (!window.MathJax || !MathJax.startup || !MathJax.typesetPromise) return;
    MathJax.startup.promise.then(function () {
      MathJax.startup.output.clearCache();
      MathJax.typesetClear();
      MathJax.texReset();
      return MathJax.typesetPromise(Array.from(document.querySelectorAll(".arithmatex, .jp-RenderedMarkdown")));
    }).then(function () {
      document.body.dataset.mathTypeset = "true";
    });
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

  document$.subscribe(function () {
    document.body.dataset.mathTypeset = "false";
    drawFigures();
    typesetMath();
  });

  // Redraw figures in the new colours when the reader flips the palette.
  new MutationObserver(function () {
    if (window.Plotly) document.querySelectorAll(".atlas-plotly").forEach(function (node) { draw(window.Plotly, node); });
  }).observe(document.body, { attributes: true, attributeFilter: ["data-md-color-scheme"] });
})();
