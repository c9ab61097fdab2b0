"""What Python code binds and reads, from its syntax tree (`ast`), scope by scope.

`autograder.split` uses these to decide what a block of a test receives and sends
back, and which of the instructor's statements the judge needs.
"""

import ast

_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)
COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)


def stored(node) -> set[str]:
    """Names a node binds in its own scope (not inside nested functions or classes)."""
    names = set()
    if isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
        names.add(node.id)
    elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        names.add(node.name)
    elif isinstance(node, (ast.Import, ast.ImportFrom)):
        names.update((a.asname or a.name).split(".")[0] for a in node.names if a.name != "*")
    elif isinstance(node, ast.ExceptHandler) and node.name:
        names.add(node.name)
    elif isinstance(node, (ast.MatchAs, ast.MatchStar)) and node.name:
        names.add(node.name)
    return names


def scope_bindings(nodes) -> set[str]:
    """Names bound by `nodes` in the scope they run in: nested functions, classes,
    lambdas and comprehensions bind their own names elsewhere."""
    names: set[str] = set()
    stack = list(nodes)
    while stack:
        node = stack.pop()
        names |= stored(node)
        if isinstance(node, _SCOPES):
            stack.extend(d for d in getattr(node, "decorator_list", []))
            continue
        if isinstance(node, COMPREHENSIONS):
            continue
        stack.extend(ast.iter_child_nodes(node))
    return names


def all_bindings(nodes) -> set[str]:
    """Every name bound anywhere in `nodes`, nested scopes and parameters included."""
    names: set[str] = set()
    for root in nodes:
        for node in ast.walk(root):
            names |= stored(node)
            if isinstance(node, ast.arg):
                names.add(node.arg)
    return names


def reads(nodes, into_functions: bool = False) -> set[str]:
    """Names `nodes` read from the scope they run in.

    A name bound by a comprehension, a lambda's parameters, or a function's or class's
    parameters and locals is read from that inner scope, not this one (a helper's local
    `g` needs no global `g`). With `into_functions`, function bodies count as this scope
    (a test's blocks may sit in a function of the test, reading its locals).
    """
    found: set[str] = set()

    def visit(node, inner: frozenset) -> None:
        if isinstance(node, ast.Name):
            if isinstance(node.ctx, ast.Load) and node.id not in inner:
                found.add(node.id)
            return
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            arguments = node.args
            for default in [*arguments.defaults, *arguments.kw_defaults]:
                if default is not None:
                    visit(default, inner)
            for decorator in getattr(node, "decorator_list", []):
                visit(decorator, inner)
            body = node.body if isinstance(node.body, list) else [node.body]
            local = {a.arg for a in ast.walk(arguments) if isinstance(a, ast.arg)}
            if not isinstance(node, ast.Lambda):
                local |= scope_bindings(body)
            if into_functions and not isinstance(node, ast.Lambda):
                local = set()
            for child in body:
                visit(child, inner | local)
            return
        if isinstance(node, ast.ClassDef):
            for child in [*node.bases, *node.keywords, *node.decorator_list]:
                visit(child, inner)
            for child in node.body:
                visit(child, inner | scope_bindings(node.body))
            return
        if isinstance(node, COMPREHENSIONS):
            targets = {n.id for g in node.generators for n in ast.walk(g.target)
                       if isinstance(n, ast.Name)}  # fmt: skip
            for child in ast.iter_child_nodes(node):
                visit(child, inner | targets)
            return
        for child in ast.iter_child_nodes(node):
            visit(child, inner)

    for root in nodes:
        visit(root, frozenset())
    return found


def is_definition(node) -> bool:
    """A statement whose purpose is the names it binds (`x = ...`, `def f`, `class C`),
    not a change to something else (`model.trainable = False`, `model.fit(...)`)."""
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return True
    if isinstance(node, ast.Assign):
        return all(names_only(target) for target in node.targets)
    if isinstance(node, (ast.AnnAssign, ast.AugAssign)):
        return names_only(node.target)
    return False


def base_name(node) -> str | None:
    """`model` of `model.layers[0].weights`."""
    while isinstance(node, (ast.Attribute, ast.Subscript, ast.Call)):
        node = node.func if isinstance(node, ast.Call) else node.value
    return node.id if isinstance(node, ast.Name) else None


def changed_names(node) -> set[str]:
    """What a statement works on: `model` in `model.fit(...)`, `model.trainable = False`
    or `for layer in model.layers: ...`."""
    if isinstance(node, ast.Expr) and isinstance(node.value, ast.Call):
        targets = [node.value.func]
    elif isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign)):
        targets = getattr(node, "targets", None) or [node.target]
        targets = [t for t in targets if isinstance(t, (ast.Attribute, ast.Subscript))]
    elif isinstance(node, ast.For):
        targets = [node.iter]
    else:
        targets = []
    return {name for name in map(base_name, targets) if name}


def names_only(target) -> bool:
    if isinstance(target, (ast.Tuple, ast.List)):
        return all(names_only(item) for item in target.elts)
    return isinstance(target, (ast.Name, ast.Starred)) and (
        not isinstance(target, ast.Starred) or names_only(target.value)
    )
