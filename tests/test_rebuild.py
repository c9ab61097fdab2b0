"""The graded notebook takes the instructor's cells and only the student's answers."""

import nbformat
import pytest

from autograder.notebooks import fill_solutions, is_test_cell, nbgrader_metadata, read_source
from autograder.rebuild import rebuild


@pytest.fixture(scope="module")
def notebooks(a01):
    source = read_source(a01.sources[0])
    release = nbformat.read(a01.release_dir / a01.notebook_names[0], as_version=4)
    return source, release, fill_solutions(release, source)


def by_id(notebook):
    return {nbgrader_metadata(c)["grade_id"]: c for c in notebook.cells if nbgrader_metadata(c)}


def first_solution(notebook):
    return next(c for c in notebook.cells if nbgrader_metadata(c).get("solution"))


def test_answers_are_kept_and_tests_come_from_the_source_with_hidden_parts(notebooks):
    source, release, answered = notebooks
    graded = rebuild(source, release, answered)
    for grade_id, cell in by_id(graded).items():
        if nbgrader_metadata(cell).get("solution"):
            assert cell.source == by_id(answered)[grade_id].source
        else:
            assert cell.source == by_id(source)[grade_id].source
    assert any("BEGIN HIDDEN TESTS" in c.source for c in graded.cells if is_test_cell(c))


def test_edited_deleted_and_relabelled_tests_are_restored(notebooks):
    source, release, answered = notebooks
    tampered = nbformat.from_dict(answered)
    tests = [c for c in tampered.cells if is_test_cell(c)]
    tests[0].source = "pass"  # edited
    tampered.cells.remove(tests[1])  # deleted
    tests[2].metadata.nbgrader.update(solution=True, points=100)  # turned into an answer
    tampered.metadata["kernelspec"] = {"name": "bash", "display_name": "Bash", "language": "bash"}
    graded = rebuild(source, release, tampered)
    expected = [nbgrader_metadata(c)["grade_id"] for c in source.cells if nbgrader_metadata(c)]
    assert [nbgrader_metadata(c)["grade_id"] for c in graded.cells if nbgrader_metadata(c)] == (
        expected
    )
    for grade_id, cell in by_id(graded).items():
        if not nbgrader_metadata(cell).get("solution"):
            assert cell.source == by_id(source)[grade_id].source
            assert cell.metadata.nbgrader == by_id(source)[grade_id].metadata.nbgrader
    assert graded.metadata.kernelspec.name == "python3"


def test_a_missing_answer_falls_back_to_the_stub_never_the_solution(notebooks):
    source, release, answered = notebooks
    missing = nbformat.from_dict(answered)
    answer = first_solution(missing)
    missing.cells.remove(answer)
    graded = rebuild(source, release, missing)
    grade_id = nbgrader_metadata(answer)["grade_id"]
    assert by_id(graded)[grade_id].source == by_id(release)[grade_id].source
    assert "NotImplementedError" in by_id(graded)[grade_id].source


def test_added_cells_stay_after_the_cell_they_followed_without_metadata(notebooks):
    source, release, answered = notebooks
    extended = nbformat.from_dict(answered)
    answer = first_solution(extended)
    helper = nbformat.v4.new_code_cell("def my_helper():\n    return 1")
    helper.metadata["nbgrader"] = {"grade": True, "points": 50, "grade_id": "mine"}
    extended.cells.insert(extended.cells.index(answer) + 1, helper)
    early = nbformat.v4.new_code_cell("early = 1")
    extended.cells.insert(0, early)
    graded = rebuild(source, release, extended)
    sources = [c.source for c in graded.cells]
    position = sources.index(helper.source)
    assert sources[position - 1] == answer.source
    assert "nbgrader" not in graded.cells[position].metadata
    first_answer_index = sources.index(answer.source)
    assert sources.index("early = 1") < first_answer_index  # after the set-up, before answers
    assert sources.index("early = 1") > 0


def test_duplicated_answer_cells_count_once(notebooks):
    source, release, answered = notebooks
    doubled = nbformat.from_dict(answered)
    answer = first_solution(doubled)
    copy = nbformat.from_dict(answer)
    copy.source = "raise SystemExit"
    doubled.cells.append(copy)
    graded = rebuild(source, release, doubled)
    assert "raise SystemExit" not in [c.source for c in graded.cells]
