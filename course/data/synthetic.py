"""Small synthetic datasets generated on the fly, without TensorFlow."""

import numpy as np


def _check_positive_int(name: str, value, minimum: int = 1) -> None:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < minimum:
        raise ValueError(f"Expected {name} to be an integer >= {minimum}, received: {value!r}")


def two_moons(
    n_samples: int = 200, noise: float = 0.1, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Generates two interleaving half circles, a classic non-linear toy problem.

    Args:
        n_samples: Total number of points (at least 2, split between the moons).
        noise: Standard deviation of Gaussian noise added to the points (>= 0).
        seed: Random seed; the same seed gives the same data.

    Returns:
        `(x, y)`: `x` float64 of shape `(n_samples, 2)`, `y` int64 labels in
        `{0, 1}` of shape `(n_samples,)`.
    """
    _check_positive_int("n_samples", n_samples, minimum=2)
    if isinstance(noise, bool) or not isinstance(noise, int | float) or not noise >= 0:
        raise ValueError(f"Expected noise to be a number >= 0, received: {noise!r}")
    # Imported lazily: scikit-learn adds about a second to notebook start-up.
    from sklearn.datasets import make_moons

    x, y = make_moons(n_samples=n_samples, noise=noise, random_state=seed)
    return x.astype(np.float64), y.astype(np.int64)


def adding_problem(n_sequences: int, length: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Generates the adding problem (Hochreiter & Schmidhuber, 1997).

    Each sequence step has two channels: a value drawn uniformly from `[0, 1)`
    and a marker. Exactly two steps are marked, one in the first half and one in
    the second half, so a model must remember information across the sequence.
    The target is the sum of the two marked values.

    Args:
        n_sequences: Number of sequences (>= 1).
        length: Steps per sequence (>= 2).
        seed: Seed for `np.random.default_rng`; the same seed gives the same data.

    Returns:
        `(x, y)`: `x` float32 of shape `(n_sequences, length, 2)`, `y` float32
        of shape `(n_sequences,)`.
    """
    _check_positive_int("n_sequences", n_sequences)
    _check_positive_int("length", length, minimum=2)
    rng = np.random.default_rng(seed)
    values = rng.uniform(0.0, 1.0, size=(n_sequences, length))
    half = length // 2
    rows = np.arange(n_sequences)
    first = rng.integers(0, half, size=n_sequences)
    second = rng.integers(half, length, size=n_sequences)
    markers = np.zeros((n_sequences, length))
    markers[rows, first] = 1.0
    markers[rows, second] = 1.0
    x = np.stack([values, markers], axis=-1).astype(np.float32)
    # Sum the float32 values so the target matches exactly what the model sees.
    y = x[rows, first, 0] + x[rows, second, 0]
    return x, y.astype(np.float32)
