"""`dlcourse check NOTEBOOK`: what a student runs before submitting.

Restarts from a fresh kernel, runs the notebook top to bottom as the grader will,
and reports the visible tests. Hidden tests run only at grading time.
"""

from pathlib import Path

import nbformat
from rich.console import Console
from rich.table import Table

from autograder.execution import DEFAULT_CELL_TIMEOUT, error_summary, execute, read_outcomes
from autograder.grade import unreadable_reason
from autograder.notebooks import is_manual_cell, is_test_cell, nbgrader_metadata


def main(
    *, notebook: Path, cell_timeout: int = DEFAULT_CELL_TIMEOUT, console: Console | None = None
) -> int:
    """Runs the notebook and prints one row per test; returns the exit code (1 on failure)."""
    console = console or Console()
    notebook = Path(notebook)
    if not notebook.is_file():
        console.print(f"error: no such notebook: {notebook}")
        return 2
    problem = unreadable_reason(notebook)
    if problem:
        console.print(f"error: {problem}")
        return 2
    contents = nbformat.read(notebook, as_version=4)
    if not any(is_test_cell(cell) for cell in contents.cells):
        console.print(f"error: {notebook.name} has no autograded test cells (nbgrader metadata)")
        return 2
    with console.status(f"running {notebook.name} in a fresh kernel..."):
        executed = execute(contents, cwd=notebook.parent.resolve(), cell_timeout=cell_timeout)

    table = Table(title=f"{notebook.name}: visible tests")
    for column in ("test", "points", "result", "message"):
        table.add_column(column)
    outcomes = read_outcomes(executed)
    for outcome in outcomes:
        result = "[green]pass[/green]" if outcome.passed else "[red]FAIL[/red]"
        table.add_row(outcome.grade_id, f"{outcome.points:g}", result, outcome.message)
    for cell in executed.cells:
        if is_manual_cell(cell):
            meta = nbgrader_metadata(cell)
            table.add_row(
                meta["grade_id"], f"{meta.get('points', 0):g}", "manual", "graded by hand"
            )
    console.print(table)

    errors = [
        (index, error_summary(cell))
        for index, cell in enumerate(executed.cells, start=1)
        if cell.cell_type == "code" and not is_test_cell(cell) and error_summary(cell)
    ]
    for index, message in errors:
        console.print(f"[yellow]cell {index} raised {message}[/yellow]")
    passed = sum(o.points for o in outcomes if o.passed)
    total = sum(o.points for o in outcomes)
    failures = [o for o in outcomes if not o.passed]
    console.print(
        f"{len(outcomes) - len(failures)} passed, {len(failures)} failed: "
        f"{passed:g} of {total:g} points from visible tests (hidden tests run at grading)"
    )
    return 1 if failures or errors else 0
