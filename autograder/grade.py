"""`dlcourse grade`: autograde a class with nbgrader, write grades.csv and feedback.

A submission that cannot be read or run gets zero with a reason; every other
student is still graded. The exit code is non-zero only if the grader itself broke.
"""

import csv
import html
import json
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from nbgrader.api import Gradebook
from rich.progress import Progress

from autograder.assignments import Assignment, resolve
from autograder.environment import grading_environment
from autograder.execution import error_summary
from autograder.nbgrader_course import DEFAULT_CELL_TIMEOUT, NbgraderCourse
from autograder.notebooks import is_test_cell, nbgrader_metadata


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
    cause), then "test_x: AssertionError: ..." for every failed test."""
    notebook = nbformat.read(autograded, as_version=4)
    causes, failures = [], []
    for index, cell in enumerate(notebook.cells, start=1):
        message = error_summary(cell) if cell.cell_type == "code" else ""
        if not message:
            continue
        name = nbgrader_metadata(cell).get("grade_id") or f"cell {index}"
        if is_test_cell(cell):
            failures.append(f"{name}: {message[:160]}")
        else:
            causes.append(f"{name} raised {message[:160]}")
    return "; ".join(causes + failures)


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


def grade_one(
    course: NbgraderCourse, assignment: Assignment, submission: Submission, out_dir: Path
) -> StudentResult:
    result = StudentResult(submission.student)
    problems = [submission.problem] if submission.problem else []
    problems += [r for r in (unreadable_reason(p) for p in submission.notebooks.values()) if r]
    feedback_file = out_dir / "feedback" / submission.student / f"{assignment.id}.html"
    if problems:
        result.reason = "; ".join(problems)
        result.feedback = write_problem_feedback(
            feedback_file, submission.student, assignment, result.reason
        )
        return result

    target = course.submission_dir(assignment, submission.student)
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    for name, path in submission.notebooks.items():
        shutil.copy(path, target / name)
    started = time.perf_counter()
    outcome = course.autograde(assignment, submission.student)
    result.seconds = time.perf_counter() - started
    if not outcome["success"]:
        last_line = (outcome.get("error") or outcome.get("log") or "unknown error").strip()
        result.reason = f"nbgrader could not autograde it: {last_line.splitlines()[-1][:200]}"
        result.feedback = write_problem_feedback(
            feedback_file, submission.student, assignment, result.reason
        )
        return result
    read_scores(course, assignment, result)
    result.reason = "; ".join(
        failure_reasons(course.autograded_notebook(assignment, submission.student, name))
        for name in submission.notebooks
    ).strip("; ")
    if course.generate_feedback(assignment, submission.student)["success"]:
        feedback_file.parent.mkdir(parents=True, exist_ok=True)
        for page in course.feedback_dir(assignment, submission.student).glob("*.html"):
            result.feedback = feedback_file.with_name(page.name)
            shutil.copy(page, result.feedback)
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
    show_progress: bool = True,
) -> list[StudentResult]:
    """Grades every submission of one assignment; returns the rows of grades.csv.

    Args:
        assignment: id or unambiguous prefix.
        submissions: folder with one sub-folder per student.
        out: where grades.csv, feedback/ and the nbgrader course (with its
            gradebook) are written.
        db_url: SQLAlchemy URL of the gradebook (default: SQLite in OUT/course/).
        cell_timeout: seconds one cell may run.
        device: "cpu", "gpu" or "auto".
    """
    (chosen,) = resolve([assignment])
    out = Path(out).resolve()
    out.mkdir(parents=True, exist_ok=True)
    found = find_submissions(Path(submissions).resolve(), chosen)
    results = []
    with grading_environment(device):
        course = NbgraderCourse(out / "course", db_url=db_url, cell_timeout=cell_timeout)
        course.generate(chosen)
        tests, max_score = test_names(course, chosen)
        with Progress(disable=not show_progress, transient=True) as progress:
            task = progress.add_task(f"grading {chosen.id}", total=len(found))
            for submission in found:
                progress.update(task, description=f"grading {submission.student}")
                result = grade_one(course, chosen, submission, out)
                result.max_score = result.max_score or max_score
                results.append(result)
                progress.advance(task)
    write_csv(out / "grades.csv", chosen, tests, results)
    return results
