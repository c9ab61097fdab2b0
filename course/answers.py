"""`with answers:`: the lines of a test that run your code.

A test cell reads like any code. The lines under `with answers:` call your functions
and keep what they return; the other lines prepare inputs and check the results:

    x = rng.normal(size=(4, 3))
    with answers:
        out = relu_forward(x)
    assert_close(out, np.maximum(x, 0.0), "relu_forward(x)")

In your notebook `answers` does nothing: the cell runs top to bottom. When the
notebook is graded, only the `with answers:` lines run in your kernel; everything
else runs in a separate process that never runs your code, and the two exchange
plain data (`course.wire`). So a block receives the test's values as data, and the
names it assigns that the test reads go back as data: return NumPy arrays, numbers,
strings, or lists, tuples and dicts of them.

The functions below run a block on both sides of that exchange; `autograder.split`
writes the code that calls them.
"""

from pathlib import Path

from course import wire

MAX_MESSAGE = 2000


class _Answers:
    """The marker of `with answers:`; as a context manager it does nothing."""

    def __enter__(self):
        return None

    def __exit__(self, *exc_info):
        return False

    def __repr__(self) -> str:
        return "answers"


answers = _Answers()


class AnswerError(Exception):
    """Your code raised inside `with answers:`; `type_name` is the original exception's."""

    def __init__(self, type_name: str, message: str):
        super().__init__(message)
        self.type_name = type_name


def pick(names, local_names: dict, global_names: dict, functions: dict) -> dict:
    """What a block receives: the values of `names` where they are bound, and the source
    of the test's own functions among them (functions are code, not data)."""
    values, sources = {}, {}
    for name in names:
        if name in local_names:
            value = local_names[name]
        elif name in global_names:
            value = global_names[name]
        else:
            continue
        if name in functions and callable(value):
            sources[name] = functions[name]
        else:
            values[name] = value
    return {"values": values, "functions": sources}


def run_block(source: str, payload: dict, namespace: dict, returns, filename: str,
              keep_exception: bool = False) -> dict:  # fmt: skip
    """Runs a block in a copy of `namespace` with the received values bound.

    Returns {"answers": {name: value}} for the names in `returns` the block bound, or
    {"error": [exception type name, message]} if it raised (and, with
    `keep_exception`, the exception itself under "exception").
    """
    scope = dict(namespace)
    try:
        for code in payload.get("functions", {}).values():
            exec(compile(code, filename, "exec"), scope)
        scope.update(payload.get("values", {}))
        exec(compile(source, filename, "exec"), scope)
    except BaseException as error:  # SystemExit and friends are answers too
        message = str(error)
        if len(message) > MAX_MESSAGE:
            message = message[:MAX_MESSAGE] + "..."
        failure = {"error": [type(error).__name__, message]}
        return {**failure, "exception": error} if keep_exception else failure
    return {"answers": {name: scope[name] for name in returns if name in scope}}


def serve_block(source: str, inputs: str, outputs: str, returns, filename: str) -> None:
    """Kernel side of a graded exchange: reads the inputs file, runs the block in the
    kernel's globals, writes what it returned (data only) to the outputs file."""
    import __main__

    payload = wire.decode(Path(inputs).read_bytes())
    result = run_block(source, payload, vars(__main__), returns, filename)
    Path(outputs).write_bytes(wire.encode(result))


def unpack(result, returns, number: int):
    """The returned values in the order of `returns`, from a block's decoded result.

    Raises:
        AnswerError: the block raised (with the original exception's name).
        AssertionError: an answer is missing or is not data.
    """
    if not isinstance(result, dict) or not (set(result) <= {"answers", "error"}) or not result:
        raise AssertionError("the kernel sent back something that is not a block's result")
    if "error" in result:
        type_name, message = (list(result["error"]) + ["", ""])[:2]
        raise AnswerError(str(type_name), str(message))
    answers_ = result["answers"]
    if not isinstance(answers_, dict):
        raise AssertionError("the kernel sent back something that is not a block's result")
    values = []
    for name in returns:
        if name not in answers_:
            raise AssertionError(
                f"`{name}` was not computed: the lines under `with answers:` must assign it"
            )
        found = wire.find_not_data(answers_[name])
        if found:
            where, placeholder = found
            raise AssertionError(
                f"`{name}{where}` is a {placeholder.type_name} object, which the grader cannot "
                "read: return NumPy arrays, numbers, strings, or lists/tuples/dicts of them"
            )
        values.append(answers_[name])
    return tuple(values)


def exchange_locally(number: int, payload: dict, returns, source: str, namespace: dict,
                     hidden: frozenset = frozenset()):  # fmt: skip
    """One exchange in a single kernel, as the grader would do it: inputs and answers
    make the same round trip through `course.wire`. `hidden` names (bound only by test
    cells) are not visible to the block, as in a graded kernel."""
    sent = {"values": wire.roundtrip(payload["values"]), "functions": payload["functions"]}
    found = wire.find_not_data(sent["values"])
    if found:
        raise RuntimeError(
            f"grader error: answers block {number} reads the test's value {found[0]} of type "
            f"{found[1].type_name}, which is not data; compute it inside the block"
        )
    scope = {k: v for k, v in namespace.items() if k not in hidden}
    result = run_block(source, sent, scope, returns, f"<answers block {number}>", True)
    if "exception" in result:  # one process: the student sees their own traceback
        raise result["exception"]
    return unpack(wire.roundtrip(result), returns, number)
