"""The `dlcourse` command line: dispatch, verify and release end to end."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from autograder.assignments import discover
from autograder.cli import main

ROOT = Path(__file__).resolve().parent.parent


def dlcourse(*args, timeout=600):
    env = {
        **os.environ,
        "COLUMNS": "200",
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
    }
    return subprocess.run(
        [sys.executable, "-m", "autograder.cli", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def test_every_verb_has_help():
    for verb in ("release", "check", "grade", "verify", "demo"):
        with pytest.raises(SystemExit) as done:
            main([verb, "--help"])
        assert done.value.code == 0


def test_unknown_assignment_is_a_clear_error():
    with pytest.raises(SystemExit, match="'zz' matches no assignment; known assignments: a01"):
        main(["release", "zz"])


@pytest.mark.parametrize("assignment", [a.id for a in discover(ROOT)])
def test_verify_passes(assignment):
    run = dlcourse("verify", "--assignment", assignment)
    assert run.returncode == 0, run.stdout + run.stderr
    for check in ("release in sync", "solution scores full marks", "stub scores zero"):
        assert check in run.stdout
    assert "FAILED" not in run.stdout


def test_release_leaves_the_checkout_unchanged():
    before = (ROOT / "assignments" / "a01_autodiff" / "a01_autodiff.ipynb").read_bytes()
    run = dlcourse("release", "a01")
    assert run.returncode == 0, run.stderr
    assert (ROOT / "assignments" / "a01_autodiff" / "a01_autodiff.ipynb").read_bytes() == before
