"""The adversarial corpus builder (tests/adversarial.py): what it writes, not how it grades."""

import ast
import json
import re

import nbformat
import pytest
from adversarial import (
    KINDS,
    MARKER,
    MAX_BOMB_BYTES,
    SPAWN_LIMIT,
    TEST_CELL_EDITING_CASES,
    VALID_NOTEBOOK_CASES,
    build_corpus,
    marker_files,
    memory_bomb_bytes,
)

from autograder.notebooks import (
    fill_solutions,
    is_test_cell,
    nbgrader_metadata,
    read_source,
    write_notebook,
)

pytestmark = pytest.mark.xdist_group("adversarial_corpus")

NOTEBOOK = "a01_autodiff.ipynb"
PORT = 47_123
MEMORY_LIMIT = 2**30
# The attacks issue 7 names, each of which must be in the corpus.
REQUIRED = {
    "patch_numpy_allclose",
    "patch_course_checks",
    "patch_tensorflow_oracle",
    "patch_builtins",
    "exit_sys_exit",
    "exit_os_exit",
    "raise_system_exit",
    "raise_keyboard_interrupt",
    "ipython_custom_exception_handler",
    "ipython_input_transformer",
    "ipython_silenced_tracebacks",
    "ipython_events_clear_errors",
    "settrace_rewrites_expected",
    "fake_success_output",
    "test_cells_replaced_by_pass",
    "test_cells_deleted",
    "test_cells_duplicated",
    "test_cells_made_solution_cells",
    "test_cells_ungraded",
    "points_inflated_on_reference",
    "grade_id_collision",
    "write_shadow_modules",
    "write_outside_working_dir",
    "overwrite_installed_course",
    "read_instructor_files",
    "infinite_loop",
    "memory_bomb",
    "process_spawning_loop",
    "detached_background_writer",
    "network_loopback",
    "output_flood_on_reference",
    "kernelspec_bash_on_reference",
    "invalid_json",
    "empty_file",
    "zip_renamed",
    "json_not_notebook",
    "nbformat_3",
    "nbformat_future",
    "notebook_without_cells",
    "huge_notebook_on_reference",
    "noisy_stderr_reference",
}


@pytest.fixture(scope="module")
def corpus(a01, tmp_path_factory):
    """Builds the corpus once; returns (cases by name, class folder, release, reference)."""
    work = tmp_path_factory.mktemp("adversarial")
    release_path = a01.release_dir / NOTEBOOK
    release = nbformat.read(release_path, as_version=4)
    reference = fill_solutions(release, read_source(a01.sources[0]))
    write_notebook(reference, work / "reference" / NOTEBOOK)
    cases = build_corpus(
        release_path,
        work / "reference" / NOTEBOOK,
        work / "class",
        loopback_port=PORT,
        memory_limit_bytes=MEMORY_LIMIT,
    )
    return {case.name: case for case in cases}, work / "class", release, reference


def read(folder, name):
    return nbformat.read(folder / name / NOTEBOOK, as_version=4)


def code_of(notebook):
    return "\n".join(cell.source for cell in notebook.cells if cell.cell_type == "code")


def test_at_least_twenty_cases_with_unique_folder_names(corpus):
    cases, _, _, _ = corpus
    assert len(cases) >= 20
    assert all(re.fullmatch(r"[a-z0-9_]+", name) for name in cases)


def test_every_attack_the_issue_lists_is_present(corpus):
    cases, _, _, _ = corpus
    assert REQUIRED <= set(cases), f"missing: {sorted(REQUIRED - set(cases))}"


def test_every_kind_is_present_and_no_other(corpus):
    cases, _, _, _ = corpus
    assert {case.kind for case in cases.values()} == set(KINDS)


def test_expectations_are_well_formed(corpus):
    cases, _, _, _ = corpus
    for case in cases.values():
        assert case.description and "\n" not in case.description, case.name
        if case.expected.startswith("same_as:"):
            other = case.expected.removeprefix("same_as:")
            assert other in {"reference", "stub"} | set(cases) - {case.name}, case.name
        else:
            assert case.expected in {"zero", "full"}, case.name
        assert case.reason is None or case.reason == case.reason.lower(), case.name
        if case.expected == "zero":
            assert case.reason is not None, f"{case.name}: a zero always needs a reason"


def test_limits_demand_the_reason_that_names_them(corpus):
    cases, _, _, _ = corpus
    assert cases["infinite_loop"].reason == "time"
    assert cases["signals_ignored_loop"].reason == "time"
    assert cases["memory_bomb"].reason == "memory"
    for name in ("output_flood_on_reference", "kernelspec_bash_on_reference"):
        assert cases[name].expected == "full"
    assert cases["noisy_stderr_reference"].expected == "full"


def test_each_case_folder_holds_exactly_the_release_notebook_name(corpus):
    cases, folder, _, _ = corpus
    assert sorted(p.name for p in folder.iterdir()) == sorted(cases)
    for name in cases:
        assert [p.name for p in (folder / name).iterdir()] == [NOTEBOOK], name


def test_readable_cases_are_valid_nbformat_4_and_their_code_compiles(corpus):
    cases, folder, _, _ = corpus
    assert VALID_NOTEBOOK_CASES <= set(cases)
    for name in VALID_NOTEBOOK_CASES:
        notebook = read(folder, name)
        nbformat.validate(notebook)
        assert notebook.nbformat == 4, name
        for cell in notebook.cells:
            if cell.cell_type == "code":
                ast.parse(cell.source, filename=f"{name}:{cell.get('id')}")


def test_the_background_writer_program_compiles_and_stays_in_scope(corpus):
    _, folder, _, _ = corpus
    notebook = read(folder, "detached_background_writer")
    (cell,) = [c for c in notebook.cells if "_WRITER = r'''" in c.source]
    assignment = next(
        node
        for node in ast.parse(cell.source).body
        if isinstance(node, ast.Assign) and node.targets[0].id == "_WRITER"
    )
    writer = ast.literal_eval(assignment.value)
    ast.parse(writer)
    assert f"SCOPE = pathlib.Path('{folder.parent.resolve()}')" in writer


def is_valid_nbformat_4(raw: bytes) -> bool:
    try:
        notebook = nbformat.reads(raw.decode("utf-8"), as_version=4)
        nbformat.validate(notebook)
        return json.loads(raw)["nbformat"] == 4  # reads() silently upgrades nbformat 3
    except Exception:
        return False


def test_malformed_files_really_are_malformed(corpus):
    cases, folder, _, _ = corpus
    for name, case in cases.items():
        if case.kind == "malformed":
            raw = (folder / name / NOTEBOOK).read_bytes()
            assert is_valid_nbformat_4(raw) == (name in VALID_NOTEBOOK_CASES), name
    assert (folder / "empty_file" / NOTEBOOK).read_bytes() == b""
    assert (folder / "zip_renamed" / NOTEBOOK).read_bytes().startswith(b"PK\x03\x04")


def test_test_cells_of_the_release_are_kept_unless_the_case_edits_them(corpus):
    cases, folder, release, _ = corpus
    expected = [(c.source, nbgrader_metadata(c)) for c in release.cells if is_test_cell(c)]
    for name in VALID_NOTEBOOK_CASES - TEST_CELL_EDITING_CASES:
        kept = [(c.source, nbgrader_metadata(c)) for c in read(folder, name).cells]
        missing = [meta["grade_id"] for source, meta in expected if (source, meta) not in kept]
        assert not missing, f"{name} lost or changed {missing}"


def test_cases_that_edit_test_cells_do_change_them(corpus):
    cases, folder, release, _ = corpus
    expected = [(c.source, nbgrader_metadata(c)) for c in release.cells if is_test_cell(c)]
    for name in TEST_CELL_EDITING_CASES & VALID_NOTEBOOK_CASES:
        kept = [(c.source, nbgrader_metadata(c)) for c in read(folder, name).cells]
        assert any(pair not in kept for pair in expected), f"{name} edits nothing"


def test_zero_cases_never_contain_a_reference_answer(corpus):
    cases, folder, release, reference = corpus
    answers = [
        c.source
        for c, r in zip(reference.cells, release.cells, strict=True)
        if nbgrader_metadata(c).get("solution") and c.cell_type == "code" and c.source != r.source
    ]
    assert answers
    for name in VALID_NOTEBOOK_CASES:
        if cases[name].expected == "zero":
            code = code_of(read(folder, name))
            assert not [a for a in answers if a in code], name


def test_full_cases_keep_every_reference_answer(corpus):
    cases, folder, _, reference = corpus
    answers = [
        c.source
        for c in reference.cells
        if nbgrader_metadata(c).get("solution") and c.cell_type == "code"
    ]
    for name, case in cases.items():
        if case.expected == "full":
            code = code_of(read(folder, name))
            assert all(answer in code for answer in answers), name


def test_memory_bomb_is_above_the_limit_and_never_over_8_gib(corpus):
    _, folder, _, _ = corpus
    code = code_of(read(folder, "memory_bomb"))
    blocks = int(re.search(r"^block_count = (\d+)$", code, re.M).group(1))
    floats = int(re.search(r"^block_floats = (\d+)$", code, re.M).group(1))
    total = blocks * floats * 8
    assert MEMORY_LIMIT < total <= 2 * MEMORY_LIMIT + 64 * 2**20
    assert total <= MAX_BOMB_BYTES
    assert memory_bomb_bytes(6 * 2**30) <= MAX_BOMB_BYTES


def test_memory_bomb_refuses_a_limit_it_cannot_safely_exceed():
    with pytest.raises(ValueError, match="memory limit"):
        memory_bomb_bytes(MAX_BOMB_BYTES)
    with pytest.raises(ValueError, match="memory limit"):
        memory_bomb_bytes(0)


def test_process_loop_is_bounded(corpus):
    _, folder, _, _ = corpus
    code = code_of(read(folder, "process_spawning_loop"))
    assert SPAWN_LIMIT <= 300
    assert f"for _ in range({SPAWN_LIMIT}):" in code
    assert 'subprocess.Popen(["sleep", "60"])' in code
    assert "while" not in code


def test_loops_are_bounded_and_the_network_stays_on_loopback(corpus):
    _, folder, _, _ = corpus
    for name in VALID_NOTEBOOK_CASES:
        code = code_of(read(folder, name))
        assert "while True" not in code, name
        for address in re.findall(r"\b\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}\b", code):
            assert address == "127.0.0.1", f"{name} reaches {address}"
    network = code_of(read(folder, "network_loopback"))
    assert f'("127.0.0.1", {PORT})' in network


def test_files_the_attacks_create_carry_the_marker(corpus):
    _, folder, _, _ = corpus
    for name in (
        "write_shadow_modules",
        "write_outside_working_dir",
        "overwrite_installed_course",
        "detached_background_writer",
        "disk_fill",
    ):
        assert MARKER in code_of(read(folder, name)), name


def test_build_is_deterministic(a01, corpus, tmp_path):
    cases, folder, _, _ = corpus
    again = build_corpus(
        a01.release_dir / NOTEBOOK,
        folder.parent / "reference" / NOTEBOOK,
        tmp_path / "class",
        loopback_port=PORT,
        memory_limit_bytes=MEMORY_LIMIT,
        write_scope=folder.parent,
    )
    assert [case.name for case in again] == list(cases)
    for name in cases:
        assert (tmp_path / "class" / name / NOTEBOOK).read_bytes() == (
            folder / name / NOTEBOOK
        ).read_bytes(), name


def test_marker_files_finds_what_attacks_leave_behind(tmp_path):
    (tmp_path / "a" / "b").mkdir(parents=True)
    (tmp_path / "a" / "b" / f"{MARKER}-case.txt").write_text("x")
    (tmp_path / "a" / f"00-{MARKER}.py").write_text("x")
    (tmp_path / "a" / "innocent.txt").write_text(MARKER)
    assert marker_files(tmp_path) == [
        tmp_path / "a" / f"00-{MARKER}.py",
        tmp_path / "a" / "b" / f"{MARKER}-case.txt",
    ]
    assert marker_files(tmp_path, max_depth=1) == [tmp_path / "a" / f"00-{MARKER}.py"]
