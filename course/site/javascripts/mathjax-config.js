// MathJax 3 configuration, read before the site's own copy of MathJax loads.
// pymdownx.arithmatex wraps each formula of the chapters and notebooks in an element of
// class "arithmatex" with \( \) or \[ \] delimiters; everything else on the page is
// left alone, so a dollar sign in code or prose is never taken for math.
window.MathJax = {
  tex: {
    inlineMath: [["\\(", "\\)"]],
    displayMath: [["\\[", "\\]"]],
    processEscapes: true,
    processEnvironments: true,
  },
  options: {
    ignoreHtmlClass: ".*|",
    processHtmlClass: "arithmatex",
  },
};
