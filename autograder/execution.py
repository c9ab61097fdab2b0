"""Running a notebook in a fresh kernel and reading its test outcomes.

Used by `dlcourse check` (a student's pre-submission run) and by the test suite,
which runs the source notebooks, hidden tests included, without nbgrader.
"""

from dataclasses import dataclass
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbformat import NotebookNode

from autograder.environment import grading_environment
from autograder.notebooks import is_test_cell, nbgrader_metadata
from autograder.split import SplitError, local_test_source, names_only_tests_bind, split_test

DEFAULT_CELL_TIMEOUT = 120
# No IPython history file; no kernel start-up chatter on the terminal.
KERNEL_STARTUP_TIMEOUT = 300
KERNEL_ARGUMENTS = ["--HistoryManager.hist_file=:memory:", "--IPKernelApp.log_level=ERROR"]


@dataclass(frozen=True)
class GradedOutcome:
    """The result of one autograded test cell."""

    grade_id: str
    points: float
    passed: bool
    message: str = ""


def error_summary(cell: NotebookNode) -> str:
    """ "ExceptionName: first line of the message" for the first error a cell raised."""
    for output in cell.get("outputs", []):
        if output.get("output_type") == "error":
            first_line = (output.get("evalue") or "").strip().splitlines()
            return f"{output.get('ename')}: {first_line[0] if first_line else ''}".rstrip(": ")
    return ""


def execute(
    notebook: NotebookNode,
    cwd: Path,
    cell_timeout: int = DEFAULT_CELL_TIMEOUT,
    skip_tags: frozenset[str] = frozenset(),
    device: str = "cpu",
) -> NotebookNode:
    """Executes every cell (errors do not stop the run) in a fresh `python3` kernel.

    Cells tagged with one of `skip_tags` are left out, so tests of one function need
    not pay for the notebook's training runs. Tests run as the grader runs them
    (`single_kernel_tests`), in one kernel.
    """
    runnable = single_kernel_tests(notebook)
    runnable.cells = [
        cell
        for cell in runnable.cells
        if not skip_tags.intersection(cell.get("metadata", {}).get("tags", []))
    ]
    client = NotebookClient(
        runnable,
        timeout=cell_timeout,
        kernel_name="python3",
        allow_errors=True,
        extra_arguments=KERNEL_ARGUMENTS,
        startup_timeout=KERNEL_STARTUP_TIMEOUT,
        resources={"metadata": {"path": str(cwd)}},
    )
    with grading_environment(device):
        client.execute()
    return runnable


def single_kernel_tests(notebook: NotebookNode) -> NotebookNode:
    """A copy whose test cells run their `with answers:` blocks as the grader does
    (values in and answers out through `course.wire`, test-only names out of reach),
    in one kernel. A test cell that cannot be split is left as it is."""
    runnable = nbformat.from_dict(notebook)
    hidden = names_only_tests_bind(notebook)
    number = 0
    for cell in runnable.cells:
        if is_test_cell(cell):
            try:
                program = split_test(cell.source, nbgrader_metadata(cell)["grade_id"], number)
            except SplitError:
                continue
            number += len(program.blocks)
            cell.source = local_test_source(program, hidden)
    return runnable


def read_outcomes(executed: NotebookNode) -> list[GradedOutcome]:
    """Pass/fail of every autograded test cell: a test fails only by raising."""
    outcomes = []
    for cell in executed.cells:
        if is_test_cell(cell):
            meta = nbgrader_metadata(cell)
            message = error_summary(cell)
            outcomes.append(
                GradedOutcome(meta["grade_id"], float(meta.get("points", 0)), not message, message)
            )
    return outcomes


def failed_tests(executed: NotebookNode) -> set[str]:
    return {outcome.grade_id for outcome in read_outcomes(executed) if not outcome.passed}
