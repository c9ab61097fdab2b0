"""Gradescope's results.json: scores, visibility of hidden tests, and what students read."""

import json

import pytest

from autograder.gradescope import TestResult, results_json, write_results

HIDDEN_SOURCE = "assert_close(relu_backward(x), expected_grad, 'dx')"


def passed(name, points, has_hidden=False):
    return TestResult(name, points, points, "", has_hidden)


def failed(name, points, message, has_hidden=False, score=0.0):
    return TestResult(name, score, points, message, has_hidden)


def entry(results, name):
    (found,) = [test for test in results["tests"] if test["name"] == name]
    return found


def test_a_test_without_hidden_part_is_visible_at_once():
    results = results_json([passed("test_relu_forward", 2)])
    assert entry(results, "test_relu_forward")["visibility"] == "visible"


def test_a_test_with_hidden_part_is_shown_after_grades_are_published():
    results = results_json([passed("test_relu_backward", 3, has_hidden=True)])
    assert entry(results, "test_relu_backward")["visibility"] == "after_published"
    assert "publishes grades" in results["output"]


def test_stdout_of_the_grader_is_never_shown_to_students():
    results = results_json([passed("test_relu_forward", 2)])
    assert results["stdout_visibility"] == "hidden"
    assert results["visibility"] == "visible"


def test_status_score_and_max_score_per_test():
    results = results_json(
        [passed("test_a", 2), failed("test_b", 3, "AssertionError: dW is wrong at [0, 1]")]
    )
    assert entry(results, "test_a") == {
        "name": "test_a",
        "score": 2.0,
        "max_score": 2.0,
        "status": "passed",
        "output": "Passed.",
        "output_format": "text",
        "visibility": "visible",
    }
    assert entry(results, "test_b")["status"] == "failed"
    assert entry(results, "test_b")["score"] == 0.0
    assert entry(results, "test_b")["output"] == "AssertionError: dW is wrong at [0, 1]"


def test_partial_credit_is_a_failed_test_with_its_points():
    results = results_json([TestResult("test_partial", 1.5, 3, "", has_hidden=False)])
    assert entry(results, "test_partial")["status"] == "failed"
    assert entry(results, "test_partial")["score"] == 1.5
    assert entry(results, "test_partial")["output"]


def test_total_is_the_sum_of_test_scores():
    tests = [passed("test_a", 2), failed("test_b", 3, "ValueError: shape"), passed("test_c", 0.5)]
    results = results_json(tests)
    assert results["score"] == 2.5
    assert results["score"] == sum(test["score"] for test in results["tests"])


def test_scores_are_rounded_and_the_total_is_summed_before_rounding():
    results = results_json([TestResult(f"test_{i}", 1 / 3, 1, "", False) for i in range(3)])
    assert [test["score"] for test in results["tests"]] == [0.3333] * 3
    assert results["score"] == 1.0


def test_messages_are_one_line_and_carry_no_test_source():
    traceback = (
        "AssertionError: dx is wrong at [2, 0]\n"
        "Traceback (most recent call last):\n"
        f"    {HIDDEN_SOURCE}\n"
    )
    results = results_json([failed("test_relu_backward", 3, traceback, has_hidden=True)])
    text = json.dumps(results)
    assert HIDDEN_SOURCE not in text
    assert "Traceback" not in text
    assert entry(results, "test_relu_backward")["output"].startswith(
        "AssertionError: dx is wrong at [2, 0]"
    )


def test_a_very_long_message_is_shortened():
    results = results_json([failed("test_a", 1, "AssertionError: " + "x" * 5000)])
    assert len(entry(results, "test_a")["output"]) < 400


def test_submission_level_reason_is_in_the_output():
    reason = "killed: exceeded 4 GiB memory in cell 7"
    results = results_json([failed("test_a", 2, "killed")], reason=reason)
    assert reason in results["output"]


def test_manually_graded_points_pending_are_noted():
    results = results_json([passed("test_a", 2)], manual_pending=2)
    assert "2 more points are graded by hand" in results["output"]
    assert results["score"] == 2.0
    assert "1 more point is graded by hand" in results_json([], manual_pending=1)["output"]


def test_nothing_pending_means_no_manual_line():
    assert results_json([passed("test_a", 2)])["output"] == ""


def test_feedback_url_is_in_the_output():
    url = "https://course.example.org/feedback/alice/a01_autodiff.html"
    assert url in results_json([passed("test_a", 1)], feedback_url=url)["output"]


def test_an_unreadable_submission_gets_zero_and_its_reason():
    results = results_json([], reason="a01_autodiff.ipynb is an empty file")
    assert results["score"] == 0.0
    assert results["tests"] == []
    assert "empty file" in results["output"]


def test_written_file_is_utf8_json_in_a_new_folder(tmp_path):
    target = tmp_path / "gradescope" / "alice" / "results.json"
    tests = [failed("test_λ", 1, "AssertionError: λ must be > 0 (received −1)")]
    assert write_results(target, tests, manual_pending=1) == target
    loaded = json.loads(target.read_text(encoding="utf-8"))
    assert loaded == results_json(tests, manual_pending=1)
    assert "λ" in target.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("tests", "kwargs", "complaint"),
    [
        ([TestResult("test_a", 3, 2, "", False)], {}, "at most its max_score"),
        ([TestResult("test_a", -1, 2, "", False)], {}, "score of 'test_a'"),
        ([TestResult("test_a", 0, -2, "", False)], {}, "max_score of 'test_a'"),
        ([TestResult("test_a", float("nan"), 2, "", False)], {}, "finite"),
        ([passed("test_a", 1), passed("test_a", 2)], {}, "unique test names"),
        ([passed("", 1)], {}, "non-empty test name"),
        ([passed("test_a", 1)], {"manual_pending": -1}, "manual_pending"),
    ],
)
def test_inconsistent_input_is_rejected_with_a_clear_error(tests, kwargs, complaint):
    with pytest.raises(ValueError, match=complaint):
        results_json(tests, **kwargs)
