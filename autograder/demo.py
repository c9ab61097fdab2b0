"""`dlcourse demo`: release everything, grade a sample class, show the results.

Runs offline on bundled data. The class of each assignment: the reference solution,
the untouched stub, the first mutants of its catalogue (realistic bugs injected into
the solution) and a corrupt file, to show that a broken submission is graded too.
"""

import shutil
from pathlib import Path

from rich.console import Console
from rich.table import Table

from autograder import grade, release
from autograder.assignments import resolve
from autograder.mutants import load_mutants
from autograder.sample_class import write_mutant, write_reference, write_stub

DEFAULT_OUT = Path("demo-output")


def describe(result: grade.StudentResult) -> str:
    """One short line for the table; grades.csv has the full reasons."""
    if not result.tests:
        return result.reason
    failed = [test for test, points in result.tests.items() if points == 0]
    if not failed:
        return "every autograded test passed"
    more = ", ..." if len(failed) > 3 else ""
    return f"failed {len(failed)} of {len(result.tests)}: {', '.join(failed[:3])}{more}"


def main(
    *,
    assignments: list[str] | tuple[str, ...] = (),
    out: Path = DEFAULT_OUT,
    mutants_per_assignment: int = 2,
    console: Console | None = None,
) -> int:
    console = console or Console()
    out = Path(out).resolve()
    chosen = resolve(assignments)
    with console.status("releasing assignments..."):
        release.main(assignments=[a.id for a in chosen])
    console.print(f"released {len(chosen)} assignment(s) into assignments/")
    for assignment in chosen:
        folder = out / assignment.id
        if folder.exists():
            shutil.rmtree(folder)
        students = folder / "submissions"
        write_reference(assignment, students / "reference_solution")
        write_stub(assignment, students / "untouched_stub")
        mutants = load_mutants(assignment)[:mutants_per_assignment]
        for mutant in mutants:
            write_mutant(assignment, mutant, students / f"bug_{mutant.name}")
        corrupt = students / "corrupt_file" / assignment.notebook_names[0]
        corrupt.parent.mkdir(parents=True)
        corrupt.write_text('{"cells": [', encoding="utf-8")

        console.print(f"grading {assignment.id}: {len(mutants) + 3} sample submissions")
        results = grade.main(assignment=assignment.id, submissions=students, out=folder / "graded")
        table = Table(title=f"{assignment.id}: sample class")
        for column in ("student", "score", "reason"):
            table.add_column(column)
        for result in results:
            table.add_row(
                result.student,
                f"{result.score:g} / {result.max_score:g}",
                describe(result),
            )
        console.print(table)
        for mutant in mutants:
            console.print(f"  bug_{mutant.name}: {mutant.description}")
        console.print(f"grades:   {folder / 'graded' / 'grades.csv'}")
        console.print(f"feedback: {folder / 'graded' / 'feedback'}")
    return 0
