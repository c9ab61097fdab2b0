"""A wrapped test cell keeps its variables out of the globals that student code sees."""

import traceback
from pathlib import Path

import pytest

from autograder.notebooks import is_test_cell, read_source
from autograder.scoping import LINE_SHIFT, globals_needed_elsewhere, scoped_test_source

ROOT = Path(__file__).resolve().parent.parent
SOURCES = sorted(p for p in ROOT.glob("solutions/*/*.py") if p.stem != "mutants")
NAME = "_test_cell"


def run(source: str, namespace: dict, keep_global=frozenset()) -> dict:
    exec(compile(scoped_test_source(source, keep_global, NAME), "<cell>", "exec"), namespace)
    return namespace


def user_names(namespace: dict) -> set[str]:
    return {name for name in namespace if not name.startswith("__")}


def test_assigned_names_stay_local_and_the_function_is_deleted():
    namespace = run("reference = 42\nimport math\nassert reference == 42", {})
    assert user_names(namespace) == set()


def test_keep_global_names_reach_the_namespace():
    namespace = run("rng = 7\nreference = 42", {}, keep_global={"rng"})
    assert user_names(namespace) == {"rng"}


def test_names_read_before_assignment_stay_global():
    source = "x = x + 1\ntotal = rng * 2\nrng = 0\nif flag:\n    late = 1\nprint(late)"
    namespace = run(source, {"x": 1, "rng": 5, "flag": False, "late": "earlier cell"})
    assert (namespace["x"], namespace["rng"], "total" in namespace) == (2, 0, False)


def test_top_level_global_declarations_are_kept():
    namespace = run(
        "global answer\nanswer = 1\ndef bump():\n    global count\n    count = 2\nbump()", {}
    )
    assert (namespace["answer"], namespace["count"]) == (1, 2)


def test_a_student_function_cannot_read_the_test_reference():
    namespace = {}
    exec("def unbroadcast(g, shape):\n    return reference", namespace)
    test = "reference = 3.0\nassert unbroadcast(None, ()) == reference"
    with pytest.raises(NameError, match="reference"):
        run(test, namespace)
    assert "reference" not in namespace and NAME not in namespace


def test_cell_semantics_are_preserved():
    source = """
import math
from functools import reduce
class Square:
    def __init__(self, side):
        self.side = side
    def area(self):
        return self.side ** 2
offset = 1
def total(values):
    return reduce(lambda a, b: a + b, values, offset)
areas = [Square(n).area() for n in range(4)]
message = None
try:
    math.sqrt(-1)
except ValueError as error:
    message = str(error)
with open(__file__) as handle:
    first = handle.readline()
squares = {n: n * n for n in range(3)}
del squares
assert total(areas) == 15, f"got {total(areas)}"
assert message == "math domain error" and first
"""
    assert user_names(run(source, {"__file__": __file__})) == set()


def test_multi_line_strings_keep_their_value():
    source = 'text = """first\n  second\n\tthird"""\nassert text == "first\\n  second\\n\\tthird"\n'
    wrapped = scoped_test_source(source, set(), NAME)
    assert "\n  second\n\tthird" in wrapped
    run(source, {})


def test_line_numbers_shift_by_line_shift():
    source = "a = 1\nb = 2\nassert a == b, 'a differs from b'\n"
    with pytest.raises(AssertionError, match="a differs from b") as failure:
        run(source, {})
    frame = traceback.extract_tb(failure.tb)[-1]
    assert frame.lineno == 3 + LINE_SHIFT and frame.filename == "<cell>"


@pytest.mark.parametrize(
    "source",
    [
        "x = (1",
        "%timeit sum(range(10))",
        "x = 1\n!ls",
        "from math import *",
        "return 1",
        "await something()",
        f"def {NAME}():\n    pass",
    ],
)
def test_sources_that_cannot_live_in_a_function_are_unchanged(source):
    assert scoped_test_source(source, set(), NAME) == source


def test_needed_elsewhere_are_names_other_cells_read_as_globals():
    cells = [
        "rng = 1\nreference = 2\nhelper = 3\nscratch = 4",
        "print(rng)",
        "reference = 5\nprint(reference)",
        "def later():\n    return helper",
    ]
    assert globals_needed_elsewhere(cells, 0) == {"rng", "helper"}
    assert globals_needed_elsewhere(["x = (", "y = 1"], 0) == frozenset()


def test_functions_of_other_wrapped_cells_read_their_own_cell():
    cells = ["counts = 1", "counts = 2\nkey = lambda w: counts", "print(key)"]
    assert globals_needed_elsewhere(cells, 0) == {"counts"}
    assert globals_needed_elsewhere(cells, 0, wrapped={1}) == frozenset()


def test_line_shift_is_constant():
    source = "a = 1\n\n# comment\nb = 2\n"
    wrapped = scoped_test_source(source, {"a"}, NAME).splitlines()
    for number, line in enumerate(source.splitlines(), start=1):
        assert wrapped[number - 1 + LINE_SHIFT].strip() == line.strip()


def test_every_test_cell_of_the_course_still_compiles_when_wrapped():
    for path in SOURCES:
        cells = [c for c in read_source(path).cells if c.cell_type == "code"]
        sources = [c.source for c in cells]
        tests = {index for index, cell in enumerate(cells) if is_test_cell(cell)}
        for index, cell in enumerate(cells):
            if index in tests:
                keep = globals_needed_elsewhere(sources, index, tests)
                wrapped = scoped_test_source(cell.source, keep, NAME)
                assert wrapped != cell.source, f"{path.name}: {cell.id} was not wrapped"
                compile(wrapped, f"{path.name}:{cell.id}", "exec")


def test_captured_names_are_bound_when_the_test_starts():
    namespace = {"check": lambda: "real"}
    exec("def student():\n    global check\n    check = lambda: 'fake'", namespace)
    source = "student()\nassert check() == 'real', 'the test saw the rebound name'"
    exec(compile(scoped_test_source(source, (), NAME, capture={"check"}), "<c>", "exec"), namespace)
    namespace["check"] = lambda: "real"
    with pytest.raises(AssertionError, match="rebound"):
        run(source, namespace)


def test_only_names_the_cell_reads_and_does_not_assign_are_captured():
    wrapped = scoped_test_source("np = 1\nprint(tf)", (), NAME, capture={"np", "tf", "keras"})
    assert wrapped.splitlines()[0] == f"def {NAME}(*, tf=tf):"
