"""Hidden tests catch realistic wrong answers and accept other correct ones.

Each entry of solutions/<id>/mutants.toml injects one bug (or one alternative correct
implementation) into the reference solution; the notebook then runs with its hidden
tests, without nbgrader, and exactly the listed tests must fail. Cells tagged
"training" (model training and the tests that need it) are skipped unless an entry
asks for a full run: whole-notebook runs happen in test_cli's `dlcourse verify`.
"""

from pathlib import Path

import pytest

from autograder.assignments import discover
from autograder.execution import execute, failed_tests
from autograder.mutants import load_mutants, mutated_source
from autograder.notebooks import read_source

ROOT = Path(__file__).resolve().parent.parent
TRAINING = frozenset({"training"})
CASES = [(a, m) for a in discover(ROOT) for m in load_mutants(a)]


@pytest.mark.parametrize("assignment", discover(ROOT), ids=lambda a: a.id)
def test_reference_solution_passes_every_fast_test(assignment):
    for source in assignment.sources:
        executed = execute(read_source(source), cwd=assignment.source_dir, skip_tags=TRAINING)
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
def test_mutant_loses_exactly_the_points_of_the_right_tests(assignment, mutant):
    source = next(s for s in assignment.sources if s.name == mutant.file)
    skip = frozenset() if mutant.full_run else TRAINING
    notebook = mutated_source(mutant, source)
    failed = failed_tests(execute(notebook, cwd=assignment.source_dir, skip_tags=skip))
    assert failed == set(mutant.fails), (
        f"{mutant.name} ({mutant.description}) should fail {sorted(mutant.fails)}, "
        f"failed {sorted(failed)}"
    )
