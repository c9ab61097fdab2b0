"""Grading throughput: plain `nbgrader autograde` against `dlcourse grade --workers N`.

    python benchmarks/grade_throughput.py [--assignment a01] [--students 24] [--workers N]

Builds a synthetic class (reference answers, every mutant of the assignment, untouched
stubs, and broken files, in turn) and grades it twice on this machine, in the same run:

1. plain nbgrader: `nbgrader autograde` of the whole class in one process, serially,
   with nbgrader's own Execute step (no sandbox), then `nbgrader generate_feedback`
   (dlcourse grade writes feedback too; autograde alone is printed as well);
2. `dlcourse grade --workers N`: every notebook in its own sandbox, N in parallel.

Prints submissions per minute for both and their ratio, and the per-notebook overhead
of a sandboxed run over plain `jupyter nbconvert --execute` of the reference notebook.
The goal on 2 cores: a ratio of at least 1.6 with isolation on.
"""

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from autograder import grade
from autograder.assignments import resolve
from autograder.mutants import load_mutants
from autograder.nbgrader_course import NbgraderCourse
from autograder.sample_class import write_mutant, write_reference, write_stub
from autograder.scheduler import default_workers

GOAL_RATIO = 1.6


def build_class(assignment, folder: Path, students: int) -> None:
    mutants = [m for m in load_mutants(assignment) if m.fails]
    for index in range(students):
        student = folder / f"student{index:03d}"
        kind = index % 4
        if kind == 0:
            write_reference(assignment, student)
        elif kind == 1 and mutants:
            write_mutant(assignment, mutants[index % len(mutants)], student)
        elif kind == 2:
            write_stub(assignment, student)
        else:
            student.mkdir(parents=True)
            for name in assignment.notebook_names:
                (student / name).write_text('{"cells": [', "utf-8")  # broken JSON


def plain_nbgrader(
    assignment, class_dir: Path, work: Path, cell_timeout: int
) -> tuple[float, float]:
    """Seconds for `nbgrader autograde` of the whole class with nbgrader's defaults, and
    for `nbgrader generate_feedback` after it (dlcourse grade writes feedback too)."""
    course = NbgraderCourse(work / "course")
    course.generate(assignment)
    for student in class_dir.iterdir():
        target = course.submission_dir(assignment, student.name)
        target.mkdir(parents=True)
        for notebook in student.iterdir():
            shutil.copy(notebook, target / notebook.name)
    command = [
        sys.executable, "-m", "nbgrader", "autograde", assignment.id,
        f"--CourseDirectory.root={course.root}",
        f"--CourseDirectory.db_url={course.db_url}",
        f"--Execute.timeout={cell_timeout}",
        "--force",
    ]  # fmt: skip
    started = time.perf_counter()
    subprocess.run(command, check=False, capture_output=True, cwd=course.root)
    autograde = time.perf_counter() - started
    feedback = [c if c != "autograde" else "generate_feedback" for c in command]
    feedback = [c for c in feedback if not c.startswith("--Execute.")]
    started = time.perf_counter()
    subprocess.run(feedback, check=False, capture_output=True, cwd=course.root)
    return autograde, time.perf_counter() - started


def nbconvert_seconds(assignment, work: Path, repeats: int = 2) -> float:
    """Median seconds of `jupyter nbconvert --execute` on the reference notebook."""
    write_reference(assignment, work / "plain")
    times = []
    for _ in range(repeats):
        for notebook in (work / "plain").glob("*.ipynb"):
            started = time.perf_counter()
            subprocess.run(
                [sys.executable, "-m", "jupyter", "nbconvert", "--to", "notebook", "--execute",
                 "--allow-errors", "--output", "executed", str(notebook)],
                check=False, capture_output=True,
            )  # fmt: skip
            times.append(time.perf_counter() - started)
    return statistics.median(times) * len(assignment.notebook_names)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--assignment", default="a01")
    parser.add_argument("--students", type=int, default=24)
    parser.add_argument("--workers", type=int, default=default_workers())
    parser.add_argument("--cell-timeout", type=int, default=120)
    args = parser.parse_args()
    (assignment,) = resolve([args.assignment])
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

    with tempfile.TemporaryDirectory(prefix="dlcourse-bench-") as scratch:
        work = Path(scratch)
        build_class(assignment, work / "class", args.students)
        autograde, feedback = plain_nbgrader(
            assignment, work / "class", work / "plain-nbgrader", args.cell_timeout
        )
        plain = autograde + feedback
        started = time.perf_counter()
        results = grade.main(
            assignment=assignment.id,
            submissions=work / "class",
            out=work / "dlcourse",
            workers=args.workers,
            cell_timeout=args.cell_timeout,
            show_progress=False,
        )
        ours = time.perf_counter() - started
        del results
        write_reference(assignment, work / "one" / "reference")
        (alone,) = grade.main(
            assignment=assignment.id,
            submissions=work / "one",
            out=work / "dlcourse-one",
            workers=1,
            cell_timeout=args.cell_timeout,
            show_progress=False,
        )
        baseline = nbconvert_seconds(assignment, work)

    per_minute = lambda seconds: 60 * args.students / seconds
    ratio = plain / ours
    print(f"(autograde alone: {per_minute(autograde):.1f} /min, ratio {autograde / ours:.2f}x)")
    print(f"class: {args.students} submissions of {assignment.id}, cores: {os.cpu_count()}")
    print(
        f"plain nbgrader autograde + generate_feedback (serial, no sandbox): {plain:7.1f} s "
        f"({autograde:.1f} + {feedback:.1f})  {per_minute(plain):6.1f} /min"
    )
    print(
        f"dlcourse grade --workers {args.workers} (sandboxed): {ours:7.1f} s  "
        f"{per_minute(ours):6.1f} /min"
    )
    print(f"throughput ratio: {ratio:.2f}x (goal {GOAL_RATIO}x)")
    print(
        f"reference notebook alone: sandboxed run {alone.seconds:.1f} s, "
        f"nbconvert --execute {baseline:.1f} s, overhead {alone.seconds - baseline:+.1f} s"
    )
    return 0 if ratio >= GOAL_RATIO else 1


if __name__ == "__main__":
    sys.exit(main())
