"""Running a notebook in a fresh kernel and reading its test outcomes.

Used by `dlcourse check` (a student's pre-submission run) and by the test suite,
which runs the source notebooks, hidden tests included, without nbgrader.
"""

from dataclasses import dataclass
from pathlib import Path

import nbformat
from jupyter_client import AsyncKernelManager
from jupyter_core.utils import run_sync
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
    kernel: "ReusedKernel | None" = None,
) -> NotebookNode:
    """Executes every cell (errors do not stop the run) in a fresh `python3` kernel, or
    in `kernel` after a reset.

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
    if kernel is not None:
        return kernel.execute(runnable, cell_timeout)
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


_RESET = """\
get_ipython().run_line_magic("reset", "-f")
import gc as _gc, sys as _sys
if "keras" in _sys.modules:
    _sys.modules["keras"].backend.clear_session()
if "matplotlib.pyplot" in _sys.modules:
    _sys.modules["matplotlib.pyplot"].close("all")
_gc.collect()
"""


class ReusedKernel:
    """One kernel that runs notebook after notebook, for the test suite's many runs of
    one assignment (its mutants): starting a kernel and importing TensorFlow cost more
    than most of those runs. Between notebooks the user namespace, Keras's session and
    matplotlib's figures are cleared; each notebook's set-up then seeds everything again.
    The grader never reuses a kernel.
    """

    def __init__(self, cwd: Path, device: str = "cpu"):
        self.cwd, self.device = Path(cwd), device
        self.manager: AsyncKernelManager | None = None

    def execute(self, runnable: NotebookNode, cell_timeout: int) -> NotebookNode:
        reset = nbformat.v4.new_code_cell(_RESET)
        if self.manager is None:
            self.manager = AsyncKernelManager(kernel_name="python3")
        client = NotebookClient(
            nbformat.v4.new_notebook(cells=[reset, *runnable.cells]),
            km=self.manager,
            timeout=cell_timeout,
            kernel_name="python3",
            allow_errors=True,
            extra_arguments=KERNEL_ARGUMENTS,
            startup_timeout=KERNEL_STARTUP_TIMEOUT,
            resources={"metadata": {"path": str(self.cwd)}},
        )
        with grading_environment(self.device):
            try:
                client.execute()  # starts the kernel on the first run only
            except Exception:
                self.close()  # a dead or stuck kernel: the next run starts a fresh one
                raise
            finally:
                if client.kc is not None:
                    client.kc.stop_channels()
        runnable.cells = client.nb.cells[1:]
        return runnable

    def close(self) -> None:
        if self.manager is not None and self.manager.has_kernel:
            run_sync(self.manager.shutdown_kernel)(now=True)
        self.manager = None


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
