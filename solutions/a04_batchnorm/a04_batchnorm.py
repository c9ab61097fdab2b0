# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Assignment 4: normalization
#
# Batch normalization is the layer that behaves differently when you train and when you
# predict, and most of its bugs live in that difference. In this assignment you write it
# twice, once in NumPy with its backward pass and once as a Keras layer that must agree
# with `keras.layers.BatchNormalization` number for number. Then you break a trained
# model on purpose, fold batch norm away for inference, and write layer normalization.
# Read chapter 04 first.
#
# 1. Batch norm in NumPy: forward in both modes, moving averages, backward (part 1).
# 2. A `BatchNorm` Keras layer (part 2).
# 3. Training mode against inference mode on a real model (part 3).
# 4. Folding batch norm into the preceding `Dense` or `Conv2D` layer (part 4).
# 5. Layer normalization (part 5).
# 6. Concept checks (part 6).
#
# **How this is graded.** Write your code between the lines `# YOUR CODE HERE` and the
# end of the region, replacing `raise NotImplementedError()`. Each test cell is worth the
# points in its header; the tests you see are a first check, and hidden tests check more
# cases (other shapes, other momentums and epsilons, features with tiny variances,
# several training steps) when your notebook is graded. Most tests load the same weights
# into your code and into Keras's own layers and compare the results. Before you submit,
# run `dlcourse check a04_batchnorm.ipynb`, which restarts the kernel and runs everything
# top to bottom, as the grader will.
#
# **Reading a test.** The lines under `with answers:` call your code; the other lines
# prepare inputs and check what those lines produced. When your notebook is graded, the
# checks run in a separate process that receives only the values your code returned,
# as data: NumPy arrays, numbers, strings, and lists, tuples or dicts of them.


# %% nbgrader={"grade": false, "grade_id": "setup", "locked": true, "schema_version": 3, "solution": false}
import keras
import matplotlib.pyplot as plt
import numpy as np
from keras import ops

import course
from course.checks import answers, assert_close, assert_gradient_close, assert_shape, to_numpy
from course.data import load_digits

course.setup(seed=0)


# %% [markdown]
# The tests compare your code with Keras's `BatchNormalization` after loading the same
# four weights into both. These helpers do the loading; you may use them to debug.
# `mixed_scale_batch` makes inputs whose features have very different spreads, from a
# standard deviation of 0.01 (a variance far below the default epsilon of 0.001) to 3.


# %% nbgrader={"grade": false, "grade_id": "test_tools", "locked": true, "schema_version": 3, "solution": false}
BATCHNORM_WEIGHTS = ("gamma", "beta", "moving_mean", "moving_variance")


def random_batchnorm_weights(features, rng):
    """Random gamma, beta, moving_mean and moving_variance (tiny to large variances)."""
    return {
        "gamma": rng.uniform(0.5, 2.0, features),
        "beta": rng.normal(0.0, 1.0, features),
        "moving_mean": rng.normal(0.0, 0.5, features),
        "moving_variance": np.geomspace(1e-4, 4.0, features)[rng.permutation(features)],
    }


def load_batchnorm_weights(layer, weights):
    """Assigns a dict of weights to the attributes of the same names of a built layer."""
    for name, value in weights.items():
        variable = getattr(layer, name, None)
        if variable is None or not hasattr(variable, "assign"):
            raise AssertionError(
                f"{type(layer).__name__} has no weight attribute '{name}': create it in build() "
                "with add_weight and store it as self." + name
            )
        variable.assign(np.asarray(value, dtype=variable.dtype))


def keras_batchnorm(input_shape, weights=None, momentum=0.99, epsilon=1e-3, dtype="float32"):
    """A keras.layers.BatchNormalization over the last axis, built for `input_shape`."""
    layer = keras.layers.BatchNormalization(momentum=momentum, epsilon=epsilon, dtype=dtype)
    layer.build(tuple(input_shape))
    if weights is not None:
        load_batchnorm_weights(layer, weights)
    return layer


def mixed_scale_batch(rng, shape, dtype="float64"):
    """Inputs whose last-axis features have standard deviations from 0.01 to 3."""
    scales = np.geomspace(0.01, 3.0, shape[-1])[rng.permutation(shape[-1])]
    offsets = rng.normal(0.0, 0.5, shape[-1]) * scales
    return (rng.normal(size=shape) * scales + offsets).astype(dtype)


# %% [markdown]
# ## Part 1: batch normalization in NumPy
#
# For a batch `x` of shape `(n, features)`, batch normalization treats each feature
# (column) on its own. In **training mode** it uses the statistics of the batch:
#
# - the mean μ = mean of the column and the variance σ² = mean of (x − μ)², dividing by
#   `n` (the *biased* variance, as Keras does);
# - x̂ = (x − μ) / √(σ² + ε), with ε **inside** the square root;
# - out = γ · x̂ + β, with the learned scale `gamma` and shift `beta`, each of shape
#   `(features,)`.
#
# and it updates the moving averages with Keras's momentum convention (momentum close to
# 1 means "keep most of the old value"):
#
# - moving_mean ← moving_mean · momentum + μ · (1 − momentum)
# - moving_variance ← moving_variance · momentum + σ² · (1 − momentum)
#
# In **inference mode** it normalizes with `moving_mean` and `moving_variance` in place
# of μ and σ², and leaves them unchanged.
#
# Write `batchnorm_forward(x, gamma, beta, state, training, momentum, epsilon)`. `state`
# is a dict with the arrays `"moving_mean"` and `"moving_variance"`; in training mode,
# store the updated averages in it under the same keys. Return `(out, cache)`, where
# `cache` holds whatever your backward pass needs.
#
# Then write `batchnorm_backward(upstream, cache)` for training mode: given `upstream` =
# ∂L/∂out, return `(dx, dgamma, dbeta)`, each with the shape of `x`, `gamma`, `beta`.
# Remember that μ and σ² depend on every row of `x`: the gradient flows through them too.
# The chapter derives a compact formula; any correct formula is accepted.
#
# Keep the dtype of the input (the gradient check runs in float64), use vectorized NumPy
# and do not modify `x`, `gamma`, `beta` or the arrays inside `state` in place.


# %% nbgrader={"grade": false, "grade_id": "batchnorm_numpy", "locked": false, "schema_version": 3, "solution": true}
def batchnorm_forward(x, gamma, beta, state, training, momentum=0.99, epsilon=1e-3):
    """Batch normalization of `x` (n, features); returns (out, cache).

    Training mode normalizes with the batch statistics and updates `state`; inference
    mode normalizes with `state["moving_mean"]` and `state["moving_variance"]`.
    """
    ### BEGIN SOLUTION
    if training:
        mean = x.mean(axis=0)
        variance = x.var(axis=0)
        state["moving_mean"] = state["moving_mean"] * momentum + mean * (1 - momentum)
        state["moving_variance"] = state["moving_variance"] * momentum + variance * (1 - momentum)
    else:
        mean = state["moving_mean"]
        variance = state["moving_variance"]
    inverse_std = 1.0 / np.sqrt(variance + epsilon)
    x_hat = (x - mean) * inverse_std
    out = gamma * x_hat + beta
    cache = (x_hat, gamma, inverse_std)
    return out, cache
    ### END SOLUTION


def batchnorm_backward(upstream, cache):
    """Gradients (dx, dgamma, dbeta) of a training-mode batchnorm_forward."""
    ### BEGIN SOLUTION
    x_hat, gamma, inverse_std = cache
    n = upstream.shape[0]
    dbeta = upstream.sum(axis=0)
    dgamma = (upstream * x_hat).sum(axis=0)
    dx_hat = upstream * gamma
    dx = (inverse_std / n) * (
        n * dx_hat - dx_hat.sum(axis=0) - x_hat * np.sum(dx_hat * x_hat, axis=0)
    )
    return dx, dgamma, dbeta
    ### END SOLUTION


# %% [markdown]
# The tests run the same batch through your function and through a float64
# `keras.layers.BatchNormalization` holding the same weights. Tiny-variance features are
# where ε matters; batches of four rows are where n and n − 1 differ.


# %% nbgrader={"grade": true, "grade_id": "test_batchnorm_forward_training", "locked": true, "points": 2, "schema_version": 3, "solution": false}
rng = np.random.default_rng(1)
weights = random_batchnorm_weights(3, rng)
x = rng.normal(size=(8, 3))
state = {
    "moving_mean": weights["moving_mean"].copy(),
    "moving_variance": weights["moving_variance"].copy(),
}
with answers:
    out, _ = batchnorm_forward(x, weights["gamma"], weights["beta"], state, training=True)
assert_shape(out, x.shape, "batchnorm_forward output")
reference = keras_batchnorm(x.shape, weights, dtype="float64")(x, training=True)
assert_close(
    out, reference, "training-mode output", hint="Normalize with the batch mean and variance."
)
### BEGIN HIDDEN TESTS
for n, features, epsilon in [(4, 6, 1e-3), (16, 5, 1e-3), (3, 4, 1e-2), (32, 7, 1e-5)]:
    weights = random_batchnorm_weights(features, rng)
    for dtype in ("float64", "float32"):
        x = mixed_scale_batch(rng, (n, features), dtype)
        state = {
            "moving_mean": weights["moving_mean"].copy(),
            "moving_variance": weights["moving_variance"].copy(),
        }
        with answers:
            out, _ = batchnorm_forward(
                x,
                weights["gamma"],
                weights["beta"],
                state,
                training=True,
                momentum=0.9,
                epsilon=epsilon,
            )
        reference = keras_batchnorm(x.shape, weights, 0.9, epsilon, dtype="float64")(
            x.astype("float64"), training=True
        )
        assert_close(
            out,
            reference,
            f"training-mode output (n={n}, epsilon={epsilon}, {dtype})",
            hint="Use the biased variance (divide by n) and put epsilon inside the square root.",
        )
### END HIDDEN TESTS


# %% nbgrader={"grade": true, "grade_id": "test_batchnorm_forward_inference", "locked": true, "points": 2, "schema_version": 3, "solution": false}
rng = np.random.default_rng(2)
weights = random_batchnorm_weights(3, rng)
x = rng.normal(size=(8, 3))
state = {
    "moving_mean": weights["moving_mean"].copy(),
    "moving_variance": weights["moving_variance"].copy(),
}
with answers:
    out, _ = batchnorm_forward(x, weights["gamma"], weights["beta"], state, training=False)
reference = keras_batchnorm(x.shape, weights, dtype="float64")(x, training=False)
assert_close(
    out,
    reference,
    "inference-mode output",
    hint="Inference mode normalizes with the moving statistics.",
)
### BEGIN HIDDEN TESTS
for n, features, epsilon in [(1, 5, 1e-3), (5, 6, 1e-3), (20, 4, 1e-2)]:
    weights = random_batchnorm_weights(features, rng)
    x = mixed_scale_batch(rng, (n, features))
    state = {
        "moving_mean": weights["moving_mean"].copy(),
        "moving_variance": weights["moving_variance"].copy(),
    }
    with answers:
        out, _ = batchnorm_forward(
            x,
            weights["gamma"],
            weights["beta"],
            state,
            training=False,
            momentum=0.8,
            epsilon=epsilon,
        )
        state_after = {key: state[key] for key in ("moving_mean", "moving_variance")}
    reference = keras_batchnorm(x.shape, weights, 0.8, epsilon, dtype="float64")(x, training=False)
    assert_close(
        out,
        reference,
        f"inference-mode output (n={n}, epsilon={epsilon})",
        hint="Use the moving statistics, never the batch's, and epsilon inside the square root.",
    )
    for name in ("moving_mean", "moving_variance"):
        assert_close(
            state_after[name],
            weights[name],
            f"state['{name}'] after an inference-mode call",
            tol="float64",
            hint="Inference mode must leave the moving statistics unchanged.",
        )
### END HIDDEN TESTS


# %% nbgrader={"grade": true, "grade_id": "test_batchnorm_moving_statistics", "locked": true, "points": 2, "schema_version": 3, "solution": false}
rng = np.random.default_rng(3)
x = rng.normal(2.0, 3.0, size=(8, 3))
state = {"moving_mean": np.zeros(3), "moving_variance": np.ones(3)}
with answers:
    batchnorm_forward(x, np.ones(3), np.zeros(3), state, training=True, momentum=0.9)
    moving_mean_after = state["moving_mean"]
assert not np.allclose(moving_mean_after, 0.0), (
    "state['moving_mean'] did not change in training mode: update it with momentum"
)
### BEGIN HIDDEN TESTS
for n, features, momentum in [(4, 5, 0.9), (8, 3, 0.99), (3, 4, 0.5), (16, 6, 0.7)]:
    weights = random_batchnorm_weights(features, rng)
    state = {
        "moving_mean": weights["moving_mean"].copy(),
        "moving_variance": weights["moving_variance"].copy(),
    }
    batches = [mixed_scale_batch(rng, (n, features)) + rng.normal(size=features) for _ in range(3)]
    with answers:
        states_after_steps = []
        for batch_x in batches:
            batchnorm_forward(
                batch_x, weights["gamma"], weights["beta"], state, training=True, momentum=momentum
            )
            states_after_steps.append(
                {key: state[key] for key in ("moving_mean", "moving_variance")}
            )
    reference = keras_batchnorm((n, features), weights, momentum, dtype="float64")
    for step, (x, state_after) in enumerate(zip(batches, states_after_steps, strict=True)):
        reference(x, training=True)
        for name in ("moving_mean", "moving_variance"):
            assert_close(
                state_after[name],
                np.array(getattr(reference, name)),
                f"state['{name}'] after {step + 1} training step(s) (n={n}, momentum={momentum})",
                hint="Keras keeps momentum times the old value and averages in the biased batch "
                "variance (divided by n).",
            )
### END HIDDEN TESTS


# %% [markdown]
# The gradient check compares your gradients with those TensorFlow computes through a
# float64 `keras.layers.BatchNormalization` holding the same `gamma` and `beta`. It uses
# a random upstream gradient: with an upstream of all ones, some wrong backward passes
# give the right answer (see the chapter).


# %% nbgrader={"grade": true, "grade_id": "test_batchnorm_backward", "locked": true, "points": 3, "schema_version": 3, "solution": false}
import tensorflow as tf


def reference_gradients(x, gamma, beta, upstream, epsilon):
    """TensorFlow's gradients of sum(out * upstream) through a float64 Keras batch norm."""
    features = x.shape[-1]
    weights = {"gamma": gamma, "beta": beta}
    weights.update(moving_mean=np.zeros(features), moving_variance=np.ones(features))
    layer = keras_batchnorm(x.shape, weights, epsilon=epsilon, dtype="float64")
    inputs = tf.Variable(x)
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(layer(inputs, training=True) * upstream)
    return [g.numpy() for g in tape.gradient(loss, [inputs, layer.gamma, layer.beta])]


def check_batchnorm_backward(n, features, rng, epsilon=1e-3, scale=1.0):
    x = rng.normal(size=(n, features)) * scale
    gamma, beta = rng.uniform(0.5, 2.0, features), rng.normal(size=features)
    upstream = rng.normal(size=(n, features))
    with answers:
        fresh_state = {"moving_mean": np.zeros(features), "moving_variance": np.ones(features)}
        _, cache = batchnorm_forward(x, gamma, beta, fresh_state, training=True, epsilon=epsilon)
        dx, dgamma, dbeta = batchnorm_backward(upstream, cache)
    expected_dx, expected_dgamma, expected_dbeta = reference_gradients(
        x, gamma, beta, upstream, epsilon
    )
    assert_gradient_close(dx, expected_dx, "dx")
    assert_gradient_close(dgamma, expected_dgamma, "dgamma")
    assert_gradient_close(dbeta, expected_dbeta, "dbeta")


check_batchnorm_backward(5, 3, np.random.default_rng(4))
### BEGIN HIDDEN TESTS
rng = np.random.default_rng(40)
check_batchnorm_backward(2, 4, rng)
check_batchnorm_backward(8, 5, rng, epsilon=1e-2)
check_batchnorm_backward(6, 3, rng, scale=0.05)
check_batchnorm_backward(16, 2, rng, scale=3.0)
### END HIDDEN TESTS


# %% [markdown]
# ## Part 2: a `BatchNorm` Keras layer
#
# Now the same computation as a Keras layer, written the way Keras writes its own layers
# (chapter 04 walks through the shape of one). It normalizes over the **last** axis, so
# that it works after `Dense` (inputs `(batch, features)`) and after `Conv2D` (inputs
# `(batch, height, width, channels)`, statistics over batch, height and width).
#
# - `__init__(momentum=0.99, epsilon=1e-3, **kwargs)`: pass `**kwargs` to the base
#   class, store `self.momentum` and `self.epsilon` as floats, and raise a `ValueError`
#   of the form `"Expected momentum in [0, 1], received: momentum=1.5"` when momentum is
#   outside [0, 1] or epsilon is not positive.
# - `build(input_shape)`: four weights of shape `(channels,)`, created with
#   `self.add_weight(shape=..., initializer=..., trainable=..., name=...)` and stored as
#   `self.gamma` (ones, trainable), `self.beta` (zeros, trainable), `self.moving_mean`
#   (zeros, **not** trainable) and `self.moving_variance` (ones, **not** trainable).
# - `call(inputs, training=None)`: with `keras.ops` only. Use the batch statistics and
#   update the moving averages (with `.assign`) when `training` is true **and** the
#   layer is trainable; otherwise use the moving averages. In Keras 3 a frozen batch
#   norm layer (`trainable = False`) runs in inference mode, even inside `fit`.
#   `keras.ops.moments(inputs, axes)` returns the mean and the biased variance.
# - `get_config()`: the base config plus `momentum` and `epsilon`, so that
#   `BatchNorm.from_config(layer.get_config())` rebuilds the layer.
#
# The tests check the weights, the configuration, the outputs in both modes and the
# moving averages against `keras.layers.BatchNormalization`, and train small models
# containing your layer with `fit`.


# %% nbgrader={"grade": false, "grade_id": "batchnorm_layer", "locked": false, "schema_version": 3, "solution": true}
class BatchNorm(keras.layers.Layer):
    """Batch normalization over the last axis.

    In training mode each channel is shifted and scaled by the mean and variance of the
    current batch, then by the learned `gamma` and `beta`:
    `gamma * (x - mean) / sqrt(variance + epsilon) + beta`. Each training call also
    moves `moving_mean` and `moving_variance` towards the batch statistics,
    `moving = moving * momentum + batch * (1 - momentum)`. In inference mode, and
    whenever the layer is frozen (`trainable = False`), the moving statistics take the
    place of the batch statistics and nothing is updated.

    Args:
        momentum: Float in [0, 1], the weight of the old value in the moving averages.
        epsilon: Positive float added to the variance before the square root.
        **kwargs: Base layer keyword arguments, such as `name` and `dtype`.

    Call arguments:
        inputs: A tensor of rank 2 or more; the last axis holds the channels.
        training: Python boolean. `True` normalizes with the batch statistics and
            updates the moving averages; `False` or `None` uses the moving averages.

    Example:

    >>> layer = BatchNorm(momentum=0.9)
    >>> y = layer(np.random.rand(32, 4).astype("float32"), training=True)
    >>> [w.name for w in layer.non_trainable_weights]
    ['moving_mean', 'moving_variance']
    """

    def __init__(self, momentum=0.99, epsilon=1e-3, **kwargs):
        super().__init__(**kwargs)
        ### BEGIN SOLUTION
        if not 0.0 <= momentum <= 1.0:
            raise ValueError(f"Expected momentum in [0, 1], received: momentum={momentum}")
        if not epsilon > 0.0:
            raise ValueError(f"Expected a positive epsilon, received: epsilon={epsilon}")
        self.momentum = float(momentum)
        self.epsilon = float(epsilon)
        ### END SOLUTION

    def build(self, input_shape):
        ### BEGIN SOLUTION
        shape = (input_shape[-1],)
        self.gamma = self.add_weight(shape=shape, initializer="ones", trainable=True, name="gamma")
        self.beta = self.add_weight(shape=shape, initializer="zeros", trainable=True, name="beta")
        self.moving_mean = self.add_weight(
            shape=shape, initializer="zeros", trainable=False, name="moving_mean"
        )
        self.moving_variance = self.add_weight(
            shape=shape, initializer="ones", trainable=False, name="moving_variance"
        )
        ### END SOLUTION

    def call(self, inputs, training=None):
        ### BEGIN SOLUTION
        reduction_axes = list(range(len(inputs.shape) - 1))
        if training and self.trainable:
            mean, variance = ops.moments(inputs, axes=reduction_axes)
            self.moving_mean.assign(self.moving_mean * self.momentum + mean * (1.0 - self.momentum))
            self.moving_variance.assign(
                self.moving_variance * self.momentum + variance * (1.0 - self.momentum)
            )
        else:
            mean, variance = self.moving_mean, self.moving_variance
        normalized = (inputs - mean) / ops.sqrt(variance + self.epsilon)
        return self.gamma * normalized + self.beta
        ### END SOLUTION

    def get_config(self):
        ### BEGIN SOLUTION
        return {**super().get_config(), "momentum": self.momentum, "epsilon": self.epsilon}
        ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_batchnorm_layer_weights", "locked": true, "points": 1, "schema_version": 3, "solution": false}
with answers:
    fresh_norm = BatchNorm()
    fresh_norm.build((None, 5))
    weight_counts = (len(fresh_norm.trainable_weights), len(fresh_norm.non_trainable_weights))
assert weight_counts == (2, 2), (
    "build() should create two trainable weights (gamma, beta) and two non-trainable ones "
    "(moving_mean, moving_variance)"
)
### BEGIN HIDDEN TESTS
with answers:
    image_norm = BatchNorm()
    image_norm.build((None, 4, 4, 7))
    trainable_ids = {id(v) for v in image_norm.trainable_weights}
    built = {}
    for weight_name in BATCHNORM_WEIGHTS:
        found_weight = getattr(image_norm, weight_name, None)
        if found_weight is not None:
            built[weight_name] = (to_numpy(found_weight), id(found_weight) in trainable_ids)
expected_start = {"gamma": 1.0, "beta": 0.0, "moving_mean": 0.0, "moving_variance": 1.0}
for name, value in expected_start.items():
    assert name in built, f"BatchNorm has no attribute '{name}': store the weight as self.{name}"
    assert_shape(built[name][0], (7,), f"layer.{name} for inputs with 7 channels")
    assert_close(
        built[name][0], np.full(7, value), f"initial {name}", hint="Check the initializer."
    )
assert built["gamma"][1] and built["beta"][1], "gamma and beta must be trainable"
assert not built["moving_mean"][1] and not built["moving_variance"][1], (
    "moving_mean and moving_variance must not be trainable: the optimizer must never touch them"
)
### END HIDDEN TESTS


# %% nbgrader={"grade": true, "grade_id": "test_batchnorm_layer_config", "locked": true, "points": 1, "schema_version": 3, "solution": false}
with answers:
    config = BatchNorm(momentum=0.9, epsilon=1e-4, name="my_norm").get_config()
assert config.get("momentum") == 0.9 and config.get("epsilon") == 1e-4, (
    "get_config() should include momentum and epsilon"
)
### BEGIN HIDDEN TESTS
bad_arguments = [{"momentum": 1.5}, {"momentum": -0.1}, {"epsilon": -1e-3}]
with answers:
    rebuilt_norm = BatchNorm.from_config(config)
    rebuilt_settings = (rebuilt_norm.name, rebuilt_norm.momentum, rebuilt_norm.epsilon)
    default_config = BatchNorm().get_config()
    errors = []
    for arguments in bad_arguments:
        try:
            BatchNorm(**arguments)
        except ValueError as error:
            errors.append(str(error))
        else:
            errors.append(None)
assert rebuilt_settings[0] == "my_norm", (
    "get_config() should merge in the base config (name, dtype...)"
)
assert rebuilt_settings[1:] == (0.9, 1e-4), "from_config(get_config()) changed the settings"
assert default_config["momentum"] == 0.99, "the default momentum should be Keras's, 0.99"
assert default_config["epsilon"] == 1e-3, "the default epsilon should be Keras's, 1e-3"
for bad, message in zip(bad_arguments, errors, strict=True):
    assert message is not None, f"BatchNorm(**{bad}) should raise a ValueError"
    assert "Expected" in message and "received" in message, (
        f"the ValueError for {bad} should read 'Expected ..., received: ...'"
    )
### END HIDDEN TESTS


# %% nbgrader={"grade": true, "grade_id": "test_batchnorm_layer_training", "locked": true, "points": 2, "schema_version": 3, "solution": false}
rng = np.random.default_rng(5)
weights = random_batchnorm_weights(4, rng)
x = rng.normal(size=(16, 4)).astype("float32")
with answers:
    norm = BatchNorm()
    norm.build(x.shape)
    load_batchnorm_weights(norm, weights)
    out = to_numpy(norm(x, training=True))
assert_close(
    out,
    keras_batchnorm(x.shape, weights)(x, training=True),
    "BatchNorm output with training=True",
    hint="Training mode normalizes with the statistics of the batch.",
)
### BEGIN HIDDEN TESTS
for shape, momentum, epsilon in [
    ((4, 6), 0.99, 1e-3),
    ((3, 5, 5, 6), 0.9, 1e-3),
    ((2, 7, 5), 0.5, 1e-2),
]:
    weights = random_batchnorm_weights(shape[-1], rng)
    x = mixed_scale_batch(rng, shape, "float32")
    with answers:
        case_norm = BatchNorm(momentum=momentum, epsilon=epsilon)
        case_norm.build(x.shape)
        load_batchnorm_weights(case_norm, weights)
        out = to_numpy(case_norm(x, training=True))
    assert_close(
        out,
        keras_batchnorm(shape, weights, momentum, epsilon)(x, training=True),
        f"BatchNorm output with training=True for inputs of shape {shape}",
        hint="Average over every axis but the last, use the biased variance and put epsilon "
        "inside the square root.",
    )
### END HIDDEN TESTS


# %% nbgrader={"grade": true, "grade_id": "test_batchnorm_layer_inference", "locked": true, "points": 2, "schema_version": 3, "solution": false}
rng = np.random.default_rng(6)
weights = random_batchnorm_weights(4, rng)
x = rng.normal(size=(16, 4)).astype("float32")
with answers:
    norm = BatchNorm()
    norm.build(x.shape)
    load_batchnorm_weights(norm, weights)
    out = to_numpy(norm(x, training=False))
assert_close(
    out,
    keras_batchnorm(x.shape, weights)(x, training=False),
    "BatchNorm output with training=False",
    hint="Inference mode normalizes with the moving statistics.",
)
### BEGIN HIDDEN TESTS
for shape, epsilon in [((1, 6), 1e-3), ((3, 4, 4, 5), 1e-3), ((8, 6), 1e-2)]:
    weights = random_batchnorm_weights(shape[-1], rng)
    x = mixed_scale_batch(rng, shape, "float32")
    with answers:
        case_norm = BatchNorm(epsilon=epsilon)
        case_norm.build(x.shape)
        load_batchnorm_weights(case_norm, weights)
        outputs = {
            "False": to_numpy(case_norm(x, training=False)),
            "None": to_numpy(case_norm(x, training=None)),
        }
        statistics_after = {
            "moving_mean": to_numpy(case_norm.moving_mean),
            "moving_variance": to_numpy(case_norm.moving_variance),
        }
    reference = keras_batchnorm(shape, weights, epsilon=epsilon)(x, training=False)
    for training in (False, None):
        assert_close(
            outputs[str(training)],
            reference,
            f"BatchNorm output with training={training} for inputs of shape {shape}",
            hint="Without training=True, use the moving statistics, epsilon inside the root.",
        )
    for name in ("moving_mean", "moving_variance"):
        assert_close(
            statistics_after[name],
            weights[name],
            f"{name} after inference-mode calls",
            hint="Only training-mode calls may update the moving statistics.",
        )
### END HIDDEN TESTS


# %% nbgrader={"grade": true, "grade_id": "test_batchnorm_layer_moving_statistics", "locked": true, "points": 2, "schema_version": 3, "solution": false}
rng = np.random.default_rng(7)
x = rng.normal(2.0, 3.0, size=(16, 4)).astype("float32")
with answers:
    norm = BatchNorm(momentum=0.9)
    norm(x, training=True)
    moving_mean_after = to_numpy(norm.moving_mean)
assert not np.allclose(moving_mean_after, 0.0), (
    "moving_mean did not change in training mode: update it with momentum"
)
### BEGIN HIDDEN TESTS
for shape, momentum in [((4, 5), 0.9), ((6, 3, 3, 4), 0.99), ((8, 6), 0.6)]:
    weights = random_batchnorm_weights(shape[-1], rng)
    batches = [
        mixed_scale_batch(rng, shape, "float32") + rng.normal(size=shape[-1]).astype("float32")
        for _ in range(4)
    ]
    with answers:
        case_norm = BatchNorm(momentum=momentum)
        case_norm.build(shape)
        load_batchnorm_weights(case_norm, weights)
        for batch_x in batches:
            case_norm(batch_x, training=True)
        statistics_after = {
            "moving_mean": to_numpy(case_norm.moving_mean),
            "moving_variance": to_numpy(case_norm.moving_variance),
        }
    reference = keras_batchnorm(shape, weights, momentum)
    for x in batches:
        reference(x, training=True)
    for name in ("moving_mean", "moving_variance"):
        assert_close(
            statistics_after[name],
            getattr(reference, name),
            f"{name} after 4 training steps (inputs of shape {shape}, momentum={momentum})",
            hint="moving = moving * momentum + batch statistic * (1 - momentum), with the "
            "biased batch variance.",
        )
### END HIDDEN TESTS


# %% [markdown]
# The last two tests put your layer in a model, `Dense → BatchNorm → ReLU → Dense`, train
# it with `fit` next to the same model built with `keras.layers.BatchNormalization`, and
# compare the weights, the moving statistics and the predictions. The second one freezes
# the layer first.


# %% nbgrader={"grade": false, "grade_id": "model_tools", "locked": true, "schema_version": 3, "solution": false}
def small_model(normalization, inputs=6):
    """Dense -> normalization -> ReLU -> Dense, with seeded (reproducible) initial weights."""
    return keras.Sequential(
        [
            keras.Input((inputs,)),
            keras.layers.Dense(8, kernel_initializer=keras.initializers.GlorotUniform(seed=1)),
            normalization,
            keras.layers.ReLU(),
            keras.layers.Dense(3, kernel_initializer=keras.initializers.GlorotUniform(seed=2)),
        ]
    )


def compile_and_fit(model, x, y, epochs=2):
    model.compile(
        optimizer=keras.optimizers.SGD(learning_rate=0.1),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
    )
    model.fit(x, y, batch_size=16, epochs=epochs, shuffle=False, verbose=0)


# %% nbgrader={"grade": true, "grade_id": "test_batchnorm_layer_fit", "locked": true, "points": 2, "schema_version": 3, "solution": false}
rng = np.random.default_rng(8)
x_small = mixed_scale_batch(rng, (64, 6), "float32") + 1.0
y_small = rng.integers(0, 3, size=64)
with answers:
    student_norm = BatchNorm(momentum=0.9)
    compile_and_fit(small_model(student_norm), x_small, y_small)
    moving_mean_after_fit = to_numpy(student_norm.moving_mean)
assert not np.allclose(moving_mean_after_fit, 0.0), (
    "moving_mean did not change during model.fit: update it when training is true"
)
### BEGIN HIDDEN TESTS
with answers:
    fitted_norm = BatchNorm(momentum=0.9)
    fitted_model = small_model(fitted_norm)
    compile_and_fit(fitted_model, x_small, y_small)
    after_fit = {name: to_numpy(getattr(fitted_norm, name)) for name in BATCHNORM_WEIGHTS}
    first_kernel = to_numpy(fitted_model.layers[0].kernel)
    predictions = to_numpy(fitted_model.predict(x_small, verbose=0))
    after_predict = {
        "moving_mean": to_numpy(fitted_norm.moving_mean),
        "moving_variance": to_numpy(fitted_norm.moving_variance),
    }
reference_norm = keras.layers.BatchNormalization(momentum=0.9)
reference_model = small_model(reference_norm)
compile_and_fit(reference_model, x_small, y_small)
for name in BATCHNORM_WEIGHTS:
    assert_close(
        after_fit[name],
        getattr(reference_norm, name),
        f"{name} after model.fit",
        tol="training",
        hint="Compare your training-mode call and moving-average update with Keras's.",
    )
assert_close(
    first_kernel,
    reference_model.layers[0].kernel,
    "the first Dense kernel after model.fit",
    tol="training",
    hint="The gradients through your layer differ: use keras.ops throughout call().",
)
assert_close(
    predictions,
    reference_model.predict(x_small, verbose=0),
    "model.predict after fit",
    tol="training",
    hint="predict runs in inference mode.",
)
for name in ("moving_mean", "moving_variance"):
    assert_close(
        after_predict[name],
        getattr(reference_norm, name),
        f"{name} after model.predict",
        tol="training",
        hint="predict must not update the moving statistics.",
    )
### END HIDDEN TESTS


# %% nbgrader={"grade": true, "grade_id": "test_batchnorm_layer_frozen", "locked": true, "points": 1, "schema_version": 3, "solution": false}
rng = np.random.default_rng(9)
x_small = mixed_scale_batch(rng, (48, 6), "float32")
y_small = rng.integers(0, 3, size=48)
frozen_weights = random_batchnorm_weights(8, rng)
with answers:
    frozen_norm = BatchNorm(momentum=0.5)
    frozen_model = small_model(frozen_norm)
    load_batchnorm_weights(frozen_norm, frozen_weights)
    frozen_norm.trainable = False
    compile_and_fit(frozen_model, x_small, y_small, epochs=1)
    frozen_moving_mean = to_numpy(frozen_norm.moving_mean)
assert_close(
    frozen_moving_mean,
    frozen_weights["moving_mean"],
    "moving_mean of a frozen layer after model.fit",
    hint="A layer with trainable = False must not update its moving statistics.",
)
### BEGIN HIDDEN TESTS
with answers:
    refrozen_norm = BatchNorm(momentum=0.5)
    refrozen_model = small_model(refrozen_norm)
    load_batchnorm_weights(refrozen_norm, frozen_weights)
    refrozen_norm.trainable = False
    compile_and_fit(refrozen_model, x_small, y_small, epochs=1)
    frozen_after_fit = {name: to_numpy(getattr(refrozen_norm, name)) for name in BATCHNORM_WEIGHTS}
    output_training = to_numpy(refrozen_model(x_small, training=True))
    output_inference = to_numpy(refrozen_model(x_small, training=False))
for name in BATCHNORM_WEIGHTS:
    assert_close(
        frozen_after_fit[name],
        frozen_weights[name],
        f"{name} of a frozen layer after model.fit",
        hint="A frozen layer changes none of its weights.",
    )
assert_close(
    output_training,
    output_inference,
    "a model with a frozen BatchNorm, training=True against training=False",
    hint="A frozen batch norm layer runs in inference mode: check self.trainable in call().",
)
# The same frozen model with Keras's layer, trained here: the outputs must agree.
reference_frozen = keras.layers.BatchNormalization(momentum=0.5)
reference_frozen_model = small_model(reference_frozen)
load_batchnorm_weights(reference_frozen, frozen_weights)
reference_frozen.trainable = False
compile_and_fit(reference_frozen_model, x_small, y_small, epochs=1)
assert_close(
    output_inference,
    reference_frozen_model(x_small, training=False),
    "the output of a model with a frozen BatchNorm after model.fit",
    tol="training",
    hint="A frozen layer still normalizes: with its moving statistics, as in inference mode.",
)
### END HIDDEN TESTS


# %% [markdown]
# ## Part 3: training mode is not inference mode
#
# The cell below trains a small convolutional network on the 8×8 digits with Keras's own
# `BatchNormalization` (so that this part does not depend on your layer). Afterwards you
# will evaluate it three ways.
#
# Write `accuracy_in_training_mode(model, x, y, batch_size)`: split `x` into consecutive
# batches of `batch_size` rows (the last one may be smaller), call the model on each with
# `training=True`, and return the fraction of rows whose arg-max logit equals the label,
# as a Python float. Every batch is then normalized with its **own** statistics, as
# during training. Calling a model with `training=True` also updates its moving
# statistics, even without an optimizer: your function must leave the model exactly as
# it found it (save its weights with `model.get_weights()` and restore them at the end).


# %% nbgrader={"grade": false, "grade_id": "training_mode_accuracy", "locked": false, "schema_version": 3, "solution": true}
def accuracy_in_training_mode(model, x, y, batch_size):
    """Accuracy when each batch is normalized with its own statistics; model unchanged."""
    ### BEGIN SOLUTION
    saved = model.get_weights()
    correct = 0
    for start in range(0, len(x), batch_size):
        logits = model(x[start : start + batch_size], training=True)
        predictions = np.argmax(np.array(logits), axis=-1)
        correct += int(np.sum(predictions == y[start : start + batch_size]))
    model.set_weights(saved)
    return correct / len(x)
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_accuracy_in_training_mode", "locked": true, "points": 2, "schema_version": 3, "solution": false}
rng = np.random.default_rng(10)
probe_model = small_model(keras.layers.BatchNormalization(), inputs=5)
load_batchnorm_weights(probe_model.layers[1], random_batchnorm_weights(8, rng))
probe_weights = probe_model.get_weights()
x_probe = rng.normal(size=(12, 5)).astype("float32")
y_probe = np.argmax(np.array(probe_model(x_probe, training=False)), axis=-1)
with answers:
    student_probe = small_model(keras.layers.BatchNormalization(), inputs=5)
    student_probe.set_weights(probe_weights)
    accuracy = accuracy_in_training_mode(student_probe, x_probe, y_probe, batch_size=12)
assert isinstance(accuracy, float) and 0.0 <= accuracy <= 1.0, (
    f"return the accuracy as a Python float between 0 and 1, got {accuracy!r}"
)


### BEGIN HIDDEN TESTS
def reference_training_mode_accuracy(model, x, y, batch_size):
    copy = keras.models.clone_model(model)
    copy.set_weights(model.get_weights())
    hits = [
        np.argmax(np.array(copy(x[i : i + batch_size], training=True)), axis=-1)
        == y[i : i + batch_size]
        for i in range(0, len(x), batch_size)
    ]
    return float(np.mean(np.concatenate(hits)))


batch_sizes = [1, 5, 12, 20]
with answers:
    probe_copy = small_model(keras.layers.BatchNormalization(), inputs=5)
    probe_copy.set_weights(probe_weights)
    calls = []
    for size in batch_sizes:
        fraction = accuracy_in_training_mode(probe_copy, x_probe, y_probe, size)
        calls.append((fraction, [to_numpy(w) for w in probe_copy.weights]))
saved = [np.array(w) for w in probe_model.weights]
for batch_size, (got, weights_after) in zip(batch_sizes, calls, strict=True):
    expected = reference_training_mode_accuracy(probe_model, x_probe, y_probe, batch_size)
    assert_close(
        got,
        expected,
        f"accuracy with batch_size={batch_size}",
        hint="Call the model once per batch, with training=True.",
    )
    for before, after, variable in zip(saved, weights_after, probe_model.weights, strict=True):
        assert_close(
            after,
            before,
            f"the model's {variable.name} after accuracy_in_training_mode",
            hint="Calls with training=True update the moving statistics: restore the weights.",
        )
### END HIDDEN TESTS


# %% [markdown]
# Train the digits network (a few seconds). Both batch norm layers follow a layer
# without bias, since the batch norm's `beta` plays that role (part 6 asks why).


# %% nbgrader={"grade": false, "grade_id": "train_digits", "locked": true, "schema_version": 3, "solution": false} tags=["training"]
x_train, y_train = load_digits("train")
x_test, y_test = load_digits("test")

digits_model = keras.Sequential(
    [
        keras.Input((8, 8, 1)),
        keras.layers.Conv2D(8, 3, padding="same", use_bias=False),
        keras.layers.BatchNormalization(momentum=0.9),
        keras.layers.ReLU(),
        keras.layers.Flatten(),
        keras.layers.Dense(32, use_bias=False),
        keras.layers.BatchNormalization(momentum=0.9),
        keras.layers.ReLU(),
        keras.layers.Dense(10),
    ]
)
digits_model.compile(
    optimizer=keras.optimizers.Adam(learning_rate=3e-3),
    loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
    metrics=["accuracy"],
)
digits_model.fit(x_train, y_train, batch_size=64, epochs=4, verbose=0)


def inference_accuracy(model, x, y):
    return float(np.mean(np.argmax(np.array(model(x, training=False)), axis=-1) == y))


# %% [markdown]
# Three ways to evaluate the same trained network, plus a copy of it whose moving
# statistics are still at their initial values (mean 0, variance 1), as if they had never
# been updated during training. Per-image evaluation is slow in eager mode, so the
# batch-size-1 run uses the first 30 test images.


# %% nbgrader={"grade": false, "grade_id": "train_vs_inference", "locked": true, "schema_version": 3, "solution": false} tags=["training"]
stale_model = keras.models.clone_model(digits_model)
stale_model.set_weights(digits_model.get_weights())
for stale_layer in stale_model.layers:
    if isinstance(stale_layer, keras.layers.BatchNormalization):
        stale_layer.moving_mean.assign(ops.zeros_like(stale_layer.moving_mean))
        stale_layer.moving_variance.assign(ops.ones_like(stale_layer.moving_variance))

accuracies = {
    "inference mode": inference_accuracy(digits_model, x_test, y_test),
    "training mode, batches of 64": accuracy_in_training_mode(digits_model, x_test, y_test, 64),
    "training mode, batches of 1": accuracy_in_training_mode(
        digits_model, x_test[:30], y_test[:30], 1
    ),
    "moving statistics never updated": inference_accuracy(stale_model, x_test, y_test),
}
for name, value in accuracies.items():
    print(f"{name:>32}: {value:.1%}")
_, axis = plt.subplots(figsize=(6, 2.5))
axis.barh(list(accuracies), list(accuracies.values()))
axis.set(xlim=(0, 1), xlabel="test accuracy", title="one trained network, four evaluations")
plt.show()


# %% [markdown]
# ## Part 4: folding batch norm into the preceding layer
#
# At inference time batch norm is a fixed affine map per channel: with
# s = γ / √(moving_variance + ε), it computes s · z + (β − s · moving_mean). When the
# layer before it is linear, z = x·W + b for `Dense` or the convolution of x with W plus
# b for `Conv2D`, the two collapse into one layer with
#
# - W' = W scaled by s along the **output-channel** axis (the last axis of the kernel in
#   both `Dense`, shape `(inputs, units)`, and `Conv2D`, shape `(height, width, in, out)`);
# - b' = s · (b − moving_mean) + β, with b = 0 when the layer has no bias.
#
# The folded network computes the same function with one layer less per batch norm.
#
# 1. `fold_batchnorm(kernel, bias, gamma, beta, moving_mean, moving_variance, epsilon)`:
#    NumPy arrays in (`bias` may be `None`), the folded `(kernel, bias)` out.
# 2. `fold_model(model)`: a new `keras.Sequential` computing the same outputs as the
#    Sequential `model` in inference mode, in which every `BatchNormalization` that
#    directly follows a `Dense` or `Conv2D` **without activation**
#    (`layer.get_config()["activation"] == "linear"`) is folded into it. Keep every other
#    layer as it is. Build each new layer from its config (`type(layer).from_config(config)`
#    with `config["use_bias"] = True` for a folded layer), start the new model with
#    `keras.Input(shape=model.input_shape[1:])`, then copy weights with `set_weights`.
#    Do not modify `model`.


# %% nbgrader={"grade": false, "grade_id": "folding", "locked": false, "schema_version": 3, "solution": true}
def fold_batchnorm(kernel, bias, gamma, beta, moving_mean, moving_variance, epsilon):
    """Kernel and bias of one layer equal to `linear layer -> batch norm` at inference."""
    ### BEGIN SOLUTION
    scale = gamma / np.sqrt(moving_variance + epsilon)
    if bias is None:
        bias = np.zeros_like(moving_mean)
    folded_kernel = kernel * scale
    folded_bias = (bias - moving_mean) * scale + beta
    return folded_kernel, folded_bias
    ### END SOLUTION


def fold_model(model):
    """A new Sequential model with every batch norm after a linear Dense/Conv2D folded in."""
    ### BEGIN SOLUTION
    layers = list(model.layers)
    new_layers, new_weights = [], []
    index = 0
    while index < len(layers):
        layer = layers[index]
        following = layers[index + 1] if index + 1 < len(layers) else None
        config = layer.get_config()
        foldable = (
            isinstance(layer, (keras.layers.Dense, keras.layers.Conv2D))
            and isinstance(following, keras.layers.BatchNormalization)
            and config.get("activation") == "linear"
        )
        if foldable:
            config["use_bias"] = True
            bias = np.array(layer.bias) if layer.use_bias else None
            folded = fold_batchnorm(
                np.array(layer.kernel),
                bias,
                np.array(following.gamma),
                np.array(following.beta),
                np.array(following.moving_mean),
                np.array(following.moving_variance),
                following.epsilon,
            )
            new_layers.append(type(layer).from_config(config))
            new_weights.append(list(folded))
            index += 2
        else:
            new_layers.append(type(layer).from_config(config))
            new_weights.append(layer.get_weights())
            index += 1
    folded_model = keras.Sequential([keras.Input(shape=model.input_shape[1:]), *new_layers])
    for new_layer, weights in zip(new_layers, new_weights, strict=True):
        new_layer.set_weights(weights)
    return folded_model
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_fold_batchnorm", "locked": true, "points": 2, "schema_version": 3, "solution": false}
def check_fold(linear_layer, x, rng, epsilon=1e-3):
    """linear layer -> Keras batch norm (inference) against the folded linear layer."""
    channels = linear_layer.kernel.shape[-1]
    weights = random_batchnorm_weights(channels, rng)
    linear_output = linear_layer(x)
    expected = keras_batchnorm(linear_output.shape, weights, epsilon=epsilon)(
        linear_output, training=False
    )
    linear_kernel = np.array(linear_layer.kernel)
    bias = np.array(linear_layer.bias) if linear_layer.use_bias else None
    with answers:
        kernel, folded_bias = fold_batchnorm(
            linear_kernel, bias, *(weights[key] for key in BATCHNORM_WEIGHTS), epsilon
        )
    assert_shape(kernel, linear_layer.kernel.shape, "folded kernel")
    assert_shape(folded_bias, (channels,), "folded bias")
    config = {**linear_layer.get_config(), "use_bias": True}
    folded_layer = type(linear_layer).from_config(config)
    folded_layer.build(x.shape)
    folded_layer.set_weights([to_numpy(kernel), to_numpy(folded_bias)])
    assert_close(
        folded_layer(x),
        expected,
        f"folded {type(linear_layer).__name__} output",
        tol="training",
        hint="Scale the kernel per output channel; the bias absorbs the moving mean and beta.",
    )


rng = np.random.default_rng(11)
dense = keras.layers.Dense(4, bias_initializer="glorot_uniform")
x = rng.normal(size=(6, 3)).astype("float32")
dense.build(x.shape)
check_fold(dense, x, rng)
### BEGIN HIDDEN TESTS
dense = keras.layers.Dense(5, use_bias=False)
x = rng.normal(size=(6, 7)).astype("float32")
dense.build(x.shape)
check_fold(dense, x, rng, epsilon=1e-2)
conv = keras.layers.Conv2D(6, 3, bias_initializer="glorot_uniform")
x = rng.normal(size=(2, 6, 6, 3)).astype("float32")
conv.build(x.shape)
check_fold(conv, x, rng)
conv = keras.layers.Conv2D(5, 2, padding="same", use_bias=False)
x = rng.normal(size=(2, 5, 5, 4)).astype("float32")
conv.build(x.shape)
check_fold(conv, x, rng)
### END HIDDEN TESTS


# %% nbgrader={"grade": true, "grade_id": "test_fold_model", "locked": true, "points": 2, "schema_version": 3, "solution": false}
def check_fold_model(model, x, rng, batchnorms_left=0):
    for layer in model.layers:
        if isinstance(layer, keras.layers.BatchNormalization):
            load_batchnorm_weights(layer, random_batchnorm_weights(layer.gamma.shape[0], rng))
    expected = model(x, training=False)
    architecture, model_weights = model.to_json(), model.get_weights()
    with answers:
        original = keras.models.model_from_json(architecture)
        original.set_weights(model_weights)
        folded = fold_model(original)
        left = sum(isinstance(kept, keras.layers.BatchNormalization) for kept in folded.layers)
        folded_output = to_numpy(folded(x, training=False))
        weights_after = [to_numpy(w) for w in original.weights]
    assert left == batchnorms_left, (
        f"the folded model has {left} BatchNormalization layer(s), expected "
        f"{batchnorms_left}: fold each one that follows a Dense or Conv2D without activation, "
        "and only those"
    )
    assert_close(folded_output, expected, "folded model output", tol="training")
    for weight, before, after in zip(model.weights, model_weights, weights_after, strict=True):
        assert_close(
            after, before, f"the original model's {weight.name}", hint="Do not modify model."
        )


rng = np.random.default_rng(12)
model = keras.Sequential(
    [
        keras.Input((5,)),
        keras.layers.Dense(6, bias_initializer="glorot_uniform"),
        keras.layers.BatchNormalization(),
        keras.layers.ReLU(),
        keras.layers.Dense(2),
    ]
)
check_fold_model(model, rng.normal(size=(8, 5)).astype("float32"), rng)
### BEGIN HIDDEN TESTS
model = keras.Sequential(
    [
        keras.Input((6, 6, 2)),
        keras.layers.Conv2D(4, 3, use_bias=False),
        keras.layers.BatchNormalization(epsilon=1e-2),
        keras.layers.ReLU(),
        keras.layers.Conv2D(3, 3, padding="same"),
        keras.layers.BatchNormalization(),
        keras.layers.Flatten(),
        keras.layers.Dense(5, use_bias=False),
        keras.layers.BatchNormalization(),
        keras.layers.Activation("tanh"),
        keras.layers.Dense(3),
    ]
)
check_fold_model(model, rng.normal(size=(4, 6, 6, 2)).astype("float32"), rng)
model = keras.Sequential(
    [
        keras.Input((4,)),
        keras.layers.Dense(6, activation="relu"),
        keras.layers.BatchNormalization(),
        keras.layers.Dense(5),
        keras.layers.BatchNormalization(),
        keras.layers.Dense(2),
    ]
)
check_fold_model(model, rng.normal(size=(8, 4)).astype("float32"), rng, batchnorms_left=1)
### END HIDDEN TESTS


# %% [markdown]
# Fold the trained digits network: same predictions, two layers fewer.


# %% nbgrader={"grade": false, "grade_id": "fold_digits", "locked": true, "schema_version": 3, "solution": false} tags=["training"]
folded_digits_model = fold_model(digits_model)
folded_logits = np.array(folded_digits_model(x_test, training=False))
difference = np.max(np.abs(folded_logits - np.array(digits_model(x_test, training=False))))
print(f"layers: {len(digits_model.layers)} -> {len(folded_digits_model.layers)}")
print(f"largest difference between the logits: {difference:.2e}")
print(f"folded model accuracy: {inference_accuracy(folded_digits_model, x_test, y_test):.1%}")


# %% [markdown]
# ## Part 5: layer normalization
#
# Layer normalization computes the same kind of statistics, but **within each sample**:
# for inputs of shape `(..., features)`, the mean and the (biased) variance are taken
# over the last axis of each row separately, then out = γ · (x − μ) / √(σ² + ε) + β,
# with `gamma` and `beta` of shape `(features,)`. Nothing depends on the other samples
# of the batch, so there are no moving statistics and training and inference compute
# the same thing.
#
# Write the `LayerNorm` layer in the same style as `BatchNorm`: `__init__(epsilon=1e-3,
# **kwargs)` with the same validation of epsilon, `build` creating `self.gamma` (ones)
# and `self.beta` (zeros), both trainable, `call(inputs)` with `keras.ops`, and
# `get_config`. It must match `keras.layers.LayerNormalization(axis=-1)`.


# %% nbgrader={"grade": false, "grade_id": "layernorm_layer", "locked": false, "schema_version": 3, "solution": true}
class LayerNorm(keras.layers.Layer):
    """Layer normalization over the last axis.

    Each sample is normalized with the mean and variance of its own features,
    `gamma * (x - mean) / sqrt(variance + epsilon) + beta`, so the result does not
    depend on the batch and is the same in training and inference.

    Args:
        epsilon: Positive float added to the variance before the square root.
        **kwargs: Base layer keyword arguments, such as `name` and `dtype`.

    Call arguments:
        inputs: A tensor of rank 2 or more; the last axis holds the features.

    Example:

    >>> layer = LayerNorm()
    >>> y = layer(np.random.rand(2, 10, 16).astype("float32"))
    >>> y.shape
    TensorShape([2, 10, 16])
    """

    def __init__(self, epsilon=1e-3, **kwargs):
        super().__init__(**kwargs)
        ### BEGIN SOLUTION
        if not epsilon > 0.0:
            raise ValueError(f"Expected a positive epsilon, received: epsilon={epsilon}")
        self.epsilon = float(epsilon)
        ### END SOLUTION

    def build(self, input_shape):
        ### BEGIN SOLUTION
        shape = (input_shape[-1],)
        self.gamma = self.add_weight(shape=shape, initializer="ones", trainable=True, name="gamma")
        self.beta = self.add_weight(shape=shape, initializer="zeros", trainable=True, name="beta")
        ### END SOLUTION

    def call(self, inputs):
        ### BEGIN SOLUTION
        mean, variance = ops.moments(inputs, axes=[-1], keepdims=True)
        normalized = (inputs - mean) / ops.sqrt(variance + self.epsilon)
        return self.gamma * normalized + self.beta
        ### END SOLUTION

    def get_config(self):
        ### BEGIN SOLUTION
        return {**super().get_config(), "epsilon": self.epsilon}
        ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_layernorm", "locked": true, "points": 2, "schema_version": 3, "solution": false}
def keras_layernorm(features, gamma, beta, epsilon=1e-3):
    layer = keras.layers.LayerNormalization(axis=-1, epsilon=epsilon)
    layer.build((None, features))
    layer.gamma.assign(gamma)
    layer.beta.assign(beta)
    return layer


def student_layernorm(features, gamma, beta, epsilon=1e-3):
    layer = LayerNorm(epsilon=epsilon)
    layer.build((None, features))
    load_batchnorm_weights(layer, {"gamma": gamma, "beta": beta})
    return layer


rng = np.random.default_rng(13)
gamma, beta = rng.uniform(0.5, 2.0, 6), rng.normal(size=6)
x = rng.normal(size=(4, 6)).astype("float32")
with answers:
    out = to_numpy(student_layernorm(6, gamma, beta)(x))
assert_close(
    out,
    keras_layernorm(6, gamma, beta)(x),
    "LayerNorm output",
    hint="Normalize each row with its own mean and variance.",
)
### BEGIN HIDDEN TESTS
for shape, epsilon in [((3, 8), 1e-3), ((2, 5, 8), 1e-3), ((4, 6), 1e-2), ((1, 7), 1e-5)]:
    gamma, beta = rng.uniform(0.5, 2.0, shape[-1]), rng.normal(size=shape[-1])
    x = (rng.normal(size=shape) * np.geomspace(0.01, 2.0, shape[:-1][-1])[:, None]).astype(
        "float32"
    )
    with answers:
        out = to_numpy(student_layernorm(shape[-1], gamma, beta, epsilon)(x))
    assert_close(
        out,
        keras_layernorm(shape[-1], gamma, beta, epsilon)(x),
        f"LayerNorm output for inputs of shape {shape}, epsilon={epsilon}",
        hint="Statistics over the last axis only, biased variance, epsilon inside the square root.",
    )
### END HIDDEN TESTS


# %% nbgrader={"grade": true, "grade_id": "test_layernorm_per_sample", "locked": true, "points": 1, "schema_version": 3, "solution": false}
rng = np.random.default_rng(14)
gamma, beta = rng.uniform(0.5, 2.0, 5), rng.normal(size=5)
x = rng.normal(size=(6, 5)).astype("float32")
with answers:
    norm = LayerNorm()
    norm.build((None, 5))
    load_batchnorm_weights(norm, {"gamma": gamma, "beta": beta})
    alone, in_batch = to_numpy(norm(x[:1])), to_numpy(norm(x)[:1])
assert_close(alone, in_batch, "LayerNorm of one sample alone against the same sample in a batch")
### BEGIN HIDDEN TESTS
x = rng.normal(size=(3, 4, 5)).astype("float32")
x_shifted = x + rng.normal(size=(3, 4, 1)).astype("float32")
with answers:
    probe_norm = LayerNorm()
    probe_norm.build((None, 5))
    load_batchnorm_weights(probe_norm, {"gamma": gamma, "beta": beta})
    weight_counts = (len(probe_norm.non_trainable_weights), len(probe_norm.trainable_weights))
    whole = to_numpy(probe_norm(x))
    samples = [to_numpy(probe_norm(x[i : i + 1])) for i in range(3)]
    shifted = to_numpy(probe_norm(x_shifted))
    by_mode = [to_numpy(probe_norm(x, training=True)), to_numpy(probe_norm(x, training=False))]
    rebuilt_norm = LayerNorm.from_config(LayerNorm(epsilon=1e-4, name="ln").get_config())
    rebuilt_settings = (rebuilt_norm.epsilon, rebuilt_norm.name)
    try:
        LayerNorm(epsilon=-1.0)
    except ValueError:
        rejects_negative_epsilon = True
    else:
        rejects_negative_epsilon = False
assert weight_counts[0] == 0, "LayerNorm needs no moving statistics: no non-trainable weights"
assert weight_counts[1] == 2, "LayerNorm has two trainable weights, gamma and beta"
for i, sample in enumerate(samples):
    assert_close(sample, whole[i : i + 1], f"sample {i} alone against in the batch")
assert_close(
    shifted,
    whole,
    "LayerNorm of samples shifted by a constant",
    tol="training",
    hint="Adding a constant to every feature of a sample should not change its output.",
)
assert_close(by_mode[0], by_mode[1], "LayerNorm in training against inference")
assert rebuilt_settings == (1e-4, "ln"), "from_config(get_config()) changed the layer"
assert rejects_negative_epsilon, "LayerNorm(epsilon=-1.0) should raise a ValueError"
### END HIDDEN TESTS


# %% [markdown]
# ## Part 6: concept checks
#
# **6.1 One sample in training mode.** A batch norm layer in training mode receives a
# batch of **one** sample. What does it output? Set `single_sample_output` to the letter:
#
# - (a) zeros
# - (b) `beta`, whatever the input
# - (c) the input, unchanged
# - (d) `gamma * x + beta`
#
# **6.2 Warm-up of the moving mean.** A batch norm layer starts with moving_mean = 0 and
# momentum 0.99 (Keras's default). Every training batch has a mean of exactly 2.0 for
# some feature. After how many training steps is the moving mean within 5% of 2.0 (that
# is, at least 1.9) for the first time? Store the whole number in `steps_to_converge`.
# (Compare it with the number of steps of a short training run: 1,437 images in
# batches of 32 for 5 epochs.)
#
# **6.3 A bias before batch norm.** In `Dense(units, use_bias=True) → BatchNormalization`,
# what happens to the Dense bias during training? Set `dense_bias_before_bn`:
#
# - (a) it is cancelled when the batch mean is subtracted, so it has no effect; `beta`
#   plays its role
# - (b) it is added after normalization, so it shifts the output
# - (c) it is divided by the standard deviation and otherwise kept
# - (d) it makes the moving variance grow
#
# **6.4 Why language models use layer normalization.** Set `layernorm_reason` to the
# main reason transformers normalize with LayerNorm rather than BatchNorm:
#
# - (a) LayerNorm has fewer parameters
# - (b) LayerNorm is faster on GPUs
# - (c) LayerNorm's statistics come from each sample alone: they do not depend on the
#   batch size or on the other (padded, variable-length) sequences, and training and
#   inference compute the same thing
# - (d) LayerNorm does not need `gamma` and `beta`


# %% nbgrader={"grade": false, "grade_id": "concepts", "locked": false, "schema_version": 3, "solution": true}
single_sample_output = None
steps_to_converge = None
dense_bias_before_bn = None
layernorm_reason = None
### BEGIN SOLUTION
single_sample_output = "b"  # x - mean is 0, so x_hat is 0 and the output is beta
steps_to_converge = 299  # 2 * (1 - 0.99**k) >= 1.9  <=>  0.99**k <= 0.05
dense_bias_before_bn = "a"
layernorm_reason = "c"
### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_single_sample_output", "locked": true, "points": 1, "schema_version": 3, "solution": false}
with answers:
    choice = single_sample_output
assert choice in {"a", "b", "c", "d"}, "set single_sample_output to one of 'a', 'b', 'c', 'd'"
### BEGIN HIDDEN TESTS
probe = keras_batchnorm((1, 3), random_batchnorm_weights(3, np.random.default_rng(15)))
one_sample = np.array([[0.3, -2.0, 5.0]], dtype="float32")
produced = np.array(probe(one_sample, training=True))[0]
candidates = {
    "a": np.zeros(3),
    "b": np.array(probe.beta),
    "c": one_sample[0],
    "d": np.array(probe.gamma) * one_sample[0] + np.array(probe.beta),
}
assert np.allclose(candidates[choice], produced, atol=1e-4), (
    "not what the layer computes: work out the batch mean and x - mean for a batch of one"
)
### END HIDDEN TESTS


# %% nbgrader={"grade": true, "grade_id": "test_steps_to_converge", "locked": true, "points": 1, "schema_version": 3, "solution": false}
with answers:
    steps_answer = steps_to_converge
assert isinstance(steps_answer, int), "store a whole number in steps_to_converge"
### BEGIN HIDDEN TESTS
moving_mean, steps = 0.0, 0
while moving_mean < 1.9:
    moving_mean = moving_mean * 0.99 + 2.0 * (1 - 0.99)
    steps += 1
assert steps_answer == steps, (
    "not the right number of steps: after k steps the moving mean is 2 * (1 - 0.99**k)"
)
### END HIDDEN TESTS


# %% nbgrader={"grade": true, "grade_id": "test_dense_bias_before_bn", "locked": true, "points": 1, "schema_version": 3, "solution": false}
with answers:
    choice = dense_bias_before_bn
assert choice in {"a", "b", "c", "d"}, "set dense_bias_before_bn to one of 'a', 'b', 'c', 'd'"
### BEGIN HIDDEN TESTS
assert choice == "a", "write out the batch mean of x W + b: where does b go?"
### END HIDDEN TESTS


# %% nbgrader={"grade": true, "grade_id": "test_layernorm_reason", "locked": true, "points": 1, "schema_version": 3, "solution": false}
with answers:
    choice = layernorm_reason
assert choice in {"a", "b", "c", "d"}, "set layernorm_reason to one of 'a', 'b', 'c', 'd'"
### BEGIN HIDDEN TESTS
assert choice == "c", "compare what each normalization averages over"
### END HIDDEN TESTS


# %% [markdown]
# **6.5 Written answer (graded by hand, 2 points).** Part 3 broke the same trained
# network in two ways. In four to six sentences: why does the network evaluated in
# training mode with batches of one image score about as well as guessing, why does the
# copy whose moving statistics were never updated fail in inference mode, and what
# does each failure tell you to check when a model with batch norm does well in
# training but badly at test time?


# %% [markdown] nbgrader={"grade": true, "grade_id": "written_train_vs_inference", "locked": false, "points": 2, "schema_version": 3, "solution": true}
# ### BEGIN SOLUTION
# With one image per batch, each batch norm sees a batch whose mean is the sample itself
# and whose variance is zero, so x − μ = 0 and every channel outputs β: the image is
# erased and the network gives the same logits, hence the same class, for every input;
# the accuracy is that of always guessing one digit. The stale copy normalizes with mean
# 0 and variance 1 instead of the statistics its layers actually produce, so the next
# layers receive activations with a shift and scale they never saw in training, and the
# predictions collapse. In training every batch was normalized with its own statistics,
# so neither problem shows in the training loss. When test accuracy is far below
# training accuracy, check that the model is called with `training=False` (or through
# `predict`/`evaluate`), that the moving statistics were updated (they are not the
# initial zeros and ones, and enough steps were taken for the momentum), and that
# evaluation batches are not tiny when training mode is used.
# ### END SOLUTION
