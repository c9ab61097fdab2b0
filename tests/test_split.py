"""Splitting tests between the student's kernel (blocks) and the judge (the rest)."""

import nbformat
import pytest

from autograder.split import (
    SplitError,
    judge_prelude,
    local_test_source,
    names_only_tests_bind,
    split_test,
    student_names,
)
from course.answers import AnswerError

TEST = """\
rng = np.random.default_rng(0)
x = rng.normal(size=3)
with answers:
    out = relu(x)
    scratch = 1
assert_close(out, np.maximum(x, 0), "relu")
"""


def test_a_block_receives_the_names_it_reads_and_returns_those_the_test_reads():
    program = split_test(TEST, "test_relu")
    (block,) = program.blocks.values()
    assert block.params == ("x",)  # not `relu` or `np`: the kernel has those
    assert block.returns == ("out",)  # not `scratch`: nothing outside reads it
    assert block.source == "out = relu(x)\nscratch = 1\n"


def test_the_judge_runs_everything_else_with_an_exchange_in_place_of_the_block():
    judge = split_test(TEST, "test_relu").judge_source
    assert "relu(x)" not in judge and "with answers" not in judge
    assert judge.splitlines()[0] == "rng = np.random.default_rng(0)"
    assert judge.splitlines()[2].startswith("(out,) = __dlcourse__.exchange(0, ")
    assert judge.splitlines()[3].startswith("assert_close(out,")


def test_blocks_are_numbered_across_the_notebook_and_may_sit_in_loops_and_functions():
    source = """\
def check(n):
    with answers:
        got = twice(n)
    assert got == 2 * n


for n in range(3):
    check(n)
    with answers:
        also = twice(n)
    assert also == 2 * n
"""
    program = split_test(source, "t", first_number=5)
    assert sorted(program.blocks) == [5, 6]
    assert [b.params for b in program.blocks.values()] == [("n",), ("n",)]
    assert "    (got,) = __dlcourse__.exchange(5, " in program.judge_source
    assert "    (also,) = __dlcourse__.exchange(6, " in program.judge_source


def test_the_tests_own_functions_travel_as_source_with_what_they_read():
    source = """\
scale = 3.0
def f(a, ops):
    return ops.exp(a) * scale
g = lambda a, ops: a * a
with answers:
    results = engine_results(Tensor, [f, g], inputs)
check(results)
"""
    (block,) = split_test(source, "t").blocks.values()
    assert set(block.functions) == {"f", "g"}
    assert block.functions["g"] == "g = lambda a, ops: a * a\n"
    assert block.params == ("f", "g", "scale")  # `scale` is read by f
    assert "inputs" not in block.params  # bound nowhere in the test: from the kernel


def test_a_later_block_may_read_what_an_earlier_one_returned():
    source = "with answers:\n    a = make()\nwith answers:\n    b = use(a)\nassert b\n"
    first, second = split_test(source, "t").blocks.values()
    assert first.returns == ("a",) and second.params == ("a",)


@pytest.mark.parametrize(
    "source",
    [
        "with answers as a:\n    x = 1\n",
        "with answers:\n    with answers:\n        x = 1\n",
        "with answers, open('f'):\n    x = 1\n",
        "def broken(:\n",
    ],
)
def test_malformed_blocks_are_an_instructors_error(source):
    with pytest.raises(SplitError):
        split_test(source, "t")


def _cell(source, **meta):
    cell = nbformat.v4.new_code_cell(source)
    cell.metadata["nbgrader"] = {"schema_version": 3, "grade_id": f"c{id(cell)}", **meta}
    return cell


INSTRUCTOR = {"grade": False, "locked": True, "solution": False}
SOLUTION = {"grade": False, "locked": False, "solution": True}
TESTCELL = {"grade": True, "locked": True, "solution": False, "points": 1}


def notebook(*cells):
    return nbformat.v4.new_notebook(cells=list(cells))


def test_the_judge_never_gets_a_statement_that_reads_a_students_name():
    nb = notebook(
        _cell("import numpy as np\nimport course\ncourse.setup(seed=0)", **INSTRUCTOR),
        _cell("def relu(x):\n    return x\nhelper_value = 3", **SOLUTION),
        _cell(
            "data = np.arange(4)\n"
            "trained = relu(data)\n"  # reads a student's name: kernel only
            "summary = trained.sum()\n"  # reads what that bound: kernel only
            "def init():\n    return relu(1)\n"  # a student's name inside a body
            "labels = data % 2\n",
            **INSTRUCTOR,
        ),
        _cell("with answers:\n    out = relu(data)\nassert (out == labels).all()", **TESTCELL),
    )
    assert student_names(nb) == {"relu", "helper_value"}
    prelude = judge_prelude(nb)
    assert prelude[0] == "import numpy as np\nimport course\ncourse.setup(seed=0)\n"
    assert prelude[2] == "data = np.arange(4)\nlabels = data % 2\n"


def test_the_judge_skips_instructor_work_no_test_needs():
    nb = notebook(
        _cell("import keras\nimport numpy as np", **INSTRUCTOR),
        _cell(
            "model = keras.Sequential([keras.layers.Dense(1)])\n"
            "model.fit(np.ones((4, 1)), np.ones(4))\n"
            "probe = np.ones(3)\n",
            **INSTRUCTOR,
        ),
        _cell("with answers:\n    out = f(probe)\nassert (out == probe).all()", **TESTCELL),
    )
    assert judge_prelude(nb)[1] == "probe = np.ones(3)\n"


def test_names_bound_only_by_tests_are_not_in_a_graded_kernel():
    nb = notebook(
        _cell("x = 1", **INSTRUCTOR),
        _cell("expected = 14\nx = 2\nwith answers:\n    got = f(7)\nassert got", **TESTCELL),
    )
    assert names_only_tests_bind(nb) == {"expected", "got"}


def run_locally(source, namespace):
    program = split_test(source, "t")
    exec(local_test_source(program, frozenset({"secret"})), namespace)
    return namespace


def test_locally_a_block_gets_and_gives_data_as_in_the_grader():
    import numpy as np

    seen = {}

    def relu(x):
        seen["type"], seen["secret"] = type(x), "secret" in globals()
        return np.maximum(x, 0).tolist()

    namespace = {"np": np, "relu": relu, "secret": 42}
    source = "x = np.array([-1.0, 2.0])\nwith answers:\n    out = relu(x)\nprint(out)\n"
    run_locally(source, namespace)
    assert namespace["out"] == [0.0, 2.0] and seen["type"] is np.ndarray


def test_locally_a_block_cannot_see_test_only_names_and_raises_the_students_error():
    def peek():
        raise ValueError("boom")

    with pytest.raises(ValueError, match="boom"):
        run_locally("with answers:\n    got = peek()\nprint(got)\n", {"peek": peek})
    with pytest.raises(NameError):
        run_locally("with answers:\n    got = secret\nprint(got)\n", {"secret": 1})


def test_locally_objects_cannot_leave_a_block():
    with pytest.raises(AssertionError, match="cannot read"):
        run_locally("with answers:\n    got = object()\nprint(got)\n", {})
    assert issubclass(AnswerError, Exception)


def test_a_name_each_block_binds_for_itself_is_not_returned():
    source = (
        "with answers:\n    model = build()\n    first = model(1)\n"
        "with answers:\n    model = build()\n    second = model(2)\n"
        "assert first != second\n"
    )
    first, second = split_test(source, "t").blocks.values()
    assert first.returns == ("first",) and second.returns == ("second",)


def test_a_helpers_local_names_do_not_pull_unrelated_statements_into_the_judge():
    nb = notebook(
        _cell("import keras", **INSTRUCTOR),
        _cell(
            "def reference(n):\n    layer = keras.layers.Dense(n)\n    return layer\n"
            "model = keras.Sequential([keras.layers.Dense(2)])\n"
            "for layer in model.layers:\n    layer.trainable = False\n",
            **INSTRUCTOR,
        ),
        _cell("with answers:\n    out = f()\nassert out == reference(1)", **TESTCELL),
    )
    assert judge_prelude(nb)[1] == (
        "def reference(n):\n    layer = keras.layers.Dense(n)\n    return layer\n"
    )


def test_names_that_comprehensions_and_helpers_bind_are_not_reads():
    nb = notebook(
        _cell("import numpy as np", **INSTRUCTOR),
        _cell("g = 1\ndef relu(x):\n    return x", **SOLUTION),
        _cell(
            "def as_arrays(xs):\n    return [np.asarray(g) for g in xs]\n"
            "def first(xs):\n    g = xs[0]\n    return g\n",
            **INSTRUCTOR,
        ),
        _cell(
            "with answers:\n    layer = relu(1)\n    out = [layer]\n"
            "names = [layer for layer in ('a', 'b')]\nassert as_arrays(out) and first(names)",
            **TESTCELL,
        ),
    )
    assert "as_arrays" in judge_prelude(nb)[2] and "first" in judge_prelude(nb)[2]
    (block,) = split_test(nb.cells[3].source, "t").blocks.values()
    assert block.returns == ("out",)  # `layer` outside is the comprehension's own


def test_what_is_done_to_a_needed_value_is_kept_with_what_it_uses():
    nb = notebook(
        _cell("import numpy as np", **INSTRUCTOR),
        _cell(
            "images = np.ones(3)\nclassifier = []\nclassifier.extend(images)\n"
            "other = []\nother.extend(np.zeros(2))\n",
            **INSTRUCTOR,
        ),
        _cell("with answers:\n    out = f()\nassert classifier == out", **TESTCELL),
    )
    kept = "images = np.ones(3)\nclassifier = []\nclassifier.extend(images)\n"
    assert judge_prelude(nb)[1] == kept
