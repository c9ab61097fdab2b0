"""Sample submissions made from the sources: reference, untouched stub, injected bugs."""

from pathlib import Path

import nbformat

from autograder.assignments import Assignment
from autograder.mutants import Mutant, mutated_source
from autograder.notebooks import fill_solutions, read_source, write_notebook


def write_reference(assignment: Assignment, folder: Path) -> None:
    """The released notebooks answered with the reference solution."""
    for source in assignment.sources:
        name = f"{source.stem}.ipynb"
        release = nbformat.read(assignment.release_dir / name, as_version=4)
        write_notebook(fill_solutions(release, read_source(source)), folder / name)


def write_stub(assignment: Assignment, folder: Path) -> None:
    """The released notebooks exactly as a student receives them."""
    for name in assignment.notebook_names:
        write_notebook(nbformat.read(assignment.release_dir / name, as_version=4), folder / name)


def write_mutant(assignment: Assignment, mutant: Mutant, folder: Path) -> None:
    """The released notebooks answered with the reference solution plus one bug."""
    for source in assignment.sources:
        name = f"{source.stem}.ipynb"
        release = nbformat.read(assignment.release_dir / name, as_version=4)
        write_notebook(fill_solutions(release, mutated_source(mutant, source)), folder / name)
