"""Times every solution notebook top to bottom (the 60 s budget).

    python benchmarks/notebook_times.py [ID ...] [--repeat N] [--graded]

Runs the reference solution of each assignment (hidden tests included) in a fresh
kernel, with the grader's kernel environment, and prints the median wall time. With
`--graded`, runs it as `dlcourse grade` does instead: rebuilt, in a sandbox, judged by
the judge process (started and warmed once, as a grading worker does). Exits 1 if a
notebook is over budget or a test fails. Run it on an otherwise idle machine: the
budget is for 2 CPU cores.
"""

import argparse
import statistics
import sys
import time

import nbformat

from autograder.assignments import resolve
from autograder.execution import execute, failed_tests
from autograder.grade import prepared_data_dir
from autograder.notebooks import fill_solutions, read_source
from autograder.verify import NOTEBOOK_BUDGET_SECONDS
from autograder.worker import Job, run_job


def graded_run(assignment, source) -> set[str]:
    """The reference graded as `dlcourse grade` grades it; the tests it failed."""
    notebook = read_source(source)
    release = nbformat.read(assignment.release_dir / f"{source.stem}.ipynb", as_version=4)
    job = Job(
        "reference",
        f"{source.stem}.ipynb",
        nbformat.writes(notebook),
        nbformat.writes(release),
        nbformat.writes(fill_solutions(release, notebook)),
        threads=2,
        data_dir=str(prepared_data_dir()),
    )
    return {verdict.grade_id for verdict in run_job(job).verdicts if not verdict.passed}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("assignments", nargs="*")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--graded", action="store_true", help="sandbox and judge")
    args = parser.parse_args()
    worst = 0.0
    broken = False
    chosen = resolve(args.assignments)
    if args.graded:  # a grading worker's judge is started once and stays warm
        graded_run(chosen[0], chosen[0].sources[0])
    for assignment in chosen:
        for source in assignment.sources:
            times = []
            for _ in range(args.repeat):
                started = time.perf_counter()
                if args.graded:
                    failed = graded_run(assignment, source)
                else:
                    failed = failed_tests(execute(read_source(source), cwd=assignment.source_dir))
                times.append(time.perf_counter() - started)
                broken |= bool(failed)
            median = statistics.median(times)
            worst = max(worst, median)
            status = f"FAILED {sorted(failed)}" if failed else "ok"
            runs = ", ".join(f"{t:.1f}" for t in times)
            print(f"{source.stem:24s} {median:6.1f} s  (runs: {runs})  {status}")
    print(f"slowest: {worst:.1f} s, budget {NOTEBOOK_BUDGET_SECONDS:g} s")
    return 1 if broken or worst > NOTEBOOK_BUDGET_SECONDS else 0


if __name__ == "__main__":
    sys.exit(main())
