"""Offline datasets for the course: bundled digits and corpora, plus synthetic data.

Heavy dependencies (TensorFlow, TFDS, gensim, scikit-learn) are imported only
when a loader needs them, so importing this package is fast.
"""

from course.data.loaders import (
    corpus_tokens,
    data_dir,
    digits_dataset,
    evaluation_file,
    load_corpus,
    load_digits,
    load_standard_dataset,
)
from course.data.synthetic import adding_problem, two_moons

__all__ = [
    "adding_problem",
    "corpus_tokens",
    "data_dir",
    "digits_dataset",
    "evaluation_file",
    "load_corpus",
    "load_digits",
    "load_standard_dataset",
    "two_moons",
]
