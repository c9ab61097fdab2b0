"""`dlcourse grade` against adversarial submissions: no attack earns a point, each gets a
reason, nothing outside the sandbox changes, and the honest students are graded right.

The corpus (tests/adversarial.py) is graded once, as one class, beside a reference
solution, a copy of it, the untouched stub and a realistic bug.
"""

import csv
import os
import re
import socket
import subprocess
import threading
import time
from pathlib import Path

import nbformat
import pytest
from adversarial import MARKER, build_corpus, marker_files
from nbgrader.api import Gradebook, MissingEntry

import course
from autograder import grade
from autograder.mutants import load_mutants
from autograder.notebooks import fill_solutions, read_source, write_notebook
from autograder.sample_class import write_mutant, write_reference, write_stub
from autograder.sandbox import GIB, Limits, capabilities

pytestmark = [
    pytest.mark.xdist_group("adversarial"),
    pytest.mark.skipif(
        not capabilities().unshare,
        reason="!!! ADVERSARIAL GRADING NOT RUN: namespaces (unshare) are unavailable, so "
        "the sandbox cannot contain these attacks on this machine !!!",
    ),
]

MEMORY_LIMIT = 2 * GIB
BUG = "gradient_overwritten"


class LoopbackServer:
    """A TCP server on 127.0.0.1 that records every connection it accepts."""

    def __init__(self):
        self.socket = socket.create_server(("127.0.0.1", 0))
        self.socket.settimeout(0.2)
        self.port = self.socket.getsockname()[1]
        self.connections = 0
        self.running = True
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        while self.running:
            try:
                connection, _ = self.socket.accept()
                self.connections += 1
                connection.close()
            except OSError:
                continue

    def close(self):
        self.running = False
        self.thread.join(timeout=2)
        self.socket.close()


@pytest.fixture(scope="module")
def graded(a01, tmp_path_factory):
    scope = tmp_path_factory.mktemp("adversarial")
    class_dir, out = scope / "class", scope / "graded"
    release = a01.release_dir / a01.notebook_names[0]
    solution = scope / "solution.ipynb"
    write_notebook(
        fill_solutions(nbformat.read(release, as_version=4), read_source(a01.sources[0])),
        solution,
    )
    server = LoopbackServer()
    cases = build_corpus(
        release, solution, class_dir, loopback_port=server.port,
        memory_limit_bytes=MEMORY_LIMIT, write_scope=scope,
    )  # fmt: skip
    write_reference(a01, class_dir / "honest_reference")
    write_reference(a01, class_dir / "honest_reference_again")
    write_stub(a01, class_dir / "honest_stub")
    bug = next(m for m in load_mutants(a01) if m.name == BUG)
    write_mutant(a01, bug, class_dir / "honest_bug")
    started = time.perf_counter()
    results = grade.main(
        assignment="a01",
        submissions=class_dir,
        out=out,
        workers=2,
        cell_timeout=30,
        limits=Limits(memory_bytes=MEMORY_LIMIT, submission_seconds=240),
        show_progress=False,
    )
    seconds = time.perf_counter() - started
    time.sleep(5)  # give any escaped background writer the time it asked for
    server.close()
    with (out / "grades.csv").open(encoding="utf-8") as handle:
        rows = {row["student"]: row for row in csv.DictReader(handle)}
    print(f"graded {len(results)} submissions in {seconds:.0f} s")
    return {"cases": {c.name: c for c in cases}, "rows": rows, "out": out, "scope": scope,
            "server": server, "bug": bug, "results": results,
            "pytest_temp": pytest_root(tmp_path_factory.getbasetemp())}  # fmt: skip


def pytest_root(basetemp: Path) -> Path:
    """/tmp/pytest-of-USER: where every pytest run, this one and earlier ones, keeps its
    temporary folders."""
    for folder in [basetemp, *basetemp.parents]:
        if folder.name.startswith("pytest-of-"):
            return folder
    return basetemp


def full_marks(row) -> float:
    return float(row["max_score"]) - float(row["manual_pending"])


def case_names():
    import adversarial

    return [spec.case.name for spec in adversarial._SPECS]


@pytest.mark.parametrize("name", case_names())
def test_every_attack_gets_exactly_what_it_deserves_with_a_reason(graded, name):
    case, row = graded["cases"][name], graded["rows"][name]
    score = float(row["score"])
    if case.expected == "zero":
        assert score == 0, f"{name} earned {score} points: {row['reason']}"
    elif case.expected == "full":
        assert score == full_marks(graded["rows"]["honest_reference"]), row["reason"]
    if case.reason is not None:
        assert row["reason"], f"{name} got no reason"
        assert case.reason in row["reason"].lower(), row["reason"]


def test_honest_students_are_graded_as_if_alone(graded):
    rows = graded["rows"]
    reference = rows["honest_reference"]
    assert float(reference["score"]) == full_marks(reference) > 0
    assert float(rows["honest_stub"]["score"]) == 0
    bug = rows["honest_bug"]
    lost = {t for t in graded["bug"].fails if float(bug[t]) == 0}
    assert lost == set(graded["bug"].fails)
    others = [t for t in reference if t.startswith("test_") and t not in graded["bug"].fails]
    assert all(float(bug[t]) == float(reference[t]) for t in others)


def test_same_submission_same_score(graded):
    first, again = graded["rows"]["honest_reference"], graded["rows"]["honest_reference_again"]
    assert {k: v for k, v in first.items() if k != "student"} == {
        k: v for k, v in again.items() if k != "student"
    }


def test_nothing_escaped_the_sandbox(graded):
    roots = [graded["scope"], Path.home(), Path("/tmp"), Path("/var/tmp"), Path("/dev/shm")]
    found = [
        path
        for path in marker_files(*roots)
        # other tests (the corpus builder's own) make marker files in their temp folders,
        # in this run and in earlier ones
        if path.is_relative_to(graded["scope"]) or not path.is_relative_to(graded["pytest_temp"])
    ]
    assert found == []
    for source in Path(course.__file__).parent.rglob("*.py"):
        assert MARKER not in source.read_text(encoding="utf-8"), source
    assert graded["server"].connections == 0
    survivors = subprocess.run(["pgrep", "-f", MARKER], capture_output=True, text=True)
    assert survivors.stdout.strip() == ""


def test_the_gradebook_agrees_with_grades_csv_after_grading(graded):
    with Gradebook(f"sqlite:///{graded['out'] / 'course' / 'gradebook.db'}") as gradebook:
        for student, row in graded["rows"].items():
            try:
                score = gradebook.find_submission("a01_autodiff", student).score
            except MissingEntry:  # unreadable files never reach nbgrader: a listed zero
                gradebook.find_student(student)
                score = 0.0
            assert float(score) == float(row["score"]), student


def hidden_test_lines(a01) -> list[str]:
    text = a01.sources[0].read_text(encoding="utf-8")
    blocks = re.findall(r"### BEGIN HIDDEN TESTS\n(.*?)### END HIDDEN TESTS", text, re.S)
    return [line.strip() for b in blocks for line in b.splitlines() if len(line.strip()) >= 25]


def test_no_hidden_test_source_reaches_students(graded, a01):
    lines = hidden_test_lines(a01)
    assert lines
    for page in (graded["out"] / "feedback").rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        leaked = [line for line in lines if line in text]
        assert not leaked, f"{page} shows hidden test source: {leaked[:2]}"


def test_every_submission_has_feedback(graded):
    for student in graded["rows"]:
        assert list((graded["out"] / "feedback" / student).glob("*.html")), student


if os.environ.get("DLCOURSE_KEEP_ADVERSARIAL"):  # pragma: no cover - debugging aid
    print("keeping adversarial output")
