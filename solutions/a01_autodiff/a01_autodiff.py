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
# # Assignment 1: computation graphs and automatic differentiation
#
# TensorFlow computes gradients for you. In this assignment you build the machine that
# does it, then look inside TensorFlow's own graphs. Read chapter 01 first.
#
# 1. A reverse-mode autodiff engine over NumPy arrays (parts 1 to 3).
# 2. A tiny multilayer perceptron trained with your engine (part 4).
# 3. TensorFlow graphs: tracing, the operations of a traced graph, retracing (part 5).
# 4. Concept checks (part 6).
#
# **How this is graded.** Write your code between the lines `# YOUR CODE HERE` and the
# end of the cell, replacing `raise NotImplementedError()`. Each test cell is worth the
# points in its title; the tests you see are a first check, and hidden tests check more
# cases (other shapes, other expressions) when your notebook is graded. Before you
# submit, run `dlcourse check a01_autodiff.ipynb`, which restarts the kernel and runs
# everything top to bottom, as the grader will.
#
# **Reading a test.** The lines under `with answers:` call your code; the other lines
# prepare inputs and check what those lines produced. When your notebook is graded, the
# checks run in a separate process that receives only the values your code returned,
# as data: NumPy arrays, numbers, strings, and lists, tuples or dicts of them.

# %% nbgrader={"grade": false, "grade_id": "setup", "locked": true, "schema_version": 3, "solution": false}
import numpy as np
import tensorflow as tf

import course
from course.checks import answers, assert_close, assert_shape, to_numpy
from course.data import two_moons
from course.reference import check_against_tape, engine_results

course.setup(seed=0)


# %% [markdown]
# ## Part 1: gradients of broadcast operations
#
# NumPy broadcasts: adding `b` of shape `(4,)` to `a` of shape `(3, 4)` uses each entry
# of `b` three times. A value used several times receives the **sum** of the gradients
# of its uses, so the gradient flowing back to `b` must be summed over the broadcast
# axes until it has `b`'s shape again.
#
# Write `unbroadcast(gradient, shape)`: sum `gradient` over the axes that broadcasting
# added in front, then over every axis where `shape` has size 1 but `gradient` does not
# (keeping that axis). Example: a gradient of shape `(2, 3, 4)` reduced to `(3, 1)` is
# summed over axis 0, then over the last axis with `keepdims=True`.

# %% nbgrader={"grade": false, "grade_id": "unbroadcast", "locked": false, "schema_version": 3, "solution": true}
def unbroadcast(gradient, shape):
    """Sums `gradient` over broadcast axes so that the result has `shape`."""
    ### BEGIN SOLUTION
    gradient = np.asarray(gradient)
    while gradient.ndim > len(shape):
        gradient = gradient.sum(axis=0)
    for axis, size in enumerate(shape):
        if size == 1 and gradient.shape[axis] != 1:
            gradient = gradient.sum(axis=axis, keepdims=True)
    return gradient
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_unbroadcast", "locked": true, "points": 2, "schema_version": 3, "solution": false}
upstream = np.arange(12.0).reshape(3, 4)
with answers:
    same_shape = unbroadcast(upstream, (3, 4))
    to_row = unbroadcast(upstream, (4,))
assert_close(same_shape, upstream, "unbroadcast to the same shape")
assert_close(to_row, upstream.sum(axis=0), "unbroadcast (3, 4) -> (4,)")
### BEGIN HIDDEN TESTS
rng = np.random.default_rng(11)
for full_shape, shape in [
    ((3, 4), (1, 4)),
    ((3, 4), (3, 1)),
    ((2, 3, 4), (3, 1)),
    ((2, 3, 4), (1, 1, 4)),
    ((2, 3), ()),
    ((5,), (1,)),
]:
    upstream = rng.normal(size=full_shape)
    with answers:
        reduced = unbroadcast(upstream, shape)
    # the reference: the gradient of sum(upstream * broadcast(x)) with respect to x
    x = tf.Variable(np.zeros(shape))
    with tf.GradientTape() as tape:
        total = tf.reduce_sum(upstream * tf.broadcast_to(x, full_shape))
    reference = tape.gradient(total, x).numpy()
    assert_close(reduced, reference, f"unbroadcast {full_shape} -> {shape}")
### END HIDDEN TESTS


# %% [markdown]
# ## Part 2: the `Tensor` node
#
# A `Tensor` holds a NumPy array `data`, the gradient `grad` of the final output with
# respect to it (same shape, starts at zero), the nodes it was computed from
# (`_parents`) and a function `_backward` that pushes `out.grad` to the parents.
#
# For each operation `out = f(x, y)`, the forward pass computes `out.data` and the
# backward closure **adds** `out.grad * ∂out/∂x` to `x.grad` (and likewise for `y`),
# passing the result through `unbroadcast`. Adding, not assigning, matters: a node used
# twice must receive both contributions.
#
# | operation | forward | local derivative |
# |---|---|---|
# | `x + y` | x + y | 1, 1 |
# | `x * y` | x y | y, x |
# | `x ** p` (p a number) | x^p | p x^(p-1) |
# | `x.exp()` | e^x | e^x |
# | `x.log()` | ln x | 1 / x |
# | `x.tanh()` | t = tanh x | 1 - t² |
# | `x.relu()` | max(0, x) | 1 where x > 0, else 0 |
# | `x @ w` (2-D) | x w | `out.grad @ w.T`, `x.T @ out.grad` |
# | `x.sum(axis, keepdims)` | sum | ones: broadcast `out.grad` back to x's shape |
#
# Subtraction, negation and division are already written in terms of these. Complete
# every method that contains `raise NotImplementedError()`, then `backward()`: order the
# nodes topologically (each node after all of its parents), set the output's gradient to
# ones, and call `_backward` on the nodes in reverse order.

# %% nbgrader={"grade": false, "grade_id": "tensor", "locked": false, "schema_version": 3, "solution": true}
class Tensor:
    """A node of the computation graph: a NumPy array plus what backward needs."""

    def __init__(self, data, parents=(), op=""):
        self.data = np.asarray(data, dtype=np.float64)
        self.grad = np.zeros_like(self.data)
        self._parents = tuple(parents)
        self._op = op
        self._backward = lambda: None

    @property
    def shape(self):
        return self.data.shape

    def __repr__(self):
        return f"Tensor(shape={self.shape}, op={self._op!r})"

    @staticmethod
    def wrap(value):
        """Turns numbers and arrays into (constant) nodes."""
        return value if isinstance(value, Tensor) else Tensor(value)

    def __add__(self, other):
        other = Tensor.wrap(other)
        ### BEGIN SOLUTION
        out = Tensor(self.data + other.data, (self, other), "+")

        def _backward():
            self.grad += unbroadcast(out.grad, self.shape)
            other.grad += unbroadcast(out.grad, other.shape)

        out._backward = _backward
        return out
        ### END SOLUTION

    def __mul__(self, other):
        other = Tensor.wrap(other)
        ### BEGIN SOLUTION
        out = Tensor(self.data * other.data, (self, other), "*")

        def _backward():
            self.grad += unbroadcast(out.grad * other.data, self.shape)
            other.grad += unbroadcast(out.grad * self.data, other.shape)

        out._backward = _backward
        return out
        ### END SOLUTION

    def __pow__(self, exponent):
        if not isinstance(exponent, (int, float)):
            raise TypeError(f"Expected a number as exponent, received: {exponent!r}")
        ### BEGIN SOLUTION
        out = Tensor(self.data**exponent, (self,), f"**{exponent}")

        def _backward():
            self.grad += out.grad * exponent * self.data ** (exponent - 1)

        out._backward = _backward
        return out
        ### END SOLUTION

    def exp(self):
        ### BEGIN SOLUTION
        out = Tensor(np.exp(self.data), (self,), "exp")

        def _backward():
            self.grad += out.grad * out.data

        out._backward = _backward
        return out
        ### END SOLUTION

    def log(self):
        ### BEGIN SOLUTION
        out = Tensor(np.log(self.data), (self,), "log")

        def _backward():
            self.grad += out.grad / self.data

        out._backward = _backward
        return out
        ### END SOLUTION

    def tanh(self):
        ### BEGIN SOLUTION
        out = Tensor(np.tanh(self.data), (self,), "tanh")

        def _backward():
            self.grad += out.grad * (1 - out.data**2)

        out._backward = _backward
        return out
        ### END SOLUTION

    def relu(self):
        ### BEGIN SOLUTION
        out = Tensor(np.maximum(self.data, 0.0), (self,), "relu")

        def _backward():
            self.grad += out.grad * (self.data > 0)

        out._backward = _backward
        return out
        ### END SOLUTION

    def __matmul__(self, other):
        other = Tensor.wrap(other)
        ### BEGIN SOLUTION
        out = Tensor(self.data @ other.data, (self, other), "@")

        def _backward():
            self.grad += out.grad @ other.data.T
            other.grad += self.data.T @ out.grad

        out._backward = _backward
        return out
        ### END SOLUTION

    def sum(self, axis=None, keepdims=False):
        ### BEGIN SOLUTION
        out = Tensor(self.data.sum(axis=axis, keepdims=keepdims), (self,), "sum")

        def _backward():
            gradient = out.grad
            if axis is not None and not keepdims:
                gradient = np.expand_dims(gradient, axis)
            self.grad += np.broadcast_to(gradient, self.shape)

        out._backward = _backward
        return out
        ### END SOLUTION

    def backward(self):
        """Fills `.grad` of every node this one depends on (output gradient: ones)."""
        ### BEGIN SOLUTION
        ordered, visited = [], set()

        def visit(node):
            if id(node) not in visited:
                visited.add(id(node))
                for parent in node._parents:
                    visit(parent)
                ordered.append(node)

        visit(self)
        self.grad = np.ones_like(self.data)
        for node in reversed(ordered):
            node._backward()
        ### END SOLUTION

    # Given: operations composed from the ones above.
    def __neg__(self):
        return self * -1.0

    def __sub__(self, other):
        return self + (-Tensor.wrap(other))

    def __truediv__(self, other):
        return self * Tensor.wrap(other) ** -1

    def __radd__(self, other):
        return self + other

    def __rmul__(self, other):
        return self * other

    def __rsub__(self, other):
        return Tensor.wrap(other) - self

    def __rtruediv__(self, other):
        return Tensor.wrap(other) / self


# %% [markdown]
# ## Part 3: checking the engine against TensorFlow
#
# Each test below writes expressions once, such as `"ops.exp(a) * b"`. Under
# `with answers:`, `engine_results` runs them on your `Tensor` nodes and calls
# `backward()`; `check_against_tape` then runs them on `tf.Variable`s under
# `tf.GradientTape` and compares the values and every gradient. `ops.exp(t)` calls
# `t.exp()` on your nodes and `tf.exp(t)` on TensorFlow's. If a test fails, the message
# names the expression and the gradient that differs.

# %% nbgrader={"grade": true, "grade_id": "test_add_mul", "locked": true, "points": 2, "schema_version": 3, "solution": false}
rng = np.random.default_rng(1)
inputs = {"a": rng.normal(size=(3, 4)), "b": rng.normal(size=(3, 4))}
expressions = ["a * b", "a + b"]
with answers:
    results = engine_results(Tensor, expressions, inputs)
check_against_tape(results, expressions, inputs)
### BEGIN HIDDEN TESTS
inputs = {name: rng.normal(size=(2, 5)) for name in "abc"}
expressions = ["(a + b) * c", "a * b - c", "-(a * b)"]
with answers:
    results = engine_results(Tensor, expressions, inputs)
check_against_tape(results, expressions, inputs)
### END HIDDEN TESTS


# %% nbgrader={"grade": true, "grade_id": "test_pow_div", "locked": true, "points": 2, "schema_version": 3, "solution": false}
rng = np.random.default_rng(2)
inputs = {"a": rng.normal(size=(4,))}
with answers:
    results = engine_results(Tensor, ["a**3"], inputs)
check_against_tape(results, ["a**3"], inputs)
### BEGIN HIDDEN TESTS
inputs = {"a": rng.normal(size=(3, 2)), "b": rng.uniform(0.5, 2.0, size=(3, 2))}
expressions = ["a / b", "b**-0.5", "1.0 / b", "a**2.0"]
with answers:
    results = engine_results(Tensor, expressions, inputs)
check_against_tape(results, expressions, inputs)
### END HIDDEN TESTS


# %% nbgrader={"grade": true, "grade_id": "test_exp_log", "locked": true, "points": 2, "schema_version": 3, "solution": false}
rng = np.random.default_rng(3)
inputs = {"a": rng.normal(size=(2, 3))}
with answers:
    results = engine_results(Tensor, ["ops.exp(a)"], inputs)
check_against_tape(results, ["ops.exp(a)"], inputs)
### BEGIN HIDDEN TESTS
inputs = {"a": rng.normal(size=(2, 3)), "b": rng.uniform(0.1, 3.0, size=(2, 3))}
expressions = ["ops.log(b)", "ops.log(ops.exp(a) + 1.0)", "ops.exp(a * 0.5) * ops.log(b)"]
with answers:
    results = engine_results(Tensor, expressions, inputs)
check_against_tape(results, expressions, inputs)
### END HIDDEN TESTS


# %% nbgrader={"grade": true, "grade_id": "test_tanh_relu", "locked": true, "points": 2, "schema_version": 3, "solution": false}
rng = np.random.default_rng(4)
inputs = {"a": rng.normal(size=(5,))}
with answers:
    results = engine_results(Tensor, ["ops.relu(a)"], inputs)
check_against_tape(results, ["ops.relu(a)"], inputs)
### BEGIN HIDDEN TESTS
inputs = {"a": rng.normal(size=(3, 4)), "b": rng.normal(size=(3, 4))}
expressions = ["ops.tanh(a)", "ops.tanh(a * 3.0)", "ops.relu(a) * ops.tanh(b)"]
with answers:
    results = engine_results(Tensor, expressions, inputs)
check_against_tape(results, expressions, inputs)
### END HIDDEN TESTS


# %% nbgrader={"grade": true, "grade_id": "test_matmul_sum", "locked": true, "points": 2, "schema_version": 3, "solution": false}
rng = np.random.default_rng(5)
inputs = {"x": rng.normal(size=(3, 4)), "w": rng.normal(size=(4, 2))}
with answers:
    results = engine_results(Tensor, ["x @ w"], inputs)
check_against_tape(results, ["x @ w"], inputs)
### BEGIN HIDDEN TESTS
inputs = {"x": rng.normal(size=(6, 3)), "w": rng.normal(size=(3, 5))}
expressions = [
    "ops.sum(x)",
    "ops.sum(x, axis=0)",
    "ops.sum(x, axis=1, keepdims=True)",
    "ops.sum(x @ w, axis=1)",
]
with answers:
    results = engine_results(Tensor, expressions, inputs)
check_against_tape(results, expressions, inputs)
### END HIDDEN TESTS


# %% nbgrader={"grade": true, "grade_id": "test_broadcasting", "locked": true, "points": 2, "schema_version": 3, "solution": false}
rng = np.random.default_rng(6)
inputs = {"x": rng.normal(size=(3, 4)), "bias": rng.normal(size=(4,))}
with answers:
    results = engine_results(Tensor, ["x + bias"], inputs)
check_against_tape(results, ["x + bias"], inputs)
### BEGIN HIDDEN TESTS
inputs = {"x": rng.normal(size=(3, 4)), "c": rng.normal(size=(3, 1)), "r": rng.normal(size=(1, 4))}
expressions = ["x * c", "c - r", "x * 2.0 + 1.0"]
with answers:
    results = engine_results(Tensor, expressions, inputs)
check_against_tape(results, expressions, inputs)
inputs = {"x": rng.normal(size=(5, 3)), "w": rng.normal(size=(3, 2)), "b": rng.normal(size=(2,))}
with answers:
    results = engine_results(Tensor, ["ops.relu(x @ w + b)"], inputs)
check_against_tape(results, ["ops.relu(x @ w + b)"], inputs)
### END HIDDEN TESTS


# %% [markdown]
# A node used more than once (`a * a`, or a hidden layer read by two branches) must
# accumulate the gradients of all its uses, and its own `_backward` must run only after
# all of them have arrived: that is what the topological order guarantees.

# %% nbgrader={"grade": true, "grade_id": "test_shared_node", "locked": true, "points": 3, "schema_version": 3, "solution": false}
rng = np.random.default_rng(7)
inputs = {"a": rng.normal(size=(3,))}
with answers:
    results = engine_results(Tensor, ["a * a"], inputs)
check_against_tape(results, ["a * a"], inputs)
### BEGIN HIDDEN TESTS
inputs = {"a": rng.normal(size=(2, 3)), "b": rng.normal(size=(2, 3))}


def diamond(a, b, ops):
    h = a * b
    return h * h + ops.exp(h)


def deep_reuse(a, b, ops):
    h = a
    for _ in range(4):
        h = h * 0.5 + ops.relu(h)
    return ops.sum(h * a)


with answers:
    results = engine_results(Tensor, ["a * a + a", diamond, deep_reuse], inputs)
check_against_tape(results, ["a * a + a", diamond, deep_reuse], inputs)
### END HIDDEN TESTS


# %% [markdown]
# ## Part 4: a tiny neural network trained with your engine
#
# The two-moons data set: two interleaving half circles in 2-D, labels 0 and 1. A
# straight line cannot separate them; a small network with ReLU hidden layers can.
#
# 1. `mlp_forward(params, x)`: for each `(w, b)` in `params`, `h = h @ w + b`, with a
#    ReLU after every layer but the last. Returns the logits, shape `(n, 1)`.
# 2. `logistic_loss(logits, y)`: the mean over examples of log(1 + exp(-s · z)) with
#    s = 2y - 1 ∈ {-1, +1} (binary cross-entropy written for logits).
# 3. `train(params, x, y, steps, learning_rate)`: full-batch gradient descent. Each
#    step: reset every parameter's `grad` to zero (gradients accumulate!), forward,
#    loss, `backward()`, then `p.data -= learning_rate * p.grad`. Return the list of
#    loss values.

# %% nbgrader={"grade": false, "grade_id": "init_mlp", "locked": true, "schema_version": 3, "solution": false}
def init_mlp(sizes, seed=0):
    """He-initialised weights and zero biases for layer sizes like [2, 16, 16, 1]."""
    rng = np.random.default_rng(seed)
    return [
        (
            Tensor(rng.normal(0.0, np.sqrt(2.0 / fan_in), size=(fan_in, fan_out))),
            Tensor(np.zeros(fan_out)),
        )
        for fan_in, fan_out in zip(sizes[:-1], sizes[1:])
    ]


x_train, y_train = two_moons(n_samples=300, noise=0.1, seed=0)
x_test, y_test = two_moons(n_samples=500, noise=0.1, seed=1)

# %% nbgrader={"grade": false, "grade_id": "mlp", "locked": false, "schema_version": 3, "solution": true}
def mlp_forward(params, x):
    """Logits of shape (n, 1) for inputs x of shape (n, features)."""
    ### BEGIN SOLUTION
    h = Tensor.wrap(x)
    for index, (w, b) in enumerate(params):
        h = h @ w + b
        if index < len(params) - 1:
            h = h.relu()
    return h
    ### END SOLUTION


def logistic_loss(logits, y):
    """Mean of log(1 + exp(-s z)) with s = 2y - 1; logits (n, 1), y (n,) of 0/1."""
    ### BEGIN SOLUTION
    signs = (2.0 * np.asarray(y, dtype=np.float64) - 1.0).reshape(-1, 1)
    margins = logits * (-signs)
    return (margins.exp() + 1.0).log().sum() * (1.0 / len(signs))
    ### END SOLUTION


def train(params, x, y, steps=300, learning_rate=0.5):
    """Full-batch gradient descent on the logistic loss; returns the loss per step."""
    ### BEGIN SOLUTION
    losses = []
    for _ in range(steps):
        for w, b in params:
            w.grad = np.zeros_like(w.data)
            b.grad = np.zeros_like(b.data)
        loss = logistic_loss(mlp_forward(params, x), y)
        loss.backward()
        for w, b in params:
            w.data -= learning_rate * w.grad
            b.data -= learning_rate * b.grad
        losses.append(float(loss.data))
    return losses
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_logistic_loss", "locked": true, "points": 2, "schema_version": 3, "solution": false}
with answers:
    loss_of_zeros = to_numpy(logistic_loss(Tensor(np.zeros((4, 1))), np.array([0, 1, 1, 0])))
assert_close(loss_of_zeros, np.log(2.0), "logistic loss of zero logits", hint="It should be ln 2.")
### BEGIN HIDDEN TESTS
rng = np.random.default_rng(8)
logits, labels = rng.normal(size=(6, 1)) * 3, rng.integers(0, 2, size=6)
with answers:
    node = Tensor(logits)
    loss = logistic_loss(node, labels)
    loss_value = to_numpy(loss)
    loss.backward()
    logits_gradient = np.asarray(node.grad)
reference = tf.reduce_mean(
    tf.nn.sigmoid_cross_entropy_with_logits(labels=labels.reshape(-1, 1).astype(float), logits=logits)
)
assert_close(loss_value, reference.numpy(), "logistic loss", hint="Check the sign s = 2y - 1.")
expected_gradient = (tf.sigmoid(logits).numpy() - labels.reshape(-1, 1)) / len(labels)
assert_close(logits_gradient, expected_gradient, "gradient of the loss with respect to the logits")
### END HIDDEN TESTS


# %% nbgrader={"grade": true, "grade_id": "test_mlp_forward", "locked": true, "points": 1, "schema_version": 3, "solution": false}
rng = np.random.default_rng(3)
sizes = [2, 5, 3, 1]
weights = [(rng.normal(size=(m, n)), rng.normal(size=n)) for m, n in zip(sizes[:-1], sizes[1:])]
with answers:
    logits = to_numpy(mlp_forward([(Tensor(w), Tensor(b)) for w, b in weights], x_train[:7]))
assert_shape(logits, (7, 1), "mlp_forward(params, x)")
### BEGIN HIDDEN TESTS
reference = x_train[:7]
for index, (w, b) in enumerate(weights):
    reference = reference @ w + b
    if index < len(weights) - 1:
        reference = np.maximum(reference, 0.0)
assert_close(logits, reference, "mlp_forward(params, x)", hint="ReLU after every layer but the last.")
### END HIDDEN TESTS


# %% [markdown]
# Train a network with two hidden layers of 16 units. It should take a few seconds. The
# test measures accuracy on 500 fresh points: at least 95% is required.

# %% nbgrader={"grade": false, "grade_id": "run_training", "locked": true, "schema_version": 3, "solution": false} tags=["training"]
trained_params = init_mlp([2, 16, 16, 1], seed=0)
training_losses = train(trained_params, x_train, y_train, steps=300, learning_rate=0.5)
print(f"loss: first step {training_losses[0]:.3f}, last step {training_losses[-1]:.3f}")

# %% nbgrader={"grade": true, "grade_id": "test_mlp_training", "locked": true, "points": 3, "schema_version": 3, "solution": false} tags=["training"]
with answers:
    losses = [float(to_numpy(value)) for value in training_losses]
assert len(losses) == 300, "train() should return one loss value per step"
assert losses[-1] < losses[0], "the loss did not decrease during training"
### BEGIN HIDDEN TESTS
with answers:
    test_logits = to_numpy(mlp_forward(trained_params, x_test)).reshape(-1)
assert_shape(test_logits, y_test.shape, "the trained network's logits on the test points")
test_accuracy = float(np.mean((test_logits > 0) == (y_test == 1)))
assert test_accuracy >= 0.95, (
    f"test accuracy is {test_accuracy:.1%}, at least 95% is required: check that gradients "
    "are reset at every step and that the update subtracts the gradient"
)
### END HIDDEN TESTS


# %% [markdown]
# The decision boundary your network learned:

# %% nbgrader={"grade": false, "grade_id": "plot_boundary", "locked": true, "schema_version": 3, "solution": false} tags=["training"]
from course.plotting import plot_decision_boundary

plot_decision_boundary(
    lambda points: mlp_forward(trained_params, points).data.reshape(-1) > 0, x_test, y_test
)

# %% [markdown]
# ## Part 5: TensorFlow's computation graphs
#
# In eager mode TensorFlow runs each operation as Python reaches it. `tf.function`
# instead **traces** the Python function once per input signature: it runs the Python
# code with symbolic tensors and records every operation into a `tf.Graph`. The graph's
# nodes are operations (`MatMul`, `AddV2`, `Relu`...), its edges the tensors flowing
# between them. Later calls with a matching signature run the recorded graph without
# running the Python code again.
#
# `tf.function(f).get_concrete_function(*example_args)` traces `f` for those arguments
# and returns the concrete function; its `.graph.get_operations()` lists the operations,
# and each operation has a `.type` (what it computes, like `"MatMul"`) and a `.name`
# (unique within the graph, like `"matmul_1"`).
#
# 1. `traced_op_types(python_function, *example_args)`: the list of operation **types**
#    in the traced graph, in graph order.
# 2. `count_traces(python_function, calls)`: wrap `python_function` in `tf.function` so
#    that a Python counter increases each time it is traced (Python side effects run
#    only while tracing), call it once per argument tuple in `calls`, and return how
#    many traces happened.
# 3. `shape_polymorphic(python_function)`: return a `tf.function` of a one-argument
#    function that is traced **once** for float32 vectors of any length (hint:
#    `input_signature` and `tf.TensorSpec`).

# %% nbgrader={"grade": false, "grade_id": "graphs", "locked": false, "schema_version": 3, "solution": true}
def traced_op_types(python_function, *example_args):
    """Operation types of the graph that tf.function traces for `example_args`."""
    ### BEGIN SOLUTION
    concrete = tf.function(python_function).get_concrete_function(*example_args)
    return [operation.type for operation in concrete.graph.get_operations()]
    ### END SOLUTION


def count_traces(python_function, calls):
    """How many times tf.function traces `python_function` over the argument tuples `calls`."""
    ### BEGIN SOLUTION
    traces = 0

    def counted(*args):
        nonlocal traces
        traces += 1
        return python_function(*args)

    graph_function = tf.function(counted)
    for args in calls:
        graph_function(*args)
    return traces
    ### END SOLUTION


def shape_polymorphic(python_function):
    """A tf.function of `python_function` traced once for float32 vectors of any length."""
    ### BEGIN SOLUTION
    return tf.function(
        python_function, input_signature=[tf.TensorSpec(shape=[None], dtype=tf.float32)]
    )
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_traced_op_types", "locked": true, "points": 2, "schema_version": 3, "solution": false}
def dense_relu(x, w, b):
    return tf.nn.relu(x @ w + b)


with answers:
    op_types = list(traced_op_types(dense_relu, tf.ones((2, 3)), tf.ones((3, 4)), tf.ones((4,))))
print(op_types)
assert "MatMul" in op_types and "Relu" in op_types, (
    f"expected operation types such as 'MatMul' and 'Relu', got {op_types}: "
    "use each operation's .type, not its .name"
)
### BEGIN HIDDEN TESTS
def squared_error(prediction, target):
    return tf.reduce_mean(tf.square(prediction - target))


def gated(x):
    return tf.sigmoid(x) * tf.tanh(x) + tf.exp(-x)


cases = [
    ("dense_relu", [(2, 3), (3, 4), (4,)]),
    ("squared_error", [(5,), (5,)]),
    ("gated", [(2, 2)]),
]
with answers:
    by_name = {"dense_relu": dense_relu, "squared_error": squared_error, "gated": gated}
    traced = [
        list(traced_op_types(by_name[name], *(tf.ones(shape) for shape in shapes)))
        for name, shapes in cases
    ]
references = {"dense_relu": dense_relu, "squared_error": squared_error, "gated": gated}
for (name, shapes), got in zip(cases, traced, strict=True):
    graph = tf.function(references[name]).get_concrete_function(*(tf.ones(s) for s in shapes)).graph
    expected = [operation.type for operation in graph.get_operations()]
    assert got == expected, (
        f"traced_op_types({name}) returned {got}; it should list the .type "
        "of every operation of the traced graph, in graph order"
    )
### END HIDDEN TESTS


# %% nbgrader={"grade": true, "grade_id": "test_count_traces", "locked": true, "points": 2, "schema_version": 3, "solution": false}
with answers:
    traces = count_traces(lambda x: x * 2.0, [(tf.constant([1.0, 2.0]),), (tf.constant([3.0, 4.0]),)])
assert traces == 1, f"two float32 vectors of the same shape need one trace, got {traces}"
### BEGIN HIDDEN TESTS
def double(x):
    return x * 2


def call_sequences():
    return [
        [(1,), (2,), (2,), (3,)],
        [(tf.constant([1.0]),), (tf.constant([1.0, 2.0]),), (tf.constant([5.0]),)],
        [(tf.constant([1, 2]),), (tf.constant([1.0, 2.0]),), (tf.constant(3.0),)],
    ]


with answers:
    counted = [count_traces(double, calls) for calls in call_sequences()]
assert isinstance(counted, list) and len(counted) == 3, "count_traces should return a number"
for calls, got in zip(call_sequences(), counted, strict=True):
    reference_function = tf.function(double)
    for args in calls:
        reference_function(*args)
    expected = reference_function.experimental_get_tracing_count()
    assert got == expected, (
        f"count_traces gave {got} for a sequence that traces {expected} times: count "
        "inside the traced function, not around the calls"
    )
### END HIDDEN TESTS


# %% nbgrader={"grade": true, "grade_id": "test_shape_polymorphic", "locked": true, "points": 2, "schema_version": 3, "solution": false}
with answers:
    squares = to_numpy(shape_polymorphic(lambda v: v * v)(tf.constant([1.0, 2.0, 3.0])))
assert_close(squares, [1.0, 4.0, 9.0], "polymorphic square")
### BEGIN HIDDEN TESTS
lengths = [1, 4, 9, 16]
with answers:
    polymorphic_sum = shape_polymorphic(lambda v: tf.reduce_sum(v) + 1.0)
    sums = [to_numpy(polymorphic_sum(tf.range(n, dtype=tf.float32))) for n in lengths]
    is_tf_function = isinstance(polymorphic_sum, tf.types.experimental.PolymorphicFunction)
    traces = polymorphic_sum.experimental_get_tracing_count() if is_tf_function else None
for length, total in zip(lengths, sums, strict=True):
    assert_close(total, float(sum(range(length))) + 1.0, f"polymorphic sum of {length} values")
assert is_tf_function, "shape_polymorphic should return a tf.function"
assert traces == 1, f"vectors of 4 lengths caused {traces} traces, expected 1: use input_signature"
### END HIDDEN TESTS


# %% [markdown]
# ## Part 6: concept checks
#
# **6.1 Chain rule by hand.** Let u = x·y + x and f = u². Compute ∂f/∂x and ∂f/∂y at
# x = 2, y = 3 by hand, with the chain rule node by node (first u and ∂f/∂u), and store
# the numbers (not code that calls TensorFlow) in `df_dx` and `df_dy`.
#
# **6.2 Nodes and edges.** In the graph that `tf.function` traces, what are the nodes
# and what are the edges? Set `nodes_and_edges` to the letter of the right statement:
#
# - (a) nodes are tensors, edges are operations
# - (b) nodes are operations, edges are the tensors that flow between them
# - (c) nodes are Python variables, edges are assignments
# - (d) nodes are layers, edges are weights
#
# **6.3 Retracing.** Without running it, how many times is `scale` traced by this code?
# Store the number in `predicted_traces`.
#
# ```python
# @tf.function
# def scale(x, factor):
#     return x * factor
#
# scale(tf.constant([1.0, 2.0]), 2)
# scale(tf.constant([3.0, 4.0]), 2)
# scale(tf.constant([1.0, 2.0, 3.0]), 2)
# scale(tf.constant([1.0, 2.0]), 3)
# scale(tf.constant([1, 2]), 2)
# ```

# %% nbgrader={"grade": false, "grade_id": "concepts", "locked": false, "schema_version": 3, "solution": true}
df_dx = None
df_dy = None
nodes_and_edges = None
predicted_traces = None
### BEGIN SOLUTION
df_dx = 64.0  # u = 8, df/du = 2u = 16, du/dx = y + 1 = 4
df_dy = 32.0  # du/dy = x = 2
nodes_and_edges = "b"
predicted_traces = 4  # new shape, new Python value, new dtype
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "test_chain_rule", "locked": true, "points": 2, "schema_version": 3, "solution": false}
with answers:
    chain_rule = (df_dx, df_dy)
assert all(isinstance(value, (int, float)) for value in chain_rule), (
    "store plain numbers in df_dx and df_dy"
)
### BEGIN HIDDEN TESTS
x_variable, y_variable = tf.Variable(2.0, dtype=tf.float64), tf.Variable(3.0, dtype=tf.float64)
with tf.GradientTape() as tape:
    f_value = (x_variable * y_variable + x_variable) ** 2
expected_dx, expected_dy = (g.numpy() for g in tape.gradient(f_value, [x_variable, y_variable]))
assert_close(chain_rule[0], expected_dx, "df_dx", hint="Start from df/du = 2u.")
assert_close(chain_rule[1], expected_dy, "df_dy", hint="Start from df/du = 2u.")
### END HIDDEN TESTS


# %% nbgrader={"grade": true, "grade_id": "test_nodes_and_edges", "locked": true, "points": 1, "schema_version": 3, "solution": false}
with answers:
    choice = nodes_and_edges
assert choice in {"a", "b", "c", "d"}, "set nodes_and_edges to one of 'a', 'b', 'c', 'd'"
### BEGIN HIDDEN TESTS
assert choice == "b", "look at traced_op_types: what does the graph list?"
### END HIDDEN TESTS


# %% nbgrader={"grade": true, "grade_id": "test_predicted_traces", "locked": true, "points": 1, "schema_version": 3, "solution": false}
with answers:
    prediction = predicted_traces
assert isinstance(prediction, int), "store a whole number in predicted_traces"
### BEGIN HIDDEN TESTS
@tf.function
def scale(x, factor):
    return x * factor


scale(tf.constant([1.0, 2.0]), 2)
scale(tf.constant([3.0, 4.0]), 2)
scale(tf.constant([1.0, 2.0, 3.0]), 2)
scale(tf.constant([1.0, 2.0]), 3)
scale(tf.constant([1, 2]), 2)
assert prediction == scale.experimental_get_tracing_count(), (
    "not the number of traces: a trace happens for each new tensor shape or dtype and each new "
    "Python value"
)
### END HIDDEN TESTS


# %% [markdown]
# **6.4 Written answer (graded by hand, 2 points).** In three to five sentences: what
# is the difference between eager and graph execution in TensorFlow, when does
# `tf.function` retrace, and why can a graph run faster than the same Python code?

# %% [markdown] nbgrader={"grade": true, "grade_id": "written_eager_vs_graph", "locked": false, "points": 2, "schema_version": 3, "solution": true}
# ### BEGIN SOLUTION
# Eager execution runs each operation immediately as Python reaches it, which is easy to
# debug. Graph execution first traces the Python function into a dataflow graph and then
# runs that graph. `tf.function` retraces when it is called with a new input signature: a
# new tensor shape or dtype, or a new Python value. A graph can be faster because the
# runtime sees the whole computation: it can prune, fuse and parallelise operations and
# it does not pay Python's per-operation overhead.
# ### END SOLUTION
