"""Grading jobs give the same results serially, in a local pool, and on a Dask cluster."""

import os

import pytest
from test_sandbox import CORRECT, toy

from autograder.sandbox import Limits
from autograder.scheduler import default_workers, run_jobs, threads_per_worker
from autograder.worker import Job

pytestmark = pytest.mark.xdist_group("sandbox")

WRONG = "def double(x):\n    return x + 2\n"


def jobs():
    limits = Limits(cell_seconds=20, submission_seconds=60)
    answers = {"right": CORRECT, "wrong": WRONG, "patched": "import math\nmath.isclose = 1\n"}
    return [Job(name, "toy.ipynb", *toy(answer), limits=limits) for name, answer in answers.items()]


def outcome(results):
    return {r.student: [v.passed for v in r.verdicts] for r in results}


EXPECTED = {"right": [True], "wrong": [False], "patched": [False]}


def test_serial_and_local_pool_agree():
    assert outcome(run_jobs(jobs(), workers=1)) == EXPECTED
    assert outcome(run_jobs(jobs(), workers=2)) == EXPECTED


def test_a_dask_cluster_runs_the_same_jobs():
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        assert outcome(run_jobs(jobs(), dask_scheduler=cluster.scheduler_address)) == EXPECTED


def test_worker_and_thread_counts_share_the_cores():
    cores = len(os.sched_getaffinity(0))
    assert default_workers() == max(1, cores)
    assert threads_per_worker(1) == cores
    assert threads_per_worker(cores) == min(cores, 2)  # twice a fair share
    assert threads_per_worker(4 * cores) == 1
