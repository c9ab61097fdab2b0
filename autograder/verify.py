"""`dlcourse verify`: instructor QA of every assignment.

For each assignment: the release matches its source, the reference solution scores
full marks through nbgrader, the untouched stub scores zero on every autograded test,
and how long the solution notebook takes (reported against the 60 s budget; a slow
run warns but does not fail, since timings depend on the machine).
"""

import tempfile
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console
from rich.table import Table

from autograder import grade
from autograder.assignments import Assignment, resolve
from autograder.release import build_release
from autograder.sample_class import write_reference, write_stub

NOTEBOOK_BUDGET_SECONDS = 60.0


@dataclass(frozen=True)
class Check:
    """One line of the report; a failed check that is not `blocking` only warns."""

    assignment: str
    name: str
    passed: bool
    detail: str
    blocking: bool = True


def release_in_sync(assignment: Assignment, scratch: Path) -> Check:
    fresh = build_release(assignment, scratch / "release")
    stale = [
        p.name
        for p in fresh
        if not (assignment.release_dir / p.name).exists()
        or (assignment.release_dir / p.name).read_bytes() != p.read_bytes()
    ]
    extra = sorted({p.name for p in assignment.release_dir.glob("*")} - {p.name for p in fresh})
    problems = stale + [f"{name} (not generated)" for name in extra]
    detail = "matches the source" if not problems else f"out of date: {', '.join(problems)}"
    if problems:
        detail += f"; run `dlcourse release {assignment.id}`"
    return Check(assignment.id, "release in sync", not problems, detail)


def verify_assignment(assignment: Assignment, cell_timeout: int, device: str) -> list[Check]:
    with tempfile.TemporaryDirectory(prefix="dlcourse-verify-") as scratch_name:
        scratch = Path(scratch_name)
        checks = [release_in_sync(assignment, scratch)]
        write_reference(assignment, scratch / "class" / "reference")
        write_stub(assignment, scratch / "class" / "stub")
        results = {
            r.student: r
            for r in grade.main(
                assignment=assignment.id,
                submissions=scratch / "class",
                out=scratch / "graded",
                cell_timeout=cell_timeout,
                device=device,
                show_progress=False,
            )
        }
    reference, stub = results["reference"], results["stub"]
    auto_max = reference.max_score - reference.manual_pending
    checks.append(
        Check(
            assignment.id,
            "solution scores full marks",
            reference.score == auto_max and not reference.reason,
            f"{reference.score:g} / {auto_max:g} autograded points"
            + (f" ({reference.reason})" if reference.reason else ""),
        )
    )
    earned = {test: points for test, points in stub.tests.items() if points > 0}
    checks.append(
        Check(
            assignment.id,
            "stub scores zero",
            stub.score == 0 and not earned,
            "0 on every test" if not earned else f"points without student code: {earned}",
        )
    )
    checks.append(
        Check(
            assignment.id,
            "solution run time",
            reference.seconds <= NOTEBOOK_BUDGET_SECONDS * len(assignment.sources),
            f"{reference.seconds:.1f} s sandboxed run of {len(assignment.sources)} "
            f"notebook(s) (budget {NOTEBOOK_BUDGET_SECONDS:g} s each); "
            f"stub {stub.seconds:.1f} s",
            # Timings depend on the machine and its load: reported, never fatal.
            blocking=False,
        )
    )
    return checks


def main(
    *,
    assignments: list[str] | tuple[str, ...] = (),
    cell_timeout: int = 120,
    device: str = "cpu",
    console: Console | None = None,
) -> int:
    """Verifies the named assignments (all by default); returns the exit code."""
    console = console or Console()
    checks: list[Check] = []
    for assignment in resolve(assignments):
        with console.status(f"verifying {assignment.id}..."):
            checks += verify_assignment(assignment, cell_timeout, device)
    table = Table(title="dlcourse verify")
    for column in ("assignment", "check", "result", "detail"):
        table.add_column(column)
    for check in checks:
        if check.passed:
            result = "[green]ok[/green]"
        else:
            result = "[red]FAILED[/red]" if check.blocking else "[yellow]over budget[/yellow]"
        table.add_row(check.assignment, check.name, result, check.detail)
    console.print(table)
    return 0 if all(check.passed or not check.blocking for check in checks) else 1
