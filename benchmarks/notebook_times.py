"""Times every solution notebook top to bottom in a fresh kernel (the 60 s budget).

    python benchmarks/notebook_times.py [ID ...] [--repeat N]

Runs the reference solution of each assignment (hidden tests included) as nbgrader
would, with the same kernel environment, and prints the median wall time. Exits 1 if a
notebook is over budget or a test fails. Run it on an otherwise idle machine: the
budget is for 2 CPU cores.
"""

import argparse
import statistics
import sys
import time

from autograder.assignments import resolve
from autograder.execution import execute, failed_tests
from autograder.notebooks import read_source
from autograder.verify import NOTEBOOK_BUDGET_SECONDS


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("assignments", nargs="*")
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    worst = 0.0
    broken = False
    for assignment in resolve(args.assignments):
        for source in assignment.sources:
            times = []
            for _ in range(args.repeat):
                started = time.perf_counter()
                executed = execute(read_source(source), cwd=assignment.source_dir)
                times.append(time.perf_counter() - started)
                failed = failed_tests(executed)
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
