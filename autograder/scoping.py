"""Running a test cell's code inside a function, so that its variables are not globals.

A test cell runs in the same namespace as the student's code. When it computes a
reference value at top level (`reference = ...`), a student's function can return the
global `reference` instead of computing anything. `scoped_test_source` rewrites the
cell so that its code is the body of a function called once: the names it assigns
become locals, invisible to the student's functions through globals.

Names that must stay global are declared `global` in that function:

- `keep_global`: names other cells read (see `globals_needed_elsewhere`);
- names the cell reads where it has not surely assigned them yet (`x = x + 1`, a name
  read in line 1 and reassigned in line 5, a name assigned only in an `if` branch and
  read after it), so that they keep reading the value of an earlier cell;
- names declared `global` anywhere in the cell.

Reads inside a function, lambda or class defined in the cell count where the
definition stands. A `with` block counts as running its whole body (a context manager
that swallows an exception before an assignment is not foreseen). Limits:

- IPython displays the value of a cell's last expression; a wrapped cell displays none.
- The cell's own variables are still reachable by frame inspection from a student's
  function (`sys._getframe(1).f_locals`): this stops global lookups, not a debugger.
- Classes and functions defined in a wrapped cell get a `<locals>` qualified name, so
  they cannot be pickled.
"""

import ast
import functools
import io
import keyword
import symtable
import tokenize
import warnings
from collections.abc import Collection, Iterable, Iterator

# Line N of a cell is line N + LINE_SHIFT of its wrapped source: the `def` line, then a
# `global ...` (or `pass`) line, then the cell's lines, each indented by four spaces.
LINE_SHIFT = 2
INDENT = "    "

_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)
_COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)
# Constructs that only a module (or IPython) accepts at the top level of a cell.
_MODULE_ONLY = (ast.Return, ast.Yield, ast.YieldFrom, ast.Await, ast.AsyncFor, ast.AsyncWith)

Assigned = frozenset[str] | None  # None: the code does not fall through (raise, break)


def scoped_test_source(
    source: str, keep_global: Iterable[str], function_name: str, capture: Iterable[str] = ()
) -> str:
    """The cell's code as the body of `function_name`, called once and then deleted.

    Names in `capture` that the cell reads (and does not assign) become keyword-only
    defaults of the function, so they are bound once, when the test starts: a student's
    function the test calls can rebind the global `assert_close` or `np`, but not what
    the running test uses. They must exist when the cell runs.

    The source is returned unchanged, to run at module level as before, when it does
    not compile, contains IPython magics or shell escapes (lines starting with `%` or
    `!`), `from x import *`, top-level `return`/`yield`/`await`/`async for`/`async
    with`, `nonlocal`, or uses `function_name` itself. Line N of the cell is line
    N + LINE_SHIFT of the result; multi-line string literals keep their exact value.
    """
    if not function_name.isidentifier() or keyword.iskeyword(function_name):
        raise ValueError(f"Expected a function name, received: {function_name!r}")
    source = source.replace("\r\n", "\n").replace("\r", "\n")
    tree = _parse(source)
    if tree is None or not _can_wrap(source, tree, function_name):
        return source
    bound = _bound_names(source, tree)
    declared = _declared_global(tree)
    names = declared | (bound & (_unsafe_reads(tree) | set(keep_global)))
    read = _reads_as_globals(source, wrapped=True)
    captured = (set(capture) & read) - bound - declared
    wrapped = _wrap(source, sorted(names), function_name, sorted(captured))
    return wrapped if _parse(wrapped) is not None else source


def globals_needed_elsewhere(
    cell_sources: list[str], index: int, wrapped: Collection[int] = ()
) -> frozenset[str]:
    """The names cell `index` assigns that another cell may read as globals.

    Another cell reads a name as a global when it reads it at top level where it has not
    surely assigned it yet, or inside any function, lambda or class it defines. The
    order of the cells does not matter. Cells that do not compile contribute nothing.

    `wrapped`: indexes of the cells that will be wrapped too. A function defined in one
    of them reads the names that cell assigns from the cell's own scope, not from the
    globals (approximation: unless that cell keeps the name global for a third cell).
    """
    own = _parse(cell_sources[index])
    if own is None:
        return frozenset()
    needed = frozenset().union(
        *(
            _reads_as_globals(source, other in wrapped)
            for other, source in enumerate(cell_sources)
            if other != index
        )
    )
    return frozenset(_bound_names(cell_sources[index], own) & needed)


@functools.lru_cache(maxsize=1024)
def names_bound(source: str) -> frozenset[str]:
    """The names a cell binds at top level (assignments, imports, defs, classes)."""
    tree = _parse(source)
    return frozenset(_bound_names(source, tree)) if tree is not None else frozenset()


def _reads_as_globals(source: str, wrapped: bool) -> frozenset[str]:
    """Names a cell reads from the module's globals (cached: every cell asks of every
    other cell)."""
    tree = _parse(source)
    if tree is None:
        return frozenset()
    deferred = set().union(*map(_global_reads, _definitions(tree.body)))
    if wrapped:
        deferred -= _bound_names(source, tree)
    return frozenset(_unsafe_reads(tree) | deferred)


# --- parsing and checks -----------------------------------------------------------


def _parse(source: str) -> ast.Module | None:
    """The syntax tree, or None when the source does not compile as a module."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            compile(source, "<cell>", "exec", dont_inherit=True)
            return ast.parse(source)
        except (SyntaxError, ValueError):
            return None


def _can_wrap(source: str, tree: ast.Module, function_name: str) -> bool:
    tokens = _tokens(source)
    if tokens is None or _has_escape(tokens):
        return False
    for node in _walk_outside(tree.body, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
        if isinstance(node, _MODULE_ONLY + (ast.Nonlocal,)):
            return False
        if isinstance(node, ast.ImportFrom) and any(a.name == "*" for a in node.names):
            return False
        if isinstance(node, ast.comprehension) and node.is_async:
            return False
    return function_name not in _all_identifiers(tree)


def _walk_outside(nodes: Iterable[ast.AST], scopes: tuple[type, ...]) -> Iterator[ast.AST]:
    """Every node under `nodes`, not descending into the bodies of `scopes` nodes."""
    for node in nodes:
        yield node
        if isinstance(node, scopes):
            # Decorators, defaults and bases run in the enclosing scope.
            yield from _walk_outside(_outer_parts(node), scopes)
        else:
            yield from _walk_outside(ast.iter_child_nodes(node), scopes)


def _outer_parts(node: ast.AST) -> list[ast.AST]:
    """The parts of a definition evaluated where it stands, not in its own scope."""
    if isinstance(node, ast.ClassDef):
        return [*node.decorator_list, *node.bases, *node.keywords]
    args = node.args
    parts = [*args.defaults, *(d for d in args.kw_defaults if d is not None)]
    if isinstance(node, ast.Lambda):
        return parts
    annotations = [a.annotation for a in (*args.posonlyargs, *args.args, *args.kwonlyargs)]
    annotations += [a.annotation for a in (args.vararg, args.kwarg) if a is not None]
    parts += [a for a in annotations if a is not None]
    return [*node.decorator_list, *parts, *([node.returns] if node.returns else [])]


def _all_identifiers(tree: ast.Module) -> set[str]:
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            names.add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.alias):
            names.add((node.asname or node.name).split(".")[0])
    return names


# --- names ------------------------------------------------------------------------


def _bound_names(source: str, tree: ast.Module) -> set[str]:
    """Names the cell binds at top level (they would be locals of a function)."""
    table = symtable.symtable(source, "<cell>", "exec")
    bound = {s.get_name() for s in table.get_symbols() if s.is_assigned() or s.is_imported()}
    # `(name := ...)` inside a comprehension binds in the cell's scope.
    bound |= {
        node.target.id
        for node in _walk_outside(tree.body, _SCOPES)
        if isinstance(node, ast.NamedExpr)
    }
    return bound


def _declared_global(tree: ast.Module) -> set[str]:
    """Names declared `global` anywhere: in the cell or in a function it defines."""
    return {name for node in ast.walk(tree) if isinstance(node, ast.Global) for name in node.names}


def _definitions(nodes: Iterable[ast.AST]) -> Iterator[ast.AST]:
    """The outermost functions, lambdas and classes defined under `nodes`."""
    for node in _walk_outside(nodes, _SCOPES):
        if isinstance(node, _SCOPES):
            yield node


def _global_reads(definition: ast.AST) -> set[str]:
    """Names a function, lambda or class body (nested scopes included) reads from the
    scope the definition stands in."""
    statement = definition if isinstance(definition, ast.stmt) else ast.Expr(definition)
    text = ast.unparse(ast.Module(body=[statement], type_ignores=[]))
    table = symtable.symtable(text, "<definition>", "exec")
    return {name for child in table.get_children() for name in _table_global_reads(child)}


def _table_global_reads(table: symtable.SymbolTable) -> set[str]:
    names = {s.get_name() for s in table.get_symbols() if s.is_global() and s.is_referenced()}
    for child in table.get_children():
        names |= _table_global_reads(child)
    return names


# --- reads before assignment ------------------------------------------------------


def _unsafe_reads(tree: ast.Module) -> set[str]:
    """Names read at top level where the cell has not surely assigned them yet."""
    reads = _ReadsBeforeAssignment()
    reads.block(tree.body, frozenset())
    return reads.unsafe


def _meet(*branches: Assigned) -> Assigned:
    """What is surely assigned after one of several branches, whichever ran."""
    reached = [branch for branch in branches if branch is not None]
    return frozenset.intersection(*reached) if reached else None


def _target_names(target: ast.AST) -> set[str]:
    return {
        node.id
        for node in ast.walk(target)
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store)
    }


class _ReadsBeforeAssignment:
    """A walk in execution order that records reads of names not surely assigned.

    Expressions bind nothing surely (a walrus counts as maybe), so only statements
    change the set of surely assigned names.
    """

    def __init__(self) -> None:
        self.unsafe: set[str] = set()

    def block(self, statements: list[ast.stmt], assigned: Assigned) -> Assigned:
        for statement in statements:
            if assigned is None:
                return None  # unreachable: it reads nothing
            assigned = self.statement(statement, assigned)
        return assigned

    def reads(self, node: ast.AST | None, assigned: frozenset[str], local=frozenset()) -> None:
        """Records the reads of an expression (or the expression parts of a target)."""
        if node is None:
            return
        if isinstance(node, ast.Name):
            if not isinstance(node.ctx, ast.Store) and node.id not in assigned | local:
                self.unsafe.add(node.id)
        elif isinstance(node, _SCOPES):
            for part in _outer_parts(node):
                self.reads(part, assigned, local)
            self.unsafe |= _global_reads(node) - assigned - local
        elif isinstance(node, _COMPREHENSIONS):
            self.comprehension_reads(node, assigned, local)
        else:
            for child in ast.iter_child_nodes(node):
                self.reads(child, assigned, local)

    def comprehension_reads(self, node: ast.AST, assigned: frozenset[str], local) -> None:
        for generator in node.generators:
            self.reads(generator.iter, assigned, local)
            local = local | _target_names(generator.target)
            for condition in generator.ifs:
                self.reads(condition, assigned, local)
        for part in ("elt", "key", "value"):
            self.reads(getattr(node, part, None), assigned, local)

    def statement(self, node: ast.stmt, assigned: frozenset[str]) -> Assigned:
        match node:
            case ast.Assign(targets=targets, value=value):
                self.reads(value, assigned)
                return self.bind(targets, assigned)
            case ast.AugAssign(target=ast.Name(id=name)) if name not in assigned:
                self.unsafe.add(name)  # `x += 1` reads x first
                self.reads(node.value, assigned)
                return assigned | {name}
            case ast.AugAssign(target=target, value=value):
                self.reads(value, assigned)
                return self.bind([target], assigned)
            case ast.AnnAssign(target=target, annotation=annotation, value=value) if value:
                self.reads(value, assigned)
                self.reads(annotation, assigned)
                return self.bind([target], assigned)
            case ast.Delete(targets=targets):
                self.reads_targets(targets, assigned, deleting=True)
                return assigned - {t.id for t in targets if isinstance(t, ast.Name)}
            case ast.Import(names=aliases) | ast.ImportFrom(names=aliases):
                return assigned | {(a.asname or a.name).split(".")[0] for a in aliases}
            case ast.FunctionDef() | ast.AsyncFunctionDef() | ast.ClassDef():
                self.reads(node, assigned)
                return assigned | {node.name}
            case ast.If(test=test, body=body, orelse=orelse):
                self.reads(test, assigned)
                return _meet(self.block(body, assigned), self.block(orelse, assigned))
            case ast.For(target=target, iter=iterable, body=body, orelse=orelse):
                self.reads(iterable, assigned)
                self.block(body, self.bind([target], assigned))
                self.block(orelse, assigned)
                return assigned  # the loop may run zero times, or break
            case ast.While(test=test, body=body, orelse=orelse):
                self.reads(test, assigned)
                self.block(body, assigned)
                self.block(orelse, assigned)
                return assigned
            case ast.With(items=items, body=body):
                for item in items:
                    self.reads(item.context_expr, assigned)
                    if item.optional_vars is not None:
                        assigned = self.bind([item.optional_vars], assigned)
                return self.block(body, assigned)
            case ast.Try() | ast.TryStar():
                return self.try_statement(node, assigned)
            case ast.Raise() | ast.Break() | ast.Continue():
                self.generic(node, assigned)
                return None
            case ast.Match(subject=subject, cases=cases):
                self.reads(subject, assigned)
                for case in cases:
                    captured = assigned | _capture_names(case.pattern)
                    self.reads(case.guard, captured)
                    self.block(case.body, captured)
                return assigned
            case _:  # Expr, Assert, Pass, Global, AnnAssign without value
                self.generic(node, assigned)
                return assigned

    def generic(self, node: ast.stmt, assigned: frozenset[str]) -> None:
        for child in ast.iter_child_nodes(node):
            self.reads(child, assigned)

    def bind(self, targets: list[ast.expr], assigned: frozenset[str]) -> frozenset[str]:
        self.reads_targets(targets, assigned)
        return assigned | {name for target in targets for name in _target_names(target)}

    def reads_targets(self, targets, assigned: frozenset[str], deleting: bool = False) -> None:
        """Reads in targets: `a[i] = ...` reads `a` and `i`; `del x` reads `x`."""
        for target in targets:
            if isinstance(target, ast.Name):
                if deleting and target.id not in assigned:
                    self.unsafe.add(target.id)
            elif isinstance(target, (ast.Tuple, ast.List, ast.Starred)):
                children = target.elts if not isinstance(target, ast.Starred) else [target.value]
                self.reads_targets(children, assigned, deleting)
            else:
                self.reads(target, assigned)

    def try_statement(self, node: ast.Try, assigned: frozenset[str]) -> Assigned:
        after_body = self.block(node.body, assigned)
        outcomes = [self.block(node.orelse, after_body)]
        for handler in node.handlers:
            self.reads(handler.type, assigned)
            start = assigned | ({handler.name} if handler.name else set())
            outcome = self.block(handler.body, start)
            outcomes.append(None if outcome is None else outcome - {handler.name})
        after_finally = self.block(node.finalbody, assigned)
        normal = _meet(*outcomes)
        if normal is None or after_finally is None:
            return None
        return normal | after_finally


def _capture_names(pattern: ast.AST) -> set[str]:
    names = set()
    for node in ast.walk(pattern):
        if isinstance(node, (ast.MatchAs, ast.MatchStar)) and node.name:
            names.add(node.name)
        elif isinstance(node, ast.MatchMapping) and node.rest:
            names.add(node.rest)
    return names


# --- the wrapped text -------------------------------------------------------------


def _wrap(
    source: str, global_names: list[str], function_name: str, captured: list[str] = ()
) -> str:
    declaration = f"global {', '.join(global_names)}" if global_names else "pass"
    parameters = f"*, {', '.join(f'{n}={n}' for n in captured)}" if captured else ""
    lines = [f"def {function_name}({parameters}):\n", f"{INDENT}{declaration}\n"]
    inside_strings = _string_lines(source)
    # Split at "\n" only, as the tokenizer does (str.splitlines also splits at "\x0c").
    for number, line in enumerate(source.removesuffix("\n").split("\n"), start=1):
        lines.append(f"{line}\n" if number in inside_strings else f"{INDENT}{line}\n")
    call = f"{INDENT}{function_name}()\n"
    lines += ["try:\n", call, "finally:\n", f"{INDENT}del {function_name}\n"]
    return "".join(lines)


def _tokens(source: str) -> list[tokenize.TokenInfo] | None:
    try:
        return list(tokenize.generate_tokens(io.StringIO(source).readline))
    except (tokenize.TokenError, SyntaxError):
        return None


def _has_escape(tokens: list[tokenize.TokenInfo]) -> bool:
    """Whether a logical line starts with `%` or `!` (IPython magic or shell escape)."""
    depth, line_start = 0, True
    for token in tokens:
        if token.type in (tokenize.NL, tokenize.COMMENT, tokenize.INDENT, tokenize.DEDENT):
            continue
        if line_start and token.string.startswith(("%", "!")):
            return True
        depth += token.string in "([{" and token.type == tokenize.OP
        depth -= token.string in ")]}" and token.type == tokenize.OP
        line_start = token.type == tokenize.NEWLINE and depth == 0
    return False


def _string_lines(source: str) -> set[int]:
    """Numbers of the lines that continue a string literal begun on an earlier line."""
    fstring_start = getattr(tokenize, "FSTRING_START", None)  # Python 3.12+
    fstring_end = getattr(tokenize, "FSTRING_END", None)
    lines: set[int] = set()
    open_fstrings: list[int] = []
    for token in _tokens(source) or []:
        if token.type == fstring_start:
            open_fstrings.append(token.start[0])
        elif token.type == fstring_end:
            first = open_fstrings.pop()
            if not open_fstrings:
                lines.update(range(first + 1, token.end[0] + 1))
        elif token.type == tokenize.STRING:
            lines.update(range(token.start[0] + 1, token.end[0] + 1))
    return lines
