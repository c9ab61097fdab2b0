"""`dlcourse release`: sources -> nbgrader generate_assignment -> assignments/."""

import os
import tempfile
from pathlib import Path

import nbformat

from autograder.assignments import Assignment, resolve
from autograder.environment import grading_environment
from autograder.nbgrader_course import NbgraderCourse
from autograder.notebooks import write_notebook


def build_release(assignment: Assignment, into: Path) -> list[Path]:
    """Generates the student version of `assignment` into the folder `into`.

    Each file is replaced atomically and only files that are no longer generated are
    removed, so a reader never sees a missing or half-written notebook.
    """
    with tempfile.TemporaryDirectory(prefix="dlcourse-release-") as scratch:
        with grading_environment("cpu"):
            released = NbgraderCourse(Path(scratch)).generate(assignment)
        into.mkdir(parents=True, exist_ok=True)
        written = []
        for path in sorted(released.iterdir()):
            staged = Path(scratch) / f"staged-{path.name}"
            if path.suffix == ".ipynb":
                # Rewrite through nbformat so the bytes depend on content alone.
                write_notebook(nbformat.read(path, as_version=4), staged)
            else:
                staged.write_bytes(path.read_bytes())
            written.append(into / path.name)
            if not written[-1].exists() or written[-1].read_bytes() != staged.read_bytes():
                os.replace(staged, written[-1])
        for stale in set(into.iterdir()) - set(written):
            if stale.is_file():
                stale.unlink()
        return written


def main(*, assignments: list[str] | tuple[str, ...] = (), root: Path | None = None) -> list[Path]:
    """Releases the named assignments (all by default) into assignments/<id>/."""
    written = []
    for assignment in resolve(assignments, root):
        written += build_release(assignment, assignment.release_dir)
    return written
