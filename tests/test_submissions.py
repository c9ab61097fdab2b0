"""Finding and screening submissions before nbgrader sees them (no kernels run here)."""

import io
import zipfile

import nbformat

from autograder.grade import find_submissions, unreadable_reason


def write(path, data):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))
    return path


def test_screening_names_what_is_wrong(tmp_path):
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as bundle:
        bundle.writestr("a01_autodiff.ipynb", "{}")
    cases = {
        "empty.ipynb": ("", "empty file"),
        "spaces.ipynb": ("  \n", "empty file"),
        "truncated.ipynb": ('{"cells": [', "not valid notebook JSON"),
        "zip.ipynb": (archive.getvalue(), "not a text file"),
        "not_a_notebook.ipynb": ('{"hello": 1}', "could not be read as a notebook"),
    }
    for name, (content, expected) in cases.items():
        assert expected in unreadable_reason(write(tmp_path / name, content)), name


def test_a_valid_notebook_passes_screening(tmp_path):
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1 + 1")])
    assert unreadable_reason(write(tmp_path / "ok.ipynb", nbformat.writes(notebook))) == ""


def test_layouts_and_names(a01, tmp_path):
    valid = nbformat.writes(nbformat.v4.new_notebook())
    write(tmp_path / "submitted" / "ann" / "a01_autodiff.ipynb", valid)  # flat
    write(tmp_path / "submitted" / "ben" / "a01_autodiff" / "a01_autodiff.ipynb", valid)  # nbgrader
    write(tmp_path / "submitted" / "cat" / "homework1.ipynb", valid)  # renamed
    write(tmp_path / "submitted" / "dan" / "notes.txt", "no notebook here")
    write(tmp_path / "submitted" / "eve" / "one.ipynb", valid)
    write(tmp_path / "submitted" / "eve" / "two.ipynb", valid)  # which one? neither
    found = {s.student: s for s in find_submissions(tmp_path, a01)}  # parent of submitted/
    assert sorted(found) == ["ann", "ben", "cat", "dan", "eve"]
    for student in ("ann", "ben", "cat"):
        assert list(found[student].notebooks) == ["a01_autodiff.ipynb"], student
        assert found[student].problem == ""
    assert found["cat"].notebooks["a01_autodiff.ipynb"].name == "homework1.ipynb"
    for student in ("dan", "eve"):
        assert found[student].problem.startswith("no notebook found"), student
