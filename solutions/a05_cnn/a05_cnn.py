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
# # Assignment 5: convolutional networks and their building blocks
#
# A convolutional layer is a small dense layer slid over every position of an image. In
# this assignment you write one from scratch, count what it costs, assemble the blocks
# of the classic architectures in Keras, and train a small residual network. Read
# chapter 05 first.
#
# 1. Output sizes and padding (part 1).
# 2. Convolution and pooling in NumPy, first with loops, then vectorized (part 2).
# 3. Parameter counts and receptive fields (part 3).
# 4. Keras building blocks: VGG, Inception, residual and dense blocks (part 4).
# 5. A small ResNet trained on the 8x8 digits (part 5).
# 6. Concept checks (part 6).
#
# **Conventions.** Everything is channels-last, as in TensorFlow and Keras: a batch of
# images has shape `(batch, height, width, channels)` (NHWC) and a convolution kernel has
# shape `(kernel_height, kernel_width, in_channels, out_channels)` (HWIO). A stride or a
# padding is either one number, used for both axes, or a pair `(for_height, for_width)`.
#
# **How this is graded.** Write your code between the lines `# YOUR CODE HERE` and the
# end of the cell, replacing `raise NotImplementedError()`. Each test cell is worth the
# points in its title; the tests you see are a first check, and hidden tests check more
# cases (non-square inputs, a different stride on each axis, other channel counts) when
# your notebook is graded. TensorFlow and Keras are the reference: your NumPy code is
# compared with `tf.nn.conv2d` and friends, your Keras blocks are read back as graphs.
# Before you submit, run `dlcourse check a05_cnn.ipynb`, which restarts the kernel and
# runs everything top to bottom, as the grader will.
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
from keras import layers

import course
from course.checks import Tolerance, answers, assert_close, assert_shape, to_numpy
from course.data import load_digits

course.setup(seed=0)

# %% [markdown]
# ## Part 1: output sizes
#
# Along one axis, a window of size F slides over an input of length N that has P zeros
# added at **each** end, moving S steps at a time. It fits at
#
# $$\left\lfloor \frac{N - F + 2P}{S} \right\rfloor + 1$$
#
# positions. The same formula gives the height and the width of a convolution's or a
# pooling layer's output, each axis with its own N, F, P and S.
#
# 1. `conv_output_size(input_size, kernel_size, padding=0, stride=1)`: the formula above,
#    as an `int`. When the stride does not divide N - F + 2P, the last partial step is
#    dropped.
# 2. `same_padding(kernel_size)`: for an **odd** kernel size, the padding P per side that
#    keeps the output as large as the input at stride 1. Raise a `ValueError` for an even
#    kernel size: no symmetric padding works then.
#
# The tests compare your sizes with the shapes Keras computes for `ZeroPadding2D`
# followed by `Conv2D` or `MaxPooling2D`, for many sizes, strides and paddings.


# %% nbgrader={"grade": false, "grade_id": "output_size", "locked": false, "schema_version": 3, "solution": true}
def conv_output_size(input_size, kernel_size, padding=0, stride=1):
    """Number of window positions along one axis: floor((N - F + 2P) / S) + 1."""
    ### BEGIN SOLUTION
    return (input_size - kernel_size + 2 * padding) // stride + 1
    ### END SOLUTION


def same_padding(kernel_size):
    """Zeros per side that keep the size unchanged at stride 1, for an odd kernel size."""
    ### BEGIN SOLUTION
    if kernel_size % 2 == 0:
        raise ValueError(f"Expected an odd kernel size, received: {kernel_size}")
    return (kernel_size - 1) // 2
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_conv_output_size", "locked": true, "points": 2, "schema_version": 3, "solution": false}
keras_shape = layers.Conv2D(4, 3).compute_output_shape((1, 10, 10, 2))
with answers:
    size = conv_output_size(10, 3)
assert size == keras_shape[1], (
    f"conv_output_size(10, 3) should be {keras_shape[1]}, as for Keras' Conv2D, got {size}"
)
### BEGIN HIDDEN TESTS
cases = [
    ((10, 10), (3, 3), (1, 1), (1, 1)),
    ((7, 9), (3, 2), (1, 0), (1, 2)),
    ((9, 6), (2, 3), (0, 2), (2, 1)),
    ((8, 11), (3, 3), (2, 1), (3, 2)),
    ((28, 28), (5, 5), (2, 2), (2, 2)),
    ((227, 227), (11, 11), (0, 0), (4, 4)),
    ((13, 6), (4, 1), (3, 0), (3, 4)),
    ((5, 12), (5, 3), (0, 1), (1, 3)),
    ((6, 7), (1, 1), (0, 0), (2, 3)),
]
with answers:
    sizes = [
        (conv_output_size(h, k[0], p[0], s[0]), conv_output_size(w, k[1], p[1], s[1]))
        for (h, w), k, p, s in cases
    ]
assert isinstance(sizes, list) and len(sizes) == len(cases), "one pair of sizes per case"
for ((height, width), kernel, padding, stride), got in zip(cases, sizes, strict=True):
    padded = layers.ZeroPadding2D(padding).compute_output_shape((1, height, width, 3))
    for window in (layers.Conv2D(2, kernel, strides=stride), layers.MaxPooling2D(kernel, stride)):
        expected = window.compute_output_shape(padded)[1:3]
        assert got == tuple(expected), (
            f"for a {height}x{width} input, a {kernel[0]}x{kernel[1]} window, padding "
            f"{padding} and stride {stride}, Keras' {type(window).__name__} gives "
            f"{tuple(expected)}, your conv_output_size gives {got}: padding is added at both "
            "ends, and an incomplete last step does not count"
        )
        assert all(isinstance(size, (int, np.integer)) for size in got), (
            "conv_output_size should return whole numbers (int), not floats"
        )
### END HIDDEN TESTS

# %% nbgrader={"grade": true, "grade_id": "test_same_padding", "locked": true, "points": 1, "schema_version": 3, "solution": false}
with answers:
    padding = same_padding(3)
assert padding == 1, f"a 3x3 kernel needs one zero per side, got {padding}"
### BEGIN HIDDEN TESTS
rng = np.random.default_rng(3)
x = rng.normal(size=(1, 9, 11, 2)).astype(np.float32)
odd_sizes, even_sizes = [1, 3, 5, 7, 9], [2, 4]
with answers:
    paddings = [same_padding(size) for size in odd_sizes]
    even_outcomes = []
    for size in even_sizes:
        try:
            same_padding(size)
        except ValueError:
            even_outcomes.append("ValueError")
        else:
            even_outcomes.append("no error")
assert isinstance(paddings, list) and len(paddings) == len(odd_sizes), "one padding per size"
for kernel_size, padding in zip(odd_sizes, paddings, strict=True):
    conv = layers.Conv2D(3, kernel_size, padding="same")
    expected = conv(x)  # builds the layer with random weights
    padded_conv = layers.Conv2D(3, kernel_size, padding="valid")
    padded_conv.build(x.shape)
    padded_conv.set_weights(conv.get_weights())
    got = padded_conv(layers.ZeroPadding2D(padding)(x))
    assert_close(
        got,
        expected,
        f"a valid {kernel_size}x{kernel_size} convolution after same_padding({kernel_size}) "
        "zeros per side",
        hint="It should equal Keras' padding='same' convolution.",
    )
for even, outcome in zip(even_sizes, even_outcomes, strict=True):
    assert outcome == "ValueError", (
        f"same_padding({even}) should raise a ValueError: the kernel is even"
    )
### END HIDDEN TESTS

# %% [markdown]
# ## Part 2: convolution and pooling in NumPy
#
# A convolution layer computes, for every output position (i, j) and every output
# channel f, a dot product between the kernel of f and the window of the input under it:
#
# $$y_{n,i,j,f} = b_f + \sum_{u=0}^{K_h-1} \sum_{v=0}^{K_w-1} \sum_{c=0}^{C-1}
#   x_{n,\, i S_h + u,\, j S_w + v,\, c}\; k_{u,v,c,f}$$
#
# where x is the zero-padded input, $S_h$ the stride down the rows and $S_w$ the stride
# along the columns. The kernel is **not** flipped: deep-learning frameworks compute a
# cross-correlation and call it convolution. Every kernel spans all C input channels;
# there is one kernel per output channel.
#
# 1. `pad_spatial(x, padding, value=0.0)`: add `pad_h` rows of `value` at the top **and**
#    the bottom and `pad_w` columns at the left **and** the right of every image and
#    channel. The batch and channel axes are not padded.
# 2. `conv2d_naive(x, kernel, bias=None, stride=1, padding=0)`: the formula above with
#    Python loops over the output positions (loops over output channels are fine too).
# 3. `im2col(x, kernel_size, stride=1, padding=0)`: every window the kernel visits,
#    flattened, in an array of shape `(batch, out_h, out_w, K_h * K_w * C)`. Flatten each
#    window in the order of the kernel's axes, (u, v, c), so that a window dotted with
#    `kernel.reshape(-1, filters)` gives the output channels. Loop over the K_h·K_w kernel
#    offsets if you like, but not over the output positions.
# 4. `conv2d(x, kernel, bias=None, stride=1, padding=0)`: the same convolution as one
#    matrix product, built on `im2col`.
#
# Use NumPy only in this part: TensorFlow is the reference the tests compare with.
# `as_pair` (given) turns a number or a pair into a pair.


# %% nbgrader={"grade": false, "grade_id": "as_pair", "locked": true, "schema_version": 3, "solution": false}
def as_pair(value):
    """(value, value) for one number; the pair itself, as ints, for a pair."""
    if isinstance(value, (int, np.integer)):
        return int(value), int(value)
    first, second = value
    return int(first), int(second)


# %% nbgrader={"grade": false, "grade_id": "convolution", "locked": false, "schema_version": 3, "solution": true}
def pad_spatial(x, padding, value=0.0):
    """Pads the height and width of an NHWC array with `value` on both sides."""
    ### BEGIN SOLUTION
    pad_h, pad_w = as_pair(padding)
    return np.pad(
        x, ((0, 0), (pad_h, pad_h), (pad_w, pad_w), (0, 0)), mode="constant", constant_values=value
    )
    ### END SOLUTION


def conv2d_naive(x, kernel, bias=None, stride=1, padding=0):
    """Cross-correlation of NHWC `x` with an HWIO `kernel`, with loops over positions."""
    ### BEGIN SOLUTION
    stride_h, stride_w = as_pair(stride)
    padded = pad_spatial(x, padding)
    batch, height, width, _ = padded.shape
    kernel_h, kernel_w, _, filters = kernel.shape
    out_h = (height - kernel_h) // stride_h + 1
    out_w = (width - kernel_w) // stride_w + 1
    out = np.zeros((batch, out_h, out_w, filters), dtype=np.result_type(x, kernel))
    for i in range(out_h):
        for j in range(out_w):
            top, left = i * stride_h, j * stride_w
            window = padded[:, top : top + kernel_h, left : left + kernel_w, :]
            for f in range(filters):
                out[:, i, j, f] = np.sum(window * kernel[:, :, :, f], axis=(1, 2, 3))
    if bias is not None:
        out = out + bias
    return out
    ### END SOLUTION


def im2col(x, kernel_size, stride=1, padding=0):
    """All windows of NHWC `x`, flattened in (u, v, c) order: (batch, out_h, out_w, Kh*Kw*C)."""
    ### BEGIN SOLUTION
    kernel_h, kernel_w = as_pair(kernel_size)
    stride_h, stride_w = as_pair(stride)
    padded = pad_spatial(x, padding)
    batch, height, width, channels = padded.shape
    out_h = (height - kernel_h) // stride_h + 1
    out_w = (width - kernel_w) // stride_w + 1
    windows = np.empty((batch, out_h, out_w, kernel_h, kernel_w, channels), dtype=padded.dtype)
    for u in range(kernel_h):
        for v in range(kernel_w):
            rows = slice(u, u + stride_h * (out_h - 1) + 1, stride_h)
            columns = slice(v, v + stride_w * (out_w - 1) + 1, stride_w)
            windows[:, :, :, u, v, :] = padded[:, rows, columns, :]
    return windows.reshape(batch, out_h, out_w, kernel_h * kernel_w * channels)
    ### END SOLUTION


def conv2d(x, kernel, bias=None, stride=1, padding=0):
    """The same convolution as conv2d_naive, as one matrix product over im2col windows."""
    ### BEGIN SOLUTION
    kernel_h, kernel_w, _, filters = kernel.shape
    out = im2col(x, (kernel_h, kernel_w), stride, padding) @ kernel.reshape(-1, filters)
    if bias is not None:
        out = out + bias
    return out
    ### END SOLUTION


# %% [markdown]
# The tests compare your convolutions with `tf.nn.conv2d` on random inputs and random (not
# symmetric) kernels, with explicit symmetric padding: `convolution_inputs` makes the
# arguments of each case, your function runs on them under `with answers:`, and
# `check_convolution_outputs` compares what it returned. `check_convolution(conv2d_naive,
# "conv2d_naive", cases)` does all three at once: call it yourself while you debug.


# %% nbgrader={"grade": false, "grade_id": "convolution_oracle", "locked": true, "schema_version": 3, "solution": false}
# A float32 convolution sums up to a few hundred products of numbers of size about 1:
# absolute errors up to about 1e-5 are rounding, not bugs.
CONVOLUTION_TOLERANCE = Tolerance(rtol=1e-4, atol=1e-4)


def convolution_inputs(cases, seed=0):
    """The arguments (x, kernel, bias, stride, padding) of a convolution for each case.

    Each case is (input shape, kernel shape, stride, padding, with_bias); x, the kernel and
    the bias are random float32 arrays (bias None without bias).
    """
    rng = np.random.default_rng(seed)
    arguments = []
    for x_shape, kernel_shape, stride, padding, with_bias in cases:
        x = rng.normal(size=x_shape).astype(np.float32)
        kernel = rng.normal(size=kernel_shape).astype(np.float32)
        bias = rng.normal(size=kernel_shape[-1]).astype(np.float32) if with_bias else None
        arguments.append((x, kernel, bias, stride, padding))
    return arguments


def check_convolution_outputs(name, cases, arguments, outputs):
    """Compares the outputs of a convolution function, one per case, with tf.nn.conv2d."""
    if not isinstance(outputs, (list, tuple)) or len(outputs) != len(cases):
        raise AssertionError(f"expected one output of {name} per case, {len(cases)} in all")
    for (x_shape, kernel_shape, stride, padding, with_bias), (x, kernel, bias, _, _), got in zip(
        cases, arguments, outputs, strict=True
    ):
        pad_h, pad_w = as_pair(padding)
        expected = tf.nn.conv2d(
            x.astype(np.float64),
            kernel.astype(np.float64),
            strides=as_pair(stride),
            padding=[[0, 0], [pad_h, pad_h], [pad_w, pad_w], [0, 0]],
        )
        if with_bias:
            expected = expected + bias.astype(np.float64)
        described = (
            f"{name} with input {x_shape}, kernel {kernel_shape}, stride {stride}, "
            f"padding {padding}{', bias' if with_bias else ''}"
        )
        assert_shape(got, expected.shape, described)
        assert_close(
            got,
            expected,
            described,
            tol=CONVOLUTION_TOLERANCE,
            hint="Check: the kernel is not flipped, stride_h moves down the rows and stride_w "
            "along the columns, padding goes on both sides, x is NHWC and the kernel HWIO.",
        )


def check_convolution(conv_function, name, cases, seed=0):
    """Compares `conv_function(x, kernel, bias, stride, padding)` with tf.nn.conv2d.

    Each case is (input shape, kernel shape, stride, padding, with_bias).
    """
    arguments = convolution_inputs(cases, seed)
    outputs = [conv_function(*case) for case in arguments]
    check_convolution_outputs(name, cases, arguments, outputs)


# %% nbgrader={"grade": true, "grade_id": "test_pad_spatial", "locked": true, "points": 1, "schema_version": 3, "solution": false}
ones = np.ones((2, 3, 4, 5))
with answers:
    padded = pad_spatial(ones, 1)
assert_shape(padded, (2, 5, 6, 5), "pad_spatial(x of shape (2, 3, 4, 5), 1)")
### BEGIN HIDDEN TESTS
rng = np.random.default_rng(4)
cases = [
    ((2, 3, 4, 5), (1, 2), 0.0),
    ((1, 5, 2, 3), (2, 0), 0.0),
    ((3, 4, 6, 1), (0, 3), -2.5),
    ((1, 2, 2, 4), 2, 7.0),
]
inputs = [rng.normal(size=shape) for shape, _, _ in cases]
with answers:
    outputs = [pad_spatial(a, p, v) for a, (_, p, v) in zip(inputs, cases, strict=True)]
assert isinstance(outputs, list) and len(outputs) == len(cases), "one output per case"
for (shape, padding, value), x, got in zip(cases, inputs, outputs, strict=True):
    pad_h, pad_w = as_pair(padding)
    expected = tf.pad(x, [[0, 0], [pad_h, pad_h], [pad_w, pad_w], [0, 0]], constant_values=value)
    assert_close(
        got,
        expected,
        f"pad_spatial(x of shape {shape}, {padding}, value={value})",
        hint="Pad the top and the bottom, the left and the right, with `value`; not the "
        "batch or channel axes.",
    )
### END HIDDEN TESTS

# %% nbgrader={"grade": true, "grade_id": "test_conv2d_naive", "locked": true, "points": 3, "schema_version": 3, "solution": false}
cases = [((1, 5, 6, 2), (3, 3, 2, 3), 1, 0, False)]
arguments = convolution_inputs(cases)
with answers:
    outputs = [conv2d_naive(*case) for case in arguments]
check_convolution_outputs("conv2d_naive", cases, arguments, outputs)
### BEGIN HIDDEN TESTS
cases = [
    ((2, 7, 9, 3), (3, 2, 3, 4), (1, 2), (1, 0), True),
    ((1, 9, 6, 2), (2, 3, 2, 5), (2, 1), (0, 2), False),
    ((3, 8, 11, 1), (3, 3, 1, 2), (3, 2), (2, 1), True),
    ((2, 6, 5, 4), (1, 1, 4, 3), 2, 0, True),
    ((1, 5, 5, 2), (5, 5, 2, 1), 1, 2, False),
    ((2, 10, 7, 3), (4, 2, 3, 2), (2, 3), 1, True),
]
arguments = convolution_inputs(cases, seed=1)
with answers:
    outputs = [conv2d_naive(*case) for case in arguments]
check_convolution_outputs("conv2d_naive", cases, arguments, outputs)
### END HIDDEN TESTS

# %% nbgrader={"grade": true, "grade_id": "test_im2col", "locked": true, "points": 2, "schema_version": 3, "solution": false}
x = np.arange(2 * 4 * 5 * 3, dtype=np.float64).reshape(2, 4, 5, 3)
with answers:
    windows = im2col(x, 3)
assert_shape(windows, (2, 2, 3, 27), "im2col(x of shape (2, 4, 5, 3), 3)")
### BEGIN HIDDEN TESTS
rng = np.random.default_rng(5)
cases = [
    ((2, 4, 5, 3), 3, 1, 0),
    ((2, 7, 9, 3), (3, 2), (1, 2), (1, 0)),
    ((1, 9, 6, 2), (2, 3), (2, 1), (0, 2)),
    ((3, 8, 11, 4), (3, 3), (3, 2), (2, 1)),
    ((1, 6, 6, 5), 1, 2, 0),
]
inputs = [rng.normal(size=case[0]) for case in cases]
with answers:
    outputs = [im2col(a, k, s, p) for a, (_, k, s, p) in zip(inputs, cases, strict=True)]
assert isinstance(outputs, list) and len(outputs) == len(cases), "one output per case"
for (x_shape, kernel_size, stride, padding), x, got in zip(cases, inputs, outputs, strict=True):
    kernel_h, kernel_w = as_pair(kernel_size)
    pad_h, pad_w = as_pair(padding)
    stride_h, stride_w = as_pair(stride)
    expected = tf.image.extract_patches(
        tf.pad(x, [[0, 0], [pad_h, pad_h], [pad_w, pad_w], [0, 0]]),
        sizes=[1, kernel_h, kernel_w, 1],
        strides=[1, stride_h, stride_w, 1],
        rates=[1, 1, 1, 1],
        padding="VALID",
    )
    assert_close(
        got,
        expected,
        f"im2col(x of shape {x_shape}, kernel_size={kernel_size}, stride={stride}, "
        f"padding={padding})",
        hint="Flatten each window in (u, v, c) order, the order of the kernel's own axes; "
        "stride_h moves down the rows.",
    )
### END HIDDEN TESTS

# %% nbgrader={"grade": true, "grade_id": "test_conv2d", "locked": true, "points": 2, "schema_version": 3, "solution": false}
cases = [((1, 5, 6, 2), (3, 3, 2, 3), 1, 0, True)]
arguments = convolution_inputs(cases)
with answers:
    outputs = [conv2d(*case) for case in arguments]
check_convolution_outputs("conv2d", cases, arguments, outputs)
### BEGIN HIDDEN TESTS
cases = [
    ((2, 7, 9, 3), (3, 2, 3, 4), (1, 2), (1, 0), True),
    ((1, 9, 6, 2), (2, 3, 2, 5), (2, 1), (0, 2), False),
    ((3, 8, 11, 3), (3, 3, 3, 2), (3, 2), (2, 1), True),
    ((2, 6, 5, 4), (1, 1, 4, 3), 2, 0, False),
    ((4, 16, 12, 8), (3, 3, 8, 16), 1, 1, True),
]
arguments = convolution_inputs(cases, seed=2)
with answers:
    outputs = [conv2d(*case) for case in arguments]
check_convolution_outputs("conv2d", cases, arguments, outputs)
### END HIDDEN TESTS

# %% [markdown]
# **Pooling** slides a window over each channel separately and keeps one number per
# window: the maximum or the mean. It has no weights.
#
# - `max_pool2d(x, pool_size, stride=None, padding=0)`: the maximum of each window. Pad
#   with $-\infty$, so that padding never wins.
# - `avg_pool2d(x, pool_size, stride=None, padding=0)`: the mean of each window. Pad with
#   zeros, and count the padded zeros in the mean (divide by the window's size).
#
# As in Keras, `stride=None` means a stride equal to the pool size (windows that touch
# but do not overlap). The tests compare with `tf.nn.max_pool2d` and `tf.nn.avg_pool2d`.


# %% nbgrader={"grade": false, "grade_id": "pooling", "locked": false, "schema_version": 3, "solution": true}
def max_pool2d(x, pool_size, stride=None, padding=0):
    """Maximum over each pool_size window of each channel of NHWC `x`."""
    ### BEGIN SOLUTION
    pool_h, pool_w = as_pair(pool_size)
    stride_h, stride_w = as_pair(pool_size if stride is None else stride)
    padded = pad_spatial(x, padding, value=-np.inf)
    out_h = (padded.shape[1] - pool_h) // stride_h + 1
    out_w = (padded.shape[2] - pool_w) // stride_w + 1
    out = np.full((padded.shape[0], out_h, out_w, padded.shape[3]), -np.inf)
    for u in range(pool_h):
        for v in range(pool_w):
            rows = slice(u, u + stride_h * (out_h - 1) + 1, stride_h)
            columns = slice(v, v + stride_w * (out_w - 1) + 1, stride_w)
            out = np.maximum(out, padded[:, rows, columns, :])
    return out
    ### END SOLUTION


def avg_pool2d(x, pool_size, stride=None, padding=0):
    """Mean over each pool_size window of each channel of NHWC `x` (zero padding counted)."""
    ### BEGIN SOLUTION
    pool_h, pool_w = as_pair(pool_size)
    stride_h, stride_w = as_pair(pool_size if stride is None else stride)
    padded = pad_spatial(x, padding)
    out_h = (padded.shape[1] - pool_h) // stride_h + 1
    out_w = (padded.shape[2] - pool_w) // stride_w + 1
    total = np.zeros((padded.shape[0], out_h, out_w, padded.shape[3]))
    for u in range(pool_h):
        for v in range(pool_w):
            rows = slice(u, u + stride_h * (out_h - 1) + 1, stride_h)
            columns = slice(v, v + stride_w * (out_w - 1) + 1, stride_w)
            total = total + padded[:, rows, columns, :]
    return total / (pool_h * pool_w)
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_max_pool2d", "locked": true, "points": 2, "schema_version": 3, "solution": false}
x = np.random.default_rng(6).normal(size=(1, 4, 6, 2))
expected = tf.nn.max_pool2d(x, ksize=2, strides=2, padding="VALID")
with answers:
    pooled = max_pool2d(x, 2)
assert_close(pooled, expected, "max_pool2d(x of shape (1, 4, 6, 2), 2)")
### BEGIN HIDDEN TESTS
rng = np.random.default_rng(7)
cases = [
    ((2, 7, 9, 3), (2, 3), (2, 1), (1, 1), False),
    ((1, 8, 6, 2), (3, 3), (1, 2), (1, 0), True),
    ((2, 6, 9, 2), 2, None, 0, False),
    ((1, 9, 7, 1), (3, 2), (3, 2), 0, False),
    ((2, 5, 8, 3), 3, 2, 1, True),
]
inputs = []
for x_shape, _, _, _, negative in cases:
    x = rng.normal(size=x_shape)
    if negative:  # all values below zero: zero padding would win at the borders
        x = -np.abs(x) - 0.1
    inputs.append(x)
with answers:
    outputs = [max_pool2d(a, k, s, p) for a, (_, k, s, p, _) in zip(inputs, cases, strict=True)]
assert isinstance(outputs, list) and len(outputs) == len(cases), "one output per case"
for (x_shape, pool_size, stride, padding, _), x, got in zip(cases, inputs, outputs, strict=True):
    pad_h, pad_w = as_pair(padding)
    pool_h, pool_w = as_pair(pool_size)
    expected = tf.nn.max_pool2d(
        x,
        ksize=(pool_h, pool_w),
        strides=(pool_h, pool_w) if stride is None else as_pair(stride),
        padding=[[0, 0], [pad_h, pad_h], [pad_w, pad_w], [0, 0]],
    )
    assert_close(
        got,
        expected,
        f"max_pool2d(x of shape {x_shape}, pool_size={pool_size}, stride={stride}, "
        f"padding={padding})",
        hint="Padding must never be the maximum; stride=None means stride = pool size; "
        "stride_h moves down the rows.",
    )
### END HIDDEN TESTS

# %% nbgrader={"grade": true, "grade_id": "test_avg_pool2d", "locked": true, "points": 1, "schema_version": 3, "solution": false}
x = np.random.default_rng(8).normal(size=(1, 4, 6, 2))
expected = tf.nn.avg_pool2d(x, ksize=2, strides=2, padding="VALID")
with answers:
    pooled = avg_pool2d(x, 2)
assert_close(pooled, expected, "avg_pool2d(x of shape (1, 4, 6, 2), 2)")
### BEGIN HIDDEN TESTS
rng = np.random.default_rng(9)
cases = [
    ((2, 7, 9, 3), (2, 3), (2, 1), 0),
    ((1, 8, 6, 2), (3, 3), (1, 2), (1, 0)),
    ((2, 6, 9, 2), 2, None, 0),
    ((1, 9, 7, 4), (3, 2), (3, 2), (0, 1)),
]
inputs = [rng.normal(size=case[0]) for case in cases]
with answers:
    outputs = [avg_pool2d(a, k, s, p) for a, (_, k, s, p) in zip(inputs, cases, strict=True)]
assert isinstance(outputs, list) and len(outputs) == len(cases), "one output per case"
for (x_shape, pool_size, stride, padding), x, got in zip(cases, inputs, outputs, strict=True):
    pad_h, pad_w = as_pair(padding)
    pool_h, pool_w = as_pair(pool_size)
    expected = tf.nn.avg_pool2d(
        tf.pad(x, [[0, 0], [pad_h, pad_h], [pad_w, pad_w], [0, 0]]),
        ksize=(pool_h, pool_w),
        strides=(pool_h, pool_w) if stride is None else as_pair(stride),
        padding="VALID",
    )
    assert_close(
        got,
        expected,
        f"avg_pool2d(x of shape {x_shape}, pool_size={pool_size}, stride={stride}, "
        f"padding={padding})",
        hint="Pad with zeros on both sides and divide by the window's size.",
    )
### END HIDDEN TESTS

# %% [markdown]
# ## Part 3: what a layer costs, and what it sees
#
# A convolution with a $K_h \times K_w$ kernel from C input channels to F output
# channels has one $K_h \times K_w \times C$ kernel per output channel, plus one bias per
# output channel if it has biases. Its parameter count does not depend on the image size:
# the same weights are used at every position.
#
# 1. `conv_params(kernel_size, in_channels, filters, use_bias=True)`: the parameters of
#    one `Conv2D` layer (`kernel_size` a number or a pair).
# 2. `bottleneck_params(in_channels, reduced_channels, filters, kernel_size)`: a 1x1
#    convolution from `in_channels` down to `reduced_channels`, then a `kernel_size`
#    convolution up to `filters`, both with biases (Inception's trick).
# 3. `stacked_params(kernel_size, num_layers, channels, use_bias=True)`: `num_layers`
#    convolutions of the same square kernel size, each from `channels` to `channels`.
# 4. `receptive_field(kernel_sizes, strides)`: along one axis, how many input positions
#    one output of a stack of layers depends on (the span from the first to the last).
#    Layer l has window `kernel_sizes[l]` and stride `strides[l]`; a pooling layer counts
#    as a window like any other. A window at layer l adds `kernel_size - 1` steps of that
#    layer's input, and one step there is the product of all earlier strides in input
#    positions.
#
# The tests compare your counts with `count_params()` of Keras models, and your receptive
# fields with the input positions that receive a nonzero gradient from one output.


# %% nbgrader={"grade": false, "grade_id": "counting", "locked": false, "schema_version": 3, "solution": true}
def conv_params(kernel_size, in_channels, filters, use_bias=True):
    """Parameters of a Conv2D layer: one Kh x Kw x C kernel (and a bias) per filter."""
    ### BEGIN SOLUTION
    kernel_h, kernel_w = as_pair(kernel_size)
    return kernel_h * kernel_w * in_channels * filters + (filters if use_bias else 0)
    ### END SOLUTION


def bottleneck_params(in_channels, reduced_channels, filters, kernel_size):
    """A 1x1 reduction to reduced_channels, then a kernel_size convolution to filters."""
    ### BEGIN SOLUTION
    return conv_params(1, in_channels, reduced_channels) + conv_params(
        kernel_size, reduced_channels, filters
    )
    ### END SOLUTION


def stacked_params(kernel_size, num_layers, channels, use_bias=True):
    """num_layers convolutions of the same kernel size, channels -> channels each."""
    ### BEGIN SOLUTION
    return num_layers * conv_params(kernel_size, channels, channels, use_bias)
    ### END SOLUTION


def receptive_field(kernel_sizes, strides):
    """Input positions spanned by one output of a stack of windows, along one axis."""
    ### BEGIN SOLUTION
    field, step = 1, 1
    for kernel_size, stride in zip(kernel_sizes, strides, strict=True):
        field += (kernel_size - 1) * step
        step *= stride
    return field
    ### END SOLUTION


# %% nbgrader={"grade": false, "grade_id": "counting_oracle", "locked": true, "schema_version": 3, "solution": false}
def keras_params(input_shape, *stack):
    """count_params() of a Sequential model made of the layers in `stack`."""
    return keras.Sequential([keras.Input(input_shape), *stack]).count_params()


def measured_receptive_field(kernel_sizes, strides, length=256):
    """The span of input positions with a nonzero gradient for the first output."""
    # float64: TensorFlow's float32 CPU kernel for the gradient of a strided 1-wide
    # Conv1D can corrupt memory and crash the process.
    x = tf.Variable(tf.ones((1, length, 1), dtype=tf.float64))
    with tf.GradientTape() as tape:
        h = x
        for kernel_size, stride in zip(kernel_sizes, strides, strict=True):
            window = layers.Conv1D(
                1,
                kernel_size,
                strides=stride,
                use_bias=False,
                kernel_initializer="ones",
                dtype="float64",
            )
            h = window(h)
        first = h[0, 0, 0]
    touched = np.flatnonzero(tape.gradient(first, x).numpy()[0, :, 0])
    return int(touched.max() - touched.min() + 1)


# %% nbgrader={"grade": true, "grade_id": "test_conv_params", "locked": true, "points": 2, "schema_version": 3, "solution": false}
expected = keras_params((8, 8, 3), layers.Conv2D(16, 3))
with answers:
    count = conv_params(3, 3, 16)
assert count == expected, (
    f"a 3x3 Conv2D from 3 to 16 channels has {expected} parameters in Keras, "
    f"conv_params says {count}"
)
### BEGIN HIDDEN TESTS
cases = [
    (3, 16, 32, True),
    ((3, 5), 8, 4, False),
    (1, 64, 32, True),
    (5, 1, 6, True),
    ((1, 7), 12, 12, False),
    (11, 3, 96, True),
    ((2, 4), 5, 7, True),
]
with answers:
    counts = [conv_params(*case) for case in cases]
assert isinstance(counts, list) and len(counts) == len(cases), "one count per case"
for (kernel_size, in_channels, filters, use_bias), got in zip(cases, counts, strict=True):
    layer = layers.Conv2D(filters, kernel_size, use_bias=use_bias)
    expected = keras_params((16, 16, in_channels), layer)
    assert got == expected, (
        f"Conv2D({filters}, {kernel_size}, use_bias={use_bias}) on {in_channels} channels has "
        f"{expected} parameters, conv_params says {got}: each filter spans every input "
        "channel, and there is one bias per filter"
    )
### END HIDDEN TESTS

# %% nbgrader={"grade": true, "grade_id": "test_bottleneck_params", "locked": true, "points": 1, "schema_version": 3, "solution": false}
with answers:
    count = bottleneck_params(16, 4, 16, 3)
assert isinstance(count, (int, np.integer)), "bottleneck_params should return a whole number"
### BEGIN HIDDEN TESTS
cases = [
    (256, 64, 256, 3),
    (192, 16, 32, 5),
    (64, 32, 64, 1),
    (12, 5, 7, 3),
]
with answers:
    counts = [bottleneck_params(*case) for case in cases]
assert isinstance(counts, list) and len(counts) == len(cases), "one count per case"
for (in_channels, reduced, filters, kernel_size), got in zip(cases, counts, strict=True):
    expected = keras_params(
        (8, 8, in_channels),
        layers.Conv2D(reduced, 1),
        layers.Conv2D(filters, kernel_size, padding="same"),
    )
    assert got == expected, (
        f"a 1x1 reduction {in_channels} -> {reduced} then a {kernel_size}x{kernel_size} "
        f"convolution -> {filters} has {expected} parameters in Keras, bottleneck_params "
        f"says {got}"
    )
### END HIDDEN TESTS

# %% nbgrader={"grade": true, "grade_id": "test_stacked_params", "locked": true, "points": 1, "schema_version": 3, "solution": false}
with answers:
    count = stacked_params(3, 2, 16)
assert isinstance(count, (int, np.integer)), "stacked_params should return a whole number"
### BEGIN HIDDEN TESTS
cases = [
    (3, 2, 64, True),
    (3, 3, 32, False),
    (5, 1, 64, True),
    (7, 1, 32, False),
    (1, 4, 8, True),
]
with answers:
    counts = [stacked_params(*case) for case in cases]
assert isinstance(counts, list) and len(counts) == len(cases), "one count per case"
for (kernel_size, num_layers, channels, use_bias), got in zip(cases, counts, strict=True):
    stack = [
        layers.Conv2D(channels, kernel_size, padding="same", use_bias=use_bias)
        for _ in range(num_layers)
    ]
    expected = keras_params((9, 9, channels), *stack)
    assert got == expected, (
        f"{num_layers} stacked {kernel_size}x{kernel_size} convolutions on {channels} "
        f"channels (use_bias={use_bias}) have {expected} parameters, stacked_params says {got}"
    )
### END HIDDEN TESTS

# %% nbgrader={"grade": true, "grade_id": "test_receptive_field", "locked": true, "points": 2, "schema_version": 3, "solution": false}
expected = measured_receptive_field([3, 3], [1, 1])
with answers:
    field = receptive_field([3, 3], [1, 1])
assert field == expected, (
    f"two 3x3 convolutions at stride 1 see {expected} positions per axis, receptive_field "
    f"says {field}"
)
### BEGIN HIDDEN TESTS
cases = [
    ([5], [1]),
    ([3, 3, 3], [1, 1, 1]),
    ([3, 2, 3], [1, 2, 1]),
    ([7, 3, 3], [2, 2, 1]),
    ([3, 3], [2, 2]),
    ([2, 2, 2], [2, 2, 2]),
    ([11, 3, 5, 3], [4, 2, 1, 2]),
    ([1, 3], [2, 1]),
]
with answers:
    fields = [receptive_field(*case) for case in cases]
assert isinstance(fields, list) and len(fields) == len(cases), "one receptive field per case"
for (kernel_sizes, strides), got in zip(cases, fields, strict=True):
    expected = measured_receptive_field(kernel_sizes, strides)
    assert got == expected, (
        f"windows {kernel_sizes} with strides {strides}: one output depends on a span of "
        f"{expected} inputs, receptive_field says {got}: a window of a later layer moves in "
        "steps of all earlier strides"
    )
### END HIDDEN TESTS

# %% [markdown]
# ## Part 4: building blocks in Keras
#
# Each block is a function that takes a Keras tensor (the output of `keras.Input` or of
# an earlier layer) and returns the block's output tensor, built with Keras layers and
# the functional API: `y = layers.Conv2D(...)(x)`. Do not wrap a block in its own
# `keras.Model` or `Layer` subclass: the tests build `keras.Model(inputs,
# block(inputs, ...))` and read the graph back, layer by layer (`describe_model` below).
#
# 1. `vgg_block(x, filters, num_convs)`: `num_convs` times a 3x3 convolution with
#    `filters` channels, `"same"` padding and ReLU, then a 2x2 max pooling with stride 2.
# 2. `inception_module(x, filters_1x1, reduce_3x3, filters_3x3, reduce_5x5, filters_5x5,
#    filters_pool)`: four branches on the same input, every convolution with `"same"`
#    padding and ReLU:
#    - a 1x1 convolution with `filters_1x1` channels;
#    - a 1x1 convolution with `reduce_3x3` channels, then a 3x3 one with `filters_3x3`;
#    - a 1x1 convolution with `reduce_5x5` channels, then a 5x5 one with `filters_5x5`;
#    - a 3x3 max pooling with stride 1 and `"same"` padding, then a 1x1 convolution with
#      `filters_pool` channels.
#
#    Concatenate the four outputs along the channel axis, in this order.
# 3. `residual_block(x, filters, stride=1)`, the basic block of ResNet:
#    - main path: 3x3 convolution with `filters` channels and stride `stride`, batch
#      normalization, ReLU, 3x3 convolution with `filters` channels (stride 1), batch
#      normalization;
#    - shortcut: `x` itself when the main path keeps the shape (stride 1 and as many
#      channels in as out); otherwise a **projection**, a 1x1 convolution with `filters`
#      channels and stride `stride`, then batch normalization;
#    - output: ReLU of the sum of the two (`layers.Add`).
#
#    All convolutions use `"same"` padding and `use_bias=False`: the batch normalization
#    right after each one has its own offset (beta), which would make a bias redundant.
# 4. `dense_block(x, num_layers, growth_rate)`, the block of DenseNet: `num_layers`
#    times, compute `new = Conv2D(growth_rate, 3, padding="same", use_bias=False)` of
#    ReLU of batch normalization of the current features, then make the current features
#    the concatenation of the old ones and `new`, along channels (old first). Each layer
#    sees every earlier layer's output, and the channel count grows by `growth_rate` per
#    layer.
#
# The helpers below read a functional model's graph. `describe_model(model)` writes it
# down as plain data (a dict), which is what your blocks send to the tests; the other
# helpers read such a description. Look at your own blocks with them:
# `graph = describe_block(vgg_block, (8, 8, 3), 6, 2)`, then `calls_of_type(graph,
# "Conv2D")`, `path_calls(graph, end, start)` (every call between two tensors, in order)
# or `graph["calls"][i]["config"]`. To compare your block's outputs with their own, the
# tests first load weights they draw themselves into its layers (`weights_seed`, and
# `made_up_weights` for the numbers), then run it on an input of theirs.


# %% nbgrader={"grade": false, "grade_id": "graph_helpers", "locked": true, "schema_version": 3, "solution": false}
# The Keras layer classes a description records `isinstance` for.
LAYER_KINDS = (
    "InputLayer", "Conv2D", "MaxPooling2D", "AveragePooling2D", "BatchNormalization", "ReLU",
    "Activation", "Identity", "Dense", "Add", "Concatenate", "GlobalAveragePooling2D",
)  # fmt: skip


def plain(value):
    """`value` as plain data: numbers, strings and containers as they are, else its repr."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, (list, tuple)):
        items = [plain(item) for item in value]
        return items if isinstance(value, list) else tuple(items)
    if isinstance(value, dict):
        return {str(key): plain(item) for key, item in value.items()}
    return repr(value)


def as_list(tensors):
    """A tensor or a list of tensors, always as a list."""
    return list(tensors) if isinstance(tensors, (list, tuple)) else [tensors]


def describe_model(model, probe=None, weights=True):
    """A functional model's graph as plain data.

    Returns a dict with
    - "calls": one entry per call of an operation (a layer, or a function of keras.ops
      such as `a + b`), in graph order: "class" (the operation's class name), "kinds" (the
      classes of LAYER_KINDS it is an instance of), "name", "operation" (its index in
      `model.operations`), "config" (`get_config()`), "activation" (the name of its
      activation function, if any), "weights" (arrays), "inputs" (the tensors it reads),
      "shapes" (of its outputs) and, given a `probe` input, "values" (its outputs when
      the model runs on `probe` at inference);
    - "inputs" and "outputs": the model's tensors; "input_shape", "output_shape" and
      "params" (`count_params()`).

    A tensor is a pair (index of the call that computed it, index among its outputs).
    """
    operations = list(getattr(model, "operations", model.layers))  # Sequential: layers
    # Every call (Node) the outputs depend on, found through the tensors' histories.
    nodes, stack = {}, [t._keras_history for t in [*model.inputs, *model.outputs]]
    while stack:
        operation, node_index, _ = stack.pop()
        if (id(operation), node_index) not in nodes:
            node = operation._inbound_nodes[node_index]
            nodes[id(operation), node_index] = node
            stack.extend(t._keras_history for t in node.input_tensors)
    position = {id(op): index for index, op in enumerate(operations)}
    keys = sorted(nodes, key=lambda key: (position.get(key[0], len(position)), key[1]))
    number = {key: index for index, key in enumerate(keys)}

    def tensor(value):
        operation, node_index, output_index = value._keras_history
        return (number[id(operation), node_index], output_index)

    calls = []
    for key in keys:
        node = nodes[key]
        op = node.operation
        try:
            config = plain(op.get_config())
        except Exception:  # an operation without a config
            config = {}
        config = config if isinstance(config, dict) else {}
        if hasattr(op, "axis") and "axis" not in config:
            config["axis"] = plain(op.axis)
        arrays = op.get_weights() if weights and isinstance(op, layers.Layer) else []
        calls.append(
            {
                "class": type(op).__name__,
                "kinds": [kind for kind in LAYER_KINDS if isinstance(op, getattr(layers, kind))],
                "name": op.name,
                "operation": position.get(key[0]),
                "config": config,
                "activation": getattr(getattr(op, "activation", None), "__name__", None),
                "weights": [np.asarray(array) for array in arrays],
                "inputs": [tensor(t) for t in node.input_tensors],
                "shapes": [tuple(t.shape) for t in node.outputs],
            }
        )
    graph = {
        "calls": calls,
        "inputs": [tensor(t) for t in model.inputs],
        "outputs": [tensor(t) for t in model.outputs],
        "input_shape": plain(model.input_shape),
        "output_shape": plain(model.output_shape),
        "params": int(model.count_params()),
    }
    if probe is not None:
        inputs = {id(t) for t in model.inputs}
        computed = [t for key in keys for t in nodes[key].outputs if id(t) not in inputs]
        model_inputs = model.inputs if len(model.inputs) > 1 else model.inputs[0]
        probed = keras.Model(model_inputs, computed) if computed else None
        results = as_list(probed(probe, training=False)) if computed else []
        value = {id(t): to_numpy(result) for t, result in zip(computed, results, strict=True)}
        value.update({id(t): np.asarray(probe) for t in model.inputs})
        for call, key in zip(calls, keys, strict=True):
            call["values"] = [value[id(t)] for t in nodes[key].outputs]
    return graph


def block_model(block, input_shape, *args, **kwargs):
    """keras.Model(inputs, block(inputs, *args, **kwargs)) for an input of input_shape."""
    inputs = keras.Input(input_shape)
    return keras.Model(inputs, block(inputs, *args, **kwargs)), inputs


def made_up_weights(graph, seed):
    """Fresh weights for every call of a description, drawn from `seed`: one list of
    float32 arrays per call, shaped like the call's weights (the same list for two calls of
    one layer). A BatchNormalization layer gets [gamma, beta, moving mean, moving
    variance] with positive scales and variances; other weights are scaled by their
    fan-in so that the values stay of order one through a block."""
    rng, drawn, weights = np.random.default_rng(seed), {}, []
    for index, call in enumerate(graph["calls"]):
        key = index if call["operation"] is None else call["operation"]
        if key not in drawn:
            shapes = [np.shape(array) for array in call["weights"]]
            if "BatchNormalization" in call["kinds"] and len(shapes) == 4:
                arrays = [
                    rng.uniform(0.5, 1.5, shapes[0]),
                    rng.normal(0.0, 0.5, shapes[1]),
                    rng.normal(0.0, 0.5, shapes[2]),
                    rng.uniform(0.5, 1.5, shapes[3]),
                ]
            else:
                arrays = [
                    rng.normal(0.0, 1.0, shape) / np.sqrt(max(1, int(np.prod(shape[:-1]))))
                    for shape in shapes
                ]
            drawn[key] = [array.astype(np.float32) for array in arrays]
        weights.append(drawn[key])
    return weights


def load_made_up_weights(model, seed):
    """Sets every layer of `model` to made_up_weights(describe_model(model), seed)."""
    graph = describe_model(model)
    operations = list(getattr(model, "operations", model.layers))
    for call, arrays in zip(graph["calls"], made_up_weights(graph, seed), strict=True):
        if arrays and call["operation"] is not None:
            operations[call["operation"]].set_weights(arrays)
    return model


def describe_block(block, input_shape, *args, probe=None, weights_seed=None, **kwargs):
    """describe_model of block_model(block, input_shape, *args, **kwargs), after
    load_made_up_weights(model, weights_seed) if a seed is given."""
    model, _ = block_model(block, input_shape, *args, **kwargs)
    if weights_seed is not None:
        load_made_up_weights(model, weights_seed)
    return describe_model(model, probe)


def assert_made_up_weights(graph, seed, name):
    """Fails unless every layer of the description holds made_up_weights(graph, seed): the
    weights the test drew, so that its reference computes with the same numbers."""
    for call, arrays in zip(graph["calls"], made_up_weights(graph, seed), strict=True):
        held = [np.asarray(array, np.float32) for array in call["weights"]]
        if len(held) != len(arrays) or not all(map(np.array_equal, held, arrays)):
            raise AssertionError(
                f"layer {call['name']!r} ({call['class']}) of {name} does not hold the weights "
                "the test loaded into it: build the block from standard Keras layers"
            )


def calls_of_type(graph, type_name):
    """The calls of a description whose class is called `type_name`, as indices, in order.

    Layers and operations on tensors both count: `layers.Add()([a, b])` and `a + b` are
    each a call of an "Add".
    """
    return [index for index, call in enumerate(graph["calls"]) if call["class"] == type_name]


def layers_of(graph, calls, kind):
    """The calls among `calls` (indices) of a layer of class `kind` (in LAYER_KINDS)."""
    return [index for index in calls if kind in graph["calls"][index]["kinds"]]


def path_calls(graph, end, start):
    """The calls tensor `end` depends on, back to tensor `start` (excluded), in order."""
    found, stack = set(), [tuple(end)]
    while stack:
        tensor = stack.pop()
        if tensor == tuple(start) or tensor[0] in found:
            continue
        found.add(tensor[0])
        stack.extend(tuple(t) for t in graph["calls"][tensor[0]]["inputs"])
    return sorted(found)


def tensor_shape(graph, tensor):
    """The shape of a tensor of a description (batch axis None)."""
    return tuple(graph["calls"][tensor[0]]["shapes"][tensor[1]])


def tensor_value(graph, tensor):
    """The value of a tensor of a description on the probe input."""
    return graph["calls"][tensor[0]]["values"][tensor[1]]


def assert_output_shape(graph, expected, name):
    """Fails unless the described model's output shape, batch axis left out, is `expected`."""
    got = tuple(graph["output_shape"][1:])
    if got != tuple(expected):
        raise AssertionError(
            f"{name} has the wrong shape: expected {tuple(expected)} (batch axis left out), "
            f"got {got}"
        )


# %% nbgrader={"grade": false, "grade_id": "blocks", "locked": false, "schema_version": 3, "solution": true}
def vgg_block(x, filters, num_convs):
    """num_convs 3x3 'same' convolutions with ReLU, then 2x2 max pooling with stride 2."""
    ### BEGIN SOLUTION
    for _ in range(num_convs):
        x = layers.Conv2D(filters, 3, padding="same", activation="relu")(x)
    return layers.MaxPooling2D(pool_size=2, strides=2)(x)
    ### END SOLUTION


def inception_module(
    x, filters_1x1, reduce_3x3, filters_3x3, reduce_5x5, filters_5x5, filters_pool
):
    """Four parallel branches (1x1; 1x1-3x3; 1x1-5x5; pool-1x1), concatenated on channels."""
    ### BEGIN SOLUTION
    branch_1x1 = layers.Conv2D(filters_1x1, 1, padding="same", activation="relu")(x)
    branch_3x3 = layers.Conv2D(reduce_3x3, 1, padding="same", activation="relu")(x)
    branch_3x3 = layers.Conv2D(filters_3x3, 3, padding="same", activation="relu")(branch_3x3)
    branch_5x5 = layers.Conv2D(reduce_5x5, 1, padding="same", activation="relu")(x)
    branch_5x5 = layers.Conv2D(filters_5x5, 5, padding="same", activation="relu")(branch_5x5)
    branch_pool = layers.MaxPooling2D(pool_size=3, strides=1, padding="same")(x)
    branch_pool = layers.Conv2D(filters_pool, 1, padding="same", activation="relu")(branch_pool)
    return layers.Concatenate(axis=-1)([branch_1x1, branch_3x3, branch_5x5, branch_pool])
    ### END SOLUTION


def residual_block(x, filters, stride=1):
    """ResNet's basic block: two 3x3 conv-BN on the main path, identity or 1x1 shortcut."""
    ### BEGIN SOLUTION
    main = layers.Conv2D(filters, 3, strides=stride, padding="same", use_bias=False)(x)
    main = layers.BatchNormalization()(main)
    main = layers.ReLU()(main)
    main = layers.Conv2D(filters, 3, padding="same", use_bias=False)(main)
    main = layers.BatchNormalization()(main)
    shortcut = x
    if stride != 1 or x.shape[-1] != filters:
        shortcut = layers.Conv2D(filters, 1, strides=stride, padding="same", use_bias=False)(x)
        shortcut = layers.BatchNormalization()(shortcut)
    return layers.ReLU()(layers.Add()([main, shortcut]))
    ### END SOLUTION


def dense_block(x, num_layers, growth_rate):
    """DenseNet's block: each BN-ReLU-3x3 conv output is concatenated to its input."""
    ### BEGIN SOLUTION
    for _ in range(num_layers):
        new = layers.BatchNormalization()(x)
        new = layers.ReLU()(new)
        new = layers.Conv2D(growth_rate, 3, padding="same", use_bias=False)(new)
        x = layers.Concatenate(axis=-1)([x, new])
    return x
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_vgg_block", "locked": true, "points": 2, "schema_version": 3, "solution": false}
with answers:
    graph = describe_block(vgg_block, (8, 10, 3), 6, 2)
assert_output_shape(graph, (4, 5, 6), "the output of vgg_block(x of shape (8, 10, 3), 6, 2)")
### BEGIN HIDDEN TESTS
rng = np.random.default_rng(10)
for seed, (input_shape, filters, num_convs) in enumerate(
    [((8, 10, 3), 6, 2), ((9, 12, 4), 5, 3), ((6, 6, 2), 3, 1)], start=100
):
    x = rng.normal(size=(2, *input_shape)).astype(np.float32)
    with answers:
        graph = describe_block(vgg_block, input_shape, filters, num_convs, probe=x, weights_seed=seed)
    assert_made_up_weights(graph, seed, f"vgg_block(x, {filters}, {num_convs})")
    calls = graph["calls"]
    (inputs,), (output,) = graph["inputs"], graph["outputs"]
    operations = path_calls(graph, output, inputs)
    convs = layers_of(graph, operations, "Conv2D")
    assert len(convs) == num_convs, (
        f"vgg_block(x, {filters}, {num_convs}) has {len(convs)} Conv2D layers, expected {num_convs}"
    )
    for conv in convs:
        config = calls[conv]["config"]
        assert (
            config["kernel_size"] == (3, 3)
            and config["strides"] == (1, 1)
            and config["padding"] == "same"
        ), "every convolution of a VGG block is 3x3, stride 1, padding 'same'"
        assert config["filters"] == filters, (
            "every convolution of a VGG block has `filters` channels"
        )
    pools = layers_of(graph, operations, "MaxPooling2D")
    assert len(pools) == 1 and pools[0] == output[0], "a VGG block ends with one max pooling layer"
    assert calls[pools[0]]["config"]["pool_size"] == (2, 2) and calls[pools[0]]["config"][
        "strides"
    ] == (2, 2), "the pooling of a VGG block is 2x2 with stride 2"
    # The weights the test drew, in a reference stack: the outputs must agree.
    reference = keras.Sequential(
        [keras.Input(input_shape)]
        + [layers.Conv2D(filters, 3, padding="same", activation="relu") for _ in range(num_convs)]
        + [layers.MaxPooling2D(2)]
    )
    for conv, reference_conv in zip(convs, reference.layers[:num_convs], strict=True):
        reference_conv.set_weights(calls[conv]["weights"])
    assert_close(
        tensor_value(graph, output),
        reference(x),
        f"vgg_block(x, {filters}, {num_convs})",
        hint="Each convolution is followed by a ReLU; the block ends with the pooling.",
    )
    assert graph["params"] == reference.count_params(), (
        "vgg_block has the wrong number of parameters"
    )
### END HIDDEN TESTS


# %% nbgrader={"grade": true, "grade_id": "test_inception_module", "locked": true, "points": 3, "schema_version": 3, "solution": false}
with answers:
    graph = describe_block(inception_module, (7, 9, 12), 4, 3, 5, 2, 6, 7)
assert_output_shape(
    graph,
    (7, 9, 4 + 5 + 6 + 7),
    "the output of inception_module(x of shape (7, 9, 12), 4, 3, 5, 2, 6, 7)",
)
### BEGIN HIDDEN TESTS
rng = np.random.default_rng(11)


def reference_inception(input_shape, f1, r3, f3, r5, f5, fp):
    inputs = keras.Input(input_shape)
    branches = [
        [layers.Conv2D(f1, 1, padding="same", activation="relu")],
        [
            layers.Conv2D(r3, 1, padding="same", activation="relu"),
            layers.Conv2D(f3, 3, padding="same", activation="relu"),
        ],
        [
            layers.Conv2D(r5, 1, padding="same", activation="relu"),
            layers.Conv2D(f5, 5, padding="same", activation="relu"),
        ],
        [
            layers.MaxPooling2D(3, strides=1, padding="same"),
            layers.Conv2D(fp, 1, padding="same", activation="relu"),
        ],
    ]
    outputs = []
    for branch in branches:
        h = inputs
        for layer in branch:
            h = layer(h)
        outputs.append(h)
    return keras.Model(inputs, layers.Concatenate()(outputs)), branches


expected_kernels = [[(1, 1)], [(1, 1), (3, 3)], [(1, 1), (5, 5)], [(1, 1)]]
for seed, (input_shape, filters) in enumerate(
    [((7, 9, 12), (4, 3, 5, 2, 6, 7)), ((6, 5, 8), (2, 5, 3, 4, 6, 1))], start=110
):
    x = rng.normal(size=(2, *input_shape)).astype(np.float32)
    with answers:
        graph = describe_block(inception_module, input_shape, *filters, probe=x, weights_seed=seed)
    assert_made_up_weights(graph, seed, "the Inception module")
    calls = graph["calls"]
    (inputs,), (output,) = graph["inputs"], graph["outputs"]
    concatenations = calls_of_type(graph, "Concatenate")
    assert len(concatenations) == 1, (
        f"an Inception module has one concatenation, found {len(concatenations)}"
    )
    (concatenation,) = concatenations
    assert calls[concatenation]["config"].get("axis") in (-1, 3), (
        "concatenate along the channel axis: the last axis in channels-last layout"
    )
    branch_outputs = calls[concatenation]["inputs"]
    assert len(branch_outputs) == 4, (
        f"the concatenation should join four branches, it joins {len(branch_outputs)}"
    )
    f1, r3, f3, r5, f5, fp = filters
    assert [tensor_shape(graph, t)[-1] for t in branch_outputs] == [f1, f3, f5, fp], (
        "the four branches should be concatenated in the order 1x1, 3x3, 5x5, pooling"
    )
    reference, reference_branches = reference_inception(input_shape, *filters)
    for index, (branch_output, kernels) in enumerate(
        zip(branch_outputs, expected_kernels, strict=True)
    ):
        operations = path_calls(graph, branch_output, inputs)
        convs = layers_of(graph, operations, "Conv2D")
        sizes = [calls[conv]["config"]["kernel_size"] for conv in convs]
        assert sizes == kernels, (
            f"branch {index + 1} of the Inception module should have convolutions of sizes "
            f"{kernels}, it has {sizes}"
        )
        pools = layers_of(graph, operations, "MaxPooling2D")
        assert len(pools) == (1 if index == 3 else 0), (
            "only the fourth branch has a pooling layer, before its 1x1 convolution"
        )
        if pools:
            pool_config = calls[pools[0]]["config"]
            assert pool_config["pool_size"] == (3, 3) and pool_config["strides"] == (1, 1), (
                "the pooling branch uses 3x3 max pooling with stride 1 and 'same' padding"
            )
        reference_convs = [
            layer for layer in reference_branches[index] if isinstance(layer, layers.Conv2D)
        ]
        for conv, reference_conv in zip(convs, reference_convs, strict=True):
            reference_conv.set_weights(calls[conv]["weights"])
    assert graph["params"] == reference.count_params(), (
        "the Inception module has the wrong number of parameters: check the filter counts "
        "of each branch and its 1x1 reduction"
    )
    assert_close(
        tensor_value(graph, output),
        reference(x),
        f"inception_module(x, {', '.join(map(str, filters))})",
        hint="Every convolution has 'same' padding and a ReLU; the pooling is 3x3, stride 1, 'same'.",
    )
### END HIDDEN TESTS


# %% nbgrader={"grade": true, "grade_id": "test_residual_identity", "locked": true, "points": 2, "schema_version": 3, "solution": false}
with answers:
    graph = describe_block(residual_block, (6, 7, 8), 8)
assert_output_shape(graph, (6, 7, 8), "the output of residual_block(x of shape (6, 7, 8), 8)")
### BEGIN HIDDEN TESTS
rng = np.random.default_rng(12)
for seed, input_shape in enumerate([(6, 7, 8), (5, 5, 4)], start=120):
    channels = input_shape[-1]
    x = rng.normal(size=(2, *input_shape)).astype(np.float32)
    # Every weight drawn by the test, batch statistics of the BN layers included.
    with answers:
        graph = describe_block(residual_block, input_shape, channels, probe=x, weights_seed=seed)
    assert_made_up_weights(graph, seed, f"residual_block(x, {channels})")
    calls = graph["calls"]
    (inputs,), (output,) = graph["inputs"], graph["outputs"]
    additions = calls_of_type(graph, "Add")
    assert len(additions) == 1, f"a residual block has one addition, found {len(additions)}"
    summands = list(calls[additions[0]]["inputs"])
    assert len(summands) == 2, "the addition should have two inputs: main path and shortcut"
    for index, summand in enumerate(summands):  # look through layers.Identity, if any
        for _ in range(len(calls)):
            if "Identity" not in calls[summand[0]]["kinds"]:
                break
            summand = calls[summand[0]]["inputs"][0]
        summands[index] = summand
    assert any(summand == inputs for summand in summands), (
        "with stride 1 and as many channels in as out, the shortcut is the identity: one "
        "input of the Add must be the block's input itself, with no layer in between"
    )
    main_output = next(summand for summand in summands if summand != inputs)
    main_operations = path_calls(graph, main_output, inputs)
    convs = layers_of(graph, main_operations, "Conv2D")
    assert [calls[conv]["config"]["kernel_size"] for conv in convs] == [(3, 3), (3, 3)], (
        "the main path of a residual block has two 3x3 convolutions"
    )
    expected_params = 2 * (9 * channels * channels + 4 * channels)
    assert graph["params"] == expected_params, (
        f"residual_block(x, {channels}) has {graph['params']} parameters, expected "
        f"{expected_params}: two 3x3 convolutions without bias, each with batch normalization"
    )
    # The weights the test drew, in a reference block: the outputs must agree.
    student_layers = convs + layers_of(graph, main_operations, "BatchNormalization")
    reference_input = keras.Input(input_shape)
    conv_a, conv_b = (layers.Conv2D(channels, 3, padding="same", use_bias=False) for _ in "ab")
    norm_a, norm_b = layers.BatchNormalization(), layers.BatchNormalization()
    main = norm_b(conv_b(layers.ReLU()(norm_a(conv_a(reference_input)))))
    reference = keras.Model(reference_input, layers.ReLU()(main + reference_input))
    assert len(student_layers) == 4, "the main path has two convolutions, each followed by BN"
    for layer, reference_layer in zip(
        student_layers, [conv_a, conv_b, norm_a, norm_b], strict=True
    ):
        reference_layer.set_weights(calls[layer]["weights"])
    assert_close(
        tensor_value(graph, output),
        reference(x, training=False),
        f"residual_block(x, {channels}) at inference",
        hint="Main path: conv, BN, ReLU, conv, BN; then ReLU of the sum with x.",
    )
### END HIDDEN TESTS


# %% nbgrader={"grade": true, "grade_id": "test_residual_projection", "locked": true, "points": 3, "schema_version": 3, "solution": false}
with answers:
    graph = describe_block(residual_block, (6, 7, 8), 16, stride=2)
assert_output_shape(
    graph,
    (3, 4, 16),
    "the output of residual_block(x of shape (6, 7, 8), 16, stride=2)",
)
### BEGIN HIDDEN TESTS
rng = np.random.default_rng(14)
for seed, (input_shape, filters, stride) in enumerate(
    [
        ((6, 7, 8), 16, 2),
        ((6, 7, 8), 12, 1),
        ((6, 7, 8), 8, 2),
        ((9, 4, 3), 5, 2),
    ],
    start=130,
):
    described = f"residual_block(x of shape {input_shape}, {filters}, stride={stride})"
    x = rng.normal(size=(2, *input_shape)).astype(np.float32)
    with answers:
        try:
            built, failure = block_model(residual_block, input_shape, filters, stride=stride), None
        except Exception as error:
            built = None
            failure = f"{type(error).__name__}: {(str(error).splitlines() or [''])[0][:200]}"
        graph = None if built is None else describe_model(load_made_up_weights(built[0], seed), x)
    if failure is not None:
        raise AssertionError(
            f"{described} failed ({failure}): when the stride or the channel count changes, "
            "x no longer has the main path's shape and the shortcut needs a projection"
        )
    assert_made_up_weights(graph, seed, described)
    calls = graph["calls"]
    (inputs,), (output,) = graph["inputs"], graph["outputs"]
    expected_shape = layers.Conv2D(filters, 3, strides=stride, padding="same").compute_output_shape(
        (None, *input_shape)
    )
    assert_output_shape(graph, expected_shape[1:], f"the output of {described}")
    additions = calls_of_type(graph, "Add")
    assert len(additions) == 1, f"a residual block has one addition, found {len(additions)}"
    summands = calls[additions[0]]["inputs"]
    assert not any(summand == inputs for summand in summands), (
        f"in {described} the shapes change, so the shortcut cannot be the identity"
    )
    paths = [path_calls(graph, summand, inputs) for summand in summands]
    paths.sort(key=lambda operations: len(layers_of(graph, operations, "Conv2D")))
    shortcut_path, main_path = paths
    shortcut_convs = layers_of(graph, shortcut_path, "Conv2D")
    main_convs = layers_of(graph, main_path, "Conv2D")
    assert len(shortcut_convs) == 1 and len(main_convs) == 2, (
        f"in {described} one input of the Add should come from the main path (two "
        "convolutions) and the other from the projection shortcut (one convolution)"
    )
    (projection,) = shortcut_convs
    projection_config = calls[projection]["config"]
    assert projection_config["kernel_size"] == (1, 1) and projection_config["strides"] == (
        stride,
        stride,
    ), "the projection shortcut is a 1x1 convolution with the block's stride"
    assert calls[main_convs[0]]["config"]["strides"] == (stride, stride) and calls[main_convs[1]][
        "config"
    ]["strides"] == (1, 1), (
        "the first 3x3 convolution of the main path carries the stride, the second has stride 1"
    )
    channels = input_shape[-1]
    expected_params = (
        9 * channels * filters + 9 * filters * filters + channels * filters + 3 * 4 * filters
    )
    assert graph["params"] == expected_params, (
        f"{described} has {graph['params']} parameters, expected {expected_params}: "
        "three convolutions without bias, each followed by batch normalization"
    )
    # The weights the test drew, in a reference block: the outputs must agree.
    student_layers = [
        *main_convs,
        *layers_of(graph, main_path, "BatchNormalization"),
        projection,
        *layers_of(graph, shortcut_path, "BatchNormalization"),
    ]
    reference_input = keras.Input(input_shape)
    conv_a = layers.Conv2D(filters, 3, strides=stride, padding="same", use_bias=False)
    conv_b = layers.Conv2D(filters, 3, padding="same", use_bias=False)
    conv_p = layers.Conv2D(filters, 1, strides=stride, padding="same", use_bias=False)
    norm_a, norm_b, norm_p = (layers.BatchNormalization() for _ in "abp")
    main = norm_b(conv_b(layers.ReLU()(norm_a(conv_a(reference_input)))))
    reference = keras.Model(reference_input, layers.ReLU()(main + norm_p(conv_p(reference_input))))
    assert len(student_layers) == 6, "each convolution of the block is followed by BN"
    reference_layers = [conv_a, conv_b, norm_a, norm_b, conv_p, norm_p]
    for layer, reference_layer in zip(student_layers, reference_layers, strict=True):
        reference_layer.set_weights(calls[layer]["weights"])
    assert_close(
        tensor_value(graph, output),
        reference(x, training=False),
        f"{described} at inference",
        hint="Main path: conv, BN, ReLU, conv, BN; shortcut: 1x1 conv, BN; then ReLU of the sum.",
    )
### END HIDDEN TESTS


# %% nbgrader={"grade": true, "grade_id": "test_dense_block", "locked": true, "points": 2, "schema_version": 3, "solution": false}
with answers:
    graph = describe_block(dense_block, (5, 6, 4), 3, 5)
assert_output_shape(
    graph,
    (5, 6, 4 + 3 * 5),
    "the output of dense_block(x of shape (5, 6, 4), 3, 5)",
)
### BEGIN HIDDEN TESTS
rng = np.random.default_rng(13)
for seed, (input_shape, num_layers, growth_rate) in enumerate(
    [((5, 6, 4), 3, 5), ((4, 7, 6), 4, 3)], start=140
):
    described = f"dense_block(x of shape {input_shape}, {num_layers}, {growth_rate})"
    x = rng.normal(size=(2, *input_shape)).astype(np.float32)
    with answers:
        graph = describe_block(
            dense_block, input_shape, num_layers, growth_rate, probe=x, weights_seed=seed
        )
    assert_made_up_weights(graph, seed, described)
    calls = graph["calls"]
    channels = input_shape[-1]
    convs = calls_of_type(graph, "Conv2D")
    assert len(convs) == num_layers, f"{described} should have {num_layers} convolutions"
    seen = [tensor_shape(graph, calls[conv]["inputs"][0])[-1] for conv in convs]
    expected_seen = [channels + layer * growth_rate for layer in range(num_layers)]
    assert seen == expected_seen, (
        f"the convolutions of {described} see {seen} channels, expected {expected_seen}: "
        "each layer works on the concatenation of the block input and all earlier outputs"
    )
    for conv in convs:
        config = calls[conv]["config"]
        assert config["filters"] == growth_rate and config["kernel_size"] == (3, 3), (
            "each layer of a dense block is a 3x3 convolution with growth_rate filters"
        )
    expected_params = sum(4 * c + 9 * c * growth_rate for c in expected_seen)
    assert graph["params"] == expected_params, (
        f"{described} has {graph['params']} parameters, expected {expected_params}: "
        "batch normalization and a 3x3 convolution without bias per layer"
    )
    output = tensor_value(graph, graph["outputs"][0])
    assert_close(
        output[..., :channels],
        x,
        f"the first {channels} channels of {described}",
        hint="Concatenate, old features first: the block input passes through unchanged.",
    )
    for layer, conv in enumerate(convs):
        new = tensor_value(graph, (conv, 0))
        start = channels + layer * growth_rate
        assert_close(
            output[..., start : start + growth_rate],
            new,
            f"channels {start} to {start + growth_rate - 1} of {described}",
            hint="Each layer's new features are appended after the features it saw.",
        )
    # The weights the test drew, in a reference block: the outputs must agree.
    norms = layers_of(graph, range(len(calls)), "BatchNormalization")
    assert len(norms) == num_layers, f"{described} should have {num_layers} BatchNormalization layers"
    reference_input = keras.Input(input_shape)
    features = reference_input
    for norm, conv in zip(norms, convs, strict=True):
        reference_norm = layers.BatchNormalization()
        reference_conv = layers.Conv2D(growth_rate, 3, padding="same", use_bias=False)
        new = reference_conv(layers.ReLU()(reference_norm(features)))
        reference_norm.set_weights(calls[norm]["weights"])
        reference_conv.set_weights(calls[conv]["weights"])
        features = layers.Concatenate()([features, new])
    assert_close(
        output,
        keras.Model(reference_input, features)(x, training=False),
        f"{described} at inference",
        hint="Each layer is batch normalization, then ReLU, then the 3x3 convolution.",
    )
### END HIDDEN TESTS


# %% [markdown]
# ## Part 5: a small ResNet on the digits
#
# Build `build_resnet(input_shape=(8, 8, 1), num_classes=10)` with your `residual_block`:
#
# - a stem: a 3x3 convolution (`"same"`, no bias), batch normalization and ReLU;
# - at least three residual blocks, at least one of them with stride 2 (the images are
#   only 8x8: two downsamplings are plenty), more channels after each downsampling;
# - `GlobalAveragePooling2D`, then a `Dense(num_classes)` layer that outputs **logits**
#   (no softmax: the loss applies it);
# - at most 300,000 parameters (about 80,000 are enough).
#
# The given cell then trains it for eight passes over the 1,437 training images, each
# image moved by up to one pixel at random every time (a cheap data augmentation), with
# Adam and a learning rate that decays to zero. It takes 10 to 20 seconds on a laptop. The
# test asks for at least 98% accuracy on the 360 test digits.


# %% nbgrader={"grade": false, "grade_id": "resnet", "locked": false, "schema_version": 3, "solution": true}
def build_resnet(input_shape=(8, 8, 1), num_classes=10):
    """A small ResNet: stem, residual blocks with downsampling, global pooling, logits."""
    ### BEGIN SOLUTION
    inputs = keras.Input(input_shape)
    x = layers.Conv2D(16, 3, padding="same", use_bias=False)(inputs)
    x = layers.BatchNormalization()(x)
    x = layers.ReLU()(x)
    x = residual_block(x, 16)
    x = residual_block(x, 32, stride=2)
    x = residual_block(x, 64, stride=2)
    x = layers.GlobalAveragePooling2D()(x)
    outputs = layers.Dense(num_classes)(x)
    return keras.Model(inputs, outputs)
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_resnet_architecture", "locked": true, "points": 2, "schema_version": 3, "solution": false}
with answers:
    candidate = build_resnet()
    is_model = isinstance(candidate, keras.Model)
    graph = describe_model(candidate, weights=False) if is_model else None
assert is_model, "build_resnet should return a keras.Model"
assert_output_shape(graph, (10,), "the output of build_resnet()")
### BEGIN HIDDEN TESTS
assert tuple(graph["input_shape"]) == (None, 8, 8, 1), "build_resnet() should take (8, 8, 1) images"
calls = graph["calls"]
additions = calls_of_type(graph, "Add")
assert len(additions) >= 3, f"use at least three residual blocks, found {len(additions)} additions"
strided = [
    conv for conv in calls_of_type(graph, "Conv2D") if max(calls[conv]["config"]["strides"]) > 1
]
assert strided, "at least one residual block should downsample with stride 2"
assert calls_of_type(graph, "GlobalAveragePooling2D"), (
    "end with GlobalAveragePooling2D before the Dense layer"
)
last = calls[graph["outputs"][0][0]]
assert "Dense" in last["kinds"] and last["activation"] == "linear", (
    "the model should end with a Dense layer without activation: it outputs logits"
)
assert graph["params"] <= 300_000, (
    f"the model has {graph['params']} parameters, at most 300,000 are allowed"
)
with answers:
    other_graph = describe_model(build_resnet((12, 10, 3), 7), weights=False)
assert_output_shape(other_graph, (7,), "the output of build_resnet((12, 10, 3), 7)")
### END HIDDEN TESTS

# %% nbgrader={"grade": false, "grade_id": "train_resnet", "locked": true, "schema_version": 3, "solution": false} tags=["training"]
x_train, y_train = load_digits("train")
x_test, y_test = load_digits("test")


def shifted_copies(x, y, copies, seed=0):
    """`copies` shuffled copies of (x, y), each image moved by up to one pixel per axis."""
    rng = np.random.default_rng(seed)
    height, width = x.shape[1:3]
    padded = np.pad(x, ((0, 0), (1, 1), (1, 1), (0, 0)))
    images, labels = [], []
    for _ in range(copies):
        order = rng.permutation(len(x))
        tops, lefts = rng.integers(0, 3, size=(2, len(x)))
        images.append(
            np.stack(
                [
                    padded[i, t : t + height, s : s + width]
                    for i, t, s in zip(order, tops, lefts, strict=True)
                ]
            )
        )
        labels.append(y[order])
    return np.concatenate(images), np.concatenate(labels)


def train_digits(model, epochs=8, batch_size=32, learning_rate=3e-3):
    """Adam with cosine decay over `epochs` shifted copies of the training digits."""
    # Keras' default BatchNormalization momentum (0.99) averages over ~100 steps; this
    # run has ~360, so faster moving averages give usable inference statistics.
    for layer in model.layers:
        if isinstance(layer, layers.BatchNormalization):
            layer.momentum = 0.9
    images, labels = shifted_copies(x_train, y_train, epochs)
    steps = int(np.ceil(len(images) / batch_size))
    model.compile(
        optimizer=keras.optimizers.Adam(
            keras.optimizers.schedules.CosineDecay(learning_rate, steps)
        ),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
    )
    data = tf.data.Dataset.from_tensor_slices((images, labels)).batch(batch_size)
    return model.fit(data, epochs=1, shuffle=False, verbose=0).history


course.seed_everything(0)  # the same initial weights, whatever ran before
resnet = build_resnet()
history = train_digits(resnet)
test_logits = keras.ops.convert_to_numpy(resnet(x_test, training=False))
test_accuracy = float(np.mean(np.argmax(test_logits, axis=1) == y_test))
print(f"{resnet.count_params()} parameters, mean training accuracy {history['accuracy'][-1]:.3f}")
print(f"test accuracy {test_accuracy:.3f}")

# %% nbgrader={"grade": true, "grade_id": "test_resnet_accuracy", "locked": true, "points": 3, "schema_version": 3, "solution": false} tags=["training"]
with answers:
    accuracy = float(test_accuracy)
assert accuracy >= 0.98, (
    f"test accuracy {accuracy:.1%}, at least 98% is required: check build_resnet "
    "(logits out, batch normalization after each convolution, downsampling by stride 2)"
)
### BEGIN HIDDEN TESTS
digits, labels = load_digits("test")
with answers:
    recomputed = to_numpy(resnet(digits, training=False))
assert_shape(recomputed, (len(labels), 10), "the trained model's logits on the test digits")
assert float(np.mean(np.argmax(recomputed, axis=1) == labels)) >= 0.98, (
    "the trained model's test accuracy is below 98%"
)
### END HIDDEN TESTS

# %% [markdown]
# What did the stem learn? Top: its 3x3 kernels (dark negative, light positive). Bottom:
# the feature maps they produce on one test digit, after batch normalization and ReLU.

# %% nbgrader={"grade": false, "grade_id": "plot_filters", "locked": true, "schema_version": 3, "solution": false} tags=["training"]
stem = next(op for op in resnet.operations if isinstance(op, layers.Conv2D))
stem_activation = next(op for op in resnet.operations if isinstance(op, layers.ReLU))
kernels = stem.get_weights()[0]
feature_maps = keras.Model(resnet.input, stem_activation.output)(x_test[:1], training=False)[0]
shown = min(8, kernels.shape[-1])
figure, axes = plt.subplots(2, shown + 1, figsize=(1.3 * (shown + 1), 3))
axes[0, 0].imshow(x_test[0, :, :, 0], cmap="gray_r")
axes[0, 0].set_title(f"digit {y_test[0]}", fontsize=8)
axes[1, 0].axis("off")
for index in range(shown):
    axes[0, index + 1].imshow(kernels[:, :, 0, index], cmap="gray")
    axes[1, index + 1].imshow(keras.ops.convert_to_numpy(feature_maps[:, :, index]), cmap="viridis")
for axis in axes.ravel():
    axis.set_xticks([])
    axis.set_yticks([])
figure.suptitle("stem kernels (top) and their feature maps (bottom)", fontsize=9)
plt.show()

# %% [markdown]
# ## Part 6: concept checks
#
# **6.1 AlexNet's first layer.** It reads 227x227 RGB images with 96 kernels of size
# 11x11, stride 4, no padding, with biases. Store the output's height in
# `alexnet_output_size` and the layer's parameter count in `alexnet_params` (numbers;
# you may compute them with your functions).
#
# **6.2 Beyond images.** Why do convolutional networks also work well on speech
# spectrograms and on text? Set `beyond_vision` to the letter of the best answer:
#
# - (a) because spectrograms and sentences are stored as images
# - (b) because nearby values are strongly related and larger patterns are built from
#   smaller local ones, which local, shared filters stacked in depth capture
# - (c) because a convolution is cheaper than a dense layer on any kind of data
# - (d) because pooling makes a network insensitive to every reordering of its input
#
# **6.3 Pooling or stride.** Set `pooling_vs_stride` to the letter of the true statement:
#
# - (a) max pooling learns which input of each window to keep
# - (b) both shrink the feature map; a stride-2 convolution learns how to combine each
#   window, pooling applies a fixed rule with no parameters
# - (c) pooling increases the resolution of a feature map
# - (d) a stride-2 convolution and a 2x2 max pooling compute the same function
#
# **6.4 Receptive field.** A network applies, in this order: a 3x3 convolution (stride
# 1), a 2x2 max pooling (stride 2), a 3x3 convolution (stride 1), a 3x3 convolution
# (stride 1). How many input pixels wide is the receptive field of one final output?
# Store the number in `receptive_field_answer`.
#
# **6.5 Who did what.** Map each architecture to its main contribution in the dict
# `architecture_contributions` (keys `"LeNet-5"`, `"AlexNet"`, `"VGG"`, `"Inception"`,
# `"ResNet"`, `"DenseNet"`; values letters):
#
# - (a) every layer of a block receives the concatenated outputs of all earlier layers
# - (b) a deep, uniform stack of 3x3 convolutions: the receptive field of a large kernel
#   for fewer parameters
# - (c) an early convolution-pooling network trained with backpropagation to read
#   handwritten digits
# - (d) identity shortcuts, so that a block learns a correction F(x) added to x, and
#   networks of a hundred layers and more train
# - (e) ReLU, dropout, overlapping max pooling and GPU training, which won ImageNet 2012
# - (f) parallel 1x1, 3x3, 5x5 and pooling branches with cheap 1x1 reductions, and global
#   average pooling instead of large dense layers
#
# **6.6 A poor fit.** For which task is a deep network, convolutional or not, the worst
# first choice? Set `poor_fit` to its letter:
#
# - (a) classifying a million labelled photographs
# - (b) predicting a number from 200 rows of a table with 12 unrelated columns
# - (c) recognizing spoken keywords in thousands of hours of labelled audio
# - (d) classifying the topic of news articles from a large labelled collection

# %% nbgrader={"grade": false, "grade_id": "concepts", "locked": false, "schema_version": 3, "solution": true}
alexnet_output_size = None
alexnet_params = None
beyond_vision = None
pooling_vs_stride = None
receptive_field_answer = None
architecture_contributions = {}
poor_fit = None
### BEGIN SOLUTION
alexnet_output_size = 55  # (227 - 11) / 4 + 1
alexnet_params = 34944  # 11 * 11 * 3 * 96 + 96
beyond_vision = "b"
pooling_vs_stride = "b"
receptive_field_answer = 12  # 1 + 2 + 1 + 2 * 2 + 2 * 2
architecture_contributions = {
    "LeNet-5": "c",
    "AlexNet": "e",
    "VGG": "b",
    "Inception": "f",
    "ResNet": "d",
    "DenseNet": "a",
}
poor_fit = "b"
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "test_alexnet_numbers", "locked": true, "points": 1, "schema_version": 3, "solution": false}
with answers:
    output_size, params = alexnet_output_size, alexnet_params
assert isinstance(output_size, (int, np.integer)) and isinstance(params, (int, np.integer)), (
    "store whole numbers in alexnet_output_size and alexnet_params"
)
### BEGIN HIDDEN TESTS
alexnet_conv1 = layers.Conv2D(96, 11, strides=4)
expected_size = alexnet_conv1.compute_output_shape((None, 227, 227, 3))[1]
assert output_size == expected_size, (
    "alexnet_output_size is not the output height of that layer: use (N - F + 2P) / S + 1"
)
assert params == keras_params((227, 227, 3), alexnet_conv1), (
    "alexnet_params is not the parameter count of that layer: each kernel spans the three "
    "input channels, plus one bias per kernel"
)
### END HIDDEN TESTS

# %% nbgrader={"grade": true, "grade_id": "test_beyond_vision", "locked": true, "points": 1, "schema_version": 3, "solution": false}
with answers:
    answer = beyond_vision
assert answer in {"a", "b", "c", "d"}, "set beyond_vision to one of 'a', 'b', 'c', 'd'"
### BEGIN HIDDEN TESTS
assert answer == "b", "not the property of the data that convolutions exploit: reread chapter 05"
### END HIDDEN TESTS

# %% nbgrader={"grade": true, "grade_id": "test_pooling_vs_stride", "locked": true, "points": 1, "schema_version": 3, "solution": false}
with answers:
    answer = pooling_vs_stride
assert answer in {"a", "b", "c", "d"}, "set pooling_vs_stride to one of 'a', 'b', 'c', 'd'"
### BEGIN HIDDEN TESTS
assert answer == "b", "not the true statement: which of the two has weights?"
### END HIDDEN TESTS

# %% nbgrader={"grade": true, "grade_id": "test_receptive_field_answer", "locked": true, "points": 1, "schema_version": 3, "solution": false}
with answers:
    answer = receptive_field_answer
assert isinstance(answer, (int, np.integer)), "store a whole number in receptive_field_answer"
### BEGIN HIDDEN TESTS
assert answer == measured_receptive_field([3, 2, 3, 3], [1, 2, 1, 1]), (
    "not the receptive field: after the pooling, each step of a window covers two input pixels"
)
### END HIDDEN TESTS

# %% nbgrader={"grade": true, "grade_id": "test_architectures", "locked": true, "points": 2, "schema_version": 3, "solution": false}
names = {"LeNet-5", "AlexNet", "VGG", "Inception", "ResNet", "DenseNet"}
with answers:
    contributions = architecture_contributions
assert set(contributions) == names, f"architecture_contributions needs the keys {sorted(names)}"
### BEGIN HIDDEN TESTS
expected_letters = {
    "LeNet-5": "c",
    "AlexNet": "e",
    "VGG": "b",
    "Inception": "f",
    "ResNet": "d",
    "DenseNet": "a",
}
wrong = sum(contributions[name] != letter for name, letter in expected_letters.items())
assert wrong == 0, f"{wrong} of the 6 architectures are matched to the wrong contribution"
### END HIDDEN TESTS

# %% nbgrader={"grade": true, "grade_id": "test_poor_fit", "locked": true, "points": 1, "schema_version": 3, "solution": false}
with answers:
    answer = poor_fit
assert answer in {"a", "b", "c", "d"}, "set poor_fit to one of 'a', 'b', 'c', 'd'"
### BEGIN HIDDEN TESTS
assert answer == "b", "not the worst fit: which task has little data and no local structure?"
### END HIDDEN TESTS

# %% [markdown]
# **6.7 Written answer (graded by hand, 2 points).** In three to five sentences: why do
# VGG-style networks stack two 3x3 convolutions instead of using one 5x5 (compare the
# receptive field, the parameters for C channels in and out, and the non-linearities),
# and what problem of very deep plain networks does ResNet's identity shortcut solve?

# %% [markdown] nbgrader={"grade": true, "grade_id": "written_stacking_and_shortcuts", "locked": false, "points": 2, "schema_version": 3, "solution": true}
# ### BEGIN SOLUTION
# Two stacked 3x3 convolutions see a 5x5 region of their input, like one 5x5 convolution,
# but cost 2 · 9 · C² = 18 C² weights instead of 25 C², and put a ReLU between the two, so
# the stack can represent more functions for fewer parameters. Plain networks get harder
# to optimize as they get deeper: beyond some depth even the training error rises, because
# gradients shrink or grow through many layers and each layer must learn its mapping from
# scratch. With an identity shortcut a block only learns a correction F(x) added to x;
# doing nothing is easy (F = 0), and the gradient reaches early layers directly through
# the additions, so networks of a hundred layers and more train well.
# ### END SOLUTION
