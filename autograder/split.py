"""Splitting a notebook between the student's kernel and the judge.

A graded notebook runs in two processes. The student's kernel runs the set-up, the
student's cells and, of every test, only the lines under `with answers:` (blocks).
The judge, a process that never runs student code, runs the rest of every test and
the instructor's cells that those tests need; it alone decides whether a test
passed. The two exchange only data (`course.wire`).

Everything here is static analysis of the instructor's source, never of a
submission:

- `split_test` turns a test cell into the judge's program, in which each block is
  replaced by an exchange, and the blocks the kernel runs. A block receives the
  test's names it reads (and the source of the test's functions it calls) and
  sends back the names it binds that the rest of the test reads.
- `judge_prelude` picks, from the instructor's non-test cells, the statements the
  judge runs: those that do not depend on a student's name, that the judge needs.
- `local_test_source` is the single-kernel version of a test (`dlcourse check`, the
  test suite): the same exchange, through the same data round trip.
"""

import ast
import builtins
import copy
import textwrap
from dataclasses import dataclass, field

from nbformat import NotebookNode

from autograder.names import (
    changed_names,
    is_definition,
    reads,
    scope_bindings,
    stored,
)
from autograder.notebooks import is_test_cell, nbgrader_metadata

MARKER = "answers"
RUNTIME = "__dlcourse__"  # the name of `course.answers` in the judge and the kernel


class SplitError(ValueError):
    """A test cell that cannot be split (an instructor's mistake)."""


@dataclass(frozen=True)
class Block:
    number: int  # unique in the notebook
    params: tuple[str, ...]  # the test's names the block reads
    returns: tuple[str, ...]  # the names it binds that the rest of the test reads
    source: str  # the block's own lines, dedented
    functions: dict[str, str] = field(default_factory=dict)  # name -> source, test's defs


@dataclass(frozen=True)
class TestProgram:
    grade_id: str
    judge_source: str  # the test with every block replaced by an exchange
    blocks: dict[int, Block]
    bound: frozenset[str]  # names the judge's part of the test binds


# -- blocks ------------------------------------------------------------------------------


def _is_block(node) -> bool:
    if not isinstance(node, (ast.With, ast.AsyncWith)):
        return False
    return any(
        isinstance(i.context_expr, ast.Name) and i.context_expr.id == MARKER for i in node.items
    )


def _check_block(node, grade_id: str) -> None:
    item = node.items[0] if len(node.items) == 1 else None
    if isinstance(node, ast.AsyncWith) or item is None or item.optional_vars is not None:
        raise SplitError(
            f"{grade_id}: write a block as a plain `with {MARKER}:`, line {node.lineno}"
        )
    if any(_is_block(inner) for child in node.body for inner in ast.walk(child)):
        raise SplitError(f"{grade_id}: `with {MARKER}:` inside another one, line {node.lineno}")


def _blocks_and_rest(tree: ast.Module) -> tuple[list[ast.With], list[ast.AST]]:
    """The blocks of a cell, and the nodes outside them (block bodies cut out)."""
    blocks, outside = [], []
    stack = [tree]
    while stack:
        node = stack.pop()
        if _is_block(node):
            blocks.append(node)
            continue
        outside.append(node)
        stack.extend(ast.iter_child_nodes(node))
    blocks.sort(key=lambda b: (b.lineno, b.col_offset))
    return blocks, outside


class _WithoutBlocks(ast.NodeTransformer):
    def visit_With(self, node):
        return ast.Pass() if _is_block(node) else self.generic_visit(node)


def _names_outside(tree: ast.Module, outside: list[ast.AST]) -> tuple[set[str], set[str]]:
    """Names the test binds outside its blocks (its functions' locals too), and names it
    reads there (in its functions too; not what its comprehensions and lambdas bind)."""
    bound = set()
    for node in outside:
        bound |= stored(node)
        if isinstance(node, ast.arg):
            bound.add(node.arg)
    rest = _WithoutBlocks().visit(copy.deepcopy(tree))
    return bound, reads([rest], into_functions=True)


def _segment(lines: list[str], node) -> str:
    start = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])])
    return textwrap.dedent("\n".join(lines[start - 1 : node.end_lineno])) + "\n"


def _test_functions(outside: list[ast.AST], lines: list[str]) -> dict[str, tuple[str, set]]:
    """The test's own functions and classes (and `name = lambda ...`): name -> (source,
    names the definition reads)."""
    found = {}
    for node in outside:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            found[node.name] = (_segment(lines, node), reads([node]))
        elif (
            isinstance(node, ast.Assign)
            and len(node.targets) == 1
            and isinstance(node.targets[0], ast.Name)
            and isinstance(node.value, ast.Lambda)
        ):
            found[node.targets[0].id] = (_segment(lines, node), reads([node.value]))
    return found


def split_test(source: str, grade_id: str, first_number: int = 0) -> TestProgram:
    """The judge's program and the kernel's blocks of one test cell.

    Raises:
        SplitError: the cell does not parse, or a block is not a plain `with answers:`.
    """
    try:
        tree = ast.parse(source)
    except SyntaxError as error:
        raise SplitError(f"{grade_id}: {error}") from None
    lines = source.splitlines()
    blocks, outside = _blocks_and_rest(tree)
    for block in blocks:
        _check_block(block, grade_id)
    bound_outside, read_outside = _names_outside(tree, outside)
    block_reads = [reads(b.body) for b in blocks]
    block_binds = [scope_bindings(b.body) for b in blocks]
    functions = _test_functions(outside, lines)
    # A block returns what the rest of the test reads, and what other blocks read
    # without binding it themselves; the judge then holds it for those blocks.
    returned = []
    for index, binds in enumerate(block_binds):
        free_elsewhere = [
            r - b
            for j, (r, b) in enumerate(zip(block_reads, block_binds, strict=True))
            if j != index
        ]
        returned.append(binds & read_outside.union(*free_elsewhere))
    bound_in_test = set(bound_outside)
    bound_outside |= set().union(*returned)
    programs: dict[int, Block] = {}
    replacements = []
    for index, block in enumerate(blocks):
        number = first_number + index
        # What it reads before binding it itself, or what the test binds outside blocks.
        wanted = (block_reads[index] - block_binds[index]) | (block_reads[index] & bound_in_test)
        shipped: dict[str, str] = {}
        pending = sorted(wanted & set(functions))
        while pending:  # a test function may call another, or read the test's names
            name = pending.pop()
            if name in shipped:
                continue
            shipped[name], needs = functions[name]
            wanted |= needs
            pending += sorted((needs & set(functions)) - set(shipped))
        params = tuple(sorted((wanted & bound_outside) - {MARKER}))
        returns = tuple(sorted(returned[index]))
        first, last = block.body[0].lineno, block.body[-1].end_lineno
        body = textwrap.dedent("\n".join(lines[first - 1 : last])) + "\n"
        ordered = {n: shipped[n] for n in functions if n in shipped}  # definition order
        programs[number] = Block(number, params, returns, body, ordered)
        replacements.append((block, programs[number]))
    judge_lines = list(lines)
    for block, program in sorted(replacements, key=lambda r: -r[0].lineno):
        indent = " " * block.col_offset
        judge_lines[block.lineno - 1 : block.end_lineno] = [indent + _exchange_call(program)]
    return TestProgram(grade_id, "\n".join(judge_lines) + "\n", programs, frozenset(bound_outside))


def _exchange_call(block: Block, local: str = "") -> str:
    picked = (
        f"{RUNTIME}.pick({block.params!r}, locals(), globals(), "
        f"{{{', '.join(f'{n!r}: {s!r}' for n, s in block.functions.items())}}})"
    )
    if local:
        call = (
            f"{RUNTIME}.exchange_locally({block.number}, {picked}, {block.returns!r}, "
            f"{block.source!r}, globals(), {local})"
        )
    else:
        call = f"{RUNTIME}.exchange({block.number}, {picked}, {block.returns!r})"
    if not block.returns:
        return call
    return f"({', '.join(block.returns)},) = {call}"


# -- the notebook ------------------------------------------------------------------------


def _is_instructor_cell(cell: NotebookNode) -> bool:
    meta = nbgrader_metadata(cell)
    return (
        cell.cell_type == "code"
        and bool(meta.get("locked"))
        and not meta.get("solution")
        and not is_test_cell(cell)
    )


def student_names(notebook: NotebookNode) -> set[str]:
    """Module-level names bound by the solution cells of the instructor's notebook."""
    names = set()
    for cell in notebook.cells:
        if cell.cell_type == "code" and nbgrader_metadata(cell).get("solution"):
            try:
                names |= scope_bindings(ast.parse(cell.source).body)
            except SyntaxError:
                continue
    return names


def split_notebook(notebook: NotebookNode) -> dict[str, TestProgram]:
    """Every test of the instructor's notebook, split, by grade_id (block numbers are
    unique across the notebook)."""
    programs, number = {}, 0
    for cell in notebook.cells:
        if is_test_cell(cell):
            grade_id = nbgrader_metadata(cell)["grade_id"]
            program = split_test(cell.source, grade_id, number)
            programs[grade_id] = program
            number += len(program.blocks)
    return programs


def judge_prelude(
    notebook: NotebookNode, programs: dict[str, TestProgram] | None = None
) -> dict[int, str]:
    """Cell index -> the statements of that instructor cell the judge runs.

    A statement is left out if it reads a student's name (directly, or through a name
    an earlier left-out statement bound): the judge never has those. Of the rest, the
    judge runs imports, statements that bind a name the tests (or other kept statements)
    need, and statements that only use names already kept (`course.setup(...)`,
    `layer.build(...)`).
    """
    programs = programs or split_notebook(notebook)
    tainted = student_names(notebook)
    statements = []  # (cell index, node, lines)
    needed = set()
    for index, cell in enumerate(notebook.cells):
        if is_test_cell(cell):
            program = programs[nbgrader_metadata(cell)["grade_id"]]
            needed |= reads([ast.parse(program.judge_source)]) - {RUNTIME}
        elif _is_instructor_cell(cell):
            tree = ast.parse(cell.source)
            lines = cell.source.splitlines()
            for node in tree.body:
                if reads([node]) & tainted:
                    tainted |= scope_bindings([node])
                else:
                    statements.append((index, node, lines))

    def wanted(node) -> bool:
        # A definition is wanted for the name it binds; any other statement also for
        # what it does to a needed value (`classifier.fit(images, labels)`).
        return bool(scope_bindings([node]) & needed) or bool(changed_names(node) & needed)

    for _ in range(len(statements) + 1):  # what the needed statements need, to a fixpoint
        grown = needed.union(*(reads([n]) for _, n, _ in statements if wanted(n)))
        if grown == needed:
            break
        needed = grown
    available = set(dir(builtins))
    kept: dict[int, list[str]] = {}
    for index, node, lines in statements:
        uses = reads([node])
        keep = (
            isinstance(node, (ast.Import, ast.ImportFrom))
            or wanted(node)
            # `course.setup(...)`: works only on what is kept already
            or (not is_definition(node) and bool(uses) and uses <= available)
        )
        if keep:
            kept.setdefault(index, []).append(_segment(lines, node))
            available |= scope_bindings([node])
    return {index: "".join(parts) for index, parts in kept.items()}


def student_names_judges_read(notebook: NotebookNode) -> dict[str, set[str]]:
    """For each test whose judge part reads a student's name (a solution cell binds it,
    the test does not): those names. The judge never has them, so such a test can only
    fail when graded; `dlcourse verify` would show it, this shows it without running.
    The test's functions that blocks take along to the kernel may use student names."""
    students = student_names(notebook)
    found = {}
    for grade_id, program in split_notebook(notebook).items():
        shipped = {name for block in program.blocks.values() for name in block.functions}
        tree = ast.parse(program.judge_source)
        carried = {
            id(inner)
            for node in ast.walk(tree)
            if (isinstance(node, (ast.FunctionDef, ast.ClassDef)) and node.name in shipped)
            or (isinstance(node, ast.Assign) and scope_bindings([node]) & shipped)
            for inner in ast.walk(node)
        }
        judged = {
            node.id
            for node in ast.walk(tree)
            if isinstance(node, ast.Name)
            and isinstance(node.ctx, ast.Load)
            and id(node) not in carried
        }
        names = (judged & students) - program.bound
        if names:
            found[grade_id] = names
    return found


def names_only_tests_bind(notebook: NotebookNode) -> frozenset[str]:
    """Names bound by tests and by no other cell: a graded kernel never has them."""
    elsewhere = set()
    for cell in notebook.cells:
        if cell.cell_type == "code" and not is_test_cell(cell):
            try:
                elsewhere |= scope_bindings(ast.parse(cell.source).body)
            except SyntaxError:
                continue
    tests = set()
    for cell in notebook.cells:
        if is_test_cell(cell):
            try:
                tests |= split_test(cell.source, nbgrader_metadata(cell)["grade_id"]).bound
            except SplitError:
                continue
    return frozenset(tests - elsewhere)


def local_test_source(program: TestProgram, hidden: frozenset[str]) -> str:
    """The test for a single kernel: every block runs through `exchange_locally`."""
    source = program.judge_source
    for block in program.blocks.values():
        graded = _exchange_call(block)
        local = _exchange_call(block, local=repr(hidden))
        source = source.replace(graded, local, 1)
    return f"import course.answers as {RUNTIME}\n{source}"
