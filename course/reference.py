"""TensorFlow as the oracle: reference values and gradients for test cells.

Test expressions are written once against a small `ops` namespace, so that the same
expression runs on a student's autodiff engine (methods such as `t.exp()`) and on
TensorFlow (`tf.exp(t)`) under `tf.GradientTape`.
"""

from collections.abc import Callable, Sequence
from types import SimpleNamespace

import numpy as np

from course.checks import assert_close


def _tf_ops() -> SimpleNamespace:
    import tensorflow as tf

    return SimpleNamespace(
        exp=tf.exp,
        log=tf.math.log,
        tanh=tf.tanh,
        relu=tf.nn.relu,
        sum=lambda t, axis=None, keepdims=False: tf.reduce_sum(t, axis=axis, keepdims=keepdims),
    )


# The engine API of assignment 1: every operation is a method of the node.
METHOD_OPS = SimpleNamespace(
    exp=lambda t: t.exp(),
    log=lambda t: t.log(),
    tanh=lambda t: t.tanh(),
    relu=lambda t: t.relu(),
    sum=lambda t, axis=None, keepdims=False: t.sum(axis=axis, keepdims=keepdims),
)


def tape_value_and_gradients(
    expression: Callable, *arrays: np.ndarray
) -> tuple[np.ndarray, list[np.ndarray]]:
    """Evaluates `expression(*variables, ops=tf_ops)` in float64 under `tf.GradientTape`.

    Returns the output value and the gradient of the sum of the output with respect
    to each input (zeros for an input the output does not depend on).
    """
    import tensorflow as tf

    variables = [tf.Variable(np.asarray(a, dtype=np.float64)) for a in arrays]
    with tf.GradientTape() as tape:
        output = expression(*variables, ops=_tf_ops())
    gradients = tape.gradient(output, variables)
    return output.numpy(), [
        np.zeros(v.shape) if g is None else g.numpy()
        for v, g in zip(variables, gradients, strict=True)
    ]


def check_engine_against_tape(
    tensor_class: type,
    expression: Callable,
    arrays: Sequence[np.ndarray],
    names: Sequence[str],
    tol: str = "float32",
) -> None:
    """Runs `expression` on `tensor_class` nodes and under `tf.GradientTape`; compares.

    The engine's `backward()` seeds the output gradient with ones, which matches the
    tape's gradient of the summed output.
    """
    expected_value, expected_gradients = tape_value_and_gradients(expression, *arrays)
    nodes = [tensor_class(np.array(a, dtype=np.float64)) for a in arrays]
    output = expression(*nodes, ops=METHOD_OPS)
    if not isinstance(output, tensor_class):
        raise AssertionError(
            f"the expression returned {type(output).__name__}, expected a {tensor_class.__name__}:"
            " every operation must return a new node"
        )
    assert_close(output.data, expected_value, "output value", tol=tol)
    output.backward()
    for name, node, gradient in zip(names, nodes, expected_gradients, strict=True):
        assert_close(
            node.grad,
            gradient,
            f"{name}.grad",
            tol=tol,
            hint="Compare each local derivative with the chapter's table.",
        )
