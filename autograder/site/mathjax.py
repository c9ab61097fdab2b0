"""The site's own copy of MathJax 3, taken from the pinned `django-static-mathjax` wheel.

That wheel ships the MathJax 3.2.2 distribution as plain files (and needs no Django).
Copying it into the site means formulas render with no network at view time.
"""

import shutil
from fnmatch import fnmatch
from importlib import resources
from pathlib import Path

ENTRY_POINT = "tex-mml-chtml.js"
# Single-file bundles that are alternatives to the entry point; everything else (TeX
# extensions loaded on demand, the CHTML fonts, the menu, a11y) is kept.
_OTHER_BUNDLES = ("mml-*.js", "tex-*.js", "node-main.js", "latest.js")


def mathjax_distribution() -> Path:
    """The `es5/` folder of the installed MathJax distribution."""
    try:
        root = Path(str(resources.files("mathjax"))) / "static" / "mathjax"
    except ModuleNotFoundError as error:
        raise ModuleNotFoundError(
            "MathJax is missing: install the site extra, `pip install -e '.[site]'` "
            "(it pins django-static-mathjax, which ships MathJax 3)."
        ) from error
    if not (root / "es5" / ENTRY_POINT).is_file():
        raise FileNotFoundError(f"Expected MathJax's {ENTRY_POINT} in {root / 'es5'}")
    return root / "es5"


def copy_mathjax(destination: Path) -> Path:
    """Copies MathJax and its license into `destination`; returns the entry point."""
    source = mathjax_distribution()
    shutil.copytree(source, destination, ignore=_unused, dirs_exist_ok=True)
    shutil.copy2(source.parent / "LICENSE", destination / "LICENSE")
    return destination / ENTRY_POINT


def _unused(folder: str, names: list[str]) -> set[str]:
    """`copytree`'s filter: the other bundles at the top level, and the SVG output."""
    here = Path(folder)
    if here.name == "es5":
        return {
            name
            for name in names
            if name != ENTRY_POINT and any(fnmatch(name, p) for p in _OTHER_BUNDLES)
        }
    if here.name == "output":
        return {"svg"} & set(names)
    return set()
