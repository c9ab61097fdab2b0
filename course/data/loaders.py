"""Offline loaders for the datasets the course ships with.

Everything here reads data bundled with installed packages (scikit-learn,
gensim) and prepares it once with TFDS under `data_dir()`. Nothing downloads
unless a caller explicitly opts in via `load_standard_dataset(...,
allow_download=True)`.
"""

import contextlib
import functools
import io
import os
import pathlib

import numpy as np

# TensorFlow is imported lazily below and reads this once, at import time;
# without it, TF's C++ logging writes to stderr, which nbgrader treats as failure.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

DATA_DIR_ENV_VAR = "DLCOURSE_DATA_DIR"
DIGITS_SPLITS = ("train", "test", "all")
CORPUS_NAMES = ("lee_background", "head500")
EVALUATION_FILES = ("questions-words.txt", "wordsim353.tsv")

# TFDS spells "both splits" as a split expression.
_TFDS_SPLIT = {"train": "train", "test": "test", "all": "train+test"}


def data_dir() -> pathlib.Path:
    """Returns the directory where prepared datasets are stored.

    Returns:
        `$DLCOURSE_DATA_DIR` if set, else `~/.cache/dlcourse/tensorflow_datasets`.
    """
    configured = os.environ.get(DATA_DIR_ENV_VAR)
    if configured:
        return pathlib.Path(configured).expanduser()
    return pathlib.Path.home() / ".cache" / "dlcourse" / "tensorflow_datasets"


@functools.cache
def _tfds():
    """Imports TFDS lazily and silences it.

    Notebooks that only need synthetic data should not pay for the import, and
    anything TFDS writes to stderr (progress bars, absl logs) makes nbgrader
    flag the cell as failed.
    """
    import absl.logging
    import tensorflow as tf
    import tensorflow_datasets as tfds

    tfds.disable_progress_bar()
    absl.logging.set_verbosity(absl.logging.ERROR)
    tf.get_logger().setLevel("ERROR")
    return tfds


def _offline_download_config():
    """Returns a `DownloadConfig` that can only generate data locally."""
    tfds = _tfds()
    return tfds.download.DownloadConfig(
        # Never fetch a pre-built copy from the TFDS GCS bucket.
        try_download_gcs=False,
        download_mode=tfds.download.GenerateMode.REUSE_DATASET_IF_EXISTS,
        compute_stats=tfds.download.ComputeStatsMode.SKIP,
    )


@contextlib.contextmanager
def _build_lock(root: pathlib.Path):
    """Serializes dataset preparation across processes sharing `root`.

    TFDS writes into a temporary directory and renames it at the end; two
    processes (e.g. notebooks graded in parallel) racing on a fresh cache would
    make the second rename fail.
    """
    root.mkdir(parents=True, exist_ok=True)
    try:
        import fcntl
    except ImportError:  # Windows: no advisory locks, accept the (rare) race.
        yield
        return
    with open(root / ".dlcourse.lock", "w") as lock_file:
        fcntl.flock(lock_file, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock_file, fcntl.LOCK_UN)


def _prepared_builder(builder_cls, root: str, config: str | None = None):
    """Returns a TFDS builder whose data is prepared under `root`, offline."""
    root_path = pathlib.Path(root)
    with _build_lock(root_path):
        # Build the builder only once the lock is held: a builder created before
        # another process finished preparing would not see the written metadata.
        builder = builder_cls(data_dir=root, config=config)
        # TFDS prints "Downloading and preparing..." banners unconditionally.
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            builder.download_and_prepare(download_config=_offline_download_config())
    return builder


@functools.lru_cache(maxsize=16)
def _digits_arrays(split: str, root: str) -> tuple[np.ndarray, np.ndarray]:
    from course.data.digits_builder import Digits8x8

    builder = _prepared_builder(Digits8x8, root)
    tfds = _tfds()
    batch = tfds.as_numpy(builder.as_dataset(split=_TFDS_SPLIT[split], batch_size=-1))
    # TFDS shuffles examples by key when writing; restore sklearn's file order.
    order = np.argsort(batch["index"], kind="stable")
    x = batch["image"][order].astype(np.float32)
    y = batch["label"][order].astype(np.int64)
    # Read-only so that a bug that mutates the cache fails loudly.
    x.flags.writeable = False
    y.flags.writeable = False
    return x, y


def load_digits(split: str = "train") -> tuple[np.ndarray, np.ndarray]:
    """Loads scikit-learn's 8x8 digits through the offline TFDS builder.

    The split is a fixed stratified 80/20 split (seed 0). The first call
    prepares the dataset under `data_dir()`; later calls in the same process
    are served from memory.

    Args:
        split: One of `"train"`, `"test"` or `"all"`.

    Returns:
        `(x, y)`: `x` float32 of shape `(n, 8, 8, 1)` with values in `[0, 1]`,
        `y` int64 of shape `(n,)`, in scikit-learn's file order.
    """
    if split not in DIGITS_SPLITS:
        raise ValueError(f"Expected split to be one of 'train', 'test', 'all', received: {split!r}")
    x, y = _digits_arrays(split, str(data_dir()))
    # Copies: callers may normalize or shuffle in place without touching the cache.
    return x.copy(), y.copy()


def digits_dataset(split: str = "train", batch_size: int = 64, shuffle_seed: int | None = None):
    """Returns the digits as a batched `tf.data.Dataset` of `(image, label)`.

    Args:
        split: One of `"train"`, `"test"` or `"all"`.
        batch_size: Positive number of examples per batch; the last batch may
            be smaller.
        shuffle_seed: If given, examples are shuffled with this seed (the same
            seed gives the same order in every run). If `None`, examples keep
            the file order.

    Returns:
        A `tf.data.Dataset` yielding `(float32 (b, 8, 8, 1), int64 (b,))`.
    """
    if not isinstance(batch_size, int) or isinstance(batch_size, bool) or batch_size < 1:
        raise ValueError(f"Expected batch_size to be a positive integer, received: {batch_size!r}")
    x, y = load_digits(split)
    _tfds()  # Silences TF logging before building the pipeline.
    import tensorflow as tf

    dataset = tf.data.Dataset.from_tensor_slices((x, y))
    if shuffle_seed is not None:
        dataset = dataset.shuffle(len(x), seed=shuffle_seed)
    return dataset.batch(batch_size)


def _check_corpus_name(name: str) -> None:
    if name not in CORPUS_NAMES:
        raise ValueError(
            f"Expected name to be one of {', '.join(map(repr, CORPUS_NAMES))}, received: {name!r}"
        )


@functools.lru_cache(maxsize=16)
def _corpus_documents(name: str, root: str) -> tuple[str, ...]:
    from course.data.text_builder import GensimCorpus

    builder = _prepared_builder(GensimCorpus, root, config=name)
    tfds = _tfds()
    batch = tfds.as_numpy(builder.as_dataset(split="train", batch_size=-1))
    order = np.argsort(batch["index"], kind="stable")
    return tuple(batch["text"][i].decode("utf-8") for i in order)


def load_corpus(name: str = "lee_background") -> list[str]:
    """Loads a small text corpus bundled with gensim, one string per document.

    Args:
        name: `"lee_background"` (300 raw news articles) or `"head500"`
            (stemmed Wikipedia text).

    Returns:
        The documents, in file order.
    """
    _check_corpus_name(name)
    return list(_corpus_documents(name, str(data_dir())))


def corpus_tokens(name: str = "lee_background") -> list[list[str]]:
    """Loads a corpus as lists of lowercase tokens.

    Args:
        name: See `load_corpus`.

    Returns:
        One token list per document, from `gensim.utils.simple_preprocess`.
    """
    from gensim.utils import simple_preprocess

    return [simple_preprocess(document) for document in load_corpus(name)]


def evaluation_file(name: str) -> pathlib.Path:
    """Returns the path of a word-embedding evaluation file bundled with gensim.

    Args:
        name: `"questions-words.txt"` (analogies) or `"wordsim353.tsv"`
            (word similarity).

    Returns:
        Path to the file inside the installed gensim package.
    """
    if name not in EVALUATION_FILES:
        raise ValueError(
            f"Expected name to be one of {', '.join(map(repr, EVALUATION_FILES))}, "
            f"received: {name!r}"
        )
    from gensim.test.utils import datapath

    return pathlib.Path(datapath(name))


def load_standard_dataset(name: str, split: str = "train", *, allow_download: bool = False):
    """Loads a standard TFDS dataset such as `"mnist"`; needs explicit opt-in.

    The course is designed to run offline, so this is never called by default.

    Args:
        name: A TFDS catalog name, e.g. `"mnist"` or `"fashion_mnist"`.
        split: A TFDS split expression, e.g. `"train"` or `"test[:10%]"`.
        allow_download: Must be `True`: the data is fetched from the internet on
            first use and cached under `data_dir()`.

    Returns:
        A `tf.data.Dataset` of `(image, label)` pairs.
    """
    if allow_download is not True:
        raise RuntimeError(
            f"Expected allow_download=True to load the standard dataset {name!r}, "
            f"received: allow_download={allow_download!r}. The course works offline and "
            "never downloads by default; use load_digits() or load_corpus() for bundled "
            f"data, or opt in with load_standard_dataset({name!r}, {split!r}, "
            "allow_download=True) on a machine with internet access."
        )
    tfds = _tfds()
    return tfds.load(name, split=split, data_dir=str(data_dir()), as_supervised=True)
