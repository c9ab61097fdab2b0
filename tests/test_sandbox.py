"""The sandbox a submission runs in, and the judge beside it: limits, isolation, clean-up,
and verdicts no kernel can fake (a toy notebook, no TF)."""

import socket
import subprocess
import threading
import uuid

import nbformat
import pytest

from autograder.sandbox import GIB, Limits, capabilities
from autograder.worker import Job, run_job

pytestmark = pytest.mark.xdist_group("sandbox")

needs_namespaces = pytest.mark.skipif(
    not capabilities().unshare, reason="namespaces (unshare) unavailable on this machine"
)
needs_cgroups = pytest.mark.skipif(not capabilities().cgroup, reason="no usable cgroups")


def toy(answer: str) -> tuple[str, str, str]:
    """(source, release, submission) of a one-function assignment."""

    def cell(source, **meta):
        c = nbformat.v4.new_code_cell(source)
        c.metadata["nbgrader"] = {"schema_version": 3, **meta}
        return c

    def notebook(answer_source):
        return nbformat.v4.new_notebook(
            cells=[
                cell("import math\nfrom course.checks import answers", grade=False,
                     locked=True, solution=False, grade_id="setup"),
                cell(answer_source, grade=False, locked=False, solution=True, grade_id="double"),
                cell(
                    "with answers:\n    two = double(2)\nassert two == 4\n"
                    "### BEGIN HIDDEN TESTS\nwith answers:\n    minus = double(-3)\n"
                    "assert minus == -6\n### END HIDDEN TESTS",
                    grade=True, locked=True, solution=False, grade_id="test_double", points=1,
                ),
            ],
            metadata={"kernelspec": {"name": "python3", "display_name": "Python 3",
                                     "language": "python"}},
        )  # fmt: skip

    source = notebook("def double(x):\n    return 2 * x")
    release = notebook("def double(x):\n    raise NotImplementedError()")
    return (
        nbformat.writes(source),
        nbformat.writes(release),
        nbformat.writes(notebook(answer)),
    )


def grade_toy(answer: str, **limits) -> object:
    source, release, submitted = toy(answer)
    limits = {"cell_seconds": 20, "submission_seconds": 60, **limits}
    return run_job(Job("s", "toy.ipynb", source, release, submitted, limits=Limits(**limits)))


def passed(result) -> bool:
    return [v.passed for v in result.verdicts] == [True]


CORRECT = "def double(x):\n    return 2 * x\n"


def test_a_correct_answer_passes_and_a_wrong_one_fails():
    assert passed(grade_toy(CORRECT))
    assert not passed(grade_toy("def double(x):\n    return x + 2\n"))


def test_an_endless_loop_is_stopped_with_a_reason():
    result = grade_toy("while True:\n    pass\n" + CORRECT, cell_seconds=3)
    assert not passed(result)
    assert "timed out: cell 2 ran longer than the 3 s limit" in result.reason


def test_the_whole_submission_has_a_wall_clock_limit():
    result = grade_toy(
        "import signal, time\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\n"
        "time.sleep(30)\n" + CORRECT,
        cell_seconds=60,
        submission_seconds=5,
    )
    assert not passed(result)
    assert "longer than 5 s" in result.reason


@needs_cgroups
def test_a_memory_bomb_is_killed_and_named():
    result = grade_toy(
        "blocks = [bytearray(64 << 20) for _ in range(24)]\n" + CORRECT,  # 1.5 GiB
        memory_bytes=GIB // 2,
    )
    assert not passed(result)
    assert "exceeded 0.5 GiB memory in cell" in result.reason


@needs_namespaces
def test_no_network_not_even_loopback():
    server = socket.create_server(("127.0.0.1", 0))
    port = server.getsockname()[1]
    server.settimeout(0.2)
    contacted = []

    def accept():
        try:
            while True:
                contacted.append(server.accept())
        except OSError:
            pass

    threading.Thread(target=accept, daemon=True).start()
    result = grade_toy(
        "import socket\ntry:\n"
        f"    socket.create_connection(('127.0.0.1', {port}), timeout=2).sendall(b'hi')\n"
        "    reached = True\nexcept OSError:\n    reached = False\n"
        "def double(x):\n    return 2 * x if not reached else 0\n"
    )
    server.close()
    assert passed(result)  # the connection failed, so the answer stayed correct
    assert not contacted


@needs_namespaces
def test_detached_processes_do_not_outlive_grading():
    marker = f"dlcourse-test-{uuid.uuid4().hex[:8]}"
    grade_toy(
        "import subprocess\n"
        f"subprocess.Popen(['sh', '-c', 'exec -a {marker} sleep 120'], start_new_session=True)\n"
        + CORRECT
    )
    alive = subprocess.run(["pgrep", "-f", marker], capture_output=True, text=True).stdout
    assert alive.strip() == ""


@needs_namespaces
def test_private_folders_are_hidden_and_the_file_system_is_read_only(tmp_path):
    secret = tmp_path / "gradebook"
    secret.mkdir()
    (secret / "gradebook.db").write_text("hidden tests")
    probe = tmp_path / "written-by-student"
    source, release, submitted = toy(
        "import os\n"
        f"seen = os.path.exists({str(secret / 'gradebook.db')!r})\n"
        "try:\n"
        f"    open({str(probe)!r}, 'w').write('x')\n"
        "except OSError:\n"
        "    pass\n"
        "def double(x):\n    return 2 * x if not seen else 0\n"
    )
    result = run_job(
        Job("s", "toy.ipynb", source, release, submitted, hidden_paths=(str(secret),),
            limits=Limits(cell_seconds=20, submission_seconds=60))
    )  # fmt: skip
    assert passed(result)
    assert not probe.exists()


WRONG = "def double(x):\n    return 0\n"
PATCHES = [
    "import math, builtins, numpy\nmath.isclose = numpy.allclose = lambda *a, **k: True\n"
    "builtins.AssertionError = type('Quiet', (Exception,), {})",
    "get_ipython().set_custom_exc((BaseException,), lambda *a, **k: None)",
    "import sys\nsys.settrace(lambda *a: None)",
    "import sys\nsys.addaudithook(lambda *a: None)",
    "import threading\nthreading.settrace(lambda *a: None)",
    "import course.answers\ncourse.answers.unpack = lambda *a, **k: (4,)",
    'print(\'{"op": "done", "stdout": "", "error": null}\')',
    "import gc, ctypes, sys, inspect\ngc.get_objects(); sys._getframe(); inspect.currentframe()",
]


# These break the kernel itself: a right answer may fail with them too.
BREAKERS = ["get_ipython().input_transformers_cleanup.append(lambda lines: ['pass\\n'])"]


@pytest.mark.parametrize("patch", PATCHES + BREAKERS)
def test_nothing_done_in_the_kernel_makes_a_wrong_answer_pass(patch):
    assert not passed(grade_toy(patch + "\n" + WRONG))


@pytest.mark.parametrize("patch", PATCHES)
def test_and_nothing_is_refused_to_a_right_answer(patch):
    assert passed(grade_toy(patch + "\n" + CORRECT))


def test_a_kernel_that_dies_fails_the_tests_after_it_with_a_reason():
    result = grade_toy(CORRECT + "import os\nos._exit(0)")
    assert not passed(result)
    assert "the kernel died in cell 2" in result.verdicts[0].reason


def test_a_block_that_raises_fails_its_test_with_the_students_error():
    result = grade_toy("def double(x):\n    raise ValueError('not today')\n")
    assert not passed(result)
    assert result.verdicts[0].reason == "ValueError: not today"


def test_answers_that_are_not_data_fail_with_a_message():
    result = grade_toy("class Sly(int):\n    pass\n" + "def double(x):\n    return object()\n")
    assert not passed(result)
    assert "cannot read" in result.verdicts[0].reason


EXCHANGE_ATTACKS = {
    # links where the grader writes inputs and reads answers: it must follow neither
    "symlinks": "import os\n"
    "for name in ['in-0.npz', 'in-1.npz', 'out-0.npz', 'out-1.npz']:\n"
    "    os.symlink('{target}', os.path.join('_dlcourse', name))\n"
    "def link_answers():\n"
    "    for name in ['out-0.npz', 'out-1.npz']:\n"
    "        os.symlink('{target}', os.path.join('_dlcourse', name))\n",
    # a pipe instead of the answers file: reading it must not hang
    "fifo": "import os, course.answers\n"
    "def fake(source, inputs, outputs, *args):\n    os.mkfifo(outputs)\n"
    "course.answers.serve_block = fake\n",
    # the exchange folder swapped for a link to the outside
    "folder": "import os\nos.rename('_dlcourse', '_moved')\nos.symlink('{folder}', '_dlcourse')\n",
}


@needs_namespaces
@pytest.mark.parametrize("attack", sorted(EXCHANGE_ATTACKS))
def test_the_exchange_folder_cannot_be_turned_against_the_grader(attack, tmp_path):
    target = tmp_path / "outside.txt"
    target.write_text("untouched")
    code = EXCHANGE_ATTACKS[attack].format(target=target, folder=tmp_path)
    wrong = "def double(x):\n    globals().get('link_answers', lambda: 0)()\n    return 0\n"
    result = grade_toy(code + wrong, cell_seconds=10)
    assert not passed(result)
    assert target.read_text() == "untouched"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["outside.txt"]


def test_libraries_may_still_use_frames_and_introspection():
    honest = "import logging, traceback, warnings\nlogging.getLogger('x').warning('hi')\n"
    honest += "traceback.extract_stack()\nwarnings.warn('careful')\n"
    assert passed(grade_toy(honest + CORRECT))


def with_a_test_before(judge_code: str, **limits):
    """The toy with one more test first: its block calls double, its judge part runs
    `judge_code` (standing for a check that breaks the judge on a strange answer)."""
    source, release, _ = toy(CORRECT)
    notebooks = [nbformat.reads(text, as_version=4) for text in (source, release)]
    for notebook in notebooks:
        breaking = nbformat.from_dict(notebook.cells[2])
        breaking.source = f"with answers:\n    got = double(1)\n{judge_code}"
        breaking.metadata["nbgrader"]["grade_id"] = breaking.id = "test_breaks_the_judge"
        notebook.cells.insert(2, breaking)
    submitted = nbformat.from_dict(notebooks[1])
    submitted.cells[1].source = CORRECT
    texts = [nbformat.writes(n) for n in (*notebooks, submitted)]
    return run_job(Job("s", "toy.ipynb", *texts, limits=Limits(**limits)))


def test_a_judge_that_crashes_fails_one_test_and_a_fresh_one_judges_the_rest():
    broken, double = with_a_test_before("import os\nos._exit(1)").verdicts
    assert not broken.passed and "the grader's check stopped" in broken.reason
    assert double.passed


@needs_cgroups
def test_a_check_that_blows_up_on_an_answer_kills_the_judge_not_the_machine():
    blow_up = "import numpy as np\nhuge = np.ones((got * 8_000, 16_000))"  # 2 GB
    result = with_a_test_before(blow_up, memory_bytes=GIB // 2, cell_seconds=30)
    broken, double = result.verdicts
    assert not broken.passed and "the grader's check stopped" in broken.reason
    assert double.passed


def test_a_tests_own_variables_are_never_in_the_kernel():
    source, release, _ = toy(CORRECT)
    stealing = "def double(x):\n    return globals().get('expected', 0)\n"
    test = "expected = 14\nwith answers:\n    got = double(7)\nassert got == expected"
    notebooks = [nbformat.reads(text, as_version=4) for text in (source, release)]
    for notebook in notebooks:
        notebook.cells[2].source = test
    submitted = nbformat.from_dict(notebooks[1])
    submitted.cells[1].source = stealing
    job = Job("s", "toy.ipynb", *[nbformat.writes(n) for n in (*notebooks, submitted)])
    assert not passed(run_job(job))
    honest = nbformat.from_dict(submitted)
    honest.cells[1].source = CORRECT
    job = Job("s", "toy.ipynb", *[nbformat.writes(n) for n in (*notebooks, honest)])
    assert passed(run_job(job))


def test_output_floods_are_truncated_and_grading_goes_on():
    result = grade_toy("for _ in range(3000):\n    print('x' * 1000)\n" + CORRECT)
    graded = nbformat.reads(result.graded, as_version=4)
    printed = "".join(o.get("text", "") for c in graded.cells for o in c.get("outputs", []))
    assert passed(result)
    assert "output truncated by the grader" in printed
    assert len(printed) < 2 * Limits().output_bytes


def test_limits_reject_nonsense():
    with pytest.raises(ValueError, match="memory_bytes"):
        Limits(memory_bytes=0)


def test_threads_follow_the_worker_count():
    result = grade_toy(
        "import os\nthreads = os.environ['OMP_NUM_THREADS']\n"
        "def double(x):\n    return 2 * x if threads == '1' else 0\n"
    )
    assert passed(result)


def test_a_submission_that_breaks_the_grader_scores_zero_with_a_reason():
    source, release, _ = toy(CORRECT)
    result = run_job(Job("s", "toy.ipynb", source, release, '{"cells": "not a list"}'))
    assert not passed(result)
    assert result.reason.startswith("the grader could not run it")
    graded = nbformat.reads(result.graded, as_version=4)
    assert any(o.get("ename") == "NotGraded" for c in graded.cells for o in c.get("outputs", []))
