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
# # Assignment 6: recurrent networks
#
# A recurrent network reads a sequence one step at a time and carries a state from
# each step to the next. In this assignment you write the three classic recurrent
# cells from their equations, as Keras cells that `keras.layers.RNN` can run, and make
# them agree number for number with `keras.layers.SimpleRNN`, `LSTM` and `GRU`. Then
# you watch gradients travel back through time, clip them, and train your GRU on a task
# that a plain RNN cannot learn. Read chapter 06 first.
#
# 1. Three recurrent cells: vanilla RNN, LSTM and GRU (part 1).
# 2. Counting their parameters (part 2).
# 3. Backpropagation through time: gradient norms per step, and clipping (part 3).
# 4. A long-range memory task: the adding problem (part 4).
# 5. Concept checks (part 5).
#
# **How this is graded.** Write your code between the lines `# YOUR CODE HERE` and the
# end of the region, replacing `raise NotImplementedError()`. Each test cell is worth the
# points in its header; the tests you see are a first check, and hidden tests check more
# cases (other sizes, masked sequences, initial states, several steps) when your
# notebook is graded. Most tests load the same weights into your cell and into Keras's
# own layer and compare every output and every state. Before you submit, run
# `dlcourse check a06_lstm.ipynb`, which restarts the kernel and runs everything top to
# bottom, as the grader will.
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
from keras import ops

import course
from course.checks import answers, assert_close, assert_shape, to_numpy
from course.data import adding_problem

course.setup(seed=0)

# %% [markdown]
# The tests load random weights into your cell and into the Keras cell or layer of the
# same kind, then compare. The `*_case` helpers draw the weights, inputs and states and
# compute Keras's answer; under `with answers:`, `run_step` and `run_layer` load the same
# weights into your cell and run it on the same inputs; `check_step` and `check_layers`
# compare the two. Use them to debug.

# %% nbgrader={"grade": false, "grade_id": "test_tools", "locked": true, "schema_version": 3, "solution": false}
CELL_WEIGHTS = ("kernel", "recurrent_kernel", "bias")


def as_list(value):
    """A cell's states (or a layer's outputs) as a list: one tensor becomes [tensor]."""
    return list(value) if isinstance(value, (list, tuple)) else [value]


def random_cell_weights(keras_cell, rng, scale=0.6):
    """Random kernel, recurrent_kernel and bias shaped like those of a built Keras cell."""
    return {
        name: rng.normal(0.0, scale, size=tuple(getattr(keras_cell, name).shape)).astype("float32")
        for name in CELL_WEIGHTS
    }


def load_cell_weights(cell, weights):
    """Assigns a dict of weights to the attributes of the same names of a built cell."""
    for name, value in weights.items():
        variable = getattr(cell, name, None)
        if variable is None or not hasattr(variable, "assign"):
            raise AssertionError(
                f"{type(cell).__name__} has no weight attribute '{name}': create it in build() "
                "with add_weight and store it as self." + name
            )
        if tuple(variable.shape) != value.shape:
            raise AssertionError(
                f"{type(cell).__name__}.{name} has shape {tuple(variable.shape)}, but the Keras "
                f"cell's has shape {value.shape}: follow the weight layout of Keras"
            )
        variable.assign(value)


def built_weights(cell, input_dim):
    """The weights of `cell` built for inputs of size input_dim, as arrays, by name."""
    cell.build((None, input_dim))
    return {name: to_numpy(getattr(cell, name)) for name in CELL_WEIGHTS if hasattr(cell, name)}


def cell_facts(cell_class, units, input_dim, name):
    """What the build tests read of `cell_class(units, name=name)` built for inputs of size
    input_dim, as data: sizes, weights, trainable weights, config round trip."""
    cell = cell_class(units, name=name)
    weights = built_weights(cell, input_dim)
    config = cell.get_config()
    rebuilt = cell_class.from_config(config)
    state_size = cell.state_size  # a list on a layer is a Keras TrackedList: send a list
    return {
        "state_size": list(state_size) if isinstance(state_size, (list, tuple)) else state_size,
        "output_size": cell.output_size,
        "weights": weights,
        "trainable_weights": len(cell.trainable_weights),
        "config_units": config.get("units"),
        "rebuilt": (rebuilt.units, rebuilt.name),
    }


def units_errors(cell_class, bad_units):
    """For each value, the message of the ValueError that cell_class(value) raises, or
    None if it raises nothing."""
    messages = []
    for bad in bad_units:
        try:
            cell_class(bad)
        except ValueError as error:
            messages.append(str(error))
        else:
            messages.append(None)
    return messages


def step_case(keras_cell, input_dim, rng, batch=3):
    """Random weights, inputs and states for one step of `keras_cell`, and the step's
    output and new states computed by Keras: (case, expected)."""
    keras_cell.build((None, input_dim))
    weights = random_cell_weights(keras_cell, rng)
    load_cell_weights(keras_cell, weights)
    x = rng.normal(size=(batch, input_dim)).astype("float32")
    states = [
        rng.normal(0.0, 0.5, size=(batch, size)).astype("float32")
        for size in as_list(keras_cell.state_size)
    ]
    output, new_states = keras_cell(
        ops.convert_to_tensor(x), [ops.convert_to_tensor(s) for s in states]
    )
    expected = [to_numpy(output)] + [to_numpy(s) for s in as_list(new_states)]
    return {"weights": weights, "x": x, "states": states}, expected


def run_step(cell, case):
    """One step of `cell` with the weights, inputs and states of `case`: the output, then
    the new states, as arrays."""
    x = case["x"]
    cell.build((None, x.shape[-1]))
    load_cell_weights(cell, case["weights"])
    output, new_states = cell(
        ops.convert_to_tensor(x), [ops.convert_to_tensor(s) for s in case["states"]]
    )
    return [to_numpy(output)] + [to_numpy(s) for s in as_list(new_states)]


def check_step(got, expected, name, state_names, hint=""):
    """Compares run_step's results of cell class `name` with step_case's expected ones."""
    assert_close(got[0], expected[0], f"the output of one {name} step", hint=hint)
    new_states, expected_states = list(got[1:]), expected[1:]
    assert len(new_states) == len(expected_states), (
        f"{name} returned {len(new_states)} new state(s), expected {len(expected_states)} "
        f"({', '.join(state_names)})"
    )
    for state_name, state, reference in zip(state_names, new_states, expected_states, strict=True):
        assert_close(state, reference, f"the new state {state_name} of one {name} step", hint=hint)


def layer_case(keras_layer, x, rng, mask=None, initial_state=None):
    """Random weights for `keras_layer` and its outputs on `x` (with `mask`, from
    `initial_state`): (case, expected). The case holds the layer's options."""
    keras_layer.build(x.shape)
    weights = random_cell_weights(keras_layer.cell, rng)
    load_cell_weights(keras_layer.cell, weights)
    options = {}
    if mask is not None:
        options["mask"] = mask
    if initial_state is not None:
        options["initial_state"] = [ops.convert_to_tensor(s) for s in initial_state]
    expected = [to_numpy(value) for value in as_list(keras_layer(x, **options))]
    case = {
        "layer": type(keras_layer).__name__,
        "return_sequences": keras_layer.return_sequences,
        "return_state": keras_layer.return_state,
        "weights": weights,
        "x": x,
        "mask": mask,
        "initial_state": initial_state,
    }
    return case, expected


def run_layer(cell, case):
    """keras.layers.RNN(cell) with the options and weights of `case`, on its inputs:
    every tensor it returns, as arrays."""
    layer = keras.layers.RNN(
        cell, return_sequences=case["return_sequences"], return_state=case["return_state"]
    )
    layer.build(case["x"].shape)
    load_cell_weights(cell, case["weights"])
    options = {}
    if case["mask"] is not None:
        options["mask"] = case["mask"]
    if case["initial_state"] is not None:
        options["initial_state"] = [ops.convert_to_tensor(s) for s in case["initial_state"]]
    return [to_numpy(value) for value in as_list(layer(case["x"], **options))]


def check_layers(got, expected, name, case, hint=""):
    """Compares run_layer's results of cell class `name` with layer_case's expected ones."""
    what = (
        f"{case['layer']}(return_sequences={case['return_sequences']}, "
        f"return_state={case['return_state']})"
        + (", with a mask" if case["mask"] is not None else "")
        + (", from an initial state" if case["initial_state"] is not None else "")
    )
    assert len(got) == len(expected), (
        f"RNN({name}) returned {len(got)} tensors, {what} returns {len(expected)}"
    )
    for index, (value, reference) in enumerate(zip(got, expected, strict=True)):
        part = "the output" if index == 0 else f"final state {index - 1}"
        assert_close(value, reference, f"{part} of RNN({name}) against {what}", hint=hint)


# %% [markdown]
# ## Part 1: three recurrent cells
#
# `keras.layers.RNN(cell)` runs the loop over time for you: at each step it calls
# `cell(x_t, states)` with the inputs of that step, shape `(batch, input_dim)`, and the
# list of states from the step before, and expects back `(output, new_states)`. It
# also handles masks (a masked step keeps the previous states), `return_sequences`,
# `return_state` and initial states. A cell is an ordinary Keras layer with two extra
# attributes: `state_size` (an integer, or a list of one integer per state) and
# `output_size`.
#
# Every cell below follows the weight layout of the Keras layer of the same kind, so that
# weights can be copied between them:
#
# - `kernel`, shape `(input_dim, k * units)`: the input weights of the k blocks side by
#   side, initialized with `"glorot_uniform"`;
# - `recurrent_kernel`, shape `(units, k * units)`: the weights applied to the previous
#   hidden state, initialized with `"orthogonal"`;
# - `bias`, shape `(k * units,)`, initialized with zeros (the LSTM's initial values and
#   the GRU's shape differ, see below).
#
# Each cell: `__init__(units, **kwargs)` passes `**kwargs` to the base class, raises a
# `ValueError` of the form `"Expected units to be a positive integer, received:
# units=0"` unless `units` is a positive `int`, and stores `self.units`,
# `self.state_size` and `self.output_size`; `build(input_shape)` creates the three
# weights with `self.add_weight(shape=..., initializer=..., trainable=True, name=...)`
# under the names above and stores them as `self.kernel`, `self.recurrent_kernel`,
# `self.bias`; `call(inputs, states, training=None)` computes one step with `keras.ops`;
# `get_config()` returns the base config plus `units`. `states` arrives as a list, even
# for one state; return the new states as a list in the same order.
#
# ### 1.1 The vanilla RNN cell
#
# With one block ($k = 1$), $W$ the kernel, $U$ the recurrent kernel and $b$ the bias:
#
# $$h_t = \tanh(x_t W + h_{t-1} U + b).$$
#
# The output is $h_t$ and the only state is $h_t$: `state_size = units`.

# %% nbgrader={"grade": false, "grade_id": "rnn_cell", "locked": false, "schema_version": 3, "solution": true}
class RNNCell(keras.layers.Layer):
    """One step of a fully connected recurrent network, for `keras.layers.RNN`.

    The new hidden state is `tanh(inputs @ kernel + h @ recurrent_kernel + bias)`; it is
    both the output of the step and the state passed to the next step.

    Args:
        units: Positive integer, the size of the hidden state.
        **kwargs: Base layer keyword arguments, such as `name` and `dtype`.

    Call arguments:
        inputs: A tensor of shape `(batch, input_dim)`, the inputs of one time step.
        states: A list with one tensor of shape `(batch, units)`, the previous state.
        training: Python boolean or None; the cell behaves the same in both modes.

    Example:

    >>> layer = keras.layers.RNN(RNNCell(8), return_sequences=True)
    >>> layer(np.zeros((2, 5, 3), dtype="float32")).shape
    (2, 5, 8)
    """

    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        ### BEGIN SOLUTION
        if not isinstance(units, int) or isinstance(units, bool) or units <= 0:
            raise ValueError(f"Expected units to be a positive integer, received: units={units!r}")
        self.units = units
        self.state_size = units
        self.output_size = units
        ### END SOLUTION

    def build(self, input_shape):
        ### BEGIN SOLUTION
        input_dim = input_shape[-1]
        self.kernel = self.add_weight(
            shape=(input_dim, self.units),
            initializer="glorot_uniform",
            trainable=True,
            name="kernel",
        )
        self.recurrent_kernel = self.add_weight(
            shape=(self.units, self.units),
            initializer="orthogonal",
            trainable=True,
            name="recurrent_kernel",
        )
        self.bias = self.add_weight(
            shape=(self.units,), initializer="zeros", trainable=True, name="bias"
        )
        ### END SOLUTION

    def call(self, inputs, states, training=None):
        ### BEGIN SOLUTION
        previous_h = states[0]
        h = ops.tanh(
            ops.matmul(inputs, self.kernel)
            + ops.matmul(previous_h, self.recurrent_kernel)
            + self.bias
        )
        return h, [h]
        ### END SOLUTION

    def get_config(self):
        ### BEGIN SOLUTION
        return {**super().get_config(), "units": self.units}
        ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_rnn_cell_build", "locked": true, "points": 1, "schema_version": 3, "solution": false}
with answers:
    weights = built_weights(RNNCell(5), 3)
for name, shape in [("kernel", (3, 5)), ("recurrent_kernel", (5, 5)), ("bias", (5,))]:
    assert name in weights, (
        f"RNNCell has no attribute '{name}': store the weight as self.{name}"
    )
    assert_shape(weights[name], shape, f"RNNCell(5).{name} for inputs of size 3")
### BEGIN HIDDEN TESTS
bad_units = [0, -3, 2.5, "4"]
with answers:
    facts = cell_facts(RNNCell, 7, 4, "my_rnn_cell")
    messages = units_errors(RNNCell, bad_units)
reference = keras.layers.SimpleRNNCell(7)
reference.build((None, 4))
assert facts["state_size"] == 7 and facts["output_size"] == 7, (
    "state_size and output_size should be units"
)
for name in CELL_WEIGHTS:
    assert name in facts["weights"], (
        f"RNNCell has no attribute '{name}': store the weight as self.{name}"
    )
    assert_shape(
        facts["weights"][name], tuple(getattr(reference, name).shape), f"RNNCell(7).{name}"
    )
assert facts["trainable_weights"] == 3, "the three weights must be trainable"
assert_close(
    facts["weights"]["bias"],
    np.zeros(7),
    "the initial bias",
    hint="Initialize the bias with zeros.",
)
assert facts["config_units"] == 7, "get_config() should include units"
assert facts["rebuilt"] == (7, "my_rnn_cell"), (
    "from_config(get_config()) should rebuild the same cell: merge in the base config"
)
for bad, message in zip(bad_units, messages, strict=True):
    assert message is not None, f"RNNCell({bad!r}) should raise a ValueError"
    assert "Expected" in message and "received" in message, (
        f"the ValueError for units={bad!r} should read 'Expected ..., received: ...'"
    )
### END HIDDEN TESTS

# %% nbgrader={"grade": true, "grade_id": "test_rnn_cell_step", "locked": true, "points": 1, "schema_version": 3, "solution": false}
rng = np.random.default_rng(1)
case, expected = step_case(keras.layers.SimpleRNNCell(4), 3, rng)
with answers:
    got = run_step(RNNCell(4), case)
check_step(got, expected, "RNNCell", ["h"])
### BEGIN HIDDEN TESTS
for units, input_dim, batch in [(5, 5, 2), (3, 6, 4), (8, 1, 1)]:
    case, expected = step_case(keras.layers.SimpleRNNCell(units), input_dim, rng, batch=batch)
    with answers:
        got = run_step(RNNCell(units), case)
    check_step(
        got,
        expected,
        "RNNCell",
        ["h"],
        hint="h_t = tanh(x_t W + h_{t-1} U + b): the kernel multiplies the inputs, the "
        "recurrent kernel the previous state.",
    )
### END HIDDEN TESTS

# %% nbgrader={"grade": true, "grade_id": "test_rnn_sequences", "locked": true, "points": 2, "schema_version": 3, "solution": false}
rng = np.random.default_rng(2)
x = rng.normal(size=(3, 6, 4)).astype("float32")
case, expected = layer_case(keras.layers.SimpleRNN(5, return_sequences=True), x, rng)
with answers:
    got = run_layer(RNNCell(5), case)
check_layers(got, expected, "RNNCell", case)
### BEGIN HIDDEN TESTS
hint = "Read the previous state from states[0] and return the new one as the state."
x = rng.normal(size=(4, 9, 3)).astype("float32")
case, expected = layer_case(keras.layers.SimpleRNN(3, return_state=True), x, rng)
with answers:
    got = run_layer(RNNCell(3), case)
check_layers(got, expected, "RNNCell", case, hint=hint)
case, expected = layer_case(
    keras.layers.SimpleRNN(6, return_sequences=True, return_state=True),
    x,
    rng,
    initial_state=[rng.normal(size=(4, 6)).astype("float32")],
)
with answers:
    got = run_layer(RNNCell(6), case)
check_layers(got, expected, "RNNCell", case, hint=hint)
mask = np.ones((4, 9), dtype=bool)
mask[0, 5:] = False
mask[2, 2:] = False
mask[3, 3:6] = False
case, expected = layer_case(keras.layers.SimpleRNN(4, return_sequences=True), x, rng, mask=mask)
with answers:
    got = run_layer(RNNCell(4), case)
check_layers(got, expected, "RNNCell", case, hint=hint)
### END HIDDEN TESTS

# %% [markdown]
# ### 1.2 The LSTM cell
#
# The LSTM has four blocks ($k = 4$), in the order of Keras: input gate $i$, forget gate
# $f$, candidate $g$ (Keras calls it `c`), output gate $o$. With all four computed at
# once, $z_t = x_t W + h_{t-1} U + b$, split into four slices of `units` columns:
#
# $$i_t = \sigma(z^{(i)}_t), \quad f_t = \sigma(z^{(f)}_t), \quad g_t = \tanh(z^{(g)}_t),
# \quad o_t = \sigma(z^{(o)}_t),$$
#
# $$c_t = f_t \odot c_{t-1} + i_t \odot g_t, \qquad h_t = o_t \odot \tanh(c_t).$$
#
# $\sigma$ is the logistic sigmoid (`keras.ops.sigmoid`). The states are $[h_t, c_t]$ in
# this order (`state_size = [units, units]`) and the output is $h_t$. Like Keras (its
# `unit_forget_bias=True`), initialize the bias with zeros **except the forget-gate
# slice, which starts at ones**, so that a fresh LSTM keeps most of its cell state
# (chapter 06 explains why). `add_weight` accepts as `initializer` any function
# `initializer(shape, dtype=None)` that returns the initial tensor.

# %% nbgrader={"grade": false, "grade_id": "lstm_cell", "locked": false, "schema_version": 3, "solution": true}
class LSTMCell(keras.layers.Layer):
    """One step of a long short-term memory network, for `keras.layers.RNN`.

    Four blocks are computed from the inputs and the previous hidden state: the input,
    forget and output gates (sigmoid) and the candidate (tanh). The cell state is
    updated additively, `c = f * c_prev + i * g`, and the output is `h = o * tanh(c)`.
    The weight layout is that of `keras.layers.LSTM`, blocks in the order i, f, g, o.

    Args:
        units: Positive integer, the size of the hidden and cell states.
        **kwargs: Base layer keyword arguments, such as `name` and `dtype`.

    Call arguments:
        inputs: A tensor of shape `(batch, input_dim)`, the inputs of one time step.
        states: A list `[h, c]` of two tensors of shape `(batch, units)`.
        training: Python boolean or None; the cell behaves the same in both modes.

    Example:

    >>> layer = keras.layers.RNN(LSTMCell(8), return_state=True)
    >>> output, h, c = layer(np.zeros((2, 5, 3), dtype="float32"))
    >>> c.shape
    (2, 8)
    """

    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        ### BEGIN SOLUTION
        if not isinstance(units, int) or isinstance(units, bool) or units <= 0:
            raise ValueError(f"Expected units to be a positive integer, received: units={units!r}")
        self.units = units
        self.state_size = [units, units]
        self.output_size = units
        ### END SOLUTION

    def build(self, input_shape):
        ### BEGIN SOLUTION
        input_dim = input_shape[-1]
        units = self.units

        def forget_bias_one(shape, dtype=None):
            # zeros for the i, g and o slices, ones for the forget gate
            blocks = [ops.zeros((units,)), ops.ones((units,)), ops.zeros((2 * units,))]
            return ops.cast(ops.concatenate(blocks), dtype or "float32")

        self.kernel = self.add_weight(
            shape=(input_dim, 4 * units),
            initializer="glorot_uniform",
            trainable=True,
            name="kernel",
        )
        self.recurrent_kernel = self.add_weight(
            shape=(units, 4 * units),
            initializer="orthogonal",
            trainable=True,
            name="recurrent_kernel",
        )
        self.bias = self.add_weight(
            shape=(4 * units,), initializer=forget_bias_one, trainable=True, name="bias"
        )
        ### END SOLUTION

    def call(self, inputs, states, training=None):
        ### BEGIN SOLUTION
        previous_h, previous_c = states[0], states[1]
        z = (
            ops.matmul(inputs, self.kernel)
            + ops.matmul(previous_h, self.recurrent_kernel)
            + self.bias
        )
        z_i, z_f, z_g, z_o = ops.split(z, 4, axis=-1)
        input_gate = ops.sigmoid(z_i)
        forget_gate = ops.sigmoid(z_f)
        candidate = ops.tanh(z_g)
        output_gate = ops.sigmoid(z_o)
        c = forget_gate * previous_c + input_gate * candidate
        h = output_gate * ops.tanh(c)
        return h, [h, c]
        ### END SOLUTION

    def get_config(self):
        ### BEGIN SOLUTION
        return {**super().get_config(), "units": self.units}
        ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_lstm_cell_build", "locked": true, "points": 1, "schema_version": 3, "solution": false}
with answers:
    weights = built_weights(LSTMCell(5), 3)
for name, shape in [("kernel", (3, 20)), ("recurrent_kernel", (5, 20)), ("bias", (20,))]:
    assert name in weights, (
        f"LSTMCell has no attribute '{name}': store the weight as self.{name}"
    )
    assert_shape(weights[name], shape, f"LSTMCell(5).{name} for inputs of size 3")
### BEGIN HIDDEN TESTS
bad_units = [0, -1, 3.0]
with answers:
    facts = cell_facts(LSTMCell, 6, 2, "my_lstm_cell")
    messages = units_errors(LSTMCell, bad_units)
reference = keras.layers.LSTMCell(6)
reference.build((None, 2))
assert list(as_list(facts["state_size"])) == [6, 6] and facts["output_size"] == 6, (
    "an LSTM cell has two states of size units, [h, c], and outputs h"
)
for name in CELL_WEIGHTS:
    assert name in facts["weights"], (
        f"LSTMCell has no attribute '{name}': store the weight as self.{name}"
    )
    assert_shape(
        facts["weights"][name], tuple(getattr(reference, name).shape), f"LSTMCell(6).{name}"
    )
assert facts["trainable_weights"] == 3, "the three weights must be trainable"
assert_close(
    facts["weights"]["bias"],
    reference.bias,
    "the initial bias of LSTMCell(6)",
    hint="Zeros, except ones in the forget-gate slice (the second block of units).",
)
assert facts["rebuilt"] == (6, "my_lstm_cell"), (
    "from_config(get_config()) should rebuild the same cell: include units and the base config"
)
for bad, message in zip(bad_units, messages, strict=True):
    assert message is not None, f"LSTMCell({bad!r}) should raise a ValueError"
    assert "Expected" in message and "received" in message, (
        f"the ValueError for units={bad!r} should read 'Expected ..., received: ...'"
    )
### END HIDDEN TESTS

# %% nbgrader={"grade": true, "grade_id": "test_lstm_cell_step", "locked": true, "points": 2, "schema_version": 3, "solution": false}
rng = np.random.default_rng(3)
case, expected = step_case(keras.layers.LSTMCell(4), 3, rng)
with answers:
    got = run_step(LSTMCell(4), case)
check_step(got, expected, "LSTMCell", ["h", "c"])
### BEGIN HIDDEN TESTS
for units, input_dim, batch in [(5, 5, 2), (3, 7, 4), (6, 2, 1)]:
    case, expected = step_case(keras.layers.LSTMCell(units), input_dim, rng, batch=batch)
    with answers:
        got = run_step(LSTMCell(units), case)
    check_step(
        got,
        expected,
        "LSTMCell",
        ["h", "c"],
        hint="Check the block order (i, f, g, o), which term the forget gate multiplies, "
        "and h = o * tanh(c).",
    )
### END HIDDEN TESTS

# %% nbgrader={"grade": true, "grade_id": "test_lstm_sequences", "locked": true, "points": 2, "schema_version": 3, "solution": false}
rng = np.random.default_rng(4)
x = rng.normal(size=(3, 6, 4)).astype("float32")
case, expected = layer_case(keras.layers.LSTM(5, return_sequences=True), x, rng)
with answers:
    got = run_layer(LSTMCell(5), case)
check_layers(got, expected, "LSTMCell", case)
### BEGIN HIDDEN TESTS
hint = "Return the new states as [h, c], and read them from states in the same order."
x = rng.normal(size=(4, 10, 3)).astype("float32")
case, expected = layer_case(keras.layers.LSTM(3, return_state=True), x, rng)
with answers:
    got = run_layer(LSTMCell(3), case)
check_layers(got, expected, "LSTMCell", case, hint=hint)
case, expected = layer_case(
    keras.layers.LSTM(5, return_sequences=True, return_state=True),
    x,
    rng,
    initial_state=[rng.normal(size=(4, 5)).astype("float32") for _ in range(2)],
)
with answers:
    got = run_layer(LSTMCell(5), case)
check_layers(got, expected, "LSTMCell", case, hint=hint)
mask = np.ones((4, 10), dtype=bool)
mask[1, 6:] = False
mask[2, 1:] = False
mask[3, 4:7] = False
case, expected = layer_case(keras.layers.LSTM(4, return_sequences=True), x, rng, mask=mask)
with answers:
    got = run_layer(LSTMCell(4), case)
check_layers(got, expected, "LSTMCell", case, hint=hint)
### END HIDDEN TESTS

# %% [markdown]
# ### 1.3 The GRU cell
#
# The GRU has three blocks ($k = 3$), in the order of Keras: update gate $z$, reset gate
# $r$, candidate $\tilde h$. Keras 3 uses the **reset-after** convention by default
# (`reset_after=True`, also what cuDNN computes): the reset gate multiplies the
# recurrent part of the candidate *after* the matrix product, and the input and the
# recurrent products each have their own bias. So the bias has shape `(2, 3 * units)`:
# row 0, $b^x$, is added to $x_t W$ and row 1, $b^h$, to $h_{t-1} U$. Writing the three
# slices of $a_t = x_t W + b^x$ and $s_t = h_{t-1} U + b^h$ with superscripts:
#
# $$z_t = \sigma(a^{(z)}_t + s^{(z)}_t), \qquad r_t = \sigma(a^{(r)}_t + s^{(r)}_t),$$
#
# $$\tilde h_t = \tanh\bigl(a^{(h)}_t + r_t \odot s^{(h)}_t\bigr), \qquad
# h_t = z_t \odot h_{t-1} + (1 - z_t) \odot \tilde h_t.$$
#
# Note Keras's convention in the last line: $z_t$ close to 1 **keeps** the old state.
# The output and the only state are $h_t$ (`state_size = units`). Initialize the bias
# with zeros.

# %% nbgrader={"grade": false, "grade_id": "gru_cell", "locked": false, "schema_version": 3, "solution": true}
class GRUCell(keras.layers.Layer):
    """One step of a gated recurrent unit (reset-after convention), for `keras.layers.RNN`.

    Update and reset gates (sigmoid) and a candidate state (tanh) are computed from the
    inputs and the previous state; the reset gate scales the recurrent part of the
    candidate after its matrix product. The new state mixes old and candidate:
    `h = z * h_prev + (1 - z) * candidate`. The weight layout is that of
    `keras.layers.GRU(reset_after=True)`, blocks in the order z, r, candidate, with a
    bias of shape `(2, 3 * units)` (input bias, recurrent bias).

    Args:
        units: Positive integer, the size of the hidden state.
        **kwargs: Base layer keyword arguments, such as `name` and `dtype`.

    Call arguments:
        inputs: A tensor of shape `(batch, input_dim)`, the inputs of one time step.
        states: A list with one tensor of shape `(batch, units)`, the previous state.
        training: Python boolean or None; the cell behaves the same in both modes.

    Example:

    >>> layer = keras.layers.RNN(GRUCell(8))
    >>> layer(np.zeros((2, 5, 3), dtype="float32")).shape
    (2, 8)
    """

    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        ### BEGIN SOLUTION
        if not isinstance(units, int) or isinstance(units, bool) or units <= 0:
            raise ValueError(f"Expected units to be a positive integer, received: units={units!r}")
        self.units = units
        self.state_size = units
        self.output_size = units
        ### END SOLUTION

    def build(self, input_shape):
        ### BEGIN SOLUTION
        input_dim = input_shape[-1]
        self.kernel = self.add_weight(
            shape=(input_dim, 3 * self.units),
            initializer="glorot_uniform",
            trainable=True,
            name="kernel",
        )
        self.recurrent_kernel = self.add_weight(
            shape=(self.units, 3 * self.units),
            initializer="orthogonal",
            trainable=True,
            name="recurrent_kernel",
        )
        self.bias = self.add_weight(
            shape=(2, 3 * self.units), initializer="zeros", trainable=True, name="bias"
        )
        ### END SOLUTION

    def call(self, inputs, states, training=None):
        ### BEGIN SOLUTION
        previous_h = states[0]
        from_inputs = ops.matmul(inputs, self.kernel) + self.bias[0]
        from_state = ops.matmul(previous_h, self.recurrent_kernel) + self.bias[1]
        a_z, a_r, a_h = ops.split(from_inputs, 3, axis=-1)
        s_z, s_r, s_h = ops.split(from_state, 3, axis=-1)
        update_gate = ops.sigmoid(a_z + s_z)
        reset_gate = ops.sigmoid(a_r + s_r)
        candidate = ops.tanh(a_h + reset_gate * s_h)
        h = update_gate * previous_h + (1.0 - update_gate) * candidate
        return h, [h]
        ### END SOLUTION

    def get_config(self):
        ### BEGIN SOLUTION
        return {**super().get_config(), "units": self.units}
        ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_gru_cell_build", "locked": true, "points": 1, "schema_version": 3, "solution": false}
with answers:
    weights = built_weights(GRUCell(5), 3)
for name, shape in [("kernel", (3, 15)), ("recurrent_kernel", (5, 15)), ("bias", (2, 15))]:
    assert name in weights, (
        f"GRUCell has no attribute '{name}': store the weight as self.{name}"
    )
    assert_shape(weights[name], shape, f"GRUCell(5).{name} for inputs of size 3")
### BEGIN HIDDEN TESTS
bad_units = [0, -2, None]
with answers:
    facts = cell_facts(GRUCell, 4, 6, "my_gru_cell")
    messages = units_errors(GRUCell, bad_units)
reference = keras.layers.GRUCell(4)
reference.build((None, 6))
assert facts["state_size"] == 4 and facts["output_size"] == 4, (
    "state_size and output_size should be units"
)
for name in CELL_WEIGHTS:
    assert name in facts["weights"], (
        f"GRUCell has no attribute '{name}': store the weight as self.{name}"
    )
    assert_shape(
        facts["weights"][name], tuple(getattr(reference, name).shape), f"GRUCell(4).{name}"
    )
assert facts["trainable_weights"] == 3, "the three weights must be trainable"
assert_close(
    facts["weights"]["bias"],
    np.zeros((2, 12)),
    "the initial bias",
    hint="Initialize the bias with zeros.",
)
assert facts["rebuilt"] == (4, "my_gru_cell"), (
    "from_config(get_config()) should rebuild the same cell: include units and the base config"
)
for bad, message in zip(bad_units, messages, strict=True):
    assert message is not None, f"GRUCell({bad!r}) should raise a ValueError"
    assert "Expected" in message and "received" in message, (
        f"the ValueError for units={bad!r} should read 'Expected ..., received: ...'"
    )
### END HIDDEN TESTS

# %% nbgrader={"grade": true, "grade_id": "test_gru_cell_step", "locked": true, "points": 2, "schema_version": 3, "solution": false}
rng = np.random.default_rng(5)
case, expected = step_case(keras.layers.GRUCell(4), 3, rng)
with answers:
    got = run_step(GRUCell(4), case)
check_step(got, expected, "GRUCell", ["h"])
### BEGIN HIDDEN TESTS
for units, input_dim, batch in [(5, 5, 2), (3, 7, 4), (6, 2, 1)]:
    case, expected = step_case(keras.layers.GRUCell(units), input_dim, rng, batch=batch)
    with answers:
        got = run_step(GRUCell(units), case)
    check_step(
        got,
        expected,
        "GRUCell",
        ["h"],
        hint="Check the block order (z, r, candidate), that r multiplies h U + b^h after the "
        "product, and that z multiplies the previous state.",
    )
### END HIDDEN TESTS

# %% nbgrader={"grade": true, "grade_id": "test_gru_sequences", "locked": true, "points": 2, "schema_version": 3, "solution": false}
rng = np.random.default_rng(6)
x = rng.normal(size=(3, 6, 4)).astype("float32")
case, expected = layer_case(keras.layers.GRU(5, return_sequences=True), x, rng)
with answers:
    got = run_layer(GRUCell(5), case)
check_layers(got, expected, "GRUCell", case)
### BEGIN HIDDEN TESTS
hint = "Read the previous state from states[0] and return the new one as the state."
x = rng.normal(size=(4, 10, 3)).astype("float32")
case, expected = layer_case(keras.layers.GRU(3, return_state=True), x, rng)
with answers:
    got = run_layer(GRUCell(3), case)
check_layers(got, expected, "GRUCell", case, hint=hint)
case, expected = layer_case(
    keras.layers.GRU(5, return_sequences=True, return_state=True),
    x,
    rng,
    initial_state=[rng.normal(size=(4, 5)).astype("float32")],
)
with answers:
    got = run_layer(GRUCell(5), case)
check_layers(got, expected, "GRUCell", case, hint=hint)
mask = np.ones((4, 10), dtype=bool)
mask[0, 7:] = False
mask[1, 1:] = False
mask[3, 2:5] = False
case, expected = layer_case(keras.layers.GRU(4, return_sequences=True), x, rng, mask=mask)
with answers:
    got = run_layer(GRUCell(4), case)
check_layers(got, expected, "GRUCell", case, hint=hint)
### END HIDDEN TESTS

# %% [markdown]
# ## Part 2: counting parameters
#
# Write the number of trainable parameters of one recurrent layer as a function of the
# size of its inputs and of its state, for the three kinds of part 1 (with biases; for the
# GRU, both conventions: `reset_after=True` has two bias rows, `reset_after=False` one).
# The tests compare with `count_params()` of the Keras layers for many sizes.

# %% nbgrader={"grade": false, "grade_id": "parameter_counts", "locked": false, "schema_version": 3, "solution": true}
def rnn_parameter_count(input_dim, units):
    """Trainable parameters of keras.layers.SimpleRNN(units) on inputs of size input_dim."""
    ### BEGIN SOLUTION
    return input_dim * units + units * units + units
    ### END SOLUTION


def lstm_parameter_count(input_dim, units):
    """Trainable parameters of keras.layers.LSTM(units) on inputs of size input_dim."""
    ### BEGIN SOLUTION
    return 4 * (input_dim * units + units * units + units)
    ### END SOLUTION


def gru_parameter_count(input_dim, units, reset_after=True):
    """Trainable parameters of keras.layers.GRU(units, reset_after) on inputs of size input_dim."""
    ### BEGIN SOLUTION
    biases = 2 if reset_after else 1
    return 3 * (input_dim * units + units * units + biases * units)
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_rnn_lstm_parameter_counts", "locked": true, "points": 1, "schema_version": 3, "solution": false}
with answers:
    count = rnn_parameter_count(3, 4)
assert count == 32, "SimpleRNN(4) on inputs of size 3 has 32 parameters"
### BEGIN HIDDEN TESTS
sizes = [(1, 1), (3, 4), (10, 32), (64, 16), (7, 128)]
with answers:
    counts = {
        "rnn_parameter_count": [rnn_parameter_count(i, u) for i, u in sizes],
        "lstm_parameter_count": [lstm_parameter_count(i, u) for i, u in sizes],
    }
for index, (input_dim, units) in enumerate(sizes):
    for name, layer in [
        ("rnn_parameter_count", keras.layers.SimpleRNN(units)),
        ("lstm_parameter_count", keras.layers.LSTM(units)),
    ]:
        layer.build((None, None, input_dim))
        assert counts[name][index] == layer.count_params(), (
            f"{name}({input_dim}, {units}) does not match Keras: count the kernel, the "
            "recurrent kernel and the bias of every block"
        )
### END HIDDEN TESTS

# %% nbgrader={"grade": true, "grade_id": "test_gru_parameter_counts", "locked": true, "points": 1, "schema_version": 3, "solution": false}
with answers:
    count = gru_parameter_count(3, 4)
assert isinstance(count, int), "gru_parameter_count should return an int"
### BEGIN HIDDEN TESTS
cases = [
    (input_dim, units, reset_after)
    for input_dim, units in [(1, 1), (3, 4), (10, 32), (64, 16), (7, 128)]
    for reset_after in (True, False)
]
with answers:
    counts = [gru_parameter_count(i, u, r) for i, u, r in cases]
    default_counts = (gru_parameter_count(5, 6), gru_parameter_count(5, 6, reset_after=True))
for (input_dim, units, reset_after), got in zip(cases, counts, strict=True):
    layer = keras.layers.GRU(units, reset_after=reset_after)
    layer.build((None, None, input_dim))
    assert got == layer.count_params(), (
        f"gru_parameter_count({input_dim}, {units}, reset_after={reset_after}) does not match "
        "Keras: how many bias vectors does each convention have?"
    )
assert default_counts[0] == default_counts[1], "the default should be Keras's, reset_after=True"
### END HIDDEN TESTS

# %% [markdown]
# ## Part 3: backpropagation through time
#
# ### 3.1 How far back does the gradient reach?
#
# The loss of a recurrent network depends on the input at step $t$ through every later
# state, so its gradient with respect to $x_t$ contains the product of the Jacobians
# $\partial h_{s} / \partial h_{s-1}$ for $s = t+1, \dots, T$ (chapter 06, section 2). If
# those factors are small the gradient vanishes on its way back; if large, it explodes.
#
# Write `input_gradient_norms(recurrent_layer, sequences)`. Take as loss $L$ the sum of
# all entries of the layer's output on `sequences` (shape `(batch, T, features)`; the
# layer returns its last output) and return a NumPy array of shape `(T,)` whose entry
# $t$ is the norm $\lVert \partial L / \partial x_t \rVert$ over the batch and the
# features of step $t$. `sequences` is not a variable: tell the tape to watch it.

# %% nbgrader={"grade": false, "grade_id": "gradient_norms", "locked": false, "schema_version": 3, "solution": true}
def input_gradient_norms(recurrent_layer, sequences):
    """Norm of the gradient of sum(recurrent_layer(sequences)) w.r.t. the inputs of each step."""
    ### BEGIN SOLUTION
    sequences = tf.convert_to_tensor(sequences)
    with tf.GradientTape() as tape:
        tape.watch(sequences)
        loss = ops.sum(recurrent_layer(sequences))
    gradient = tape.gradient(loss, sequences)
    return ops.convert_to_numpy(ops.sqrt(ops.sum(ops.square(gradient), axis=(0, 2))))
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_input_gradient_norms", "locked": true, "points": 2, "schema_version": 3, "solution": false}
rng = np.random.default_rng(7)
probe_sequences = rng.normal(size=(3, 8, 2)).astype("float32")
with answers:
    norms = input_gradient_norms(keras.layers.SimpleRNN(4), probe_sequences)
assert_shape(norms, (8,), "input_gradient_norms(layer, sequences of 8 steps)")
### BEGIN HIDDEN TESTS
for layer, shape in [
    (keras.layers.SimpleRNN(4), (3, 8, 2)),
    (keras.layers.LSTM(5), (2, 12, 3)),
    (keras.layers.GRU(3), (4, 6, 1)),
]:
    sequences = tf.constant(rng.normal(size=shape).astype("float32"))
    layer.build(shape)
    # the same layer in your kernel: its class, size and weights
    kind, units, layer_weights = type(layer).__name__, layer.units, layer.get_weights()
    with answers:
        your_layer = getattr(keras.layers, kind)(units)
        your_layer.build(shape)
        your_layer.set_weights(layer_weights)
        got_norms = input_gradient_norms(your_layer, tf.constant(sequences))
    with tf.GradientTape() as tape:
        tape.watch(sequences)
        total = tf.reduce_sum(layer(sequences))
    expected = np.sqrt(np.sum(tape.gradient(total, sequences).numpy() ** 2, axis=(0, 2)))
    assert_close(
        got_norms,
        expected,
        f"input_gradient_norms for {type(layer).__name__} on sequences of shape {shape}",
        hint="One norm per time step, over the batch and the features, of the gradient of the "
        "summed output.",
    )
### END HIDDEN TESTS

# %% [markdown]
# The next cell measures the gradient norms of untrained layers on adding-problem
# sequences of 50 steps (part 4 explains the task). On the left, a `SimpleRNN` whose
# recurrent kernel is an orthogonal matrix scaled by a gain of 0.5, 1 or 2: the product of
# Jacobians shrinks or grows geometrically with the distance from the end. On the
# right, an LSTM with Keras's initial forget bias of 1 ($f \approx 0.73$) and one whose
# forget bias is set to 4 ($f \approx 0.98$): with the forget gate near 1, the additive
# cell path carries the gradient back almost unchanged.

# %% nbgrader={"grade": false, "grade_id": "plot_gradient_norms", "locked": true, "schema_version": 3, "solution": false}
probe_sequences, _ = adding_problem(8, 50, seed=3)
figure, (left, right) = plt.subplots(1, 2, figsize=(10, 3.5), sharey=True)
for gain in (0.5, 1.0, 2.0):
    layer = keras.layers.SimpleRNN(
        32, recurrent_initializer=keras.initializers.Orthogonal(gain=gain)
    )
    left.semilogy(input_gradient_norms(layer, probe_sequences), label=f"gain {gain:g}")
for forget_bias in (1.0, 4.0):
    layer = keras.layers.LSTM(32)
    layer.build(probe_sequences.shape)
    bias = np.array(layer.cell.bias)
    bias[32:64] = forget_bias  # the forget-gate slice
    layer.cell.bias.assign(bias)
    norms = input_gradient_norms(layer, probe_sequences)
    right.semilogy(norms, label=f"forget bias {forget_bias:g}")
left.set(title="SimpleRNN", xlabel="time step t", ylabel=r"$\|\partial L / \partial x_t\|$")
right.set(title="LSTM", xlabel="time step t")
left.legend()
right.legend()
plt.show()

# %% [markdown]
# ### 3.2 Clipping by global norm
#
# When the gradient explodes, one update can throw the weights far away: the loss jumps
# and may become NaN. Clipping by **global norm** rescales all the gradients together
# when their joint norm $\lVert g \rVert = \sqrt{\sum_k \lVert g_k \rVert^2}$ exceeds
# a threshold $\tau$:
#
# $$g_k \leftarrow g_k \cdot \frac{\tau}{\max(\lVert g \rVert, \tau)}.$$
#
# The direction of the update is kept; only its length is limited.
#
# Write `clipped_train_step(model, optimizer, loss_fn, x, y, max_norm)`: compute
# `loss_fn(y, model(x, training=True))` under a `tf.GradientTape`, the gradients with
# respect to `model.trainable_variables`, and their global norm; clip them as above
# unless `max_norm` is None; apply them with `optimizer.apply_gradients`. Return
# `(loss, global_norm)`, the norm measured **before** clipping. Use `keras.ops` and no
# `.numpy()` inside: the demonstration below compiles your function with `tf.function`.
# The tests compare with a Keras optimizer created with `global_clipnorm`.

# %% nbgrader={"grade": false, "grade_id": "clipping", "locked": false, "schema_version": 3, "solution": true}
def clipped_train_step(model, optimizer, loss_fn, x, y, max_norm):
    """One optimizer step, gradients clipped by global norm; returns (loss, norm before clip)."""
    ### BEGIN SOLUTION
    with tf.GradientTape() as tape:
        loss = loss_fn(y, model(x, training=True))
    gradients = tape.gradient(loss, model.trainable_variables)
    global_norm = ops.sqrt(sum(ops.sum(ops.square(gradient)) for gradient in gradients))
    if max_norm is not None:
        scale = max_norm / ops.maximum(global_norm, max_norm)
        gradients = [gradient * scale for gradient in gradients]
    optimizer.apply_gradients(zip(gradients, model.trainable_variables, strict=True))
    return loss, global_norm
    ### END SOLUTION


# %% nbgrader={"grade": false, "grade_id": "clipping_tools", "locked": true, "schema_version": 3, "solution": false}
mse = keras.losses.MeanSquaredError()


def small_sequence_model(seed):
    """SimpleRNN(6) -> Dense(1) on sequences of 2 features, with seeded initial weights."""
    return keras.Sequential(
        [
            keras.Input((None, 2)),
            keras.layers.SimpleRNN(
                6,
                kernel_initializer=keras.initializers.GlorotUniform(seed=seed),
                recurrent_initializer=keras.initializers.Orthogonal(gain=1.5, seed=seed),
            ),
            keras.layers.Dense(1, kernel_initializer=keras.initializers.GlorotUniform(seed=seed)),
        ]
    )


def reference_train_step(model, optimizer, loss_fn, x, y):
    """A training step in which the optimizer clips (global_clipnorm) by itself."""
    with tf.GradientTape() as tape:
        loss = loss_fn(y, model(x, training=True))
    gradients = tape.gradient(loss, model.trainable_variables)
    optimizer.apply_gradients(zip(gradients, model.trainable_variables, strict=True))
    return loss, tf.linalg.global_norm(gradients)


# %% nbgrader={"grade": true, "grade_id": "test_clipped_train_step", "locked": true, "points": 2, "schema_version": 3, "solution": false}
clip_x, clip_y = adding_problem(16, 8, seed=4)
with answers:
    loss, norm = clipped_train_step(
        small_sequence_model(1),
        keras.optimizers.SGD(learning_rate=0.5),
        mse,
        clip_x,
        clip_y,
        max_norm=0.5,
    )
reference_model = small_sequence_model(1)
reference_optimizer = keras.optimizers.SGD(learning_rate=0.5, global_clipnorm=0.5)
expected_loss, expected_norm = reference_train_step(
    reference_model, reference_optimizer, mse, clip_x, clip_y
)
assert_close(loss, expected_loss, "the loss returned by clipped_train_step")
assert_close(
    norm,
    expected_norm,
    "the global norm returned by clipped_train_step",
    hint="Return the norm before clipping.",
)
### BEGIN HIDDEN TESTS
for seed, max_norm, learning_rate in [(2, 0.1, 0.3), (3, 100.0, 0.05), (4, None, 0.05)]:
    batches = [adding_problem(16, 6, seed=10 * seed + step) for step in range(2)]
    # two steps of your function on one model; the norms, then the variables after them
    with answers:
        student_model = small_sequence_model(seed)
        student_optimizer = keras.optimizers.SGD(learning_rate=learning_rate)
        step_norms = []
        for batch_x, batch_y in batches:
            _, step_norm = clipped_train_step(
                student_model, student_optimizer, mse, batch_x, batch_y, max_norm
            )
            step_norms.append(to_numpy(step_norm))
        trained_variables = [to_numpy(v) for v in student_model.trainable_variables]
    reference_model = small_sequence_model(seed)
    reference_optimizer = keras.optimizers.SGD(
        learning_rate=learning_rate, global_clipnorm=max_norm
    )
    for step, (x_step, y_step) in enumerate(batches):
        expected_loss, expected_norm = reference_train_step(
            reference_model, reference_optimizer, mse, x_step, y_step
        )
        assert_close(
            step_norms[step],
            expected_norm,
            f"the global norm at step {step + 1} (max_norm={max_norm})",
            hint="The global norm is the square root of the sum of the squares of every entry "
            "of every gradient, measured before clipping.",
        )
    assert len(trained_variables) == len(reference_model.trainable_variables), (
        f"the model has {len(trained_variables)} trainable variables after clipped_train_step, "
        f"expected {len(reference_model.trainable_variables)}"
    )
    for index, (variable, expected) in enumerate(
        zip(trained_variables, reference_model.trainable_variables, strict=True)
    ):
        assert_close(
            variable,
            expected,
            f"trainable variable {index} after 2 steps (max_norm={max_norm})",
            hint="Scale every gradient by the same factor max_norm / max(norm, max_norm), and "
            "only when max_norm is not None.",
        )
### END HIDDEN TESTS

# %% [markdown]
# Your step, compiled with `tf.function`, trains the same `SimpleRNN` on the adding
# problem with plain SGD at a high learning rate, with and without clipping. Watch the
# loss and the norm before clipping: without clipping, a few large gradients are enough
# to throw the loss up by orders of magnitude. Such jumps, or a NaN, are the signature
# of exploding gradients; in a real run, print the global norm to catch them early.

# %% nbgrader={"grade": false, "grade_id": "clipping_demo", "locked": true, "schema_version": 3, "solution": false} tags=["training"]
demo_x, demo_y = adding_problem(15 * 32, 50, seed=5)
demo_runs = {}
for max_norm in (None, 1.0):
    keras.utils.set_random_seed(0)
    model = keras.Sequential(
        [keras.Input((50, 2)), keras.layers.SimpleRNN(32), keras.layers.Dense(1)]
    )
    optimizer = keras.optimizers.SGD(learning_rate=0.1)
    step = tf.function(clipped_train_step)
    losses, norms = [], []
    for batch in range(15):
        rows = slice(32 * batch, 32 * (batch + 1))
        loss, norm = step(model, optimizer, mse, demo_x[rows], demo_y[rows], max_norm)
        losses.append(float(loss))
        norms.append(float(norm))
    demo_runs[f"max_norm={max_norm}"] = (losses, norms)
    print(f"max_norm={max_norm}: loss {' '.join(f'{v:.2g}' for v in losses)}")
figure, (left, right) = plt.subplots(1, 2, figsize=(10, 3.5))
for label, (losses, norms) in demo_runs.items():
    left.semilogy(np.arange(1, 16), losses, label=label)
    right.semilogy(np.arange(1, 16), norms, label=label)
left.set(title="training loss", xlabel="step")
right.set(title="global norm before clipping", xlabel="step")
left.legend()
plt.show()

# %% [markdown]
# ## Part 4: a long-range memory task
#
# The **adding problem** (`course.data.adding_problem`): each of the 50 steps of a
# sequence carries a random number in $[0, 1)$ and a marker, 0 or 1. Exactly two steps
# are marked, one in each half of the sequence, and the target is the sum of the two
# marked numbers. To answer, a network must notice the first marked number, keep it
# through up to 49 steps of irrelevant inputs, and add the second. A model that ignores
# the inputs can do no better than always predicting the mean target, about 1: its
# mean squared error is the variance of the targets, about $1/6$. That is the
# **baseline**.
#
# Write `make_memory_model(recurrent_layer, length, learning_rate=0.02, max_norm=1.0)`:
# a `keras.Sequential` model with `keras.Input((length, 2))`, then `recurrent_layer`
# (it returns its last output), then `keras.layers.Dense(1)`; compile it with
# `keras.optimizers.Adam(learning_rate=learning_rate, global_clipnorm=max_norm)` and the
# mean squared error as loss. Return the compiled model.

# %% nbgrader={"grade": false, "grade_id": "memory_model", "locked": false, "schema_version": 3, "solution": true}
def make_memory_model(recurrent_layer, length, learning_rate=0.02, max_norm=1.0):
    """recurrent_layer -> Dense(1) on sequences of `length` steps of 2 features, compiled."""
    ### BEGIN SOLUTION
    model = keras.Sequential([keras.Input((length, 2)), recurrent_layer, keras.layers.Dense(1)])
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=learning_rate, global_clipnorm=max_norm),
        loss="mse",
    )
    return model
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_memory_model", "locked": true, "points": 1, "schema_version": 3, "solution": false}
probe_x, probe_y = adding_problem(6, 9, seed=6)
with answers:
    predictions = to_numpy(make_memory_model(keras.layers.SimpleRNN(3), 9)(probe_x))
assert_shape(predictions, (6, 1), "the predictions of make_memory_model")
### BEGIN HIDDEN TESTS
# a GRU(4) and a Dense(1) with known weights, in your model and alone
weights_rng = np.random.default_rng(8)
reference_gru = keras.layers.GRU(4)
reference_gru.build((None, 9, 2))
gru_weights = random_cell_weights(reference_gru.cell, weights_rng)
load_cell_weights(reference_gru.cell, gru_weights)
gru_outputs = to_numpy(reference_gru(probe_x))
dense_kernel = weights_rng.normal(0.0, 1.0, size=(4, 1)).astype("float32")
# a bias that puts the predictions on both sides of 0
dense_weights = [dense_kernel, -np.median(gru_outputs @ dense_kernel, axis=0).astype("float32")]
with answers:
    probe_layer = keras.layers.GRU(4)
    probe_layer.build((None, 9, 2))
    load_cell_weights(probe_layer.cell, gru_weights)
    probe_model = make_memory_model(probe_layer, 9, learning_rate=0.005, max_norm=0.3)
    layer_in_model = any(layer is probe_layer for layer in probe_model.layers)
    input_shape = tuple(probe_model.input_shape)
    dense_shapes = [tuple(weight.shape) for weight in probe_model.layers[-1].weights]
    if dense_shapes == [weight.shape for weight in dense_weights]:
        probe_model.layers[-1].set_weights(dense_weights)
    probe_predictions = probe_model(probe_x)
    gru_predictions = to_numpy(probe_predictions)
    is_adam = isinstance(probe_model.optimizer, keras.optimizers.Adam)
    optimizer_learning_rate = to_numpy(probe_model.optimizer.learning_rate)
    clipping = (probe_model.optimizer.global_clipnorm, probe_model.optimizer.clipnorm)
    compiled_loss = to_numpy(probe_model.compute_loss(probe_x, probe_y, probe_predictions))
assert layer_in_model, "the model should contain the recurrent layer it was given"
assert input_shape == (None, 9, 2), "the model takes sequences of (length, 2)"
assert [tuple(shape) for shape in dense_shapes] == [(4, 1), (1,)], (
    "the last layer of the model should be Dense(1), with a kernel and a bias, on the "
    "recurrent layer's output"
)
expected = gru_outputs @ dense_weights[0] + dense_weights[1]
assert_close(
    gru_predictions,
    expected,
    "the predictions of make_memory_model",
    hint="The recurrent layer, then Dense(1), nothing else.",
)
assert is_adam, "compile the model with keras.optimizers.Adam"
assert_close(optimizer_learning_rate, 0.005, "the learning rate of the optimizer")
assert clipping[0] == 0.3 and clipping[1] is None, (
    "clip by global norm (global_clipnorm=max_norm), not each gradient separately (clipnorm)"
)
assert_close(
    compiled_loss,
    np.mean((gru_predictions[:, 0] - probe_y) ** 2),
    "the loss of the compiled model",
    hint="Use the mean squared error.",
)
### END HIDDEN TESTS

# %% [markdown]
# The next cell trains two models on 3,000 sequences of 50 steps and measures their mean
# squared error on 1,000 new ones: a `SimpleRNN` and a `keras.layers.RNN` running **your**
# `GRUCell`, both with 32 units and the settings of `make_memory_model`. The GRU trains
# for 4 epochs (188 updates); the `SimpleRNN` gets 2 epochs to keep the notebook fast (in
# our runs, 4 epochs left it at the baseline too). It takes a few seconds. Your GRU must
# reach a test error below 10% of the baseline's.

# %% nbgrader={"grade": false, "grade_id": "train_memory", "locked": true, "schema_version": 3, "solution": false} tags=["training"]
LENGTH = 50
x_train, y_train = adding_problem(3000, LENGTH, seed=0)
x_test, y_test = adding_problem(1000, LENGTH, seed=1)
baseline_mse = float(np.mean((y_test - y_train.mean()) ** 2))

keras.utils.set_random_seed(0)
simple_model = make_memory_model(keras.layers.SimpleRNN(32), LENGTH)
simple_history = simple_model.fit(x_train, y_train, batch_size=64, epochs=2, verbose=0)
gru_model = make_memory_model(keras.layers.RNN(GRUCell(32)), LENGTH)
gru_history = gru_model.fit(x_train, y_train, batch_size=64, epochs=4, verbose=0)

simple_mse = float(simple_model.evaluate(x_test, y_test, batch_size=1000, verbose=0))
gru_mse = float(gru_model.evaluate(x_test, y_test, batch_size=1000, verbose=0))
print(f"test MSE: baseline {baseline_mse:.4f}, SimpleRNN {simple_mse:.4f}, your GRU {gru_mse:.4f}")

# %% nbgrader={"grade": true, "grade_id": "test_memory_task", "locked": true, "points": 3, "schema_version": 3, "solution": false} tags=["training"]
with answers:
    your_gru_mse = gru_mse
assert np.isfinite(your_gru_mse), (
    "the GRU's test error is not finite: look for exploding values in GRUCell"
)
assert your_gru_mse < baseline_mse, (
    f"your GRU's test error ({your_gru_mse:.4f}) is not below the baseline's ({baseline_mse:.4f})"
)
### BEGIN HIDDEN TESTS
with answers:
    runs_your_cell = isinstance(gru_model.layers[0].cell, GRUCell)
assert runs_your_cell, "the trained model should run your GRUCell"
assert your_gru_mse < 0.1 * baseline_mse, (
    f"your GRU's test error ({your_gru_mse:.4f}) is not below 10% of the baseline's "
    f"({0.1 * baseline_mse:.4f}): check GRUCell against part 1 and make_memory_model's settings"
)
### END HIDDEN TESTS

# %% [markdown]
# Left, the training loss per epoch. Right, the gradient norms of part 3.1 again, now
# for the two trained networks on 16 test sequences: the SimpleRNN's still fall by
# orders of magnitude toward the first steps, so the first marked number has almost no
# say in its updates; your GRU's should stay roughly level across all 50 steps.

# %% nbgrader={"grade": false, "grade_id": "plot_memory", "locked": true, "schema_version": 3, "solution": false} tags=["training"]
figure, (left, right) = plt.subplots(1, 2, figsize=(10, 3.5))
left.plot(simple_history.history["loss"], "o-", label="SimpleRNN")
left.plot(gru_history.history["loss"], "o-", label="your GRU")
left.axhline(baseline_mse, color="gray", linestyle="--", label="baseline")
left.set(title="training loss (MSE)", xlabel="epoch")
left.legend()
right.semilogy(input_gradient_norms(simple_model.layers[0], x_test[:16]), label="SimpleRNN")
right.semilogy(input_gradient_norms(gru_model.layers[0], x_test[:16]), label="your GRU")
right.set(title="gradient norms after training", xlabel="time step t")
right.legend()
plt.show()

# %% [markdown]
# ## Part 5: concept checks
#
# **5.1 Gate activations.** Why do the gates ($i$, $f$, $o$ of the LSTM, $z$, $r$ of the
# GRU) use the sigmoid? Set `gate_activation` to the letter:
#
# - (a) the sigmoid is cheaper to compute than tanh
# - (b) its values lie between 0 and 1, so multiplying by a gate lets a fraction of a
#   signal through, from none to all, and it stays differentiable
# - (c) its derivative is 1 everywhere, so gradients never vanish through a gate
# - (d) it is zero-centred, so gates can also flip the sign of the state
#
# **5.2 State activations.** Why do the candidate and the cell output use tanh? Set
# `state_activation` to the letter:
#
# - (a) tanh outputs values in $(-1, 1)$ centred on 0, so the candidate can raise or
#   lower the state, and the state that reaches the next step stays bounded
# - (b) tanh outputs only positive values, which keeps the cell state growing
# - (c) tanh has no saturation, unlike the sigmoid
# - (d) tanh makes the forget gate unnecessary
#
# **5.3 Two gradient paths.** Take a scalar linear recurrence $h_t = 0.8\, h_{t-1} +
# x_t$, and the cell path of an LSTM whose forget gate equals 0.98 at every step, $c_t =
# 0.98\, c_{t-1} + i_t g_t$ (with $i_t g_t$ not depending on $c_{t-1}$). Compute
# $\partial h_{45} / \partial h_{15}$ and $\partial c_{45} / \partial c_{15}$ and store them
# in `rnn_path_factor` and `lstm_path_factor` (exact values; an expression such as
# `0.5 ** 3` is fine).
#
# **5.4 LSTM or GRU.** How many more trainable parameters does `keras.layers.LSTM(64)`
# have than `keras.layers.GRU(64)` (Keras's default convention), both on inputs of size
# 16? Store the whole number in `lstm_minus_gru_parameters`. Then set `gru_statement` to
# the letter of the true statement about Keras's GRU:
#
# - (a) it has a separate cell state $c_t$, like the LSTM, but no output gate
# - (b) its update gate does the work of the LSTM's forget and input gates at once: $z_t$
#   keeps a fraction of the old state and $1 - z_t$ lets in the complementary fraction
#   of the candidate
# - (c) its reset gate decides how much of the new state is output
# - (d) it can store more information than an LSTM of the same size, because its state
#   is larger

# %% nbgrader={"grade": false, "grade_id": "concepts", "locked": false, "schema_version": 3, "solution": true}
gate_activation = None
state_activation = None
rnn_path_factor = None
lstm_path_factor = None
lstm_minus_gru_parameters = None
gru_statement = None
### BEGIN SOLUTION
gate_activation = "b"
state_activation = "a"
rnn_path_factor = 0.8**30  # 30 steps, each multiplying the derivative by 0.8
lstm_path_factor = 0.98**30
lstm_minus_gru_parameters = 4992  # 4 * 5184 - 3 * 5248
gru_statement = "b"
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "test_gate_activation", "locked": true, "points": 1, "schema_version": 3, "solution": false}
with answers:
    gate_answer = gate_activation
assert gate_answer in {"a", "b", "c", "d"}, "set gate_activation to one of 'a', 'b', 'c', 'd'"
### BEGIN HIDDEN TESTS
assert gate_answer == "b", "think about what multiplying a signal by a gate value does"
### END HIDDEN TESTS

# %% nbgrader={"grade": true, "grade_id": "test_state_activation", "locked": true, "points": 1, "schema_version": 3, "solution": false}
with answers:
    state_answer = state_activation
assert state_answer in {"a", "b", "c", "d"}, "set state_activation to one of 'a', 'b', 'c', 'd'"
### BEGIN HIDDEN TESTS
assert state_answer == "a", "compare the ranges of tanh and of the sigmoid"
### END HIDDEN TESTS

# %% nbgrader={"grade": true, "grade_id": "test_path_factors", "locked": true, "points": 2, "schema_version": 3, "solution": false}
with answers:
    rnn_factor, lstm_factor = rnn_path_factor, lstm_path_factor
assert isinstance(rnn_factor, float) and isinstance(lstm_factor, float), (
    "store numbers in rnn_path_factor and lstm_path_factor"
)
### BEGIN HIDDEN TESTS
def path_derivative(decay):
    start = tf.Variable(1.0, dtype=tf.float64)
    with tf.GradientTape() as tape:
        state = start
        for _ in range(30):
            state = decay * state + tf.constant(0.3, tf.float64)
    return tape.gradient(state, start).numpy()


assert_close(
    rnn_factor,
    path_derivative(0.8),
    "rnn_path_factor",
    hint="Each step multiplies the derivative by the factor in front of the previous state.",
)
assert_close(
    lstm_factor,
    path_derivative(0.98),
    "lstm_path_factor",
    hint="Along the cell path, each step multiplies the derivative by f.",
)
### END HIDDEN TESTS

# %% nbgrader={"grade": true, "grade_id": "test_lstm_vs_gru", "locked": true, "points": 2, "schema_version": 3, "solution": false}
with answers:
    parameter_difference, gru_answer = lstm_minus_gru_parameters, gru_statement
assert isinstance(parameter_difference, int), (
    "store a whole number in lstm_minus_gru_parameters"
)
assert gru_answer in {"a", "b", "c", "d"}, "set gru_statement to one of 'a', 'b', 'c', 'd'"
### BEGIN HIDDEN TESTS
lstm_layer, gru_layer = keras.layers.LSTM(64), keras.layers.GRU(64)
lstm_layer.build((None, None, 16))
gru_layer.build((None, None, 16))
assert parameter_difference == lstm_layer.count_params() - gru_layer.count_params(), (
    "not the difference of the two counts: four blocks against three, and mind the GRU's biases"
)
assert gru_answer == "b", "look at the last line of the GRU equations in part 1.3"
### END HIDDEN TESTS

# %% [markdown]
# **5.5 Written answer (graded by hand, 2 points).** In four to six sentences: why did
# the SimpleRNN stay at the baseline on the adding problem while your GRU solved it?
# Use the product of Jacobians from backpropagation through time, say what the gates
# let the GRU do that the SimpleRNN cannot, and say whether gradient clipping would
# have rescued the SimpleRNN.

# %% [markdown] nbgrader={"grade": true, "grade_id": "written_long_range", "locked": false, "points": 2, "schema_version": 3, "solution": true}
# ### BEGIN SOLUTION
# The error at the last step reaches the first marked number only through the product
# of the Jacobians ∂h_s/∂h_{s-1} = diag(1 - h_s²) U of every step in between, up to 49 of
# them. In a SimpleRNN each factor is a tanh derivative (at most 1) times the same
# matrix, so the product shrinks geometrically: the gradient that would teach it to
# store the first number is vanishingly small next to the gradient from recent steps,
# and it learns only to predict the mean. The GRU's state update h = z h_prev + (1 - z)
# h̃ has a direct path whose factor is z: when the update gate learns to stay near 1
# on unmarked steps, the state, and the gradient, pass through many steps almost
# unchanged, and the gate opens (z near 0) only when a marker arrives. Clipping would
# not have helped: it limits gradients that are too large, and the SimpleRNN's problem
# is a gradient that is too small.
# ### END SOLUTION
