"""`dlcourse grade`: autograde a class, write grades.csv, feedback and exports.

Each notebook runs in its own sandbox (`autograder.sandbox`), rebuilt from the
instructor's cells and the student's answers (`autograder.rebuild`), and its tests
are judged by a process that never runs student code (`autograder.judge`); nbgrader then
records the grades in its gradebook and writes the feedback. A submission that
cannot be read or run gets zero with a reason; every other student is still
graded. The exit code is non-zero only if the grader itself broke.
"""

import csv
import html
import json
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field, replace
from pathlib import Path

import nbformat
from nbgrader.api import Gradebook
from rich.progress import Progress

from autograder.assignments import Assignment, resolve
from autograder.execution import DEFAULT_CELL_TIMEOUT, error_summary
from autograder.gradescope import TestResult, write_results
from autograder.nbgrader_course import NbgraderCourse
from autograder.notebooks import is_test_cell, nbgrader_metadata
from autograder.preprocessors import hidden_test_lines
from autograder.sandbox import Limits
from autograder.scheduler import default_workers, run_jobs, threads_per_worker
from autograder.worker import Job, JobResult

MAX_NOTEBOOK_BYTES = 64 << 20


@dataclass
class StudentResult:
    """One row of grades.csv."""

    student: str
    score: float = 0.0
    max_score: float = 0.0
    tests: dict[str, float] = field(default_factory=dict)
    manual_pending: float = 0.0
    reason: str = ""
    seconds: float = 0.0
    feedback: Path | None = None


@dataclass
class Submission:
    student: str
    notebooks: dict[str, Path]  # expected notebook name -> submitted file
    problem: str = ""


def find_submissions(submissions_dir: Path, assignment: Assignment) -> list[Submission]:
    """One `Submission` per student folder.

    Accepts `DIR/<student>/*.ipynb`, nbgrader's `DIR/<student>/<assignment>/*.ipynb`, and
    a DIR that contains nbgrader's `submitted/` folder. A lone notebook with another
    name is taken as the expected one.
    """
    if (submissions_dir / "submitted").is_dir():
        submissions_dir = submissions_dir / "submitted"
    if not submissions_dir.is_dir():
        raise SystemExit(f"error: no such submissions folder: {submissions_dir}")
    found = []
    for folder in sorted(p for p in submissions_dir.iterdir() if p.is_dir()):
        if folder.name.startswith("."):
            continue
        work = folder / assignment.id if (folder / assignment.id).is_dir() else folder
        files = sorted(p for p in work.iterdir() if p.is_file() and p.suffix == ".ipynb")
        notebooks = {
            name: work / name for name in assignment.notebook_names if (work / name).exists()
        }
        if not notebooks and len(files) == 1 and len(assignment.notebook_names) == 1:
            notebooks = {assignment.notebook_names[0]: files[0]}
        problem = (
            ""
            if notebooks
            else f"no notebook found (expected {', '.join(assignment.notebook_names)})"
        )
        found.append(Submission(folder.name, notebooks, problem))
    return found


def unreadable_reason(path: Path) -> str:
    """Why a submitted file is not a notebook nbgrader can grade, or "" if it is one."""
    if path.stat().st_size > MAX_NOTEBOOK_BYTES:
        return f"{path.name} is larger than {MAX_NOTEBOOK_BYTES >> 20} MiB"
    raw = path.read_bytes()
    if not raw.strip():
        return f"{path.name} is an empty file"
    try:
        notebook = nbformat.reads(raw.decode("utf-8"), as_version=4)
    except UnicodeDecodeError:
        return f"{path.name} is not a text file (is it really a notebook?)"
    except (json.JSONDecodeError, nbformat.reader.NotJSONError) as error:
        return f"{path.name} is not valid notebook JSON ({str(error).splitlines()[0][:120]})"
    except Exception as error:  # nbformat raises several kinds for malformed notebooks
        return f"{path.name} could not be read as a notebook ({type(error).__name__})"
    try:
        nbformat.validate(notebook)
    except nbformat.ValidationError as error:
        return f"{path.name} is not a valid notebook ({error.message[:120]})"
    return ""


def failure_reasons(autograded: Path) -> str:
    """Why points were lost: errors in the student's own cells first (often the root
    cause), then "test_x: AssertionError: ..." for failed tests, tests that failed
    with the same message listed together."""
    notebook = nbformat.read(autograded, as_version=4)
    causes: list[str] = []
    failures: dict[str, list[str]] = {}
    for index, cell in enumerate(notebook.cells, start=1):
        message = error_summary(cell) if cell.cell_type == "code" else ""
        if not message:
            continue
        name = nbgrader_metadata(cell).get("grade_id") or f"cell {index}"
        if is_test_cell(cell):
            failures.setdefault(message[:160], []).append(name)
        else:
            causes.append(f"{name} raised {message[:160]}")
    grouped = [f"{', '.join(names)}: {message}" for message, names in failures.items()]
    return "; ".join(causes + grouped)


def write_problem_feedback(path: Path, student: str, assignment: Assignment, reason: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        "<!DOCTYPE html><html><head><meta charset='utf-8'>"
        f"<title>{html.escape(assignment.id)}: {html.escape(student)}</title></head><body>"
        f"<h1>{html.escape(assignment.id)}</h1><p>Score: 0</p>"
        f"<p>Your submission could not be graded: {html.escape(reason)}.</p>"
        "<p>Run <code>dlcourse check</code> on your notebook before submitting.</p>"
        "</body></html>\n",
        encoding="utf-8",
    )
    return path


def read_scores(course: NbgraderCourse, assignment: Assignment, result: StudentResult) -> None:
    with Gradebook(course.db_url) as gradebook:
        submission = gradebook.find_submission(assignment.id, result.student)
        result.score = float(submission.score)
        result.max_score = float(submission.max_score)
        for notebook in submission.notebooks:
            for grade in notebook.grades:
                if grade.cell.cell_type == "code" and not grade.needs_manual_grade:
                    result.tests[grade.name] = float(grade.score)
                elif grade.needs_manual_grade:
                    result.manual_pending += float(grade.max_score)


def test_names(course: NbgraderCourse, assignment: Assignment) -> tuple[list[str], float]:
    """Autograded test ids in notebook order, and the assignment's maximum score."""
    with Gradebook(course.db_url) as gradebook:
        record = gradebook.find_assignment(assignment.id)
        names = [
            cell.name
            for notebook in record.notebooks
            for cell in notebook.grade_cells
            if cell.cell_type == "code"
        ]
        return names, float(record.max_score)


def hidden_paths(course: NbgraderCourse, submissions: Path) -> tuple[str, ...]:
    """Folders a submission must not see: the gradebook and everything graded, the
    other submissions, the instructor's solutions and the repository's history."""
    from autograder.assignments import course_root

    repo = course_root()
    candidates = [course.root.parent, submissions, repo / "solutions", repo / ".git"]
    if course.db_url.startswith("sqlite:///"):
        candidates.append(Path(course.db_url.removeprefix("sqlite:///")).parent)
    needed = [Path(sys.prefix), Path(sys.base_prefix), repo / "course", Path(tempfile.gettempdir())]
    keep = []
    for path in candidates:
        path = path.resolve()
        if path.is_dir() and not any(n.is_relative_to(path) for n in needed):
            keep.append(str(path))
    return tuple(dict.fromkeys(keep))


def prepared_data_dir() -> Path:
    """The course's datasets, prepared once here and copied into every sandbox."""
    from course.data import data_dir

    root = data_dir()
    if not (root / "digits8x8").is_dir() or not (root / "gensim_corpus").is_dir():
        subprocess.run(
            [
                sys.executable,
                "-c",
                "from course.data import load_digits, load_corpus\n"
                "load_digits('train'); load_corpus('lee_background'); load_corpus('head500')",
            ],
            check=True,
            capture_output=True,
            env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"},
        )
    return root


def make_jobs(
    course: NbgraderCourse, assignment: Assignment, submission: Submission, settings: dict
) -> list[Job]:
    jobs = []
    for name, path in submission.notebooks.items():
        jobs.append(
            Job(
                student=submission.student,
                notebook_name=name,
                source=(course.root / "source" / assignment.id / name).read_text("utf-8"),
                release=(course.root / "release" / assignment.id / name).read_text("utf-8"),
                submitted=path.read_text("utf-8"),
                **settings,
            )
        )
    return jobs


def record(
    course: NbgraderCourse,
    assignment: Assignment,
    submission: Submission,
    runs: list[JobResult],
    out_dir: Path,
) -> StudentResult:
    """Hands the sandboxed runs to nbgrader (gradebook, autograded notebooks, feedback)."""
    result = StudentResult(submission.student)
    result.seconds = sum(run.seconds for run in runs)
    target = course.submission_dir(assignment, submission.student)
    executed = course.executed_dir / submission.student / assignment.id
    for folder in (target, executed):
        if folder.exists():
            shutil.rmtree(folder)
        folder.mkdir(parents=True)
    for run in runs:
        graded = nbformat.reads(run.graded, as_version=4)
        nbformat.write(graded, executed / run.notebook_name)
        for cell in graded.cells:
            if cell.cell_type == "code":
                cell.outputs, cell.execution_count = [], None
        nbformat.write(graded, target / run.notebook_name)
    feedback_file = out_dir / "feedback" / submission.student / f"{assignment.id}.html"
    outcome = course.autograde(assignment, submission.student)
    if not outcome["success"]:
        last_line = (outcome.get("error") or outcome.get("log") or "unknown error").strip()
        result.reason = f"nbgrader could not autograde it: {last_line.splitlines()[-1][:200]}"
        result.feedback = write_problem_feedback(
            feedback_file, submission.student, assignment, result.reason
        )
        return result
    read_scores(course, assignment, result)
    reasons = [run.reason for run in runs if run.reason]
    reasons += [
        failure_reasons(
            course.autograded_notebook(assignment, submission.student, run.notebook_name)
        )
        for run in runs
    ]
    result.reason = "; ".join(r for r in reasons if r)
    if course.generate_feedback(assignment, submission.student)["success"]:
        feedback_file.parent.mkdir(parents=True, exist_ok=True)
        for page in course.feedback_dir(assignment, submission.student).glob("*.html"):
            result.feedback = feedback_file.with_name(page.name)
            shutil.copy(page, result.feedback)
    return result


def problem_result(
    submission: Submission, assignment: Assignment, out_dir: Path
) -> StudentResult | None:
    """A zero with a reason for a submission that cannot be run at all, else None."""
    problems = [submission.problem] if submission.problem else []
    problems += [r for r in (unreadable_reason(p) for p in submission.notebooks.values()) if r]
    if not problems:
        return None
    result = StudentResult(submission.student, reason="; ".join(problems))
    result.feedback = write_problem_feedback(
        out_dir / "feedback" / submission.student / f"{assignment.id}.html",
        submission.student,
        assignment,
        result.reason,
    )
    return result


def write_csv(path: Path, assignment: Assignment, tests: list[str], results: list[StudentResult]):
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            ["student", "assignment", "score", "max_score", *tests, "manual_pending", "reason"]
        )
        for r in results:
            writer.writerow(
                [
                    r.student,
                    assignment.id,
                    f"{r.score:g}",
                    f"{r.max_score:g}",
                    *(f"{r.tests.get(t, 0.0):g}" for t in tests),
                    f"{r.manual_pending:g}",
                    r.reason,
                ]
            )


def main(
    *,
    assignment: str,
    submissions: Path,
    out: Path,
    db_url: str | None = None,
    cell_timeout: int = DEFAULT_CELL_TIMEOUT,
    device: str = "cpu",
    workers: int | None = None,
    dask_scheduler: str | None = None,
    limits: Limits | None = None,
    formats: tuple[str, ...] = ("csv",),
    show_progress: bool = True,
) -> list[StudentResult]:
    """Grades every submission of one assignment; returns the rows of grades.csv.

    Every notebook runs in its own sandbox (see `autograder.sandbox`), in parallel
    on `workers` processes or on a Dask cluster; this process alone writes the
    gradebook, through nbgrader.

    Args:
        assignment: id or unambiguous prefix.
        submissions: folder with one sub-folder per student.
        out: where grades.csv, feedback/ and the nbgrader course (with its
            gradebook) are written.
        db_url: SQLAlchemy URL of the gradebook (default: SQLite in OUT/course/).
        cell_timeout: seconds one cell may run (overrides `limits.cell_seconds`).
        device: "cpu", "gpu" or "auto".
        workers: parallel sandboxes (default: one per core).
        dask_scheduler: address of a Dask scheduler to run the sandboxes on.
        limits: memory, processes, time and output limits per submission.
        formats: "csv" (always written), "gradescope" (one results.json per student),
            "nbgrader" (`nbgrader export` of the gradebook to OUT/nbgrader-grades.csv).
    """
    (chosen,) = resolve([assignment])
    out = Path(out).resolve()
    out.mkdir(parents=True, exist_ok=True)
    submissions = Path(submissions).resolve()
    found = find_submissions(submissions, chosen)
    limits = replace(limits or Limits(), cell_seconds=cell_timeout)
    workers = workers or default_workers()
    course = NbgraderCourse(out / "course", db_url=db_url)
    course.generate(chosen)
    tests, max_score = test_names(course, chosen)
    settings = dict(
        limits=limits,
        device=device,
        threads=threads_per_worker(workers),
        hidden_paths=hidden_paths(course, submissions),
        data_dir=str(prepared_data_dir()),
    )
    results: dict[str, StudentResult] = {}
    runnable = []
    for submission in found:
        problem = problem_result(submission, chosen, out)
        if problem:
            results[submission.student] = problem
            with Gradebook(course.db_url) as gradebook:  # listed in exports with a zero
                gradebook.update_or_create_student(submission.student)
        else:
            runnable.append(submission)
    jobs = [job for s in runnable for job in make_jobs(course, chosen, s, settings)]
    pending = {s.student: len(s.notebooks) for s in runnable}
    runs: dict[str, list[JobResult]] = {s.student: [] for s in runnable}
    by_student = {s.student: s for s in runnable}
    with Progress(disable=not show_progress, transient=True) as progress:
        task = progress.add_task(f"grading {chosen.id}", total=len(found))
        progress.advance(task, len(found) - len(runnable))
        for run in run_jobs(jobs, workers=workers, dask_scheduler=dask_scheduler):
            runs[run.student].append(run)
            pending[run.student] -= 1
            if pending[run.student] == 0:
                progress.update(task, description=f"recording {run.student}")
                results[run.student] = record(
                    course, chosen, by_student[run.student], runs[run.student], out
                )
                progress.advance(task)
    ordered = [results[s.student] for s in found]
    for result in ordered:
        result.max_score = result.max_score or max_score
    write_csv(out / "grades.csv", chosen, tests, ordered)
    if "gradescope" in formats:
        write_gradescope(course, chosen, ordered, out / "gradescope")
    if "nbgrader" in formats:
        export_with_nbgrader(course, out / "nbgrader-grades.csv")
    return ordered


def export_with_nbgrader(course: NbgraderCourse, path: Path) -> Path:
    """nbgrader's own `nbgrader export` (its CSV plugin) of the whole gradebook."""
    command = [
        sys.executable, "-m", "nbgrader", "export",
        f"--CourseDirectory.root={course.root}",
        f"--CourseDirectory.db_url={course.db_url}",
        f"--to={path}",
    ]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, cwd=course.root)
    if done.returncode != 0 or not path.exists():
        raise RuntimeError(f"nbgrader export failed:\n{done.stdout}{done.stderr}")
    return path


def write_gradescope(
    course: NbgraderCourse, assignment: Assignment, results: list[StudentResult], folder: Path
) -> None:
    """One Gradescope results.json per student (see `autograder.gradescope`)."""
    specs = test_specs(course, assignment)
    hidden = set().union(
        *(
            hidden_test_lines(nbformat.read(course.root / "source" / assignment.id / n, 4))
            for n in assignment.notebook_names
        )
    )

    def scrub(text: str) -> str:  # students see these: never echo hidden test source
        return "[removed: it quoted hidden test code]" if any(h in text for h in hidden) else text

    for result in results:
        messages = {
            k: scrub(v) for k, v in test_messages(course, assignment, result.student).items()
        }
        tests = [
            TestResult(
                name=name,
                score=result.tests.get(name, 0.0),
                max_score=points,
                message=messages.get(name, ""),
                has_hidden=hidden,
            )
            for name, (points, hidden) in specs.items()
        ]
        write_results(
            folder / result.student / "results.json",
            tests,
            reason=scrub(result.reason),
            manual_pending=result.manual_pending,
        )


def test_specs(course: NbgraderCourse, assignment: Assignment) -> dict[str, tuple[float, bool]]:
    """grade_id -> (points, has a hidden part), in notebook order."""
    specs = {}
    for name in assignment.notebook_names:
        notebook = nbformat.read(course.root / "source" / assignment.id / name, as_version=4)
        for cell in notebook.cells:
            if is_test_cell(cell):
                meta = nbgrader_metadata(cell)
                specs[meta["grade_id"]] = (
                    float(meta.get("points", 0)),
                    "BEGIN HIDDEN TESTS" in cell.source,
                )
    return specs


def test_messages(course: NbgraderCourse, assignment: Assignment, student: str) -> dict[str, str]:
    messages = {}
    for name in assignment.notebook_names:
        path = course.autograded_notebook(assignment, student, name)
        if path.exists():
            for cell in nbformat.read(path, as_version=4).cells:
                if is_test_cell(cell):
                    messages[nbgrader_metadata(cell)["grade_id"]] = error_summary(cell)
    return messages
