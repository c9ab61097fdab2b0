"""Our Keras skip-gram with negative sampling against gensim's Word2Vec, same corpus and settings.

    python benchmarks/word2vec_vs_gensim.py [--corpus head500] [--repeat N] [--workers W]

Trains both on the same tokens (`course.data.corpus_tokens`) with the same dimension,
window, negatives, epochs, minimum count and subsampling threshold, then scores both
with the same word-similarity evaluation (Spearman correlation on WordSim-353, pairs in
the vocabulary). The targets, for 2 CPU cores:

- quality: our Spearman is at least gensim's;
- speed: our training wall time is at most 5 times gensim's.

With --repeat N the two trainings alternate N times and the medians are compared, so
that a burst of load on a shared machine hits both. Exits 1 if a target is missed.
Our implementation lives in `benchmarks/sgns.py`.
"""

import argparse
import os
import resource
import statistics
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import sgns  # noqa: E402  (benchmarks/sgns.py, beside this script)

from course.data import corpus_tokens, evaluation_file  # noqa: E402

SPEED_RATIO_TARGET = 5.0


def cpu_seconds() -> float:
    """User plus system CPU time of this process, all threads: a load-independent cost."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def train_gensim(documents, settings: sgns.Settings, workers: int):
    from gensim.models import Word2Vec

    started = time.perf_counter()
    model = Word2Vec(
        documents,
        vector_size=settings.dimension,
        window=settings.window,
        negative=settings.negatives,
        epochs=settings.epochs,
        min_count=settings.min_count,
        sample=settings.sample,
        sg=1,
        workers=workers,
        seed=settings.seed,
    )
    return model.wv.vectors, model.wv.key_to_index, time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", default="head500", choices=["head500", "lee_background"])
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--workers", type=int, default=2, help="gensim worker threads")
    args = parser.parse_args()

    settings = sgns.Settings()
    documents = corpus_tokens(args.corpus)
    pairs = sgns.read_word_pairs(evaluation_file("wordsim353.tsv"))
    corpus = sgns.Corpus(documents, settings.min_count)
    print(
        f"corpus {args.corpus}: {sum(map(len, documents))} tokens, vocabulary "
        f"{len(corpus.words)} (min count {settings.min_count}); {settings}"
    )
    if load := getattr(os, "getloadavg", None):
        print(f"load average before: {load()[0]:.2f} on {os.cpu_count()} CPUs")

    results = {"gensim": [], "keras": []}
    for run in range(args.repeat):
        cpu = cpu_seconds()
        vectors, index, seconds = train_gensim(documents, settings, args.workers)
        cpu = cpu_seconds() - cpu
        spearman, used = sgns.word_similarity(vectors, index, pairs)
        results["gensim"].append((seconds, spearman, cpu))
        print(
            f"run {run + 1} gensim: {seconds:.2f} s ({cpu:.1f} CPU s), "
            f"Spearman {spearman:.3f} ({used} pairs)"
        )
        cpu = cpu_seconds()
        vectors, seconds = sgns.train(corpus, settings, log=lambda line: None)
        cpu = cpu_seconds() - cpu
        spearman, used = sgns.word_similarity(vectors, corpus.index, pairs)
        results["keras"].append((seconds, spearman, cpu))
        print(
            f"run {run + 1} keras : {seconds:.2f} s ({cpu:.1f} CPU s), "
            f"Spearman {spearman:.3f} ({used} pairs)"
        )
    if load:
        print(f"load average after: {load()[0]:.2f}")

    median = {
        name: tuple(statistics.median(run[i] for run in runs) for i in range(3))
        for name, runs in results.items()
    }
    (gensim_time, gensim_rho, gensim_cpu) = median["gensim"]
    (keras_time, keras_rho, keras_cpu) = median["keras"]
    ratio = keras_time / gensim_time
    print(f"{'':8s} {'time (s)':>9s} {'CPU (s)':>9s} {'Spearman':>9s}")
    print(f"{'gensim':8s} {gensim_time:9.2f} {gensim_cpu:9.1f} {gensim_rho:9.3f}")
    print(f"{'keras':8s} {keras_time:9.2f} {keras_cpu:9.1f} {keras_rho:9.3f}")
    print(f"time ratio keras / gensim: {ratio:.2f} (target <= {SPEED_RATIO_TARGET:g})")
    print(f"CPU-time ratio keras / gensim: {keras_cpu / gensim_cpu:.2f} (for information)")
    print(f"Spearman difference keras - gensim: {keras_rho - gensim_rho:+.3f} (target >= 0)")
    missed = []
    if keras_rho < gensim_rho:
        missed.append("quality: Spearman below gensim's")
    if ratio > SPEED_RATIO_TARGET:
        missed.append(f"speed: more than {SPEED_RATIO_TARGET:g}x gensim's time")
    for line in missed:
        print(f"TARGET MISSED: {line}")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
