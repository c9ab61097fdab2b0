"""Deciding, outside the student's kernel, whether each test passed.

nbgrader passes a test cell that shows no error. A submission can make errors
vanish (a custom exception handler, a cell transformer, `os._exit`, killing its
kernel) or make checks pass vacuously (patching `numpy.allclose`, the course's
check helpers, TensorFlow, builtins). So the grader asks for positive evidence:

1. Before any student code runs, a trusted cell records the identity of every
   function and class in NumPy, TensorFlow, Keras, the course library, builtins
   and IPython, the trusted cells' own names, and the interpreter's hooks.
2. Every test cell ends with a receipt line that prints a random token known only
   to the grader, followed by the result of re-checking that record.
3. The grader passes a test only if the cell raised nothing, printed its own token
   last, and the record was intact. Anything else scores zero with a reason.

The tokens are drawn per grading run, so output copied from elsewhere cannot
match. Limits: the checks run in the student's interpreter, so code written
against this very protocol (finding and editing the record in memory) can still
defeat them; see the README's security notes.
"""

import secrets
from dataclasses import dataclass

import nbformat
from nbformat import NotebookNode

from autograder.notebooks import is_test_cell, nbgrader_metadata

RECEIPT = "DLCOURSE-RECEIPT"
_INDEX_KEY = "dlcourse_index"

_SNAPSHOT_CELL = """
def {name}():
    import builtins, sys, types

    watched = ("builtins", "numpy", "tensorflow", "keras", "course", "IPython", "ipykernel",
               "sys", "math", "os", "io", "json", "traceback", "inspect", "functools",
               "operator", "contextlib", "unittest", "random", "time", "gc", "threading")
    entries, seen = [], set()
    # Replaced by ipykernel itself around every execution.
    volatile = {{("builtins", "input"), ("builtins", "raw_input"), ("sys", "excepthook")}}

    def record(owner, namespace):
        for key, value in list(namespace.items()):
            if isinstance(value, types.ModuleType) or not callable(value):
                continue
            if (owner, key) in volatile:
                continue
            entries.append((owner, namespace, key, value))
            if isinstance(value, type) and id(value) not in seen:
                seen.add(id(value))
                if (value.__module__ or "").split(".")[0] in watched:
                    record(value.__module__ + "." + value.__qualname__, value.__dict__)

    for module_name, module in list(sys.modules.items()):
        if module_name.split(".")[0] in watched and isinstance(module, types.ModuleType):
            namespace = getattr(module, "__dict__", None)
            if isinstance(namespace, dict):
                record(module_name, namespace)
    main = sys.modules["__main__"].__dict__
    trusted_names = {{k: v for k, v in main.items() if not k.startswith("_") and callable(v)}}

    # A function can be changed in place: its code, defaults and keyword defaults.
    def unwrap(value):
        if isinstance(value, (staticmethod, classmethod, types.MethodType)):
            return value.__func__
        return value

    functions = [
        (name, function, function.__code__, function.__defaults__, function.__kwdefaults__)
        for name, function in [(owner + "." + key, unwrap(value))
                               for owner, namespace, key, value in entries]
        + [("__main__." + key, unwrap(value)) for key, value in trusted_names.items()]
        if isinstance(function, types.FunctionType)
    ]
    shell = get_ipython()
    hooks = {{
        "sys.displayhook": lambda: sys.displayhook,
        "sys.gettrace": lambda: sys.gettrace(),
        "sys.getprofile": lambda: sys.getprofile(),
        "sys.meta_path": lambda: tuple(sys.meta_path),
        "sys.path_hooks": lambda: tuple(sys.path_hooks),
        "sys.stdout": lambda: sys.stdout,
        "sys.stderr": lambda: sys.stderr,
        "builtins.__import__": lambda: builtins.__import__,
        "shell.custom_exceptions": lambda: tuple(shell.custom_exceptions),
        "shell.input_transformers_cleanup": lambda: tuple(shell.input_transformers_cleanup),
        "shell.input_transformers_post": lambda: tuple(shell.input_transformers_post),
        "shell.ast_transformers": lambda: tuple(shell.ast_transformers),
        "shell.instance": lambda: tuple(
            (k, v) for k, v in vars(shell).items() if callable(v) and not isinstance(v, type)
        ),
        "shell.events": lambda: tuple(
            (event, tuple(f for f in callbacks
                          if not (getattr(f, "__module__", "") or "").startswith(
                              ("matplotlib", "ipykernel", "IPython"))))
            for event, callbacks in shell.events.callbacks.items()
        ),
    }}
    if hasattr(sys, "monitoring"):
        hooks["sys.monitoring"] = lambda: tuple(sys.monitoring.get_tool(i) for i in range(6))
    baseline = {{key: read() for key, read in hooks.items()}}

    def changed():
        names = [owner + "." + key for owner, namespace, key, value in entries
                 if namespace.get(key, value) is not value]
        names += [name for name, function, code, defaults, kwdefaults in functions
                  if function.__code__ is not code or function.__defaults__ is not defaults
                  or function.__kwdefaults__ is not kwdefaults]
        names += ["__main__." + key for key, value in trusted_names.items()
                  if main.get(key) is not value]
        for key, read in hooks.items():
            try:
                now = read()
            except Exception:
                names.append(key)
                continue
            if now != baseline[key] and not (isinstance(now, tuple) and _same(now, baseline[key])):
                names.append(key)
        return names

    def _same(a, b):
        return len(a) == len(b) and all(x is y or x == y for x, y in zip(a, b))

    def verdict():
        names = changed()
        return "intact" if not names else "tampered " + ",".join(sorted(names)[:8])

    return verdict


{verdict} = {name}()
del {name}
"""

_RECEIPT_LINE = '\nprint("{receipt} {token} " + {verdict}(), flush=True)\n'


@dataclass(frozen=True)
class Probe:
    """What the grader expects from one test cell."""

    index: int  # position of the test cell in the graded notebook
    grade_id: str
    token: str


@dataclass(frozen=True)
class TestVerdict:
    grade_id: str
    passed: bool
    reason: str = ""


def first_untrusted_cell(notebook: NotebookNode) -> int:
    """Index of the first cell that is not a locked instructor cell."""
    for index, cell in enumerate(notebook.cells):
        if cell.cell_type != "code":
            continue
        meta = nbgrader_metadata(cell)
        if not meta.get("locked") or meta.get("solution") or is_test_cell(cell):
            return index
    return len(notebook.cells)


def instrument(notebook: NotebookNode) -> tuple[NotebookNode, list[Probe]]:
    """A copy with the record cell and a receipt line in every test; the probes.

    Every cell keeps its original position in `metadata.dlcourse_index` (the record
    cell has none), so outputs can be put back into the un-instrumented notebook.
    """
    instrumented = nbformat.from_dict(notebook)
    verdict_name = f"_dlcourse_{secrets.token_hex(8)}"
    probes = []
    for index, cell in enumerate(instrumented.cells):
        cell.metadata[_INDEX_KEY] = index
        if is_test_cell(cell):
            token = secrets.token_hex(16)
            probes.append(Probe(index, nbgrader_metadata(cell)["grade_id"], token))
            cell.source = cell.source.rstrip() + _RECEIPT_LINE.format(
                receipt=RECEIPT, token=token, verdict=verdict_name
            )
    snapshot = nbformat.v4.new_code_cell(
        _SNAPSHOT_CELL.format(name=f"_dlcourse_{secrets.token_hex(8)}", verdict=verdict_name)
    )
    snapshot.metadata["dlcourse_record"] = True
    instrumented.cells.insert(first_untrusted_cell(notebook), snapshot)
    return instrumented, probes


def _stdout_text(cell: NotebookNode) -> str:
    return "".join(
        output.get("text", "")
        for output in cell.get("outputs", [])
        if output.get("output_type") == "stream" and output.get("name") == "stdout"
    )


def _has_error(cell: NotebookNode) -> bool:
    return any(output.get("output_type") == "error" for output in cell.get("outputs", []))


def judge(executed: NotebookNode, probes: list[Probe]) -> list[TestVerdict]:
    """Pass/fail of every test from the executed, instrumented notebook."""
    by_index = {
        cell.metadata.get(_INDEX_KEY): cell
        for cell in executed.cells
        if _INDEX_KEY in cell.get("metadata", {})
    }
    record = next((c for c in executed.cells if c.metadata.get("dlcourse_record")), None)
    record_ok = record is not None and record.get("execution_count") and not _has_error(record)
    verdicts = []
    for probe in probes:
        cell = by_index.get(probe.index)
        lines = _stdout_text(cell).rstrip("\n").splitlines() if cell else []
        last = lines[-1] if lines else ""
        expected = f"{RECEIPT} {probe.token} "
        if not record_ok:
            verdicts.append(TestVerdict(probe.grade_id, False, "the grader's set-up did not run"))
        elif cell is None or not cell.get("execution_count"):
            verdicts.append(TestVerdict(probe.grade_id, False, "the test did not run"))
        elif _has_error(cell):
            verdicts.append(TestVerdict(probe.grade_id, False))  # the error says why
        elif not last.startswith(expected):
            verdicts.append(TestVerdict(probe.grade_id, False, "the test did not complete"))
        elif last[len(expected) :] != "intact":
            changed = last[len(expected) :].removeprefix("tampered ")
            verdicts.append(
                TestVerdict(
                    probe.grade_id, False, f"tampering detected (replaced or hooked: {changed})"
                )
            )
        else:
            verdicts.append(TestVerdict(probe.grade_id, True))
    return verdicts


def restore(
    graded: NotebookNode, executed: NotebookNode, verdicts: list[TestVerdict]
) -> NotebookNode:
    """The graded notebook with the executed outputs, receipts removed, and an error
    output added to every failed test that shows none (so nbgrader scores it zero)."""
    result = nbformat.from_dict(graded)
    failed = {v.grade_id: v for v in verdicts if not v.passed}
    for cell in executed.cells:
        index = cell.get("metadata", {}).get(_INDEX_KEY)
        if index is None or cell.cell_type != "code":
            continue
        target = result.cells[index]
        target.outputs = [_without_receipt(o) for o in cell.get("outputs", [])]
        target.outputs = [o for o in target.outputs if o is not None]
        target.execution_count = cell.get("execution_count")
    for cell in result.cells:
        verdict = (
            failed.get(nbgrader_metadata(cell).get("grade_id")) if is_test_cell(cell) else None
        )
        if verdict and not _has_error(cell):
            cell.outputs.append(
                nbformat.v4.new_output(
                    "error",
                    ename="NotGraded",
                    evalue=verdict.reason or "the test did not complete",
                    traceback=[f"NotGraded: {verdict.reason or 'the test did not complete'}"],
                )
            )
    return result


def _without_receipt(output: NotebookNode) -> NotebookNode | None:
    if output.get("output_type") != "stream" or RECEIPT not in output.get("text", ""):
        return output
    kept = "".join(
        line for line in output["text"].splitlines(keepends=True) if not line.startswith(RECEIPT)
    )
    if not kept:
        return None
    output = nbformat.from_dict(output)
    output["text"] = kept
    return output
