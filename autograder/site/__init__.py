"""`dlcourse site`: the course website, generated as a MkDocs project and built by MkDocs.

- `sources`: what the site is made of (chapters in English and Chinese, released
  notebooks, the hand-written pages in course/site/);
- `markdown`: headings and display formulas of the chapters;
- `blocks`: the generated parts of the hand-written pages (syllabus table, command
  reference, list of CI templates), with `syllabus` reading points from the release;
- `notebooks`: a released notebook as a page, exported by nbconvert;
- `figures`: the charts the pages show, drawn with matplotlib at build time;
- `mathjax`: the site's own copy of MathJax, so formulas render without a network;
- `project`: writes the MkDocs project; `build`: runs MkDocs; `serve`: serves the result;
  `command`: what `dlcourse site build|serve` prints.
"""

from autograder.site.build import SiteBuild, SiteBuildError, build
from autograder.site.serve import serve, start_server

__all__ = ["SiteBuild", "SiteBuildError", "build", "serve", "start_server"]
