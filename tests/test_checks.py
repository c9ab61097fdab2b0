"""course.checks: named tolerances and messages a student can act on."""

import numpy as np
import pytest

from course.checks import (
    TOLERANCES,
    Tolerance,
    assert_close,
    assert_gradient_close,
    assert_shape,
    numeric_gradient,
    relative_error,
    tolerance,
)


def test_shape_message_names_the_value_and_both_shapes():
    with pytest.raises(
        AssertionError, match=r"dW has the wrong shape: expected \(3, 4\), got \(4, 3\)"
    ):
        assert_shape(np.zeros((4, 3)), (3, 4), "dW")


def test_assert_close_checks_shape_before_values():
    with pytest.raises(AssertionError, match="wrong shape"):
        assert_close(np.zeros(3), np.zeros((3, 1)), "db")


def test_assert_close_reports_where_and_how_far_without_the_expected_value():
    expected = np.array([[1.0, 2.0], [3.0, 4.0]])
    actual = expected.copy()
    actual[1, 0] = 3.5
    with pytest.raises(AssertionError) as failure:
        assert_close(actual, expected, "dx", hint="Check the local derivative.")
    message = str(failure.value)
    assert "dx does not match" in message
    assert "1 of 4 entries differ" in message and "index (1, 0)" in message
    assert "Check the local derivative." in message
    assert "3.0" not in message  # the answer itself is never shown


def test_assert_close_rejects_nan():
    with pytest.raises(AssertionError, match="NaN or infinity"):
        assert_close(np.array([np.nan]), np.array([1.0]), "loss")


def test_float32_answer_passes_the_float32_tolerance_and_fails_float64():
    expected = np.random.default_rng(0).normal(size=(50,))
    as_float32 = expected.astype(np.float32)
    assert_close(as_float32, expected, tol="float32")
    with pytest.raises(AssertionError):
        assert_close(as_float32, expected, tol="float64")


def test_a_conceptual_error_fails_every_profile():
    expected = np.tanh(np.linspace(-2, 2, 9))
    wrong = 1 - np.linspace(-2, 2, 9) ** 2
    for device in TOLERANCES:
        for name in TOLERANCES[device]:
            with pytest.raises(AssertionError):
                assert_close(wrong, expected, tol=tolerance(name, device))


def test_gpu_profile_is_wider_only_for_float32_work(monkeypatch):
    assert tolerance("float64", "gpu") == tolerance("float64", "cpu")
    assert tolerance("float32", "gpu").rtol > tolerance("float32", "cpu").rtol
    monkeypatch.setenv("DLCOURSE_DEVICE", "gpu")
    assert tolerance("float32") == TOLERANCES["gpu"]["float32"]
    monkeypatch.setenv("DLCOURSE_DEVICE", "tpu")
    with pytest.raises(ValueError, match="Expected DLCOURSE_DEVICE"):
        tolerance("float32")


def test_unknown_tolerance_name_lists_the_known_ones():
    with pytest.raises(ValueError, match="float32"):
        tolerance("loose")


def test_tolerance_is_printed_in_messages():
    assert str(Tolerance(rtol=1e-4, atol=1e-6)) == "rtol=0.0001, atol=1e-06"


def test_numeric_gradient_of_a_known_function():
    x = np.array([0.3, -1.2, 2.0])
    gradient = numeric_gradient(lambda v: float(np.sum(v**3)), x)
    assert relative_error(gradient, 3 * x**2) < 1e-8
    assert np.array_equal(x, [0.3, -1.2, 2.0])  # restored


def test_numeric_gradient_requires_float64():
    with pytest.raises(ValueError, match="float64"):
        numeric_gradient(lambda v: float(v.sum()), np.zeros(2, dtype=np.float32))


def test_gradient_check_passes_right_and_fails_wrong_derivative():
    x = np.linspace(-2.0, 2.0, 7)
    numeric = numeric_gradient(lambda v: float(np.sum(np.tanh(v))), x.copy())
    assert_gradient_close(1 - np.tanh(x) ** 2, numeric, "dtanh")
    with pytest.raises(AssertionError, match="dtanh fails the gradient check"):
        assert_gradient_close(1 - x**2, numeric, "dtanh")
