// MathJax 3, served by the site. atlas.js typesets only the math that
// arithmatex marked up and the Markdown cells of notebooks (labs), so a
// dollar sign anywhere else stays a dollar sign.
// No contextual menu: with it, MathJax makes every formula a Tab stop (137 of
// 322 on the gradient-descent page). Screen readers still read each formula
// from the hidden MathML that MathJax adds (enableAssistiveMml).
window.MathJax = {
  tex: {
    inlineMath: [["\\(", "\\)"], ["$", "$"]],
    displayMath: [["\\[", "\\]"], ["$$", "$$"]],
    processEscapes: true,
    processEnvironments: true,
  },
  options: { enableMenu: false, enableAssistiveMml: true },
  startup: { typeset: false },
};
