"""TFDS builder for the small text corpora bundled with gensim's test data.

Both corpora ship inside the gensim wheel, so preparing them never touches the
network. TFDS refuses builders defined in `__main__`, hence this module.
"""

import dataclasses

import numpy as np
import tensorflow_datasets as tfds


@dataclasses.dataclass(eq=False)
class CorpusConfig(tfds.core.BuilderConfig):
    """Names which bundled gensim file a config reads.

    Attributes:
        filename: File name inside `gensim.test.utils.datapath`.
    """

    filename: str = ""


class GensimCorpus(tfds.core.GeneratorBasedBuilder):
    """One example per non-empty line of a gensim test corpus."""

    name = "gensim_corpus"
    VERSION = tfds.core.Version("1.0.0")
    RELEASE_NOTES = {"1.0.0": "Initial release: lee_background and head500 configs."}
    BUILDER_CONFIGS = [
        CorpusConfig(
            name="lee_background",
            description="Lee background corpus: 300 short news articles, raw text.",
            filename="lee_background.cor",
        ),
        CorpusConfig(
            name="head500",
            description="First lines of text8 (Wikipedia), already stemmed, no blank lines.",
            filename="head500.noblanks.cor",
        ),
    ]

    def _info(self) -> tfds.core.DatasetInfo:
        return self.dataset_info_from_configs(
            description="Small text corpora bundled with gensim's test data.",
            features=tfds.features.FeaturesDict(
                {
                    "text": tfds.features.Text(),
                    # Line position among non-empty lines, to restore file order.
                    "index": tfds.features.Scalar(dtype=np.int64),
                }
            ),
            homepage="https://radimrehurek.com/gensim/",
        )

    def _split_generators(self, dl_manager: tfds.download.DownloadManager):
        del dl_manager  # Everything is bundled with gensim; never download.
        # Imported here because gensim is slow to import and only needed to build.
        from gensim.test.utils import datapath

        return {"train": self._generate_examples(datapath(self.builder_config.filename))}

    def _generate_examples(self, path: str):
        with open(path, encoding="utf-8") as f:
            lines = [line.strip() for line in f]
        for i, line in enumerate(line for line in lines if line):
            yield i, {"text": line, "index": i}
