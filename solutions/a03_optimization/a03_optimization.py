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
# # Assignment 3: optimization and regularization
#
# Keras gives you `keras.optimizers.Adam` and `keras.layers.Dropout` in one line each. In
# this assignment you write them yourself, check them step by step against Keras, and then
# use them to tame an over-parameterized network. Read chapter 03 first.
#
# 1. Update rules: SGD, momentum, Nesterov, RMSprop and Adam (part 1).
# 2. A warm-up + cosine learning-rate schedule, gradient clipping, and spotting a training
#    run that blows up (part 2).
# 3. Regularization: L2 and decoupled weight decay, inverted dropout, early stopping, label
#    smoothing, data augmentation (part 3).
# 4. An experiment: an over-parameterized network on 200 digits, with and without
#    regularization (part 4).
# 5. Concept checks (part 5).
#
# **How this is graded.** Write your code between the lines `# YOUR CODE HERE` and the
# end of the cell, replacing `raise NotImplementedError()`. Each test cell is worth the
# points in its title; the tests you see are a first check, and hidden tests check more
# cases (other hyper-parameters, many more steps, learning-rate schedules) when your
# notebook is graded. Keras is the reference: your optimizers must follow the same
# trajectory as the `keras.optimizers` class with the same hyper-parameters. Before you
# submit, run `dlcourse check a03_optimization.ipynb`, which restarts the kernel and runs
# everything top to bottom, as the grader will.
#
# **Reading a test.** The lines under `with answers:` call your code; the other lines
# prepare inputs and check what those lines produced. When your notebook is graded, the
# checks run in a separate process that receives only the values your code returned,
# as data: NumPy arrays, numbers, strings, and lists, tuples or dicts of them.

# %% nbgrader={"grade": false, "grade_id": "setup", "locked": true, "schema_version": 3, "solution": false}
import math

import keras
import matplotlib.pyplot as plt
import numpy as np
import tensorflow as tf
from keras import ops

import course
from course.checks import answers, assert_close, assert_shape, to_numpy
from course.data import digits_dataset, load_digits
from course.plotting import plot_curves

course.setup(seed=0)

# %% [markdown]
# ## Part 1: update rules
#
# An optimizer turns a gradient $g$ into a change of the weights $w$. All of them below
# share the small base class `Optimizer` (given): it holds the learning rate $\eta$ and
# counts the steps taken in `iterations`. Its `step(weights, gradient)` method, which the
# tests call, does three things:
#
# 1. on the first call, `build(weights)` creates the optimizer's state (its "slots"),
#    zero arrays shaped like the weights;
# 2. `update(weights, gradient, learning_rate)` returns the new weights, using and updating
#    that state;
# 3. `iterations` goes up by one.
#
# `learning_rate` may be a number or a schedule, a function of the step counter (part 2),
# exactly as in Keras; `step` looks up the current value and passes it to `update`, so
# inside `update` always use the argument `learning_rate`, never `self.learning_rate`.
#
# Write `build` and `update` for three classes, following **Keras's conventions**
# (chapter 03, sections 2 and 3):
#
# | class | state | update |
# |---|---|---|
# | `SGD`, `momentum == 0` | none | $w \leftarrow w - \eta g$ |
# | `SGD`, momentum $\mu$ | velocity $v$ | $v \leftarrow \mu v - \eta g$, then $w \leftarrow w + v$ |
# | `SGD`, `nesterov=True` | velocity $v$ | $v \leftarrow \mu v - \eta g$, then $w \leftarrow w + \mu v - \eta g$ |
# | `RMSprop` | mean square $s$ | $s \leftarrow \rho s + (1 - \rho) g^2$, then $w \leftarrow w - \eta\, g / \sqrt{s + \epsilon}$ |
# | `Adam` | moments $m$, $s$ | see below |
#
# **Adam.** With $t$ = `iterations + 1` (the step being taken, starting at 1):
#
# $$m \leftarrow \beta_1 m + (1 - \beta_1) g, \qquad s \leftarrow \beta_2 s + (1 - \beta_2) g^2,$$
# $$\hat m = \frac{m}{1 - \beta_1^t}, \qquad \hat s = \frac{s}{1 - \beta_2^t}, \qquad
# w \leftarrow w - \eta \frac{\hat m}{\sqrt{\hat s} + \epsilon}.$$
#
# Keras writes the same update with the bias correction folded into the step size,
# $\eta_t = \eta \sqrt{1 - \beta_2^t} / (1 - \beta_1^t)$ and
# $w \leftarrow w - \eta_t\, m / (\sqrt{s} + \epsilon)$, which moves $\epsilon$ a little;
# either form passes. Squares, square roots and divisions are elementwise.
#
# The given helpers below run an optimizer for a number of steps on a small least-squares
# problem (`RegressionProblem`) and record the weights after every step: `trajectory`
# for one of your optimizers, `keras_trajectory` for a Keras one. A test computes your
# trajectory under `with answers:`, and `assert_same_trajectory` compares it with the
# trajectory of the Keras optimizer with the same hyper-parameters.

# %% nbgrader={"grade": false, "grade_id": "optimizer_base", "locked": true, "schema_version": 3, "solution": false}
class Optimizer:
    """Base class of the NumPy optimizers: learning rate, step counter and state set-up.

    Args:
        learning_rate: a number, or a schedule called with the step counter.
    """

    def __init__(self, learning_rate):
        self.learning_rate = learning_rate
        self.iterations = 0
        self.built = False

    def current_learning_rate(self):
        if callable(self.learning_rate):
            return float(self.learning_rate(self.iterations))
        return float(self.learning_rate)

    def step(self, weights, gradient):
        """Applies one update and returns the new weights."""
        weights, gradient = np.asarray(weights), np.asarray(gradient)
        if not self.built:
            self.build(weights)
            self.built = True
        new_weights = self.update(weights, gradient, self.current_learning_rate())
        self.iterations += 1
        return new_weights

    def build(self, weights):
        """Creates the optimizer's state, shaped like `weights`."""

    def update(self, weights, gradient, learning_rate):
        raise NotImplementedError("subclasses implement update()")


class RegressionProblem:
    """Least squares on fixed random data: loss(W) = scale / 2 * ||X W - Y||^2.

    The weights W have shape (4, 3) and start away from zero. `scale` sets the size of
    the gradients, which matters for epsilon in RMSprop and Adam.
    """

    def __init__(self, seed, scale=1.0):
        rng = np.random.default_rng(seed)
        self.x = rng.normal(size=(8, 4))
        self.y = rng.normal(size=(8, 3))
        self.initial_weights = 3.0 + 0.5 * rng.normal(size=(4, 3))
        self.scale = scale

    def gradient(self, weights):
        return self.scale * self.x.T @ (self.x @ weights - self.y)


def trajectory(optimizer, problem, steps):
    """Weights after each of `steps` steps of one of our optimizers, shape (steps, 4, 3)."""
    weights = problem.initial_weights.copy()
    path = []
    for _ in range(steps):
        weights = optimizer.step(weights, problem.gradient(weights))
        path.append(np.array(weights, dtype=np.float64))
    return np.stack(path)


def keras_trajectory(keras_optimizer, problem, steps):
    """The same for a `keras.optimizers` instance, on a float64 variable."""
    weights = keras.Variable(problem.initial_weights, dtype="float64")
    path = []
    for _ in range(steps):
        gradient = ops.convert_to_tensor(problem.gradient(weights.numpy()))
        keras_optimizer.apply([gradient], [weights])
        path.append(weights.numpy())
    return np.stack(path)


def assert_same_trajectory(path, reference, problem, steps, name, hint=""):
    """Compares `path`, the weights after each step of one of our optimizers (from
    `trajectory`), with the path of the Keras optimizer `reference` on `problem`.

    An error "at index (k, i, j)" means that the weights part ways after step k + 1.
    """
    assert_close(
        path,
        keras_trajectory(reference, problem, steps),
        f"{name}: weights after each step",
        hint=hint,
    )


# %% nbgrader={"grade": false, "grade_id": "optimizers", "locked": false, "schema_version": 3, "solution": true}
class SGD(Optimizer):
    """Gradient descent, optionally with momentum or Nesterov momentum (Keras convention)."""

    def __init__(self, learning_rate=0.01, momentum=0.0, nesterov=False):
        super().__init__(learning_rate)
        self.momentum = momentum
        self.nesterov = nesterov

    def build(self, weights):
        ### BEGIN SOLUTION
        self.velocity = np.zeros_like(weights)
        ### END SOLUTION

    def update(self, weights, gradient, learning_rate):
        ### BEGIN SOLUTION
        if self.momentum == 0:
            return weights - learning_rate * gradient
        self.velocity = self.momentum * self.velocity - learning_rate * gradient
        if self.nesterov:
            return weights + self.momentum * self.velocity - learning_rate * gradient
        return weights + self.velocity
        ### END SOLUTION


class RMSprop(Optimizer):
    """Divides the step by a running root mean square of the gradient."""

    def __init__(self, learning_rate=0.001, rho=0.9, epsilon=1e-7):
        super().__init__(learning_rate)
        self.rho = rho
        self.epsilon = epsilon

    def build(self, weights):
        ### BEGIN SOLUTION
        self.mean_square = np.zeros_like(weights)
        ### END SOLUTION

    def update(self, weights, gradient, learning_rate):
        ### BEGIN SOLUTION
        self.mean_square = self.rho * self.mean_square + (1 - self.rho) * gradient**2
        return weights - learning_rate * gradient / np.sqrt(self.mean_square + self.epsilon)
        ### END SOLUTION


class Adam(Optimizer):
    """Momentum on the gradient plus RMSprop scaling, both bias-corrected."""

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7):
        super().__init__(learning_rate)
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon

    def build(self, weights):
        ### BEGIN SOLUTION
        self.first_moment = np.zeros_like(weights)
        self.second_moment = np.zeros_like(weights)
        ### END SOLUTION

    def update(self, weights, gradient, learning_rate):
        ### BEGIN SOLUTION
        t = self.iterations + 1
        self.first_moment = self.beta_1 * self.first_moment + (1 - self.beta_1) * gradient
        self.second_moment = self.beta_2 * self.second_moment + (1 - self.beta_2) * gradient**2
        step_size = learning_rate * np.sqrt(1 - self.beta_2**t) / (1 - self.beta_1**t)
        denominator = np.sqrt(self.second_moment) + self.epsilon
        return weights - step_size * self.first_moment / denominator
        ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_sgd", "locked": true, "points": 1, "schema_version": 3, "solution": false}
with answers:
    path = trajectory(SGD(learning_rate=0.02), RegressionProblem(seed=0), steps=5)
assert_same_trajectory(
    path,
    keras.optimizers.SGD(learning_rate=0.02),
    RegressionProblem(seed=0),
    steps=5,
    name="SGD",
    hint="Plain SGD moves the weights by -learning_rate * gradient.",
)
### BEGIN HIDDEN TESTS
for seed, learning_rate in [(1, 0.01), (2, 0.05)]:
    with answers:
        path = trajectory(SGD(learning_rate=learning_rate), RegressionProblem(seed=seed), 40)
    assert_same_trajectory(
        path,
        keras.optimizers.SGD(learning_rate=learning_rate),
        RegressionProblem(seed=seed),
        steps=40,
        name=f"SGD(learning_rate={learning_rate})",
    )
### END HIDDEN TESTS


# %% nbgrader={"grade": true, "grade_id": "test_momentum", "locked": true, "points": 2, "schema_version": 3, "solution": false}
with answers:
    path = trajectory(SGD(learning_rate=0.02, momentum=0.9), RegressionProblem(seed=0), steps=10)
assert_same_trajectory(
    path,
    keras.optimizers.SGD(learning_rate=0.02, momentum=0.9),
    RegressionProblem(seed=0),
    steps=10,
    name="SGD with momentum",
    hint="The velocity starts at zero: v = momentum * v - learning_rate * gradient, w = w + v.",
)
### BEGIN HIDDEN TESTS
for seed, momentum in [(3, 0.5), (4, 0.95)]:
    with answers:
        path = trajectory(
            SGD(learning_rate=0.01, momentum=momentum), RegressionProblem(seed=seed), 40
        )
    assert_same_trajectory(
        path,
        keras.optimizers.SGD(learning_rate=0.01, momentum=momentum),
        RegressionProblem(seed=seed),
        steps=40,
        name=f"SGD(momentum={momentum})",
    )


# A learning rate that changes over time tells the conventions apart: Keras puts the
# learning rate inside the velocity, so old steps keep the learning rate they had.
def halving_schedule():
    return keras.optimizers.schedules.ExponentialDecay(0.05, decay_steps=10, decay_rate=0.5)


with answers:
    path = trajectory(
        SGD(learning_rate=halving_schedule(), momentum=0.8), RegressionProblem(seed=5), 40
    )
assert_same_trajectory(
    path,
    keras.optimizers.SGD(learning_rate=halving_schedule(), momentum=0.8),
    RegressionProblem(seed=5),
    steps=40,
    name="SGD with momentum and a decaying learning rate",
    hint="Use the learning_rate argument of update, and Keras's velocity convention.",
)
### END HIDDEN TESTS


# %% nbgrader={"grade": true, "grade_id": "test_nesterov", "locked": true, "points": 2, "schema_version": 3, "solution": false}
with answers:
    path = trajectory(
        SGD(learning_rate=0.02, momentum=0.9, nesterov=True), RegressionProblem(seed=0), steps=10
    )
assert_same_trajectory(
    path,
    keras.optimizers.SGD(learning_rate=0.02, momentum=0.9, nesterov=True),
    RegressionProblem(seed=0),
    steps=10,
    name="Nesterov momentum",
    hint="Nesterov looks ahead: after updating v, move by momentum * v - learning_rate * gradient.",
)
### BEGIN HIDDEN TESTS
with answers:
    path = trajectory(
        SGD(learning_rate=0.01, momentum=0.95, nesterov=True), RegressionProblem(seed=6), 40
    )
assert_same_trajectory(
    path,
    keras.optimizers.SGD(learning_rate=0.01, momentum=0.95, nesterov=True),
    RegressionProblem(seed=6),
    steps=40,
    name="SGD(momentum=0.95, nesterov=True)",
)
with answers:
    path = trajectory(
        SGD(
            learning_rate=keras.optimizers.schedules.ExponentialDecay(0.05, 10, 0.5),
            momentum=0.8,
            nesterov=True,
        ),
        RegressionProblem(seed=7),
        40,
    )
assert_same_trajectory(
    path,
    keras.optimizers.SGD(
        learning_rate=keras.optimizers.schedules.ExponentialDecay(0.05, 10, 0.5),
        momentum=0.8,
        nesterov=True,
    ),
    RegressionProblem(seed=7),
    steps=40,
    name="Nesterov momentum with a decaying learning rate",
    hint="Use the learning_rate argument of update, and Keras's velocity convention.",
)
### END HIDDEN TESTS


# %% nbgrader={"grade": true, "grade_id": "test_rmsprop", "locked": true, "points": 2, "schema_version": 3, "solution": false}
with answers:
    path = trajectory(RMSprop(learning_rate=0.01), RegressionProblem(seed=0), steps=10)
assert_same_trajectory(
    path,
    keras.optimizers.RMSprop(learning_rate=0.01),
    RegressionProblem(seed=0),
    steps=10,
    name="RMSprop",
    hint="s = rho * s + (1 - rho) * gradient**2 starts at zero; divide by the root of s.",
)
### BEGIN HIDDEN TESTS
for seed, rho, learning_rate in [(8, 0.9, 0.02), (16, 0.7, 0.01), (10, 0.99, 0.005)]:
    with answers:
        path = trajectory(
            RMSprop(learning_rate=learning_rate, rho=rho), RegressionProblem(seed=seed), 40
        )
    assert_same_trajectory(
        path,
        keras.optimizers.RMSprop(learning_rate=learning_rate, rho=rho),
        RegressionProblem(seed=seed),
        steps=40,
        name=f"RMSprop(rho={rho})",
    )
### END HIDDEN TESTS


# %% nbgrader={"grade": true, "grade_id": "test_adam", "locked": true, "points": 3, "schema_version": 3, "solution": false}
with answers:
    path = trajectory(Adam(learning_rate=0.01), RegressionProblem(seed=0), steps=10)
assert_same_trajectory(
    path,
    keras.optimizers.Adam(learning_rate=0.01),
    RegressionProblem(seed=0),
    steps=10,
    name="Adam",
    hint="Check the bias correction: at step t = iterations + 1, divide m by 1 - beta_1**t.",
)
### BEGIN HIDDEN TESTS
with answers:
    path = trajectory(Adam(learning_rate=0.02), RegressionProblem(seed=11), 40)
assert_same_trajectory(
    path,
    keras.optimizers.Adam(learning_rate=0.02),
    RegressionProblem(seed=11),
    steps=40,
    name="Adam (default betas)",
    hint="Check the bias correction of both moments.",
)
# Small gradients make epsilon matter: sqrt(s) + epsilon and sqrt(s + epsilon) part ways,
# while small beta_2 keeps the textbook and Keras placements of epsilon together.
for seed, beta_1, beta_2, epsilon in [(12, 0.5, 0.9, 1e-8), (13, 0.8, 0.8, 3e-8)]:
    with answers:
        path = trajectory(
            Adam(learning_rate=0.02, beta_1=beta_1, beta_2=beta_2, epsilon=epsilon),
            RegressionProblem(seed=seed, scale=1e-4),
            40,
        )
    assert_same_trajectory(
        path,
        keras.optimizers.Adam(learning_rate=0.02, beta_1=beta_1, beta_2=beta_2, epsilon=epsilon),
        RegressionProblem(seed=seed, scale=1e-4),
        steps=40,
        name=f"Adam(beta_1={beta_1}, beta_2={beta_2}, epsilon={epsilon}) on small gradients",
        hint="Add epsilon to the square root of the second moment, not under the root.",
    )
with answers:
    path = trajectory(
        Adam(learning_rate=keras.optimizers.schedules.ExponentialDecay(0.05, 10, 0.5), beta_1=0.8),
        RegressionProblem(seed=14),
        40,
    )
assert_same_trajectory(
    path,
    keras.optimizers.Adam(
        learning_rate=keras.optimizers.schedules.ExponentialDecay(0.05, 10, 0.5), beta_1=0.8
    ),
    RegressionProblem(seed=14),
    steps=40,
    name="Adam with a decaying learning rate",
    hint="Use the learning_rate argument of update.",
)
### END HIDDEN TESTS


# %% [markdown]
# ## Part 2: schedules and clipping
#
# ### 2.1 Warm-up and cosine decay
#
# Write `WarmupCosineDecay`, a `keras.optimizers.schedules.LearningRateSchedule`: called
# with the step number $k$ (a Python int or a tensor, counted from 0) it returns the
# learning rate. With peak rate $\eta_{\max}$, $W$ warm-up steps, $D$ decay steps and
# final fraction $\alpha$:
#
# - warm-up, $k < W$: rise linearly from 0, $\eta_k = \eta_{\max}\, k / W$;
# - decay, $k \ge W$: with progress $p = \min\bigl((k - W) / D,\ 1\bigr)$,
#   $\eta_k = \eta_{\max}\bigl((1 - \alpha)\,\tfrac12 (1 + \cos \pi p) + \alpha\bigr)$,
#   which falls from $\eta_{\max}$ to $\alpha\,\eta_{\max}$ and then stays there.
#
# Keras optimizers call a schedule with their step counter, a tensor, so compute with
# `keras.ops` (`ops.cast`, `ops.cos`, `ops.minimum`, `ops.where`), not Python `if`.

# %% nbgrader={"grade": false, "grade_id": "schedule", "locked": false, "schema_version": 3, "solution": true}
class WarmupCosineDecay(keras.optimizers.schedules.LearningRateSchedule):
    """Linear warm-up from 0 to `peak_learning_rate`, then cosine decay to `alpha * peak`.

    Args:
        peak_learning_rate: the learning rate at the end of the warm-up.
        warmup_steps: number of warm-up steps (0 for none).
        decay_steps: number of steps of the cosine decay after the warm-up.
        alpha: final learning rate as a fraction of the peak.
    """

    def __init__(self, peak_learning_rate, warmup_steps, decay_steps, alpha=0.0):
        if warmup_steps < 0 or decay_steps <= 0:
            raise ValueError(
                "Expected warmup_steps >= 0 and decay_steps > 0, received: "
                f"warmup_steps={warmup_steps}, decay_steps={decay_steps}"
            )
        self.peak_learning_rate = peak_learning_rate
        self.warmup_steps = warmup_steps
        self.decay_steps = decay_steps
        self.alpha = alpha

    def __call__(self, step):
        ### BEGIN SOLUTION
        step = ops.cast(step, "float32")
        warmup_steps = float(self.warmup_steps)
        warming_up = self.peak_learning_rate * step / max(warmup_steps, 1.0)
        progress = ops.minimum((step - warmup_steps) / self.decay_steps, 1.0)
        cosine = 0.5 * (1.0 + ops.cos(math.pi * progress))
        decayed = self.peak_learning_rate * ((1.0 - self.alpha) * cosine + self.alpha)
        return ops.where(step < warmup_steps, warming_up, decayed)
        ### END SOLUTION

    def get_config(self):
        return {
            "peak_learning_rate": self.peak_learning_rate,
            "warmup_steps": self.warmup_steps,
            "decay_steps": self.decay_steps,
            "alpha": self.alpha,
        }


# %% [markdown]
# Two given helpers: `schedule_values` evaluates a schedule at a list of steps, and
# `keras_warmup_cosine` builds Keras's `CosineDecay` with the same warm-up and decay, the
# reference of the tests.

# %% nbgrader={"grade": false, "grade_id": "schedule_helpers", "locked": true, "schema_version": 3, "solution": false}
def keras_warmup_cosine(peak, warmup_steps, decay_steps, alpha=0.0):
    return keras.optimizers.schedules.CosineDecay(
        0.0, decay_steps, alpha=alpha, warmup_target=peak, warmup_steps=warmup_steps
    )


def schedule_values(schedule, steps):
    return np.array([float(schedule(step)) for step in steps])


# %% nbgrader={"grade": true, "grade_id": "test_schedule", "locked": true, "points": 2, "schema_version": 3, "solution": false}
steps = list(range(0, 30))
with answers:
    values = schedule_values(WarmupCosineDecay(0.1, warmup_steps=5, decay_steps=20), steps)
assert_close(
    values,
    schedule_values(keras_warmup_cosine(0.1, 5, 20), steps),
    "WarmupCosineDecay(0.1, warmup_steps=5, decay_steps=20) at steps 0 to 29",
    hint="Index k means step k: warm-up for k < 5, the cosine starts at k = 5.",
)
### BEGIN HIDDEN TESTS
for peak, warmup_steps, decay_steps, alpha in [
    (0.5, 4, 10, 0.1),
    (1e-3, 100, 900, 0.0),
    (0.02, 0, 50, 0.2),
    (0.3, 1, 7, 0.5),
]:
    end = warmup_steps + decay_steps
    edges = {0, 1, warmup_steps - 1, warmup_steps, warmup_steps + 1, end - 1, end, end + 1}
    steps = sorted({s for s in edges if s >= 0} | set(range(0, 2 * end, max(1, 2 * end // 25))))
    with answers:
        values = schedule_values(WarmupCosineDecay(peak, warmup_steps, decay_steps, alpha), steps)
    assert_close(
        values,
        schedule_values(keras_warmup_cosine(peak, warmup_steps, decay_steps, alpha), steps),
        f"WarmupCosineDecay({peak}, {warmup_steps}, {decay_steps}, alpha={alpha}) (index = step)",
        hint="After warmup_steps + decay_steps the rate stays at alpha * peak.",
    )
# Keras optimizers call the schedule with their step counter, an integer tensor.
with answers:
    schedule = WarmupCosineDecay(0.1, warmup_steps=3, decay_steps=6, alpha=0.1)
    at_int64_steps = [
        to_numpy(schedule(ops.convert_to_tensor(k, dtype="int64"))) for k in range(12)
    ]
    optimizer = keras.optimizers.SGD(learning_rate=schedule)
    variable = keras.Variable(np.ones(3), dtype="float32")
    optimizer_rates = []
    for _ in range(8):
        optimizer_rates.append(to_numpy(optimizer.learning_rate))
        optimizer.apply([ops.ones(3)], [variable])
reference = keras_warmup_cosine(0.1, 3, 6, alpha=0.1)
for step in range(12):
    counter = ops.convert_to_tensor(step, dtype="int64")
    assert_close(
        at_int64_steps[step], reference(counter), f"schedule at an int64 tensor step {step}"
    )
for step in range(8):
    assert_close(optimizer_rates[step], reference(step), f"SGD learning rate at step {step}")
### END HIDDEN TESTS


# %% [markdown]
# The schedule next to Keras's, for a run of 60 steps with 6 steps of warm-up:

# %% nbgrader={"grade": false, "grade_id": "plot_schedule", "locked": true, "schema_version": 3, "solution": false}
schedule_axes = plot_curves(
    {
        "yours": schedule_values(WarmupCosineDecay(0.1, 6, 54, 0.05), range(60)),
        "keras CosineDecay": schedule_values(keras_warmup_cosine(0.1, 6, 54, 0.05), range(60)),
    },
    xlabel="step",
    ylabel="learning rate",
)

# %% [markdown]
# ### 2.2 Gradient clipping and divergence
#
# A network's gradient is a list of arrays, one per weight. Write, for lists of NumPy
# arrays:
#
# 1. `clip_by_value(gradients, limit)`: every entry clipped to $[-\text{limit},
#    \text{limit}]$, as `tf.clip_by_value` does to each array.
# 2. `clip_by_global_norm(gradients, max_norm)`: the **global norm** is
#    $\lVert g \rVert = \sqrt{\sum_{\text{arrays}} \sum_{\text{entries}} g^2}$, the norm of
#    all arrays taken together. If it exceeds `max_norm`, scale **every** array by the same
#    factor $\text{max\_norm} / \lVert g \rVert$, which keeps the direction of the update;
#    otherwise leave the gradients unchanged. Return `(clipped_list, global_norm)`, like
#    `tf.clip_by_global_norm`.
# 3. `first_divergent_step(losses, jump_factor=10.0)`: the index of the first loss that is
#    NaN or infinite, or larger than `jump_factor` times the smallest loss **before** it;
#    `None` if there is none. Careful: every comparison with NaN is `False`.

# %% nbgrader={"grade": false, "grade_id": "clipping", "locked": false, "schema_version": 3, "solution": true}
def clip_by_value(gradients, limit):
    """Each array of `gradients` with its entries clipped to [-limit, limit]."""
    ### BEGIN SOLUTION
    return [np.clip(gradient, -limit, limit) for gradient in gradients]
    ### END SOLUTION


def clip_by_global_norm(gradients, max_norm):
    """(gradients scaled so that their global norm is at most max_norm, global norm)."""
    ### BEGIN SOLUTION
    global_norm = np.sqrt(sum(np.sum(np.square(gradient)) for gradient in gradients))
    scale = min(1.0, max_norm / global_norm) if global_norm > 0 else 1.0
    return [gradient * scale for gradient in gradients], global_norm
    ### END SOLUTION


def first_divergent_step(losses, jump_factor=10.0):
    """Index of the first non-finite loss or jump above jump_factor * best so far, or None."""
    ### BEGIN SOLUTION
    best = np.inf
    for index, loss in enumerate(losses):
        if not np.isfinite(loss) or loss > jump_factor * best:
            return index
        best = min(best, loss)
    return None
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_clip_by_value", "locked": true, "points": 1, "schema_version": 3, "solution": false}
gradients = [np.array([-3.0, 0.5, 2.0]), np.array([[0.1, -0.2], [4.0, -5.0]])]
with answers:
    clipped = clip_by_value(gradients, 1.0)
assert len(clipped) == 2, "clip_by_value should return one array per gradient"
assert_close(clipped[0], tf.clip_by_value(gradients[0], -1.0, 1.0), "clip_by_value(...)[0]")
### BEGIN HIDDEN TESTS
rng = np.random.default_rng(20)
for limit in [0.5, 2.0, 100.0]:
    gradients = [rng.normal(size=shape) * 3 for shape in [(5,), (3, 4), (2, 2, 2)]]
    with answers:
        clipped = clip_by_value(gradients, limit)
    assert len(clipped) == len(gradients), "clip_by_value should return one array per gradient"
    for index, gradient in enumerate(gradients):
        assert_close(
            clipped[index],
            tf.clip_by_value(gradient, -limit, limit),
            f"clip_by_value(gradients, {limit})[{index}]",
        )
### END HIDDEN TESTS


# %% nbgrader={"grade": true, "grade_id": "test_clip_by_global_norm", "locked": true, "points": 2, "schema_version": 3, "solution": false}
gradients = [np.array([3.0, 0.0]), np.array([[0.0, 4.0]])]  # global norm 5
with answers:
    clipped, norm = clip_by_global_norm(gradients, 1.0)
expected, expected_norm = tf.clip_by_global_norm(gradients, 1.0)
assert_close(norm, expected_norm, "the global norm returned by clip_by_global_norm")
for index in range(2):
    assert_close(
        clipped[index],
        expected[index],
        f"clip_by_global_norm(gradients, 1.0)[{index}]",
        hint="Scale every array by the same factor max_norm / global_norm.",
    )
### BEGIN HIDDEN TESTS
rng = np.random.default_rng(21)
for max_norm in [0.1, 1.0, 5.0, 1e3]:  # the last one is above the global norm
    gradients = [rng.normal(size=shape) for shape in [(6,), (3, 5), (2, 3, 4)]]
    with answers:
        clipped, norm = clip_by_global_norm(gradients, max_norm)
    expected, expected_norm = tf.clip_by_global_norm(gradients, max_norm)
    assert_close(norm, expected_norm, f"global norm (max_norm={max_norm})")
    assert len(clipped) == len(gradients), "return one clipped array per gradient"
    for index in range(len(gradients)):
        assert_close(
            clipped[index],
            expected[index],
            f"clip_by_global_norm(gradients, {max_norm})[{index}]",
            hint="One norm over all arrays together, and no change when it is below max_norm.",
        )
# A single array behaves like clipping by its own norm.
single = [rng.normal(size=(4, 4)) * 10]
with answers:
    clipped, _ = clip_by_global_norm(single, 2.0)
assert_close(clipped[0], tf.clip_by_norm(single[0], 2.0), "clip_by_global_norm of one array")
### END HIDDEN TESTS


# %% nbgrader={"grade": true, "grade_id": "test_divergence", "locked": true, "points": 1, "schema_version": 3, "solution": false}
with answers:
    decreasing = first_divergent_step([2.3, 1.9, 1.5, 1.2])
    with_nan = first_divergent_step([2.3, 1.9, float("nan"), 1.0])
assert decreasing is None, "a decreasing loss has not diverged"
assert with_nan == 2, "a NaN loss at index 2 was not reported: NaN compares False with everything"
### BEGIN HIDDEN TESTS
for losses, jump_factor, expected in [
    ([2.0, 1.0, 0.5, 6.0, 1e3], 10.0, 3),
    ([2.0, 1.0, 0.5, 4.9, 1e3], 10.0, 4),
    ([1.0, float("inf")], 10.0, 1),
    ([float("nan"), 1.0], 10.0, 0),
    ([1.0, 0.5, 2.0], 3.0, 2),
    ([1.0, 0.5, 2.0], 5.0, None),
    ([3.0, 3.0, 3.0], 1.0, None),
    ([], 10.0, None),
]:
    with answers:
        got = first_divergent_step(losses, jump_factor=jump_factor)
    assert got == expected, (
        f"first_divergent_step({losses}, jump_factor={jump_factor}) returned {got}: compare each "
        "loss with jump_factor times the smallest loss before it, and check for NaN and infinity"
    )
### END HIDDEN TESTS


# %% [markdown]
# Clipping in action. Gradient descent with a learning rate that is too large for this
# regression blows up after a few dozen steps. Clipping the gradient to a global norm of 1
# bounds every step to `learning_rate * 1`: the run stays finite and the loss comes down,
# although a smaller learning rate would be the real fix.

# %% nbgrader={"grade": false, "grade_id": "clipping_demo", "locked": true, "schema_version": 3, "solution": false}
def run_gradient_descent(problem, learning_rate, steps, max_norm=None):
    optimizer, weights, losses = SGD(learning_rate=learning_rate), problem.initial_weights, []
    with np.errstate(over="ignore", invalid="ignore"):
        for _ in range(steps):
            residual = problem.x @ weights - problem.y
            losses.append(float(0.5 * problem.scale * np.sum(residual**2)))
            gradient = problem.gradient(weights)
            if max_norm is not None:
                (gradient,), _ = clip_by_global_norm([gradient], max_norm)
            weights = optimizer.step(weights, gradient)
    return losses


problem = RegressionProblem(seed=0)
unclipped = run_gradient_descent(problem, learning_rate=0.2, steps=60)
clipped = run_gradient_descent(problem, learning_rate=0.2, steps=60, max_norm=1.0)
print("without clipping, diverged at step", first_divergent_step(unclipped))
print("with clipping,    diverged at step", first_divergent_step(clipped))
print(f"losses with clipping: first {clipped[0]:.1f}, last {clipped[-1]:.2f}")

# %% [markdown]
# ## Part 3: regularization
#
# ### 3.1 L2 penalty and decoupled weight decay
#
# `keras.regularizers.L2(factor)` adds $\lambda \sum_i w_i^2$ to the loss, with
# $\lambda$ = `factor` (no $\tfrac12$ in front). Write `l2_penalty(weight_arrays, factor)`:
# the sum of that penalty over a list of arrays.
#
# **Decoupled weight decay** (AdamW) does not touch the loss. Before each Adam update it
# shrinks the weights directly, $w \leftarrow w - \eta\,\lambda_{wd}\, w$, with the current
# learning rate $\eta$, and the Adam update then uses the gradient of the loss alone.
# Write `AdamW.update` by reusing `Adam.update` (`super().update(...)`): it must follow
# `keras.optimizers.AdamW`.

# %% nbgrader={"grade": false, "grade_id": "weight_decay", "locked": false, "schema_version": 3, "solution": true}
def l2_penalty(weight_arrays, factor):
    """factor * the sum of the squares of every entry of every array."""
    ### BEGIN SOLUTION
    return factor * sum(np.sum(np.square(weights)) for weights in weight_arrays)
    ### END SOLUTION


class AdamW(Adam):
    """Adam with decoupled weight decay."""

    def __init__(
        self, learning_rate=0.001, weight_decay=0.004, beta_1=0.9, beta_2=0.999, epsilon=1e-7
    ):
        super().__init__(learning_rate, beta_1=beta_1, beta_2=beta_2, epsilon=epsilon)
        self.weight_decay = weight_decay

    def update(self, weights, gradient, learning_rate):
        ### BEGIN SOLUTION
        decayed = weights - learning_rate * self.weight_decay * weights
        return super().update(decayed, gradient, learning_rate)
        ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_l2_penalty", "locked": true, "points": 1, "schema_version": 3, "solution": false}
weights = np.array([[1.0, -2.0], [0.5, 3.0]])
with answers:
    penalty = l2_penalty([weights], 0.01)
assert_close(
    penalty,
    keras.regularizers.L2(0.01)(weights),
    "l2_penalty([weights], 0.01)",
    hint="Keras's L2 has no 1/2 in front.",
)
### BEGIN HIDDEN TESTS
rng = np.random.default_rng(30)
for factor in [1e-4, 0.3]:
    arrays = [rng.normal(size=shape) for shape in [(3, 4), (4,), (2, 2, 3)]]
    with answers:
        penalty = l2_penalty(arrays, factor)
    expected = sum(float(keras.regularizers.L2(factor)(array)) for array in arrays)
    assert_close(penalty, expected, f"l2_penalty(3 arrays, {factor})")
### END HIDDEN TESTS


# %% nbgrader={"grade": true, "grade_id": "test_adamw", "locked": true, "points": 2, "schema_version": 3, "solution": false}
with answers:
    path = trajectory(
        AdamW(learning_rate=0.01, weight_decay=0.1), RegressionProblem(seed=0), steps=10
    )
assert_same_trajectory(
    path,
    keras.optimizers.AdamW(learning_rate=0.01, weight_decay=0.1),
    RegressionProblem(seed=0),
    steps=10,
    name="AdamW",
    hint="Shrink the weights by learning_rate * weight_decay * weights, not through the gradient.",
)
### BEGIN HIDDEN TESTS
with answers:
    path = trajectory(
        AdamW(learning_rate=0.02, weight_decay=0.5, beta_1=0.8), RegressionProblem(seed=31), 40
    )
assert_same_trajectory(
    path,
    keras.optimizers.AdamW(learning_rate=0.02, weight_decay=0.5, beta_1=0.8),
    RegressionProblem(seed=31),
    steps=40,
    name="AdamW(weight_decay=0.5)",
    hint="Shrink the weights by learning_rate * weight_decay * weights, not through the gradient.",
)
with answers:
    path = trajectory(
        AdamW(learning_rate=keras.optimizers.schedules.ExponentialDecay(0.05, 10, 0.5)),
        RegressionProblem(seed=32),
        40,
    )
assert_same_trajectory(
    path,
    keras.optimizers.AdamW(
        learning_rate=keras.optimizers.schedules.ExponentialDecay(0.05, 10, 0.5)
    ),
    RegressionProblem(seed=32),
    steps=40,
    name="AdamW with a decaying learning rate",
    hint="The decay uses the current learning rate, the argument of update.",
)
### END HIDDEN TESTS


# %% [markdown]
# ### 3.2 Inverted dropout
#
# Write `InvertedDropout.call`. In training (`training=True`) each entry is kept with
# probability $1 - p$ (with $p$ = `rate`) and set to zero otherwise, and the kept entries
# are divided by $1 - p$, so that the expected output equals the input. At inference
# (`training=False` or `None`) the layer returns its input unchanged.
#
# Draw the mask with `keras.random.uniform(shape, seed=self.seed_generator)`: the
# `SeedGenerator` makes runs reproducible and still gives a new mask at every call.

# %% nbgrader={"grade": false, "grade_id": "dropout", "locked": false, "schema_version": 3, "solution": true}
class InvertedDropout(keras.layers.Layer):
    """Zeroes a random fraction `rate` of the inputs in training and rescales the rest.

    Each entry is kept with probability `1 - rate` and divided by `1 - rate`, so the
    expected output equals the input; at inference the layer is the identity.

    Args:
        rate: float in [0, 1), the fraction of entries to drop.
        seed: integer seed of the layer's random masks.

    Call arguments:
        inputs: a tensor of any shape.
        training: Python boolean; `True` drops entries, `False` or `None` returns
            `inputs` unchanged.

    Example:

    >>> layer = InvertedDropout(0.5, seed=1)
    >>> layer(np.ones((2, 4)), training=True)  # entries are 0.0 or 2.0
    """

    def __init__(self, rate, seed=None, **kwargs):
        super().__init__(**kwargs)
        if not 0 <= rate < 1:
            raise ValueError(f"Expected rate to be in [0, 1), received: rate={rate}")
        self.rate = rate
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)

    def call(self, inputs, training=None):
        ### BEGIN SOLUTION
        if not training or self.rate == 0:
            return inputs
        keep = keras.random.uniform(ops.shape(inputs), seed=self.seed_generator) >= self.rate
        return ops.where(keep, inputs / (1 - self.rate), ops.zeros_like(inputs))
        ### END SOLUTION

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "rate": self.rate, "seed": self.seed}


# %% nbgrader={"grade": true, "grade_id": "test_dropout_training", "locked": true, "points": 2, "schema_version": 3, "solution": false}
with answers:
    dropout = InvertedDropout(0.3, seed=1)
    output = to_numpy(dropout(np.ones((200, 500), dtype="float32"), training=True))
assert_shape(output, (200, 500), "InvertedDropout output")
dropped = float(np.mean(output == 0))
assert abs(dropped - 0.3) < 0.01, f"rate=0.3 dropped {dropped:.1%} of the entries in training"
assert abs(float(np.mean(output)) - 1.0) < 0.01, (
    f"the mean output for inputs of 1 is {np.mean(output):.3f}, it should stay near 1: "
    "divide the kept entries by 1 - rate"
)
### BEGIN HIDDEN TESTS
rng = np.random.default_rng(40)
for rate in [0.1, 0.5, 0.8]:
    inputs = rng.uniform(0.5, 2.0, size=(400, 250)).astype("float32")
    with answers:
        output = to_numpy(InvertedDropout(rate, seed=2)(inputs, training=True))
    assert_shape(output, inputs.shape, f"InvertedDropout({rate}) output")
    kept = output != 0
    dropped = 1 - float(np.mean(kept))
    assert abs(dropped - rate) < 0.01, f"rate={rate} dropped {dropped:.1%} of the entries"
    assert_close(
        output[kept],
        inputs[kept] / (1 - rate),
        f"kept entries with rate={rate}",
        hint="Kept entries are divided by 1 - rate.",
    )
    assert abs(float(np.mean(output)) / float(np.mean(inputs)) - 1) < 0.02, (
        f"with rate={rate} the mean output is not the mean input: scale the kept entries"
    )
with answers:
    reused = InvertedDropout(0.5, seed=3)
    first = to_numpy(reused(np.ones((50, 50), dtype="float32"), training=True))
    second = to_numpy(reused(np.ones((50, 50), dtype="float32"), training=True))
    rate_zero = to_numpy(InvertedDropout(0.0)(np.ones((4, 3)), training=True))
assert not np.array_equal(first, second), (
    "two calls in training mode drew the same mask: pass seed=self.seed_generator"
)
assert_close(rate_zero, np.ones((4, 3)), "InvertedDropout(0.0) in training")
### END HIDDEN TESTS


# %% nbgrader={"grade": true, "grade_id": "test_dropout_inference", "locked": true, "points": 1, "schema_version": 3, "solution": false}
inputs = np.random.default_rng(41).normal(size=(8, 16)).astype("float32")
with answers:
    at_inference = to_numpy(InvertedDropout(0.5, seed=4)(inputs, training=False))
assert_close(
    at_inference,
    inputs,
    "InvertedDropout at inference (training=False)",
    hint="At inference the layer must return its input unchanged.",
)
### BEGIN HIDDEN TESTS
with answers:
    dropout_layer = InvertedDropout(0.4, seed=5)
    without_training = to_numpy(dropout_layer(inputs))
    # Inside a model, predict() runs in inference mode.
    model = keras.Sequential([keras.Input((16,)), InvertedDropout(0.4, seed=6)])
    predicted = model.predict(tf.data.Dataset.from_tensor_slices(inputs).batch(4), verbose=0)
    dropout_layer(inputs, training=True)
    after_training_call = to_numpy(dropout_layer(inputs, training=False))
assert_close(without_training, inputs, "InvertedDropout called without training")
assert_close(predicted, inputs, "InvertedDropout inside model.predict")
assert_close(after_training_call, inputs, "InvertedDropout after a training call")
### END HIDDEN TESTS


# %% [markdown]
# ### 3.3 Early stopping that restores the best weights
#
# Write the callback `RestoreBestWeights`. Keras calls its methods during `fit`:
#
# - `on_train_begin`: reset everything (the same callback may be used for several fits):
#   best value so far $+\infty$, no saved weights, a counter of epochs without improvement
#   at 0.
# - `on_epoch_end(epoch, logs)`: read `logs[self.monitor]`. If it is **strictly** below the
#   best so far, remember it and save a copy of the weights (`self.model.get_weights()`)
#   and reset the counter. Otherwise add one to the counter; when it reaches `patience`, set
#   `self.model.stop_training = True`. A NaN value is never an improvement.
# - `on_train_end`: put the saved weights back (`self.model.set_weights(...)`), whether or
#   not training stopped early.
#
# It must behave like `keras.callbacks.EarlyStopping(monitor, patience=patience,
# restore_best_weights=True)`.

# %% nbgrader={"grade": false, "grade_id": "early_stopping", "locked": false, "schema_version": 3, "solution": true}
class RestoreBestWeights(keras.callbacks.Callback):
    """Stops training when `monitor` stops improving and restores the best weights.

    Args:
        monitor: name of the logged value to minimize, e.g. "val_loss".
        patience: number of epochs without improvement before training stops.
    """

    def __init__(self, monitor="val_loss", patience=3):
        super().__init__()
        self.monitor = monitor
        self.patience = patience

    def on_train_begin(self, logs=None):
        ### BEGIN SOLUTION
        self.best = np.inf
        self.best_weights = None
        self.wait = 0
        ### END SOLUTION

    def on_epoch_end(self, epoch, logs=None):
        ### BEGIN SOLUTION
        current = logs[self.monitor]
        if current < self.best:
            self.best = current
            self.best_weights = self.model.get_weights()
            self.wait = 0
            return
        self.wait += 1
        if self.wait >= self.patience:
            self.model.stop_training = True
        ### END SOLUTION

    def on_train_end(self, logs=None):
        ### BEGIN SOLUTION
        if self.best_weights is not None:
            self.model.set_weights(self.best_weights)
        ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_early_stopping", "locked": true, "points": 3, "schema_version": 3, "solution": false}
def replay(callback, validation_losses):
    """Runs `callback` through scripted epochs; the weights of epoch k are all equal to k.

    Returns (number of epochs run, the epoch whose weights the model ends with).
    """
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    model.stop_training = False
    callback.set_model(model)
    callback.on_train_begin()
    epochs_run = 0
    for epoch, loss in enumerate(validation_losses):
        model.set_weights([np.full(w.shape, float(epoch)) for w in model.get_weights()])
        callback.on_epoch_end(epoch, {"loss": 1.0, "val_loss": float(loss)})
        epochs_run += 1
        if model.stop_training:
            break
    callback.on_train_end()
    return epochs_run, int(model.get_weights()[0].flat[0])


def keras_replay(validation_losses, patience):
    reference = keras.callbacks.EarlyStopping(
        "val_loss", patience=patience, restore_best_weights=True
    )
    return replay(reference, validation_losses)


losses = [1.0, 0.8, 0.9, 0.95, 0.97, 0.7]
with answers:
    epochs_run, restored = replay(RestoreBestWeights("val_loss", patience=3), losses)
expected_run, expected_restored = keras_replay(losses, patience=3)
assert epochs_run == expected_run, (
    f"with patience 3 and validation losses {losses}, training should stop after "
    f"{expected_run} epochs, not {epochs_run}"
)
assert restored == expected_restored, (
    f"after training the model holds the weights of epoch {restored}: restore the best ones"
)
### BEGIN HIDDEN TESTS
nan = float("nan")
for losses, patience in [
    ([1.0, 0.9, 0.8, 0.85], 5),  # never stops: still restore the best weights
    ([1.0, 1.0, 1.0, 1.0, 1.0], 2),  # ties are not improvements
    ([2.0, 1.0, 1.5, 0.5, 0.6, 0.7, 0.8, 0.4], 1),
    ([1.0, nan, 0.9, 2.0, 3.0, 4.0], 2),  # NaN is never an improvement
    ([5.0, 4.0, 3.0, 2.0, 1.0, 0.5, 0.7, 0.6, 0.55, 0.52, 0.51, 0.3], 5),
]:
    with answers:
        got = replay(RestoreBestWeights("val_loss", patience=patience), losses)
    expected = keras_replay(losses, patience)
    assert got == expected, (
        f"validation losses {losses} with patience {patience}: got (epochs run, restored "
        f"epoch) = {got}, expected {expected}"
    )
# The same callback used for two fits must start afresh.
with answers:
    reused_callback = RestoreBestWeights("val_loss", patience=2)
    replay(reused_callback, [0.1, 0.5, 0.6])
    second_fit = replay(reused_callback, [3.0, 2.0, 2.5, 2.6, 2.7])
assert second_fit == keras_replay([3.0, 2.0, 2.5, 2.6, 2.7], 2), (
    f"a reused callback gave {second_fit}: reset its state in on_train_begin"
)
### END HIDDEN TESTS


# %% [markdown]
# ### 3.4 Label smoothing
#
# With $K$ classes and smoothing $\varepsilon$, Keras replaces a one-hot target $y$ by
# $y (1 - \varepsilon) + \varepsilon / K$: every class gets $\varepsilon / K$ and the true
# class keeps $1 - \varepsilon + \varepsilon / K$. Write
#
# 1. `smooth_labels(one_hot, smoothing)`, and
# 2. `smoothed_cross_entropy(one_hot, logits, smoothing)`: the mean over the batch of
#    $-\sum_k \tilde y_k \log \operatorname{softmax}(z)_k$ with the smoothed targets
#    $\tilde y$. Use a stable log-softmax (`keras.ops.log_softmax`, or subtract the largest
#    logit first).
#
# It must match `keras.losses.CategoricalCrossentropy(from_logits=True,
# label_smoothing=smoothing)`.

# %% nbgrader={"grade": false, "grade_id": "label_smoothing", "locked": false, "schema_version": 3, "solution": true}
def smooth_labels(one_hot, smoothing):
    """One-hot targets (batch, K) mixed with the uniform distribution over K classes."""
    ### BEGIN SOLUTION
    one_hot = np.asarray(one_hot, dtype=np.float64)
    return one_hot * (1.0 - smoothing) + smoothing / one_hot.shape[-1]
    ### END SOLUTION


def smoothed_cross_entropy(one_hot, logits, smoothing):
    """Mean cross-entropy between smoothed targets and softmax(logits)."""
    ### BEGIN SOLUTION
    logits = np.asarray(logits, dtype=np.float64)
    shifted = logits - logits.max(axis=-1, keepdims=True)
    log_probabilities = shifted - np.log(np.sum(np.exp(shifted), axis=-1, keepdims=True))
    return float(np.mean(-np.sum(smooth_labels(one_hot, smoothing) * log_probabilities, axis=-1)))
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_label_smoothing", "locked": true, "points": 2, "schema_version": 3, "solution": false}
one_hot = np.eye(4)[[0, 2, 3]]
logits = np.array([[2.0, 0.5, -1.0, 0.0], [0.1, 0.2, 3.0, -2.0], [1.0, 1.0, 1.0, 1.0]])
with answers:
    targets = smooth_labels(one_hot, 0.2)
    loss = smoothed_cross_entropy(one_hot, logits, 0.2)
assert_close(np.sum(targets, axis=-1), np.ones(3), "rows of smooth_labels(one_hot, 0.2)")
assert_close(
    loss,
    keras.losses.CategoricalCrossentropy(from_logits=True, label_smoothing=0.2)(one_hot, logits),
    "smoothed_cross_entropy(one_hot, logits, 0.2)",
    hint="Every class, the true one included, receives smoothing / K.",
)
### BEGIN HIDDEN TESTS
rng = np.random.default_rng(50)
for classes, smoothing, logit_scale in [(10, 0.1, 1), (3, 0.5, 5), (6, 0.0, 1), (10, 0.2, 20)]:
    labels = rng.integers(0, classes, size=16)
    one_hot = np.eye(classes)[labels]
    logits = rng.normal(size=(16, classes)) * logit_scale
    with answers:
        targets = smooth_labels(one_hot, smoothing)
        loss = smoothed_cross_entropy(one_hot, logits, smoothing)
    # The oracle for smooth_labels: plain cross-entropy on smoothed targets equals Keras's
    # label-smoothed cross-entropy on the one-hot targets.
    plain = keras.losses.CategoricalCrossentropy(from_logits=True)
    smoothed = keras.losses.CategoricalCrossentropy(from_logits=True, label_smoothing=smoothing)
    assert_close(
        plain(targets, logits),
        smoothed(one_hot, logits),
        f"cross-entropy on smooth_labels(one_hot, {smoothing}) with {classes} classes",
        hint="Every class, the true one included, receives smoothing / K.",
    )
    assert_close(
        loss,
        smoothed(one_hot, logits),
        f"smoothed_cross_entropy ({classes} classes, smoothing {smoothing}, logits x{logit_scale})",
        hint="Average over the batch; use a stable log-softmax.",
    )
### END HIDDEN TESTS


# %% [markdown]
# ### 3.5 Data augmentation
#
# Write `make_augmenter(seed)`: a `keras.Sequential` of Keras preprocessing layers that
# shifts a digit by up to one pixel in each direction (`keras.layers.RandomTranslation`
# with factors of 1/8 of the 8x8 image) and rotates it by a few degrees
# (`keras.layers.RandomRotation`, a factor of about 0.03 of a full turn), both with
# `fill_mode="constant"` (the background is 0) and the given `seed`. Do not flip: a flipped
# 2 is no longer a 2. These layers change their input in training only: at inference they
# return it unchanged.

# %% nbgrader={"grade": false, "grade_id": "load_digits", "locked": true, "schema_version": 3, "solution": false}
x_train, y_train = load_digits("train")  # 1,437 digits, (n, 8, 8, 1) in [0, 1]

# %% nbgrader={"grade": false, "grade_id": "augmentation", "locked": false, "schema_version": 3, "solution": true}
def make_augmenter(seed):
    """Random shifts and small rotations of (n, 8, 8, 1) digits, in training only."""
    ### BEGIN SOLUTION
    return keras.Sequential(
        [
            keras.layers.RandomTranslation(0.125, 0.125, fill_mode="constant", seed=seed),
            keras.layers.RandomRotation(0.03, fill_mode="constant", seed=seed),
        ]
    )
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_augmentation", "locked": true, "points": 2, "schema_version": 3, "solution": false}
digits = x_train[:64]
with answers:
    augmenter = make_augmenter(seed=1)
    at_inference = to_numpy(augmenter(digits, training=False))
    augmented = to_numpy(augmenter(digits, training=True))
assert_close(at_inference, digits, "the augmenter with training=False")
assert_shape(augmented, digits.shape, "augmented digits")
changed = np.mean(np.any(np.abs(augmented - digits) > 1e-3, axis=(1, 2, 3)))
assert changed > 0.5, f"only {changed:.0%} of the digits changed in training mode"
### BEGIN HIDDEN TESTS
with answers:
    again = to_numpy(make_augmenter(seed=1)(digits, training=True))
    repeated = make_augmenter(seed=1)
    first_call = to_numpy(repeated(digits, training=True))
    second_call = to_numpy(repeated(digits, training=True))
    model = keras.Sequential(
        [keras.Input((8, 8, 1)), make_augmenter(seed=2), keras.layers.Flatten()]
    )
    predicted = model.predict(tf.data.Dataset.from_tensor_slices(digits).batch(16), verbose=0)
assert augmented.min() >= -1e-5 and augmented.max() <= 1 + 1e-5, (
    "augmented pixels left [0, 1]: fill with the constant 0 and interpolate"
)
assert_close(again, augmented, "two augmenters with one seed", hint="Pass the seed to every layer.")
assert_shape(second_call, first_call.shape, "augmented digits of a second call")
assert not np.allclose(second_call, first_call), "two calls in training gave the same images"
# Small transformations: most of each digit's ink stays where it was.
overlap = np.sum(np.minimum(augmented, digits)) / np.sum(digits)
assert overlap > 0.4, f"the augmented digits share only {overlap:.0%} of their ink: transform less"
assert_close(predicted, digits.reshape(64, -1), "model.predict")
### END HIDDEN TESTS


# %% [markdown]
# Eight digits (top) and an augmented copy of each (bottom):

# %% nbgrader={"grade": false, "grade_id": "show_augmentation", "locked": true, "schema_version": 3, "solution": false}
figure, axes = plt.subplots(2, 8, figsize=(8, 2.2))
examples = ops.convert_to_numpy(make_augmenter(seed=3)(x_train[:8], training=True))
for column in range(8):
    axes[0, column].imshow(x_train[column, :, :, 0], cmap="gray_r", vmin=0, vmax=1)
    axes[1, column].imshow(examples[column, :, :, 0], cmap="gray_r", vmin=0, vmax=1)
for axis in axes.flat:
    axis.set_axis_off()

# %% [markdown]
# ## Part 4: an over-parameterized network on 200 digits
#
# Write `build_mlp(dropout_rate=0.0, l2_factor=0.0, seed=0)`: a `keras.Sequential` that
# takes `keras.Input((8, 8, 1))`, flattens it, has two hidden `Dense(256,
# activation="relu")` layers and a final `Dense(10)` that outputs logits (no softmax).
#
# - If `dropout_rate > 0`, put an `InvertedDropout(dropout_rate, seed=seed + i)` after
#   hidden layer `i` (i = 0, 1); otherwise no dropout layers at all.
# - If `l2_factor > 0`, give all three `Dense` layers
#   `kernel_regularizer=keras.regularizers.L2(l2_factor)` (kernels only, not biases).
#
# With 85,002 parameters for 200 training examples, the plain network can memorize them.
# The next cell trains two versions for 40 epochs each with Adam and records the
# cross-entropy on the training set and on 360 held-out digits: the plain network, and one
# with dropout 0.5 and L2 factor 0.003. The plain run also carries your `RestoreBestWeights`
# with a patience of 40 epochs: it never stops early, but when training ends it puts back
# the weights of the epoch with the lowest validation cross-entropy. Training takes a few
# seconds.

# %% nbgrader={"grade": false, "grade_id": "build_mlp", "locked": false, "schema_version": 3, "solution": true}
def build_mlp(dropout_rate=0.0, l2_factor=0.0, seed=0):
    """Flatten -> 2 x [Dense(256, relu) (+ InvertedDropout)] -> Dense(10) logits."""
    ### BEGIN SOLUTION
    regularizer = keras.regularizers.L2(l2_factor) if l2_factor > 0 else None
    layers = [keras.Input((8, 8, 1)), keras.layers.Flatten()]
    for index in range(2):
        layers.append(
            keras.layers.Dense(256, activation="relu", kernel_regularizer=regularizer)
        )
        if dropout_rate > 0:
            layers.append(InvertedDropout(dropout_rate, seed=seed + index))
    layers.append(keras.layers.Dense(10, kernel_regularizer=regularizer))
    return keras.Sequential(layers)
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_build_mlp", "locked": true, "points": 2, "schema_version": 3, "solution": false}
with answers:
    plain_model = build_mlp()
    plain_logits = to_numpy(plain_model(x_train[:5]))
    plain_parameters = plain_model.count_params()
assert_shape(plain_logits, (5, 10), "build_mlp()(five digits)")
assert plain_parameters == 85002, (
    f"build_mlp() has {plain_parameters} parameters, expected 85,002: two hidden "
    "layers of 256 units and 10 outputs"
)
### BEGIN HIDDEN TESTS
# Kernels drawn by the test, loaded into the Dense layers before the penalty is measured.
rng = np.random.default_rng(60)
test_kernels = [
    (0.1 * rng.normal(size=shape)).astype("float32") for shape in [(64, 256), (256, 256), (256, 10)]
]
with answers:
    unregularized = build_mlp()
    plain_has_dropout = any(isinstance(layer, InvertedDropout) for layer in unregularized.layers)
    plain_penalties = len(unregularized.losses)
    regularized = build_mlp(dropout_rate=0.3, l2_factor=0.01, seed=7)
    dropout_rates = [
        layer.rate for layer in regularized.layers if isinstance(layer, InvertedDropout)
    ]
    dense_layers = [layer for layer in regularized.layers if isinstance(layer, keras.layers.Dense)]
    for layer, kernel in zip(dense_layers, test_kernels, strict=False):  # counted below
        layer.kernel.assign(kernel)
    kernels = [layer.kernel.numpy() for layer in dense_layers]
    penalty = sum(float(loss) for loss in regularized.losses)
    logits = to_numpy(regularized(x_train[:5], training=False))
    default_logits = to_numpy(regularized(x_train[:5]))
assert not plain_has_dropout, "build_mlp() without dropout_rate should have no dropout layers"
assert plain_penalties == 0, "build_mlp() without l2_factor should add no penalty"
assert len(dropout_rates) == 2 and all(rate == 0.3 for rate in dropout_rates), (
    "build_mlp(dropout_rate=0.3) should have an InvertedDropout(0.3) after each hidden layer"
)
assert len(kernels) == 3, "build_mlp should have three Dense layers"
for index, (kernel, loaded) in enumerate(zip(kernels, test_kernels, strict=True)):
    assert np.array_equal(kernel, loaded), (
        f"Dense layer {index} does not hold the kernel the test loaded into it"
    )
assert_close(
    penalty,
    0.01 * sum(np.sum(kernel.astype(np.float64) ** 2) for kernel in test_kernels),
    "the L2 penalty of build_mlp(l2_factor=0.01)",
    hint="Every Dense kernel gets keras.regularizers.L2(l2_factor); biases do not.",
)
assert_close(default_logits, logits, "build_mlp at inference is deterministic")
### END HIDDEN TESTS


# %% nbgrader={"grade": false, "grade_id": "run_experiment", "locked": true, "schema_version": 3, "solution": false} tags=["training"]
x_validation, y_validation = load_digits("test")
x_small, y_small = x_train[:200], y_train[:200]
# tf.data pipelines, shuffled with a fixed seed: every run sees the same batches.
small_train_data = tf.data.Dataset.from_tensor_slices((x_small, y_small))
small_train_data = small_train_data.shuffle(200, seed=0).batch(50)
validation_data = tf.data.Dataset.from_tensor_slices((x_validation, y_validation)).batch(360)


def fit_digits(model, epochs=40, callbacks=()):
    """Trains with Adam; returns the history (cross_entropy and val_cross_entropy per epoch)."""
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=5e-3),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        # The loss includes the L2 penalty; this metric is the cross-entropy alone.
        metrics=[
            keras.metrics.SparseCategoricalCrossentropy(from_logits=True, name="cross_entropy")
        ],
    )
    history = model.fit(
        small_train_data,
        validation_data=validation_data,
        epochs=epochs,
        callbacks=list(callbacks),
        shuffle=False,
        verbose=0,
    )
    return history.history


plain_network = build_mlp()
histories = {
    "plain": fit_digits(
        plain_network, callbacks=[RestoreBestWeights("val_cross_entropy", patience=40)]
    ),
    "regularized": fit_digits(build_mlp(dropout_rate=0.5, l2_factor=3e-3)),
}
for name, history in histories.items():
    print(
        f"{name:11s} final cross-entropy: training {history['cross_entropy'][-1]:.3f}, "
        f"validation {history['val_cross_entropy'][-1]:.3f} "
        f"(best {min(history['val_cross_entropy']):.3f} "
        f"at epoch {int(np.argmin(history['val_cross_entropy'])) + 1})"
    )
curve_axes = plot_curves(
    {
        "plain, training": histories["plain"]["cross_entropy"],
        "plain, validation": histories["plain"]["val_cross_entropy"],
        "regularized, training": histories["regularized"]["cross_entropy"],
        "regularized, validation": histories["regularized"]["val_cross_entropy"],
    },
    xlabel="epoch",
    ylabel="cross-entropy",
    yscale="log",
)

# %% [markdown]
# The regularized network's training curve is measured with dropout switched on, which is
# why it stays well above the plain network's. The test checks that regularization lowers
# the validation cross-entropy at the end of training (the mean of the last five epochs,
# which smooths out the noise of single epochs), and that the plain network ends with the
# weights of its best epoch.

# %% nbgrader={"grade": true, "grade_id": "test_overfitting_experiment", "locked": true, "points": 2, "schema_version": 3, "solution": false} tags=["training"]
with answers:
    plain_validation = [float(value) for value in histories["plain"]["val_cross_entropy"]]
    regularized_validation = [
        float(value) for value in histories["regularized"]["val_cross_entropy"]
    ]
assert len(plain_validation) == 40, "the plain run should last 40 epochs"
plain_final = np.mean(plain_validation[-5:])
regularized_final = np.mean(regularized_validation[-5:])
assert regularized_final < plain_final, (
    f"the regularized network ends with validation cross-entropy {regularized_final:.3f} "
    f"(mean of the last five epochs), not below the plain network's {plain_final:.3f}: "
    "check build_mlp and InvertedDropout"
)
### BEGIN HIDDEN TESTS
with answers:
    plain_training = [float(value) for value in histories["plain"]["cross_entropy"]]
    evaluation = plain_network.evaluate(validation_data, verbose=0, return_dict=True)
    restored = float(evaluation["cross_entropy"])
assert plain_training[-1] < 0.05, (
    "the plain network should fit its 200 training digits almost perfectly"
)
assert_close(
    restored,
    min(plain_validation),
    "validation cross-entropy of the plain network after training",
    tol="training",
    hint="RestoreBestWeights should leave the model with the weights of its best epoch.",
)
### END HIDDEN TESTS


# %% [markdown]
# ## Part 5: concept checks
#
# **5.1 Bias and variance.** Network A reaches 99% accuracy on its training set and 71%
# on the validation set. Network B reaches 74% and 72%. Set `bias_variance` to the letter
# of the right statement:
#
# - (a) A has high bias and B high variance; more data helps B most
# - (b) A has high variance and B high bias; regularization or more data helps A, a larger
#   model or longer training helps B
# - (c) both have high variance, since both are below 100% on validation
# - (d) both have high bias; dropout would help both
#
# **5.2 Adam or SGD.** Set `adam_vs_sgd` to the letter of the right statement:
#
# - (a) Adam always reaches a lower test error than SGD with momentum
# - (b) Adam scales each weight's step by its own gradient history, so it usually needs
#   less tuning of the learning rate and makes fast early progress; well-tuned SGD with
#   momentum and a schedule often generalizes as well or better, and keeps one state array
#   per weight instead of two
# - (c) Adam needs no learning rate, since it adapts it
# - (d) Adam's bias correction makes it insensitive to the initialization of the weights
#
# **5.3 Batch, mini-batch, stochastic.** The digits training split has 1,437 examples.
# How many weight updates does one epoch make with full-batch gradient descent, with
# mini-batches of 64 (the last, smaller batch is kept), and with stochastic gradient
# descent (batches of one)? Store the three numbers in the tuple `updates_per_epoch`.
#
# **5.4 L2 or weight decay.** With plain SGD (no momentum), adding
# `keras.regularizers.L2(0.005)` to a weight gives exactly the same updates as
# `keras.optimizers.SGD(weight_decay=wd)` without the penalty. Store `wd` (a number) in
# `l2_as_weight_decay`.
#
# **5.5 Practical training.** Which statements are true? Store their letters in the
# string `practical_training` (for example `"ce"`).
#
# - (a) The No-Free-Lunch theorem says that, averaged over all possible problems, no
#   learning algorithm beats another: a good model builds in assumptions that fit the
#   problem.
# - (b) Logistic regression is a network with no hidden layer and a sigmoid output trained
#   with cross-entropy: a generalized linear model is the one-layer case of a network.
# - (c) If the loss turns to NaN after a few steps, the first thing to try is a deeper
#   network.
# - (d) The learning rate is usually the first hyper-parameter to tune; batch size, depth
#   and width come after.
# - (e) A larger batch always generalizes better, because its gradient is less noisy.
# - (f) An L1 penalty tends to make many weights exactly zero; an L2 penalty shrinks large
#   weights strongly and small ones hardly at all.

# %% nbgrader={"grade": false, "grade_id": "concepts", "locked": false, "schema_version": 3, "solution": true}
bias_variance = None
adam_vs_sgd = None
updates_per_epoch = None
l2_as_weight_decay = None
practical_training = None
### BEGIN SOLUTION
bias_variance = "b"
adam_vs_sgd = "b"
updates_per_epoch = (1, 23, 1437)  # ceil(1437 / 64) = 23
l2_as_weight_decay = 0.01  # the gradient of 0.005 * w**2 is 0.01 * w
practical_training = "abdf"
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "test_bias_variance", "locked": true, "points": 1, "schema_version": 3, "solution": false}
with answers:
    bias_variance_choice = bias_variance
assert bias_variance_choice in {"a", "b", "c", "d"}, (
    "set bias_variance to one of 'a', 'b', 'c', 'd'"
)
### BEGIN HIDDEN TESTS
assert bias_variance_choice == "b", (
    "compare each network's training accuracy with its validation accuracy"
)
### END HIDDEN TESTS


# %% nbgrader={"grade": true, "grade_id": "test_adam_vs_sgd", "locked": true, "points": 1, "schema_version": 3, "solution": false}
with answers:
    adam_vs_sgd_choice = adam_vs_sgd
assert adam_vs_sgd_choice in {"a", "b", "c", "d"}, "set adam_vs_sgd to one of 'a', 'b', 'c', 'd'"
### BEGIN HIDDEN TESTS
assert adam_vs_sgd_choice == "b", (
    "look at what Adam's state arrays track, and at chapter 03, section 4"
)
### END HIDDEN TESTS


# %% nbgrader={"grade": true, "grade_id": "test_updates_per_epoch", "locked": true, "points": 1, "schema_version": 3, "solution": false}
with answers:
    update_counts = updates_per_epoch
assert isinstance(update_counts, tuple) and len(update_counts) == 3, (
    "store three whole numbers in the tuple updates_per_epoch"
)
### BEGIN HIDDEN TESTS
expected = tuple(len(digits_dataset("train", batch_size=size)) for size in (1437, 64, 1))
assert tuple(update_counts) == expected, (
    "one update per batch: count the batches of each size, the last smaller one included"
)
### END HIDDEN TESTS


# %% nbgrader={"grade": true, "grade_id": "test_l2_as_weight_decay", "locked": true, "points": 1, "schema_version": 3, "solution": false}
with answers:
    weight_decay = l2_as_weight_decay
assert isinstance(weight_decay, (int, float)), "store a number in l2_as_weight_decay"
### BEGIN HIDDEN TESTS
target = np.array([1.0, -2.0, 0.5])
with_penalty = keras.Variable(np.array([3.0, 1.0, -4.0]), dtype="float64")
with_decay = keras.Variable(np.array([3.0, 1.0, -4.0]), dtype="float64")
penalty_optimizer = keras.optimizers.SGD(learning_rate=0.1)
decay_optimizer = keras.optimizers.SGD(learning_rate=0.1, weight_decay=float(weight_decay))
for _ in range(5):
    with tf.GradientTape() as tape:
        loss = 0.5 * ops.sum((with_penalty - target) ** 2) + keras.regularizers.L2(0.005)(
            with_penalty
        )
    penalty_optimizer.apply(tape.gradient(loss, [with_penalty]), [with_penalty])
    with tf.GradientTape() as tape:
        loss = 0.5 * ops.sum((with_decay - target) ** 2)
    decay_optimizer.apply(tape.gradient(loss, [with_decay]), [with_decay])
assert_close(
    with_decay.numpy(),
    with_penalty.numpy(),
    "SGD with your weight_decay against SGD with the L2 penalty",
    hint="Differentiate 0.005 * w**2.",
)
### END HIDDEN TESTS


# %% nbgrader={"grade": true, "grade_id": "test_practical_training", "locked": true, "points": 1, "schema_version": 3, "solution": false}
with answers:
    true_statements = practical_training
assert isinstance(true_statements, str) and set(true_statements) <= set("abcdef"), (
    "store the letters of the true statements in a string, like 'ce'"
)
### BEGIN HIDDEN TESTS
assert set(true_statements) == set("abdf"), "not the right set of true statements"
### END HIDDEN TESTS


# %% [markdown]
# **5.6 Written answer (graded by hand, 2 points).** In four to six sentences, using your
# curves from part 4: at about which epoch does the plain network start to overfit, and
# what shows it? How do dropout and L2 change the gap between training and validation,
# and why? Why must dropout be switched off at inference, and what would go wrong at
# inference if the kept units were not rescaled during training?

# %% [markdown] nbgrader={"grade": true, "grade_id": "written_regularization", "locked": false, "points": 2, "schema_version": 3, "solution": true}
# ### BEGIN SOLUTION
# The plain network's validation cross-entropy reaches its minimum after about ten to
# fifteen epochs and then rises while its training cross-entropy keeps falling towards
# zero: from there on it memorizes the 200 digits (and grows over-confident) instead of
# learning what generalizes, which is high variance. Dropout and L2 keep the training
# loss higher and the validation loss lower, so the gap shrinks: L2 keeps the weights
# small and the function smooth, and dropout prevents units from relying on particular
# other units, which acts like averaging many thinned networks. At inference we want one
# deterministic prediction from the whole network, so dropout is off. Without the
# 1 / (1 - p) scaling in training, each unit would see inputs about 1 / (1 - p) times
# larger at inference than during training, so the activations and logits would be
# off unless the weights were scaled by 1 - p at test time.
# ### END SOLUTION
