"""Skip-gram with negative sampling (SGNS) in Keras, fast enough to race gensim on a CPU.

The method is the one of assignment 7: a vocabulary with a minimum count, Mikolov's
subsampling of frequent words, (centre, context) pairs from a window, negatives drawn
from the unigram distribution raised to 0.75, two embedding tables (input and output
vectors) and the loss

    -log sigmoid(v_c . u_o) - sum over negatives n of log sigmoid(-v_c . u_n).

What makes it fast, compared with one row per (centre, context) pair:

- All examples of an epoch are built in NumPy at once, with vectorized slicing per
  window offset; tf.data only slices the ready arrays into batches.
- One example per *centre word*: its up to 2 * window contexts (padded, with a mask)
  and k negatives, scored with a single gather and einsum. The k negatives are shared by
  the contexts of that centre (as in BlazingText), so each is weighted by the number of
  real contexts: the expected gradient is that of k fresh negatives per pair, for about
  a third of the memory traffic.
- Plain SGD with a linearly decaying learning rate, as word2vec does. The gradients of
  the embedding lookups are `tf.IndexedSlices`, which `keras.optimizers.SGD` applies as
  sparse scatter updates: only the rows used by a batch are touched.
- One compiled (`tf.function`) train step.
"""

import time
from collections import Counter
from dataclasses import dataclass

import keras
import numpy as np
import tensorflow as tf
from keras import ops
from scipy.stats import spearmanr


@dataclass(frozen=True)
class Settings:
    dimension: int = 100
    window: int = 5
    negatives: int = 5
    epochs: int = 5
    min_count: int = 5
    sample: float = 1e-3
    learning_rate: float = 0.05
    centres_per_batch: int = 2048
    seed: int = 0


class Corpus:
    """Vocabulary (most frequent first) and the corpus as word ids, documents kept apart."""

    def __init__(self, documents: list[list[str]], min_count: int):
        counts = Counter(word for document in documents for word in document)
        self.words = sorted(
            (word for word, count in counts.items() if count >= min_count),
            key=lambda word: (-counts[word], word),
        )
        self.index = {word: i for i, word in enumerate(self.words)}
        self.counts = np.array([counts[word] for word in self.words], dtype=np.int64)
        encoded = [[self.index[w] for w in document if w in self.index] for document in documents]
        self.ids = np.array([i for document in encoded for i in document], dtype=np.int64)
        self.document_of = np.repeat(np.arange(len(encoded)), [len(d) for d in encoded])

    def keep_probabilities(self, sample: float) -> np.ndarray:
        """Mikolov's keep probability min(1, sqrt(t / f(w))), f the relative frequency."""
        frequencies = self.counts / self.counts.sum()
        return np.minimum(1.0, np.sqrt(sample / frequencies))

    def noise_distribution(self, power: float = 0.75) -> np.ndarray:
        weights = self.counts.astype(np.float64) ** power
        return weights / weights.sum()


def centre_examples(
    corpus: Corpus, settings: Settings, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """One epoch: subsample, then every kept word with its contexts (-1 pads).

    Like word2vec, each centre uses a window drawn uniformly from 1..window, which
    weights near contexts more than far ones.
    """
    kept = rng.random(len(corpus.ids)) < corpus.keep_probabilities(settings.sample)[corpus.ids]
    ids, documents = corpus.ids[kept], corpus.document_of[kept]
    reach = rng.integers(1, settings.window + 1, size=len(ids))
    contexts = np.full((len(ids), 2 * settings.window), -1, dtype=np.int64)
    for offset in range(1, settings.window + 1):
        # contexts `offset` words to the right, then `offset` words to the left
        valid = (documents[:-offset] == documents[offset:]) & (reach[:-offset] >= offset)
        contexts[:-offset, 2 * offset - 2][valid] = ids[offset:][valid]
        valid = (documents[offset:] == documents[:-offset]) & (reach[offset:] >= offset)
        contexts[offset:, 2 * offset - 1][valid] = ids[:-offset][valid]
    has_context = (contexts >= 0).any(axis=1)
    order = rng.permutation(int(has_context.sum()))
    return ids[has_context][order], contexts[has_context][order]


def draw_negatives(probabilities: np.ndarray, shape, rng: np.random.Generator) -> np.ndarray:
    """Ids drawn from `probabilities` by inverting the cumulative distribution."""
    cumulative = np.cumsum(probabilities)
    draws = np.searchsorted(cumulative, rng.random(shape) * cumulative[-1], side="right")
    return np.minimum(draws, len(probabilities) - 1)


class SkipGram(keras.layers.Layer):
    """Scores s = v_centre . u_candidate with two tables, as in the assignment."""

    def __init__(self, vocabulary_size: int, dimension: int, seed: int = 0, **kwargs):
        super().__init__(**kwargs)
        self.vocabulary_size = vocabulary_size
        self.dimension = dimension
        self.seed = seed

    def build(self, input_shape=None):
        scale = 0.5 / self.dimension  # word2vec's initialization
        self.input_embeddings = self.add_weight(
            shape=(self.vocabulary_size, self.dimension),
            initializer=keras.initializers.RandomUniform(-scale, scale, seed=self.seed),
            trainable=True,
            name="input_embeddings",
        )
        self.output_embeddings = self.add_weight(
            shape=(self.vocabulary_size, self.dimension),
            initializer="zeros",
            trainable=True,
            name="output_embeddings",
        )

    def call(self, inputs):
        centres, candidates = inputs
        centre_vectors = ops.take(self.input_embeddings, centres, axis=0)
        candidate_vectors = ops.take(self.output_embeddings, candidates, axis=0)
        return ops.einsum("bd,bnd->bn", centre_vectors, candidate_vectors)


def shared_negative_loss(scores, context_mask, window: int):
    """SGNS loss summed over a batch of centres; columns: 2 * window contexts, then negatives."""
    context_scores, negative_scores = scores[:, : 2 * window], scores[:, 2 * window :]
    real_contexts = ops.sum(context_mask, axis=1)
    # -log sigmoid(x) = softplus(-x), stable for large |x|
    positive = ops.sum(context_mask * ops.softplus(-context_scores), axis=1)
    negative = real_contexts * ops.sum(ops.softplus(negative_scores), axis=1)
    return ops.sum(positive + negative)


def train(corpus: Corpus, settings: Settings, log=print) -> tuple[np.ndarray, float]:
    """Trains SGNS; returns the input vectors and the wall time (data building included)."""
    started = time.perf_counter()
    rng = np.random.default_rng(settings.seed)
    noise = corpus.noise_distribution()
    layer = SkipGram(len(corpus.words), settings.dimension, seed=settings.seed)
    layer.build()
    # steps are estimated from the first epoch to set up the linear decay
    epochs = [centre_examples(corpus, settings, rng)]
    batches_per_epoch = -(-len(epochs[0][0]) // settings.centres_per_batch)
    schedule = keras.optimizers.schedules.PolynomialDecay(
        settings.learning_rate,
        decay_steps=batches_per_epoch * settings.epochs,
        end_learning_rate=settings.learning_rate * 1e-4,
    )
    optimizer = keras.optimizers.SGD(schedule)
    window = settings.window

    @tf.function(reduce_retracing=True)
    def train_step(centres, contexts, negatives):
        context_mask = ops.cast(contexts >= 0, "float32")
        candidates = ops.concatenate([ops.maximum(contexts, 0), negatives], axis=1)
        with tf.GradientTape() as tape:
            loss = shared_negative_loss(layer((centres, candidates)), context_mask, window)
        gradients = tape.gradient(loss, layer.trainable_variables)
        optimizer.apply(gradients, layer.trainable_variables)
        return loss / ops.sum(context_mask)

    for epoch in range(settings.epochs):
        centres, contexts = epochs.pop() if epochs else centre_examples(corpus, settings, rng)
        negatives = draw_negatives(noise, (len(centres), settings.negatives), rng)
        dataset = (
            tf.data.Dataset.from_tensor_slices((centres, contexts, negatives))
            .batch(settings.centres_per_batch)
            .prefetch(tf.data.AUTOTUNE)
        )
        for batch in dataset:
            loss = train_step(*batch)
        log(f"  epoch {epoch + 1}: {len(centres)} centres, last loss per pair {float(loss):.3f}")
    return ops.convert_to_numpy(layer.input_embeddings), time.perf_counter() - started


def read_word_pairs(path) -> list[tuple[str, str, float]]:
    pairs = []
    for line in open(path, encoding="utf-8"):
        if line.startswith("#") or not line.strip():
            continue
        first, second, score = line.strip().split("\t")
        pairs.append((first.lower(), second.lower(), float(score)))
    return pairs


def word_similarity(vectors: np.ndarray, index: dict, pairs) -> tuple[float, int]:
    """Spearman correlation of cosine similarities with human scores, in-vocabulary pairs."""
    unit = vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
    known = [(a, b, s) for a, b, s in pairs if a in index and b in index]
    cosines = [float(unit[index[a]] @ unit[index[b]]) for a, b, _ in known]
    return float(spearmanr(cosines, [s for _, _, s in known])[0]), len(known)
