"""Specification of `course.data`: offline datasets for the course.

All tests prepare data in a temporary `DLCOURSE_DATA_DIR` with the network
disabled, so they never read or write the user's cache and prove that nothing
is downloaded.
"""

import os
import pathlib
import re
import socket
import subprocess
import sys

import numpy as np
import pytest

from course import data
from course.data import loaders

REPO_ROOT = pathlib.Path(__file__).resolve().parents[1]
NUM_DIGITS = 1797


def _refuse_network(*args, **kwargs):
    raise RuntimeError("Expected course.data to work offline, received: a network connection")


@pytest.fixture(scope="module", autouse=True)
def offline_data_dir(tmp_path_factory):
    """Points `data_dir()` at a fresh temporary directory and blocks sockets, for this
    module's tests only (module scope: later tests in the same worker need sockets)."""
    root = tmp_path_factory.mktemp("dlcourse_data")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("DLCOURSE_DATA_DIR", str(root))
        mp.setattr(socket.socket, "connect", _refuse_network)
        mp.setattr(socket, "create_connection", _refuse_network)
        loaders._digits_arrays.cache_clear()
        loaders._corpus_documents.cache_clear()
        yield root
    loaders._digits_arrays.cache_clear()
    loaders._corpus_documents.cache_clear()


# --- data_dir ---------------------------------------------------------------


def test_data_dir_honours_environment_variable(offline_data_dir):
    assert data.data_dir() == offline_data_dir


def test_data_dir_defaults_to_user_cache(monkeypatch):
    monkeypatch.delenv("DLCOURSE_DATA_DIR")
    expected = pathlib.Path.home() / ".cache" / "dlcourse" / "tensorflow_datasets"
    assert data.data_dir() == expected


def test_importing_package_does_not_import_tensorflow():
    # Notebooks that only need synthetic data should start fast.
    code = "import sys, course.data; print('tensorflow' in sys.modules, 'sklearn' in sys.modules)"
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    result = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    assert result.stdout.split() == ["False", "False"]


# --- digits -----------------------------------------------------------------


def test_digits_train_shapes_dtypes_and_range():
    x, y = data.load_digits("train")
    assert x.shape == (1437, 8, 8, 1) and x.dtype == np.float32
    assert y.shape == (1437,) and y.dtype == np.int64
    assert x.min() == 0.0 and x.max() == 1.0
    assert set(np.unique(y)) == set(range(10))


def test_digits_default_split_is_train():
    x_default, _ = data.load_digits()
    x_train, _ = data.load_digits("train")
    np.testing.assert_array_equal(x_default, x_train)


def test_digits_train_and_test_partition_all_1797_by_index(offline_data_dir):
    import tensorflow_datasets as tfds

    import course.data.digits_builder  # noqa: F401  (registers the builder)

    data.load_digits()  # Prepares the dataset.
    builder = tfds.builder("digits8x8", data_dir=str(offline_data_dir))
    indices = {
        split: tfds.as_numpy(builder.as_dataset(split=split, batch_size=-1))["index"]
        for split in ("train", "test")
    }
    assert len(indices["train"]) + len(indices["test"]) == NUM_DIGITS
    assert len(indices["test"]) == 360
    assert set(indices["train"]).isdisjoint(indices["test"])
    assert set(indices["train"]) | set(indices["test"]) == set(range(NUM_DIGITS))


def test_digits_all_split_is_sklearn_file_order():
    from sklearn.datasets import load_digits as sklearn_load_digits

    reference = sklearn_load_digits()
    x, y = data.load_digits("all")
    assert x.shape == (NUM_DIGITS, 8, 8, 1)
    np.testing.assert_array_equal(y, reference.target)
    np.testing.assert_allclose(x[..., 0], reference.images / 16.0)


def test_digits_split_is_the_fixed_stratified_sklearn_split():
    from sklearn.datasets import load_digits as sklearn_load_digits
    from sklearn.model_selection import train_test_split

    reference = sklearn_load_digits()
    train_idx, test_idx = train_test_split(
        np.arange(NUM_DIGITS), stratify=reference.target, random_state=0, test_size=0.2
    )
    _, y_train = data.load_digits("train")
    _, y_test = data.load_digits("test")
    np.testing.assert_array_equal(y_train, reference.target[np.sort(train_idx)])
    np.testing.assert_array_equal(y_test, reference.target[np.sort(test_idx)])


def test_digits_test_split_is_stratified():
    _, y_all = data.load_digits("all")
    _, y_test = data.load_digits("test")
    test_counts = np.bincount(y_test, minlength=10)
    assert (test_counts > 0).all(), "every class appears in the test split"
    np.testing.assert_allclose(test_counts, 0.2 * np.bincount(y_all), atol=1)


def test_digits_are_deterministic_across_calls_and_rebuilds():
    x1, y1 = data.load_digits("test")
    x2, y2 = data.load_digits("test")
    loaders._digits_arrays.cache_clear()  # Forces a re-read from disk.
    x3, y3 = data.load_digits("test")
    for x, y in ((x2, y2), (x3, y3)):
        np.testing.assert_array_equal(x, x1)
        np.testing.assert_array_equal(y, y1)


def test_digits_returns_copies_that_do_not_corrupt_the_cache():
    x, y = data.load_digits("train")
    x[:] = -1.0
    y[:] = -1
    x_again, y_again = data.load_digits("train")
    assert x_again.min() == 0.0
    assert y_again.min() == 0


def test_digits_rejects_unknown_split():
    expected = "Expected split to be one of 'train', 'test', 'all', received: 'validation'"
    with pytest.raises(ValueError, match=re.escape(expected)):
        data.load_digits("validation")


def test_digits_dataset_batches_in_file_order_without_seed():
    x, y = data.load_digits("test")
    batches = list(data.digits_dataset("test", batch_size=100))
    assert [len(labels) for _, labels in batches] == [100, 100, 100, 60]
    images, labels = batches[0]
    assert images.shape == (100, 8, 8, 1) and images.dtype.name == "float32"
    assert labels.dtype.name == "int64"
    np.testing.assert_array_equal(np.concatenate([b[1] for b in batches]), y)
    np.testing.assert_array_equal(images.numpy(), x[:100])


def test_digits_dataset_shuffles_deterministically_with_seed():
    _, y = data.load_digits("test")

    def labels(seed):
        return np.concatenate([b[1] for b in data.digits_dataset("test", shuffle_seed=seed)])

    first, again = labels(seed=1), labels(seed=1)
    np.testing.assert_array_equal(first, again)
    assert not np.array_equal(first, y), "a seed shuffles"
    np.testing.assert_array_equal(np.sort(first), np.sort(y))


def test_digits_dataset_rejects_bad_batch_size():
    with pytest.raises(ValueError, match="Expected batch_size .*, received: 0"):
        data.digits_dataset(batch_size=0)


# --- text -------------------------------------------------------------------


@pytest.mark.parametrize("name, num_documents", [("lee_background", 300), ("head500", 250)])
def test_corpus_loads_non_empty_documents(name, num_documents):
    documents = data.load_corpus(name)
    assert len(documents) == num_documents
    assert all(isinstance(doc, str) and doc.strip() == doc and doc for doc in documents)


def test_corpus_keeps_file_order():
    assert data.load_corpus()[0].startswith("Hundreds of people have been forced")


def test_corpus_tokens_are_lowercase_words():
    tokens = data.corpus_tokens("lee_background")
    assert len(tokens) == 300
    assert tokens[0][:3] == ["hundreds", "of", "people"]
    words = [token for document in tokens for token in document]
    assert all(re.fullmatch(r"[^\W\d]+", token) and token.islower() for token in words)


def test_corpus_rejects_unknown_name():
    with pytest.raises(ValueError, match=r"Expected name to be one of .*'head500'.*received: 'x'"):
        data.load_corpus("x")


def test_preparing_a_dataset_writes_nothing_to_stdout_or_stderr(monkeypatch, tmp_path, capfd):
    # nbgrader marks a test cell as failed if anything appears on stderr.
    monkeypatch.setenv("DLCOURSE_DATA_DIR", str(tmp_path))
    data.load_corpus("head500")
    out, err = capfd.readouterr()
    assert (out, err) == ("", "")
    assert (tmp_path / "gensim_corpus" / "head500").is_dir()


@pytest.mark.parametrize("name", ["questions-words.txt", "wordsim353.tsv"])
def test_evaluation_files_exist(name):
    path = data.evaluation_file(name)
    assert path.name == name and path.is_file() and path.stat().st_size > 0


def test_evaluation_file_rejects_unknown_name_listing_valid_ones():
    with pytest.raises(ValueError, match=r"'questions-words.txt', 'wordsim353.tsv'.*received"):
        data.evaluation_file("simlex999.txt")


# --- standard TFDS datasets -------------------------------------------------


def test_standard_dataset_refuses_without_allow_download(offline_data_dir):
    with pytest.raises(RuntimeError, match=r"offline.*allow_download=True"):
        data.load_standard_dataset("mnist", "train")
    assert not (offline_data_dir / "mnist").exists()


# --- synthetic --------------------------------------------------------------


def test_two_moons_shapes_dtypes_and_labels():
    x, y = data.two_moons(n_samples=150, noise=0.2, seed=3)
    assert x.shape == (150, 2) and x.dtype == np.float64
    assert y.shape == (150,) and y.dtype == np.int64
    assert np.bincount(y).tolist() == [75, 75]


def test_two_moons_is_deterministic_by_seed():
    x1, y1 = data.two_moons(seed=1)
    x2, y2 = data.two_moons(seed=1)
    x3, _ = data.two_moons(seed=2)
    np.testing.assert_array_equal(x1, x2)
    np.testing.assert_array_equal(y1, y2)
    assert not np.array_equal(x1, x3)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"n_samples": 1}, "Expected n_samples to be an integer >= 2, received: 1"),
        ({"noise": -0.1}, "Expected noise to be a number >= 0, received: -0.1"),
    ],
)
def test_two_moons_rejects_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        data.two_moons(**kwargs)


def test_adding_problem_shapes_and_dtypes():
    x, y = data.adding_problem(n_sequences=32, length=10, seed=0)
    assert x.shape == (32, 10, 2) and x.dtype == np.float32
    assert y.shape == (32,) and y.dtype == np.float32
    assert ((x[..., 0] >= 0) & (x[..., 0] < 1)).all()


def test_adding_problem_marks_exactly_two_positions_one_per_half():
    length = 11
    x, _ = data.adding_problem(n_sequences=500, length=length, seed=0)
    markers = x[..., 1]
    assert set(np.unique(markers)) == {0.0, 1.0}
    half = length // 2
    np.testing.assert_array_equal(markers[:, :half].sum(axis=1), 1)
    np.testing.assert_array_equal(markers[:, half:].sum(axis=1), 1)


def test_adding_problem_target_is_sum_of_marked_values():
    x, y = data.adding_problem(n_sequences=500, length=20, seed=4)
    np.testing.assert_allclose(y, (x[..., 0] * x[..., 1]).sum(axis=1), rtol=1e-6)


def test_adding_problem_is_deterministic_by_seed():
    x1, y1 = data.adding_problem(8, 12, seed=5)
    x2, y2 = data.adding_problem(8, 12, seed=5)
    x3, _ = data.adding_problem(8, 12, seed=6)
    np.testing.assert_array_equal(x1, x2)
    np.testing.assert_array_equal(y1, y2)
    assert not np.array_equal(x1, x3)


@pytest.mark.parametrize(
    "args, message",
    [
        ((0, 10), "Expected n_sequences to be an integer >= 1, received: 0"),
        ((4, 1), "Expected length to be an integer >= 2, received: 1"),
        ((4, 2.5), "Expected length to be an integer >= 2, received: 2.5"),
    ],
)
def test_adding_problem_rejects_bad_arguments(args, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        data.adding_problem(*args, seed=0)
