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
# # Assignment 8, notebook 1 of 2: the variational autoencoder
#
# A variational autoencoder (VAE) learns a generative model of the digits: a decoder that
# turns a latent code z drawn from a standard normal into an image, trained together with
# an encoder that guesses which codes explain a given image. You write the pieces that
# make it work, check each one against an independent reference, and train it on the
# 8x8 digits. Read chapter 08 first. Notebook 2 (`a08_gan.ipynb`) covers GANs.
#
# 1. The reparameterization trick as a Keras layer, `Sampling` (part 1).
# 2. The closed-form KL divergence to the standard normal (part 2).
# 3. The reconstruction loss, the encoder and decoder, and a `VAE` model with its own
#    `train_step` and metric trackers (part 3).
# 4. Training, the ELBO on held-out digits, reconstructions, samples and the latent
#    space (part 4).
# 5. Concept checks and one written answer (part 5).
#
# **How this is graded.** Write your code between the lines `# YOUR CODE HERE` and the
# end of the region, replacing `raise NotImplementedError()`. Each test cell is worth the
# points in its header; the tests you see are a first check, and hidden tests check more
# cases (other shapes and values, gradients, several training steps) when your notebook
# is graded. References are computed inside the tests: by numerical integration, by
# Monte Carlo, with `tf.GradientTape` and with Keras's own losses. Before you submit, run
# `dlcourse check a08_vae.ipynb`, which restarts the kernel and runs everything top to
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
from course.steps import (
    assert_weights_close,
    logs_as_data,
    sgd_step_through,
    value_and_gradients,
    weight_values,
    with_weights,
)
from course.data import load_digits

course.setup(seed=0)


# %% [markdown]
# The VAE's decoder outputs one Bernoulli probability per pixel, which is an exact
# likelihood only for pixels that are 0 or 1. So this notebook uses the digits with each
# pixel rounded to black or white (threshold 0.5). `show_image_grid` draws a batch of
# 8x8 images side by side.

# %% nbgrader={"grade": false, "grade_id": "data", "locked": true, "schema_version": 3, "solution": false}
def show_image_grid(images, columns=10, title=None, ax=None):
    """Draws images of shape (n, 8, 8, 1), values in [0, 1], as one tiled picture."""
    images = np.asarray(images, dtype=np.float32).reshape(-1, 8, 8)
    rows = int(np.ceil(len(images) / columns))
    canvas = np.full((rows * 9 - 1, columns * 9 - 1), 0.15)  # thin grey gaps
    for index, image in enumerate(images):
        row, column = divmod(index, columns)
        canvas[row * 9 : row * 9 + 8, column * 9 : column * 9 + 8] = image
    if ax is None:
        _, ax = plt.subplots(figsize=(columns * 0.45, rows * 0.45 + 0.3))
    ax.imshow(canvas, cmap="gray_r", vmin=0.0, vmax=1.0)
    ax.set_axis_off()
    if title:
        ax.set_title(title, fontsize=9)
    return ax


x_train, y_train = load_digits("train")
x_test, y_test = load_digits("test")
x_train = (x_train > 0.5).astype("float32")
x_test = (x_test > 0.5).astype("float32")
show_image_grid(x_train[:20], title="binarized training digits")
plt.show()


# %% [markdown]
# ## Part 1: the reparameterization trick
#
# The encoder outputs, for each image, the mean μ and the **log-variance** log σ² of a
# diagonal Gaussian q(z|x). The VAE needs a sample z from it, and it needs gradients of
# the loss with respect to μ and log σ². A sample drawn "from N(μ, σ²)" by a random
# number generator is a constant as far as the gradient is concerned. The trick is to
# draw the randomness from a fixed distribution and build z from it with differentiable
# operations:
#
# ε ~ N(0, I),   σ = exp(½ · log σ²),   z = μ + σ · ε.
#
# Write the layer `Sampling` in the style of Keras's own layers:
#
# - `__init__(self, seed=None, **kwargs)`: accept `None` or a Python `int` (not a bool),
#   otherwise raise a `ValueError` whose message reads "Expected ..., received: ...".
#   Store the seed as `self.seed` and create a `keras.random.SeedGenerator(seed)` once,
#   here: it hands out a new seed at every call, so that each call draws new noise while
#   a fixed seed makes the whole sequence reproducible.
# - `call(self, inputs, training=None)`: `inputs` is the pair `[mean, log_var]`, both of
#   shape `(batch, latent_dim)`; draw ε with `keras.random.normal` and the seed
#   generator, and return z. Sample whatever `training` is: the VAE samples during
#   training and when it generates new digits. Use `keras.ops` and get the batch size
#   with `ops.shape(mean)`, as it is unknown while Keras traces the model.
# - `get_config(self)`: the base config plus `"seed"`.
#
# The layer has no weights, so it needs no `build`.

# %% nbgrader={"grade": false, "grade_id": "sampling", "locked": false, "schema_version": 3, "solution": true}
class Sampling(keras.layers.Layer):
    """Draws z ~ N(mean, exp(log_var)) with the reparameterization trick.

    The noise comes from a standard normal, ε ~ N(0, I), and the sample is the
    differentiable function z = mean + exp(0.5 * log_var) * ε of the layer's inputs, so
    that gradients flow back to `mean` and `log_var`.

    Args:
        seed: Optional Python int seeding the noise; the same seed gives the same
            sequence of samples.
        **kwargs: Base layer keyword arguments, such as `name`.

    Call arguments:
        inputs: A list `[mean, log_var]` of two tensors of shape `(batch, latent_dim)`.
        training: Python boolean or None. Ignored: the layer always samples.

    Example:

    >>> layer = Sampling(seed=0)
    >>> z = layer([np.zeros((4, 2), "float32"), np.zeros((4, 2), "float32")])
    >>> z.shape
    TensorShape([4, 2])
    """

    def __init__(self, seed=None, **kwargs):
        super().__init__(**kwargs)
        ### BEGIN SOLUTION
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
            raise ValueError(f"Expected seed to be an int or None, received: seed={seed!r}")
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)
        ### END SOLUTION

    def call(self, inputs, training=None):
        ### BEGIN SOLUTION
        mean, log_var = inputs
        epsilon = keras.random.normal(ops.shape(mean), dtype=mean.dtype, seed=self.seed_generator)
        return mean + ops.exp(0.5 * log_var) * epsilon
        ### END SOLUTION

    def get_config(self):
        ### BEGIN SOLUTION
        return {**super().get_config(), "seed": self.seed}
        ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_sampling_layer", "locked": true, "points": 1, "schema_version": 3, "solution": false}
zeros = np.zeros((4, 3), "float32")
with answers:
    z = to_numpy(Sampling(seed=1)([zeros, zeros]))
assert_shape(z, (4, 3), "Sampling()([mean, log_var])")
### BEGIN HIDDEN TESTS
with answers:
    sampling_layer = Sampling(seed=1)
    sampling_layer([zeros, zeros])
    sampling_config = sampling_layer.get_config()
    config_seed = sampling_config.get("seed")
    rebuilt_layer = Sampling.from_config({**sampling_config, "name": "my_sampling"})
    rebuilt_name, rebuilt_seed = rebuilt_layer.name, rebuilt_layer.seed
    weight_count = len(sampling_layer.weights)
assert config_seed == 1, "get_config() should include the seed"
assert rebuilt_name == "my_sampling" and rebuilt_seed == 1, (
    "from_config(get_config()) should rebuild the layer: merge the base config"
)
for bad_seed in (1.5, "0", True):
    with answers:
        try:
            Sampling(seed=bad_seed)
            seed_error = None
        except ValueError as raised:
            seed_error = str(raised)
    if seed_error is None:
        raise AssertionError(f"Sampling(seed={bad_seed!r}) should raise a ValueError")
    assert "Expected" in seed_error and "received" in seed_error, (
        f"the ValueError for seed={bad_seed!r} should read 'Expected ..., received: ...'"
    )
assert weight_count == 0, "Sampling has no weights: it should not create any"
inputs = [np.zeros((6, 2), "float32"), np.ones((6, 2), "float32")]
with answers:
    first, second = to_numpy(Sampling(seed=7)(inputs)), to_numpy(Sampling(seed=7)(inputs))
    repeated_layer = Sampling(seed=7)
    call_1, call_2 = to_numpy(repeated_layer(inputs)), to_numpy(repeated_layer(inputs))
assert_close(first, second, "samples of two layers with the same seed", hint="Seed the noise.")
assert not np.allclose(call_1, call_2), (
    "two calls of one layer drew the same noise: use a keras.random.SeedGenerator, "
    "created once in __init__, rather than a fixed integer seed"
)
batches = (5, 9)
with answers:
    functional_inputs = [keras.Input((3,)), keras.Input((3,))]
    functional_model = keras.Model(functional_inputs, Sampling(seed=0)(functional_inputs))
    functional_outputs = [
        to_numpy(functional_model([np.zeros((size, 3), "float32"), np.zeros((size, 3), "float32")]))
        for size in batches
    ]
for batch, output in zip(batches, functional_outputs, strict=True):
    assert_shape(output, (batch, 3), f"Sampling inside a functional model, batch of {batch}")
### END HIDDEN TESTS


# %% [markdown]
# The next test draws many samples for fixed μ and log σ² and compares their mean and
# standard deviation with μ and σ = exp(½ log σ²): it catches a log-variance used as if
# it were the variance or the standard deviation.

# %% nbgrader={"grade": true, "grade_id": "test_sampling_moments", "locked": true, "points": 2, "schema_version": 3, "solution": false}
n_samples = 20000
mean = np.tile(np.array([[1.0, -2.0]], "float32"), (n_samples, 1))
with answers:
    z = to_numpy(Sampling(seed=3)([mean, np.zeros_like(mean)]))
assert_shape(z, mean.shape, "Sampling()([mean, log_var])")
assert np.all(np.abs(z.mean(axis=0) - [1.0, -2.0]) < 0.05), "the samples are not centred on the mean"
assert np.all(np.abs(z.std(axis=0) - 1.0) < 0.05), "with log_var = 0 the standard deviation should be 1"
### BEGIN HIDDEN TESTS
target_mean = np.array([2.0, -1.0, 0.0, 0.5], "float32")
target_log_var = np.array([-3.0, -0.5, 0.0, 1.2], "float32")
target_std = np.exp(0.5 * target_log_var.astype(np.float64))
mean = np.tile(target_mean, (n_samples, 1))
log_var = np.tile(target_log_var, (n_samples, 1))
with answers:
    z = to_numpy(Sampling(seed=4)([mean, log_var]))
assert_shape(z, mean.shape, "Sampling()([mean, log_var])")
z = np.asarray(z, dtype=np.float64)
assert np.all(np.isfinite(z)), "samples contain NaN: is log_var used as a variance (square root of a negative)?"
standard_error = target_std / np.sqrt(n_samples)
assert np.all(np.abs(z.mean(axis=0) - target_mean) < 5 * standard_error), (
    "the sample mean is off: z should be mean + sigma * epsilon with epsilon of mean zero"
)
assert np.all(np.abs(z.std(axis=0) / target_std - 1.0) < 0.04), (
    "the sample standard deviation is off: log_var is the log of the variance, so "
    "sigma = exp(0.5 * log_var)"
)
standardized = (z - target_mean) / target_std
within_one = np.mean(np.abs(standardized) < 1.0, axis=0)
assert np.all(np.abs(within_one - 0.6827) < 0.015), (
    "the noise does not look Gaussian: draw epsilon with keras.random.normal"
)
correlation = np.corrcoef(standardized.T)[np.triu_indices(4, k=1)]
assert np.all(np.abs(correlation) < 0.05), "the latent dimensions should get independent noise"
### END HIDDEN TESTS


# %% [markdown]
# The gradient test runs the layer under `tf.GradientTape`. With z = μ + σ ε, each
# coordinate has ∂z/∂μ = 1 and ∂z/∂(log σ²) = ½ σ ε = ½ (z − μ): the test reads ε back
# from your own sample, so it does not need your random numbers.

# %% nbgrader={"grade": true, "grade_id": "test_sampling_gradients", "locked": true, "points": 2, "schema_version": 3, "solution": false}
with answers:
    zero_variables = [tf.Variable(np.zeros((3, 2), "float32")) for _ in range(2)]
    with tf.GradientTape() as zero_tape:
        zero_total = ops.sum(Sampling(seed=5)(zero_variables))
    reaches = [gradient is not None for gradient in zero_tape.gradient(zero_total, zero_variables)]
assert reaches == [True, True], (
    "no gradient reaches the mean or the log-variance: build z from them with "
    "differentiable operations (the reparameterization trick)"
)
### BEGIN HIDDEN TESTS
rng = np.random.default_rng(6)
for shape in [(3, 2), (5, 4)]:
    mean = rng.normal(size=shape).astype("float32")
    log_var = rng.uniform(-2.0, 1.0, size=shape).astype("float32")
    upstream = rng.normal(size=shape).astype("float32")
    with answers:
        mean_variable, log_var_variable = tf.Variable(mean), tf.Variable(log_var)
        with tf.GradientTape() as sample_tape:
            sample = Sampling(seed=8)([mean_variable, log_var_variable])
            weighted_sum = ops.sum(sample * upstream)
        mean_gradient, log_var_gradient = sample_tape.gradient(
            weighted_sum, [mean_variable, log_var_variable]
        )
        z = to_numpy(sample)
    assert mean_gradient is not None and log_var_gradient is not None, (
        "no gradient reaches the mean or the log-variance: the sample must be a "
        "differentiable function of them, not a constant drawn from N(mean, sigma^2)"
    )
    assert_shape(z, shape, f"Sampling()([mean, log_var]) for a batch of shape {shape}")
    assert_close(mean_gradient, upstream, f"gradient with respect to the mean, shape {shape}")
    assert_close(
        log_var_gradient,
        0.5 * upstream * (np.asarray(z) - mean),
        f"gradient with respect to log_var, shape {shape}",
        hint="sigma = exp(0.5 * log_var), so dz/dlog_var = 0.5 * sigma * epsilon.",
    )
### END HIDDEN TESTS


# %% [markdown]
# ## Part 2: the KL divergence to the prior
#
# For q = N(μ, diag σ²) and the prior p = N(0, I) in d dimensions, the KL divergence has
# a closed form (chapter 08 derives it):
#
# KL(q ‖ p) = ½ Σⱼ ( σⱼ² + μⱼ² − 1 − log σⱼ² ).
#
# Write `gaussian_kl(mean, log_var)` for a batch: `mean` and `log_var` have shape
# `(batch, latent_dim)`. **Sum over the latent dimensions, then average over the batch**,
# and return a scalar. This is the same convention as the reconstruction loss in
# part 3 (summed over pixels, averaged over images): both terms are then per-example
# quantities in nats and their sum is the negative ELBO. Work with `keras.ops`, so that
# the function runs inside `train_step`, and keep the input's dtype (float32 or float64).

# %% nbgrader={"grade": false, "grade_id": "kl", "locked": false, "schema_version": 3, "solution": true}
def gaussian_kl(mean, log_var):
    """KL(N(mean, exp(log_var)) || N(0, I)), summed over latent dims, averaged over the batch."""
    ### BEGIN SOLUTION
    per_dimension = 0.5 * (ops.exp(log_var) + ops.square(mean) - 1.0 - log_var)
    return ops.mean(ops.sum(per_dimension, axis=-1))
    ### END SOLUTION


# %% [markdown]
# The first test integrates q(z) log(q(z)/p(z)) numerically on a fine grid, one latent
# dimension at a time; the second estimates the same expectation by Monte Carlo from
# samples of q.

# %% nbgrader={"grade": true, "grade_id": "test_kl_integration", "locked": true, "points": 2, "schema_version": 3, "solution": false}
zeros = np.zeros((3, 2), "float32")
with answers:
    kl_of_zeros = to_numpy(gaussian_kl(zeros, zeros))
assert_close(kl_of_zeros, 0.0, "KL of N(0, I) to itself", hint="It must be zero.")
### BEGIN HIDDEN TESTS
def integrated_kl(mu, sigma):
    """KL(N(mu, sigma^2) || N(0, 1)) by the trapezoidal rule over mu +- 12 sigma."""
    grid = np.linspace(mu - 12 * sigma, mu + 12 * sigma, 40001)
    log_q = -0.5 * np.log(2 * np.pi * sigma**2) - (grid - mu) ** 2 / (2 * sigma**2)
    log_p = -0.5 * np.log(2 * np.pi) - grid**2 / 2
    return np.trapezoid(np.exp(log_q) * (log_q - log_p), grid)


rng = np.random.default_rng(9)
for shape in [(1, 1), (5, 3), (8, 2)]:
    mean = rng.normal(0.0, 1.5, size=shape)
    log_var = rng.uniform(-3.0, 2.0, size=shape)
    per_element = np.vectorize(integrated_kl)(mean, np.exp(0.5 * log_var))
    expected = per_element.sum(axis=1).mean()
    cases = [(mean.astype(dtype), log_var.astype(dtype)) for dtype in ("float64", "float32")]
    with answers:
        values = [to_numpy(gaussian_kl(case_mean, case_log_var)) for case_mean, case_log_var in cases]
    for dtype, value in zip(("float64", "float32"), values, strict=True):
        assert_close(
            value,
            expected,
            f"gaussian_kl for a batch of shape {shape} ({dtype})",
            hint="Sum over the latent axis, average over the batch, and check the sign "
            "of each term; log_var is the log of the variance.",
        )
### END HIDDEN TESTS


# %% nbgrader={"grade": true, "grade_id": "test_kl_monte_carlo", "locked": true, "points": 1, "schema_version": 3, "solution": false}
with answers:
    value = to_numpy(gaussian_kl(np.ones((4, 3), "float32"), np.zeros((4, 3), "float32")))
assert_shape(value, (), "gaussian_kl(mean, log_var)")
### BEGIN HIDDEN TESTS
rng = np.random.default_rng(10)
mean = rng.normal(0.0, 1.0, size=(4, 3))
log_var = rng.uniform(-1.5, 1.0, size=(4, 3))
sigma = np.exp(0.5 * log_var)
samples = mean + sigma * rng.normal(size=(100000, 4, 3))
# log q(z) - log p(z) for each sample, summed over the latent axis.
log_ratio = np.sum(-0.5 * log_var - (samples - mean) ** 2 / (2 * sigma**2) + samples**2 / 2, axis=-1)
per_example = log_ratio.mean(axis=0)
standard_error = np.sqrt(np.sum(log_ratio.var(axis=0) / len(samples))) / len(per_example)
with answers:
    value = to_numpy(gaussian_kl(mean, log_var))
assert_shape(value, (), "gaussian_kl(mean, log_var)")
difference = abs(float(value) - per_example.mean())
assert difference < 5 * standard_error + 1e-3, (
    f"gaussian_kl differs from a Monte Carlo estimate of E_q[log q(z) - log p(z)] by "
    f"{difference:.3f} (about {difference / standard_error:.0f} standard errors)"
)
### END HIDDEN TESTS


# %% [markdown]
# ## Part 3: the model
#
# **The reconstruction loss.** The decoder outputs one logit ℓ per pixel; the pixel is
# black with probability sigmoid(ℓ). The reconstruction term of the ELBO is the log
# likelihood of the image, and its negative is the binary cross-entropy summed over the
# 64 pixels. Write `reconstruction_loss(x, logits)` for images and logits of shape
# `(batch, 8, 8, 1)`: **sum over the pixels, average over the batch**, a scalar. Work
# from the logits (for instance with `ops.binary_crossentropy(..., from_logits=True)` or
# the identity log(1 + e^ℓ) − x ℓ), which is stable for large logits.
#
# **The encoder and the decoder.** Build them with the functional API, exactly as below
# (the training budget and the tests assume these sizes):
#
# - `build_encoder(latent_dim)`: input `(8, 8, 1)` → `Flatten` → `Dense(128, "relu")` →
#   `Dense(64, "relu")` → two heads, `Dense(latent_dim, name="z_mean")` and
#   `Dense(latent_dim, name="z_log_var")`, both without activation. Return
#   `keras.Model(inputs, [z_mean, z_log_var], name="encoder")`.
# - `build_decoder(latent_dim)`: input `(latent_dim,)` → `Dense(64, "relu")` →
#   `Dense(128, "relu")` → `Dense(64)` → `Reshape((8, 8, 1))`: logits, no sigmoid.
#   Return it named `"decoder"`.
#
# **The VAE.** Write `VAE(keras.Model)`, in the Keras 3 style for a model with its own
# training step:
#
# - `__init__(self, encoder, decoder, seed=None, **kwargs)`: store `self.encoder`,
#   `self.decoder` and `self.sampling = Sampling(seed)`, and create three
#   `keras.metrics.Mean` trackers named `"loss"`, `"reconstruction_loss"` and
#   `"kl_loss"`.
# - the `metrics` property returns the list of the three trackers. Keras resets the
#   metrics it finds there at the start of every epoch.
# - `call(self, inputs, training=None)`: encode, sample z with `self.sampling`, decode;
#   return the logits.
# - `train_step(self, data)`: `fit(x_train)` passes each batch of images as `data` (a
#   tensor; `keras.utils.unpack_x_y_sample_weight(data)` also handles tuples). Under a
#   `tf.GradientTape`, encode, sample with `self.sampling`, decode, and compute
#   `reconstruction_loss + gaussian_kl` (the negative ELBO); apply its gradients to
#   `self.trainable_weights` with `self.optimizer`; update each tracker with its value
#   of this batch; return `{metric.name: metric.result() for metric in self.metrics}`.
#
# The tests build your VAE around small encoders and decoders of their own and replace
# `vae.sampling` by a layer with known noise, then compare one `train_step` with the
# same step computed by `tf.GradientTape` and the **correct** reconstruction loss and KL,
# written inside the tests: make `reconstruction_loss` and `gaussian_kl` pass their own
# tests first, since a bug in either also shows in the `train_step` tests.

# %% nbgrader={"grade": false, "grade_id": "vae", "locked": false, "schema_version": 3, "solution": true}
def reconstruction_loss(x, logits):
    """Binary cross-entropy from logits, summed over pixels, averaged over the batch."""
    ### BEGIN SOLUTION
    per_pixel = ops.binary_crossentropy(x, logits, from_logits=True)
    return ops.mean(ops.sum(ops.reshape(per_pixel, (ops.shape(per_pixel)[0], -1)), axis=1))
    ### END SOLUTION


def build_encoder(latent_dim):
    """Dense encoder: images (8, 8, 1) -> [z_mean, z_log_var], each (latent_dim,)."""
    ### BEGIN SOLUTION
    inputs = keras.Input((8, 8, 1))
    hidden = keras.layers.Flatten()(inputs)
    hidden = keras.layers.Dense(128, activation="relu")(hidden)
    hidden = keras.layers.Dense(64, activation="relu")(hidden)
    z_mean = keras.layers.Dense(latent_dim, name="z_mean")(hidden)
    z_log_var = keras.layers.Dense(latent_dim, name="z_log_var")(hidden)
    return keras.Model(inputs, [z_mean, z_log_var], name="encoder")
    ### END SOLUTION


def build_decoder(latent_dim):
    """Dense decoder: codes (latent_dim,) -> pixel logits (8, 8, 1)."""
    ### BEGIN SOLUTION
    inputs = keras.Input((latent_dim,))
    hidden = keras.layers.Dense(64, activation="relu")(inputs)
    hidden = keras.layers.Dense(128, activation="relu")(hidden)
    logits = keras.layers.Reshape((8, 8, 1))(keras.layers.Dense(64)(hidden))
    return keras.Model(inputs, logits, name="decoder")
    ### END SOLUTION


class VAE(keras.Model):
    """A variational autoencoder trained by maximizing the ELBO.

    Args:
        encoder: A model mapping images to `[z_mean, z_log_var]`.
        decoder: A model mapping latent codes to pixel logits.
        seed: Optional int seeding the `Sampling` layer.
        **kwargs: Base model keyword arguments, such as `name`.
    """

    def __init__(self, encoder, decoder, seed=None, **kwargs):
        super().__init__(**kwargs)
        ### BEGIN SOLUTION
        self.encoder = encoder
        self.decoder = decoder
        self.sampling = Sampling(seed)
        self.total_loss_tracker = keras.metrics.Mean(name="loss")
        self.reconstruction_loss_tracker = keras.metrics.Mean(name="reconstruction_loss")
        self.kl_loss_tracker = keras.metrics.Mean(name="kl_loss")
        ### END SOLUTION

    @property
    def metrics(self):
        ### BEGIN SOLUTION
        return [self.total_loss_tracker, self.reconstruction_loss_tracker, self.kl_loss_tracker]
        ### END SOLUTION

    def call(self, inputs, training=None):
        ### BEGIN SOLUTION
        mean, log_var = self.encoder(inputs, training=training)
        return self.decoder(self.sampling([mean, log_var]), training=training)
        ### END SOLUTION

    def train_step(self, data):
        ### BEGIN SOLUTION
        x, _, _ = keras.utils.unpack_x_y_sample_weight(data)
        with tf.GradientTape() as tape:
            mean, log_var = self.encoder(x, training=True)
            z = self.sampling([mean, log_var])
            logits = self.decoder(z, training=True)
            reconstruction = reconstruction_loss(x, logits)
            kl = gaussian_kl(mean, log_var)
            total = reconstruction + kl
        gradients = tape.gradient(total, self.trainable_weights)
        self.optimizer.apply_gradients(zip(gradients, self.trainable_weights))
        self.total_loss_tracker.update_state(total)
        self.reconstruction_loss_tracker.update_state(reconstruction)
        self.kl_loss_tracker.update_state(kl)
        return {metric.name: metric.result() for metric in self.metrics}
        ### END SOLUTION


# %% [markdown]
# The tests of the model use these tools: small seeded encoders and decoders, and a
# sampling layer whose noise ε is fixed by the test. Under `with answers:`,
# `vae_train_step` runs one `train_step` of your VAE built around them and returns the
# weights before and after it, and the logs. The check then rebuilds the same networks
# from the weights before the step, computes the correct losses (its own, not yours) and
# their gradients at the step's outputs (`value_and_gradients`), and carries those
# gradients to the weights with `tf.GradientTape` (`sgd_step_through`); these two and the
# other step tools live in `course/steps.py`.

# %% nbgrader={"grade": false, "grade_id": "vae_test_tools", "locked": true, "schema_version": 3, "solution": false}
def small_encoder(latent_dim, seed):
    """A tiny seeded encoder with the interface of build_encoder.

    Its log-variances start between about 0.3 and 0.9, so that a wrong KL formula (one
    taking the log of log_var, say) gives finite numbers and a clear failure.
    """
    inputs = keras.Input((8, 8, 1))
    hidden = keras.layers.Flatten()(inputs)
    hidden = keras.layers.Dense(16, "tanh", kernel_initializer=keras.initializers.GlorotUniform(seed))(hidden)
    z_mean = keras.layers.Dense(latent_dim, kernel_initializer=keras.initializers.GlorotUniform(seed + 1))(hidden)
    z_log_var = keras.layers.Dense(
        latent_dim,
        kernel_initializer=keras.initializers.RandomUniform(-0.02, 0.02, seed + 2),
        bias_initializer=keras.initializers.Constant(0.6),
    )(hidden)
    return keras.Model(inputs, [z_mean, z_log_var])


def small_decoder(latent_dim, seed):
    """A tiny seeded decoder with the interface of build_decoder."""
    inputs = keras.Input((latent_dim,))
    hidden = keras.layers.Dense(16, "tanh", kernel_initializer=keras.initializers.GlorotUniform(seed))(inputs)
    logits = keras.layers.Dense(64, kernel_initializer=keras.initializers.GlorotUniform(seed + 1))(hidden)
    return keras.Model(inputs, keras.layers.Reshape((8, 8, 1))(logits))


class FixedNoiseSampling(keras.layers.Layer):
    """z = mean + exp(0.5 * log_var) * epsilon with an epsilon chosen by the test."""

    def __init__(self, epsilon, **kwargs):
        super().__init__(**kwargs)
        self.epsilon = np.asarray(epsilon, "float32")

    def call(self, inputs, training=None):
        mean, log_var = inputs
        return mean + ops.exp(0.5 * log_var) * self.epsilon


def small_vae(latent_dim, seeds, epsilon, learning_rate):
    """Your VAE around a small encoder and decoder (seeds[0], seeds[1]; seeds[2] for
    the VAE), with its sampling noise fixed to `epsilon`, compiled with SGD."""
    vae = VAE(small_encoder(latent_dim, seeds[0]), small_decoder(latent_dim, seeds[1]), seed=seeds[2])
    vae.sampling = FixedNoiseSampling(epsilon)
    vae.compile(optimizer=keras.optimizers.SGD(learning_rate=learning_rate))
    return vae


def vae_weights(vae):
    return {"encoder": weight_values(vae.encoder), "decoder": weight_values(vae.decoder)}


def vae_train_step(latent_dim, seeds, batch, epsilon, learning_rate):
    """One train_step of `small_vae(...)` on `batch`: the weights of its encoder and
    decoder before and after, and the logs, as data."""
    vae = small_vae(latent_dim, seeds, epsilon, learning_rate)
    before = vae_weights(vae)
    logs = vae.train_step(tf.constant(batch))
    return {"before": before, "after": vae_weights(vae), "logs": logs_as_data(logs)}


# The checks' side: the same small networks, rebuilt from the weights your kernel sent.
def vae_outputs(encoder, decoder, batch, epsilon):
    """[logits, mean, log_var] of the VAE step on `batch` with the noise `epsilon`."""
    mean, log_var = encoder(batch, training=True)
    logits = decoder(mean + ops.exp(0.5 * log_var) * epsilon, training=True)
    return [logits, mean, log_var]


# %% nbgrader={"grade": true, "grade_id": "test_reconstruction_loss", "locked": true, "points": 1, "schema_version": 3, "solution": false}
with answers:
    value = to_numpy(
        reconstruction_loss(np.ones((2, 8, 8, 1), "float32"), np.zeros((2, 8, 8, 1), "float32"))
    )
assert_close(value, 64 * np.log(2.0), "reconstruction loss of all-zero logits", hint="Sum over the 64 pixels.")
### BEGIN HIDDEN TESTS
rng = np.random.default_rng(11)
for batch in (1, 7):
    logits = rng.normal(0.0, 3.0, size=(batch, 8, 8, 1)).clip(-8, 8).astype("float32")
    for targets in (rng.integers(0, 2, size=logits.shape), rng.uniform(size=logits.shape)):
        targets = targets.astype("float32")
        per_pixel = keras.losses.binary_crossentropy(targets, logits, from_logits=True)
        expected = np.asarray(per_pixel).reshape(batch, -1).sum(axis=1).mean()
        with answers:
            value = to_numpy(reconstruction_loss(targets, logits))
        assert_close(
            value,
            expected,
            f"reconstruction_loss for a batch of {batch}",
            hint="Binary cross-entropy from logits, summed over the pixels of each image, "
            "averaged over the images.",
        )
### END HIDDEN TESTS


# %% nbgrader={"grade": true, "grade_id": "test_encoder_decoder", "locked": true, "points": 1, "schema_version": 3, "solution": false}
with answers:
    first_encoder, first_decoder = build_encoder(2), build_decoder(2)
    encoder_outputs = [to_numpy(output) for output in first_encoder(x_test[:5])]
    decoded = to_numpy(first_decoder(np.zeros((3, 2), "float32")))
assert len(encoder_outputs) == 2, "the encoder should return two tensors: [z_mean, z_log_var]"
assert_shape(encoder_outputs[0], (5, 2), "z_mean")
assert_shape(decoded, (3, 8, 8, 1), "decoder output")
### BEGIN HIDDEN TESTS
for latent_dim in (2, 5):
    far_codes = np.random.default_rng(12).normal(0.0, 20.0, size=(64, latent_dim)).astype("float32")
    with answers:
        sized_encoder, sized_decoder = build_encoder(latent_dim), build_decoder(latent_dim)
        z_mean, z_log_var = (to_numpy(output) for output in sized_encoder(x_test[:4]))
        encoder_parameters = sized_encoder.count_params()
        decoder_parameters = sized_decoder.count_params()
        far_outputs = to_numpy(sized_decoder(far_codes))
    assert_shape(z_mean, (4, latent_dim), f"z_mean with latent_dim={latent_dim}")
    assert_shape(z_log_var, (4, latent_dim), f"z_log_var with latent_dim={latent_dim}")
    assert not np.allclose(z_mean, z_log_var), "z_mean and z_log_var should come from two separate heads"
    expected_encoder = (64 * 128 + 128) + (128 * 64 + 64) + 2 * (64 * latent_dim + latent_dim)
    expected_decoder = (latent_dim * 64 + 64) + (64 * 128 + 128) + (128 * 64 + 64)
    assert encoder_parameters == expected_encoder, (
        f"the encoder has {encoder_parameters} parameters, the specification gives "
        f"{expected_encoder}: check the layer sizes"
    )
    assert decoder_parameters == expected_decoder, (
        f"the decoder has {decoder_parameters} parameters, the specification gives "
        f"{expected_decoder}: check the layer sizes"
    )
    assert far_outputs.min() < 0.0 or far_outputs.max() > 1.0, (
        "the decoder's outputs all lie in [0, 1]: it should return logits, without a sigmoid"
    )
### END HIDDEN TESTS


# %% nbgrader={"grade": true, "grade_id": "test_vae_metrics", "locked": true, "points": 1, "schema_version": 3, "solution": false}
with answers:
    fresh_vae = VAE(small_encoder(2, seed=1), small_decoder(2, seed=3), seed=0)
    names = sorted(metric.name for metric in fresh_vae.metrics)
assert names == ["kl_loss", "loss", "reconstruction_loss"], (
    f"vae.metrics should list three trackers named loss, reconstruction_loss and kl_loss, got {names}"
)
### BEGIN HIDDEN TESTS
with answers:
    checked_vae = VAE(small_encoder(2, seed=1), small_decoder(2, seed=3), seed=0)
    all_means = all(isinstance(metric, keras.metrics.Mean) for metric in checked_vae.metrics)
    same_trackers = [id(m) for m in checked_vae.metrics] == [id(m) for m in checked_vae.metrics]
    stores_sampling = isinstance(checked_vae.sampling, Sampling)
    stores_networks = checked_vae.encoder is not None and checked_vae.decoder is not None
    vae_output = to_numpy(checked_vae(x_test[:6]))
assert all_means, "each tracker should be a keras.metrics.Mean"
assert same_trackers, "the metrics property should return the trackers created in __init__, not new ones"
assert stores_sampling, "store a Sampling layer as self.sampling"
assert stores_networks, "store the encoder and decoder"
assert_shape(vae_output, (6, 8, 8, 1), "vae(images)")
### END HIDDEN TESTS


# %% nbgrader={"grade": true, "grade_id": "test_vae_train_step", "locked": true, "points": 3, "schema_version": 3, "solution": false}
rng = np.random.default_rng(13)
batch = x_train[:8]
epsilon = rng.normal(size=(8, 2)).astype("float32")
with answers:
    step = vae_train_step(2, (1, 3, 0), batch, epsilon, 0.05)
assert isinstance(step["logs"], dict) and "loss" in step["logs"], (
    "train_step should return a dict with the key 'loss'"
)
### BEGIN HIDDEN TESTS
# The correct losses, computed here and never by your functions: a train_step with
# losses of its own (zero, constant, wrong) cannot match this reference.
def correct_reconstruction_loss(x, logits):
    per_pixel = tf.nn.sigmoid_cross_entropy_with_logits(labels=x, logits=logits)
    return tf.reduce_mean(tf.reduce_sum(per_pixel, axis=[1, 2, 3]))


def correct_kl(mean, log_var):
    per_dimension = 0.5 * (tf.exp(log_var) + tf.square(mean) - 1.0 - log_var)
    return tf.reduce_mean(tf.reduce_sum(per_dimension, axis=1))


# The visible case, and a second model with another latent size and batch.
cases = [
    (2, (1, 3, 0), batch, epsilon, 0.05, ""),
    (3, (20, 22, 1), x_train[10:15], rng.normal(size=(5, 3)).astype("float32"), 0.1, ", latent size 3"),
]
for latent_dim, seeds, batch, epsilon, learning_rate, where in cases:
    with answers:
        step = vae_train_step(latent_dim, seeds, batch, epsilon, learning_rate)
    assert isinstance(step["logs"], dict) and "loss" in step["logs"], (
        "train_step should return a dict with the key 'loss'"
    )
    # The same step outside your kernel: the correct losses give their values and their
    # gradients at this step's outputs; tf.GradientTape carries them to the weights.
    reference_encoder = with_weights(small_encoder(latent_dim, seeds[0]), step["before"]["encoder"])
    reference_decoder = with_weights(small_decoder(latent_dim, seeds[1]), step["before"]["decoder"])
    logits, mean, log_var = (
        np.asarray(output)
        for output in vae_outputs(reference_encoder, reference_decoder, batch, epsilon)
    )
    reconstruction = value_and_gradients(correct_reconstruction_loss, batch, logits)
    kl = value_and_gradients(correct_kl, mean, log_var)
    output_gradients = [reconstruction[1][1], kl[1][0], kl[1][1]]
    assert_close(
        step["logs"]["loss"],
        reconstruction[0] + kl[0],
        f"logs['loss'] after one train_step{where}",
        hint="The loss is reconstruction_loss + gaussian_kl, computed on the decoded sample of "
        "self.sampling. If either function fails its own test, fix it first.",
    )
    expected = sgd_step_through(
        reference_encoder.trainable_weights + reference_decoder.trainable_weights,
        lambda: vae_outputs(reference_encoder, reference_decoder, batch, epsilon),
        output_gradients,
        learning_rate,
    )
    split = len(reference_encoder.trainable_weights)
    for network, reference in [("encoder", expected[:split]), ("decoder", expected[split:])]:
        assert_weights_close(
            step["after"][network],
            reference,
            f"the {network} after one SGD step{where}",
            hint="Differentiate reconstruction + KL with respect to self.trainable_weights and "
            "apply the gradients with self.optimizer (with reconstruction_loss and "
            "gaussian_kl passing their own tests).",
        )
### END HIDDEN TESTS


# %% [markdown]
# Keras calls `reset_metrics()` at the start of every epoch, which resets the metrics
# listed by the `metrics` property; between resets, each tracker reports the mean over
# the batches seen so far. The next test runs two steps and checks these running means.

# %% nbgrader={"grade": true, "grade_id": "test_vae_trackers", "locked": true, "points": 1, "schema_version": 3, "solution": false}
epsilon = np.random.default_rng(14).normal(size=(8, 2)).astype("float32")
first_batch, second_batch = x_train[:8], x_train[8:16]
with answers:
    tracked_vae = small_vae(2, (1, 3, 0), epsilon, 0.05)
    first_logs = logs_as_data(tracked_vae.train_step(tf.constant(first_batch)))
    logs = logs_as_data(tracked_vae.train_step(tf.constant(second_batch)))
assert isinstance(logs, dict), "train_step should return a dict"
assert set(logs) >= {"loss", "reconstruction_loss", "kl_loss"}, f"train_step returned the keys {sorted(logs)}"
### BEGIN HIDDEN TESTS
with answers:
    checked_vae = small_vae(2, (1, 3, 0), epsilon, 0.05)
    before = vae_weights(checked_vae)
    first_logs = logs_as_data(checked_vae.train_step(tf.constant(first_batch)))
    logs = logs_as_data(checked_vae.train_step(tf.constant(second_batch)))
    # The same two steps on an identical model, with a reset in between.
    twin_vae = small_vae(2, (1, 3, 0), epsilon, 0.05)
    twin_vae.train_step(tf.constant(first_batch))
    twin_vae.reset_metrics()
    second_logs = logs_as_data(twin_vae.train_step(tf.constant(second_batch)))
    checked_vae.reset_metrics()
    after_reset = [(metric.name, to_numpy(metric.result())) for metric in checked_vae.metrics]
# The correct loss terms of the first step, computed from the weights before it.
reference_encoder = with_weights(small_encoder(2, 1), before["encoder"])
reference_decoder = with_weights(small_decoder(2, 3), before["decoder"])
logits, mean, log_var = vae_outputs(reference_encoder, reference_decoder, first_batch, epsilon)
per_pixel = tf.nn.sigmoid_cross_entropy_with_logits(labels=tf.constant(first_batch), logits=logits)
expected_terms = {
    "reconstruction_loss": np.asarray(tf.reduce_mean(tf.reduce_sum(per_pixel, axis=[1, 2, 3]))),
    "kl_loss": np.asarray(
        tf.reduce_mean(tf.reduce_sum(0.5 * (tf.exp(log_var) + tf.square(mean) - 1.0 - log_var), axis=1))
    ),
}
for name in ("reconstruction_loss", "kl_loss"):
    assert_close(
        first_logs[name],
        expected_terms[name],
        f"logs['{name}'] after the first step",
        hint="Update the tracker of each term with that term's value for the batch "
        "(with reconstruction_loss and gaussian_kl passing their own tests).",
    )
# The twin's second step, after a reset, gives the second batch's own values.
for name in ("loss", "reconstruction_loss", "kl_loss"):
    assert_close(
        logs[name],
        (np.asarray(first_logs[name], np.float64) + np.asarray(second_logs[name], np.float64)) / 2,
        f"logs['{name}'] after two train steps",
        hint="Update each tracker with the batch's value and return metric.result(), the "
        "mean since the last reset, not the value of the last batch. Keras resets the "
        "metrics listed by the metrics property.",
    )
for name, result in after_reset:
    assert_close(result, 0.0, f"{name} after reset_metrics()")
### END HIDDEN TESTS


# %% [markdown]
# ## Part 4: training and evaluation
#
# The cell below trains your VAE with a two-dimensional latent space, so that the whole
# latent space can be drawn on a page. It takes about ten seconds.

# %% nbgrader={"grade": false, "grade_id": "train_vae", "locked": true, "schema_version": 3, "solution": false} tags=["training"]
LATENT_DIM = 2
vae = VAE(build_encoder(LATENT_DIM), build_decoder(LATENT_DIM), seed=0)
vae.compile(optimizer=keras.optimizers.Adam(learning_rate=3e-3))
history = vae.fit(x_train, epochs=30, batch_size=64, verbose=0)
print({name: round(values[-1], 2) for name, values in history.history.items()})


# %% [markdown]
# **The ELBO on held-out digits.** For each test digit x, the test estimates
#
# ELBO(x) = E_{q(z|x)}[log p(x|z)] − KL(q(z|x) ‖ p(z))
#
# with your trained encoder and decoder: the expectation with 10 samples of z per digit,
# the KL in closed form, both computed inside the test. A decoder that ignores z and
# always outputs the average training digit reaches about −24.6 nats per digit; your VAE
# must reach at least **−23.0 nats** (the reference solution reaches about −20.5).

# %% nbgrader={"grade": true, "grade_id": "test_vae_elbo", "locked": true, "points": 3, "schema_version": 3, "solution": false} tags=["training"]
with answers:
    history_data = {str(name): [float(value) for value in values] for name, values in history.history.items()}
assert {"loss", "reconstruction_loss", "kl_loss"} <= set(history_data), (
    f"fit's history has the keys {sorted(history_data)}: return the three trackers' results"
)
assert history_data["loss"][-1] < history_data["loss"][0], "the loss did not decrease"
### BEGIN HIDDEN TESTS
ELBO_THRESHOLD = -23.0
loss_sum = history_data["reconstruction_loss"][-1] + history_data["kl_loss"][-1]
assert abs(history_data["loss"][-1] - loss_sum) < 1e-3 * max(1.0, abs(loss_sum)), (
    "the tracked loss is not reconstruction_loss + kl_loss"
)
test_images = x_test
with answers:
    mean, log_var = (to_numpy(output) for output in vae.encoder(test_images))
assert_shape(mean, (len(test_images), LATENT_DIM), "the trained encoder's z_mean on the test digits")
assert_shape(log_var, (len(test_images), LATENT_DIM), "the trained encoder's z_log_var on the test digits")
mean, log_var = np.asarray(mean, dtype=np.float64), np.asarray(log_var, dtype=np.float64)
pixels = test_images.reshape(len(test_images), -1).astype(np.float64)
rng = np.random.default_rng(15)
codes = np.concatenate(
    [mean + np.exp(0.5 * log_var) * rng.normal(size=mean.shape) for _ in range(10)]
).astype("float32")
with answers:
    code_logits = to_numpy(vae.decoder(codes))
assert_shape(code_logits, (len(codes), 8, 8, 1), "the trained decoder's logits")
code_logits = np.asarray(code_logits, dtype=np.float64).reshape(10, len(test_images), -1)
# log p(x|z) of Bernoulli pixels, written stably from the logits, for each of 10 samples of z
log_likelihoods = np.sum(pixels * code_logits - np.logaddexp(0.0, code_logits), axis=2)
kl = 0.5 * np.sum(np.exp(log_var) + mean**2 - 1.0 - log_var, axis=1)
elbo = float(np.mean(np.mean(log_likelihoods, axis=0) - kl))
print(f"ELBO on the test digits: {elbo:.2f} nats per digit (at least {ELBO_THRESHOLD} required)")
assert np.isfinite(elbo) and elbo >= ELBO_THRESHOLD, (
    f"the ELBO on held-out digits is {elbo:.2f} nats, below {ELBO_THRESHOLD}: check the signs "
    "of the two loss terms, their scale (sum over pixels and latent dimensions, mean over the "
    "batch) and that gradients reach the encoder through the sample"
)
### END HIDDEN TESTS


# %% [markdown]
# **What the VAE learned.** First: test digits and their reconstructions (decoded from
# the mean code, shown as probabilities), then new digits decoded from codes drawn from
# the prior N(0, I). Second: the latent means of the test digits, coloured by class, and
# the decoder's output over a grid of codes.

# %% nbgrader={"grade": false, "grade_id": "plot_vae", "locked": true, "schema_version": 3, "solution": false} tags=["training"]
test_mean, _ = vae.encoder(x_test)
reconstructions = ops.sigmoid(vae.decoder(test_mean)).numpy()
prior_codes = np.random.default_rng(16).normal(size=(20, LATENT_DIM)).astype("float32")
samples = ops.sigmoid(vae.decoder(prior_codes)).numpy()

figure, axes = plt.subplots(2, 1, figsize=(5.5, 3.2))
show_image_grid(
    np.concatenate([x_test[:10], reconstructions[:10]]),
    title="test digits (top) and their reconstructions",
    ax=axes[0],
)
show_image_grid(samples, title="new digits: codes drawn from the prior", ax=axes[1])
plt.show()

figure, axes = plt.subplots(1, 2, figsize=(9, 4))
points = np.asarray(test_mean)
scatter = axes[0].scatter(points[:, 0], points[:, 1], c=y_test, cmap="tab10", s=8)
axes[0].set(title="latent means of the test digits", xlabel="$z_1$", ylabel="$z_2$")
figure.colorbar(scatter, ax=axes[0], ticks=range(10))
grid_values = np.linspace(-2.0, 2.0, 10)
grid_codes = np.array([[a, b] for b in grid_values[::-1] for a in grid_values], "float32")
show_image_grid(
    ops.sigmoid(vae.decoder(grid_codes)).numpy(),
    title="decoded grid: $z_1$ left to right, $z_2$ bottom to top, in [-2, 2]",
    ax=axes[1],
)
plt.show()


# %% [markdown]
# ## Part 5: concept checks
#
# **5.1 A KL divergence by hand.** An encoder outputs, for one image, μ = (1, 0) and
# σ² = (1, 4). Compute KL(q(z|x) ‖ N(0, I)) in nats with the closed form and store the
# number (a float, not a call to your function) in `kl_by_hand`.
#
# **5.2 The bound.** Set `elbo_bound` to the letter of the true statement:
#
# - (a) the ELBO is an upper bound on log p(x)
# - (b) the ELBO is a lower bound on log p(x); the gap is KL(q(z|x) ‖ p(z|x)), zero when
#   the encoder matches the true posterior
# - (c) the ELBO equals log p(x) for every encoder
# - (d) the ELBO is the KL divergence between the encoder and the prior
#
# **5.3 Why reparameterize?** Set `reparameterization_reason` to the letter of the main
# reason:
#
# - (a) it makes sampling faster
# - (b) it writes the sample as a differentiable function of μ and log σ² plus noise that
#   does not depend on them, so that backpropagation reaches the encoder
# - (c) it makes the KL divergence available in closed form
# - (d) it keeps the variance positive
#
# **5.4 VAE versus plain autoencoder.** You train a plain autoencoder (a deterministic
# code, no sampling, no KL term) with a 2-D code on the same digits, then decode points
# drawn from N(0, I). Set `autoencoder_samples` to the letter of the most likely outcome:
#
# - (a) the samples look as good as the VAE's: the decoder is the same network
# - (b) many samples are not digits: nothing made the training codes fill the region
#   where N(0, I) puts its mass, so the code space has gaps and an arbitrary scale and
#   position
# - (c) the decoder raises an error, since it never saw random codes
# - (d) every sample is the same digit

# %% nbgrader={"grade": false, "grade_id": "vae_concepts", "locked": false, "schema_version": 3, "solution": true}
kl_by_hand = None
elbo_bound = None
reparameterization_reason = None
autoencoder_samples = None
### BEGIN SOLUTION
kl_by_hand = 0.5 * (1 + 1 - 1 - 0) + 0.5 * (4 + 0 - 1 - np.log(4.0))  # about 1.307
elbo_bound = "b"
reparameterization_reason = "b"
autoencoder_samples = "b"
### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_kl_by_hand", "locked": true, "points": 1, "schema_version": 3, "solution": false}
with answers:
    answer = kl_by_hand
assert isinstance(answer, (int, float)), "store a number in kl_by_hand"
### BEGIN HIDDEN TESTS
mu, variance = np.array([1.0, 0.0]), np.array([1.0, 4.0])
expected = 0.5 * np.sum(variance + mu**2 - 1.0 - np.log(variance))
assert_close(answer, expected, "kl_by_hand", hint="Sum the closed form over both dimensions.")
### END HIDDEN TESTS


# %% nbgrader={"grade": true, "grade_id": "test_elbo_bound", "locked": true, "points": 1, "schema_version": 3, "solution": false}
with answers:
    answer = elbo_bound
assert answer in {"a", "b", "c", "d"}, "set elbo_bound to one of 'a', 'b', 'c', 'd'"
### BEGIN HIDDEN TESTS
assert answer == "b", "write log p(x) = ELBO + KL(q(z|x) || p(z|x)) and use KL >= 0"
### END HIDDEN TESTS


# %% nbgrader={"grade": true, "grade_id": "test_reparameterization_reason", "locked": true, "points": 1, "schema_version": 3, "solution": false}
with answers:
    answer = reparameterization_reason
assert answer in {"a", "b", "c", "d"}, "set reparameterization_reason to one of 'a', 'b', 'c', 'd'"
### BEGIN HIDDEN TESTS
assert answer == "b", "what did test_sampling_gradients check?"
### END HIDDEN TESTS


# %% nbgrader={"grade": true, "grade_id": "test_autoencoder_samples", "locked": true, "points": 1, "schema_version": 3, "solution": false}
with answers:
    answer = autoencoder_samples
assert answer in {"a", "b", "c", "d"}, "set autoencoder_samples to one of 'a', 'b', 'c', 'd'"
### BEGIN HIDDEN TESTS
assert answer == "b", "which term of the VAE's loss shapes where the codes lie?"
### END HIDDEN TESTS


# %% [markdown]
# **5.5 Written answer (graded by hand, 2 points).** In four to six sentences: how do the
# training objectives of a plain autoencoder and of a VAE differ, what does each term of
# the VAE's loss do to the latent space, and for which task would you still choose a plain
# autoencoder?

# %% [markdown] nbgrader={"grade": true, "grade_id": "written_vae_vs_autoencoder", "locked": false, "points": 2, "schema_version": 3, "solution": true}
# ### BEGIN SOLUTION
# A plain autoencoder minimizes only the reconstruction error of a deterministic code, so
# the codes may sit anywhere, with any scale and with gaps between classes. A VAE
# maximizes the ELBO: the reconstruction term asks that a *sample* from q(z|x) still
# decode to x, which forces nearby codes to decode to similar images, and the KL term
# pulls each q(z|x) towards N(0, I), which keeps the codes of all images in one compact,
# gap-free region where the prior puts its mass. That is why decoding z ~ N(0, I) gives
# digits for a VAE and not for an autoencoder. The price is blurrier reconstructions. For
# compression, denoising or features for a classifier, where no sampling is needed, a
# plain autoencoder reconstructs more sharply and is simpler to train.
# ### END SOLUTION
