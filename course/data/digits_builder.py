"""TFDS builder for scikit-learn's bundled 8x8 handwritten digits.

The data ships inside scikit-learn, so preparing this dataset never touches the
network. Import this module (rather than defining the builder in a notebook)
because TFDS refuses builders that live in `__main__`.
"""

import numpy as np
import tensorflow_datasets as tfds
from sklearn import datasets as sk_datasets
from sklearn import model_selection

# A fixed stratified split keeps every class in both splits and makes results
# comparable across students and course runs.
TEST_FRACTION = 0.2
SPLIT_SEED = 0


class Digits8x8(tfds.core.GeneratorBasedBuilder):
    """The 1797 8x8 grayscale digits from `sklearn.datasets.load_digits`."""

    name = "digits8x8"
    VERSION = tfds.core.Version("1.0.0")
    RELEASE_NOTES = {"1.0.0": "Initial release: stratified 80/20 split with seed 0."}

    def _info(self) -> tfds.core.DatasetInfo:
        return self.dataset_info_from_configs(
            description=(
                "Optical recognition of handwritten digits (UCI), as bundled with "
                "scikit-learn. Pixels are scaled from [0, 16] to [0, 1]."
            ),
            features=tfds.features.FeaturesDict(
                {
                    "image": tfds.features.Tensor(shape=(8, 8, 1), dtype=np.float32),
                    "label": tfds.features.ClassLabel(num_classes=10),
                    # Position in scikit-learn's file order, so callers can
                    # restore a deterministic order after TFDS shuffles shards.
                    "index": tfds.features.Scalar(dtype=np.int64),
                }
            ),
            supervised_keys=("image", "label"),
            homepage="https://scikit-learn.org/stable/datasets/toy_dataset.html",
        )

    def _split_generators(self, dl_manager: tfds.download.DownloadManager):
        del dl_manager  # Everything is bundled with scikit-learn; never download.
        digits = sk_datasets.load_digits()
        indices = np.arange(len(digits.target))
        train_idx, test_idx = model_selection.train_test_split(
            indices,
            stratify=digits.target,
            random_state=SPLIT_SEED,
            test_size=TEST_FRACTION,
        )
        images = (digits.images / 16.0).astype(np.float32)[..., np.newaxis]
        labels = digits.target.astype(np.int64)
        return {
            "train": self._generate_examples(images, labels, np.sort(train_idx)),
            "test": self._generate_examples(images, labels, np.sort(test_idx)),
        }

    def _generate_examples(self, images: np.ndarray, labels: np.ndarray, indices: np.ndarray):
        for i in indices:
            i = int(i)
            yield i, {"image": images[i], "label": int(labels[i]), "index": i}
