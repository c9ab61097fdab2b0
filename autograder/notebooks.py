"""Reading jupytext sources and writing notebooks byte-for-byte reproducibly."""

import re
from pathlib import Path

import jupytext
import nbformat
from nbformat import NotebookNode

_SOLUTION_MARKER = re.compile(r"^\s*#*\s*### (BEGIN|END) SOLUTION\s*$|^\s*YOUR ANSWER HERE\s*$")


def read_source(path: Path) -> NotebookNode:
    """Reads a jupytext percent script into a notebook (see `parse_source`)."""
    return parse_source(Path(path).read_text(encoding="utf-8"))


def parse_source(text: str) -> NotebookNode:
    """Parses a jupytext percent script into a notebook with stable cell ids.

    Jupytext's own cell metadata is dropped; cell ids come from nbgrader's grade_id
    (or the cell's position) so that every release is identical.
    """
    notebook = jupytext.reads(text, fmt="py:percent")
    notebook.metadata.pop("jupytext", None)
    for index, cell in enumerate(notebook.cells):
        for key in ("lines_to_next_cell", "lines_to_end_of_cell_marker"):
            cell.metadata.pop(key, None)
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        cell.id = grade_id or f"cell-{index}"
    return notebook


def write_notebook(notebook: NotebookNode, path: Path) -> None:
    """Writes a notebook as sorted, indented JSON with a trailing newline."""
    path.parent.mkdir(parents=True, exist_ok=True)
    text = nbformat.writes(notebook, version=4)
    path.write_text(text if text.endswith("\n") else text + "\n", encoding="utf-8")


def nbgrader_metadata(cell: NotebookNode) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {})


def is_test_cell(cell: NotebookNode) -> bool:
    """An autograded test: a graded code cell that is not a solution."""
    meta = nbgrader_metadata(cell)
    return cell.cell_type == "code" and meta.get("grade", False) and not meta.get("solution", False)


def is_manual_cell(cell: NotebookNode) -> bool:
    """A cell graded by hand: a graded solution cell (usually a written answer)."""
    meta = nbgrader_metadata(cell)
    return bool(meta.get("grade", False) and meta.get("solution", False))


def fill_solutions(release: NotebookNode, source: NotebookNode) -> NotebookNode:
    """The release notebook with every solution cell answered as in the source.

    This is what a student who wrote the reference answers would submit; the
    solution markers are removed as a student would never type them.
    """
    answers = {
        nbgrader_metadata(c).get("grade_id"): c.source
        for c in source.cells
        if nbgrader_metadata(c).get("solution")
    }
    filled = nbformat.from_dict(release)
    for cell in filled.cells:
        grade_id = nbgrader_metadata(cell).get("grade_id")
        if nbgrader_metadata(cell).get("solution") and grade_id in answers:
            lines = answers[grade_id].splitlines()
            cell.source = "\n".join(line for line in lines if not _SOLUTION_MARKER.match(line))
    return filled
