"""Shared fixtures: the course checkout, its assignments, and sample classes."""

from pathlib import Path

import pytest

from autograder.assignments import Assignment, resolve

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def a01() -> Assignment:
    (assignment,) = resolve(["a01_autodiff"], ROOT)
    return assignment
