"""`dlcourse check`: a student's pre-submission run of the visible tests."""

import io

import pytest
from rich.console import Console

from autograder import check
from autograder.sample_class import write_reference, write_stub

pytestmark = pytest.mark.xdist_group("check_notebooks")


def run_check(path):
    output = io.StringIO()
    code = check.main(notebook=path, console=Console(file=output, width=200))
    return code, output.getvalue()


@pytest.fixture(scope="module")
def notebooks(a01, tmp_path_factory):
    folder = tmp_path_factory.mktemp("check")
    write_reference(a01, folder / "done")
    write_stub(a01, folder / "stub")
    return folder / "done" / "a01_autodiff.ipynb", folder / "stub" / "a01_autodiff.ipynb"


def test_completed_notebook_passes(notebooks):
    code, output = run_check(notebooks[0])
    assert code == 0, output
    assert "test_shared_node" in output and "pass" in output
    assert "17 passed, 0 failed" in output
    assert "written_eager_vs_graph" in output and "manual" in output


def test_stub_fails_with_messages(notebooks):
    code, output = run_check(notebooks[1])
    assert code == 1
    assert "FAIL" in output and "NotImplementedError" in output
    assert "0 passed, 17 failed" in output


def test_unreadable_or_missing_notebook(tmp_path):
    broken = tmp_path / "broken.ipynb"
    broken.write_text("{not json", encoding="utf-8")
    assert run_check(broken)[0] == 2
    assert "not valid notebook JSON" in run_check(broken)[1]
    assert run_check(tmp_path / "missing.ipynb")[0] == 2
