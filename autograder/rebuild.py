"""The notebook that is graded: the instructor's cells, and only the student's answers.

A submitted notebook is not trusted. Its locked cells (set-up, tests) may have been
edited, deleted, duplicated or re-labelled, its metadata changed, its kernelspec
swapped. The graded notebook is therefore rebuilt from the instructor's source
notebook (tests with their hidden parts), taking from the submission only:

- the answer of every solution cell, matched by grade_id (first occurrence; a
  missing one falls back to the released stub, never to the reference answer);
- cells the student added, without nbgrader metadata, placed after the instructor
  cell they followed (cells added before the set-up run after it).
"""

from collections import defaultdict

import nbformat
from nbformat import NotebookNode

from autograder.notebooks import nbgrader_metadata


def _grade_id(cell: NotebookNode) -> str | None:
    return nbgrader_metadata(cell).get("grade_id")


def _student_cell(cell: NotebookNode) -> NotebookNode:
    copy = nbformat.from_dict(cell)
    copy.metadata.pop("nbgrader", None)
    copy.metadata.pop("tags", None)
    copy.pop("attachments", None)
    if copy.cell_type == "code":
        copy.outputs = []
        copy.execution_count = None
    return copy


def rebuild(source: NotebookNode, release: NotebookNode, submitted: NotebookNode) -> NotebookNode:
    """The graded notebook (see the module docstring).

    Args:
        source: the instructor's notebook: solutions and hidden tests included.
        release: the student version (its stubs are the fallback answers).
        submitted: what the student handed in.
    """
    solution_ids = {_grade_id(c) for c in source.cells if nbgrader_metadata(c).get("solution")}
    template_ids = {_grade_id(c) for c in source.cells if _grade_id(c)}
    instruction_ids = {c.get("id") for c in release.cells if not _grade_id(c)}
    stubs = {_grade_id(c): c for c in release.cells if _grade_id(c) in solution_ids}

    answers: dict[str, NotebookNode] = {}
    added: dict[str | None, list[NotebookNode]] = defaultdict(list)
    anchor = None
    for cell in submitted.cells:
        grade_id = _grade_id(cell)
        if grade_id in template_ids:
            if grade_id in solution_ids and grade_id not in answers:
                answers[grade_id] = cell
            anchor = grade_id
            continue
        if cell.get("id") in instruction_ids and cell.cell_type == "markdown":
            continue  # the student's copy of the instructions
        added[anchor].append(_student_cell(cell))

    graded = nbformat.v4.new_notebook(metadata=nbformat.from_dict(release.metadata))
    first_solution = next(
        (i for i, c in enumerate(source.cells) if _grade_id(c) in solution_ids), len(source.cells)
    )
    for index, template in enumerate(source.cells):
        if index == first_solution:
            graded.cells.extend(added.pop(None, []))
        grade_id = _grade_id(template)
        cell = nbformat.from_dict(template)
        if grade_id in solution_ids:
            answer = answers.get(grade_id, stubs.get(grade_id, template))
            cell.source = answer.source if answer is not template else ""
            if cell.cell_type == "code":
                cell.outputs = []
                cell.execution_count = None
        graded.cells.append(cell)
        if grade_id:
            graded.cells.extend(added.pop(grade_id, []))
    graded.cells.extend(added.pop(None, []))
    for cell in graded.cells:
        cell.setdefault("id", None)
    return _with_unique_ids(graded)


def _with_unique_ids(notebook: NotebookNode) -> NotebookNode:
    seen = set()
    for index, cell in enumerate(notebook.cells):
        if not cell.get("id") or cell.id in seen:
            cell.id = f"added-{index}"
        seen.add(cell.id)
    return notebook
