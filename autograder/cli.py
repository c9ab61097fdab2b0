"""The `dlcourse` command: parses options and dispatches to one module per verb."""

import argparse
import sys
from pathlib import Path

from autograder.environment import DEVICES


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="dlcourse", description="Release, check, grade and verify the course's assignments."
    )
    verbs = parser.add_subparsers(dest="verb", required=True)

    release = verbs.add_parser("release", help="generate the student notebooks in assignments/")
    release.add_argument("assignments", nargs="*", help="ids or prefixes (default: all)")

    check = verbs.add_parser("check", help="run a notebook and its visible tests (students)")
    check.add_argument("notebook", type=Path)
    check.add_argument("--cell-timeout", type=int, default=120, help="seconds per cell")

    grade = verbs.add_parser("grade", help="autograde a class with nbgrader")
    grade.add_argument("submissions", type=Path, help="one folder per student")
    grade.add_argument("--assignment", required=True, help="id or prefix, e.g. a01")
    grade.add_argument("--out", type=Path, required=True, help="where grades.csv goes")
    grade.add_argument("--db-url", help="gradebook SQLAlchemy URL (default: SQLite in OUT)")
    grade.add_argument("--cell-timeout", type=int, default=120, help="seconds per cell")
    grade.add_argument("--device", choices=DEVICES, default="cpu")

    verify = verbs.add_parser("verify", help="instructor QA: solution full, stub zero, in sync")
    verify.add_argument("--assignment", action="append", default=[], help="id or prefix")
    verify.add_argument("--cell-timeout", type=int, default=120, help="seconds per cell")
    verify.add_argument("--device", choices=DEVICES, default="cpu")

    demo = verbs.add_parser("demo", help="release and grade a sample class on bundled data")
    demo.add_argument("assignments", nargs="*", help="ids or prefixes (default: all)")
    demo.add_argument("--out", type=Path, default=Path("demo-output"))
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.verb == "release":
        from autograder import release

        for path in release.main(assignments=args.assignments):
            print(path)
        return 0
    if args.verb == "check":
        from autograder import check

        return check.main(notebook=args.notebook, cell_timeout=args.cell_timeout)
    if args.verb == "grade":
        from autograder import grade

        results = grade.main(
            assignment=args.assignment,
            submissions=args.submissions,
            out=args.out,
            db_url=args.db_url,
            cell_timeout=args.cell_timeout,
            device=args.device,
        )
        for result in results:
            print(f"{result.student}: {result.score:g} / {result.max_score:g} {result.reason}")
        print(f"grades: {Path(args.out).resolve() / 'grades.csv'}")
        return 0
    if args.verb == "verify":
        from autograder import verify

        return verify.main(
            assignments=args.assignment, cell_timeout=args.cell_timeout, device=args.device
        )
    from autograder import demo

    return demo.main(assignments=args.assignments, out=args.out)


if __name__ == "__main__":
    sys.exit(main())
