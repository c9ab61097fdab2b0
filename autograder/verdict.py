"""Deciding, outside the student's kernel, whether each test passed.

nbgrader passes a test cell that shows no error. A submission can make errors
vanish (a custom exception handler, a cell transformer, `os._exit`, killing its
kernel) or make checks pass vacuously (patching `numpy.allclose`, the course's
check helpers, TensorFlow, builtins). So the grader asks for positive evidence,
signed with a key the student's code never sees:

1. The grader writes a random key into the kernel's folder. A trusted cell, run
   before any student code, reads and deletes it, records the identity (and the code
   and defaults) of every function and class in NumPy, TensorFlow, Keras, the course
   library, builtins and IPython, and installs a Python audit hook (PEP 578), which
   cannot be removed. The key lives only inside that hook.
2. Every test cell starts and ends with a trigger: a line of plain bytecode no patch
   can intercept. On a trigger run by the outermost cell itself, the hook re-checks
   the record and appends a line to a receipts file, signed (keyed BLAKE2) with the
   trigger's number and "ok" or "bad". A student can print, but cannot sign.
3. The hook also watches what patches need: it refuses and reports new audit hooks,
   trace and profile functions, `gc` and `ctypes` from student code, frames taken
   by student code, `/proc/*/mem`, and attribute changes on recorded classes and
   functions. Once one happens, every later trigger signs "bad".
4. The grader passes a test only if the cell ran without an error and the receipts
   file holds "ok" for both of its triggers and "bad" for neither.

Limits: the hook runs inside the student's interpreter. Code written against this
very protocol that captures the hook's frame where no audit event is raised (a
Python signal handler firing inside the hook) can still read the key; the README's
security notes say so. A sound verdict needs the test's comparisons to run in
another process.
"""

import hashlib
import secrets
from dataclasses import dataclass

import nbformat
from nbformat import NotebookNode

from autograder.notebooks import is_test_cell, nbgrader_metadata
from autograder.scoping import globals_needed_elsewhere, names_bound, scoped_test_source

RECEIPT = "DLCOURSE-RECEIPT"
KEY_FILE = ".dlcourse-key"
RECEIPTS_FILE = ".dlcourse-receipts"
TRIGGER = "dlcourse-trigger"
MODULE_EVENT = "dlcourse.module_setattr"
_INDEX_KEY = "dlcourse_index"
# A generator's frame is only reachable through an audited attribute; the trailing
# semicolon keeps IPython from displaying it.
# The trigger's number is no secret: the hook signs each number once, in increasing
# order, and only when the cell itself (not code it calls) runs the trigger.
_TRIGGER_LINE = '(("{trigger}", {number}) for _ in ()).gi_frame;'
_TEST_FUNCTION = "_dlcourse_test"

_RECORD_CELL = r"""
def _dlcourse_install():
    import builtins, hashlib, inspect, logging, os, sys, threading, traceback, types

    with open(__KEY_FILE__, "rb") as handle:
        key = handle.read()
    os.unlink(__KEY_FILE__)
    log = os.open(__RECEIPTS_FILE__, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    signer = hashlib.blake2b(key=key, digest_size=16)
    del key

    # -- the record: what a patch would have to replace -----------------------------
    watched = ("builtins", "numpy", "tensorflow", "keras", "course", "IPython", "ipykernel",
               "sys", "math", "os", "io", "json", "traceback", "inspect", "functools",
               "operator", "contextlib", "unittest", "random", "time", "gc", "threading",
               "hashlib", "signal", "logging")
    entries, seen = [], set()
    # Replaced by ipykernel itself around every execution.
    volatile = {("builtins", "input"), ("builtins", "raw_input"), ("sys", "excepthook")}

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
    trusted_names = {k: v for k, v in main.items() if not k.startswith("_") and callable(v)}
    # `np`, `tf`, `keras`...: a test must see the instructor's modules, whatever a
    # student's cell rebound them to (an honest `from tensorflow import keras` too).
    trusted_modules = {k: v for k, v in main.items()
                       if not k.startswith("_") and isinstance(v, types.ModuleType)}

    def unwrap(value):
        if isinstance(value, (staticmethod, classmethod, types.MethodType)):
            return value.__func__
        return value

    # Classes and functions whose attributes (a function's code and defaults included)
    # must not change: the hook sees every such change as it happens.
    watched_ids = {id(value): owner + "." + key for owner, namespace, key, value in entries
                   if isinstance(value, type)}
    watched_ids.update(
        (id(function), name)
        for name, function in [(owner + "." + key, unwrap(value))
                               for owner, namespace, key, value in entries]
        + [("__main__." + key, unwrap(value)) for key, value in trusted_names.items()]
        if isinstance(function, types.FunctionType)
    )
    # Modules report every attribute assignment (`numpy.allclose = ...`) as it happens,
    # so a patch that puts itself back before the next check is still seen.
    class GuardedModule(types.ModuleType):
        def __setattr__(self, name, value, _audit=sys.audit, _set=types.ModuleType.__setattr__):
            _audit(__MODULE_EVENT__, self, name, value)
            _set(self, name, value)

        def __delattr__(self, name, _audit=sys.audit, _delete=types.ModuleType.__delattr__):
            _audit(__MODULE_EVENT__, self, name, None)
            _delete(self, name)

    recorded = {(id(namespace), key): value for owner, namespace, key, value in entries
                if type(namespace) is dict}
    guarded = {}
    for module_name, module in list(sys.modules.items()):
        # Not `sys` and `builtins`: ipykernel and libraries swap their hooks (displayhook,
        # __import__) and put them back; both are checked at every trigger instead.
        if (module_name.split(".")[0] in watched and module_name not in ("sys", "builtins")
                and type(module) is types.ModuleType):
            try:
                module.__class__ = GuardedModule
                guarded[id(module)] = module_name
            except TypeError:
                pass
    watched_ids.update((id(f), "dlcourse.GuardedModule." + f.__name__)
                       for f in (GuardedModule.__setattr__, GuardedModule.__delattr__))
    watched_ids[id(GuardedModule)] = "dlcourse.GuardedModule"
    shell = get_ipython()

    def flat(pairs):
        return tuple(item for pair in pairs for item in pair)

    def items(value):
        # Only a real list is read: a student's list subclass could run code here.
        return tuple(value) if type(value) is list else ("not a list",)

    def module_of(f):
        if type(f) is types.MethodType:
            f = f.__func__
        return f.__module__ if type(f) is types.FunctionType else ""

    hooks = {
        "sys.displayhook": lambda: sys.displayhook,
        "sys.gettrace": lambda: sys.gettrace(),
        "sys.getprofile": lambda: sys.getprofile(),
        "sys.meta_path": lambda: items(sys.meta_path),
        "sys.path_hooks": lambda: items(sys.path_hooks),
        "sys.stdout": lambda: sys.stdout,
        "sys.stderr": lambda: sys.stderr,
        "builtins.__import__": lambda: builtins.__import__,
        "shell.custom_exceptions": lambda: shell.custom_exceptions,
        "shell.input_transformers_cleanup": lambda: items(shell.input_transformers_cleanup),
        "shell.input_transformers_post": lambda: items(shell.input_transformers_post),
        "shell.ast_transformers": lambda: items(shell.ast_transformers),
        "shell.instance": lambda: flat(
            (k, v) for k, v in vars(shell).items()
            if callable(v) and not issubclass(type(v), type)
        ),
        "shell.events": lambda: flat(
            (event, *(f for f in items(callbacks)
                      if not (module_of(f) or "").startswith(
                          ("matplotlib", "ipykernel", "IPython"))), None)
            for event, callbacks in shell.events.callbacks.items()
        ),
    }
    baseline = {key: read() for key, read in hooks.items()}

    def same(a, b):
        if type(a) is tuple and type(b) is tuple:
            return len(a) == len(b) and all(x is y for x, y in zip(a, b))
        return a is b

    def changed():
        names = [owner + "." + key for owner, namespace, key, value in entries
                 if namespace.get(key, value) is not value]
        # Changing a function's code or defaults raises an audit event: see check().
        names += ["__main__." + key for key, value in trusted_names.items()
                  if main.get(key) is not value]
        for key, read in hooks.items():
            try:
                if not same(read(), baseline[key]):
                    names.append(key)
            except Exception:
                names.append(key)
        return names

    # -- the hook ----------------------------------------------------------------------
    getframe, get_ident, write = sys._getframe, threading.get_ident, os.write
    main_thread = get_ident()
    run_code = type(shell).run_code.__code__
    generator = types.GeneratorType
    libraries = [sys.prefix, sys.base_prefix]
    if getattr(sys.modules.get("course"), "__file__", None):
        libraries.append(os.path.dirname(os.path.dirname(sys.modules["course"].__file__)))
    roots = tuple({os.path.join(p, "") for p in libraries}
                  | {os.path.join(os.path.realpath(p), "") for p in libraries}) + ("<frozen ",)
    # Library functions that hand frames to whoever calls them.
    transparent = {id(f.__code__) for f in (
        inspect.currentframe, inspect.stack, inspect.trace, inspect.getouterframes,
        inspect.getinnerframes, traceback.walk_stack, traceback.walk_tb, logging.currentframe)}
    ctypes_dir = os.sep + "ctypes" + os.sep
    frame_attributes = {"tb_frame", "gi_frame", "cr_frame", "ag_frame"}
    refused = {"sys.addaudithook", "sys.settrace", "sys.setprofile", "sys._current_frames"}
    from_student = {"gc.get_objects", "gc.get_referrers", "gc.get_referents",
                    "sys._getframe", "code.__new__"}
    interesting = refused | from_student | {
        "object.__getattr__", "object.__setattr__", "object.__delattr__", "compile", "open",
        __MODULE_EVENT__}
    busy, expecting = set(), set()
    state = {"last": -1, "flags": []}

    def flag(reason):
        if reason not in state["flags"]:
            state["flags"].append(reason)

    def refuse(reason):
        flag(reason)
        raise RuntimeError("refused by the grader: " + reason)

    def student_origin(ident, depth):
        expecting.add(ident)
        try:
            frame = getframe(depth)  # student_origin <- check <- hook <- the caller
            while frame is not None and (id(frame.f_code) in transparent
                                         or ctypes_dir in frame.f_code.co_filename):
                frame = frame.f_back
            return frame is not None and not frame.f_code.co_filename.startswith(roots)
        finally:
            expecting.discard(ident)

    def sign(number, problems):
        verdict = "bad" if problems else "ok"
        mac = signer.copy()
        mac.update(("%d:%s" % (number, verdict)).encode())
        reason = " ".join(problems).replace("\n", " ")[:400]
        write(log, ("%s %d %s %s\n" % (__RECEIPT__, number, mac.hexdigest(), reason)).encode())

    def on_trigger(ident, number):
        expecting.add(ident)
        try:
            frame = getframe(3)  # on_trigger <- check <- hook <- the cell
            outer = frame.f_back
            in_place = (ident == main_thread and frame.f_code.co_name == "<module>"
                        and outer is not None and outer.f_code is run_code)
            cells = 0
            while frame is not None:
                cells += frame.f_code is run_code
                frame = frame.f_back
        finally:
            expecting.discard(ident)
        if not in_place or cells != 1:
            flag("a receipt was asked for from student code")
            return
        if type(number) is not int or number <= state["last"]:
            flag("a receipt was asked for out of order")
            return
        state["last"] = number
        rebound = [key for key, module in trusted_modules.items() if main.get(key) is not module]
        main.update((key, trusted_modules[key]) for key in rebound)
        expecting.add(ident)  # reading __code__ and __defaults__ raises audit events
        try:
            names = sorted(changed())
            if number % 2:  # the end of a test: its own code cannot have rebound them
                names += ["__main__." + key for key in rebound]
            problems = list(state["flags"])
            if names:
                problems.append("replaced or hooked: " + ",".join(names[:8]))
        except BaseException:
            problems = list(state["flags"]) + ["the record could not be checked"]
        finally:
            expecting.discard(ident)
        sign(number, problems)

    def check(event, args, ident):
        if event == "object.__getattr__":
            target, name = args[0], args[1]
            if name == "gi_frame" and type(target) is generator:
                expecting.add(ident)
                try:
                    code = target.gi_code
                finally:
                    expecting.discard(ident)
                marks = [c for c in code.co_consts
                         if type(c) is tuple and len(c) == 2 and c[0] == __TRIGGER__]
                if code.co_name == "<genexpr>" and marks:
                    on_trigger(ident, marks[0][1])
                    return
            if name in frame_attributes and student_origin(ident, 3):
                refuse("student code took a frame object (" + name + ")")
            return
        if event == "object.__setattr__" or event == "object.__delattr__":
            owner = watched_ids.get(id(args[0]), guarded.get(id(args[0])))
            name = args[1] if type(args[1]) is str else "?"
            if owner is not None and (id(args[0]) in watched_ids or name == "__class__"):
                flag("changed " + owner + "." + name)
            return
        if event == __MODULE_EVENT__:
            module, name, value = args
            owner = guarded.get(id(module))
            if owner is not None and type(name) is str:
                before = recorded.get((id(module.__dict__), name), value)
                if before is not value:
                    flag("changed " + owner + "." + name)
            return
        if event in refused:
            refuse(event)
        if event in from_student:
            if student_origin(ident, 3):
                refuse(event + " from student code")
            return
        if event.startswith("ctypes."):
            if student_origin(ident, 3):
                refuse("ctypes from student code")
            return
        if event == "compile":
            filename = args[1]
            if type(filename) is str and filename.startswith(roots) and student_origin(ident, 3):
                refuse("student code compiled under a library's file name")
            return
        if event == "open":
            path = args[0]
            if type(path) is bytes:
                path = path.decode("utf-8", "replace")
            if type(path) is str and path.startswith("/proc/") and path.endswith("mem"):
                refuse("opened " + path)

    def hook(event, args):
        ident = get_ident()
        if ident in busy:
            if ident in expecting or event == "builtins.id":  # id() is audited too
                return
            flag("code ran inside the grader's audit hook (" + event + ")")
            raise RuntimeError("refused by the grader")
        if event not in interesting and not event.startswith("ctypes."):
            return
        busy.add(ident)
        try:
            check(event, args, ident)
        finally:
            busy.discard(ident)

    sys.addaudithook(hook)


_dlcourse_install()
del _dlcourse_install
"""


@dataclass(frozen=True)
class Probe:
    """What the grader expects from one test cell: receipts for its two triggers."""

    index: int  # position of the test cell in the graded notebook
    grade_id: str
    start: int  # trigger numbers
    end: int


@dataclass(frozen=True)
class Instrumented:
    notebook: NotebookNode
    probes: list[Probe]
    key: bytes  # write to KEY_FILE in the kernel's working folder before it starts


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


def record_cell_source() -> str:
    """The trusted cell that installs the record and the audit hook."""
    return (
        _RECORD_CELL.replace("__KEY_FILE__", repr(KEY_FILE))
        .replace("__RECEIPTS_FILE__", repr(RECEIPTS_FILE))
        .replace("__RECEIPT__", repr(RECEIPT))
        .replace("__TRIGGER__", repr(TRIGGER))
        .replace("__MODULE_EVENT__", repr(MODULE_EVENT))
    )


def instrument(notebook: NotebookNode, reference: NotebookNode | None = None) -> Instrumented:
    """A copy with the record cell and two triggers in every test; probes and key.

    Each test's code also runs inside a function (`autograder.scoping`), so the values
    it computes are not globals a student's function could return. Which names must
    stay global is worked out from `reference`, the instructor's notebook (default: the
    locked cells of `notebook`), never from the student's cells.

    Every cell keeps its original position in `metadata.dlcourse_index` (the record
    cell has none), so outputs can be put back into the un-instrumented notebook.
    """
    scopes = _test_scopes(notebook, reference)
    instrumented = nbformat.from_dict(notebook)
    probes = []
    for index, cell in enumerate(instrumented.cells):
        cell.metadata[_INDEX_KEY] = index
        if is_test_cell(cell):
            grade_id = nbgrader_metadata(cell)["grade_id"]
            number = 2 * len(probes)
            probes.append(Probe(index, grade_id, number, number + 1))
            keep, capture = scopes.get(grade_id, (frozenset(), frozenset()))
            body = scoped_test_source(cell.source.rstrip(), keep, _TEST_FUNCTION, capture)
            start, end = (
                _TRIGGER_LINE.format(trigger=TRIGGER, number=n) for n in (number, number + 1)
            )
            cell.source = f"{start}\n{body.rstrip()}\n{end}\n"
    record = nbformat.v4.new_code_cell(record_cell_source())
    record.metadata["dlcourse_record"] = True
    instrumented.cells.insert(first_untrusted_cell(notebook), record)
    return Instrumented(instrumented, probes, secrets.token_bytes(32))


def _test_scopes(
    notebook: NotebookNode, reference: NotebookNode | None
) -> dict[str, tuple[frozenset[str], frozenset[str]]]:
    """For every test (by grade_id): the names it assigns that other trusted cells read
    (kept global), and the names the instructor's cells before it bind (captured).

    Trusted cells: every code cell of `reference` (the instructor's notebook, reference
    answers included), or else the locked cells of `notebook`; never a student's cell,
    which could otherwise read a test's answer just to keep it global.
    """
    if reference is not None:
        cells = [c for c in reference.cells if c.cell_type == "code"]
    else:
        cells = [
            c
            for c in notebook.cells
            if c.cell_type == "code" and nbgrader_metadata(c).get("locked")
        ]
    sources = [c.source for c in cells]
    tests = {i: nbgrader_metadata(c)["grade_id"] for i, c in enumerate(cells) if is_test_cell(c)}
    scopes, instructor_names = {}, frozenset()
    for index, cell in enumerate(cells):
        meta = nbgrader_metadata(cell)
        if index in tests:
            keep = globals_needed_elsewhere(sources, index, frozenset(tests))
            scopes[tests[index]] = (keep, instructor_names)
        elif meta.get("locked") and not meta.get("solution"):
            instructor_names |= names_bound(cell.source)
    return scopes


def signature(key: bytes, number: int, verdict: str) -> str:
    """What the hook writes for trigger `number` with verdict "ok" or "bad"."""
    mac = hashlib.blake2b(key=key, digest_size=16)
    mac.update(f"{number}:{verdict}".encode())
    return mac.hexdigest()


@dataclass(frozen=True)
class Receipts:
    """The signed lines of a receipts file, by trigger number."""

    ok: frozenset[int]
    bad: dict[int, str]  # trigger number -> the hook's reason

    @classmethod
    def parse(cls, text: str, key: bytes) -> "Receipts":
        ok, bad = set(), {}
        for line in text.splitlines():
            parts = line.split(" ", 3)
            if len(parts) < 3 or parts[0] != RECEIPT or not parts[1].isdigit():
                continue
            number = int(parts[1])
            if secrets.compare_digest(parts[2], signature(key, number, "ok")):
                ok.add(number)
            elif secrets.compare_digest(parts[2], signature(key, number, "bad")):
                bad[number] = parts[3] if len(parts) > 3 else ""
        return cls(frozenset(ok), bad)


def _has_error(cell: NotebookNode) -> bool:
    return any(output.get("output_type") == "error" for output in cell.get("outputs", []))


def judge(executed: NotebookNode, probes: list[Probe], receipts: Receipts) -> list[TestVerdict]:
    """Pass/fail of every test from the executed notebook and the signed receipts."""
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
        bad = receipts.bad.get(probe.start, receipts.bad.get(probe.end))
        if not record_ok:
            verdicts.append(TestVerdict(probe.grade_id, False, "the grader's set-up did not run"))
        elif cell is None or not cell.get("execution_count"):
            verdicts.append(TestVerdict(probe.grade_id, False, "the test did not run"))
        elif _has_error(cell):
            verdicts.append(TestVerdict(probe.grade_id, False))  # the error says why
        elif bad is not None:
            verdicts.append(
                TestVerdict(probe.grade_id, False, f"tampering detected ({bad or 'no detail'})")
            )
        elif probe.start not in receipts.ok:
            verdicts.append(TestVerdict(probe.grade_id, False, "the test did not run"))
        elif probe.end not in receipts.ok:
            verdicts.append(TestVerdict(probe.grade_id, False, "the test did not complete"))
        else:
            verdicts.append(TestVerdict(probe.grade_id, True))
    return verdicts


def restore(
    graded: NotebookNode, executed: NotebookNode, verdicts: list[TestVerdict]
) -> NotebookNode:
    """The graded notebook with the executed outputs, and an error output added to
    every failed test that shows none (so nbgrader scores it zero)."""
    result = nbformat.from_dict(graded)
    failed = {v.grade_id: v for v in verdicts if not v.passed}
    for cell in executed.cells:
        index = cell.get("metadata", {}).get(_INDEX_KEY)
        if index is None or cell.cell_type != "code":
            continue
        target = result.cells[index]
        target.outputs = list(cell.get("outputs", []))
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
