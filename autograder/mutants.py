"""Realistic wrong answers, made by injecting one bug into the reference solution.

Each assignment lists its mutants in solutions/<id>/mutants.toml:

    [[mutant]]
    name = "tanh_derivative_from_input"
    description = "uses the input instead of the output in 1 - tanh^2"
    file = "a01_autodiff.py"        # optional when the assignment has one source
    find = "(1 - out.data**2)"
    replace = "(1 - self.data**2)"
    count = 1                        # occurrences to replace; 0 means all
    fails = ["test_tanh_relu"]       # the tests that must catch it, and only those
    full_run = false                 # true: also run cells tagged "training"

The demo grades some of them as students; the test suite checks every one.
"""

import tomllib
from dataclasses import dataclass
from pathlib import Path

from nbformat import NotebookNode

from autograder.assignments import Assignment
from autograder.notebooks import parse_source


@dataclass(frozen=True)
class Mutant:
    name: str
    description: str
    file: str
    find: str
    replace: str
    fails: tuple[str, ...]
    count: int = 1
    full_run: bool = False

    def apply(self, text: str) -> str:
        occurrences = text.count(self.find)
        expected = self.count or occurrences
        if occurrences == 0 or (self.count and occurrences != self.count):
            raise ValueError(
                f"mutant {self.name}: expected {expected} occurrence(s) of {self.find!r}, "
                f"found {occurrences}"
            )
        return text.replace(self.find, self.replace)


def load_mutants(assignment: Assignment) -> list[Mutant]:
    if not assignment.mutants_file.exists():
        return []
    entries = tomllib.loads(assignment.mutants_file.read_text(encoding="utf-8")).get("mutant", [])
    default_file = assignment.sources[0].name
    return [
        Mutant(
            name=entry["name"],
            description=entry["description"],
            file=entry.get("file", default_file),
            find=entry["find"],
            replace=entry["replace"],
            fails=tuple(entry["fails"]),
            count=int(entry.get("count", 1)),
            full_run=bool(entry.get("full_run", False)),
        )
        for entry in entries
    ]


def mutated_source(mutant: Mutant, source: Path) -> NotebookNode:
    """The source notebook `source`, with `mutant` applied if it targets that file."""
    text = source.read_text(encoding="utf-8")
    return parse_source(mutant.apply(text) if source.name == mutant.file else text)
