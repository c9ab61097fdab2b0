"""`dlcourse site build`: writes the MkDocs project, then builds it with MkDocs' Python API.

The build is strict: any warning (a broken link, a page missing from the nav, an unknown
anchor, a plugin's complaint) fails it, with every warning in the error message.
"""

import contextlib
import logging
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from autograder.assignments import course_root
from autograder.site.project import write_project

DEFAULT_OUT = "site-build"


class SiteBuildError(RuntimeError):
    """The site did not build, or built with warnings."""


@dataclass(frozen=True)
class SiteBuild:
    """A finished build.

    Attributes:
        html: the static site, ready to serve or copy to any web server.
        project: the generated MkDocs project (mkdocs.yml and docs/).
        seconds: wall time of the whole build.
    """

    html: Path
    project: Path
    seconds: float

    @property
    def size_bytes(self) -> int:
        return sum(path.stat().st_size for path in self.html.rglob("*") if path.is_file())

    @property
    def pages(self) -> int:
        return sum(1 for _ in self.html.rglob("index.html"))


def build(*, out: Path | None = None, root: Path | None = None) -> SiteBuild:
    """Builds the site of the checkout at `root` into `out` (default: `site-build/`).

    Writes `out/mkdocs/` (the generated project) and `out/html/` (the site).

    Raises:
        SiteBuildError: MkDocs failed or logged a warning.
    """
    from mkdocs.commands.build import build as mkdocs_build
    from mkdocs.config import load_config
    from mkdocs.exceptions import Abort, ConfigurationError

    started = time.perf_counter()
    root = (root or course_root()).resolve()
    out = (out or root / DEFAULT_OUT).resolve()
    config_file = write_project(root, out / "mkdocs")
    html = out / "html"
    _quiet_jieba()
    with _warnings_collected() as warnings:
        try:
            config = load_config(str(config_file), site_dir=str(html), strict=True)
            mkdocs_build(config)
        except (Abort, ConfigurationError) as error:
            raise SiteBuildError(_message(f"MkDocs failed: {error}", warnings)) from error
    if warnings:
        raise SiteBuildError(_message("MkDocs logged warnings", warnings))
    return SiteBuild(html=html, project=out / "mkdocs", seconds=time.perf_counter() - started)


def _quiet_jieba() -> None:
    """jieba, which splits Chinese into words for search, logs its start-up at DEBUG."""
    with contextlib.suppress(ImportError):
        import jieba

        jieba.setLogLevel(logging.WARNING)


def _message(headline: str, warnings: list[str]) -> str:
    return "\n  ".join([headline + (":" if warnings else ""), *warnings])


@contextlib.contextmanager
def _warnings_collected() -> Iterator[list[str]]:
    """Collects every WARNING or worse logged by any library while the block runs."""
    warnings: list[str] = []

    class Collector(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            warnings.append(f"{record.levelname} {record.name}: {record.getMessage()}")

    handler = Collector(level=logging.WARNING)
    logging.getLogger().addHandler(handler)
    try:
        yield warnings
    finally:
        logging.getLogger().removeHandler(handler)
