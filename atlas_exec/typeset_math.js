// Typesets the site's math at build time with MathJax 3 (npm mathjax-full), so
// that no page ships MathJax or typesets in the reader's browser.
//
// Reads one JSON request on stdin:
//   {"formulas": [{"tex": "x^2", "display": false}, ...],   arithmatex's formulas, TeX only
//    "fragments": ["<p>Text with $x$</p>", ...],              HTML in which MathJax finds the TeX
//    "ex_per_em": 0.52}                                        the x-height of the page's font
// and writes one JSON answer on stdout:
//   {"formulas": [html, ...], "fragments": [html, ...], "css": "...", "errors": [...]}
// Each formula becomes the CHTML that client-side MathJax would make (an
// mjx-container with the hidden MathML screen readers read), less the markup
// every formula repeats (slim, below); "css" is one
// stylesheet for all of them (the characters and constructs used, the fonts
// at the URL in the request's "font_url"). A TeX error is reported with its
// formula, never drawn as a red box.
"use strict";

const { mathjax } = require("mathjax-full/js/mathjax.js");
const { TeX } = require("mathjax-full/js/input/tex.js");
const { CHTML } = require("mathjax-full/js/output/chtml.js");
const { liteAdaptor } = require("mathjax-full/js/adaptors/liteAdaptor.js");
const { RegisterHTMLHandler } = require("mathjax-full/js/handlers/html.js");
const { AssistiveMmlHandler } = require("mathjax-full/js/a11y/assistive-mml.js");
require("mathjax-full/js/input/tex/AllPackages.js");

// The packages the browser's tex-chtml.js has at hand (its own and those it
// autoloads), without noundefined: an unknown macro is an error, not red text.
const PACKAGES = [
  "base", "ams", "newcommand", "configmacros", "action", "amscd", "bbox", "boldsymbol", "braket",
  "bussproofs", "cancel", "color", "enclose", "extpfeil", "html", "mhchem", "unicode", "verb",
];

function main(request) {
  const adaptor = liteAdaptor();
  AssistiveMmlHandler(RegisterHTMLHandler(adaptor));
  const errors = [];
  let current = null; // what is being typeset, for the error message
  const tex = new TeX({
    packages: PACKAGES,
    inlineMath: [["\\(", "\\)"], ["$", "$"]],
    displayMath: [["\\[", "\\]"], ["$$", "$$"]],
    processEscapes: true,
    processEnvironments: true,
    formatError(jax, error) {
      errors.push(Object.assign({ message: error.message }, current));
      return jax.formatError(error);
    },
  });
  const chtml = new CHTML({ fontURL: request.font_url, adaptiveCSS: true });
  // As MathJax in a browser does (matchFontHeight): math scaled so that its
  // x-height is the surrounding text's. The lite adaptor cannot measure that
  // text, so the request says what it is.
  const em = 16;
  const metrics = { em: em, ex: em * request.ex_per_em, containerWidth: 80 * em, lineWidth: 1000000, scale: request.ex_per_em / chtml.font.params.x_height, family: "" };
  chtml.getMetricsFor = function () { return Object.assign({}, metrics); };
  chtml.measureMetrics = function () { return Object.assign({}, metrics); }; // the Markdown cells' math too
  const document = mathjax.document("", { InputJax: tex, OutputJax: chtml, enableAssistiveMml: true });
  const formulas = request.formulas.map(function (formula, index) {
    current = { kind: "formula", index: index, tex: formula.tex };
    return document.convert(formula.tex, Object.assign({ display: formula.display }, metrics));
  });
  const fragments = request.fragments.map(function (fragment, index) {
    current = { kind: "fragment", index: index };
    const page = mathjax.document("<html><head></head><body>" + fragment + "</body></html>", {
      InputJax: tex, OutputJax: chtml, enableAssistiveMml: true,
    });
    page.render();
    return adaptor.body(page.document);
  });
  const containers = formulas.concat(...fragments.map(function (body) { return adaptor.tags(body, "mjx-container"); }));
  const css = adaptor.textContent(chtml.styleSheet(document)) + slim(adaptor, containers);
  return {
    formulas: formulas.map(function (node) { return adaptor.outerHTML(node); }),
    fragments: fragments.map(function (body) { return adaptor.innerHTML(body); }),
    css: css,
    errors: errors,
  };
}

// Markup that every formula repeats and that changes nothing a reader or a
// screen reader gets, taken out of each formula (about a tenth of its bytes):
// the container's scale, written once in the stylesheet instead; the MathML
// namespace, which the HTML parser gives <math> anyway; and IE's unselectable
// (the stylesheet's user-select: none does that). Returns the stylesheet rule.
function slim(adaptor, containers) {
  const styles = {};
  containers.forEach(function (node) {
    const style = adaptor.getAttribute(node, "style");
    styles[style] = (styles[style] || 0) + 1;
  });
  const common = Object.keys(styles).sort(function (a, b) { return styles[b] - styles[a]; })[0];
  containers.forEach(function (node) {
    if (adaptor.getAttribute(node, "style") === common) adaptor.removeAttribute(node, "style");
    adaptor.tags(node, "math").forEach(function (math) { adaptor.removeAttribute(math, "xmlns"); });
    adaptor.tags(node, "mjx-assistive-mml").forEach(function (mml) { adaptor.removeAttribute(mml, "unselectable"); });
  });
  return common ? "\nmjx-container[jax=\"CHTML\"] {\n  " + common + "\n}\n" : "";
}

let input = "";
process.stdin.setEncoding("utf8");
process.stdin.on("data", function (chunk) { input += chunk; });
process.stdin.on("end", function () {
  process.stdout.write(JSON.stringify(main(JSON.parse(input))));
});
