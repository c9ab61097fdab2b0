"""Gradescope's `results.json` for one graded submission.

The layout follows Gradescope's autograder specification: a top-level `score`,
`output`, `visibility` and `stdout_visibility`, and one entry per autograded test
with `name`, `score`, `max_score`, `status`, `output` and `visibility`.

Visibility policy:
    - A test with a hidden part (`### BEGIN HIDDEN TESTS` in its source) is
      "after_published": students see its score and one-line message once the
      instructor publishes grades. Gradescope also hides the student's total until
      then, so hidden points never leak early.
    - A test without a hidden part is "visible": students already ran it with
      `dlcourse check`.
    - No test's source appears anywhere; messages are cut to their first line.
    - `stdout_visibility` is "hidden": the grader's log is for the instructor only.
    - The top-level `output` carries the submission-level reason (e.g. "killed:
      exceeded 4 GiB memory in cell 7") and the manually graded points still pending.
"""

import json
import math
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

VISIBLE = "visible"
AFTER_PUBLISHED = "after_published"
HIDDEN = "hidden"
SCORE_DIGITS = 4  # keeps nbgrader's partial credit (1/3 point) without float noise
MESSAGE_LIMIT = 300


@dataclass(frozen=True)
class TestResult:
    """The outcome of one autograded test cell.

    Attributes:
        name: nbgrader grade_id, e.g. "test_relu_backward".
        score: points earned.
        max_score: points available.
        message: student-oriented one-line failure message ("" when passed).
        has_hidden: the test cell has a hidden part.
    """

    __test__ = False  # a data class, not a pytest test class

    name: str
    score: float
    max_score: float
    message: str
    has_hidden: bool


def results_json(
    tests: Iterable[TestResult],
    *,
    reason: str = "",
    manual_pending: float = 0.0,
    feedback_url: str | None = None,
) -> dict:
    """Gradescope's results for one submission.

    The total is the sum of the test scores, rounded after summing (three thirds of a
    point make 1, not 0.9999).

    Args:
        tests: the autograded tests, in notebook order.
        reason: why the submission lost points as a whole ("" if nothing to say).
        manual_pending: points graded by hand, not included in the score yet.
        feedback_url: where the student's feedback page is published, if anywhere.

    Raises:
        ValueError: on a duplicate name, a negative or non-finite number, or a score
            above its maximum.
    """
    tests = list(tests)
    _validate(tests, manual_pending)
    return {
        "score": _rounded(sum(test.score for test in tests)),
        "output": _submission_output(tests, reason, manual_pending, feedback_url),
        "output_format": "text",
        "visibility": VISIBLE,
        "stdout_visibility": HIDDEN,
        "tests": [_test_entry(test) for test in tests],
    }


def write_results(path: Path, tests: Iterable[TestResult], **kwargs) -> Path:
    """Writes `results_json(tests, **kwargs)` as UTF-8 JSON at `path`; returns the path."""
    path = Path(path)
    results = results_json(tests, **kwargs)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


def _validate(tests: list[TestResult], manual_pending: float) -> None:
    seen: set[str] = set()
    for test in tests:
        if not isinstance(test.name, str) or not test.name.strip():
            raise ValueError(f"Expected a non-empty test name, received: {test.name!r}")
        if test.name in seen:
            raise ValueError(f"Expected unique test names, received '{test.name}' twice")
        seen.add(test.name)
        for field, value in (("score", test.score), ("max_score", test.max_score)):
            if not math.isfinite(value) or value < 0:
                raise ValueError(
                    f"Expected {field} of '{test.name}' to be a finite number >= 0, "
                    f"received: {value!r}"
                )
        if _rounded(test.score) > _rounded(test.max_score):
            raise ValueError(
                f"Expected score of '{test.name}' to be at most its max_score "
                f"{test.max_score:g}, received: {test.score:g}"
            )
    if not math.isfinite(manual_pending) or manual_pending < 0:
        raise ValueError(
            f"Expected manual_pending to be a finite number >= 0, received: {manual_pending!r}"
        )


def _test_entry(test: TestResult) -> dict:
    passed = _rounded(test.score) >= _rounded(test.max_score) and not test.message
    return {
        "name": test.name,
        "score": _rounded(test.score),
        "max_score": _rounded(test.max_score),
        "status": "passed" if passed else "failed",
        "output": _test_output(test, passed),
        # Plain text: a student's exception message must never be rendered as HTML.
        "output_format": "text",
        "visibility": AFTER_PUBLISHED if test.has_hidden else VISIBLE,
    }


def _test_output(test: TestResult, passed: bool) -> str:
    if passed:
        text = "Passed."
    else:
        text = _one_line(test.message) or "Partial credit: some checks in this test failed."
    if test.has_hidden:
        text += " (This test includes hidden checks; their code is not shown.)"
    return text


def _submission_output(
    tests: list[TestResult], reason: str, manual_pending: float, feedback_url: str | None
) -> str:
    lines = []
    if reason.strip():
        lines.append(reason.strip())
    hidden = sum(test.has_hidden for test in tests)
    if hidden:
        lines.append(
            f"{hidden} of {len(tests)} tests include hidden checks: their results and your "
            "total appear when your instructor publishes grades."
        )
    if manual_pending > 0:
        points = "point is" if manual_pending == 1 else "points are"
        lines.append(f"{manual_pending:g} more {points} graded by hand and not included yet.")
    if feedback_url:
        lines.append(f"Feedback: {feedback_url}")
    return "\n".join(lines)


def _one_line(message: str) -> str:
    """The first non-empty line, shortened: never a traceback or a test's source."""
    first = next((line.strip() for line in message.splitlines() if line.strip()), "")
    return first if len(first) <= MESSAGE_LIMIT else first[: MESSAGE_LIMIT - 3] + "..."


def _rounded(value: float) -> float:
    return round(float(value), SCORE_DIGITS) + 0.0  # + 0.0 turns -0.0 into 0.0
