"""Checking one training step of a student's model.

The student's side (inside `with answers:`) runs one `train_step` and sends back the
weights before and after it (`weight_values`) and the logs (`logs_as_data`). The
checks' side rebuilds the same networks from the weights before the step
(`with_weights`), takes the gradients of the correct loss with respect to the networks'
outputs (`value_and_gradients`), carries them to the weights by the chain rule
(`sgd_step_through`) and compares (`assert_weights_close`).
"""

from collections.abc import Callable, Sequence

import numpy as np

from course.checks import assert_close, to_numpy


def weight_values(model) -> list[np.ndarray]:
    """The trainable weights of `model` as NumPy arrays, in order."""
    return [to_numpy(weight).copy() for weight in model.trainable_weights]


def logs_as_data(logs) -> dict | None:
    """A train_step's logs as {name: array}, or None if they are not a dict."""
    if not isinstance(logs, dict):
        return None
    return {str(name): to_numpy(value) for name, value in logs.items()}


def with_weights(model, values: Sequence):
    """`model` with its trainable weights set to `values`."""
    for weight, value in zip(model.trainable_weights, values, strict=True):
        weight.assign(value)
    return model


def value_and_gradients(function: Callable, *inputs):
    """`function(*inputs)` and its gradients with respect to each input (None where it
    does not depend on it), by tf.GradientTape."""
    import tensorflow as tf

    tensors = [tf.constant(value) for value in inputs]
    with tf.GradientTape() as tape:
        for tensor in tensors:
            tape.watch(tensor)
        value = function(*tensors)
    gradients = tape.gradient(value, tensors) if tf.is_tensor(value) else [None] * len(tensors)
    return to_numpy(value), [None if g is None else to_numpy(g) for g in gradients]


def sgd_step_through(
    weights: Sequence, outputs: Callable, output_gradients: Sequence, learning_rate: float
) -> list[np.ndarray]:
    """The `weights` after one SGD step on a loss of `outputs()`, given the gradients of
    the loss with respect to each output (None: the loss does not depend on it): the
    chain rule by tf.GradientTape."""
    import tensorflow as tf

    with tf.GradientTape() as tape:
        terms = [
            tf.reduce_sum(output * tf.cast(gradient, output.dtype))
            for output, gradient in zip(outputs(), output_gradients, strict=True)
            if gradient is not None
        ]
        surrogate = tf.add_n(terms) if terms else tf.constant(0.0)
    gradients = tape.gradient(surrogate, weights)
    return [
        to_numpy(weight) - learning_rate * (0.0 if gradient is None else to_numpy(gradient))
        for weight, gradient in zip(weights, gradients, strict=True)
    ]


def assert_weights_close(actual: Sequence, expected: Sequence, what: str, hint: str = "") -> None:
    """Compares two lists of weight arrays, weight by weight."""
    assert len(actual) == len(expected), (
        f"{what}: expected {len(expected)} weights, got {len(actual)}"
    )
    for index, (value, reference) in enumerate(zip(actual, expected, strict=True)):
        assert_close(
            value, reference, f"{what}, weight {index} (shape {np.shape(reference)})", hint=hint
        )
