"""course.steps: the checks' side of a training-step test agrees with Keras's own step."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from course.steps import (
    assert_weights_close,
    logs_as_data,
    sgd_step_through,
    value_and_gradients,
    weight_values,
    with_weights,
)


def small_model(seed):
    return keras.Sequential(
        [
            keras.Input((3,)),
            keras.layers.Dense(
                4, "tanh", kernel_initializer=keras.initializers.GlorotUniform(seed)
            ),
            keras.layers.Dense(2, kernel_initializer=keras.initializers.GlorotUniform(seed + 1)),
        ]
    )


def squared_error(outputs, targets):
    return tf.reduce_mean(tf.reduce_sum(tf.square(outputs - targets), axis=1))


def test_value_and_gradients_gives_none_where_the_function_ignores_an_input():
    value, (gradient_a, gradient_b) = value_and_gradients(
        lambda a, b: tf.reduce_sum(a**2), [1.0, 2.0], [3.0]
    )
    assert value == pytest.approx(5.0)
    np.testing.assert_allclose(gradient_a, [2.0, 4.0])
    assert gradient_b is None


def test_sgd_step_through_matches_one_keras_sgd_step():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(5, 3)).astype("float32")
    targets = rng.normal(size=(5, 2)).astype("float32")
    trained = small_model(seed=1)
    before = weight_values(trained)
    optimizer = keras.optimizers.SGD(learning_rate=0.1)
    with tf.GradientTape() as tape:
        loss = squared_error(trained(x), targets)
    optimizer.apply_gradients(
        zip(tape.gradient(loss, trained.trainable_weights), trained.trainable_weights, strict=True)
    )

    reference = with_weights(small_model(seed=7), before)
    _, (output_gradient, _) = value_and_gradients(squared_error, np.asarray(reference(x)), targets)
    expected = sgd_step_through(
        reference.trainable_weights, lambda: [reference(x)], [output_gradient], 0.1
    )

    assert_weights_close(weight_values(trained), expected, "weights after one SGD step")
    with pytest.raises(AssertionError, match="weights after no step, weight 0"):
        assert_weights_close(before, expected, "weights after no step")


def test_logs_as_data_converts_tensors_and_refuses_other_types():
    assert logs_as_data({"loss": tf.constant(1.5)}) == {"loss": pytest.approx(1.5)}
    assert logs_as_data([1.5]) is None
