"""The syllabus table of the home page: chapters, assignments, what each grades, points.

Points and test counts are read from the released notebooks' nbgrader metadata, so the
table cannot drift from what the autograder scores. What each assignment grades, in
words, comes from `course/site/syllabus.toml`, one entry per assignment and language.
"""

import tomllib
from dataclasses import dataclass
from pathlib import Path

import nbformat

from autograder.assignments import Assignment
from autograder.site.sources import Chapter, chapter_of, released_notebooks

HEADERS = {
    "en": ("Chapter", "Assignment", "What is graded", "Tests", "Points (auto + manual)"),
    "zh": ("章节", "作业", "评分内容", "测试数", "分数（自动 + 人工）"),
}


@dataclass(frozen=True)
class NotebookPoints:
    """What one released notebook grades.

    Attributes:
        path: the released notebook.
        tests: number of autograded test cells.
        auto_points: points of the autograded test cells.
        manual_points: points of the cells an instructor grades by hand.
    """

    path: Path
    tests: int
    auto_points: float
    manual_points: float


def notebook_points(path: Path) -> NotebookPoints:
    """Counts the graded cells of a released notebook from their nbgrader metadata."""
    notebook = nbformat.read(path, as_version=4)
    tests, auto_points, manual_points = 0, 0.0, 0.0
    for cell in notebook.cells:
        grading = cell.metadata.get("nbgrader", {})
        if not (grading.get("grade") or grading.get("task")):
            continue
        points = float(grading.get("points", 0))
        if cell.cell_type == "code" and not grading.get("solution"):
            tests += 1
            auto_points += points
        else:
            manual_points += points
    return NotebookPoints(path, tests, auto_points, manual_points)


def descriptions(site_sources: Path) -> dict[str, dict[str, str]]:
    """`syllabus.toml`: for each assignment id, what it grades in each language."""
    with open(site_sources / "syllabus.toml", "rb") as file:
        return tomllib.load(file)


def syllabus_table(
    language: str,
    assignments: list[Assignment],
    chapters: list[Chapter],
    site_sources: Path,
) -> str:
    """The Markdown table of the home page in `language`, with links relative to it."""
    described = descriptions(site_sources)
    rows = ["| " + " | ".join(HEADERS[language]) + " |", "|---|---|---|---:|---:|"]
    for assignment in assignments:
        chapter = chapter_of(assignment, chapters)
        if assignment.id not in described or language not in described[assignment.id]:
            raise KeyError(
                f"{site_sources / 'syllabus.toml'} has no '{language}' entry for "
                f"{assignment.id}: add what the assignment grades, in that language."
            )
        chapter_link = f"[{chapter.title(language)}](chapters/{chapter.name})" if chapter else "-"
        notebooks = [notebook_points(path) for path in released_notebooks(assignment)]
        notebook_links = "<br>".join(
            f"[{nb.path.stem}]({assignment_page(assignment, nb.path)})" for nb in notebooks
        )
        auto = sum(nb.auto_points for nb in notebooks)
        manual = sum(nb.manual_points for nb in notebooks)
        cells = [
            chapter_link,
            notebook_links,
            described[assignment.id][language],
            str(sum(nb.tests for nb in notebooks)),
            f"{auto:g} + {manual:g}",
        ]
        rows.append("| " + " | ".join(cells) + " |")
    return "\n".join(rows)


def assignment_page(assignment: Assignment, notebook: Path) -> str:
    """The page of a released notebook in the docs folder, relative to a language root."""
    return f"assignments/{assignment.id}/{notebook.stem}.md"
