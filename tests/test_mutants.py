"""Hidden tests catch realistic wrong answers and accept other correct ones.

Each entry of solutions/<id>/mutants.toml injects one bug (or one alternative correct
implementation) into the reference solution; the notebook then runs with its hidden
tests, without nbgrader, and exactly the listed tests must fail. Cells tagged
"training" (model training and the tests that need it) are skipped unless an entry
asks for a full run: whole-notebook runs happen in test_cli's `dlcourse verify`.

The runs of one assignment share a kernel (`ReusedKernel`, reset between runs):
starting one and importing TensorFlow took longer than most runs themselves.
"""

from pathlib import Path

import pytest

from autograder.assignments import discover
from autograder.execution import ReusedKernel, execute, failed_tests
from autograder.mutants import load_mutants, mutated_source
from autograder.notebooks import read_source

ROOT = Path(__file__).resolve().parent.parent
TRAINING = frozenset({"training"})
CASES = [(a, m) for a in discover(ROOT) for m in load_mutants(a)]


@pytest.fixture(scope="module")
def kernels():
    """A kernel per assignment, one at a time: this worker's runs come in order."""
    alive: dict[Path, ReusedKernel] = {}

    def kernel_for(assignment) -> ReusedKernel:
        if assignment.source_dir not in alive:
            for other in alive.values():
                other.close()
            alive.clear()
            alive[assignment.source_dir] = ReusedKernel(assignment.source_dir)
        return alive[assignment.source_dir]

    yield kernel_for
    for kernel in alive.values():
        kernel.close()


@pytest.mark.parametrize("assignment", discover(ROOT), ids=lambda a: a.id)
def test_reference_solution_passes_every_fast_test(assignment, kernels):
    for source in assignment.sources:
        executed = execute(
            read_source(source),
            cwd=assignment.source_dir,
            skip_tags=TRAINING,
            kernel=kernels(assignment),
        )
        failed = failed_tests(executed)
        assert not failed, f"the reference solution of {source.name} fails {sorted(failed)}"


@pytest.mark.parametrize("assignment", discover(ROOT), ids=lambda a: a.id)
def test_catalogue_has_bugs_and_alternatives(assignment):
    mutants = load_mutants(assignment)
    assert len([m for m in mutants if m.fails]) >= 3, "at least three realistic bugs"
    assert any(not m.fails for m in mutants), "at least one alternative correct implementation"


@pytest.mark.parametrize(
    ("assignment", "mutant"), CASES, ids=[f"{a.id}:{m.name}" for a, m in CASES]
)
def test_mutant_loses_exactly_the_points_of_the_right_tests(assignment, mutant, kernels):
    source = next(s for s in assignment.sources if s.name == mutant.file)
    skip = frozenset() if mutant.full_run else TRAINING
    notebook = mutated_source(mutant, source)
    run = execute(notebook, cwd=assignment.source_dir, skip_tags=skip, kernel=kernels(assignment))
    failed = failed_tests(run)
    assert failed == set(mutant.fails), (
        f"{mutant.name} ({mutant.description}) should fail {sorted(mutant.fails)}, "
        f"failed {sorted(failed)}"
    )
