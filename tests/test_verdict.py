"""A test passes only with positive evidence, judged outside the student's kernel."""

import nbformat
import pytest

from autograder.notebooks import is_test_cell, nbgrader_metadata
from autograder.verdict import RECEIPT, first_untrusted_cell, instrument, judge, restore


def notebook():
    cells = [
        nbformat.v4.new_code_cell("import numpy as np"),
        nbformat.v4.new_code_cell("def f(x):\n    return x"),
        nbformat.v4.new_code_cell("assert f(1) == 1"),
        nbformat.v4.new_code_cell("assert f(2) == 2"),
    ]
    cells[0].metadata["nbgrader"] = {
        "grade": False,
        "locked": True,
        "solution": False,
        "grade_id": "setup",
    }
    cells[1].metadata["nbgrader"] = {
        "grade": False,
        "locked": False,
        "solution": True,
        "grade_id": "f",
    }
    for index, cell in enumerate(cells[2:]):
        cell.metadata["nbgrader"] = {
            "grade": True,
            "locked": True,
            "solution": False,
            "grade_id": f"test_{index}",
            "points": 1,
        }
    return nbformat.v4.new_notebook(cells=cells)


def stdout(text):
    return nbformat.v4.new_output("stream", name="stdout", text=text)


def executed(instrumented, probes, receipts):
    """Pretends the kernel ran every cell; `receipts[i]` is what test i printed last."""
    done = nbformat.from_dict(instrumented)
    for count, cell in enumerate(done.cells, start=1):
        cell.execution_count = count
    tests = [c for c in done.cells if is_test_cell(c)]
    for cell, text in zip(tests, receipts, strict=True):
        if text is not None:
            cell.outputs = [stdout(text)]
    return done


@pytest.fixture
def instrumented():
    return instrument(notebook())


def test_the_record_runs_after_the_trusted_setup_and_before_student_code(instrumented):
    nb, _ = instrumented
    assert first_untrusted_cell(notebook()) == 1
    assert nb.cells[1].metadata.get("dlcourse_record")
    assert "def f" in nb.cells[2].source


def test_every_test_gets_its_own_unpredictable_token(instrumented):
    nb, probes = instrumented
    assert len({p.token for p in probes}) == len(probes) == 2
    assert {p.token for p in probes}.isdisjoint(p.token for p in instrument(notebook())[1])
    for probe in probes:
        assert probe.token in nb.cells[probe.index + 1].source  # +1: the record cell


def test_only_the_right_token_with_an_intact_record_passes(instrumented):
    nb, probes = instrumented
    good = f"{RECEIPT} {probes[0].token} intact\n"
    wrong = f"{RECEIPT} {'0' * 32} intact\n"
    verdicts = judge(executed(nb, probes, [good, wrong]), probes)
    assert [v.passed for v in verdicts] == [True, False]
    assert verdicts[1].reason == "the test did not complete"


def test_tampering_is_reported_by_name(instrumented):
    nb, probes = instrumented
    text = f"{RECEIPT} {probes[0].token} tampered numpy.allclose\n"
    verdicts = judge(executed(nb, probes, [text, None]), probes)
    assert not verdicts[0].passed and "numpy.allclose" in verdicts[0].reason


def test_a_silent_cell_an_unrun_cell_and_a_faked_later_print_fail(instrumented):
    nb, probes = instrumented
    receipt = f"{RECEIPT} {probes[1].token} intact\n"
    done = executed(nb, probes, [None, receipt + "all tests passed\n"])
    verdicts = judge(done, probes)
    assert [v.passed for v in verdicts] == [False, False]  # the receipt must come last
    done.cells[3].execution_count = None
    assert judge(done, probes)[0].reason == "the test did not run"


def test_an_error_fails_even_with_a_receipt(instrumented):
    nb, probes = instrumented
    done = executed(nb, probes, [f"{RECEIPT} {probes[0].token} intact\n", None])
    tests = [c for c in done.cells if is_test_cell(c)]
    tests[0].outputs.append(
        nbformat.v4.new_output("error", ename="AssertionError", evalue="", traceback=[])
    )
    assert not judge(done, probes)[0].passed


def test_without_the_record_nothing_passes(instrumented):
    nb, probes = instrumented
    done = executed(nb, probes, [f"{RECEIPT} {p.token} intact\n" for p in probes])
    done.cells[1].execution_count = None
    assert not any(v.passed for v in judge(done, probes))


def test_restore_removes_receipts_and_marks_failures_for_nbgrader(instrumented):
    nb, probes = instrumented
    done = executed(nb, probes, [f"hello\n{RECEIPT} {probes[0].token} intact\n", None])
    verdicts = judge(done, probes)
    restored = restore(notebook(), done, verdicts)
    tests = [c for c in restored.cells if is_test_cell(c)]
    assert len(restored.cells) == 4
    assert tests[0].outputs[0]["text"] == "hello\n"
    assert tests[1].outputs[-1]["output_type"] == "error"
    assert nbgrader_metadata(tests[1])["grade_id"] == "test_1"
