"""Sources are the single source of truth; the committed release is generated from them."""

import json
from pathlib import Path

import jupytext
import pytest

from autograder.assignments import discover, resolve
from autograder.notebooks import is_test_cell, nbgrader_metadata, read_source
from autograder.release import build_release
from autograder.split import student_names_judges_read

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.xdist_group("releases")

ASSIGNMENTS = discover(ROOT)
IDS = [a.id for a in ASSIGNMENTS]


@pytest.fixture(scope="module")
def fresh_releases(tmp_path_factory):
    """Each assignment released into a scratch folder: {id: [paths]}."""
    return {
        assignment.id: build_release(assignment, tmp_path_factory.mktemp(assignment.id))
        for assignment in ASSIGNMENTS
    }


@pytest.mark.parametrize("assignment", ASSIGNMENTS, ids=IDS)
def test_committed_release_matches_the_source(assignment, fresh_releases):
    first = fresh_releases[assignment.id]
    for generated in first:
        committed = assignment.release_dir / generated.name
        assert committed.exists(), f"{committed} is missing: run `dlcourse release {assignment.id}`"
        assert committed.read_bytes() == generated.read_bytes(), (
            f"{committed} is out of date: run `dlcourse release {assignment.id}` and commit"
        )
    assert {p.name for p in assignment.release_dir.iterdir()} == {p.name for p in first}


def test_release_is_deterministic(fresh_releases, tmp_path):
    """A second release of the same source is byte-identical (one assignment suffices:
    the committed releases above were also generated in other runs)."""
    assignment = ASSIGNMENTS[0]
    second = build_release(assignment, tmp_path)
    first = fresh_releases[assignment.id]
    assert [p.read_bytes() for p in first] == [p.read_bytes() for p in second]


@pytest.mark.parametrize("assignment", ASSIGNMENTS, ids=IDS)
def test_release_has_no_solutions_or_hidden_tests(assignment):
    for name in assignment.notebook_names:
        text = (assignment.release_dir / name).read_text(encoding="utf-8")
        for marker in ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS"):
            assert marker not in text, f"{name} leaks '{marker}'"


@pytest.mark.parametrize("assignment", ASSIGNMENTS, ids=IDS)
def test_jupytext_source_round_trips(assignment):
    for source in assignment.sources:
        text = source.read_text(encoding="utf-8")
        again = jupytext.writes(jupytext.reads(text, fmt="py:percent"), fmt="py:percent")
        assert again == text, f"{source.name} changes on a jupytext round trip: reformat it"


@pytest.mark.parametrize("assignment", ASSIGNMENTS, ids=IDS)
def test_source_metadata_is_consistent(assignment):
    for source in assignment.sources:
        notebook = read_source(source)
        assert notebook.metadata["kernelspec"]["name"] == "python3"
        grade_ids = [
            nbgrader_metadata(c)["grade_id"] for c in notebook.cells if nbgrader_metadata(c)
        ]
        assert len(grade_ids) == len(set(grade_ids)), "grade_id values must be unique"
        for cell in notebook.cells:
            meta = nbgrader_metadata(cell)
            if is_test_cell(cell):
                assert meta["locked"] and meta["points"] > 0, meta["grade_id"]
                assert "### BEGIN HIDDEN TESTS" in cell.source, (
                    f"{meta['grade_id']} has no hidden tests: visible tests alone can be gamed"
                )
            if meta.get("solution") and cell.cell_type == "code":
                assert "### BEGIN SOLUTION" in cell.source, meta["grade_id"]


def test_no_hand_written_notebooks_in_solutions(root):
    assert not list((root / "solutions").rglob("*.ipynb"))


def test_release_notebooks_are_plain_nbformat_4(a01):
    data = json.loads((a01.release_dir / "a01_autodiff.ipynb").read_text(encoding="utf-8"))
    assert data["nbformat"] == 4
    assert "jupytext" not in data["metadata"]
    ids = [cell["id"] for cell in data["cells"]]
    assert len(ids) == len(set(ids))


def test_prefix_resolution(root, tmp_path):
    assert [a.id for a in resolve(["a01"], root)] == ["a01_autodiff"]
    with pytest.raises(SystemExit, match="matches no assignment"):
        resolve(["zz"], root)
    for name in ("a01_first", "a02_second"):
        (tmp_path / "solutions" / name).mkdir(parents=True)
        (tmp_path / "solutions" / name / f"{name}.py").write_text("# %%\n")
    assert [a.id for a in resolve(["a02"], tmp_path)] == ["a02_second"]
    with pytest.raises(SystemExit, match="matches several assignments"):
        resolve(["a0"], tmp_path)


@pytest.mark.parametrize("assignment", ASSIGNMENTS, ids=IDS)
def test_no_judge_part_of_a_test_reads_a_students_name(assignment):
    """Student code runs only under `with answers:`; the judge never has its names."""
    for source in assignment.sources:
        found = student_names_judges_read(read_source(source))
        assert not found, f"{source.name}: move these uses under `with answers:`: {found}"
