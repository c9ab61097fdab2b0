"""`dlcourse site build` and `dlcourse site serve`: what the command prints and returns."""

import sys
from pathlib import Path

from autograder.assignments import course_root
from autograder.site.build import DEFAULT_OUT, SiteBuild, SiteBuildError, build
from autograder.site.serve import serve


def build_main(*, out: Path | None = None) -> int:
    """Builds the site; prints where it is and what it took. Exit code 1 on failure."""
    result = _build(out)
    if result is None:
        return 1
    print(
        f"site: {result.html} ({result.pages} pages, {result.size_bytes / 2**20:.1f} MiB, "
        f"built in {result.seconds:.1f} s)"
    )
    return 0


def serve_main(
    *, out: Path | None = None, host: str = "127.0.0.1", port: int = 8000, build_first: bool = True
) -> int:
    """Builds the site (unless `build_first` is False), then serves it until Ctrl-C."""
    if build_first:
        if build_main(out=out) != 0:
            return 1
    html = (out or course_root() / DEFAULT_OUT).resolve() / "html"
    try:
        serve(html, host=host, port=port)
    except (FileNotFoundError, OSError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


def _build(out: Path | None) -> SiteBuild | None:
    try:
        return build(out=out)
    except (SiteBuildError, FileNotFoundError, KeyError, ModuleNotFoundError) as error:
        print(f"error: the site did not build. {error}", file=sys.stderr)
        return None
