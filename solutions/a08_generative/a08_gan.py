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
# # Assignment 8, notebook 2 of 2: the generative adversarial network
#
# A GAN trains two networks against each other: a generator G that turns noise z into
# images, and a discriminator D that tells real images from generated ones. You write
# the losses, a DCGAN-style pair of networks for the 8x8 digits and a `GAN` model whose
# `train_step` alternates the two updates. Then, instead of judging the samples by eye,
# you score them with a digit classifier. Read chapter 08 first; notebook 1
# (`a08_vae.ipynb`) covers the VAE.
#
# 1. The discriminator loss and two generator losses (part 1).
# 2. The generator and the discriminator (part 2).
# 3. A `GAN` model with two optimizers and alternating updates (part 3).
# 4. Training, and a quantitative check of the samples with a classifier (part 4).
# 5. Concept checks and one written answer (part 5).
#
# **How this is graded.** Write your code between the lines `# YOUR CODE HERE` and the
# end of the region, replacing `raise NotImplementedError()`. Each test cell is worth the
# points in its header; the tests you see are a first check, and hidden tests check more
# cases when your notebook is graded. The losses are compared with Keras's
# `BinaryCrossentropy`; one `train_step` of your GAN is compared, weight by weight, with
# the same step computed by `tf.GradientTape`. Before you submit, run
# `dlcourse check a08_gan.ipynb`, which restarts the kernel and runs everything top to
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
# The GAN works on the grey-level digits, values in [0, 1]: unlike the VAE, it needs no
# likelihood of the pixels. `show_image_grid` draws a batch of 8x8 images side by side.

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
show_image_grid(x_train[:20], title="training digits")
plt.show()


# %% [markdown]
# ## Part 1: the losses
#
# The discriminator outputs a **logit** s; D(x) = sigmoid(s) is its probability that x
# is real. The original GAN objective is
#
# V(D, G) = E_x[log D(x)] + E_z[log(1 − D(G(z)))],   min over G, max over D.
#
# Write three functions of logits, each returning a scalar (use `keras.ops`; any stable
# formula is accepted, for instance `ops.binary_crossentropy(..., from_logits=True)` or
# softplus identities such as −log sigmoid(s) = softplus(−s)):
#
# - `discriminator_loss(real_logits, fake_logits)` = −V for the discriminator: the
#   **sum** of the mean binary cross-entropy of the real logits with label 1 and the mean
#   binary cross-entropy of the fake logits with label 0 (the two batches may have
#   different sizes; each term is a mean over its own batch).
# - `minimax_generator_loss(fake_logits)` = E_z[log(1 − D(G(z)))]: what the generator
#   minimizes in the original game, the **saturating** loss.
# - `generator_loss(fake_logits)` = −E_z[log D(G(z))]: the **non-saturating** loss, the
#   binary cross-entropy of the fake logits with label 1. This is the one your GAN trains
#   with.

# %% nbgrader={"grade": false, "grade_id": "losses", "locked": false, "schema_version": 3, "solution": true}
def discriminator_loss(real_logits, fake_logits):
    """Mean BCE of real logits against label 1 plus mean BCE of fake logits against 0."""
    ### BEGIN SOLUTION
    real_term = ops.mean(ops.softplus(-real_logits))  # -log sigmoid(s)
    fake_term = ops.mean(ops.softplus(fake_logits))  # -log(1 - sigmoid(s))
    return real_term + fake_term
    ### END SOLUTION


def minimax_generator_loss(fake_logits):
    """E[log(1 - D(G(z)))], the saturating generator loss of the original minimax game."""
    ### BEGIN SOLUTION
    return -ops.mean(ops.softplus(fake_logits))
    ### END SOLUTION


def generator_loss(fake_logits):
    """-E[log D(G(z))], the non-saturating generator loss."""
    ### BEGIN SOLUTION
    return ops.mean(ops.softplus(-fake_logits))
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_discriminator_loss", "locked": true, "points": 2, "schema_version": 3, "solution": false}
zero_logits = np.zeros((4, 1), "float32")
with answers:
    value = to_numpy(discriminator_loss(zero_logits, zero_logits))
assert_close(
    value,
    2 * np.log(2.0),
    "discriminator_loss of zero logits",
    hint="A discriminator that answers 1/2 everywhere pays log 2 on each term.",
)
### BEGIN HIDDEN TESTS
binary_crossentropy = keras.losses.BinaryCrossentropy(from_logits=True)
rng = np.random.default_rng(1)
for real_shape, fake_shape in [((6, 1), (6, 1)), ((5, 1), (9, 1)), ((7,), (3,))]:
    real_logits = rng.normal(0.0, 3.0, size=real_shape).clip(-8, 8).astype("float32")
    fake_logits = rng.normal(-1.0, 3.0, size=fake_shape).clip(-8, 8).astype("float32")
    expected = binary_crossentropy(np.ones_like(real_logits), real_logits) + binary_crossentropy(
        np.zeros_like(fake_logits), fake_logits
    )
    with answers:
        value = to_numpy(discriminator_loss(real_logits, fake_logits))
    assert_close(
        value,
        expected,
        f"discriminator_loss for {real_shape[0]} real and {fake_shape[0]} fake logits",
        hint="Real images have label 1, generated ones label 0; average each term over its "
        "own batch and add the two.",
    )
### END HIDDEN TESTS


# %% [markdown]
# Both generator losses push D(G(z)) up, but not with the same strength. Early in
# training the discriminator rejects the fakes with confidence (very negative logits);
# the next test checks the gradients of your two losses there.

# %% nbgrader={"grade": true, "grade_id": "test_generator_losses", "locked": true, "points": 2, "schema_version": 3, "solution": false}
zero_logits = np.zeros((4, 1), "float32")
with answers:
    non_saturating = to_numpy(generator_loss(zero_logits))
    minimax = to_numpy(minimax_generator_loss(zero_logits))
assert_close(non_saturating, np.log(2.0), "generator_loss of zero logits")
assert_close(minimax, -np.log(2.0), "minimax_generator_loss of zero logits")
### BEGIN HIDDEN TESTS
binary_crossentropy = keras.losses.BinaryCrossentropy(from_logits=True)
rng = np.random.default_rng(2)
for shape in [(6, 1), (11,)]:
    fake_logits = rng.normal(0.0, 3.0, size=shape).clip(-8, 8).astype("float32")
    with answers:
        non_saturating = to_numpy(generator_loss(fake_logits))
        minimax = to_numpy(minimax_generator_loss(fake_logits))
    assert_close(
        non_saturating,
        binary_crossentropy(np.ones_like(fake_logits), fake_logits),
        "generator_loss (non-saturating)",
        hint="The non-saturating loss is the cross-entropy of the fake logits with label 1.",
    )
    assert_close(
        minimax,
        -binary_crossentropy(np.zeros_like(fake_logits), fake_logits),
        "minimax_generator_loss",
        hint="It is E[log(1 - D(G(z)))], the discriminator's fake term with the sign flipped.",
    )
# Confidently rejected fakes: the minimax gradient nearly vanishes, the other does not.
rejected = np.full((4, 1), -6.0, "float32")
with answers:
    slopes = {}
    for loss_name, loss_function in [
        ("generator_loss", generator_loss),
        ("minimax_generator_loss", minimax_generator_loss),
    ]:
        rejected_variable = tf.Variable(rejected)
        with tf.GradientTape() as slope_tape:
            loss_value = loss_function(rejected_variable)
        slopes[loss_name] = slope_tape.gradient(loss_value, rejected_variable)
for name, expected_slope in [
    ("generator_loss", -(1 - 1 / (1 + np.exp(6.0))) / 4),  # d/ds softplus(-s) = -sigmoid(-s)
    ("minimax_generator_loss", -(1 / (1 + np.exp(6.0))) / 4),  # d/ds -softplus(s) = -sigmoid(s)
]:
    assert slopes[name] is not None, f"{name} is not differentiable: use keras.ops"
    assert_close(
        slopes[name],
        np.full((4, 1), expected_slope),
        f"gradient of {name} at logits of -6",
    )
### END HIDDEN TESTS


# %% [markdown]
# ## Part 2: the two networks
#
# DCGAN-style networks use strided (transposed) convolutions instead of pooling, batch
# normalization in the generator and leaky ReLUs. Build them with `keras.Sequential`
# exactly as specified (the training budget and the tests assume these sizes):
#
# - `build_generator(latent_dim)`, named `"generator"`: input `(latent_dim,)` →
#   `Dense(4 * 4 * 64, use_bias=False)` → `BatchNormalization()` →
#   `LeakyReLU(negative_slope=0.2)` → `Reshape((4, 4, 64))` →
#   `Conv2DTranspose(32, 4, strides=2, padding="same", use_bias=False)` →
#   `BatchNormalization()` → `LeakyReLU(negative_slope=0.2)` →
#   `Conv2D(1, 3, padding="same", activation="sigmoid")`: images `(8, 8, 1)` in [0, 1].
#   (A bias before batch normalization is useless: the normalization removes it.)
# - `build_discriminator()`, named `"discriminator"`: input `(8, 8, 1)` →
#   `Conv2D(32, 3, strides=2, padding="same")` → `LeakyReLU(negative_slope=0.2)` →
#   `Conv2D(64, 3, strides=2, padding="same")` → `LeakyReLU(negative_slope=0.2)` →
#   `Flatten()` → `Dense(1)`: one logit per image, no sigmoid.

# %% nbgrader={"grade": false, "grade_id": "networks", "locked": false, "schema_version": 3, "solution": true}
def build_generator(latent_dim):
    """DCGAN generator: noise (latent_dim,) -> images (8, 8, 1) in [0, 1]."""
    ### BEGIN SOLUTION
    return keras.Sequential(
        [
            keras.Input((latent_dim,)),
            keras.layers.Dense(4 * 4 * 64, use_bias=False),
            keras.layers.BatchNormalization(),
            keras.layers.LeakyReLU(negative_slope=0.2),
            keras.layers.Reshape((4, 4, 64)),
            keras.layers.Conv2DTranspose(32, 4, strides=2, padding="same", use_bias=False),
            keras.layers.BatchNormalization(),
            keras.layers.LeakyReLU(negative_slope=0.2),
            keras.layers.Conv2D(1, 3, padding="same", activation="sigmoid"),
        ],
        name="generator",
    )
    ### END SOLUTION


def build_discriminator():
    """DCGAN discriminator: images (8, 8, 1) -> one logit each."""
    ### BEGIN SOLUTION
    return keras.Sequential(
        [
            keras.Input((8, 8, 1)),
            keras.layers.Conv2D(32, 3, strides=2, padding="same"),
            keras.layers.LeakyReLU(negative_slope=0.2),
            keras.layers.Conv2D(64, 3, strides=2, padding="same"),
            keras.layers.LeakyReLU(negative_slope=0.2),
            keras.layers.Flatten(),
            keras.layers.Dense(1),
        ],
        name="discriminator",
    )
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_networks", "locked": true, "points": 1, "schema_version": 3, "solution": false}
noise = np.random.default_rng(3).normal(size=(5, 16)).astype("float32")
real_images = x_train[:5]
with answers:
    first_generator, first_discriminator = build_generator(16), build_discriminator()
    images = to_numpy(first_generator(noise))
    real_logits = to_numpy(first_discriminator(real_images))
assert_shape(images, (5, 8, 8, 1), "generator output")
assert_shape(real_logits, (5, 1), "discriminator output")
### BEGIN HIDDEN TESTS
for latent_dim in (16, 7):
    noise = np.random.default_rng(4).normal(size=(6, latent_dim)) * 3.0
    with answers:
        sized_generator = build_generator(latent_dim)
        images = to_numpy(sized_generator(noise))
        generator_parameters = sized_generator.count_params()
        kinds = {type(layer).__name__ for layer in sized_generator.layers}
    assert images.min() >= 0.0 and images.max() <= 1.0, "generated pixels should lie in [0, 1]: end with a sigmoid"
    expected_parameters = latent_dim * 1024 + 4 * 1024 + 4 * 4 * 64 * 32 + 4 * 32 + 3 * 3 * 32 + 1
    assert generator_parameters == expected_parameters, (
        f"the generator has {generator_parameters} parameters, the specification gives "
        f"{expected_parameters}: check filters, kernel sizes, use_bias and the normalization layers"
    )
    assert "Conv2DTranspose" in kinds, "the generator should upsample with Conv2DTranspose"
loud_images = np.random.default_rng(5).uniform(size=(64, 8, 8, 1)) * 50.0
with answers:
    checked_discriminator = build_discriminator()
    discriminator_parameters = checked_discriminator.count_params()
    discriminator_kinds = [type(layer).__name__ for layer in checked_discriminator.layers]
    loud_logits = to_numpy(checked_discriminator(loud_images))
expected_parameters = (9 * 32 + 32) + (9 * 32 * 64 + 64) + (2 * 2 * 64 + 1)
assert discriminator_parameters == expected_parameters, (
    f"the discriminator has {discriminator_parameters} parameters, the specification gives "
    f"{expected_parameters}: check filters, kernel sizes and strides"
)
assert not any("Pooling" in kind for kind in discriminator_kinds), (
    "a DCGAN discriminator downsamples with strided convolutions, not pooling"
)
assert loud_logits.min() < 0.0 or loud_logits.max() > 1.0, (
    "the discriminator's outputs all lie in [0, 1]: it should return logits, without a sigmoid"
)
### END HIDDEN TESTS


# %% [markdown]
# ## Part 3: alternating updates
#
# Write `GAN(keras.Model)`:
#
# - `__init__(self, generator, discriminator, latent_dim, seed=None, **kwargs)`: store
#   `self.generator`, `self.discriminator`, `self.latent_dim`, a
#   `keras.random.SeedGenerator(seed)` for the noise, and two `keras.metrics.Mean`
#   trackers named `"d_loss"` and `"g_loss"`.
# - `compile(self, d_optimizer, g_optimizer, **kwargs)`: call `super().compile(**kwargs)`
#   and store `self.d_optimizer` and `self.g_optimizer`: each network has its own.
# - the `metrics` property: the two trackers.
# - `train_step(self, data)`: `data` is a batch of real images (a tensor). With
#   n = `ops.shape(real)[0]` and noise z ~ N(0, I) of shape `(n, latent_dim)` from
#   `keras.random.normal` and the seed generator:
#   1. **Discriminator step.** Generate a batch of fakes; under a tape, compute
#      `discriminator_loss` on D's logits for the real and the fake batch; apply its
#      gradients to the **discriminator's** trainable weights with `d_optimizer`.
#   2. **Generator step.** Under a new tape, generate fakes from fresh noise and compute
#      `generator_loss` (the non-saturating one) on D's logits for them; apply its
#      gradients to the **generator's** trainable weights only, with `g_optimizer`. The
#      gradient flows *through* D to reach G, but D must not change here: it is frozen
#      for this step.
#   3. Update the trackers and return `{metric.name: metric.result() for metric in
#      self.metrics}`.
#
# Call both networks with `training=True` in `train_step`. The tests run one
# `train_step` with small networks of their own, whose generator ignores z (so the test
# knows the fakes without knowing your random numbers), once with the generator's
# learning rate at zero and once with the discriminator's, and compare every weight with
# an SGD step computed by `tf.GradientTape` and the **correct** losses, written inside
# the tests: make your loss functions pass their own tests first, since a bug there also
# shows in the `train_step` tests.

# %% nbgrader={"grade": false, "grade_id": "gan", "locked": false, "schema_version": 3, "solution": true}
class GAN(keras.Model):
    """A generator and a discriminator trained by alternating gradient steps.

    Args:
        generator: A model mapping noise of shape `(latent_dim,)` to images.
        discriminator: A model mapping images to one logit each.
        latent_dim: Size of the noise vector z.
        seed: Optional int seeding the noise.
        **kwargs: Base model keyword arguments, such as `name`.
    """

    def __init__(self, generator, discriminator, latent_dim, seed=None, **kwargs):
        super().__init__(**kwargs)
        ### BEGIN SOLUTION
        self.generator = generator
        self.discriminator = discriminator
        self.latent_dim = latent_dim
        self.seed_generator = keras.random.SeedGenerator(seed)
        self.d_loss_tracker = keras.metrics.Mean(name="d_loss")
        self.g_loss_tracker = keras.metrics.Mean(name="g_loss")
        ### END SOLUTION

    def compile(self, d_optimizer, g_optimizer, **kwargs):
        ### BEGIN SOLUTION
        super().compile(**kwargs)
        self.d_optimizer = d_optimizer
        self.g_optimizer = g_optimizer
        ### END SOLUTION

    @property
    def metrics(self):
        ### BEGIN SOLUTION
        return [self.d_loss_tracker, self.g_loss_tracker]
        ### END SOLUTION

    def train_step(self, data):
        ### BEGIN SOLUTION
        real, _, _ = keras.utils.unpack_x_y_sample_weight(data)
        batch_size = ops.shape(real)[0]

        noise = keras.random.normal((batch_size, self.latent_dim), seed=self.seed_generator)
        fake = self.generator(noise, training=True)
        with tf.GradientTape() as tape:
            real_logits = self.discriminator(real, training=True)
            fake_logits = self.discriminator(fake, training=True)
            d_loss = discriminator_loss(real_logits, fake_logits)
        d_weights = self.discriminator.trainable_weights
        self.d_optimizer.apply_gradients(zip(tape.gradient(d_loss, d_weights), d_weights))

        noise = keras.random.normal((batch_size, self.latent_dim), seed=self.seed_generator)
        with tf.GradientTape() as tape:
            fake_logits = self.discriminator(self.generator(noise, training=True), training=True)
            g_loss = generator_loss(fake_logits)
        g_weights = self.generator.trainable_weights
        self.g_optimizer.apply_gradients(zip(tape.gradient(g_loss, g_weights), g_weights))

        self.d_loss_tracker.update_state(d_loss)
        self.g_loss_tracker.update_state(g_loss)
        return {metric.name: metric.result() for metric in self.metrics}
        ### END SOLUTION


# %% [markdown]
# The tests of the model use these tools: a generator that ignores its noise and a small
# discriminator. Under `with answers:`, `gan_train_step` runs one `train_step` of your GAN
# built around them and returns the weights of both networks before and after it, and
# the logs. The check then rebuilds the same networks from the weights before the step,
# computes the correct loss (its own, not yours) and its gradients at D's logits
# (`value_and_gradients`), and carries those gradients to the weights with
# `tf.GradientTape` (`sgd_step_through`); these two and the other step tools live in
# `course/steps.py`.

# %% nbgrader={"grade": false, "grade_id": "gan_test_tools", "locked": true, "schema_version": 3, "solution": false}
class IgnoreNoise(keras.layers.Layer):
    """Outputs zeros of the input's shape: the generator below ignores z."""

    def call(self, inputs):
        return ops.zeros_like(inputs)


def noise_free_generator(latent_dim, seed):
    """A generator whose images depend only on its weights (a learned constant)."""
    return keras.Sequential(
        [
            keras.Input((latent_dim,)),
            IgnoreNoise(),
            keras.layers.Dense(
                64, "sigmoid", bias_initializer=keras.initializers.RandomNormal(0.0, 1.0, seed)
            ),
            keras.layers.Reshape((8, 8, 1)),
        ]
    )


def small_discriminator(seed):
    """A tiny seeded discriminator with one logit per image."""
    initializer = keras.initializers.GlorotUniform(seed)
    return keras.Sequential(
        [
            keras.Input((8, 8, 1)),
            keras.layers.Flatten(),
            keras.layers.Dense(8, "tanh", kernel_initializer=initializer),
            keras.layers.Dense(1, kernel_initializer=initializer),
        ]
    )


def gan_train_step(seed, real, d_learning_rate, g_learning_rate):
    """One train_step of your GAN around `noise_free_generator(4, seed)` and
    `small_discriminator(seed + 1)`, with SGD for both: the weights of both networks
    before and after it, and the logs, as data."""
    generator, discriminator = noise_free_generator(4, seed=seed), small_discriminator(seed=seed + 1)
    gan = GAN(generator, discriminator, latent_dim=4, seed=seed)
    gan.compile(
        d_optimizer=keras.optimizers.SGD(d_learning_rate),
        g_optimizer=keras.optimizers.SGD(g_learning_rate),
    )
    before = {"generator": weight_values(generator), "discriminator": weight_values(discriminator)}
    logs = gan.train_step(tf.constant(real))
    after = {"generator": weight_values(generator), "discriminator": weight_values(discriminator)}
    return {"before": before, "after": after, "logs": logs_as_data(logs)}


# %% nbgrader={"grade": true, "grade_id": "test_gan_metrics", "locked": true, "points": 1, "schema_version": 3, "solution": false}
with answers:
    fresh_gan = GAN(noise_free_generator(4, seed=1), small_discriminator(seed=2), latent_dim=4, seed=0)
    names = sorted(metric.name for metric in fresh_gan.metrics)
assert names == ["d_loss", "g_loss"], f"gan.metrics should list trackers named d_loss and g_loss, got {names}"
### BEGIN HIDDEN TESTS
with answers:
    checked_gan = GAN(noise_free_generator(4, seed=1), small_discriminator(seed=2), latent_dim=4, seed=0)
    all_means = all(isinstance(metric, keras.metrics.Mean) for metric in checked_gan.metrics)
    same_trackers = [id(m) for m in checked_gan.metrics] == [id(m) for m in checked_gan.metrics]
    stored_latent_dim = checked_gan.latent_dim
    d_optimizer, g_optimizer = keras.optimizers.SGD(0.1), keras.optimizers.Adam(0.01)
    checked_gan.compile(d_optimizer=d_optimizer, g_optimizer=g_optimizer)
    stores_optimizers = checked_gan.d_optimizer is d_optimizer and checked_gan.g_optimizer is g_optimizer
assert all_means, "each tracker should be a keras.metrics.Mean"
assert same_trackers, "the metrics property should return the trackers created in __init__, not new ones"
assert stored_latent_dim == 4, "store latent_dim"
assert stores_optimizers, (
    "compile() should store the two optimizers as self.d_optimizer and self.g_optimizer"
)
### END HIDDEN TESTS


# %% nbgrader={"grade": true, "grade_id": "test_gan_discriminator_step", "locked": true, "points": 2, "schema_version": 3, "solution": false}
with answers:
    step = gan_train_step(1, x_train[:8], 0.1, 0.0)
assert isinstance(step["logs"], dict) and "d_loss" in step["logs"], (
    "train_step should return a dict with 'd_loss'"
)
### BEGIN HIDDEN TESTS
# The correct loss, computed here and never by your function: a train_step with a loss
# of its own (zero, constant, wrong) cannot match this reference.
def correct_discriminator_loss(real_logits, fake_logits):
    real_term = tf.nn.sigmoid_cross_entropy_with_logits(labels=tf.ones_like(real_logits), logits=real_logits)
    fake_term = tf.nn.sigmoid_cross_entropy_with_logits(labels=tf.zeros_like(fake_logits), logits=fake_logits)
    return tf.reduce_mean(real_term) + tf.reduce_mean(fake_term)


for batch, learning_rate, seed in [(8, 0.1, 10), (5, 0.3, 20)]:
    real = x_train[seed : seed + batch]
    with answers:
        step = gan_train_step(seed, real, learning_rate, 0.0)
    assert isinstance(step["logs"], dict) and "d_loss" in step["logs"], (
        "train_step should return a dict with 'd_loss'"
    )
    # The same step outside your kernel: the correct discriminator loss gives its value
    # and its gradients at D's logits; tf.GradientTape carries them to D's weights.
    reference_generator = with_weights(noise_free_generator(4, seed), step["before"]["generator"])
    reference_discriminator = with_weights(small_discriminator(seed + 1), step["before"]["discriminator"])
    fake = reference_generator(np.zeros((batch, 4), "float32"))
    real_logits = np.asarray(reference_discriminator(real))
    fake_logits = np.asarray(reference_discriminator(fake))
    d_loss = value_and_gradients(correct_discriminator_loss, real_logits, fake_logits)
    expected = sgd_step_through(
        reference_discriminator.trainable_weights,
        lambda: [reference_discriminator(real), reference_discriminator(fake)],
        d_loss[1],
        learning_rate,
    )
    assert_close(
        step["logs"]["d_loss"],
        d_loss[0],
        f"logs['d_loss'] after one step (batch of {batch})",
        hint="discriminator_loss takes the real logits first, then the fake ones (and "
        "should pass its own test).",
    )
    assert_weights_close(
        step["after"]["discriminator"],
        expected,
        "discriminator after one train_step",
        hint="Only the discriminator step may change D: one d_optimizer step on "
        "discriminator_loss, applied to the discriminator's weights.",
    )
    assert_weights_close(
        step["after"]["generator"],
        step["before"]["generator"],
        "generator with a learning rate of zero",
        hint="The discriminator step must not update the generator.",
    )
### END HIDDEN TESTS


# %% nbgrader={"grade": true, "grade_id": "test_gan_generator_step", "locked": true, "points": 3, "schema_version": 3, "solution": false}
with answers:
    step = gan_train_step(3, x_train[:8], 0.0, 0.1)
assert isinstance(step["logs"], dict) and "g_loss" in step["logs"], (
    "train_step should return a dict with 'g_loss'"
)
### BEGIN HIDDEN TESTS
# The correct non-saturating loss, computed here and never by your function.
def correct_generator_loss(fake_logits):
    return tf.reduce_mean(
        tf.nn.sigmoid_cross_entropy_with_logits(labels=tf.ones_like(fake_logits), logits=fake_logits)
    )


for batch, learning_rate, seed in [(8, 0.5, 30), (6, 1.0, 40)]:
    real = x_train[seed : seed + batch]
    with answers:
        step = gan_train_step(seed, real, 0.0, learning_rate)
    assert isinstance(step["logs"], dict) and "g_loss" in step["logs"], (
        "train_step should return a dict with 'g_loss'"
    )
    # The same step outside your kernel: the correct generator loss gives its value and
    # its gradient at D's logits for the fakes; tf.GradientTape carries it through D to G.
    reference_generator = with_weights(noise_free_generator(4, seed), step["before"]["generator"])
    reference_discriminator = with_weights(small_discriminator(seed + 1), step["before"]["discriminator"])
    noise = np.zeros((batch, 4), "float32")
    fake_logits = np.asarray(reference_discriminator(reference_generator(noise)))
    g_loss = value_and_gradients(correct_generator_loss, fake_logits)
    expected = sgd_step_through(
        reference_generator.trainable_weights,
        lambda: [reference_discriminator(reference_generator(noise))],
        g_loss[1],
        learning_rate,
    )
    assert_weights_close(
        step["after"]["discriminator"],
        step["before"]["discriminator"],
        "discriminator (learning rate zero) after one train_step",
        hint="The generator step must leave D unchanged: apply the generator loss's "
        "gradients to the generator's weights only.",
    )
    assert_close(
        step["logs"]["g_loss"],
        g_loss[0],
        f"logs['g_loss'] after one step (batch of {batch})",
        hint="Train the generator with generator_loss, the non-saturating loss (which "
        "should pass its own test).",
    )
    assert_weights_close(
        step["after"]["generator"],
        expected,
        "generator after one train_step",
        hint="One g_optimizer step on generator_loss of D's logits for fresh fakes, applied "
        "to the generator's weights.",
    )
### END HIDDEN TESTS


# %% [markdown]
# ## Part 4: training, and scoring the samples
#
# Looking at samples is a poor test: it is subjective and it misses a generator that
# draws only a few kinds of digits. Instead, a digit classifier scores them. A plain
# classifier is confident about almost any input, noise included, so the one below also
# learns to answer "uniform over the 10 classes" for junk: pixel-scrambled digits and
# uniform noise. It trains in a few seconds.

# %% nbgrader={"grade": false, "grade_id": "digit_classifier", "locked": true, "schema_version": 3, "solution": false} tags=["training"]
def train_digit_classifier(images, labels, seed=0):
    """A classifier of the digits (it outputs logits) that also learns to answer
    "uniform over the 10 classes" for junk: pixel-scrambled digits and uniform noise."""
    keras.utils.set_random_seed(seed)
    junk_rng = np.random.default_rng(seed)
    half = len(images) // 2
    scrambled = np.stack([image.reshape(-1)[junk_rng.permutation(64)] for image in images[:half]])
    junk = np.concatenate(
        [scrambled.reshape(-1, 8, 8, 1), junk_rng.uniform(size=(half, 8, 8, 1))]
    ).astype("float32")
    classifier_images = np.concatenate([images, junk])
    classifier_targets = np.concatenate(
        [keras.utils.to_categorical(labels, 10), np.full((len(junk), 10), 0.1)]
    ).astype("float32")
    model = keras.Sequential(
        [
            keras.Input((8, 8, 1)),
            keras.layers.Flatten(),
            keras.layers.Dense(64, activation="relu"),
            keras.layers.Dense(10),
        ],
        name="digit_classifier",
    )
    model.compile(
        optimizer=keras.optimizers.Adam(1e-2),
        loss=keras.losses.CategoricalCrossentropy(from_logits=True),
    )
    model.fit(classifier_images, classifier_targets, epochs=20, batch_size=128, verbose=0)
    return model


# The checks train their own copy of this classifier, outside your kernel.
classifier = train_digit_classifier(x_train, y_train)
test_accuracy = np.mean(np.argmax(classifier(x_test), axis=1) == y_test)
print(f"classifier accuracy on the test digits: {test_accuracy:.1%}")


# %% [markdown]
# Write `sample_quality(classifier, images)`: run the classifier (it outputs logits) in
# inference mode, turn the logits into probabilities with a softmax, and return a pair
# `(mean_confidence, class_counts)`: the mean over images of the **largest** class
# probability (a Python float), and a NumPy array of 10 integers counting how many
# images are assigned to each class (the class of largest probability).

# %% nbgrader={"grade": false, "grade_id": "quality", "locked": false, "schema_version": 3, "solution": true}
def sample_quality(classifier, images):
    """(mean top-class probability, counts of predicted classes) of `classifier` on images."""
    ### BEGIN SOLUTION
    probabilities = np.asarray(ops.softmax(classifier(images, training=False), axis=-1))
    mean_confidence = float(probabilities.max(axis=1).mean())
    class_counts = np.bincount(probabilities.argmax(axis=1), minlength=10)
    return mean_confidence, class_counts
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_sample_quality", "locked": true, "points": 1, "schema_version": 3, "solution": false}
with answers:
    probe = keras.Sequential(
        [keras.Input((8, 8, 1)), keras.layers.Flatten(), keras.layers.Dense(10, kernel_initializer="ones")]
    )
    confidence, counts = sample_quality(probe, np.zeros((3, 8, 8, 1), "float32"))
assert_close(confidence, 0.1, "confidence of a classifier whose logits are all equal")
### BEGIN HIDDEN TESTS
rng = np.random.default_rng(6)
images = rng.uniform(size=(200, 8, 8, 1)).astype("float32")
with answers:
    random_probe = keras.Sequential(
        [
            keras.Input((8, 8, 1)),
            keras.layers.Flatten(),
            keras.layers.Dense(10, kernel_initializer=keras.initializers.RandomNormal(0.0, 0.5, seed=7)),
        ]
    )
    probe_weights = [np.array(weight) for weight in random_probe.weights]
    confidence, counts = sample_quality(random_probe, images)
# The probe's probabilities, computed here from its weights.
kernel, bias = probe_weights
probabilities = np.asarray(keras.activations.softmax(images.reshape(len(images), -1) @ kernel + bias))
assert_close(
    confidence,
    probabilities.max(axis=1).mean(),
    "mean_confidence",
    hint="Average the largest softmax probability of each image, not the largest logit.",
)
counts = np.asarray(counts)
assert_shape(counts, (10,), "class_counts")
assert_close(counts, np.bincount(probabilities.argmax(axis=1), minlength=10), "class_counts")
### END HIDDEN TESTS


# %% [markdown]
# Now train the GAN: 20 epochs, Adam with a learning rate of 2e-3 and β₁ = 0.5 for both
# networks (the usual DCGAN setting). It takes ten to twenty seconds.

# %% nbgrader={"grade": false, "grade_id": "train_gan", "locked": true, "schema_version": 3, "solution": false} tags=["training"]
LATENT_DIM = 16
keras.utils.set_random_seed(0)
gan = GAN(build_generator(LATENT_DIM), build_discriminator(), latent_dim=LATENT_DIM, seed=0)
gan.compile(
    d_optimizer=keras.optimizers.Adam(2e-3, beta_1=0.5),
    g_optimizer=keras.optimizers.Adam(2e-3, beta_1=0.5),
)
evaluation_noise = np.random.default_rng(7).normal(size=(1000, LATENT_DIM)).astype("float32")
untrained_samples = np.asarray(gan.generator(evaluation_noise, training=False))
history = gan.fit(x_train, epochs=20, batch_size=64, verbose=0)
print({name: round(values[-1], 3) for name, values in history.history.items()})


# %% [markdown]
# **The check.** The test draws 1000 codes z, generates images with your trained
# generator (in inference mode) and runs the classifier on them. It requires a mean
# confidence of at least **0.75** and every one of the 10 classes predicted for at least
# **1%** of the samples. For scale, the table below shows the same two numbers for the
# real test digits, for uniform noise and for the generator before training.

# %% nbgrader={"grade": true, "grade_id": "test_gan_samples", "locked": true, "points": 3, "schema_version": 3, "solution": false} tags=["training"]
codes = evaluation_noise
with answers:
    samples = to_numpy(gan.generator(codes, training=False))
assert_shape(samples, (1000, 8, 8, 1), "generated samples")
assert np.all(np.isfinite(samples)), "the generated samples contain NaN"
### BEGIN HIDDEN TESTS
# The classifier of the cell `digit_classifier`, trained here by the checks' own copy of it.
probabilities = np.asarray(keras.activations.softmax(classifier(samples, training=False)))
mean_confidence = float(probabilities.max(axis=1).mean())
class_shares = np.bincount(probabilities.argmax(axis=1), minlength=10) / len(samples)
print(f"mean confidence {mean_confidence:.3f}, smallest class share {class_shares.min():.1%}")
assert mean_confidence >= 0.75, (
    f"the classifier's mean confidence on your samples is {mean_confidence:.2f}, below 0.75: "
    "the samples do not look like digits. Check the labels in the discriminator loss, the "
    "generator loss and which weights each step updates."
)
assert class_shares.min() >= 0.01, (
    f"the class {int(class_shares.argmin())} gets {class_shares.min():.1%} of the samples, "
    "less than 1%: the generator misses some digits (mode collapse?)"
)
### END HIDDEN TESTS


# %% nbgrader={"grade": false, "grade_id": "plot_gan", "locked": true, "schema_version": 3, "solution": false} tags=["training"]
samples = np.asarray(gan.generator(evaluation_noise, training=False))
rows = [
    ("real test digits", sample_quality(classifier, x_test)),
    ("uniform noise", sample_quality(classifier, np.random.default_rng(8).uniform(size=(1000, 8, 8, 1)))),
    ("untrained generator", sample_quality(classifier, untrained_samples)),
    ("trained generator", sample_quality(classifier, samples)),
]
print(f"{'images':22s} {'mean confidence':>16s} {'smallest class share':>21s}")
for label, (confidence, counts) in rows:
    share = np.min(counts) / np.sum(counts)
    print(f"{label:22s} {confidence:16.3f} {share:21.1%}")

figure, axes = plt.subplots(2, 1, figsize=(5.5, 3.2))
show_image_grid(samples[:20], title="generated digits", ax=axes[0])
show_image_grid(x_test[:20], title="real test digits", ax=axes[1])
plt.show()
plt.figure(figsize=(5, 3))
for name, values in history.history.items():
    plt.plot(np.arange(1, len(values) + 1), values, label=name)
plt.axhline(2 * np.log(2.0), color="grey", linestyle=":", label="2 ln 2")
plt.axhline(np.log(2.0), color="grey", linestyle="--", label="ln 2")
plt.xlabel("epoch")
plt.legend()
plt.show()


# %% [markdown]
# ## Part 5: concept checks
#
# **5.1 The optimal discriminator.** For a fixed generator, the discriminator that
# maximizes V(D, G) is D*(x) = p_data(x) / (p_data(x) + p_g(x)). At a point x where
# p_data(x) = 0.6 and p_g(x) = 0.2, what does D* output? Store the number in
# `optimal_d`.
#
# **5.2 The value of the game at the optimum.** When the generator matches the data,
# p_g = p_data, what is V(D*, G) in nats (natural logarithms)? Store the number in
# `value_at_optimum`.
#
# **5.3 The objective.** Set `gan_objective` to the letter of the original GAN game:
#
# - (a) min over G, max over D of E_x[log D(x)] + E_z[log(1 − D(G(z)))]
# - (b) max over G, min over D of E_x[log D(x)] + E_z[log D(G(z))]
# - (c) min over D, max over G of E_x[log D(x)] + E_z[log(1 − D(G(z)))]
# - (d) min over G, max over D of E_x[D(x)] − E_z[D(G(z))]
#
# **5.4 Why 1/2?** Set `why_one_half` to the letter of the reason why D(G(z)) tends to
# 1/2 when training succeeds:
#
# - (a) the discriminator's weights decay to zero, so its logits do too
# - (b) once p_g = p_data, D* = p_data / (p_data + p_g) = 1/2 everywhere: no test can
#   tell real from generated better than a coin flip
# - (c) the non-saturating loss is minimal when D(G(z)) = 1/2
# - (d) the sigmoid saturates at 1/2
#
# **5.5 Jensen–Shannon.** With the optimal discriminator plugged in, the generator
# minimizes C(G) = max over D of V(D, G). Set `js_link` to the letter of what C(G) equals:
#
# - (a) −log 4 + 2 · JS(p_data ‖ p_g), minimal exactly when p_g = p_data
# - (b) KL(p_data ‖ p_g)
# - (c) −log 4 + KL(p_g ‖ p_data)
# - (d) 2 · JS(p_data ‖ p_g), minimal when p_g is concentrated on the most likely digit
#
# **5.6 Mode collapse.** A generator's samples get a mean confidence of 0.97, but the
# classifier calls 95% of them "1". Set `mode_collapse` to the letter of the best
# diagnosis:
#
# - (a) mode collapse: the generator maps most z to a few outputs that fool the current
#   discriminator; high confidence cannot reveal it, the class counts do
# - (b) the classifier is broken, since the samples are confident
# - (c) the learning rate of the discriminator is too small, since D(G(z)) is high
# - (d) nothing is wrong: 1 is the most frequent digit in the data

# %% nbgrader={"grade": false, "grade_id": "gan_concepts", "locked": false, "schema_version": 3, "solution": true}
optimal_d = None
value_at_optimum = None
gan_objective = None
why_one_half = None
js_link = None
mode_collapse = None
### BEGIN SOLUTION
optimal_d = 0.75
value_at_optimum = -np.log(4.0)  # log(1/2) + log(1/2)
gan_objective = "a"
why_one_half = "b"
js_link = "a"
mode_collapse = "a"
### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_optimal_d", "locked": true, "points": 1, "schema_version": 3, "solution": false}
with answers:
    answer = optimal_d
assert isinstance(answer, (int, float)), "store a number in optimal_d"
### BEGIN HIDDEN TESTS
p_data, p_g = 0.6, 0.2
assert_close(answer, p_data / (p_data + p_g), "optimal_d", hint="Plug the densities into D*.")
### END HIDDEN TESTS


# %% nbgrader={"grade": true, "grade_id": "test_value_at_optimum", "locked": true, "points": 1, "schema_version": 3, "solution": false}
with answers:
    answer = value_at_optimum
assert isinstance(answer, (int, float)), "store a number in value_at_optimum"
### BEGIN HIDDEN TESTS
d_star = 0.5  # p_data / (p_data + p_g) with p_g = p_data
assert_close(
    answer,
    np.log(d_star) + np.log(1.0 - d_star),
    "value_at_optimum",
    hint="Both expectations are of a constant when D* is constant.",
)
### END HIDDEN TESTS


# %% nbgrader={"grade": true, "grade_id": "test_gan_objective", "locked": true, "points": 1, "schema_version": 3, "solution": false}
with answers:
    answer = gan_objective
assert answer in {"a", "b", "c", "d"}, "set gan_objective to one of 'a', 'b', 'c', 'd'"
### BEGIN HIDDEN TESTS
assert answer == "a", "D maximizes its classification log-likelihood; G minimizes it"
### END HIDDEN TESTS


# %% nbgrader={"grade": true, "grade_id": "test_why_one_half", "locked": true, "points": 1, "schema_version": 3, "solution": false}
with answers:
    answer = why_one_half
assert answer in {"a", "b", "c", "d"}, "set why_one_half to one of 'a', 'b', 'c', 'd'"
### BEGIN HIDDEN TESTS
assert answer == "b", "use the formula of D* from 5.1"
### END HIDDEN TESTS


# %% nbgrader={"grade": true, "grade_id": "test_js_link", "locked": true, "points": 1, "schema_version": 3, "solution": false}
with answers:
    answer = js_link
assert answer in {"a", "b", "c", "d"}, "set js_link to one of 'a', 'b', 'c', 'd'"
### BEGIN HIDDEN TESTS
assert answer == "a", "substitute D* into V and compare with the mixture (p_data + p_g) / 2"
### END HIDDEN TESTS


# %% nbgrader={"grade": true, "grade_id": "test_mode_collapse", "locked": true, "points": 1, "schema_version": 3, "solution": false}
with answers:
    answer = mode_collapse
assert answer in {"a", "b", "c", "d"}, "set mode_collapse to one of 'a', 'b', 'c', 'd'"
### BEGIN HIDDEN TESTS
assert answer == "a", "what does the class-coverage check in test_gan_samples look for?"
### END HIDDEN TESTS


# %% [markdown]
# **5.7 Written answer (graded by hand, 2 points).** In four to six sentences: early in
# training the discriminator rejects the fakes with confidence. Compare the gradient that
# the minimax loss E_z[log(1 − D(G(z)))] and the non-saturating loss −E_z[log D(G(z))]
# send to the generator then (write both as functions of the logit s), and explain why
# practitioners train with the second even though the game is stated with the first.

# %% [markdown] nbgrader={"grade": true, "grade_id": "written_non_saturating", "locked": false, "points": 2, "schema_version": 3, "solution": true}
# ### BEGIN SOLUTION
# With D(G(z)) = sigmoid(s), the minimax loss is log(1 − sigmoid(s)) = −softplus(s), whose
# derivative with respect to s is −sigmoid(s); the non-saturating loss is
# −log sigmoid(s) = softplus(−s), with derivative −(1 − sigmoid(s)). When D rejects the
# fakes with confidence, s is very negative and sigmoid(s) is close to 0: the minimax
# gradient vanishes exactly when the generator is worst, while the non-saturating
# gradient is close to −1, its largest value. Both losses push D(G(z)) up and have the
# same fixed point (p_g = p_data), so swapping them keeps the game's solution but gives
# the generator a useful signal early on. It is the same reason cross-entropy on a
# sigmoid trains better than squared error: the log cancels the sigmoid's flat tails.
# ### END SOLUTION
