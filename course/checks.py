"""Check helpers for test cells: named tolerances and messages a student can act on.

Every comparison first checks the shape, then finiteness, then the values, and
says which of the three went wrong, where, and by how much. Messages never show
the expected values themselves, only how far the answer is from them.
"""

import os
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Tolerance:
    """Elementwise closeness: |actual - expected| <= atol + rtol * |expected|."""

    rtol: float
    atol: float

    def __str__(self) -> str:
        return f"rtol={self.rtol:g}, atol={self.atol:g}"


# Named profiles. "float32" is what a correct float32 *or* float64 answer meets when
# compared with a float64 reference; "float64" is for answers that must be exact to
# double precision. GPUs get wider float32 bounds because TF32 matmuls and cuDNN
# kernels round differently; nothing else is widened.
TOLERANCES: dict[str, dict[str, Tolerance]] = {
    "cpu": {
        "float64": Tolerance(rtol=1e-9, atol=1e-12),
        "float32": Tolerance(rtol=1e-4, atol=1e-6),
        "training": Tolerance(rtol=1e-3, atol=1e-5),
    },
    "gpu": {
        "float64": Tolerance(rtol=1e-9, atol=1e-12),
        "float32": Tolerance(rtol=1e-3, atol=1e-5),
        "training": Tolerance(rtol=1e-2, atol=1e-4),
    },
}

# Relative error below which an analytic gradient agrees with a central-difference
# estimate in float64 (the usual threshold for smooth functions).
GRADIENT_CHECK_THRESHOLD = 1e-7


def device_profile() -> str:
    """The active tolerance profile: `DLCOURSE_DEVICE` ("cpu" or "gpu"), default "cpu"."""
    profile = os.environ.get("DLCOURSE_DEVICE", "cpu").lower()
    if profile not in TOLERANCES:
        raise ValueError(
            f"Expected DLCOURSE_DEVICE to be one of {sorted(TOLERANCES)}, received: {profile!r}"
        )
    return profile


def tolerance(name: str = "float32", device: str | None = None) -> Tolerance:
    """Looks up a named tolerance in the profile of `device` (default: active profile)."""
    profile = TOLERANCES[device or device_profile()]
    if name not in profile:
        raise ValueError(f"Expected a tolerance name in {sorted(profile)}, received: {name!r}")
    return profile[name]


def to_numpy(value) -> np.ndarray:
    """Converts tensors, variables, engine nodes (`.data`) and lists to a NumPy array."""
    if hasattr(value, "numpy") and callable(value.numpy):
        value = value.numpy()
    elif hasattr(value, "data") and not isinstance(value, np.ndarray):
        value = value.data
    return np.asarray(value)


def assert_shape(actual, expected_shape: tuple, name: str = "result") -> None:
    """Fails with "NAME has the wrong shape: expected (3, 4), got (4, 3)"."""
    shape = tuple(to_numpy(actual).shape)
    if shape != tuple(expected_shape):
        raise AssertionError(
            f"{name} has the wrong shape: expected {tuple(expected_shape)}, got {shape}"
        )


def assert_close(
    actual,
    expected,
    name: str = "result",
    tol: str | Tolerance = "float32",
    hint: str = "",
) -> None:
    """Asserts shape, finiteness and elementwise closeness, with a helpful message.

    Args:
        actual: the student's value (array-like, tensor or engine node).
        expected: the reference value.
        name: what the value is called in the notebook, used in messages.
        tol: a tolerance name from `TOLERANCES` or a `Tolerance`.
        hint: where to look if the values differ.
    """
    bound = tol if isinstance(tol, Tolerance) else tolerance(tol)
    actual_array = to_numpy(actual)
    expected_array = to_numpy(expected)
    if actual_array.dtype == object:
        raise AssertionError(f"{name} should be numeric, got an object array: {actual!r:.80}")
    assert_shape(actual_array, expected_array.shape, name)
    actual_array = actual_array.astype(np.float64)
    expected_array = expected_array.astype(np.float64)
    if not np.all(np.isfinite(actual_array)):
        raise AssertionError(f"{name} contains NaN or infinity (look for overflow or log(0))")
    error = np.abs(actual_array - expected_array)
    allowed = bound.atol + bound.rtol * np.abs(expected_array)
    if np.all(error <= allowed):
        return
    worst = np.unravel_index(np.argmax(error - allowed), error.shape) if error.ndim else ()
    where = f" at index {tuple(int(i) for i in worst)}" if error.ndim else ""
    message = (
        f"{name} does not match the reference: {int(np.sum(error > allowed))} of "
        f"{error.size} entries differ, largest error {float(error[worst]):.3g}{where} "
        f"({bound})."
    )
    raise AssertionError(f"{message} {hint}".strip())


def relative_error(x, y) -> float:
    """max |x - y| / max(1e-8, |x| + |y|), the usual gradient-check measure."""
    x, y = to_numpy(x).astype(np.float64), to_numpy(y).astype(np.float64)
    return float(np.max(np.abs(x - y) / np.maximum(1e-8, np.abs(x) + np.abs(y))))


def numeric_gradient(
    f: Callable[[np.ndarray], float], x: np.ndarray, h: float = 1e-6
) -> np.ndarray:
    """Central-difference gradient of a scalar function `f` at `x` (float64).

    `x` is perturbed in place one entry at a time and restored afterwards.
    """
    if x.dtype != np.float64:
        raise ValueError(f"Expected x to be float64 for a gradient check, received: {x.dtype}")
    gradient = np.zeros_like(x)
    for index in np.ndindex(x.shape):
        original = x[index]
        x[index] = original + h
        plus = float(f(x))
        x[index] = original - h
        minus = float(f(x))
        x[index] = original
        gradient[index] = (plus - minus) / (2 * h)
    return gradient


def assert_gradient_close(
    analytic,
    numeric,
    name: str = "gradient",
    threshold: float = GRADIENT_CHECK_THRESHOLD,
) -> None:
    """Asserts an analytic gradient against a numeric one by relative error."""
    assert_shape(analytic, to_numpy(numeric).shape, name)
    error = relative_error(analytic, numeric)
    if not error <= threshold:
        raise AssertionError(
            f"{name} fails the gradient check: relative error {error:.2e} > {threshold:.0e}. "
            "Check the local derivative and that the upstream gradient is multiplied in."
        )


# `with answers:` in test cells (see `course.answers`).
from course.answers import answers  # noqa: E402, F401
