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
# # Assignment 2: backpropagation, activations and initialization
#
# In assignment 1 an engine found the gradients for you. Here you write them by hand,
# one layer at a time, check them the way practitioners do, train networks on
# handwritten digits, and measure what the choice of activation and of initial weights
# does to the signals that flow through a deep network. Read chapter 02 first.
#
# 1. Layers with a forward and a backward pass, and a numeric gradient checker (part 1).
# 2. A multilayer perceptron built from those layers: sanity checks, then training on
#    digits (part 2).
# 3. Initialization: symmetry, scale and depth (part 3).
# 4. Vanishing gradients: sigmoid against ReLU (part 4).
# 5. The same network in Keras, gradient for gradient (part 5).
# 6. Concept checks (part 6).
#
# **How this is graded.** Write your code between the lines `# YOUR CODE HERE` and the
# end of the cell, replacing `raise NotImplementedError()`. Each test cell is worth the
# points in its header; the tests you see are a first check, and hidden tests check more
# cases (other shapes, other activations, extreme inputs) when your notebook is graded.
# Most tests compare your numbers with TensorFlow's on the same computation. Before you
# submit, run `dlcourse check a02_backprop.ipynb`, which restarts the kernel and runs
# everything top to bottom, as the grader will. The whole notebook should run in well
# under a minute.
#
# **Reading a test.** The lines under `with answers:` call your code; the other lines
# prepare inputs and check what those lines produced. When your notebook is graded, the
# checks run in a separate process that receives only the values your code returned,
# as data: NumPy arrays, numbers, strings, and lists, tuples or dicts of them.

# %% nbgrader={"grade": false, "grade_id": "setup", "locked": true, "schema_version": 3, "solution": false}
import keras
import matplotlib.pyplot as plt
import numpy as np
import tensorflow as tf
from threadpoolctl import threadpool_limits

import course
from course.checks import (
    Tolerance,
    answers,
    assert_close,
    assert_gradient_close,
    assert_shape,
    numeric_gradient,
    relative_error,
)
from course.data import load_digits
from course.plotting import plot_curves

course.setup(seed=0)
# NumPy's matrix products here are small: one BLAS thread is faster for them, and it
# avoids long stalls when other programs share the processor.
threadpool_limits(limits=1, user_api="blas")


# %% [markdown]
# ## Part 1: layers with a forward and a backward pass
#
# Every layer of this assignment keeps the same contract, written once in the base
# class `Layer` below:
#
# - `forward(x)` returns the output and keeps, as attributes of the layer, whatever the
#   backward pass will need (the input, a mask, the output).
# - `backward(upstream)` receives `upstream` = ∂L/∂out, an array with the shape of the
#   output. It stores ∂L/∂p in `self.grads[name]` for every parameter
#   `p = self.params[name]` (each gradient has the shape of its parameter) and returns
#   ∂L/∂x, an array with the shape of the input.
#
# Inputs are batches: `x` has shape `(n, features)`, one example per row. Write
# vectorized NumPy (no Python loop over examples is needed), keep the dtype of the input
# (do not cast), and never modify `x` or `upstream` in place: other layers still use them.


# %% nbgrader={"grade": false, "grade_id": "layer_base", "locked": true, "schema_version": 3, "solution": false}
class Layer:
    """Base class of the NumPy layers of this assignment.

    Attributes:
        params: parameter arrays by name, e.g. {"w": ..., "b": ...}; empty for activations.
        grads: dL/d(parameter) by the same names, filled by `backward`.
    """

    def __init__(self):
        self.params = {}
        self.grads = {}

    def forward(self, x):
        raise NotImplementedError

    def backward(self, upstream):
        raise NotImplementedError

    def __repr__(self):
        shapes = ", ".join(f"{name}={value.shape}" for name, value in self.params.items())
        return f"{type(self).__name__}({shapes})"


# %% [markdown]
# ### 1.1 Checking a backward pass with finite differences
#
# A layer's output is an array, but finite differences need a scalar. Use a surrogate
# loss: pick an upstream gradient `u` with the output's shape and let
#
# S(x) = Σ u ⊙ forward(x)   (the sum of the elementwise product).
#
# By the chain rule, ∂S/∂x is exactly what `backward(u)` must return, and ∂S/∂p is what
# it must store for each parameter p. Choose `u` with different, random entries: with
# `u` all ones, a backward pass that forgets to multiply by the upstream gradient would
# still pass.
#
# Two tools from `course.checks` are imported:
#
# - `numeric_gradient(f, a, h)`: central differences (f(a + h eᵢ) - f(a - h eᵢ)) / 2h
#   for every entry i of the float64 array `a`. It changes `a` **in place**, one entry at
#   a time, calls `f(a)`, and restores it. To differentiate with respect to a parameter,
#   pass the parameter array itself (`layer.params[name]`) and let `f` ignore its
#   argument and call `layer.forward(x)`, which reads the perturbed array.
# - `relative_error(a, b)`: max over entries of |a - b| / max(1e-8, |a| + |b|).
#
# In float64, a correct backward pass gives relative errors around 1e-9 or below, a
# wrong one around 1e-2 or above; the tests use 1e-7 as the threshold.
#
# Write `layer_gradient_errors(layer, x, upstream, h)`. Run `forward(x)` and
# `backward(upstream)` and copy the analytic gradients (later forward calls may
# overwrite what the layer stored). Then, for `x` and for each parameter, compute the
# numeric gradient of S and its relative error to the analytic one. Return a dict with
# one entry `"x"` and one entry per parameter name.


# %% nbgrader={"grade": false, "grade_id": "gradient_check", "locked": false, "schema_version": 3, "solution": true}
def layer_gradient_errors(layer, x, upstream, h=1e-4):
    """Relative errors of layer.backward against central differences, for x and each parameter."""
    ### BEGIN SOLUTION
    layer.forward(x)
    analytic = {"x": np.array(layer.backward(upstream), copy=True)}
    for name, gradient in layer.grads.items():
        analytic[name] = np.array(gradient, copy=True)

    def surrogate(_):
        return float(np.sum(upstream * layer.forward(x)))

    errors = {}
    for name, gradient in analytic.items():
        target = x if name == "x" else layer.params[name]
        errors[name] = relative_error(gradient, numeric_gradient(surrogate, target, h=h))
    return errors
    ### END SOLUTION


# %% [markdown]
# The test below runs your checker on a small layer whose gradients are known,
# `ScaledTanh`: out = γ ⊙ tanh(x) + β, with one γ and one β per feature. It must report
# tiny errors for the correct layer and a large error, for the right name, when a
# gradient is wrong.


# %% nbgrader={"grade": true, "grade_id": "test_gradient_check", "locked": true, "points": 2, "schema_version": 3, "solution": false}
class ScaledTanh(Layer):
    """out = gamma * tanh(x) + beta; `broken` names a gradient to compute wrongly."""

    def __init__(self, gamma, beta, broken=None):
        super().__init__()
        self.params = {"gamma": gamma, "beta": beta}
        self.broken = broken

    def forward(self, x):
        self.t = np.tanh(x)
        return self.params["gamma"] * self.t + self.params["beta"]

    def backward(self, upstream):
        gamma_factor = 1.0 if self.broken == "gamma" else upstream
        self.grads["gamma"] = np.sum(gamma_factor * self.t, axis=0)
        self.grads["beta"] = np.sum(upstream, axis=0)
        local = (1 - self.t) if self.broken == "x" else (1 - self.t**2)
        return upstream * self.params["gamma"] * local


rng = np.random.default_rng(20)
x = rng.normal(size=(4, 3))
upstream = rng.choice([-1.0, 1.0], size=(4, 3)) * rng.uniform(0.5, 1.5, size=(4, 3))
gamma, beta = rng.normal(size=3), rng.normal(size=3)
with answers:
    errors = layer_gradient_errors(ScaledTanh(gamma, beta), x, upstream)
assert set(errors) == {"x", "gamma", "beta"}, (
    f"expected one error for 'x' and one per parameter, got the keys {sorted(errors)}"
)
assert max(errors.values()) < 1e-7, (
    f"a correct layer should pass the check, got {errors}: use the surrogate sum(upstream * "
    "forward(x)) and compare with the gradients of the same point"
)
### BEGIN HIDDEN TESTS
for broken in ["gamma", "x"]:
    gamma, beta = rng.normal(size=3), rng.normal(size=3)
    x = rng.normal(size=(5, 3))
    upstream = rng.choice([-1.0, 1.0], size=(5, 3)) * rng.uniform(0.5, 1.5, size=(5, 3))
    gamma_before, beta_before, x_before = gamma.copy(), beta.copy(), x.copy()
    with answers:
        errors = layer_gradient_errors(ScaledTanh(gamma, beta, broken=broken), x, upstream)
        after_check = {"gamma": gamma, "beta": beta, "x": x}  # the arrays the check received
    parameters_unchanged = np.array_equal(after_check["gamma"], gamma_before) and (
        np.array_equal(after_check["beta"], beta_before)
    )
    assert parameters_unchanged, (
        "the parameters changed during the check: numeric_gradient restores them, so do not "
        "modify them yourself"
    )
    assert np.array_equal(after_check["x"], x_before), "x changed during the check"
    # The true gradients, for an independent value of the broken entry's relative error.
    reference = ScaledTanh(gamma, beta)
    reference.forward(x)
    true_gradients = {"x": reference.backward(upstream), **reference.grads}
    faulty = ScaledTanh(gamma, beta, broken=broken)
    faulty.forward(x)
    faulty_gradients = {"x": faulty.backward(upstream), **faulty.grads}
    expected_error = relative_error(faulty_gradients[broken], true_gradients[broken])
    assert_close(
        errors[broken],
        expected_error,
        f"the error reported for a wrong gradient of {broken!r}",
        tol=Tolerance(rtol=1e-3, atol=0.0),
        hint="Compare the analytic gradient with the numeric one of the same array.",
    )
    others = {name: error for name, error in errors.items() if name != broken}
    assert max(others.values()) < 1e-7, (
        f"only the gradient of {broken!r} is wrong, yet the check reports {others} for the others"
    )
### END HIDDEN TESTS


# %% [markdown]
# ### 1.2 The affine layer
#
# out = x W + b, with x of shape `(n, d)`, W of shape `(d, m)`, b of shape `(m,)` and
# out of shape `(n, m)`. With U = ∂L/∂out of shape `(n, m)`:
#
# | gradient | formula | shape |
# |---|---|---|
# | ∂L/∂W | xᵀ U | `(d, m)` |
# | ∂L/∂b | U summed over the batch (the rows) | `(m,)` |
# | ∂L/∂x | U Wᵀ | `(n, d)` |
#
# The bias is added to every row, so its gradient collects one contribution per example.
#
# The tests check a layer in two steps. Under `with answers:`, `layer_results` runs your
# layer on `x` and `upstream` and collects, as arrays, its output, the gradients of its
# backward pass and float64 central-difference gradients of x and every parameter. Then
# `check_layer_results` compares those with the same computation written in TensorFlow:
# first the output, then the backward pass against `tf.GradientTape` (given the same
# upstream gradient), then the gradient check. `check_layer` does both at once.
# `random_upstream` draws upstream gradients with random signs and magnitudes between
# 0.5 and 1.5: different entries, and none so close to zero that relative errors become
# meaningless. You can call these yourself while you debug.


# %% nbgrader={"grade": false, "grade_id": "oracle", "locked": true, "schema_version": 3, "solution": false}
def random_upstream(rng, shape):
    """Upstream gradients with random signs and magnitudes in [0.5, 1.5]."""
    return rng.choice([-1.0, 1.0], size=shape) * rng.uniform(0.5, 1.5, size=shape)


def tf_mean_cross_entropy(logits, labels):
    """TensorFlow's mean softmax cross-entropy of `logits` (n, C) and integer `labels`."""
    return tf.reduce_mean(
        tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=logits)
    )


def snapshot(value):
    """A copy of an array (a later call may overwrite it in place); anything else as is."""
    return value.copy() if isinstance(value, np.ndarray) else value


def layer_results(layer, x, upstream):
    """Runs `layer` forward on x and backward from `upstream` (both in float64).

    Returns, as arrays: the output, dL/dx returned by backward, a copy of `layer.grads`,
    and the central-difference gradients of sum(upstream * forward(x)) with respect to
    x and to each parameter.
    """
    x = np.array(x, dtype=np.float64)
    upstream = np.array(upstream, dtype=np.float64)
    output = snapshot(layer.forward(x))
    input_gradient = snapshot(layer.backward(upstream))
    grads = {key: snapshot(value) for key, value in layer.grads.items()}

    def surrogate(_):
        return np.sum(upstream * layer.forward(x))

    numeric = {"x": numeric_gradient(surrogate, x, h=1e-4)}
    for key in layer.params:
        numeric[key] = numeric_gradient(surrogate, layer.params[key], h=1e-4)
    return {"output": output, "input_gradient": input_gradient, "grads": grads, "numeric": numeric}


def check_layer_results(results, x, upstream, params, reference, name):
    """Checks `layer_results(layer, x, upstream)` against TensorFlow and against the
    central differences.

    `params` are the layer's parameters by name, and `reference(x, params)` computes the
    layer's output with TensorFlow ops, `params` mapping those names to `tf.Variable`s.
    """
    x = np.array(x, dtype=np.float64)
    upstream = np.array(upstream, dtype=np.float64)
    x_variable = tf.Variable(x)
    variables = {key: tf.Variable(value) for key, value in params.items()}
    with tf.GradientTape() as tape:
        expected = reference(x_variable, variables)
    assert_close(results["output"], expected, f"{name}.forward(x)")
    input_gradient = results["input_gradient"]
    assert_shape(input_gradient, x.shape, f"the value returned by {name}.backward")
    missing = sorted(set(params) - set(results["grads"]))
    assert not missing, f"{name}.backward did not store the gradients of {missing} in grads"
    analytic = {"x": input_gradient}
    analytic.update({key: results["grads"][key] for key in params})
    tape_gradients = tape.gradient(
        expected, [x_variable, *variables.values()], output_gradients=tf.constant(upstream)
    )
    for key, tape_gradient in zip(["x", *variables], tape_gradients, strict=True):
        assert_close(
            analytic[key],
            tape_gradient,
            f"{name}: dL/d{key}",
            hint="Multiply the upstream gradient by the local derivative, and give each "
            "gradient the shape of the array it belongs to.",
        )
    for key, gradient in analytic.items():
        assert_gradient_close(gradient, results["numeric"][key], f"{name}: dL/d{key}")


def check_layer(layer, x, upstream, reference, name):
    """Both steps in one kernel, for debugging: `layer_results`, then the checks."""
    results = layer_results(layer, x, upstream)
    check_layer_results(results, x, upstream, layer.params, reference, name)


# %% nbgrader={"grade": false, "grade_id": "affine", "locked": false, "schema_version": 3, "solution": true}
class Affine(Layer):
    """Fully connected layer: out = x @ w + b.

    Args:
        w: weights of shape (in_features, out_features).
        b: biases of shape (out_features,).
    """

    def __init__(self, w, b):
        super().__init__()
        if np.ndim(w) != 2 or np.shape(b) != (np.shape(w)[1],):
            raise ValueError(
                "Expected w of shape (d, m) and b of shape (m,), received: "
                f"{np.shape(w)} and {np.shape(b)}"
            )
        self.params = {"w": w, "b": b}

    def forward(self, x):
        ### BEGIN SOLUTION
        self.x = x
        return x @ self.params["w"] + self.params["b"]
        ### END SOLUTION

    def backward(self, upstream):
        ### BEGIN SOLUTION
        self.grads["w"] = self.x.T @ upstream
        self.grads["b"] = upstream.sum(axis=0)
        return upstream @ self.params["w"].T
        ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_affine", "locked": true, "points": 3, "schema_version": 3, "solution": false}
def tf_affine(x, params):
    return x @ params["w"] + params["b"]


rng = np.random.default_rng(1)
w, b = rng.normal(size=(3, 4)), rng.normal(size=(4,))
x, upstream = rng.normal(size=(5, 3)), random_upstream(rng, (5, 4))
with answers:
    results = layer_results(Affine(w, b), x, upstream)
check_layer_results(results, x, upstream, {"w": w, "b": b}, tf_affine, "Affine")
### BEGIN HIDDEN TESTS
for n, d, m in [(1, 4, 2), (7, 2, 3), (3, 6, 6), (10, 5, 1)]:
    w, b = rng.normal(size=(d, m)), rng.normal(size=(m,))
    x, upstream = rng.normal(size=(n, d)) * 2.0, random_upstream(rng, (n, m))
    with answers:
        results = layer_results(Affine(w, b), x, upstream)
    name = f"Affine with x {(n, d)} and w {(d, m)}"
    check_layer_results(results, x, upstream, {"w": w, "b": b}, tf_affine, name)
### END HIDDEN TESTS


# %% [markdown]
# ### 1.3 Activation layers
#
# Each activation acts elementwise and has no parameters. Its backward pass multiplies
# the upstream gradient, entry by entry, by the local derivative:
#
# | layer | forward | local derivative |
# |---|---|---|
# | `ReLU` | max(0, x) | 1 where x > 0, else 0 (also at x = 0, as in TensorFlow) |
# | `LeakyReLU` | x where x > 0, else a·x (a = `negative_slope`) | 1 where x > 0, else a |
# | `Sigmoid` | g = 1 / (1 + e⁻ˣ) | g (1 - g) |
# | `Tanh` | g = tanh x | 1 - g² |
#
# For sigmoid and tanh, keep the **output** g from the forward pass: the derivative is
# cheapest to write in terms of it. Note which variable you plug in.


# %% nbgrader={"grade": false, "grade_id": "activations", "locked": false, "schema_version": 3, "solution": true}
class ReLU(Layer):
    """Rectified linear unit: max(0, x)."""

    def forward(self, x):
        ### BEGIN SOLUTION
        self.mask = x > 0
        return x * self.mask
        ### END SOLUTION

    def backward(self, upstream):
        ### BEGIN SOLUTION
        return upstream * self.mask
        ### END SOLUTION


class LeakyReLU(Layer):
    """Leaky ReLU: x where x > 0, negative_slope * x elsewhere."""

    def __init__(self, negative_slope=0.01):
        super().__init__()
        if negative_slope < 0:
            raise ValueError(f"Expected negative_slope >= 0, received: {negative_slope}")
        self.negative_slope = negative_slope

    def forward(self, x):
        ### BEGIN SOLUTION
        self.positive = x > 0
        return np.where(self.positive, x, self.negative_slope * x)
        ### END SOLUTION

    def backward(self, upstream):
        ### BEGIN SOLUTION
        return np.where(self.positive, upstream, self.negative_slope * upstream)
        ### END SOLUTION


class Sigmoid(Layer):
    """Logistic sigmoid: 1 / (1 + exp(-x))."""

    def forward(self, x):
        ### BEGIN SOLUTION
        self.out = 1.0 / (1.0 + np.exp(-x))
        return self.out
        ### END SOLUTION

    def backward(self, upstream):
        ### BEGIN SOLUTION
        return upstream * self.out * (1.0 - self.out)
        ### END SOLUTION


class Tanh(Layer):
    """Hyperbolic tangent."""

    def forward(self, x):
        ### BEGIN SOLUTION
        self.out = np.tanh(x)
        return self.out
        ### END SOLUTION

    def backward(self, upstream):
        ### BEGIN SOLUTION
        return upstream * (1.0 - self.out**2)
        ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_relu", "locked": true, "points": 1, "schema_version": 3, "solution": false}
def away_from_zero(rng, shape, low=0.1, high=2.0):
    """Inputs with random signs and magnitudes in [low, high]: no kink within h."""
    return rng.choice([-1.0, 1.0], size=shape) * rng.uniform(low, high, size=shape)


rng = np.random.default_rng(2)
x, upstream = away_from_zero(rng, (4, 5)), random_upstream(rng, (4, 5))
with answers:
    results = layer_results(ReLU(), x, upstream)
check_layer_results(results, x, upstream, {}, lambda x, p: tf.nn.relu(x), "ReLU")
### BEGIN HIDDEN TESTS
for shape in [(1, 7), (6, 3)]:
    x, upstream = away_from_zero(rng, shape, high=5.0), random_upstream(rng, shape)
    with answers:
        results = layer_results(ReLU(), x, upstream)
    check_layer_results(results, x, upstream, {}, lambda x, p: tf.nn.relu(x), "ReLU")
# At exactly 0 the derivative is taken as 0, as TensorFlow does.
zeros = np.zeros((2, 3))
with answers:
    relu_at_zero = ReLU()
    forward_at_zero = relu_at_zero.forward(zeros)
    backward_at_zero = relu_at_zero.backward(np.ones((2, 3)))
assert_close(forward_at_zero, zeros, "ReLU.forward(0)")
assert_close(backward_at_zero, zeros, "ReLU.backward at x = 0", hint="Use x > 0, strictly.")
### END HIDDEN TESTS


# %% nbgrader={"grade": true, "grade_id": "test_leaky_relu", "locked": true, "points": 1, "schema_version": 3, "solution": false}
rng = np.random.default_rng(3)
x, upstream = away_from_zero(rng, (4, 5)), random_upstream(rng, (4, 5))
with answers:
    results = layer_results(LeakyReLU(), x, upstream)
check_layer_results(
    results, x, upstream, {}, lambda x, p: tf.nn.leaky_relu(x, alpha=0.01), "LeakyReLU()"
)
### BEGIN HIDDEN TESTS
for slope, shape in [(0.2, (3, 6)), (0.5, (1, 4)), (0.0, (5, 2))]:
    x, upstream = away_from_zero(rng, shape, high=4.0), random_upstream(rng, shape)
    with answers:
        results = layer_results(LeakyReLU(negative_slope=slope), x, upstream)
    check_layer_results(
        results,
        x,
        upstream,
        {},
        lambda x, p, slope=slope: tf.nn.leaky_relu(x, alpha=slope),
        f"LeakyReLU(negative_slope={slope})",
    )
### END HIDDEN TESTS


# %% nbgrader={"grade": true, "grade_id": "test_sigmoid", "locked": true, "points": 2, "schema_version": 3, "solution": false}
rng = np.random.default_rng(4)
x, upstream = rng.normal(size=(4, 5)), random_upstream(rng, (4, 5))
with answers:
    results = layer_results(Sigmoid(), x, upstream)
check_layer_results(results, x, upstream, {}, lambda x, p: tf.sigmoid(x), "Sigmoid")
### BEGIN HIDDEN TESTS
for shape, scale in [((1, 6), 1.0), ((5, 3), 3.0), ((2, 8), 0.1)]:
    x, upstream = rng.normal(size=shape) * scale, random_upstream(rng, shape)
    with answers:
        results = layer_results(Sigmoid(), x, upstream)
    check_layer_results(results, x, upstream, {}, lambda x, p: tf.sigmoid(x), "Sigmoid")
### END HIDDEN TESTS


# %% nbgrader={"grade": true, "grade_id": "test_tanh", "locked": true, "points": 2, "schema_version": 3, "solution": false}
rng = np.random.default_rng(5)
x, upstream = rng.normal(size=(4, 5)), random_upstream(rng, (4, 5))
with answers:
    results = layer_results(Tanh(), x, upstream)
check_layer_results(results, x, upstream, {}, lambda x, p: tf.tanh(x), "Tanh")
### BEGIN HIDDEN TESTS
for shape, scale in [((1, 6), 1.0), ((5, 3), 2.0), ((2, 8), 0.1)]:
    x, upstream = rng.normal(size=shape) * scale, random_upstream(rng, shape)
    with answers:
        results = layer_results(Tanh(), x, upstream)
    check_layer_results(results, x, upstream, {}, lambda x, p: tf.tanh(x), "Tanh")
### END HIDDEN TESTS


# %% [markdown]
# ### 1.4 Softmax and cross-entropy
#
# For logits z of shape `(n, C)` and integer labels y of shape `(n,)`:
#
# - softmax: pᵢₖ = exp(zᵢₖ) / Σⱼ exp(zᵢⱼ), row by row;
# - log-softmax: log pᵢₖ = zᵢₖ - log Σⱼ exp(zᵢⱼ);
# - mean cross-entropy: L = -(1/n) Σᵢ log pᵢ,yᵢ;
# - its gradient: ∂L/∂z = (P - Y) / n, where Y is the one-hot encoding of y.
#
# `exp(1000)` overflows to infinity. Subtracting the row maximum mᵢ from every logit of
# row i changes no probability (the factor exp(-mᵢ) cancels), and then the largest
# exponential is exp(0) = 1. Compute the loss from the log-softmax, not from the log of
# probabilities that may have rounded to zero.
#
# Write `log_softmax(logits)` and the class `SoftmaxCrossEntropy`: `forward(logits,
# labels)` returns the mean loss (one number) and keeps what `backward()` needs;
# `backward()` returns ∂L/∂logits. The loss is the last node, so its backward pass takes
# no upstream gradient (it is 1).


# %% nbgrader={"grade": false, "grade_id": "softmax_cross_entropy", "locked": false, "schema_version": 3, "solution": true}
def log_softmax(logits):
    """Row-wise log of the softmax of `logits` (n, C), stable for large logits."""
    ### BEGIN SOLUTION
    shifted = logits - logits.max(axis=1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    ### END SOLUTION


class SoftmaxCrossEntropy:
    """Mean cross-entropy between softmax(logits) and integer labels."""

    def forward(self, logits, labels):
        ### BEGIN SOLUTION
        log_probabilities = log_softmax(logits)
        self.probabilities = np.exp(log_probabilities)
        self.labels = labels
        return -np.mean(log_probabilities[np.arange(len(labels)), labels])
        ### END SOLUTION

    def backward(self):
        ### BEGIN SOLUTION
        gradient = self.probabilities.copy()
        gradient[np.arange(len(self.labels)), self.labels] -= 1.0
        return gradient / len(self.labels)
        ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_log_softmax", "locked": true, "points": 1, "schema_version": 3, "solution": false}
rng = np.random.default_rng(6)
logits = rng.normal(size=(3, 4))
with answers:
    result = log_softmax(logits)
assert_close(result, tf.nn.log_softmax(logits), "log_softmax(logits)")
### BEGIN HIDDEN TESTS
for shape, scale in [((1, 10), 1.0), ((6, 2), 5.0), ((4, 7), 20.0)]:
    logits = rng.normal(size=shape) * scale
    with answers:
        result = log_softmax(logits)
    assert_close(result, tf.nn.log_softmax(logits), f"log_softmax of logits {shape}")
    assert_close(np.exp(result).sum(axis=1), np.ones(shape[0]), "softmax rows should sum to 1")
### END HIDDEN TESTS


# %% [markdown]
# The next test feeds logits around 1000 (and around -1000), where exp overflows (or
# underflows) unless the maximum is subtracted first.

# %% nbgrader={"grade": true, "grade_id": "test_softmax_stability", "locked": true, "points": 2, "schema_version": 3, "solution": false}
rng = np.random.default_rng(7)
large = 1000.0 + rng.normal(size=(3, 5))
with answers:
    result = log_softmax(large)
assert_close(
    result,
    tf.nn.log_softmax(large),
    "log_softmax of logits near 1000",
    hint="exp(1000) overflows: shift each row first.",
)
### BEGIN HIDDEN TESTS
for logits in [
    -1000.0 + rng.normal(size=(4, 3)),
    np.array([[1000.0, 0.0, -1000.0], [5.0, 800.0, 3.0]]),
    rng.normal(size=(2, 6)) * 300.0,
]:
    with answers:
        result = log_softmax(logits)
    assert_close(
        result,
        tf.nn.log_softmax(logits),
        "log_softmax of very large or very negative logits",
        hint="exp overflows above about 709 and rounds to 0 below about -745: shift each row.",
    )
logits, labels = 1000.0 + rng.normal(size=(6, 4)) * 2.0, rng.integers(0, 4, size=6)
with answers:
    loss_near_1000 = SoftmaxCrossEntropy()
    loss = loss_near_1000.forward(logits, labels)
    logits_gradient = loss_near_1000.backward()
assert_close(
    loss,
    tf_mean_cross_entropy(logits, labels),
    "SoftmaxCrossEntropy.forward on logits near 1000",
    hint="Compute the loss from the stable log-softmax.",
)
logits_variable = tf.Variable(logits)
with tf.GradientTape() as tape:
    reference_loss = tf_mean_cross_entropy(logits_variable, labels)
assert_close(
    logits_gradient,
    tape.gradient(reference_loss, logits_variable),
    "SoftmaxCrossEntropy.backward() on logits near 1000",
)
### END HIDDEN TESTS


# %% nbgrader={"grade": true, "grade_id": "test_softmax_cross_entropy", "locked": true, "points": 3, "schema_version": 3, "solution": false}
rng = np.random.default_rng(8)
logits, labels = rng.normal(size=(5, 4)), rng.integers(0, 4, size=5)
with answers:
    softmax_loss = SoftmaxCrossEntropy()
    loss = softmax_loss.forward(logits, labels)
    logits_gradient = softmax_loss.backward()
assert np.ndim(loss) == 0, "forward should return one number: the mean loss over the batch"
assert_close(loss, tf_mean_cross_entropy(logits, labels), "SoftmaxCrossEntropy.forward")
logits_variable = tf.Variable(logits)
with tf.GradientTape() as tape:
    reference_loss = tf_mean_cross_entropy(logits_variable, labels)
assert_close(
    logits_gradient,
    tape.gradient(reference_loss, logits_variable),
    "SoftmaxCrossEntropy.backward()",
    hint="The loss is a mean over the batch; look at how each example's term is weighted.",
)
### BEGIN HIDDEN TESTS
for n, classes, scale in [(1, 10, 1.0), (8, 3, 2.0), (12, 10, 0.5)]:
    logits, labels = rng.normal(size=(n, classes)) * scale, rng.integers(0, classes, size=n)
    with answers:
        batch_loss_function = SoftmaxCrossEntropy()
        batch_loss = batch_loss_function.forward(logits, labels)
        analytic = snapshot(batch_loss_function.backward())
        # Central differences of your forward pass, on a fresh loss object.
        numeric = numeric_gradient(
            lambda z, labels=labels: SoftmaxCrossEntropy().forward(z, labels), logits, h=1e-4
        )
    assert_close(
        batch_loss,
        tf_mean_cross_entropy(logits, labels),
        f"SoftmaxCrossEntropy.forward with {n} examples and {classes} classes",
    )
    logits_variable = tf.Variable(logits)
    with tf.GradientTape() as tape:
        reference_loss = tf_mean_cross_entropy(logits_variable, labels)
    assert_close(
        analytic,
        tape.gradient(reference_loss, logits_variable),
        f"SoftmaxCrossEntropy.backward() with {n} examples and {classes} classes",
        hint="The loss is a mean over the batch; look at how each example's term is weighted.",
    )
    assert_gradient_close(analytic, numeric, "SoftmaxCrossEntropy.backward()")
### END HIDDEN TESTS


# %% [markdown]
# ## Part 2: a multilayer perceptron
#
# ### 2.1 Assembling the layers
#
# 1. `Sequential(layers)`: `forward(x)` feeds `x` through the layers in order;
#    `backward(upstream)` feeds the gradient through them in **reverse** order, each
#    layer's returned ∂L/∂x becoming the upstream gradient of the layer before it, and
#    returns ∂L/∂x of the whole stack.
# 2. `init_weights(fan_in, fan_out, scheme, rng)`: a float weight matrix of shape
#    `(fan_in, fan_out)`, drawn from a zero-mean Gaussian with the standard deviation of
#    the table, using the NumPy generator `rng` (so that a seed reproduces it):
#
#    | scheme | standard deviation | meant for |
#    |---|---|---|
#    | `"zeros"` | 0 (all weights zero) | nothing: see part 3 |
#    | `"small"` | 0.01 | nothing: see part 3 |
#    | `"large"` | 1 | nothing: see part 3 |
#    | `"lecun"` | √(1 / fan_in) | tanh, SELU |
#    | `"xavier"` (Glorot) | √(2 / (fan_in + fan_out)) | tanh, sigmoid |
#    | `"he"` (Kaiming) | √(2 / fan_in) | ReLU and its variants |
#
# 3. `build_mlp(sizes, activation, init, seed)`: for `sizes = [64, 32, 10]`, the stack
#    Affine(64→32), activation, Affine(32→10): an `Affine` layer between each pair of
#    consecutive sizes, weights from `init_weights` with one generator
#    `np.random.default_rng(seed)`, biases zero with the weights' dtype, and an
#    activation layer (`ACTIVATIONS[activation]()`) after every affine layer but the
#    last. The output is the logits; the loss applies the softmax.

# %% nbgrader={"grade": false, "grade_id": "mlp", "locked": false, "schema_version": 3, "solution": true}
ACTIVATIONS = {"relu": ReLU, "leaky_relu": LeakyReLU, "sigmoid": Sigmoid, "tanh": Tanh}
INIT_SCHEMES = ("zeros", "small", "large", "lecun", "xavier", "he")


class Sequential:
    """A stack of layers: forward applies them in order, backward in reverse order."""

    def __init__(self, layers):
        self.layers = list(layers)

    def forward(self, x):
        ### BEGIN SOLUTION
        for layer in self.layers:
            x = layer.forward(x)
        return x
        ### END SOLUTION

    def backward(self, upstream):
        """Backpropagates dL/d(output) through every layer; returns dL/dx."""
        ### BEGIN SOLUTION
        for layer in reversed(self.layers):
            upstream = layer.backward(upstream)
        return upstream
        ### END SOLUTION

    def affine_layers(self):
        return [layer for layer in self.layers if isinstance(layer, Affine)]


def init_weights(fan_in, fan_out, scheme, rng):
    """A (fan_in, fan_out) weight matrix drawn with `scheme` from the generator `rng`."""
    if scheme not in INIT_SCHEMES:
        raise ValueError(f"Expected scheme to be one of {INIT_SCHEMES}, received: {scheme!r}")
    ### BEGIN SOLUTION
    standard_deviation = {
        "zeros": 0.0,
        "small": 0.01,
        "large": 1.0,
        "lecun": np.sqrt(1.0 / fan_in),
        "xavier": np.sqrt(2.0 / (fan_in + fan_out)),
        "he": np.sqrt(2.0 / fan_in),
    }[scheme]
    return standard_deviation * rng.standard_normal((fan_in, fan_out))
    ### END SOLUTION


def build_mlp(sizes, activation="relu", init="he", seed=0):
    """Affine layers between consecutive `sizes`, `activation` after all but the last."""
    ### BEGIN SOLUTION
    rng = np.random.default_rng(seed)
    layers = []
    for index, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:], strict=True)):
        weights = init_weights(fan_in, fan_out, init, rng)
        layers.append(Affine(weights, np.zeros(fan_out, dtype=weights.dtype)))
        if index < len(sizes) - 2:
            layers.append(ACTIVATIONS[activation]())
    return Sequential(layers)
    ### END SOLUTION


# %% [markdown]
# The tests of the whole network use the helpers below. `mlp_spec(model)` describes your
# `Sequential` as plain data: the class name of each layer, a copy of its parameters and,
# for a leaky ReLU, its slope. `tape_mlp(spec, x, labels)` rebuilds that forward pass with
# TensorFlow operations (your `forward` and `backward` are not used) and differentiates
# the mean cross-entropy with `tf.GradientTape`. It returns the logits, the output of
# every activation layer, ∂L/∂logits, the gradients of every weight matrix and bias, and
# ∂L/∂x; it also accepts a model, as in `tape_mlp(model, x, labels)`. `run_mlp(model, x,
# labels)` runs your forward pass and your backward pass from TensorFlow's ∂L/∂logits.

# %% nbgrader={"grade": false, "grade_id": "tape_mlp", "locked": true, "schema_version": 3, "solution": false}
TF_ACTIVATIONS = {
    "ReLU": lambda entry, h: tf.nn.relu(h),
    "LeakyReLU": lambda entry, h: tf.nn.leaky_relu(h, alpha=entry["negative_slope"]),
    "Sigmoid": lambda entry, h: tf.sigmoid(h),
    "Tanh": lambda entry, h: tf.tanh(h),
}


def mlp_spec(model):
    """A `Sequential` of our layers as data: one dict per layer, first to last."""
    spec = []
    for layer in model.layers:
        entry = {
            "kind": type(layer).__name__,
            "params": {key: snapshot(value) for key, value in layer.params.items()},
        }
        if hasattr(layer, "negative_slope"):
            entry["negative_slope"] = float(layer.negative_slope)
        spec.append(entry)
    return spec


def affine_params(spec):
    """The parameters {"w": ..., "b": ...} of each affine layer of a spec, first to last."""
    return [entry["params"] for entry in spec if entry["kind"] == "Affine"]


def tape_mlp(spec, x, labels):
    """TensorFlow's forward and backward pass of a `Sequential` of our layers (float64),
    given as `mlp_spec(model)` or as the model itself."""
    if not isinstance(spec, list):
        spec = mlp_spec(spec)
    x_variable = tf.Variable(np.asarray(x, dtype=np.float64))
    weights, biases, activations = [], [], []
    with tf.GradientTape() as tape:
        h = x_variable
        for entry in spec:
            if entry["kind"] == "Affine":
                weights.append(tf.Variable(np.asarray(entry["params"]["w"], dtype=np.float64)))
                biases.append(tf.Variable(np.asarray(entry["params"]["b"], dtype=np.float64)))
                h = h @ weights[-1] + biases[-1]
            else:
                h = TF_ACTIVATIONS[entry["kind"]](entry, h)
                activations.append(h)
        logits = h
        loss = tf_mean_cross_entropy(logits, np.asarray(labels))
    output_gradient, input_gradient, weight_gradients, bias_gradients = tape.gradient(
        loss, [logits, x_variable, weights, biases]
    )
    return {
        "loss": float(loss),
        "logits": logits.numpy(),
        "activations": [a.numpy() for a in activations],
        "output_gradient": output_gradient.numpy(),
        "input_gradient": input_gradient.numpy(),
        "weight_gradients": [gradient.numpy() for gradient in weight_gradients],
        "bias_gradients": [gradient.numpy() for gradient in bias_gradients],
    }


def run_mlp(model, x, labels):
    """Your side of a network test, as data: the model's spec (weights before the pass),
    the logits of `model.forward(x)`, and what `model.backward` returned (dL/dx) and
    stored (the grads of each affine layer), started from TensorFlow's dL/dlogits."""
    spec = mlp_spec(model)
    output_gradient = tape_mlp(spec, x, labels)["output_gradient"]
    logits = snapshot(model.forward(x))
    input_gradient = snapshot(model.backward(output_gradient))
    grads = [
        {key: snapshot(value) for key, value in layer.grads.items()}
        for layer in model.affine_layers()
    ]
    return {"spec": spec, "logits": logits, "input_gradient": input_gradient, "grads": grads}


def load_mlp_params(model, params):
    """Puts the weights and biases a test drew, `params` (one {"w": ..., "b": ...} per
    affine layer, first to last), into the affine layers of `model`; returns the model."""
    affine = model.affine_layers()
    if len(affine) != len(params):
        raise ValueError(
            f"the model has {len(affine)} Affine layers where the test expects {len(params)}"
        )
    for layer, values in zip(affine, params, strict=True):
        layer.params["w"] = np.array(values["w"], dtype=np.float64)
        layer.params["b"] = np.array(values["b"], dtype=np.float64)
    return model


def draw_mlp_params(rng, sizes, scale=0.5):
    """Weights and biases for the affine layers between consecutive `sizes`, drawn by a
    test: Gaussian, of standard deviation `scale` for the weights and 0.1 for the biases."""
    return [
        {"w": scale * rng.normal(size=(fan_in, fan_out)), "b": 0.1 * rng.normal(size=fan_out)}
        for fan_in, fan_out in zip(sizes[:-1], sizes[1:], strict=True)
    ]


def expected_spec(activation, params):
    """The spec of `build_mlp(sizes, activation)` once `load_mlp_params(model, params)`."""
    kind = {"relu": "ReLU", "leaky_relu": "LeakyReLU", "sigmoid": "Sigmoid", "tanh": "Tanh"}
    spec = []
    for index, values in enumerate(params):
        spec.append({"kind": "Affine", "params": {"w": values["w"], "b": values["b"]}})
        if index < len(params) - 1:
            spec.append({"kind": kind[activation], "params": {}})
            if activation == "leaky_relu":
                spec[-1]["negative_slope"] = 0.01
    return spec


def check_spec(spec, expected, name):
    """Checks that a model's spec has the layers of `expected` and holds its parameters."""
    kinds = [entry["kind"] for entry in spec]
    assert kinds == [entry["kind"] for entry in expected], (
        f"{name}: the model has the layers {kinds}: build_mlp puts an Affine layer between "
        "consecutive sizes and the activation after every Affine layer but the last"
    )
    pairs = zip(affine_params(spec), affine_params(expected), strict=True)
    for index, (got, want) in enumerate(pairs):
        for key in ("w", "b"):
            assert np.array_equal(got[key], want[key]), (
                f"{name}: Affine layer {index} does not hold the {key} the test loaded into it"
            )


# %% nbgrader={"grade": true, "grade_id": "test_init_weights", "locked": true, "points": 2, "schema_version": 3, "solution": false}
with answers:
    init_rng = np.random.default_rng(9)  # made here: a generator is not data
    zeros = init_weights(3, 5, "zeros", init_rng)
    he = init_weights(400, 200, "he", init_rng)
assert_shape(zeros, (3, 5), "init_weights(3, 5, 'zeros', rng)")
assert np.all(zeros == 0), "the 'zeros' scheme should give all-zero weights"
assert_shape(he, (400, 200), "init_weights(400, 200, 'he', rng)")
keras_he = keras.initializers.HeNormal(seed=1)((400, 200)).numpy()
assert_close(
    he.std(),
    keras_he.std(),
    "the standard deviation of He weights",
    tol=Tolerance(rtol=0.03, atol=0.0),
    hint="Look at the table: which fan does He use?",
)
### BEGIN HIDDEN TESTS
fan_in, fan_out = 300, 100
schemes = ["small", "large", "lecun", "xavier", "he"]
with answers:
    scheme_rng = np.random.default_rng(10)
    drawn = [init_weights(fan_in, fan_out, scheme, scheme_rng) for scheme in schemes]
    first = init_weights(20, 10, "xavier", np.random.default_rng(123))
    again = init_weights(20, 10, "xavier", np.random.default_rng(123))
references = {
    "small": keras.initializers.RandomNormal(stddev=0.01, seed=2),
    "large": keras.initializers.RandomNormal(stddev=1.0, seed=3),
    "lecun": keras.initializers.LecunNormal(seed=4),
    "xavier": keras.initializers.GlorotNormal(seed=5),
    "he": keras.initializers.HeNormal(seed=6),
}
for scheme, weights in zip(schemes, drawn, strict=True):
    initializer = references[scheme]
    assert_shape(weights, (fan_in, fan_out), f"init_weights({fan_in}, {fan_out}, {scheme!r}, rng)")
    assert np.issubdtype(weights.dtype, np.floating), f"{scheme!r} weights should be floats"
    reference = initializer((fan_in, fan_out)).numpy()
    assert_close(
        weights.std(),
        reference.std(),
        f"the standard deviation of {scheme!r} weights with fan_in={fan_in}, fan_out={fan_out}",
        tol=Tolerance(rtol=0.03, atol=0.0),
        hint="Check the formula of this scheme in the table.",
    )
    assert abs(weights.mean()) < 5 * reference.std() / np.sqrt(weights.size), (
        f"{scheme!r} weights should have mean zero"
    )
assert np.array_equal(first, again), "draw the weights from the generator rng, so seeds repeat"
### END HIDDEN TESTS


# %% nbgrader={"grade": true, "grade_id": "test_build_mlp", "locked": true, "points": 1, "schema_version": 3, "solution": false}
with answers:
    tanh_mlp = build_mlp([5, 4, 3, 2], activation="tanh", init="xavier", seed=0)
    kinds = [type(layer).__name__ for layer in tanh_mlp.layers]
assert kinds == ["Affine", "Tanh", "Affine", "Tanh", "Affine"], (
    f"build_mlp([5, 4, 3, 2], 'tanh') gave the layers {kinds}: an activation after every "
    "Affine layer but the last"
)
### BEGIN HIDDEN TESTS
for sizes, activation in [
    ([64, 10], "relu"),
    ([6, 8, 8, 8, 3], "sigmoid"),
    ([4, 2, 2], "leaky_relu"),
]:
    with answers:
        built = build_mlp(sizes, activation=activation, init="he", seed=3)
        spec = mlp_spec(built)
        is_activation = [isinstance(layer, ACTIVATIONS[activation]) for layer in built.layers[1::2]]
        twin_spec = mlp_spec(build_mlp(sizes, activation=activation, init="he", seed=3))
    affine = affine_params(spec)
    assert len(spec) == 2 * len(sizes) - 3, f"wrong number of layers for sizes {sizes}"
    expected_shapes = list(zip(sizes[:-1], sizes[1:], strict=True))
    assert [params["w"].shape for params in affine] == expected_shapes, (
        f"the weight shapes of build_mlp({sizes}) do not follow the sizes"
    )
    for params in affine:
        assert np.all(params["b"] == 0), "biases should start at zero"
        assert params["b"].shape == (params["w"].shape[1],), "one bias per output"
    assert all(is_activation), f"expected {activation} activations"
    for params, twin in zip(affine, affine_params(twin_spec), strict=True):
        assert np.array_equal(params["w"], twin["w"]), (
            "the same seed should give the same weights: use one generator, default_rng(seed)"
        )
### END HIDDEN TESTS


# %% nbgrader={"grade": true, "grade_id": "test_mlp_backward", "locked": true, "points": 3, "schema_version": 3, "solution": false}
def check_mlp_results(results, x, labels, expected, name):
    """Your forward and backward pass (`run_mlp`) against TensorFlow's on the weights the
    test loaded, `expected` being the spec the model should have."""
    check_spec(results["spec"], expected, name)
    reference = tape_mlp(expected, x, labels)
    assert_close(results["logits"], reference["logits"], f"{name}: forward(x)")
    assert len(results["grads"]) == len(reference["weight_gradients"]), (
        f"{name}: expected the grads of every Affine layer"
    )
    for index, grads in enumerate(results["grads"]):
        for key, gradients in [("w", "weight_gradients"), ("b", "bias_gradients")]:
            assert_close(
                grads[key],
                reference[gradients][index],
                f"{name}: dL/d{key} of Affine {index}",
            )
    assert_close(results["input_gradient"], reference["input_gradient"], f"{name}: dL/dx")


rng = np.random.default_rng(10)
x, labels = rng.normal(size=(7, 6)), rng.integers(0, 3, size=7)
params = draw_mlp_params(rng, [6, 5, 4, 3])
with answers:
    model = load_mlp_params(build_mlp([6, 5, 4, 3], "relu", "he", seed=1), params)
    results = run_mlp(model, x, labels)
check_mlp_results(results, x, labels, expected_spec("relu", params), "relu MLP")
### BEGIN HIDDEN TESTS
for activation in ["tanh", "sigmoid", "leaky_relu", "relu"]:
    sizes = [6, 8, 7, 5, 3]
    x, labels = rng.normal(size=(9, 6)), rng.integers(0, 3, size=9)
    params = draw_mlp_params(rng, sizes)
    with answers:
        model = load_mlp_params(build_mlp(sizes, activation, "xavier", seed=2), params)
        results = run_mlp(model, x, labels)
    name = f"{activation} MLP {sizes}"
    check_mlp_results(results, x, labels, expected_spec(activation, params), name)
### END HIDDEN TESTS


# %% [markdown]
# ### 2.2 Sanity checks before training
#
# The digits: 8×8 grey images of the digits 0 to 9, flattened to 64 features in [0, 1].
# 1437 training and 360 test examples, split once and for all.

# %% nbgrader={"grade": false, "grade_id": "digits", "locked": true, "schema_version": 3, "solution": false}
train_images, y_train = load_digits("train")
test_images, y_test = load_digits("test")
x_train = train_images.reshape(len(train_images), -1)
x_test = test_images.reshape(len(test_images), -1)
print(f"x_train {x_train.shape} {x_train.dtype}, x_test {x_test.shape}")
print("examples per class in training:", np.bincount(y_train))


# %% [markdown]
# Two checks catch most bugs before any long run (chapter 02, section 9):
#
# 1. **Initial loss.** An untrained classifier with small logits predicts nearly uniform
#    probabilities, so its loss should be close to that of the uniform prediction. Set
#    `expected_initial_loss` to that value for 10 classes (a formula, not a measurement).
#    Then build `untrained_model = build_mlp([64, 64, 10], "relu", "he", seed=0)` and set
#    `initial_loss` to your `SoftmaxCrossEntropy` loss on the whole training set. It
#    should be close to the expected value (He-initialised logits are not exactly zero,
#    so a little above is normal; far above means something is wrong).
# 2. **Overfit a tiny subset.** A network that cannot drive the loss of 20 examples to
#    almost zero has a bug. First write `train_sgd`, mini-batch stochastic gradient
#    descent on the mean cross-entropy:
#    - make one generator `np.random.default_rng(seed)`;
#    - each epoch, shuffle the example indices (`rng.permutation`) and cut them into
#      consecutive batches of `batch_size` (the last one may be smaller);
#    - for each batch: forward, loss, backward, then update **every** parameter of every
#      layer in place, p ← p - learning_rate · ∂L/∂p;
#    - return the list of the mean training loss of each epoch (the average of the batch
#      losses, each weighted by the batch size).
#
#    Then train `tiny_model = build_mlp([64, 64, 10], "relu", "he", seed=1)` on the first
#    20 training examples until the loss is below 0.01, and keep the list of losses in
#    `tiny_losses`.

# %% nbgrader={"grade": false, "grade_id": "initial_loss", "locked": false, "schema_version": 3, "solution": true}
expected_initial_loss = None
untrained_model = None
initial_loss = None
### BEGIN SOLUTION
expected_initial_loss = float(np.log(10))
untrained_model = build_mlp([64, 64, 10], "relu", "he", seed=0)
initial_loss = float(SoftmaxCrossEntropy().forward(untrained_model.forward(x_train), y_train))
print(f"initial loss {initial_loss:.3f}, uniform prediction {expected_initial_loss:.3f}")
### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_initial_loss", "locked": true, "points": 1, "schema_version": 3, "solution": false}
with answers:
    losses = {"expected_initial_loss": expected_initial_loss, "initial_loss": initial_loss}
assert isinstance(losses["expected_initial_loss"], (int, float)), (
    "store a number in expected_initial_loss"
)
assert isinstance(losses["initial_loss"], (int, float)), "store a number in initial_loss"
### BEGIN HIDDEN TESTS
with answers:
    untrained_spec = mlp_spec(untrained_model)
uniform_loss = tf_mean_cross_entropy(np.zeros((1, 10)), np.array([3])).numpy()
assert_close(
    losses["expected_initial_loss"],
    uniform_loss,
    "expected_initial_loss",
    hint="What is the cross-entropy when all 10 classes get the same probability?",
)
shapes = [params["w"].shape for params in affine_params(untrained_spec)]
assert shapes == [(64, 64), (64, 10)], "untrained_model should be build_mlp([64, 64, 10], ...)"
kinds = [entry["kind"] for entry in untrained_spec]
assert kinds == ["Affine", "ReLU", "Affine"], (
    f"untrained_model has the layers {kinds}: build it with build_mlp([64, 64, 10], 'relu', ...)"
)
# The loss below is recomputed from your untrained weights: they must be He weights.
for index, params in enumerate(affine_params(untrained_spec)):
    fan_in = params["w"].shape[0]
    assert_close(
        np.std(params["w"]),
        np.sqrt(2.0 / fan_in),
        f"the standard deviation of the weights of Affine {index} of untrained_model",
        tol=Tolerance(rtol=0.2, atol=0.0),
        hint="Build untrained_model with He initialization, as the instructions say.",
    )
reference = tape_mlp(untrained_spec, x_train, y_train)["loss"]
assert_close(
    losses["initial_loss"],
    reference,
    "initial_loss",
    hint="The mean loss over the whole training set.",
)
assert abs(losses["initial_loss"] - uniform_loss) < 0.5, (
    "an untrained He-initialised MLP should start near the uniform loss, got "
    f"{losses['initial_loss']:.3f}"
)
### END HIDDEN TESTS


# %% nbgrader={"grade": false, "grade_id": "train_sgd", "locked": false, "schema_version": 3, "solution": true}
def train_sgd(model, x, y, epochs, batch_size, learning_rate, seed=0):
    """Mini-batch SGD on the mean softmax cross-entropy; returns the mean loss of each epoch."""
    ### BEGIN SOLUTION
    rng = np.random.default_rng(seed)
    loss_function = SoftmaxCrossEntropy()
    epoch_losses = []
    for _ in range(epochs):
        order = rng.permutation(len(x))
        total = 0.0
        for start in range(0, len(x), batch_size):
            batch = order[start : start + batch_size]
            loss = loss_function.forward(model.forward(x[batch]), y[batch])
            model.backward(loss_function.backward())
            for layer in model.layers:
                for name in layer.params:
                    layer.params[name] -= learning_rate * layer.grads[name]
            total += float(loss) * len(batch)
        epoch_losses.append(total / len(x))
    return epoch_losses
    ### END SOLUTION


# %% nbgrader={"grade": false, "grade_id": "overfit_tiny", "locked": false, "schema_version": 3, "solution": true}
tiny_model = None
tiny_losses = None
### BEGIN SOLUTION
tiny_model = build_mlp([64, 64, 10], "relu", "he", seed=1)
tiny_losses = train_sgd(
    tiny_model, x_train[:20], y_train[:20], epochs=200, batch_size=20, learning_rate=0.5
)
print(f"20 examples: loss {tiny_losses[0]:.3f} after one epoch, {tiny_losses[-1]:.5f} at the end")
### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_overfit_tiny", "locked": true, "points": 2, "schema_version": 3, "solution": false}
with answers:
    losses = list(tiny_losses)
assert len(losses) > 1, "train_sgd should return one loss per epoch"
assert losses[-1] < losses[0], "the loss on the tiny subset did not decrease"
### BEGIN HIDDEN TESTS
with answers:
    tiny_spec = mlp_spec(tiny_model)
    probe = build_mlp([64, 16, 10], "relu", "he", seed=4)
    probe_losses = train_sgd(
        probe, x_train[:30], y_train[:30], epochs=3, batch_size=7, learning_rate=0.1
    )
final_loss = tape_mlp(tiny_spec, x_train[:20], y_train[:20])["loss"]
assert final_loss < 0.05, (
    f"after training, the loss on the 20 examples is {final_loss:.3f}: it should be close to "
    "zero. Check that every parameter is updated with the gradient of the current batch."
)
assert len(probe_losses) == 3, "train_sgd should return one loss per epoch"
### END HIDDEN TESTS


# %% [markdown]
# ### 2.3 Training on the digits
#
# Train two networks on the full training set with `train_sgd`, in at most a few
# seconds each:
#
# - `two_layer_model`: one hidden layer, `build_mlp([64, hidden, 10], ...)`;
# - `deep_model`: at least three hidden layers.
#
# Keep their per-epoch losses in `two_layer_losses` and `deep_losses`. Choose the width,
# the activation, the initialization, the number of epochs, the batch size and the
# learning rate. Each must reach at least 95% accuracy on the test set (the test
# computes it; a few tens of epochs with batches of about 32 and a learning rate around
# 0.1 are enough).

# %% nbgrader={"grade": false, "grade_id": "train_digits", "locked": false, "schema_version": 3, "solution": true} tags=["training"]
two_layer_model, two_layer_losses = None, None
deep_model, deep_losses = None, None
### BEGIN SOLUTION
two_layer_model = build_mlp([64, 128, 10], "relu", "he", seed=0)
two_layer_losses = train_sgd(
    two_layer_model, x_train, y_train, epochs=20, batch_size=32, learning_rate=0.1
)
deep_model = build_mlp([64, 128, 64, 64, 10], "relu", "he", seed=0)
deep_losses = train_sgd(deep_model, x_train, y_train, epochs=20, batch_size=32, learning_rate=0.1)
### END SOLUTION


# %% nbgrader={"grade": false, "grade_id": "plot_training", "locked": true, "schema_version": 3, "solution": false} tags=["training"]
plot_curves(
    {"one hidden layer": two_layer_losses, "deeper": deep_losses},
    xlabel="epoch",
    ylabel="mean training loss",
    yscale="log",
)
plt.show()


# %% nbgrader={"grade": true, "grade_id": "test_two_layer_accuracy", "locked": true, "points": 3, "schema_version": 3, "solution": false} tags=["training"]
with answers:
    spec = mlp_spec(two_layer_model)
assert len(affine_params(spec)) == 2, "two_layer_model should have one hidden layer"
### BEGIN HIDDEN TESTS
logits = tape_mlp(spec, x_test, y_test)["logits"]
accuracy = float(np.mean(logits.argmax(axis=1) == y_test))
assert accuracy >= 0.95, f"two_layer_model: test accuracy {accuracy:.1%}, at least 95% is required"
### END HIDDEN TESTS


# %% nbgrader={"grade": true, "grade_id": "test_deep_accuracy", "locked": true, "points": 2, "schema_version": 3, "solution": false} tags=["training"]
with answers:
    spec = mlp_spec(deep_model)
assert len(affine_params(spec)) >= 4, "deep_model should have at least three hidden layers"
### BEGIN HIDDEN TESTS
logits = tape_mlp(spec, x_test, y_test)["logits"]
accuracy = float(np.mean(logits.argmax(axis=1) == y_test))
assert accuracy >= 0.95, f"deep_model: test accuracy {accuracy:.1%}, at least 95% is required"
### END HIDDEN TESTS


# %% [markdown]
# ## Part 3: initialization
#
# ### 3.1 All-zero weights
#
# The cell below trains a sigmoid network with one hidden layer of 16 units whose
# weights all start at zero, and prints, for the first layer, the largest difference
# between the incoming weights of any hidden unit and those of unit 0. Run it and
# compare with He initialization. Chapter 02 explains what you see; concept check 6.2
# asks about it.


# %% nbgrader={"grade": false, "grade_id": "zero_init_experiment", "locked": true, "schema_version": 3, "solution": false}
def unit_spread(weights):
    """Largest difference between any unit's incoming weights (a column) and unit 0's."""
    return float(np.max(np.abs(weights - weights[:, :1])))


symmetry_models = {}
for scheme in ["zeros", "he"]:
    model = build_mlp([64, 16, 10], "sigmoid", scheme, seed=0)
    losses = train_sgd(
        model, x_train[:300], y_train[:300], epochs=5, batch_size=30, learning_rate=0.5
    )
    symmetry_models[scheme] = model
    first_weights = model.affine_layers()[0].params["w"]
    print(
        f"init={scheme!r}: spread of the hidden units' weights {unit_spread(first_weights):.2e}, "
        f"largest weight {np.abs(first_weights).max():.2e}, loss after 5 epochs {losses[-1]:.3f}"
    )


# %% nbgrader={"grade": true, "grade_id": "test_zero_init_symmetry", "locked": true, "points": 2, "schema_version": 3, "solution": false}
with answers:
    symmetry_specs = {scheme: mlp_spec(model) for scheme, model in symmetry_models.items()}
zero_first, zero_second = (params["w"] for params in affine_params(symmetry_specs["zeros"]))
scale = max(np.abs(zero_first).max(), 1e-12)
assert unit_spread(zero_first) <= 1e-4 * scale, (
    "with all-zero initial weights the hidden units should stay identical, but they differ"
)
### BEGIN HIDDEN TESTS
assert np.abs(zero_first).max() > 1e-4, (
    "the first layer of the zero-initialised sigmoid network did not change at all: check the "
    "sigmoid's backward pass and the updates in train_sgd"
)
# Outgoing weights: one row per hidden unit, all rows equal.
assert np.max(np.abs(zero_second - zero_second[:1, :])) <= 1e-4 * np.abs(zero_second).max(), (
    "the outgoing weights of the hidden units should stay identical too"
)
first_bias = affine_params(symmetry_specs["zeros"])[0]["b"]
assert np.ptp(first_bias) <= 1e-4 * max(np.abs(first_bias).max(), 1e-12), "hidden biases differ"
he_first = affine_params(symmetry_specs["he"])[0]["w"]
assert unit_spread(he_first) > 0.1, "He-initialised hidden units should differ from each other"
### END HIDDEN TESTS


# %% [markdown]
# ### 3.2 Scale and depth
#
# Write two measuring functions for a `Sequential` model:
#
# - `activation_stds(model, x)`: feed `x` through the model and return the list of the
#   standard deviations (over all entries, `np.std`) of the output of every
#   **activation** layer, first to last (not of the affine layers' outputs).
# - `weight_gradient_norms(model, x, output_gradient)`: run the forward pass on `x`, the
#   backward pass from `output_gradient` (∂L/∂logits), and return the list of the norms
#   ‖∂L/∂W‖ (Frobenius: the square root of the sum of squares) of every affine layer's
#   weights, first to last.
#
# The experiment cell then builds networks of 10 hidden layers of 128 units, with tanh
# or ReLU and different initializations, feeds them a batch of Gaussian inputs and plots
# both measurements per layer.


# %% nbgrader={"grade": false, "grade_id": "measurements", "locked": false, "schema_version": 3, "solution": true}
def activation_stds(model, x):
    """Standard deviation of the output of each activation layer, first to last."""
    ### BEGIN SOLUTION
    stds = []
    for layer in model.layers:
        x = layer.forward(x)
        if not isinstance(layer, Affine):
            stds.append(float(np.std(x)))
    return stds
    ### END SOLUTION


def weight_gradient_norms(model, x, output_gradient):
    """Frobenius norm of dL/dW of each affine layer, first to last."""
    ### BEGIN SOLUTION
    model.forward(x)
    model.backward(output_gradient)
    return [float(np.linalg.norm(layer.grads["w"])) for layer in model.affine_layers()]
    ### END SOLUTION


# %% nbgrader={"grade": false, "grade_id": "depth_experiment", "locked": true, "schema_version": 3, "solution": false}
rng = np.random.default_rng(0)
gaussian_inputs = rng.normal(size=(128, 128))
random_labels = rng.integers(0, 10, size=128)
depth_stds, depth_norms = {}, {}
for activation, scheme in [
    ("tanh", "small"),
    ("tanh", "large"),
    ("tanh", "xavier"),
    ("relu", "large"),
    ("relu", "xavier"),
    ("relu", "he"),
]:
    model = build_mlp([128] * 11 + [10], activation, scheme, seed=0)
    loss_function = SoftmaxCrossEntropy()
    loss_function.forward(model.forward(gaussian_inputs), random_labels)
    label = f"{activation}, {scheme}"
    depth_stds[label] = activation_stds(model, gaussian_inputs)
    depth_norms[label] = weight_gradient_norms(model, gaussian_inputs, loss_function.backward())

figure, (left, right) = plt.subplots(1, 2, figsize=(11, 4))
plot_curves(
    depth_stds, ax=left, xlabel="activation layer", ylabel="std of activations", yscale="log"
)
plot_curves(depth_norms, ax=right, xlabel="affine layer", ylabel="norm of dL/dW", yscale="log")
plt.show()


# %% nbgrader={"grade": true, "grade_id": "test_activation_stds", "locked": true, "points": 3, "schema_version": 3, "solution": false}
def reference_stds(spec, x):
    activations = tape_mlp(spec, x, np.zeros(len(x), dtype=np.int64))["activations"]
    return np.array([np.std(a) for a in activations])


rng = np.random.default_rng(12)
x = rng.normal(size=(32, 8))
params = draw_mlp_params(rng, [8, 6, 6, 3])
with answers:
    small_mlp = load_mlp_params(build_mlp([8, 6, 6, 3], "tanh", "xavier", seed=5), params)
    stds = activation_stds(small_mlp, x)
    spec = mlp_spec(small_mlp)
expected = expected_spec("tanh", params)
check_spec(spec, expected, "build_mlp([8, 6, 6, 3], 'tanh')")
assert len(stds) == 2, f"expected one standard deviation per activation layer (2), got {len(stds)}"
assert_close(
    np.array(stds) / reference_stds(expected, x),
    np.ones(2),
    "activation_stds relative to TensorFlow's",
    hint="Measure the output of each activation layer, not of the affine layers.",
)
### BEGIN HIDDEN TESTS
def scheme_params(rng, sizes, scheme):
    """Weights drawn by the test with the standard deviation of `scheme`, zero biases."""
    params = []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:], strict=True):
        std = {
            "small": 0.01,
            "large": 1.0,
            "xavier": np.sqrt(2.0 / (fan_in + fan_out)),
            "he": np.sqrt(2 / fan_in),
        }[scheme]
        params.append({"w": std * rng.normal(size=(fan_in, fan_out)), "b": np.zeros(fan_out)})
    return params


x = rng.normal(size=(128, 128))
measured = {}
for activation, scheme in [
    ("tanh", "small"),
    ("tanh", "large"),
    ("tanh", "xavier"),
    ("relu", "large"),
    ("relu", "xavier"),
    ("relu", "he"),
]:
    params = scheme_params(rng, [128] * 11 + [10], scheme)
    with answers:
        deep = build_mlp([128] * 11 + [10], activation, scheme, seed=7)
        deep_init = affine_params(mlp_spec(deep))  # the weights your init_weights drew
        deep_stds = activation_stds(load_mlp_params(deep, params), x)
        deep_kinds = [type(layer).__name__ for layer in deep.layers]
    expected = expected_spec(activation, params)
    assert deep_kinds == [entry["kind"] for entry in expected], (
        f"build_mlp([128] * 11 + [10], {activation!r}) has the layers {deep_kinds}"
    )
    assert_close(
        np.array(deep_stds) / reference_stds(expected, x),
        np.ones(10),
        f"activation_stds of the {activation} network with {scheme!r} weights, relative to "
        "TensorFlow's",
    )
    # The effect of your initialization, measured by TensorFlow on your initial weights.
    measured[activation, scheme] = reference_stds(expected_spec(activation, deep_init), x)
ratio = {key: stds[-1] / stds[0] for key, stds in measured.items()}
expectations = [
    (ratio["tanh", "small"] < 1e-6, "with 'small' weights, tanh activations should shrink to 0"),
    (np.all(measured["tanh", "large"] > 0.9), "with 'large' weights, tanh units should saturate"),
    (ratio["relu", "large"] > 1e6, "with 'large' weights, ReLU activations should explode"),
    (1 / 3 < ratio["relu", "he"] < 3, "with He weights, ReLU activations should keep their scale"),
    (ratio["tanh", "xavier"] > 0.2, "Xavier weights should keep tanh activations in range"),
    (ratio["relu", "xavier"] < 0.2, "Xavier weights should shrink ReLU activations with depth"),
]
for holds, message in expectations:
    assert holds, f"{message}: check init_weights against the table"
### END HIDDEN TESTS


# %% [markdown]
# ## Part 4: vanishing gradients
#
# A deep network with sigmoid units and Xavier weights against the same network with
# ReLU units and He weights, on a batch of digits: 10 hidden layers of 64 units. The plot
# shows ‖∂L/∂W‖ per layer, from the input (layer 1) to the output. Chapter 02, section 8,
# explains the shape of the sigmoid curve; concept check 6.7 asks you to interpret it.

# %% nbgrader={"grade": false, "grade_id": "vanishing_experiment", "locked": true, "schema_version": 3, "solution": false}
digit_batch, digit_labels = x_train[:256], y_train[:256]
vanishing_norms = {}
for activation, scheme in [("sigmoid", "xavier"), ("relu", "he")]:
    model = build_mlp([64] * 11 + [10], activation, scheme, seed=0)
    loss_function = SoftmaxCrossEntropy()
    loss_function.forward(model.forward(digit_batch), digit_labels)
    norms = weight_gradient_norms(model, digit_batch, loss_function.backward())
    vanishing_norms[f"{activation}, {scheme}"] = norms
    print(f"{activation:>7}: first layer {norms[0]:.2e}, last layer {norms[-1]:.2e}")

plot_curves(
    vanishing_norms, xlabel="affine layer (1 = input side)", ylabel="norm of dL/dW", yscale="log"
)
plt.show()


# %% nbgrader={"grade": true, "grade_id": "test_vanishing_gradients", "locked": true, "points": 3, "schema_version": 3, "solution": false}
def reference_norms(spec, x, labels):
    reference = tape_mlp(spec, x, labels)
    return np.array([np.linalg.norm(g) for g in reference["weight_gradients"]])


rng = np.random.default_rng(13)
x, labels = rng.normal(size=(16, 8)), rng.integers(0, 3, size=16)
params = draw_mlp_params(rng, [8, 6, 5, 3])
expected_sigmoid = expected_spec("sigmoid", params)
output_gradient = tape_mlp(expected_sigmoid, x, labels)["output_gradient"]
with answers:
    sigmoid_mlp = load_mlp_params(build_mlp([8, 6, 5, 3], "sigmoid", "xavier", seed=6), params)
    spec = mlp_spec(sigmoid_mlp)
    norms = weight_gradient_norms(sigmoid_mlp, x, output_gradient)
check_spec(spec, expected_sigmoid, "build_mlp([8, 6, 5, 3], 'sigmoid')")
expected = reference_norms(expected_sigmoid, x, labels)
assert len(norms) == 3, f"expected one norm per affine layer (3), got {len(norms)}"
assert_close(
    np.array(norms) / expected, np.ones(3), "weight_gradient_norms relative to TensorFlow's"
)
### BEGIN HIDDEN TESTS
def scheme_params(rng, sizes, scheme):
    """Weights drawn by the test with the standard deviation of `scheme`, zero biases."""
    params = []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:], strict=True):
        std = {
            "large": 1.0,
            "xavier": np.sqrt(2.0 / (fan_in + fan_out)),
            "he": np.sqrt(2 / fan_in),
        }[scheme]
        params.append({"w": std * rng.normal(size=(fan_in, fan_out)), "b": np.zeros(fan_out)})
    return params


measured = {}
for activation, scheme, data in [
    ("sigmoid", "xavier", x_train[256:512]),
    ("relu", "he", x_train[256:512]),
    ("tanh", "large", rng.normal(size=(128, 64))),
]:
    labels = y_train[256 : 256 + len(data)]
    params = scheme_params(rng, [64] * 11 + [10], scheme)
    deep_expected = expected_spec(activation, params)
    output_gradient = tape_mlp(deep_expected, data, labels)["output_gradient"]
    with answers:
        deep = build_mlp([64] * 11 + [10], activation, scheme, seed=8)
        deep_init = affine_params(mlp_spec(deep))  # the weights your init_weights drew
        deep_norms = weight_gradient_norms(load_mlp_params(deep, params), data, output_gradient)
        deep_kinds = [type(layer).__name__ for layer in deep.layers]
    assert deep_kinds == [entry["kind"] for entry in deep_expected], (
        f"build_mlp([64] * 11 + [10], {activation!r}) has the layers {deep_kinds}"
    )
    assert_close(
        np.array(deep_norms) / reference_norms(deep_expected, data, labels),
        np.ones(11),
        f"weight_gradient_norms of the deep {activation} network, relative to TensorFlow's",
    )
    # The effect of your initialization, measured by TensorFlow on your initial weights.
    measured[activation] = reference_norms(expected_spec(activation, deep_init), data, labels)
sigmoid, relu, tanh_large = measured["sigmoid"], measured["relu"], measured["tanh"]
assert sigmoid[0] < 1e-3 * sigmoid[-1], (
    "in the deep sigmoid network the first layer's gradient should be far smaller than the last's"
)
assert relu[0] > 1e-2 * relu[-1], (
    "in the ReLU network with He weights the gradients should not vanish"
)
assert tanh_large[0] > 100 * tanh_large[-1], (
    "with 'large' weights the gradients of a deep tanh network should grow toward the input"
)
### END HIDDEN TESTS


# %% [markdown]
# ## Part 5: the same network in Keras
#
# 1. `build_keras_mlp(sizes, activation)`: the Keras twin of `build_mlp(sizes,
#    activation)`: a `keras.Sequential` that starts with `keras.Input(shape=(sizes[0],))`
#    and has one `keras.layers.Dense` per affine layer, with `activation` on every Dense
#    layer but the last, which outputs logits. (Use `"relu"`, `"tanh"` or `"sigmoid"`:
#    Keras's leaky ReLU has another default slope.)
# 2. `copy_weights(numpy_model, keras_model)`: give each Dense layer the `w` and `b` of
#    the matching `Affine` layer (`set_weights([kernel, bias])`).
# 3. `keras_gradients(keras_model, x, y)`: the gradients of the mean
#    `keras.losses.SparseCategoricalCrossentropy(from_logits=True)` with respect to
#    `keras_model.trainable_variables`, computed under `tf.GradientTape`, returned as a
#    list of NumPy arrays in that order (kernel, bias, kernel, bias, ...).
#
# With the same weights, the two implementations must give the same logits and the same
# gradients, up to float32 rounding (Keras computes in float32).


# %% nbgrader={"grade": false, "grade_id": "keras_mlp", "locked": false, "schema_version": 3, "solution": true}
def build_keras_mlp(sizes, activation="relu"):
    """The Keras equivalent of build_mlp(sizes, activation): Dense layers, logits out."""
    ### BEGIN SOLUTION
    model = keras.Sequential([keras.Input(shape=(sizes[0],))])
    for units in sizes[1:-1]:
        model.add(keras.layers.Dense(units, activation=activation))
    model.add(keras.layers.Dense(sizes[-1]))
    return model
    ### END SOLUTION


def copy_weights(numpy_model, keras_model):
    """Copies each Affine layer's w and b into the matching Dense layer."""
    ### BEGIN SOLUTION
    dense_layers = [layer for layer in keras_model.layers if isinstance(layer, keras.layers.Dense)]
    for dense, affine in zip(dense_layers, numpy_model.affine_layers(), strict=True):
        dense.set_weights([affine.params["w"], affine.params["b"]])
    ### END SOLUTION


def keras_gradients(keras_model, x, y):
    """Gradients of the mean cross-entropy w.r.t. keras_model.trainable_variables (NumPy)."""
    ### BEGIN SOLUTION
    loss_function = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    with tf.GradientTape() as tape:
        loss = loss_function(y, keras_model(x))
    return [gradient.numpy() for gradient in tape.gradient(loss, keras_model.trainable_variables)]
    ### END SOLUTION


# %% [markdown]
# Your two implementations side by side, on a batch of digits:

# %% nbgrader={"grade": false, "grade_id": "keras_comparison", "locked": true, "schema_version": 3, "solution": false}
numpy_model = build_mlp([64, 32, 10], "tanh", "xavier", seed=0)
keras_model = build_keras_mlp([64, 32, 10], "tanh")
copy_weights(numpy_model, keras_model)
loss_function = SoftmaxCrossEntropy()
loss_function.forward(numpy_model.forward(x_train[:64]), y_train[:64])
numpy_model.backward(loss_function.backward())
numpy_gradients = [layer.grads[key] for layer in numpy_model.affine_layers() for key in ("w", "b")]
keras_gradients_list = keras_gradients(keras_model, x_train[:64], y_train[:64])
names = ["w1", "b1", "w2", "b2"]
for name, ours, theirs in zip(names, numpy_gradients, keras_gradients_list, strict=True):
    print(f"{name}: largest difference {np.max(np.abs(ours - theirs)):.1e}")


# %% nbgrader={"grade": true, "grade_id": "test_keras_model", "locked": true, "points": 1, "schema_version": 3, "solution": false}
rng = np.random.default_rng(14)
with answers:
    numpy_relu = build_mlp([6, 5, 4], "relu", "he", seed=2)
    keras_relu = build_keras_mlp([6, 5, 4], "relu")
    units = [layer.units for layer in keras_relu.layers if isinstance(layer, keras.layers.Dense)]
assert units == [5, 4], f"expected Dense layers of 5 and 4 units, got {units}"
### BEGIN HIDDEN TESTS
for sizes, activation in [([6, 5, 4], "relu"), ([7, 6, 6, 3], "tanh"), ([5, 8, 2], "sigmoid")]:
    x = rng.normal(size=(9, sizes[0]))
    params = draw_mlp_params(rng, sizes)
    with answers:
        numpy_twin = load_mlp_params(build_mlp(sizes, activation, "xavier", seed=3), params)
        keras_twin = build_keras_mlp(sizes, activation)
        copy_weights(numpy_twin, keras_twin)
        keras_logits = keras_twin(x)
        numpy_spec = mlp_spec(numpy_twin)
    expected = expected_spec(activation, params)
    check_spec(numpy_spec, expected, f"build_mlp({sizes}, {activation!r})")
    assert_close(
        keras_logits,
        tape_mlp(expected, x, np.zeros(9, dtype=np.int64))["logits"],
        f"logits of the Keras {activation} model after copy_weights",
        hint="The last Dense layer outputs logits: no activation there.",
    )
### END HIDDEN TESTS


# %% nbgrader={"grade": true, "grade_id": "test_keras_gradients", "locked": true, "points": 2, "schema_version": 3, "solution": false}
def check_keras_gradients(sizes, activation, x, labels, params):
    """Checks keras_gradients and your NumPy backward pass, on the weights `params` that
    the test loads into the twins, against TensorFlow; returns the Keras model's Dense
    layers (activation and weights) and its gradients."""
    with answers:
        numpy_twin = load_mlp_params(build_mlp(sizes, activation, "xavier", seed=4), params)
        keras_twin = build_keras_mlp(sizes, activation)
        copy_weights(numpy_twin, keras_twin)
        gradients = keras_gradients(keras_twin, x, labels)
        keras_dense = [
            {"activation": layer.get_config()["activation"], "weights": layer.get_weights()}
            for layer in keras_twin.layers
            if isinstance(layer, keras.layers.Dense)
        ]
        # Your NumPy backward pass, started from TensorFlow's dL/dlogits.
        numpy_results = run_mlp(numpy_twin, x, labels)
    expected = expected_spec(activation, params)
    check_spec(numpy_results["spec"], expected, f"build_mlp({sizes}, {activation!r})")
    reference = tape_mlp(expected, x, labels)
    assert len(gradients) == 2 * (len(sizes) - 1), "one gradient per kernel and per bias"
    assert len(numpy_results["grads"]) == len(sizes) - 1, "expected the grads of every Affine layer"
    weight_names = {"w": "kernel", "b": "bias"}
    for index, grads in enumerate(numpy_results["grads"]):
        for offset, (name, key) in enumerate([("w", "weight_gradients"), ("b", "bias_gradients")]):
            assert_close(
                grads[name],
                reference[key][index],
                f"{activation}: your dL/d{name} of Affine {index}",
            )
            assert_close(
                gradients[2 * index + offset],
                reference[key][index],
                f"{activation}: keras_gradients for the {weight_names[name]} of Dense {index}",
            )
    return keras_dense, gradients


rng = np.random.default_rng(15)
x, labels = rng.normal(size=(8, 6)), rng.integers(0, 4, size=8)
params = draw_mlp_params(rng, [6, 5, 4])
keras_dense, gradients = check_keras_gradients([6, 5, 4], "relu", x, labels, params)
### BEGIN HIDDEN TESTS
def tape_dense_stack(dense_layers, x, labels):
    """TensorFlow's gradients of the mean cross-entropy, the outputs taken as logits, of
    a stack of Dense layers given their activations and [kernel, bias] (in float32, as
    Keras computes), with respect to kernel, bias, kernel, bias, ..."""
    variables = [tf.Variable(weight) for layer in dense_layers for weight in layer["weights"]]
    with tf.GradientTape() as tape:
        h = tf.constant(x, dtype=tf.float32)
        for index, layer in enumerate(dense_layers):
            kernel, bias = variables[2 * index], variables[2 * index + 1]
            h = keras.activations.get(layer["activation"])(h @ kernel + bias)
        loss = tf_mean_cross_entropy(h, labels)
    return tape.gradient(loss, variables)


for sizes, activation in [([7, 6, 6, 3], "tanh"), ([5, 8, 2], "sigmoid"), ([64, 32, 10], "relu")]:
    x = x_train[:20, : sizes[0]] if sizes[0] == 64 else rng.normal(size=(12, sizes[0]))
    labels = y_train[:20] if sizes[0] == 64 else rng.integers(0, sizes[-1], size=12)
    params = draw_mlp_params(rng, sizes, scale=0.5 if sizes[0] < 64 else 0.2)
    keras_dense, gradients = check_keras_gradients(sizes, activation, x, labels, params)
    # The Keras model as the test expects it: the weights it loaded, in float32.
    expected_dense = [
        {
            "activation": activation if index < len(params) - 1 else "linear",
            "weights": [values["w"].astype(np.float32), values["b"].astype(np.float32)],
        }
        for index, values in enumerate(params)
    ]
    assert len(keras_dense) == len(expected_dense), "one Dense layer per Affine layer"
    for index, (got, want) in enumerate(zip(keras_dense, expected_dense, strict=True)):
        assert isinstance(got["activation"], str), "give each Dense layer its activation by name"
        assert got["activation"] == want["activation"], (
            f"Dense {index} has the activation {got['activation']!r}: the hidden Dense layers "
            "use the network's activation, and the last one none, as it outputs logits"
        )
        for weight, loaded in zip(got["weights"], want["weights"], strict=True):
            assert np.array_equal(weight, loaded), (
                f"Dense {index} does not hold the weights of Affine {index} after copy_weights"
            )
    # keras_gradients against TensorFlow directly, in float32.
    expected = tape_dense_stack(expected_dense, x, labels)
    for got, want in zip(gradients, expected, strict=True):
        assert_close(
            got, want, "keras_gradients", hint="The mean loss over the batch, from logits."
        )
### END HIDDEN TESTS


# %% [markdown]
# ## Part 6: concept checks
#
# **6.1 Sigmoid slope.** A sigmoid unit outputs g = 0.8 for some input z. Without
# computing z, what is dg/dz? Store the number in `sigmoid_slope`.
#
# **6.2 Zero initialization.** What happened in part 3.1? Set `zero_init_answer` to the
# letter of the right statement:
#
# - (a) all gradients are exactly zero, so no weight of the network ever changes
# - (b) every hidden unit of a layer computes the same function and receives the same
#   update, so the units stay copies of each other and the layer acts like one unit
# - (c) zero weights make the softmax overflow
# - (d) the biases cannot learn, so the network cannot fit the data
#
# **6.3 Dead ReLU.** After a too-large update, a ReLU unit has a negative pre-activation
# for every training example. Set `dead_relu_answer` to the letter of what follows:
#
# - (a) its output is large, so it dominates the next layer
# - (b) its incoming weights and bias receive zero gradient on every example, so
#   gradient descent cannot bring it back; a leaky ReLU would still pass a gradient
# - (c) its gradient is multiplied by g(1 - g) and vanishes slowly
# - (d) nothing: the next update will undo it
#
# **6.4 Zero-centred outputs.** Why is tanh usually preferred to the sigmoid for hidden
# layers? Set `tanh_answer` to the letter:
#
# - (a) tanh never saturates
# - (b) tanh outputs are centred on zero, so the next layer's inputs are not all
#   positive and the gradients of its weights do not all share one sign per unit
# - (c) the derivative of tanh is 1 everywhere
# - (d) tanh is cheaper to compute
#
# **6.5 Stacked linear layers.** Without activations, a stack of affine layers is one
# affine layer. Write `collapse_linear(weights, biases)`: given the lists
# [W₁, ..., Wₖ] and [b₁, ..., bₖ] of the stack x ↦ (...((x W₁ + b₁) W₂ + b₂)...) Wₖ + bₖ,
# return the single pair `(w, b)` with x W + b equal to the stack for every x.
#
# **6.6 Cross-entropy against squared error.** A sigmoid output unit has logit z = -4
# and label y = 1: it is confidently wrong. Compute ∂L/∂z for the binary cross-entropy
# L = -[y log σ(z) + (1 - y) log(1 - σ(z))] and for the squared error
# L = ½ (σ(z) - y)². Store the numbers (compute them with NumPy from your derivation,
# not with TensorFlow) in `cross_entropy_gradient` and `squared_error_gradient`.

# %% nbgrader={"grade": false, "grade_id": "concepts", "locked": false, "schema_version": 3, "solution": true}
sigmoid_slope = None
zero_init_answer = None
dead_relu_answer = None
tanh_answer = None
cross_entropy_gradient = None
squared_error_gradient = None


def collapse_linear(weights, biases):
    """The single (w, b) equal to the stack of affine layers (weights[i], biases[i])."""
    ### BEGIN SOLUTION
    w, b = weights[0], biases[0]
    for next_w, next_b in zip(weights[1:], biases[1:], strict=True):
        w, b = w @ next_w, b @ next_w + next_b
    return w, b
    ### END SOLUTION


### BEGIN SOLUTION
sigmoid_slope = 0.8 * (1 - 0.8)  # g (1 - g)
zero_init_answer = "b"
dead_relu_answer = "b"
tanh_answer = "b"
g = 1.0 / (1.0 + np.exp(4.0))  # sigma(-4)
cross_entropy_gradient = g - 1.0  # sigma(z) - y: no sigma' factor
squared_error_gradient = (g - 1.0) * g * (1.0 - g)  # (sigma - y) sigma'
### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_sigmoid_slope", "locked": true, "points": 1, "schema_version": 3, "solution": false}
with answers:
    slope = sigmoid_slope
assert isinstance(slope, (int, float)), "store a number in sigmoid_slope"
### BEGIN HIDDEN TESTS
z = tf.Variable(np.log(0.8 / 0.2))
with tf.GradientTape() as tape:
    g = tf.sigmoid(z)
assert_close(slope, tape.gradient(g, z), "sigmoid_slope", hint="Write σ' in terms of g.")
### END HIDDEN TESTS


# %% nbgrader={"grade": true, "grade_id": "test_zero_init_answer", "locked": true, "points": 1, "schema_version": 3, "solution": false}
with answers:
    choice = zero_init_answer
assert choice in {"a", "b", "c", "d"}, "set zero_init_answer to one of 'a', 'b', 'c', 'd'"
### BEGIN HIDDEN TESTS
assert choice == "b", "look again at the weights printed in part 3.1: did they change?"
### END HIDDEN TESTS


# %% nbgrader={"grade": true, "grade_id": "test_dead_relu_answer", "locked": true, "points": 1, "schema_version": 3, "solution": false}
with answers:
    choice = dead_relu_answer
assert choice in {"a", "b", "c", "d"}, "set dead_relu_answer to one of 'a', 'b', 'c', 'd'"
### BEGIN HIDDEN TESTS
assert choice == "b", "what does ReLU's backward pass do where x < 0?"
### END HIDDEN TESTS


# %% nbgrader={"grade": true, "grade_id": "test_tanh_answer", "locked": true, "points": 1, "schema_version": 3, "solution": false}
with answers:
    choice = tanh_answer
assert choice in {"a", "b", "c", "d"}, "set tanh_answer to one of 'a', 'b', 'c', 'd'"
### BEGIN HIDDEN TESTS
assert choice == "b", "both functions saturate; compare the ranges of their outputs"
### END HIDDEN TESTS


# %% nbgrader={"grade": true, "grade_id": "test_collapse_linear", "locked": true, "points": 2, "schema_version": 3, "solution": false}
rng = np.random.default_rng(16)
weights = [rng.normal(size=(3, 4)), rng.normal(size=(4, 2))]
biases = [rng.normal(size=4), rng.normal(size=2)]
with answers:
    w, b = collapse_linear(weights, biases)
assert_shape(w, (3, 2), "the collapsed w")
assert_shape(b, (2,), "the collapsed b")
### BEGIN HIDDEN TESTS
for sizes in [[3, 4, 2], [5, 1, 6, 3], [4, 4, 4, 4, 2], [6, 2]]:
    weights = [rng.normal(size=pair) for pair in zip(sizes[:-1], sizes[1:], strict=True)]
    biases = [rng.normal(size=size) for size in sizes[1:]]
    with answers:
        w, b = collapse_linear(weights, biases)
    x = tf.constant(rng.normal(size=(7, sizes[0])))
    stacked = x
    for layer_w, layer_b in zip(weights, biases, strict=True):
        stacked = stacked @ layer_w + layer_b
    assert_close(
        x.numpy() @ w + b,
        stacked,
        f"the collapsed layer of the stack {sizes}",
        hint="Expand (x W1 + b1) W2 + b2: where does b1 end up?",
    )
### END HIDDEN TESTS


# %% nbgrader={"grade": true, "grade_id": "test_cross_entropy_vs_squared_error", "locked": true, "points": 2, "schema_version": 3, "solution": false}
with answers:
    gradients = [cross_entropy_gradient, squared_error_gradient]
for value in gradients:
    assert isinstance(value, (int, float)), (
        "store plain numbers in cross_entropy_gradient and squared_error_gradient"
    )
### BEGIN HIDDEN TESTS
z = tf.Variable(-4.0, dtype=tf.float64)
with tf.GradientTape(persistent=True) as tape:
    cross_entropy = tf.nn.sigmoid_cross_entropy_with_logits(
        labels=tf.constant(1.0, tf.float64), logits=z
    )
    squared_error = 0.5 * (tf.sigmoid(z) - 1.0) ** 2
four_digits = Tolerance(rtol=1e-3, atol=1e-6)
assert_close(
    gradients[0],
    tape.gradient(cross_entropy, z),
    "cross_entropy_gradient",
    tol=four_digits,
    hint="Differentiate through σ: the σ' factor cancels.",
)
assert_close(
    gradients[1],
    tape.gradient(squared_error, z),
    "squared_error_gradient",
    tol=four_digits,
    hint="The chain rule gives (σ(z) - y) times σ'(z).",
)
### END HIDDEN TESTS


# %% [markdown]
# **6.7 Written answer (graded by hand, 2 points).** In four to six sentences: using your
# plot from part 4, explain why the first layers of the deep sigmoid network receive
# gradients several orders of magnitude smaller than its last layer, while the ReLU
# network with He weights does not. Then name two remedies for vanishing or exploding
# gradients in deep networks and say in one sentence each why they help.

# %% [markdown] nbgrader={"grade": true, "grade_id": "written_vanishing_gradients", "locked": false, "points": 2, "schema_version": 3, "solution": true}
# ### BEGIN SOLUTION
# Backpropagation multiplies the gradient, once per layer, by the transposed weights and
# by the activation's derivative. The sigmoid's derivative g(1 - g) is at most 1/4, and
# with Xavier weights the weights do not make up for it, so each layer shrinks the
# gradient by a factor of about four or more: after ten layers that is several orders
# of magnitude, and the first layers barely learn. ReLU's derivative is exactly 1 for
# active units, and He weights (variance 2/fan_in) compensate for the half of the units
# that are off, so the gradient keeps its scale. Remedies: an initialization matched to
# the activation (He for ReLU, Xavier for tanh) keeps each layer's gain near one;
# non-saturating activations (ReLU, leaky ReLU) avoid the small derivative; batch
# normalization keeps pre-activations in the range where derivatives are not small;
# residual connections add an identity path whose Jacobian is the identity, so the
# gradient reaches early layers directly; gradient clipping caps exploding gradients.
# ### END SOLUTION
