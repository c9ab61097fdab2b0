"""What the website is made of: chapters in each language, released notebooks, own pages."""

from dataclasses import dataclass
from pathlib import Path

import nbformat

from autograder.assignments import Assignment
from autograder.site.markdown import first_heading

DEFAULT_LANGUAGE = "en"
LANGUAGES = ("en", "zh")


@dataclass(frozen=True)
class Chapter:
    """One chapter: `course/chapters/<name>`, its translations in `course/chapters/<lang>/`.

    Attributes:
        path: the English chapter file, e.g. `course/chapters/01_autodiff.md`.
    """

    path: Path

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def number(self) -> str:
        """The two-digit prefix that ties a chapter to its assignment ("01")."""
        return self.path.name.split("_", 1)[0]

    def source(self, language: str) -> Path | None:
        """The chapter's file in `language`, or None if it is not translated yet."""
        if language == DEFAULT_LANGUAGE:
            return self.path
        translation = self.path.parent / language / self.path.name
        return translation if translation.is_file() else None

    def title(self, language: str) -> str:
        """The first top-level heading in `language`, falling back to English."""
        source = self.source(language) or self.path
        return first_heading(source.read_text(encoding="utf-8")) or self.path.stem


def chapters(root: Path) -> list[Chapter]:
    """The English chapters in `course/chapters/`, in file-name order."""
    folder = root / "course" / "chapters"
    return [Chapter(path) for path in sorted(folder.glob("*.md"))]


def chapter_of(assignment: Assignment, available: list[Chapter]) -> Chapter | None:
    """The chapter with the assignment's number: `a01_autodiff` -> `01_*.md`."""
    number = assignment.id[1:].split("_", 1)[0]
    return next((chapter for chapter in available if chapter.number == number), None)


def released_notebooks(assignment: Assignment) -> list[Path]:
    """The student notebooks of an assignment, in the order of their titles
    ("notebook 1 of 2" before "notebook 2 of 2"), as `dlcourse release` wrote them."""
    notebooks = sorted(assignment.release_dir.glob("*.ipynb"), key=notebook_title)
    if not notebooks:
        raise FileNotFoundError(
            f"No released notebook in {assignment.release_dir}: "
            f"run `dlcourse release {assignment.id}` first."
        )
    return notebooks


def notebook_title(notebook: Path) -> str:
    """The first `# ` heading of a notebook's markdown cells, else its file name."""
    for cell in nbformat.read(notebook, as_version=4).cells:
        if cell.cell_type == "markdown" and (title := first_heading(cell.source)):
            return title
    return notebook.stem


def page_sources(root: Path) -> Path:
    """The folder of the site's own pages and assets: `course/site/`."""
    return root / "course" / "site"
