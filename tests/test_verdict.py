"""A test passes only with positive evidence: receipts signed with a key the student's
code never sees, judged outside the student's kernel."""

import nbformat
import pytest

from autograder.notebooks import is_test_cell, nbgrader_metadata
from autograder.verdict import (
    KEY_FILE,
    RECEIPT,
    TRIGGER,
    Receipts,
    first_untrusted_cell,
    instrument,
    judge,
    restore,
    signature,
)


def notebook():
    cells = [
        nbformat.v4.new_code_cell("import numpy as np"),
        nbformat.v4.new_code_cell("def f(x):\n    return x"),
        nbformat.v4.new_code_cell("expected = 1\nassert f(1) == expected"),
        nbformat.v4.new_code_cell("shared = 2\nassert f(2) == shared"),
        nbformat.v4.new_code_cell("print(shared)"),
    ]
    meta = [
        {"grade": False, "locked": True, "solution": False, "grade_id": "setup"},
        {"grade": False, "locked": False, "solution": True, "grade_id": "f"},
        {"grade": True, "locked": True, "solution": False, "grade_id": "test_0", "points": 1},
        {"grade": True, "locked": True, "solution": False, "grade_id": "test_1", "points": 1},
        {"grade": False, "locked": True, "solution": False, "grade_id": "later"},
    ]
    for cell, m in zip(cells, meta, strict=True):
        cell.metadata["nbgrader"] = m
    return nbformat.v4.new_notebook(cells=cells)


def executed(instrumented):
    """Pretends the kernel ran every cell without an error."""
    done = nbformat.from_dict(instrumented.notebook)
    for count, cell in enumerate(done.cells, start=1):
        cell.execution_count = count
    return done


def receipts(instrumented, verdicts: dict[int, str], key=None) -> Receipts:
    """A receipts file with one line per trigger number: "ok", "bad" or a forgery."""
    key = key or instrumented.key
    lines = [
        f"{RECEIPT} {n} {signature(key, n, v) if v in ('ok', 'bad') else '0' * 32} reason {n}"
        for n, v in verdicts.items()
    ]
    return Receipts.parse("\n".join(lines), instrumented.key)


def all_ok(instrumented):
    return {n: "ok" for p in instrumented.probes for n in (p.start, p.end)}


@pytest.fixture
def instrumented():
    return instrument(notebook())


def test_the_record_runs_after_the_trusted_setup_and_before_student_code(instrumented):
    nb = instrumented.notebook
    assert first_untrusted_cell(notebook()) == 1
    assert nb.cells[1].metadata.get("dlcourse_record")
    assert KEY_FILE in nb.cells[1].source
    assert "def f" in nb.cells[2].source


def test_the_key_is_random_and_in_no_cell(instrumented):
    assert instrumented.key != instrument(notebook()).key
    text = nbformat.writes(instrumented.notebook)
    assert instrumented.key.hex() not in text and signature(instrumented.key, 0, "ok") not in text


def test_every_test_starts_and_ends_with_a_trigger_of_its_own(instrumented):
    probes = instrumented.probes
    numbers = [n for p in probes for n in (p.start, p.end)]
    assert numbers == list(range(len(numbers))) and len(probes) == 2
    for probe in probes:
        lines = instrumented.notebook.cells[probe.index + 1].source.strip().splitlines()
        assert TRIGGER in lines[0] and TRIGGER in lines[-1]


def test_test_variables_are_locals_unless_another_trusted_cell_reads_them(instrumented):
    cells = instrumented.notebook.cells
    assert "def _dlcourse_test" in cells[3].source and "global" not in cells[3].source
    assert "global shared" in cells[4].source  # cell "later" prints it


def test_only_signed_ok_receipts_for_both_triggers_pass(instrumented):
    done = executed(instrumented)
    verdicts = judge(done, instrumented.probes, receipts(instrumented, all_ok(instrumented)))
    assert [v.passed for v in verdicts] == [True, True]
    forged = {**all_ok(instrumented), 3: "forged"}
    verdicts = judge(done, instrumented.probes, receipts(instrumented, forged))
    assert [v.passed for v in verdicts] == [True, False]
    assert verdicts[1].reason == "the test did not complete"


def test_a_receipt_signed_with_another_key_counts_for_nothing(instrumented):
    other = instrument(notebook()).key
    done = executed(instrumented)
    verdicts = judge(done, instrumented.probes, receipts(instrumented, all_ok(instrumented), other))
    assert not any(v.passed for v in verdicts)


def test_a_bad_receipt_fails_with_the_hooks_reason_even_beside_an_ok(instrumented):
    done = executed(instrumented)
    both = receipts(instrumented, {**all_ok(instrumented), 0: "bad"})
    both = Receipts(both.ok | {0}, both.bad)
    verdicts = judge(done, instrumented.probes, both)
    assert not verdicts[0].passed and verdicts[0].reason == "tampering detected (reason 0)"


def test_a_missing_start_or_unrun_cell_means_the_test_did_not_run(instrumented):
    done = executed(instrumented)
    ok = all_ok(instrumented)
    del ok[0]
    assert judge(done, instrumented.probes, receipts(instrumented, ok))[0].reason == (
        "the test did not run"
    )
    done.cells[3].execution_count = None
    full = receipts(instrumented, all_ok(instrumented))
    assert judge(done, instrumented.probes, full)[0].reason == "the test did not run"


def test_an_error_fails_even_with_receipts(instrumented):
    done = executed(instrumented)
    tests = [c for c in done.cells if is_test_cell(c)]
    tests[0].outputs.append(
        nbformat.v4.new_output("error", ename="AssertionError", evalue="", traceback=[])
    )
    full = receipts(instrumented, all_ok(instrumented))
    assert [v.passed for v in judge(done, instrumented.probes, full)] == [False, True]


def test_without_the_record_nothing_passes(instrumented):
    done = executed(instrumented)
    done.cells[1].execution_count = None
    full = receipts(instrumented, all_ok(instrumented))
    assert not any(v.passed for v in judge(done, instrumented.probes, full))


def test_restore_marks_failures_for_nbgrader(instrumented):
    done = executed(instrumented)
    tests = [c for c in done.cells if is_test_cell(c)]
    tests[0].outputs = [nbformat.v4.new_output("stream", name="stdout", text="hello\n")]
    ok = all_ok(instrumented)
    del ok[3]
    verdicts = judge(done, instrumented.probes, receipts(instrumented, ok))
    restored = restore(notebook(), done, verdicts)
    tests = [c for c in restored.cells if is_test_cell(c)]
    assert len(restored.cells) == 5
    assert tests[0].outputs[0]["text"] == "hello\n"
    assert tests[1].outputs[-1]["output_type"] == "error"
    assert nbgrader_metadata(tests[1])["grade_id"] == "test_1"
