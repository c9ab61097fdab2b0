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
# # Assignment 7: word embeddings with word2vec
#
# A word2vec model learns a vector for every word of a corpus from one signal only: which
# words appear near which. In this assignment you build the whole chain on a small news
# corpus, train skip-gram and CBOW with negative sampling in Keras, measure what the
# vectors learned, and compare them with gensim's `Word2Vec` trained on the same text.
# Read chapter 07 first.
#
# 1. From text to training examples: tokens, vocabulary, subsampling, skip-gram and CBOW
#    examples, negative samples and a `tf.data` pipeline (part 1).
# 2. The models: two embedding tables, skip-gram and CBOW scores, the negative-sampling
#    loss (part 2).
# 3. Training on `lee_background` (part 3).
# 4. Evaluation: nearest neighbours, word similarity, analogies, and gensim (part 4).
# 5. Concept checks (part 5).
#
# **How this is graded.** Write your code between the lines `# YOUR CODE HERE` and the
# end of the region, replacing `raise NotImplementedError()`. Each test cell is worth the
# points in its header; the tests you see are a first check, and hidden tests check more
# cases when your notebook is graded: the whole corpus instead of a toy sentence, other
# windows and shapes, and the distribution of your random draws, tested statistically
# with a fixed seed. The models are compared with Keras's own `Embedding` layers holding
# the same weights. Before you submit, run `dlcourse check a07_word2vec.ipynb`, which
# restarts the kernel and runs everything top to bottom, as the grader will.
#
# **Reading a test.** The lines under `with answers:` call your code; the other lines
# prepare inputs and check what those lines produced. When your notebook is graded, the
# checks run in a separate process that receives only the values your code returned,
# as data: NumPy arrays, numbers, strings, and lists, tuples or dicts of them.


# %% nbgrader={"grade": false, "grade_id": "setup", "locked": true, "schema_version": 3, "solution": false}
import re
from collections import Counter

import keras
import matplotlib.pyplot as plt
import numpy as np
import tensorflow as tf
from keras import ops
from scipy.stats import spearmanr

import course
from course.checks import answers, assert_close, assert_shape
from course.data import corpus_tokens, evaluation_file, load_corpus

course.setup(seed=0)

# 300 news articles (about 58,000 words): raw text, and the same text as token lists
lee_documents = load_corpus("lee_background")
lee_tokens = corpus_tokens("lee_background")
print(f"{len(lee_documents)} documents, {sum(map(len, lee_tokens))} tokens")


# %% [markdown]
# ## Part 1: from text to training examples
#
# ### 1.1 Tokens
#
# Write `tokenize(text)`: lowercase the text, cut it into **maximal runs of letters**
# (letters of any alphabet, such as `é` or `ß`; digits, underscores, punctuation and
# spaces all separate tokens), and keep the tokens that are 2 to 15 letters long (drop
# the others, do not cut them). So `"didn't"` gives `["didn"]`, and `"abc123def"` gives
# `["abc", "def"]`. A regular expression does it in one line (hint: in Python's `re`,
# `[^\W\d_]` matches one letter).
#
# These are the rules of `gensim.utils.simple_preprocess`, which prepared `lee_tokens`
# for the rest of the notebook.


# %% nbgrader={"grade": false, "grade_id": "tokenize", "locked": false, "schema_version": 3, "solution": true}
def tokenize(text):
    """Lowercase tokens: runs of letters, 2 to 15 letters long."""
    ### BEGIN SOLUTION
    return [token for token in re.findall(r"[^\W\d_]+", text.lower()) if 2 <= len(token) <= 15]
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_tokenize", "locked": true, "points": 1, "schema_version": 3, "solution": false}
with answers:
    tokens = list(tokenize("The cat sat on 2 mats."))
assert tokens[:2] == ["the", "cat"], f"tokenize should lowercase and split on non-letters, got {tokens}"
assert "2" not in tokens, "digits are not letters: they separate tokens and are not kept"
### BEGIN HIDDEN TESTS
from gensim.utils import simple_preprocess

for text in [
    "The cat sat on 2 mats; it didn't move.",
    "Café naïve Über straße",
    "abc123def x2y A I o",
    "e-mail, re-entry... well-known!\nNew line\ttab",
    "pneumonoultramicroscopicsilicovolcanoconiosis is long, fifteenletters ok",
    "",
]:
    with answers:
        got = list(tokenize(text))
    assert got == simple_preprocess(text), (
        f"tokenize({text!r}) returned {got}: keep lowercase runs of letters (any alphabet) "
        "that are 2 to 15 letters long"
    )
documents = lee_documents
with answers:
    tokenized = [list(tokenize(text)) for text in documents]
assert len(tokenized) == len(lee_tokens), "expected one token list per document of lee_background"
mismatched = [i for i, document_tokens in enumerate(tokenized) if document_tokens != lee_tokens[i]]
assert not mismatched, (
    f"tokenize gives other tokens than expected on {len(mismatched)} documents of "
    f"lee_background (the first is document {mismatched[0]})"
)
### END HIDDEN TESTS


# %% [markdown]
# ### 1.2 Vocabulary
#
# Words seen only a few times cannot get a useful vector, and they make the tables
# bigger, so word2vec keeps the words seen at least `min_count` times.
#
# 1. `build_vocabulary(documents, min_count)`: `documents` is a list of token lists.
#    Return `(words, counts)`: `words` is the list of words seen at least `min_count`
#    times in the whole corpus, sorted by decreasing count, ties in alphabetical order;
#    `counts` is an integer NumPy array with the count of each word, in the same order.
#    A word's **id** is its position in `words`, so id 0 is the most frequent word.
# 2. `encode(documents, words)`: each document as an integer NumPy array of word ids, in
#    the original order, with the words that are not in the vocabulary left out. Keep one
#    array per document, even when it ends up empty: examples must never straddle two
#    documents.


# %% nbgrader={"grade": false, "grade_id": "vocabulary", "locked": false, "schema_version": 3, "solution": true}
def build_vocabulary(documents, min_count):
    """(words, counts): words seen at least `min_count` times, most frequent first."""
    ### BEGIN SOLUTION
    counts = Counter(word for document in documents for word in document)
    words = sorted(
        (word for word, count in counts.items() if count >= min_count),
        key=lambda word: (-counts[word], word),
    )
    return words, np.array([counts[word] for word in words], dtype=np.int64)
    ### END SOLUTION


def encode(documents, words):
    """Each document as an int array of word ids; unknown words are dropped."""
    ### BEGIN SOLUTION
    index = {word: i for i, word in enumerate(words)}
    return [
        np.array([index[word] for word in document if word in index], dtype=np.int64)
        for document in documents
    ]
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_vocabulary", "locked": true, "points": 2, "schema_version": 3, "solution": false}
with answers:
    toy_vocabulary, toy_counts = build_vocabulary([["b", "a", "b"], ["c", "a", "b"]], min_count=2)
    toy_words = list(toy_vocabulary)
assert "c" not in toy_words, "words seen fewer than min_count times must be left out"
assert toy_words[0] == "b", "the most frequent word must come first (id 0)"
assert_close(toy_counts, [3, 2], "counts of the toy vocabulary")
### BEGIN HIDDEN TESTS
reference_counts = Counter(word for document in lee_tokens for word in document)
documents = lee_tokens
for min_count in (1, 5, 20):
    with answers:
        vocabulary, counts = build_vocabulary(documents, min_count)
        words = list(vocabulary)
    expected = sorted(
        (w for w, c in reference_counts.items() if c >= min_count),
        key=lambda w: (-reference_counts[w], w),
    )
    assert len(words) == len(expected), (
        f"build_vocabulary(lee_tokens, {min_count}) kept {len(words)} words instead of "
        f"{len(expected)}: keep the words seen at least min_count times in all documents"
    )
    assert list(words) == expected, (
        f"the vocabulary with min_count={min_count} is not in the right order: decreasing "
        "count, ties in alphabetical order"
    )
    assert np.issubdtype(np.asarray(counts).dtype, np.integer), "counts should be integers"
    assert_close(counts, [reference_counts[w] for w in expected], f"counts (min_count={min_count})")
### END HIDDEN TESTS


# %% nbgrader={"grade": true, "grade_id": "test_encode", "locked": true, "points": 1, "schema_version": 3, "solution": false}
with answers:
    toy_encoded = encode([["b", "x", "a"], ["x"]], ["b", "a"])
assert len(toy_encoded) == 2, "encode should return one array per document, even an empty one"
assert_close(toy_encoded[0], [0, 1], "encode of ['b', 'x', 'a'] with words ['b', 'a']")
### BEGIN HIDDEN TESTS
assert len(toy_encoded[1]) == 0, "a document of unknown words should become an empty array"
reference_counts = Counter(word for document in lee_tokens for word in document)
expected_words = sorted((w for w, c in reference_counts.items() if c >= 5), key=lambda w: (-reference_counts[w], w))
reference_index = {w: i for i, w in enumerate(expected_words)}
documents = lee_tokens
with answers:
    encoded_lee = encode(documents, expected_words)
assert len(encoded_lee) == len(lee_tokens), "encode should return one array per document"
for number, (document, ids) in enumerate(zip(lee_tokens, encoded_lee)):
    ids = np.asarray(ids)
    assert ids.ndim == 1 and (ids.size == 0 or np.issubdtype(ids.dtype, np.integer)), (
        f"document {number} is not a 1-D integer array"
    )
    expected_ids = [reference_index[w] for w in document if w in reference_index]
    assert ids.tolist() == expected_ids, (
        f"document {number} is encoded wrongly: ids are positions in `words`, in the "
        "document's order, unknown words left out"
    )
### END HIDDEN TESTS


# %% [markdown]
# ### 1.3 Subsampling frequent words
#
# "the", "of" and "to" appear near almost every word, so pairs with them teach little,
# and they make up a large share of all pairs. Mikolov et al. drop each **occurrence** of
# a word $w$ at random, keeping it with probability
#
# $$P_{\text{keep}}(w) = \min\left(1, \sqrt{\frac{t}{f(w)}}\right), \qquad f(w) = \frac{\text{count}(w)}{\sum_{w'} \text{count}(w')},$$
#
# where $f(w)$ is the word's share of the (in-vocabulary) corpus and $t$ a threshold
# ($10^{-3}$ for a small corpus like ours, $10^{-5}$ for billions of words). Words rarer
# than $t$ are always kept.
#
# 1. `keep_probabilities(counts, threshold=1e-3)`: the array of $P_{\text{keep}}$ for
#    every word id.
# 2. `subsample(encoded_documents, keep, rng)`: a new list of arrays in which each
#    occurrence of word `w` is kept, independently, with probability `keep[w]`, in the
#    original order. Draw the random numbers from `rng`, a `np.random.Generator` (for
#    example `rng.random(n)`), so that a seed gives the same result every time.
#
# The training loop calls `subsample` again at every epoch, so each epoch sees another
# random thinning of the corpus.


# %% nbgrader={"grade": false, "grade_id": "subsampling", "locked": false, "schema_version": 3, "solution": true}
def keep_probabilities(counts, threshold=1e-3):
    """Mikolov's probability of keeping one occurrence of each word."""
    ### BEGIN SOLUTION
    frequencies = np.asarray(counts, dtype=np.float64) / np.sum(counts)
    return np.minimum(1.0, np.sqrt(threshold / frequencies))
    ### END SOLUTION


def subsample(encoded_documents, keep, rng):
    """Keeps each occurrence of word w with probability keep[w]; documents stay apart."""
    ### BEGIN SOLUTION
    return [document[rng.random(len(document)) < keep[document]] for document in encoded_documents]
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_keep_probabilities", "locked": true, "points": 1, "schema_version": 3, "solution": false}
with answers:
    toy_keep = np.asarray(keep_probabilities(np.array([900, 90, 10]), threshold=0.01))
assert_shape(toy_keep, (3,), "keep_probabilities for 3 words")
assert toy_keep[0] < toy_keep[1] < 1.0 and toy_keep[2] == 1.0, (
    "frequent words should be kept less often, and words rarer than the threshold always"
)
### BEGIN HIDDEN TESTS
lee_counts = np.array(sorted(Counter(w for d in lee_tokens for w in d).values(), reverse=True))
for counts, threshold in [(np.array([900, 90, 10]), 0.01), (lee_counts, 1e-3), (lee_counts, 1e-4), (lee_counts[:50], 1e-2)]:
    frequencies = counts / counts.sum()
    expected = np.minimum(1.0, np.sqrt(threshold / frequencies))
    with answers:
        got = keep_probabilities(counts, threshold=threshold)
    assert_close(
        got,
        expected,
        f"keep_probabilities with threshold {threshold} for {len(counts)} words",
        hint="f(w) is the count divided by the total count; cap the probability at 1.",
    )
### END HIDDEN TESTS


# %% nbgrader={"grade": true, "grade_id": "test_subsample", "locked": true, "points": 2, "schema_version": 3, "solution": false}
toy_documents = [np.array([0, 1, 2, 1]), np.array([2, 2])]
with answers:
    kept = subsample(toy_documents, np.ones(3), np.random.default_rng(0))
assert len(kept) == 2 and all(np.array_equal(a, b) for a, b in zip(kept, toy_documents)), (
    "with every keep probability at 1, subsample should return the documents unchanged"
)
with answers:
    kept = subsample(toy_documents, np.array([0.0, 1.0, 1.0]), np.random.default_rng(0))
assert 0 not in np.concatenate(kept), "a word with keep probability 0 must never be kept"
### BEGIN HIDDEN TESTS
reference_counts = Counter(word for document in lee_tokens for word in document)
words_by_count = sorted(reference_counts, key=lambda w: (-reference_counts[w], w))
index = {w: i for i, w in enumerate(words_by_count)}
documents = [np.array([index[w] for w in d], dtype=np.int64) for d in lee_tokens]
counts = np.array([reference_counts[w] for w in words_by_count])
keep = np.minimum(1.0, np.sqrt(1e-3 / (counts / counts.sum())))
with answers:
    kept = subsample(documents, keep, np.random.default_rng(42))
assert len(kept) == len(documents), "subsample should return one array per document"
for number, (original, thinned) in enumerate(zip(documents, kept)):
    position = 0
    for word in np.asarray(thinned).tolist():
        while position < len(original) and original[position] != word:
            position += 1
        assert position < len(original), (
            f"document {number} after subsampling is not the original with some words removed, "
            "in the original order"
        )
        position += 1
all_ids = np.concatenate(documents)
kept_ids = np.concatenate([np.asarray(k, dtype=np.int64) for k in kept])
occurrences = np.bincount(all_ids, minlength=len(counts))
kept_occurrences = np.bincount(kept_ids, minlength=len(counts))
always = keep >= 1.0
assert np.array_equal(kept_occurrences[always], occurrences[always]), (
    "words with keep probability 1 must always be kept"
)
# each of the 30 most frequent words: kept count within 5 standard deviations of a binomial
for word in range(30):
    n, p = occurrences[word], keep[word]
    deviation = abs(kept_occurrences[word] - n * p) / np.sqrt(n * p * (1 - p))
    assert deviation < 5, (
        f"the word {words_by_count[word]!r} (keep probability {p:.3f}) was kept "
        f"{kept_occurrences[word]} times out of {n}: keep an occurrence when a uniform "
        "random number is below keep[w]"
    )
with answers:
    again = subsample(documents, keep, np.random.default_rng(42))
assert len(again) == len(kept) and all(np.array_equal(a, b) for a, b in zip(kept, again)), (
    "subsample with the same seed gave another result: draw the random numbers from rng"
)
### END HIDDEN TESTS


# %% [markdown]
# ### 1.4 Skip-gram and CBOW examples
#
# Take a document $w_1, \dots, w_T$ and a window size $c$. Every word $w_i$ is a
# **centre**, and the words at distance 1 to $c$ on either side, $w_j$ with
# $1 \le |i - j| \le c$ and $j$ inside the same document, are its **contexts**.
#
# 1. `skipgram_pairs(encoded_documents, window)`: skip-gram predicts each context from
#    the centre, so it trains on every (centre, context) pair. Return two integer arrays
#    `(centres, contexts)` of the same length, one entry per pair, in any order. With
#    `[4, 7, 9]` and `window=1` the pairs are (4, 7), (7, 4), (7, 9) and (9, 7).
# 2. `cbow_examples(encoded_documents, window)`: CBOW predicts the centre from all its
#    contexts at once, so it trains on one example per word. Return `(contexts, centres)`:
#    `contexts` is an integer array of shape `(number of words, 2 * window)` whose row
#    lists the ids at positions $i - c, \dots, i - 1, i + 1, \dots, i + c$ (left to
#    right), with **-1** where a position falls outside the document; `centres` holds
#    the centre ids. Rows follow the documents and the words in order; a document of
#    fewer than 2 words gives no rows (its word has no context).
#
# Both must be fast on the whole corpus: a loop over documents with NumPy slicing per
# offset (`document[:-k]` against `document[k:]`) does it in milliseconds. Examples
# never cross from one document into the next.


# %% nbgrader={"grade": false, "grade_id": "examples", "locked": false, "schema_version": 3, "solution": true}
def skipgram_pairs(encoded_documents, window):
    """All (centre, context) pairs at distance 1 to `window` inside each document."""
    ### BEGIN SOLUTION
    centres, contexts = [np.zeros(0, np.int64)], [np.zeros(0, np.int64)]
    for document in encoded_documents:
        document = np.asarray(document, dtype=np.int64)
        for offset in range(1, window + 1):
            # the context `offset` words to the right of the centre, then to the left
            centres += [document[:-offset], document[offset:]]
            contexts += [document[offset:], document[:-offset]]
    return np.concatenate(centres), np.concatenate(contexts)
    ### END SOLUTION


def cbow_examples(encoded_documents, window):
    """(contexts, centres): the 2 * window context ids of every word (-1 outside)."""
    ### BEGIN SOLUTION
    offsets = np.array([k for k in range(-window, window + 1) if k != 0])
    contexts, centres = [np.zeros((0, 2 * window), np.int64)], [np.zeros(0, np.int64)]
    for document in encoded_documents:
        document = np.asarray(document, dtype=np.int64)
        if len(document) < 2:
            continue
        positions = np.arange(len(document))[:, None] + offsets[None, :]
        inside = (positions >= 0) & (positions < len(document))
        contexts.append(np.where(inside, document[np.clip(positions, 0, len(document) - 1)], -1))
        centres.append(document)
    return np.concatenate(contexts), np.concatenate(centres)
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_skipgram_pairs", "locked": true, "points": 2, "schema_version": 3, "solution": false}
with answers:
    centres, contexts = skipgram_pairs([np.array([4, 7, 9])], window=1)
assert len(centres) == len(contexts) == 4, (
    f"[4, 7, 9] with window=1 has 4 (centre, context) pairs, got {len(centres)}: "
    "each word pairs with the words at distance 1 to window"
)
### BEGIN HIDDEN TESTS
def reference_skipgram(documents, window):
    pairs = []
    for document in documents:
        for i in range(len(document)):
            for j in range(max(0, i - window), min(len(document), i + window + 1)):
                if j != i:
                    pairs.append((document[i], document[j]))
    return sorted(pairs)


rng = np.random.default_rng(3)
cases = [
    ([np.array([4, 7, 9])], 1),
    ([np.array([1, 2, 3, 4, 5, 6])], 2),
    ([np.array([1, 2, 3]), np.array([7, 8, 9, 10])], 2),
    ([np.array([5]), np.array([], dtype=np.int64), np.array([3, 3, 3, 3])], 3),
    ([rng.integers(0, 50, size=n) for n in (12, 1, 7, 30, 2)], 4),
    ([rng.integers(0, 50, size=n) for n in (9, 5, 20)], 5),
]
for documents, window in cases:
    with answers:
        centres, contexts = skipgram_pairs(documents, window)
    got = sorted(zip(np.asarray(centres).tolist(), np.asarray(contexts).tolist()))
    expected = [(int(a), int(b)) for a, b in reference_skipgram(documents, window)]
    assert len(got) == len(expected), (
        f"window={window}, documents of lengths {[len(d) for d in documents]}: "
        f"{len(got)} pairs instead of {len(expected)}. Contexts are at distance 1 to "
        "window (both ends included), on both sides, inside the same document"
    )
    assert got == expected, (
        f"window={window}, documents of lengths {[len(d) for d in documents]}: the right "
        "number of pairs, but not the right pairs (is each pair (centre, context)?)"
    )
### END HIDDEN TESTS


# %% nbgrader={"grade": true, "grade_id": "test_cbow_examples", "locked": true, "points": 2, "schema_version": 3, "solution": false}
with answers:
    contexts, centres = cbow_examples([np.array([4, 7, 9])], window=1)
assert_shape(contexts, (3, 2), "contexts of [4, 7, 9] with window=1")
assert_close(centres, [4, 7, 9], "centres of [4, 7, 9]")
### BEGIN HIDDEN TESTS
def reference_cbow(documents, window):
    rows, middles = [], []
    for document in documents:
        if len(document) < 2:
            continue
        for i in range(len(document)):
            row = [document[j] if 0 <= j < len(document) else -1 for j in range(i - window, i + window + 1) if j != i]
            rows.append(row)
            middles.append(document[i])
    return np.array(rows, dtype=np.int64).reshape(-1, 2 * window), np.array(middles, dtype=np.int64)


rng = np.random.default_rng(4)
cases = [
    ([np.array([4, 7, 9])], 1),
    ([np.array([1, 2, 3, 4, 5, 6])], 2),
    ([np.array([1, 2, 3]), np.array([7, 8, 9, 10])], 2),
    ([np.array([5]), np.array([], dtype=np.int64), np.array([3, 1, 3, 1])], 3),
    ([rng.integers(0, 50, size=n) for n in (12, 1, 7, 30, 2)], 4),
]
for documents, window in cases:
    with answers:
        contexts, centres = cbow_examples(documents, window)
    expected_contexts, expected_centres = reference_cbow(documents, window)
    where = f"window={window}, documents of lengths {[len(d) for d in documents]}"
    assert_shape(contexts, expected_contexts.shape, f"contexts ({where})")
    assert np.array_equal(np.asarray(centres), expected_centres), (
        f"centres are wrong ({where}): one row per word, documents and words in order, "
        "no rows for documents of fewer than 2 words"
    )
    assert np.array_equal(np.asarray(contexts), expected_contexts), (
        f"contexts are wrong ({where}): positions i-window .. i-1, i+1 .. i+window from "
        "left to right, -1 outside the document"
    )
### END HIDDEN TESTS


# %% [markdown]
# ### 1.5 Negative samples
#
# Negative sampling contrasts each true (centre, context) pair with $k$ **negative**
# words drawn at random. Mikolov et al. draw them from the unigram distribution raised
# to the power 3/4:
#
# $$P_n(w) = \frac{\text{count}(w)^{0.75}}{\sum_{w'} \text{count}(w')^{0.75}}.$$
#
# The power flattens the distribution: frequent words are still drawn more often, but
# less than their share, and rare words more.
#
# 1. `noise_distribution(counts, power=0.75)`: the probabilities $P_n$, an array that
#    sums to 1.
# 2. `sample_negatives(probabilities, shape, rng)`: an integer array of the given shape
#    (for example `(n, k)`) of word ids drawn independently from `probabilities`, using
#    the `np.random.Generator` `rng`. `rng.choice` can do it; inverting the cumulative
#    distribution with `np.searchsorted` is the classic fast alternative.
#
# The hidden test draws a few hundred thousand ids with a fixed seed and compares their
# frequencies with the exact distribution (a chi-square test and the total-variation
# distance).


# %% nbgrader={"grade": false, "grade_id": "negatives", "locked": false, "schema_version": 3, "solution": true}
def noise_distribution(counts, power=0.75):
    """Unigram distribution raised to `power`, renormalized."""
    ### BEGIN SOLUTION
    weights = np.asarray(counts, dtype=np.float64) ** power
    return weights / weights.sum()
    ### END SOLUTION


def sample_negatives(probabilities, shape, rng):
    """Word ids of the given shape, drawn independently from `probabilities`."""
    ### BEGIN SOLUTION
    return rng.choice(len(probabilities), size=shape, p=probabilities)
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_noise_distribution", "locked": true, "points": 1, "schema_version": 3, "solution": false}
with answers:
    toy_noise = np.asarray(noise_distribution(np.array([81, 16, 1])))
assert_shape(toy_noise, (3,), "noise_distribution for 3 words")
assert_close(np.sum(toy_noise), 1.0, "the sum of the noise distribution")
### BEGIN HIDDEN TESTS
lee_counts = np.array(sorted(Counter(w for d in lee_tokens for w in d).values(), reverse=True))
for counts, power in [(np.array([81, 16, 1]), 0.75), (lee_counts, 0.75), (lee_counts[:100], 0.5), (lee_counts[:100], 1.0)]:
    weights = counts.astype(np.float64) ** power
    with answers:
        got = noise_distribution(counts, power=power)
    assert_close(
        got,
        weights / weights.sum(),
        f"noise_distribution with power {power} for {len(counts)} words",
        hint="Raise the counts to the power, then divide by the sum of the powered counts.",
    )
with answers:
    got = noise_distribution(lee_counts)
assert_close(
    got,
    lee_counts**0.75 / np.sum(lee_counts**0.75),
    "noise_distribution with the default power",
    hint="The default power is 0.75.",
)
### END HIDDEN TESTS


# %% nbgrader={"grade": true, "grade_id": "test_sample_negatives", "locked": true, "points": 2, "schema_version": 3, "solution": false}
with answers:
    toy_draws = np.asarray(sample_negatives(np.array([0.5, 0.3, 0.2, 0.0]), (1000, 5), np.random.default_rng(0)))
assert_shape(toy_draws, (1000, 5), "sample_negatives(probabilities, (1000, 5), rng)")
assert np.issubdtype(toy_draws.dtype, np.integer), "sample_negatives should return integer ids"
assert toy_draws.min() >= 0 and toy_draws.max() <= 2, (
    "drew a word whose probability is 0: draw from `probabilities`, not uniformly"
)
### BEGIN HIDDEN TESTS
from scipy.stats import chisquare

lee_counts = np.array(sorted(Counter(w for d in lee_tokens for w in d).values(), reverse=True))
lee_counts = lee_counts[lee_counts >= 5]
exact = lee_counts**0.75 / np.sum(lee_counts**0.75)
with answers:
    draws = np.asarray(sample_negatives(exact, (40000, 5), np.random.default_rng(2024))).reshape(-1)
assert draws.min() >= 0 and draws.max() < len(exact), "sample_negatives returned ids outside the vocabulary"
observed = np.bincount(draws, minlength=len(exact))
# the 20 most likely words one by one, then the rest in 10 groups of similar mass
edges = np.searchsorted(np.cumsum(exact[20:]), np.linspace(0, exact[20:].sum(), 11)[1:-1]) + 20
groups = np.split(np.arange(len(exact)), list(range(1, 21)) + list(edges))
observed_groups = np.array([observed[g].sum() for g in groups])
expected_groups = np.array([exact[g].sum() for g in groups]) * len(draws)
p_value = chisquare(observed_groups, expected_groups).pvalue
distance = 0.5 * np.abs(observed / len(draws) - exact).sum()
assert p_value > 1e-4 and distance < 0.06, (
    f"200,000 draws do not follow the given probabilities (chi-square p-value {p_value:.1e}, "
    f"total-variation distance {distance:.3f}): draw each id with its probability"
)
with answers:
    again = np.asarray(sample_negatives(exact, (40000, 5), np.random.default_rng(2024))).reshape(-1)
assert np.array_equal(draws, again), "the same seed gave other draws: use rng, not np.random"
### END HIDDEN TESTS


# %% [markdown]
# ### 1.6 The input pipeline
#
# Skip-gram gets hundreds of thousands of pairs per epoch from our small corpus, so the
# pipeline must not work one example at a time in Python. Build everything with NumPy,
# then let `tf.data` cut it into batches.
#
# `make_dataset(inputs, targets, probabilities, negatives, batch_size, seed)`:
#
# 1. `rng = np.random.default_rng(seed)`;
# 2. draw `negatives` negative ids for every example with your `sample_negatives`, and
#    build `candidates`, an integer array of shape `(n, 1 + negatives)` whose column 0
#    is the target (the true word) and whose other columns are the negatives;
# 3. shuffle the examples, keeping each input with its candidates (for example with
#    `rng.permutation`);
# 4. return a `tf.data.Dataset` of `(inputs, candidates)` batches of `batch_size`
#    examples (the last one may be smaller), with `prefetch(tf.data.AUTOTUNE)` at the end.
#
# `inputs` is `centres` for skip-gram (shape `(n,)`) and `contexts` for CBOW (shape
# `(n, 2 * window)`); `targets` is the other array. Each epoch makes a new dataset with
# another seed, so every epoch has fresh negatives and a fresh order.


# %% nbgrader={"grade": false, "grade_id": "pipeline", "locked": false, "schema_version": 3, "solution": true}
def make_dataset(inputs, targets, probabilities, negatives, batch_size, seed):
    """Shuffled batches of (inputs, candidates); candidates[:, 0] is the target."""
    ### BEGIN SOLUTION
    rng = np.random.default_rng(seed)
    inputs, targets = np.asarray(inputs), np.asarray(targets)
    noise = sample_negatives(probabilities, (len(targets), negatives), rng)
    candidates = np.concatenate([targets[:, None], noise], axis=1).astype(np.int64)
    order = rng.permutation(len(targets))
    dataset = tf.data.Dataset.from_tensor_slices((inputs[order], candidates[order]))
    return dataset.batch(batch_size).prefetch(tf.data.AUTOTUNE)
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_make_dataset", "locked": true, "points": 2, "schema_version": 3, "solution": false}
with answers:
    toy_dataset = make_dataset(np.arange(10), np.arange(10) + 100, np.full(200, 1 / 200), 3, 4, seed=0)
    is_dataset = isinstance(toy_dataset, tf.data.Dataset)
    toy_batches = [(np.asarray(a), np.asarray(b)) for a, b in toy_dataset] if is_dataset else None
assert is_dataset, "make_dataset should return a tf.data.Dataset"
assert [len(a) for a, _ in toy_batches] == [4, 4, 2], "10 examples in batches of 4 make batches of 4, 4 and 2"
assert_shape(toy_batches[0][1], (4, 4), "candidates of a batch of 4 examples with 3 negatives")
### BEGIN HIDDEN TESTS
def collect(dataset):
    batches = [(np.asarray(a), np.asarray(b)) for a, b in dataset]
    return np.concatenate([a for a, _ in batches]), np.concatenate([b for _, b in batches]), batches


rng = np.random.default_rng(5)
probabilities = rng.random(60)
probabilities /= probabilities.sum()
centres, contexts = rng.integers(0, 60, size=500), rng.integers(0, 60, size=500)
windows = rng.integers(-1, 60, size=(300, 4))
for inputs, targets, negatives, batch_size in [(centres, contexts, 5, 64), (windows, contexts[:300], 2, 128)]:
    with answers:
        got_inputs, candidates, batches = collect(make_dataset(inputs, targets, probabilities, negatives, batch_size, seed=7))
        same_seed = collect(make_dataset(inputs, targets, probabilities, negatives, batch_size, seed=7))
        other_seed = collect(make_dataset(inputs, targets, probabilities, negatives, batch_size, seed=8))
    expected_sizes = [batch_size] * (len(targets) // batch_size) + ([len(targets) % batch_size] if len(targets) % batch_size else [])
    assert [len(a) for a, _ in batches] == expected_sizes, f"batches of {batch_size} examples expected"
    assert_shape(candidates, (len(targets), 1 + negatives), "all candidates")
    assert np.issubdtype(candidates.dtype, np.integer), "candidates should be integer ids"
    assert candidates.min() >= 0 and candidates.max() < len(probabilities), "candidates outside the vocabulary"
    rows = lambda a: [tuple(np.atleast_1d(r).tolist()) for r in a]
    got_examples = sorted(zip(rows(got_inputs), candidates[:, 0].tolist()))
    expected_examples = sorted(zip(rows(inputs), np.asarray(targets).tolist()))
    assert got_examples == expected_examples, (
        "the (input, candidates[:, 0]) pairs are not the (input, target) examples: put the "
        "target in column 0 and shuffle inputs and candidates with the same permutation"
    )
    assert not np.array_equal(got_inputs, inputs), "the examples are not shuffled"
    assert np.array_equal(same_seed[0], got_inputs) and np.array_equal(same_seed[1], candidates), (
        "the same seed gave another dataset: draw everything from np.random.default_rng(seed)"
    )
    assert not np.array_equal(other_seed[1], candidates), "another seed should give other negatives"
### END HIDDEN TESTS


# %% [markdown]
# ## Part 2: the models
#
# ### 2.1 Skip-gram scores with two tables
#
# Every word $w$ has two vectors: an **input** vector $v_w$, used when $w$ is the centre
# (row $w$ of the table `input_embeddings`), and an **output** vector $u_w$, used when
# $w$ is a candidate context (row $w$ of `output_embeddings`). The score of a candidate
# $o$ for a centre $c$ is the dot product
#
# $$s(c, o) = v_c^\top u_o.$$
#
# Write the `SkipGram` layer, in the shape of a Keras layer:
#
# - `__init__(vocabulary_size, embedding_dim, **kwargs)`: pass `**kwargs` to the base
#   class, store both sizes, and raise a `ValueError` reading
#   `"Expected vocabulary_size to be a positive integer, received: ..."` (likewise for
#   `embedding_dim`) for anything that is not a positive `int`.
# - `build(input_shape)`: two trainable weights of shape
#   `(vocabulary_size, embedding_dim)` made with `self.add_weight(shape=...,
#   initializer=..., trainable=True, name=...)` and stored as `self.input_embeddings`
#   (uniform in $[-0.5/d, 0.5/d]$, $d$ = `embedding_dim`, as word2vec does) and
#   `self.output_embeddings` (zeros). With zero output vectors, every score starts at 0.
# - `call(inputs, training=None)`: `inputs` is a pair `(centres, candidates)` of integer
#   tensors of shapes `(batch,)` and `(batch, n)`. Return the scores, shape `(batch, n)`:
#   `scores[b, j]` $= v_{\text{centres}[b]}^\top u_{\text{candidates}[b, j]}$. Use
#   `keras.ops` (`ops.take(table, ids, axis=0)` looks rows up; `ops.einsum` or a
#   product and a sum give the dot products).
# - `get_config()`: the base config plus both sizes.


# %% nbgrader={"grade": false, "grade_id": "skipgram_layer", "locked": false, "schema_version": 3, "solution": true}
class SkipGram(keras.layers.Layer):
    """Skip-gram scores: dot products of centre input vectors with candidate output vectors.

    The layer holds two tables of shape `(vocabulary_size, embedding_dim)`:
    `input_embeddings` (the vectors v of centre words) and `output_embeddings` (the
    vectors u of context candidates). The score of candidate o for centre c is v_c . u_o.

    Args:
        vocabulary_size: Positive int, the number of word ids.
        embedding_dim: Positive int, the length d of each vector.
        **kwargs: Base layer keyword arguments, such as `name` and `dtype`.

    Call arguments:
        inputs: A pair `(centres, candidates)` of integer tensors of shapes `(batch,)`
            and `(batch, n)`.
        training: Python boolean; the layer behaves the same in both modes.

    Example:

    >>> layer = SkipGram(vocabulary_size=100, embedding_dim=8)
    >>> scores = layer((np.array([3, 5]), np.array([[1, 2, 3], [4, 5, 6]])))
    >>> scores.shape
    TensorShape([2, 3])
    """

    def __init__(self, vocabulary_size, embedding_dim, **kwargs):
        super().__init__(**kwargs)
        ### BEGIN SOLUTION
        for name, value in (("vocabulary_size", vocabulary_size), ("embedding_dim", embedding_dim)):
            if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
                raise ValueError(f"Expected {name} to be a positive integer, received: {name}={value!r}")
        self.vocabulary_size = int(vocabulary_size)
        self.embedding_dim = int(embedding_dim)
        ### END SOLUTION

    def build(self, input_shape):
        ### BEGIN SOLUTION
        shape = (self.vocabulary_size, self.embedding_dim)
        scale = 0.5 / self.embedding_dim
        self.input_embeddings = self.add_weight(
            shape=shape,
            initializer=keras.initializers.RandomUniform(-scale, scale),
            trainable=True,
            name="input_embeddings",
        )
        self.output_embeddings = self.add_weight(
            shape=shape, initializer="zeros", trainable=True, name="output_embeddings"
        )
        ### END SOLUTION

    def call(self, inputs, training=None):
        ### BEGIN SOLUTION
        centres, candidates = inputs
        centre_vectors = ops.take(self.input_embeddings, centres, axis=0)
        candidate_vectors = ops.take(self.output_embeddings, candidates, axis=0)
        return ops.einsum("bd,bnd->bn", centre_vectors, candidate_vectors)
        ### END SOLUTION

    def get_config(self):
        ### BEGIN SOLUTION
        return {
            **super().get_config(),
            "vocabulary_size": self.vocabulary_size,
            "embedding_dim": self.embedding_dim,
        }
        ### END SOLUTION


# %% [markdown]
# ### 2.2 CBOW scores
#
# CBOW averages the **input** vectors of the context words and scores each candidate
# centre against that average $h$:
#
# $$h = \frac{1}{|C|} \sum_{j \in C} v_{w_j}, \qquad s(C, o) = h^\top u_o,$$
#
# where $C$ holds the real context positions only: the `-1` entries of a row are
# padding and must count neither in the sum nor in $|C|$. Every row has at least one
# real context.
#
# `CBOW` inherits `__init__`, `build` and `get_config` from `SkipGram`; write its `call`:
# `inputs` is `(contexts, candidates)` with shapes `(batch, 2 * window)` and
# `(batch, n)`, and the result has shape `(batch, n)`. `ops.take` cannot look up `-1`:
# look up `ops.maximum(contexts, 0)` and multiply by a mask of the real positions.


# %% nbgrader={"grade": false, "grade_id": "cbow_layer", "locked": false, "schema_version": 3, "solution": true}
class CBOW(SkipGram):
    """CBOW scores: the mean input vector of the contexts dotted with candidate output vectors.

    Call arguments:
        inputs: A pair `(contexts, candidates)` of integer tensors of shapes
            `(batch, 2 * window)` (-1 marks padding) and `(batch, n)`.
        training: Python boolean; the layer behaves the same in both modes.
    """

    def call(self, inputs, training=None):
        ### BEGIN SOLUTION
        contexts, candidates = inputs
        mask = ops.cast(ops.greater_equal(contexts, 0), self.compute_dtype)
        context_vectors = ops.take(self.input_embeddings, ops.maximum(contexts, 0), axis=0)
        summed = ops.sum(context_vectors * ops.expand_dims(mask, -1), axis=1)
        hidden = summed / ops.maximum(ops.sum(mask, axis=1, keepdims=True), 1.0)
        output_vectors = ops.take(self.output_embeddings, candidates, axis=0)
        return ops.sum(ops.expand_dims(hidden, 1) * output_vectors, axis=-1)
        ### END SOLUTION


# %% [markdown]
# The tests load the same two tables into your layers and into two
# `keras.layers.Embedding` layers (Keras's own lookup table), and compare the scores and
# their gradients. `embedding_lookup` is that reference lookup; use it to debug.


# %% nbgrader={"grade": false, "grade_id": "test_tools", "locked": true, "schema_version": 3, "solution": false}
def embedding_lookup(table, ids):
    """Rows `ids` of `table`, looked up by a keras.layers.Embedding holding `table`."""
    table = np.asarray(table, dtype=np.float32)
    embedding = keras.layers.Embedding(table.shape[0], table.shape[1])
    embedding.build()
    embedding.set_weights([table])
    return embedding(np.asarray(ids))


def load_tables(layer, input_table, output_table, id_shapes):
    """Builds `layer` for inputs of `id_shapes` and loads both tables into it."""
    if not layer.built:
        layer.build(id_shapes)
    layer.input_embeddings.assign(np.asarray(input_table, dtype=np.float32))
    layer.output_embeddings.assign(np.asarray(output_table, dtype=np.float32))


# %% nbgrader={"grade": true, "grade_id": "test_skipgram_layer", "locked": true, "points": 2, "schema_version": 3, "solution": false}
with answers:
    layer = SkipGram(vocabulary_size=30, embedding_dim=8)
    layer.build(((None,), (None, 6)))
    trainable_count = len(layer.trainable_weights)
    input_table = ops.convert_to_numpy(layer.input_embeddings)
    output_table = ops.convert_to_numpy(layer.output_embeddings)
assert trainable_count == 2, "build() should create two trainable tables"
assert_shape(input_table, (30, 8), "layer.input_embeddings")
assert_shape(output_table, (30, 8), "layer.output_embeddings")
### BEGIN HIDDEN TESTS
assert_close(output_table, np.zeros((30, 8)), "initial output_embeddings", hint="Start the output vectors at zero.")
assert np.abs(input_table).max() <= 0.5 / 8 + 1e-7 and np.abs(input_table).max() > 0.1 / 8, (
    "initial input_embeddings should be uniform in [-0.5/d, 0.5/d], d = embedding_dim"
)
with answers:
    fresh_layer = SkipGram(vocabulary_size=30, embedding_dim=8)
    fresh_layer.build(((None,), (None, 6)))
    distinct_tables = len({id(v) for v in fresh_layer.trainable_weights})
    config = SkipGram(vocabulary_size=12, embedding_dim=3, name="words").get_config()
    config_sizes = (config.get("vocabulary_size"), config.get("embedding_dim"))
assert distinct_tables == 2, "the two tables must be two distinct weights"
assert config_sizes == (12, 3), "get_config() should include vocabulary_size and embedding_dim"
with answers:
    rebuilt = SkipGram.from_config(SkipGram(vocabulary_size=12, embedding_dim=3, name="words").get_config())
    rebuilt_name, rebuilt_dim = rebuilt.name, rebuilt.embedding_dim
assert rebuilt_name == "words" and rebuilt_dim == 3, (
    "from_config(get_config()) should rebuild the layer, name included: merge the base config"
)
for bad in ({"vocabulary_size": 0, "embedding_dim": 4}, {"vocabulary_size": 10, "embedding_dim": -2},
            {"vocabulary_size": 10, "embedding_dim": 2.5}, {"vocabulary_size": "10", "embedding_dim": 4}):
    with answers:
        try:
            SkipGram(**bad)
            error_message = None
        except ValueError as error:
            error_message = str(error)
    if error_message is None:
        raise AssertionError(f"SkipGram(**{bad}) should raise a ValueError")
    assert "Expected" in error_message and "received" in error_message, (
        f"the ValueError for {bad} should read 'Expected ..., received: ...'"
    )
### END HIDDEN TESTS


# %% nbgrader={"grade": true, "grade_id": "test_skipgram_scores", "locked": true, "points": 2, "schema_version": 3, "solution": false}
rng = np.random.default_rng(10)
input_table, output_table = rng.normal(size=(20, 4)), rng.normal(size=(20, 4))
centres, candidates = np.array([0, 5, 7]), np.array([[1, 2], [5, 0], [19, 7]])
with answers:
    layer = SkipGram(20, 4)
    load_tables(layer, input_table, output_table, ((None,), (None, 2)))
    scores = layer((centres, candidates))
expected = ops.einsum("bd,bnd->bn", embedding_lookup(input_table, centres), embedding_lookup(output_table, candidates))
assert_close(scores, expected, "SkipGram scores", hint="Centres use input_embeddings, candidates output_embeddings.")
### BEGIN HIDDEN TESTS
for vocabulary, dim, batch, n in [(50, 6, 7, 6), (9, 3, 12, 1), (40, 16, 5, 11)]:
    input_table, output_table = rng.normal(size=(vocabulary, dim)), rng.normal(size=(vocabulary, dim))
    centres = rng.integers(0, vocabulary, size=batch)
    candidates = rng.integers(0, vocabulary, size=(batch, n))
    candidates[:, 0] = centres  # the score of each word with itself, too
    weights = rng.normal(size=(batch, n)).astype(np.float32)
    with answers:
        hidden_layer = SkipGram(vocabulary, dim)
        load_tables(hidden_layer, input_table, output_table, ((None,), (None, n)))
        with tf.GradientTape() as layer_tape:
            scores = hidden_layer((centres, candidates))
            total = ops.sum(scores * weights)
        raw_gradients = layer_tape.gradient(total, [hidden_layer.input_embeddings, hidden_layer.output_embeddings])
        gradients = [None if g is None else ops.convert_to_numpy(tf.convert_to_tensor(g)) for g in raw_gradients]
    reference_tables = [tf.Variable(input_table, dtype=tf.float32), tf.Variable(output_table, dtype=tf.float32)]
    with tf.GradientTape() as tape:
        reference = tf.einsum("bd,bnd->bn", tf.gather(reference_tables[0], centres), tf.gather(reference_tables[1], candidates))
        reference_total = tf.reduce_sum(reference * weights)
    reference_gradients = tape.gradient(reference_total, reference_tables)
    assert_close(scores, reference, f"SkipGram scores for {batch} centres and {n} candidates",
                 hint="Each centre uses its row of input_embeddings, each candidate its row of output_embeddings.")
    for name, gradient, expected in zip(["input_embeddings", "output_embeddings"], gradients, reference_gradients):
        assert gradient is not None, (
            f"{name} receives no gradient: the scores must use both tables, input vectors for "
            "centres and output vectors for candidates"
        )
        assert_close(gradient, tf.convert_to_tensor(expected), f"gradient of the scores with respect to {name}")
### END HIDDEN TESTS


# %% nbgrader={"grade": true, "grade_id": "test_cbow_scores", "locked": true, "points": 2, "schema_version": 3, "solution": false}
rng = np.random.default_rng(11)
input_table, output_table = rng.normal(size=(20, 4)), rng.normal(size=(20, 4))
contexts, candidates = np.array([[1, 2, 3, 4], [5, 6, 7, 8]]), np.array([[0, 9], [10, 11]])
with answers:
    layer = CBOW(20, 4)
    load_tables(layer, input_table, output_table, ((None, 4), (None, 2)))
    scores = layer((contexts, candidates))
hidden = ops.mean(embedding_lookup(input_table, contexts), axis=1)
expected = ops.einsum("bd,bnd->bn", hidden, embedding_lookup(output_table, candidates))
assert_close(scores, expected, "CBOW scores without padding", hint="Average the context input vectors.")
### BEGIN HIDDEN TESTS
for vocabulary, dim, batch, width, n in [(30, 5, 9, 4, 6), (12, 3, 6, 6, 1), (50, 8, 20, 10, 3)]:
    input_table, output_table = rng.normal(size=(vocabulary, dim)), rng.normal(size=(vocabulary, dim))
    contexts = rng.integers(0, vocabulary, size=(batch, width))
    padding = rng.random((batch, width)) < 0.4
    padding[np.arange(batch), rng.integers(0, width, size=batch)] = False  # one real context at least
    padding[0] = False
    contexts[padding] = -1
    candidates = rng.integers(0, vocabulary, size=(batch, n))
    with answers:
        hidden_layer = CBOW(vocabulary, dim)
        load_tables(hidden_layer, input_table, output_table, ((None, width), (None, n)))
        scores = hidden_layer((contexts, candidates))
    looked_up = np.asarray(embedding_lookup(input_table, np.maximum(contexts, 0)))
    real = (contexts >= 0)[..., None]
    hidden = (looked_up * real).sum(axis=1) / real.sum(axis=1)
    expected = np.einsum("bd,bnd->bn", hidden, np.asarray(embedding_lookup(output_table, candidates)))
    assert_close(
        scores,
        expected,
        f"CBOW scores with padded contexts (batch {batch}, width {width}, {n} candidates)",
        hint="Average the input vectors of the real contexts only: -1 is padding and counts "
        "neither in the sum nor in the number of contexts.",
    )
### END HIDDEN TESTS


# %% [markdown]
# ### 2.3 The negative-sampling loss
#
# For one example, the candidates are the true word (column 0) and $k$ negatives
# (columns 1 to $k$), with scores $s_0, s_1, \dots, s_k$. Negative sampling trains one
# logistic classifier per candidate, "is this the true word?", whose probability is
# $\sigma(s)$. The true word should get a probability near 1 and the negatives near 0:
#
# $$\ell = -\log \sigma(s_0) - \sum_{j=1}^{k} \log \sigma(-s_j),$$
#
# using $1 - \sigma(s) = \sigma(-s)$. `negative_sampling_loss(scores)` takes scores of
# shape `(batch, 1 + k)` and returns the **mean over the batch** of $\ell$ (a sum over
# the candidates of each example). Write it with `keras.ops`, in a form that stays finite
# for large scores: $-\log \sigma(x)$ is `ops.softplus(-x)`, and `ops.log_sigmoid`
# exists too.


# %% nbgrader={"grade": false, "grade_id": "loss", "locked": false, "schema_version": 3, "solution": true}
def negative_sampling_loss(scores):
    """Mean over the batch of -log sigmoid(s_0) - sum_j log sigmoid(-s_j)."""
    ### BEGIN SOLUTION
    positive = -ops.log_sigmoid(scores[:, 0])
    negative = -ops.sum(ops.log_sigmoid(-scores[:, 1:]), axis=1)
    return ops.mean(positive + negative)
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_negative_sampling_loss", "locked": true, "points": 2, "schema_version": 3, "solution": false}
with answers:
    loss = negative_sampling_loss(ops.zeros((4, 6)))
assert_close(loss, 6 * np.log(2.0), "loss of all-zero scores with 5 negatives", hint="Each of the 6 candidates contributes log 2.")
### BEGIN HIDDEN TESTS
rng = np.random.default_rng(12)
for batch, k, scale in [(8, 5, 1.0), (3, 1, 4.0), (16, 10, 0.3), (5, 3, 15.0)]:
    scores = (rng.normal(size=(batch, 1 + k)) * scale).astype(np.float32)
    with answers:
        loss = negative_sampling_loss(tf.constant(scores))
    labels = tf.concat([tf.ones((batch, 1)), tf.zeros((batch, k))], axis=1)
    expected = tf.reduce_mean(tf.reduce_sum(tf.nn.sigmoid_cross_entropy_with_logits(labels=labels, logits=scores), axis=1))
    assert_close(
        loss,
        expected,
        f"negative_sampling_loss for a batch of {batch} with {k} negatives",
        hint="Column 0 is the true word (label 1), the others are negatives (label 0); sum "
        "over the candidates, average over the batch.",
    )
# the loss must fall when the true word's score rises and the negatives' scores fall
with answers:
    better = ops.convert_to_numpy(negative_sampling_loss(tf.constant([[3.0, -3.0, -3.0]])))
    worse = ops.convert_to_numpy(negative_sampling_loss(tf.constant([[-3.0, 3.0, 3.0]])))
assert better < worse, "the loss should be small when the true word scores high and negatives low"
### END HIDDEN TESTS


# %% [markdown]
# ## Part 3: training on `lee_background`
#
# The next cell prepares the corpus with your part 1 functions. The settings are small so
# that the notebook runs in well under a minute on a laptop CPU: 50-dimensional vectors,
# a window of 3, 5 negatives, 3 epochs.
#
# `NegativeSamplingModel` wraps either of your layers in a `keras.Model` whose
# `train_step` computes your loss on the layer's scores, so `fit` can train it. Read it:
# it is the whole training step of word2vec, with the gradient computed by
# `tf.GradientTape`. Only the rows of the tables that a batch looks up get a gradient.


# %% nbgrader={"grade": false, "grade_id": "settings", "locked": true, "schema_version": 3, "solution": false}
MIN_COUNT = 5
SAMPLE = 1e-3
EMBEDDING_DIM = 50
WINDOW = 3
NEGATIVES = 5
EPOCHS = 3
SKIPGRAM_BATCH, SKIPGRAM_LEARNING_RATE = 2048, 0.02
CBOW_BATCH, CBOW_LEARNING_RATE = 256, 0.02  # CBOW: 6 times fewer examples


class NegativeSamplingModel(keras.Model):
    """Trains a scoring layer (SkipGram or CBOW) with the negative-sampling loss."""

    def __init__(self, scorer, **kwargs):
        super().__init__(**kwargs)
        self.scorer = scorer
        self.loss_tracker = keras.metrics.Mean(name="loss")

    def call(self, inputs, training=None):
        return self.scorer(inputs, training=training)

    @property
    def metrics(self):
        return [self.loss_tracker]

    def train_step(self, data):
        with tf.GradientTape() as tape:
            loss = negative_sampling_loss(self(data, training=True))
        gradients = tape.gradient(loss, self.trainable_variables)
        self.optimizer.apply(gradients, self.trainable_variables)
        self.loss_tracker.update_state(loss)
        return {"loss": self.loss_tracker.result()}


def train_embeddings(scorer, make_examples, batch_size, learning_rate, epochs=EPOCHS, seed=0):
    """Trains `scorer` for `epochs` epochs; each one subsamples and draws negatives anew."""
    model = NegativeSamplingModel(scorer)
    model.compile(optimizer=keras.optimizers.Adam(learning_rate))
    rng = np.random.default_rng(seed)
    losses = []
    for epoch in range(epochs):
        inputs, targets = make_examples(subsample(encoded, keep, rng), WINDOW)
        dataset = make_dataset(inputs, targets, noise, NEGATIVES, batch_size, seed=seed + epoch)
        history = model.fit(dataset, epochs=1, verbose=0, shuffle=False)
        losses.append(float(history.history["loss"][-1]))
        print(f"epoch {epoch + 1}: {len(targets)} examples, mean loss {losses[-1]:.3f}")
    return losses


# %% nbgrader={"grade": false, "grade_id": "prepare_corpus", "locked": true, "schema_version": 3, "solution": false} tags=["training"]
words, counts = build_vocabulary(lee_tokens, MIN_COUNT)
word_index = {word: i for i, word in enumerate(words)}
encoded = encode(lee_tokens, words)
keep = keep_probabilities(counts, SAMPLE)
noise = noise_distribution(counts)
print(f"vocabulary: {len(words)} words seen at least {MIN_COUNT} times")
print(f"tokens in the vocabulary: {counts.sum()}, kept after subsampling on average: {(counts * keep).sum():.0f}")
print("most frequent:", ", ".join(f"{w} ({p:.2f})" for w, p in zip(words[:6], keep[:6])), "(keep probability)")


# %% [markdown]
# Train skip-gram (a few seconds), then CBOW on the same data. The first epoch is
# slower: TensorFlow traces the training step into a graph.


# %% nbgrader={"grade": false, "grade_id": "train_skipgram", "locked": true, "schema_version": 3, "solution": false} tags=["training"]
skipgram = SkipGram(len(words), EMBEDDING_DIM, name="skipgram")
skipgram_losses = train_embeddings(skipgram, skipgram_pairs, SKIPGRAM_BATCH, SKIPGRAM_LEARNING_RATE)


# %% nbgrader={"grade": true, "grade_id": "test_skipgram_training", "locked": true, "points": 2, "schema_version": 3, "solution": false} tags=["training"]
with answers:
    losses = list(skipgram_losses)
assert len(losses) == EPOCHS and losses[-1] < losses[0], (
    "the skip-gram loss did not decrease from the first epoch to the last"
)
assert losses[-1] < 6 * np.log(2.0), "the loss should fall below its starting value, 6 ln 2"
### BEGIN HIDDEN TESTS
# neighbouring words of the (subsampled) corpus should score higher together than with
# the centre of another random pair: same context word on both sides, so frequency cancels
with answers:
    vocabulary = list(words)
# the corpus in the ids of that vocabulary, and the keep probabilities of its words
index = {word: i for i, word in enumerate(vocabulary)}
corpus_counts = Counter(word for document in lee_tokens for word in document)
vocabulary_counts = np.array([corpus_counts[word] for word in vocabulary], dtype=np.float64)
corpus_keep = np.minimum(1.0, np.sqrt(SAMPLE / (vocabulary_counts / vocabulary_counts.sum())))
corpus_ids = [np.array([index[w] for w in document if w in index], dtype=np.int64) for document in lee_tokens]
rng = np.random.default_rng(99)
thinned = [document[rng.random(len(document)) < corpus_keep[document]] for document in corpus_ids]
sample_centres = np.concatenate([document[:-1] for document in thinned])
sample_contexts = np.concatenate([document[1:] for document in thinned])
pick = rng.permutation(len(sample_centres))[:5000]
sample_centres, sample_contexts = sample_centres[pick], sample_contexts[pick]
other_centres = rng.permutation(sample_centres)
with answers:
    true_scores = ops.convert_to_numpy(skipgram((sample_centres, sample_contexts[:, None])))[:, 0]
    other_scores = ops.convert_to_numpy(skipgram((other_centres, sample_contexts[:, None])))[:, 0]
fraction = np.mean(true_scores > other_scores)
assert fraction > 0.65, (
    f"after training, a true (centre, context) pair outscores a random centre with the same "
    f"context only {fraction:.0%} of the time: check the loss, the tables and the pipeline"
)
### END HIDDEN TESTS


# %% nbgrader={"grade": false, "grade_id": "train_cbow", "locked": true, "schema_version": 3, "solution": false} tags=["training"]
cbow = CBOW(len(words), EMBEDDING_DIM, name="cbow")
cbow_losses = train_embeddings(cbow, cbow_examples, CBOW_BATCH, CBOW_LEARNING_RATE)


# %% nbgrader={"grade": true, "grade_id": "test_cbow_training", "locked": true, "points": 1, "schema_version": 3, "solution": false} tags=["training"]
with answers:
    losses = list(cbow_losses)
assert len(losses) == EPOCHS and losses[-1] < losses[0], (
    "the CBOW loss did not decrease from the first epoch to the last"
)
### BEGIN HIDDEN TESTS
with answers:
    vocabulary = list(words)
# the corpus in the ids of that vocabulary, and the keep probabilities of its words
index = {word: i for i, word in enumerate(vocabulary)}
corpus_counts = Counter(word for document in lee_tokens for word in document)
vocabulary_counts = np.array([corpus_counts[word] for word in vocabulary], dtype=np.float64)
corpus_keep = np.minimum(1.0, np.sqrt(SAMPLE / (vocabulary_counts / vocabulary_counts.sum())))
corpus_ids = [np.array([index[w] for w in document if w in index], dtype=np.int64) for document in lee_tokens]
rng = np.random.default_rng(98)
thinned = [document[rng.random(len(document)) < corpus_keep[document]] for document in corpus_ids]
windows, middles = [], []
for document in thinned:
    for i in range(WINDOW, len(document) - WINDOW):
        windows.append(np.concatenate([document[i - WINDOW : i], document[i + 1 : i + 1 + WINDOW]]))
        middles.append(document[i])
pick = rng.permutation(len(middles))[:5000]
windows, middles = np.array(windows)[pick], np.array(middles)[pick]
other_windows = windows[rng.permutation(len(windows))]
with answers:
    true_scores = ops.convert_to_numpy(cbow((windows, middles[:, None])))[:, 0]
    other_scores = ops.convert_to_numpy(cbow((other_windows, middles[:, None])))[:, 0]
fraction = np.mean(true_scores > other_scores)
assert fraction > 0.7, (
    f"after training, a true centre scores higher with its own contexts than with random "
    f"contexts only {fraction:.0%} of the time: check the CBOW average and the pipeline"
)
### END HIDDEN TESTS


# %% [markdown]
# ## Part 4: evaluation
#
# The loss says how well the model tells true contexts from noise, not whether the
# vectors are useful. Three standard checks, all on the **input** vectors with the
# **cosine similarity** $\cos(a, b) = a^\top b / (\|a\| \|b\|)$: the length of a word2vec
# vector grows with the word's frequency, so raw dot products would favour frequent words.
#
# 1. `most_similar(vectors, query, k)`: the ids of the `k` words whose vectors have the
#    highest cosine similarity with word `query`'s vector, most similar first, `query`
#    itself left out.
# 2. `word_similarity(vectors, word_index, pairs)`: `pairs` is a list of
#    `(word1, word2, human_score)`. Keep the pairs whose two words are both in
#    `word_index` (a dict word -> id), compute the cosine of each, and return
#    `(rho, used)`: the **Spearman** rank correlation between the cosines and the human
#    scores (`scipy.stats.spearmanr`) and the number of pairs used.
# 3. `analogy_accuracy(vectors, word_index, questions)`: each question `(a, b, c, d)`
#    reads "a is to b as c is to d" (`("paris", "france", "rome", "italy")`). Keep the
#    questions whose four words are in the vocabulary. Normalize every vector to unit
#    length; the answer is the word whose unit vector has the highest cosine with
#    $\hat b - \hat a + \hat c$, **excluding a, b and c** themselves. Return
#    `(accuracy, used)`, the fraction answered with d and the number of questions used,
#    or `(0.0, 0)` when none is usable. Score all questions with one matrix product.
#
# `read_word_pairs` and `read_analogies` read the two evaluation files shipped with
# gensim, lowercased.


# %% nbgrader={"grade": false, "grade_id": "readers", "locked": true, "schema_version": 3, "solution": false}
def read_word_pairs(path):
    """WordSim-353 as a list of (word1, word2, human score from 0 to 10)."""
    pairs = []
    for line in open(path, encoding="utf-8"):
        if line.strip() and not line.startswith("#"):
            first, second, score = line.strip().split("\t")
            pairs.append((first.lower(), second.lower(), float(score)))
    return pairs


def read_analogies(path):
    """Mikolov's analogy questions as a list of lowercased (a, b, c, d); section titles skipped."""
    return [tuple(line.lower().split()) for line in open(path, encoding="utf-8") if not line.startswith(":")]


similarity_pairs = read_word_pairs(evaluation_file("wordsim353.tsv"))
analogy_questions = read_analogies(evaluation_file("questions-words.txt"))
print(f"{len(similarity_pairs)} word pairs, {len(analogy_questions)} analogy questions")


# %% nbgrader={"grade": false, "grade_id": "evaluation", "locked": false, "schema_version": 3, "solution": true}
def most_similar(vectors, query, k):
    """Ids of the k words closest to word `query` by cosine similarity, itself excluded."""
    ### BEGIN SOLUTION
    vectors = np.asarray(vectors, dtype=np.float64)
    unit = vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
    similarities = unit @ unit[query]
    similarities[query] = -np.inf
    return np.argsort(-similarities, kind="stable")[:k]
    ### END SOLUTION


def word_similarity(vectors, word_index, pairs):
    """(Spearman correlation of cosines with human scores, number of pairs used)."""
    ### BEGIN SOLUTION
    vectors = np.asarray(vectors, dtype=np.float64)
    unit = vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
    used = [(a, b, score) for a, b, score in pairs if a in word_index and b in word_index]
    cosines = [unit[word_index[a]] @ unit[word_index[b]] for a, b, _ in used]
    rho = spearmanr(cosines, [score for _, _, score in used]).statistic
    return float(rho), len(used)
    ### END SOLUTION


def analogy_accuracy(vectors, word_index, questions):
    """(Fraction of a:b :: c:d answered with d by 3CosAdd, number of questions used)."""
    ### BEGIN SOLUTION
    used = [q for q in questions if all(word in word_index for word in q)]
    if not used:
        return 0.0, 0
    vectors = np.asarray(vectors, dtype=np.float64)
    unit = vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
    ids = np.array([[word_index[word] for word in q] for q in used])
    targets = unit[ids[:, 1]] - unit[ids[:, 0]] + unit[ids[:, 2]]
    scores = targets @ unit.T
    rows = np.arange(len(used))
    for column in range(3):
        scores[rows, ids[:, column]] = -np.inf
    return float(np.mean(scores.argmax(axis=1) == ids[:, 3])), len(used)
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_most_similar", "locked": true, "points": 2, "schema_version": 3, "solution": false}
toy_vectors = np.array([[1.0, 0.0], [10.0, 9.0], [0.9, 0.1], [0.0, 1.0]])
with answers:
    neighbours = list(np.asarray(most_similar(toy_vectors, 0, 2)))
assert 0 not in neighbours, "most_similar should leave the query word out"
assert neighbours[0] == 2, "the nearest neighbour is the word with the highest cosine similarity, not dot product"
### BEGIN HIDDEN TESTS
rng = np.random.default_rng(13)
vectors = rng.normal(size=(300, 12)) * rng.uniform(0.1, 10.0, size=(300, 1))
unit = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
for query, k in [(0, 1), (17, 5), (299, 10), (150, 25)]:
    cosines = unit @ unit[query]
    cosines[query] = -np.inf
    expected = np.argsort(-cosines)[:k]
    with answers:
        got = np.asarray(most_similar(vectors, query, k))
    assert_shape(got, (k,), f"most_similar(vectors, {query}, {k})")
    assert got.tolist() == expected.tolist(), (
        f"most_similar(vectors, {query}, {k}) is not the k most similar words by cosine, "
        "most similar first, without the query itself"
    )
### END HIDDEN TESTS


# %% nbgrader={"grade": true, "grade_id": "test_word_similarity", "locked": true, "points": 2, "schema_version": 3, "solution": false}
toy_index = {"cat": 0, "dog": 1, "car": 2}
toy_pairs = [("cat", "dog", 8.0), ("cat", "car", 2.0), ("dog", "car", 3.0), ("cat", "moon", 1.0)]
with answers:
    rho, used = word_similarity(np.array([[1.0, 0.1], [0.9, 0.3], [0.1, 1.0]]), toy_index, toy_pairs)
assert used == 3, f"3 pairs have both words in the vocabulary, word_similarity used {used}"
### BEGIN HIDDEN TESTS
rng = np.random.default_rng(14)
vocabulary = [f"w{i}" for i in range(60)]
index = {w: i for i, w in enumerate(vocabulary)}
for _ in range(3):
    vectors = rng.normal(size=(60, 8)) * rng.uniform(0.2, 5.0, size=(60, 1))
    # distinct pairs of distinct words, some unknown (ids 60 to 79)
    firsts, seconds = rng.integers(0, 80, 90), rng.integers(0, 80, 90)
    distinct = sorted({(min(a, b), max(a, b)) for a, b in zip(firsts, seconds) if a != b})
    pairs = [(f"w{a}", f"w{b}", float(s)) for (a, b), s in zip(distinct, rng.integers(0, 11, len(distinct)))]
    known = [(a, b, s) for a, b, s in pairs if a in index and b in index]
    unit = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    cosines = [unit[index[a]] @ unit[index[b]] for a, b, _ in known]
    expected_rho = spearmanr(cosines, [s for _, _, s in known]).statistic
    with answers:
        rho, used = word_similarity(vectors, index, pairs)
    assert used == len(known), f"word_similarity used {used} pairs instead of {len(known)}: keep the pairs with both words known"
    assert_close(rho, expected_rho, "word_similarity's correlation",
                 hint="Use Spearman's rank correlation of the cosine similarities with the human scores.")
### END HIDDEN TESTS


# %% nbgrader={"grade": true, "grade_id": "test_analogy_accuracy", "locked": true, "points": 2, "schema_version": 3, "solution": false}
toy_index = {"man": 0, "king": 1, "woman": 2, "queen": 3, "apple": 4}
toy_vectors = np.array([[1.0, 0.0, 0.0], [1.0, 1.0, 0.0], [0.0, 0.0, 1.0], [0.0, 1.0, 1.0], [0.5, -1.0, 0.3]])
with answers:
    accuracy, used = analogy_accuracy(toy_vectors, toy_index, [("man", "king", "woman", "queen"), ("man", "king", "boy", "prince")])
assert used == 1, f"1 question has its four words in the vocabulary, analogy_accuracy used {used}"
assert_close(accuracy, 1.0, "analogy accuracy on man:king :: woman:queen")
### BEGIN HIDDEN TESTS
def reference_analogies(vectors, index, questions):
    unit = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    correct, used = 0, 0
    for question in questions:
        if not all(w in index for w in question):
            continue
        a, b, c, d = (index[w] for w in question)
        target = unit[b] - unit[a] + unit[c]
        cosines = unit @ target / np.linalg.norm(target)
        cosines[[a, b, c]] = -np.inf
        correct += int(np.argmax(cosines) == d)
        used += 1
    return (correct / used if used else 0.0), used


rng = np.random.default_rng(15)
vocabulary = [f"w{i}" for i in range(40)]
index = {w: i for i, w in enumerate(vocabulary)}
vectors = rng.normal(size=(40, 5)) * rng.uniform(0.2, 5.0, size=(40, 1))
questions = [tuple(f"w{i}" for i in rng.integers(0, 45, size=4)) for _ in range(300)]
# and questions whose answer is right when a, b and c are excluded
for _ in range(100):
    a, b, c = rng.choice(40, size=3, replace=False)
    unit = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    cosines = unit @ (unit[b] - unit[a] + unit[c])
    cosines[[a, b, c]] = -np.inf
    questions.append((f"w{a}", f"w{b}", f"w{c}", f"w{int(np.argmax(cosines))}"))
expected_accuracy, expected_used = reference_analogies(vectors, index, questions)
with answers:
    accuracy, used = analogy_accuracy(vectors, index, questions)
    no_question = tuple(analogy_accuracy(vectors, index, [("zz", "w1", "w2", "w3")]))
assert used == expected_used, f"analogy_accuracy used {used} questions instead of {expected_used}"
assert_close(accuracy, expected_accuracy, "analogy accuracy on random vectors",
             hint="Use unit vectors, b - a + c, and leave a, b and c out of the candidates.")
assert no_question == (0.0, 0), (
    "with no usable question, return (0.0, 0)"
)
### END HIDDEN TESTS


# %% [markdown]
# ### 4.1 Your models next to gensim
#
# gensim's `Word2Vec` implements the same method in optimized C, with plain SGD and a
# decaying learning rate. The next cell trains it on the same tokens, with the same
# dimension, window, negatives, epochs, minimum count and subsampling threshold (one
# worker thread and a seed, so that the run is reproducible), and evaluates all four
# models with your functions.
#
# Expect low and noisy numbers for **every** model here: 58,000 words is tiny for
# word2vec, only a few dozen WordSim pairs and analogy questions use words of this
# news corpus, and a change of seed moves the correlation by several hundredths. The
# benchmark `benchmarks/word2vec_vs_gensim.py` makes the comparison on a corpus six
# times larger.


# %% nbgrader={"grade": false, "grade_id": "compare_gensim", "locked": true, "schema_version": 3, "solution": false} tags=["training"]
from gensim.models import Word2Vec

gensim_settings = dict(
    vector_size=EMBEDDING_DIM, window=WINDOW, negative=NEGATIVES, epochs=EPOCHS,
    min_count=MIN_COUNT, sample=SAMPLE, workers=1, seed=0,
)
gensim_skipgram = Word2Vec(lee_tokens, sg=1, **gensim_settings)
gensim_cbow = Word2Vec(lee_tokens, sg=0, **gensim_settings)

models = {
    "our skip-gram": (ops.convert_to_numpy(skipgram.input_embeddings), word_index),
    "our CBOW": (ops.convert_to_numpy(cbow.input_embeddings), word_index),
    "gensim skip-gram": (gensim_skipgram.wv.vectors, gensim_skipgram.wv.key_to_index),
    "gensim CBOW": (gensim_cbow.wv.vectors, gensim_cbow.wv.key_to_index),
}
print(f"{'model':18s} {'Spearman':>9s} {'pairs':>6s} {'analogies':>10s} {'questions':>10s}")
for name, (vectors, index) in models.items():
    rho, pairs_used = word_similarity(vectors, index, similarity_pairs)
    accuracy, questions_used = analogy_accuracy(vectors, index, analogy_questions)
    print(f"{name:18s} {rho:9.3f} {pairs_used:6d} {accuracy:10.1%} {questions_used:10d}")

vectors = ops.convert_to_numpy(skipgram.input_embeddings)
for query in ["police", "fire", "palestinian", "government", "australia"]:
    neighbours = [words[i] for i in most_similar(vectors, word_index[query], 5)]
    print(f"{query:12s} -> {', '.join(neighbours)}")


# %% [markdown]
# A 2-D picture: the skip-gram vectors of a few groups of words, projected on their two
# principal components (PCA, computed with an SVD). Words of one group should gather,
# though 50 dimensions squeezed into 2 lose a lot.


# %% nbgrader={"grade": false, "grade_id": "plot_words", "locked": true, "schema_version": 3, "solution": false} tags=["training"]
word_groups = {
    "places": ["australia", "israel", "pakistan", "india", "sydney", "melbourne"],
    "bushfires": ["fire", "fires", "firefighters", "winds", "homes", "flames"],
    "Middle East": ["palestinian", "israeli", "arafat", "gaza", "hamas", "militants"],
    "Afghanistan": ["afghanistan", "taliban", "qaeda", "laden", "bin", "al"],
    "numbers": ["two", "three", "four", "five", "six", "eight"],
}
plotted = [(group, w) for group, members in word_groups.items() for w in members if w in word_index]
points = np.array([vectors[word_index[w]] for _, w in plotted])
points = points / np.linalg.norm(points, axis=1, keepdims=True)
centred = points - points.mean(axis=0)
_, _, directions = np.linalg.svd(centred, full_matrices=False)
projected = centred @ directions[:2].T
_, axis = plt.subplots(figsize=(6, 4.5))
for colour, group in zip(["tab:blue", "tab:red", "tab:green", "tab:orange", "tab:purple"], word_groups):
    members = [i for i, (g, _) in enumerate(plotted) if g == group]
    axis.scatter(projected[members, 0], projected[members, 1], color=colour, label=group)
    for i in members:
        axis.annotate(plotted[i][1], projected[i], fontsize=8, xytext=(3, 3), textcoords="offset points")
axis.set(title="skip-gram vectors, first two principal components", xlabel="PC 1", ylabel="PC 2")
axis.legend()
plt.show()


# %% [markdown]
# ## Part 5: concept checks
#
# **5.1 Skip-gram or CBOW?** For each situation, store `"skipgram"` or `"cbow"`:
#
# - `choice_rare_words`: a small corpus, and you care most about good vectors for rare
#   words;
# - `choice_fast_training`: a very large corpus, and training time per epoch is what
#   limits you.
#
# **5.2 Why negative sampling?** Set `why_negative_sampling` to the letter of the best
# reason:
#
# - (a) it makes the word vectors orthogonal to each other
# - (b) the full softmax needs a score for every word of the vocabulary to normalize
#   each prediction, while negative sampling replaces it by $k + 1$ binary decisions
# - (c) it removes frequent words from the training data
# - (d) it makes the loss convex in the embeddings
#
# **5.3 Subsampling.** Set `subsampling_effect` to the letter of the right description,
# and store in `keep_five_percent` the probability of keeping one occurrence of a word
# that makes up 5% of the corpus, with threshold $t = 10^{-3}$ (a number, computed by
# hand or with a one-line formula, not with your functions).
#
# - (a) it removes rare words from the vocabulary
# - (b) it drops occurrences of frequent words at random, which removes many
#   uninformative pairs, speeds training up and brings more distant words into each
#   window
# - (c) it draws the negative samples
# - (d) it lowers the embedding dimension of frequent words
#
# **5.4 The 0.75 power.** A word seen 10,000 times and a word seen 10 times: how many
# times more often is the first drawn as a negative sample than the second? Store the
# number in `noise_ratio`.


# %% nbgrader={"grade": false, "grade_id": "concepts", "locked": false, "schema_version": 3, "solution": true}
choice_rare_words = None
choice_fast_training = None
why_negative_sampling = None
subsampling_effect = None
keep_five_percent = None
noise_ratio = None
### BEGIN SOLUTION
choice_rare_words = "skipgram"  # every occurrence of a rare word is a centre of its own pairs
choice_fast_training = "cbow"  # one example per word instead of one per (word, context) pair
why_negative_sampling = "b"
subsampling_effect = "b"
keep_five_percent = float(np.sqrt(1e-3 / 0.05))  # about 0.141
noise_ratio = 1000**0.75  # about 177.8, instead of 1000 without the power
### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_skipgram_or_cbow", "locked": true, "points": 1, "schema_version": 3, "solution": false}
with answers:
    rare_words_choice, fast_training_choice = choice_rare_words, choice_fast_training
assert {rare_words_choice, fast_training_choice} <= {"skipgram", "cbow"}, (
    "store 'skipgram' or 'cbow' in choice_rare_words and choice_fast_training"
)
### BEGIN HIDDEN TESTS
assert rare_words_choice == "skipgram" and fast_training_choice == "cbow", (
    "not both right: count the training examples each model makes per word, and think "
    "about how often a rare word gets its own update"
)
### END HIDDEN TESTS


# %% nbgrader={"grade": true, "grade_id": "test_why_negative_sampling", "locked": true, "points": 1, "schema_version": 3, "solution": false}
with answers:
    reason = why_negative_sampling
assert reason in {"a", "b", "c", "d"}, "set why_negative_sampling to 'a', 'b', 'c' or 'd'"
### BEGIN HIDDEN TESTS
assert reason == "b", "what does the softmax's denominator cost for each example?"
### END HIDDEN TESTS


# %% nbgrader={"grade": true, "grade_id": "test_subsampling", "locked": true, "points": 1, "schema_version": 3, "solution": false}
with answers:
    effect, keep_probability = subsampling_effect, keep_five_percent
assert effect in {"a", "b", "c", "d"}, "set subsampling_effect to 'a', 'b', 'c' or 'd'"
assert isinstance(keep_probability, (int, float)), "store a number in keep_five_percent"
### BEGIN HIDDEN TESTS
assert effect == "b", "subsampling acts on the occurrences of words in the text, not on the vocabulary"
assert_close(keep_probability, min(1.0, np.sqrt(1e-3 / 0.05)), "keep_five_percent",
             hint="Use the keep probability of section 1.3 with f(w) = 0.05.")
### END HIDDEN TESTS


# %% nbgrader={"grade": true, "grade_id": "test_noise_ratio", "locked": true, "points": 1, "schema_version": 3, "solution": false}
with answers:
    ratio = noise_ratio
assert isinstance(ratio, (int, float)), "store a number in noise_ratio"
### BEGIN HIDDEN TESTS
assert_close(ratio, (10_000 / 10) ** 0.75, "noise_ratio",
             hint="Both probabilities share the same denominator; compare count ** 0.75.")
### END HIDDEN TESTS


# %% [markdown]
# **5.5 Written answer (graded by hand, 2 points).** In three to six sentences: your
# skip-gram and gensim's get low and different WordSim correlations on
# `lee_background`. Give two reasons, from the evaluation itself rather than the model,
# why these numbers say little, and one change to the experiment that would make the
# comparison meaningful.


# %% [markdown] nbgrader={"grade": true, "grade_id": "written_evaluation", "locked": false, "points": 2, "schema_version": 3, "solution": true}
# ### BEGIN SOLUTION
# Only a few dozen of the 353 WordSim pairs have both words in a vocabulary of about
# 1,750 news words, and a rank correlation over so few pairs has a standard error of
# roughly 0.15, so differences of a few hundredths are noise. The pairs that remain are
# the ones this corpus happens to cover, not a sample of the test, and with 58,000 words
# most of them are seen a handful of times, so the scores depend on the seed as much as
# on the method; the analogy test has the same problem with even fewer usable questions.
# Dropping out-of-vocabulary pairs also means two models with different vocabularies are
# scored on different pairs. A meaningful comparison trains on a much larger corpus,
# evaluates both models on exactly the same pairs, and repeats each run with several
# seeds to report a mean and a spread.
# ### END SOLUTION
