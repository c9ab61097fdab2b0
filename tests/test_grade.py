"""`dlcourse grade` through nbgrader on a small class with broken submissions."""

import csv
import json
import shutil

import nbformat
import pytest
from nbgrader.api import Gradebook

from autograder import grade
from autograder.mutants import load_mutants
from autograder.notebooks import nbgrader_metadata, write_notebook
from autograder.sample_class import write_mutant, write_reference, write_stub

pytestmark = pytest.mark.xdist_group("grade_class")

NOTEBOOK = "a01_autodiff.ipynb"
# Tests that never call unbroadcast or Tensor: the graph and concept checks.
INDEPENDENT_OF_ENGINE = {
    "test_traced_op_types",
    "test_count_traces",
    "test_shape_polymorphic",
    "test_chain_rule",
    "test_nodes_and_edges",
    "test_predicted_traces",
}


def prepend_to_cell(folder, grade_id, code):
    path = folder / NOTEBOOK
    notebook = nbformat.read(path, as_version=4)
    (cell,) = [c for c in notebook.cells if nbgrader_metadata(c).get("grade_id") == grade_id]
    cell.source = code + "\n" + cell.source
    write_notebook(notebook, path)


@pytest.fixture(scope="module")
def graded(a01, tmp_path_factory):
    """Grades a class once; returns (rows of grades.csv by student, results, out dir)."""
    class_dir = tmp_path_factory.mktemp("class")
    write_reference(a01, class_dir / "alice")
    write_stub(a01, class_dir / "bob")
    overwritten = next(m for m in load_mutants(a01) if m.name == "gradient_overwritten")
    write_mutant(a01, overwritten, class_dir / "carol")
    shutil.copytree(class_dir / "carol", class_dir / "dave")  # the same work twice
    (class_dir / "erin").mkdir()
    (class_dir / "erin" / NOTEBOOK).write_text('{"cells": [{"cell_type": "code",', "utf-8")
    (class_dir / "frank").mkdir()
    (class_dir / "frank" / NOTEBOOK).write_text("", "utf-8")
    write_reference(a01, class_dir / "grace")
    prepend_to_cell(class_dir / "grace", "unbroadcast", "import a_module_that_does_not_exist")
    write_reference(a01, class_dir / "heidi")
    prepend_to_cell(
        class_dir / "heidi",
        "unbroadcast",
        "import sys, warnings\n"
        "def _noisy():\n"
        "    warnings.warn('a deprecation from some library', DeprecationWarning)\n"
        "    warnings.warn('a user warning from some library', UserWarning)\n"
        "    tf.get_logger().warning('a TensorFlow warning')\n"
        "    print('debug output on stderr', file=sys.stderr)\n",
    )
    notebook_path = class_dir / "heidi" / NOTEBOOK
    noisy = nbformat.read(notebook_path, as_version=4)
    for cell in noisy.cells:
        if nbgrader_metadata(cell).get("grade_id") == "unbroadcast":
            cell.source = cell.source.replace('    """Sums', '    _noisy()\n    """Sums', 1)
    write_notebook(noisy, notebook_path)
    write_reference(a01, class_dir / "judy" / "a01_autodiff")  # nbgrader's layout
    (class_dir / "judy" / "a01_autodiff" / NOTEBOOK).rename(
        class_dir / "judy" / "a01_autodiff" / "my_work.ipynb"  # renamed by the student
    )

    out = tmp_path_factory.mktemp("graded")
    results = grade.main(
        assignment="a01",
        submissions=class_dir,
        out=out,
        db_url=f"sqlite:///{out / 'custom-gradebook.db'}",  # any SQLAlchemy URL
        workers=2,
        formats=("csv", "gradescope", "nbgrader"),
        show_progress=False,
    )
    with (out / "grades.csv").open(encoding="utf-8") as handle:
        rows = {row["student"]: row for row in csv.DictReader(handle)}
    return rows, {r.student: r for r in results}, out


def auto_max(row):
    return float(row["max_score"]) - 2.0  # the written answer is graded by hand


def test_every_student_has_a_row(graded):
    rows, _, _ = graded
    assert set(rows) == {"alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "judy"}


def test_reference_solution_gets_every_autograded_point(graded):
    rows, results, _ = graded
    assert float(rows["alice"]["score"]) == auto_max(rows["alice"]) == 33
    assert rows["alice"]["reason"] == ""
    assert results["alice"].manual_pending == 2


def test_untouched_stub_scores_zero_on_every_test(graded):
    rows, results, _ = graded
    assert float(rows["bob"]["score"]) == 0
    assert all(points == 0 for points in results["bob"].tests.values())
    assert "NotImplementedError" in rows["bob"]["reason"]


def test_wrong_submission_loses_only_the_catching_test(graded):
    rows, results, _ = graded
    assert results["carol"].tests["test_shared_node"] == 0
    assert float(rows["carol"]["score"]) == 33 - 3
    assert rows["carol"]["reason"].startswith("test_shared_node: AssertionError")


def test_same_submission_same_score(graded):
    rows, _, _ = graded
    assert {k: v for k, v in rows["carol"].items() if k != "student"} == {
        k: v for k, v in rows["dave"].items() if k != "student"
    }


def test_corrupt_and_empty_files_get_zero_with_a_reason_and_feedback(graded):
    rows, results, _ = graded
    assert float(rows["erin"]["score"]) == 0 and "not valid notebook JSON" in rows["erin"]["reason"]
    assert float(rows["frank"]["score"]) == 0 and "empty file" in rows["frank"]["reason"]
    for student in ("erin", "frank"):
        assert results[student].feedback.read_text().count("could not be graded") == 1
        assert float(rows[student]["max_score"]) == 35


def test_import_error_loses_the_dependent_tests_only(graded):
    _, results, _ = graded
    grace = results["grace"]
    assert grace.reason.startswith("unbroadcast raised ModuleNotFoundError")
    passed = {test for test, points in grace.tests.items() if points > 0}
    assert INDEPENDENT_OF_ENGINE <= passed
    assert not passed & {
        "test_unbroadcast",
        "test_add_mul",
        "test_broadcasting",
        "test_shared_node",
    }
    assert grace.score == sum(grace.tests.values())


def test_library_warnings_and_stderr_do_not_cost_points(graded):
    rows, _, _ = graded
    assert float(rows["heidi"]["score"]) == 33, rows["heidi"]["reason"]


def test_nbgrader_layout_and_renamed_notebook_are_accepted(graded):
    rows, _, _ = graded
    assert float(rows["judy"]["score"]) == 33


def test_feedback_shows_no_hidden_test_source(graded, a01):
    _, results, _ = graded
    page = results["carol"].feedback.read_text(encoding="utf-8")
    assert "test_shared_node" in page and "a.grad in a * a does not match" in page
    hidden_line = "def deep_reuse(a, b, ops):"  # a line from test_shared_node's hidden part
    assert hidden_line in a01.sources[0].read_text(encoding="utf-8")
    assert hidden_line not in page
    assert "BEGIN HIDDEN TESTS" not in page


def test_scores_live_in_nbgraders_gradebook_at_the_given_url(graded):
    _, _, out = graded
    assert not (out / "course" / "gradebook.db").exists()
    with Gradebook(f"sqlite:///{out / 'custom-gradebook.db'}") as gradebook:
        assert gradebook.find_submission("a01_autodiff", "alice").score == 33
        assert gradebook.find_submission("a01_autodiff", "carol").score == 30


def test_exports_for_gradescope_and_nbgrader(graded):
    rows, _, out = graded
    alice = json.loads((out / "gradescope" / "alice" / "results.json").read_text("utf-8"))
    carol = json.loads((out / "gradescope" / "carol" / "results.json").read_text("utf-8"))
    assert alice["score"] == 33 and carol["score"] == 30
    assert {t["name"] for t in carol["tests"] if t["status"] == "failed"} == {
        t for t in rows["carol"] if t.startswith("test_") and float(rows["carol"][t]) == 0
    }
    assert all(t["visibility"] in {"visible", "after_published"} for t in carol["tests"])
    with (out / "nbgrader-grades.csv").open(encoding="utf-8") as handle:
        exported = {row["student_id"]: float(row["score"]) for row in csv.DictReader(handle)}
    assert exported == {student: float(row["score"]) for student, row in rows.items()}
