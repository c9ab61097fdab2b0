"""TensorFlow as the oracle for the autodiff engine of assignment 1.

An expression is written once, as a string such as `"ops.exp(a) * b"` or as a
function `f(a, b, ops)`, and runs on two back ends: on a student's engine, where
`ops.exp(t)` calls `t.exp()`, and on TensorFlow under `tf.GradientTape`, where it
calls `tf.exp(t)`. A test computes the engine's side inside `with answers:`
(`engine_results`) and compares outside it (`check_against_tape`).
"""

from collections.abc import Callable, Sequence
from types import SimpleNamespace

import numpy as np

from course.checks import assert_close

Expression = str | Callable


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


def label(expression: Expression) -> str:
    """How messages name an expression: its text, or its function's name."""
    return expression if isinstance(expression, str) else getattr(expression, "__name__", "f")


def evaluate(expression: Expression, values: dict, ops: SimpleNamespace):
    """`expression` with the names of `values` bound (in their order for a function)."""
    if isinstance(expression, str):
        return eval(expression, {"__builtins__": {}, "ops": ops}, dict(values))  # noqa: S307
    return expression(*values.values(), ops=ops)


def engine_results(
    tensor_class: type, expressions: Sequence[Expression], inputs: dict[str, np.ndarray]
) -> list[dict]:
    """Value and gradients of each expression on `tensor_class` nodes (one fresh node
    per input and expression; `backward()` seeds the output gradient with ones)."""
    results = []
    for expression in expressions:
        nodes = {
            name: tensor_class(np.array(value, dtype=np.float64)) for name, value in inputs.items()
        }
        output = evaluate(expression, nodes, METHOD_OPS)
        if not isinstance(output, tensor_class):
            raise AssertionError(
                f"{label(expression)} returned {type(output).__name__}, expected a "
                f"{tensor_class.__name__}: every operation must return a new node"
            )
        output.backward()
        results.append(
            {
                "value": np.asarray(output.data),
                "gradients": {name: np.asarray(node.grad) for name, node in nodes.items()},
            }
        )
    return results


def tape_value_and_gradients(
    expression: Expression, inputs: dict[str, np.ndarray]
) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """`expression` in float64 under `tf.GradientTape`: the output value and the
    gradient of its sum with respect to each input (zeros where it does not depend)."""
    import tensorflow as tf

    variables = {
        name: tf.Variable(np.asarray(value, dtype=np.float64)) for name, value in inputs.items()
    }
    with tf.GradientTape() as tape:
        output = evaluate(expression, variables, _tf_ops())
    gradients = tape.gradient(output, list(variables.values()))
    return output.numpy(), {
        name: np.zeros(variable.shape) if gradient is None else gradient.numpy()
        for (name, variable), gradient in zip(variables.items(), gradients, strict=True)
    }


def check_against_tape(
    results: Sequence[dict],
    expressions: Sequence[Expression],
    inputs: dict[str, np.ndarray],
    tol: str = "float32",
) -> None:
    """Compares `engine_results(...)` with TensorFlow, expression by expression."""
    if not isinstance(results, (list, tuple)) or len(results) != len(expressions):
        raise AssertionError(f"expected {len(expressions)} results, one per expression")
    for result, expression in zip(results, expressions, strict=True):
        name = label(expression)
        expected_value, expected_gradients = tape_value_and_gradients(expression, inputs)
        if not isinstance(result, dict) or not isinstance(result.get("gradients"), dict):
            raise AssertionError(f"{name}: expected the value and gradients of engine_results")
        assert_close(result.get("value"), expected_value, f"value of {name}", tol=tol)
        for variable, gradient in expected_gradients.items():
            assert_close(
                result["gradients"].get(variable),
                gradient,
                f"{variable}.grad in {name}",
                tol=tol,
                hint="Compare each local derivative with the chapter's table.",
            )
