"""The judge process: runs trusted code, asks the grader for a block's answers, and
reports what raised; nothing its code prints can break the protocol."""

import time
from pathlib import Path

import pytest

from autograder.judge import ExchangeFailed, Judge, JudgeError, discard_judge, shared_judge
from course import wire

pytestmark = pytest.mark.xdist_group("judge")


@pytest.fixture(scope="module")
def judge():
    judge = Judge({})
    judge.reset()
    yield judge
    judge.close()


def test_code_runs_and_its_output_comes_back(judge):
    outcome = judge.run("x = 6 * 7\nprint(x)", "<cell>", timeout=30)
    assert outcome.stdout == "42\n" and outcome.error is None


def test_a_failed_check_comes_back_as_name_and_message(judge):
    outcome = judge.run("assert 1 == 2, 'one is not two'", "<test>", timeout=30)
    assert outcome.error == ("AssertionError", "one is not two")


def test_reset_starts_a_fresh_namespace(judge):
    judge.run("leftover = 1", "<cell>", timeout=30)
    judge.reset()
    assert judge.run("leftover", "<cell>", timeout=30).error[0] == "NameError"


def test_raw_writes_to_stdout_and_stderr_do_not_break_the_protocol(judge):
    code = "import os, sys\nos.write(1, b'{\"op\": \"done\"}\\n')\nos.write(2, b'noise\\n')\n"
    code += "print('fine', file=sys.stderr)"
    outcome = judge.run(code, "<cell>", timeout=30)
    assert outcome.error is None and outcome.stdout == "fine\n"


def exchange_code(values, returns=("y",)):
    targets = ", ".join(returns)
    return (
        f"({targets},) = __dlcourse__.exchange(3, __dlcourse__.pick({tuple(values)!r}, "
        f"locals(), globals(), {{}}), {tuple(returns)!r})\nprint(repr(({targets},)))"
    )


def test_an_exchange_sends_the_blocks_inputs_and_binds_its_answers(judge, tmp_path):
    seen = {}

    def handler(number: int, inputs: Path, returns: list[str]) -> Path:
        seen.update(number=number, payload=wire.decode(inputs.read_bytes()), returns=returns)
        answers = tmp_path / "answers.npz"
        answers.write_bytes(wire.encode({"answers": {"y": [1, 2]}}))
        return answers

    outcome = judge.run("x = 5\n" + exchange_code(["x"]), "<test>", 30, handler)
    assert outcome.error is None and outcome.stdout == "([1, 2],)\n"
    assert seen == {"number": 3, "payload": {"values": {"x": 5}, "functions": {}},
                    "returns": ["y"]}  # fmt: skip


def test_the_students_error_and_missing_answers_fail_the_test(judge, tmp_path):
    def raising(number, inputs, returns):
        answers = tmp_path / "raised.npz"
        answers.write_bytes(wire.encode({"error": ["ZeroDivisionError", "division by zero"]}))
        return answers

    assert judge.run(exchange_code([]), "<t>", 30, raising).error == (
        "ZeroDivisionError",
        "division by zero",
    )

    def failing(number, inputs, returns):
        raise ExchangeFailed("NotGraded", "the kernel died in cell 4")

    assert judge.run(exchange_code([]), "<t>", 30, failing).error == (
        "NotGraded",
        "the kernel died in cell 4",
    )

    def garbage(number, inputs, returns):
        answers = tmp_path / "garbage.npz"
        answers.write_bytes(b"PK\x03\x04 not really")
        return answers

    name, message = judge.run(exchange_code([]), "<t>", 30, garbage).error
    assert name == "AssertionError" and "could not be read" in message


def test_objects_cannot_be_sent_to_a_block(judge):
    outcome = judge.run("x = object()\n" + exchange_code(["x"]), "<test>", 30, lambda *a: None)
    assert outcome.error[0] == "RuntimeError" and "not data" in outcome.error[1]


def test_a_check_that_runs_too_long_is_stopped():
    judge = Judge({})
    judge.reset()
    started = time.monotonic()
    with pytest.raises(JudgeError, match="longer than"):
        judge.run("while True:\n    pass", "<test>", timeout=2)
    assert time.monotonic() - started < 10
    judge.close()
    assert not judge.alive()


def test_a_worker_reuses_its_judge_until_it_breaks():
    first = shared_judge({"DLCOURSE_TEST": "1"})
    assert shared_judge({"DLCOURSE_TEST": "1"}) is first
    discard_judge(first)
    second = shared_judge({"DLCOURSE_TEST": "1"})
    assert second is not first and second.alive()
    discard_judge(second)
