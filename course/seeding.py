"""One place that seeds every source of randomness a notebook uses."""

import os


def seed_everything(seed: int = 0, deterministic: bool = True) -> None:
    """Seeds Python's `random`, NumPy and TensorFlow (through Keras).

    Args:
        seed: the seed; the same seed gives the same run.
        deterministic: also request deterministic TensorFlow kernels, so that
            reductions give bit-identical results from run to run.
    """
    if not isinstance(seed, int) or isinstance(seed, bool) or seed < 0:
        raise ValueError(f"Expected seed to be a non-negative int, received: {seed!r}")
    os.environ["PYTHONHASHSEED"] = str(seed)  # inherited by any subprocess
    import keras
    import tensorflow as tf

    keras.utils.set_random_seed(seed)  # random, numpy and tensorflow at once
    if deterministic:
        tf.config.experimental.enable_op_determinism()
