// MathJax 3, served by the site. atlas.js typesets only the math that
// arithmatex marked up and the Markdown cells of notebooks (labs), so a
// dollar sign anywhere else stays a dollar sign.
window.MathJax = {
  tex: {
    inlineMath: [["\\(", "\\)"], ["$", "$"]],
    displayMath: [["\\[", "\\]"], ["$$", "$$"]],
    processEscapes: true,
    processEnvironments: true,
  },
  startup: { typeset: false },
};
