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
    grade.add_argument(
        "--workers", type=int, default=None, help="parallel sandboxes (default: cores / 2)"
    )
    grade.add_argument("--dask-scheduler", help="run the sandboxes on this Dask cluster")
    grade.add_argument("--memory-gib", type=float, default=4.0, help="memory per submission")
    grade.add_argument(
        "--submission-timeout", type=int, default=900, help="seconds per submission notebook"
    )
    grade.add_argument(
        "--format",
        action="append",
        choices=("csv", "gradescope", "nbgrader"),
        default=[],
        help="exports besides grades.csv (repeatable): gradescope = OUT/gradescope/*/"
        "results.json, nbgrader = `nbgrader export` to OUT/nbgrader-grades.csv",
    )

    verify = verbs.add_parser("verify", help="instructor QA: solution full, stub zero, in sync")
    verify.add_argument("--assignment", action="append", default=[], help="id or prefix")
    verify.add_argument("--cell-timeout", type=int, default=120, help="seconds per cell")
    verify.add_argument("--device", choices=DEVICES, default="cpu")

    demo = verbs.add_parser("demo", help="release and grade a sample class on bundled data")
    demo.add_argument("assignments", nargs="*", help="ids or prefixes (default: all)")
    demo.add_argument("--out", type=Path, default=Path("demo-output"))

    site = verbs.add_parser("site", help="build or serve the course website")
    site_actions = site.add_subparsers(dest="site_action", required=True)
    site_out = {"type": Path, "default": None, "help": "build folder (default: site-build/)"}
    site_build = site_actions.add_parser("build", help="generate the static site (MkDocs)")
    site_build.add_argument("--out", **site_out)
    site_serve = site_actions.add_parser("serve", help="build the site, then serve it")
    site_serve.add_argument("--host", default="127.0.0.1", help="address to listen on")
    site_serve.add_argument("--port", type=int, default=8000)
    site_serve.add_argument("--out", **site_out)
    site_serve.add_argument("--no-build", action="store_true", help="serve the last build as is")
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
        from autograder.sandbox import Limits

        results = grade.main(
            assignment=args.assignment,
            submissions=args.submissions,
            out=args.out,
            db_url=args.db_url,
            cell_timeout=args.cell_timeout,
            device=args.device,
            workers=args.workers,
            dask_scheduler=args.dask_scheduler,
            limits=Limits(
                memory_bytes=int(args.memory_gib * (1 << 30)),
                submission_seconds=args.submission_timeout,
            ),
            formats=("csv", *args.format),
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
    if args.verb == "site":
        from autograder.site import command

        if args.site_action == "build":
            return command.build_main(out=args.out)
        return command.serve_main(
            out=args.out, host=args.host, port=args.port, build_first=not args.no_build
        )
    from autograder import demo

    return demo.main(assignments=args.assignments, out=args.out)


if __name__ == "__main__":
    sys.exit(main())
