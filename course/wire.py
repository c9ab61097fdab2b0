"""Values as plain data: what may travel between a student's kernel and the grader.

When a notebook is graded, the lines of a test under `with answers:` run in the
student's kernel and everything else runs in a separate process that never runs
student code. Only data crosses between the two: `encode` turns a value into bytes
(an `.npz` archive: arrays as arrays, the structure as JSON) and `decode` turns those
bytes back into values, without unpickling, so no code and no object with behaviour
of its own can cross.

Data is: None, bool, int, float, str, NumPy arrays and scalars of numeric, boolean
or string dtype (TensorFlow tensors and Keras variables become arrays), and lists,
tuples, dicts and sets of data. Anything else becomes a `NotData` placeholder that
names its type, so the grader can say which answer it could not read.
"""

import io
import json
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

MAX_DEPTH = 32
MAX_NODES = 1_000_000
ARRAY_KINDS = frozenset("biufcU")  # bool, ints, floats, complex, unicode strings
_TREE = "__tree__"


class WireError(ValueError):
    """Bytes that are not a valid encoding, or data beyond the limits."""


@dataclass(frozen=True)
class NotData:
    """Stands for a value that could not be encoded: `type_name` says what it was."""

    type_name: str

    def __repr__(self) -> str:
        return f"<not data: {self.type_name}>"


def _type_name(value) -> str:
    kind = type(value)
    module = getattr(kind, "__module__", "") or ""
    name = getattr(kind, "__qualname__", None) or kind.__name__
    return name if module in ("builtins", "__main__") else f"{module}.{name}"


def _as_array(value):
    """NumPy's view of tensors and variables, or None for anything else."""
    if isinstance(value, np.ndarray):
        return np.asarray(value)
    module = (getattr(type(value), "__module__", "") or "").split(".")[0]
    if module in ("tensorflow", "keras", "tf_keras"):
        try:
            return np.asarray(value)
        except Exception:
            return None
    return None


class _Encoder:
    def __init__(self):
        self.arrays: list[np.ndarray] = []
        self.nodes = 0

    def array(self, array: np.ndarray, tag: str):
        if array.dtype.kind not in ARRAY_KINDS:
            return {"notdata": f"numpy array of dtype {array.dtype}"}
        self.arrays.append(np.asarray(array))
        return {tag: len(self.arrays) - 1}

    def node(self, value, depth: int):
        self.nodes += 1
        if self.nodes > MAX_NODES or depth > MAX_DEPTH:
            raise WireError(f"too large or too deeply nested (limits: {MAX_NODES} values, "
                            f"{MAX_DEPTH} levels)")  # fmt: skip
        if value is None or type(value) in (bool, str):
            return value
        if isinstance(value, np.generic):  # before int and float: np.float64 is a float
            return self.array(np.asarray(value), "scalar")
        if isinstance(value, bool):
            return bool(value)
        if isinstance(value, int):
            return {"int": str(int(value))}
        if isinstance(value, float):
            return {"float": repr(float(value))}
        if isinstance(value, str):
            return str(value)
        # Containers first: Keras tracks a layer's lists and dicts in subclasses of them.
        for kind, tag in ((list, "list"), (tuple, "tuple"), (set, "set"), (frozenset, "set")):
            if isinstance(value, kind):
                items = sorted(value, key=repr) if tag == "set" else list(value)
                return {tag: [self.node(item, depth + 1) for item in items]}
        if isinstance(value, Mapping):
            pairs = value.items()
            return {"dict": [[self.node(k, depth + 1), self.node(v, depth + 1)] for k, v in pairs]}
        array = _as_array(value)
        if array is not None:
            return self.array(array, "array")
        return {"notdata": _type_name(value)}


def encode(value) -> bytes:
    """The bytes of `value` (see the module docstring); never runs pickle."""
    encoder = _Encoder()
    tree = encoder.node(value, 0)
    buffer = io.BytesIO()
    arrays = {f"a{i}": array for i, array in enumerate(encoder.arrays)}
    np.savez(buffer, **{_TREE: np.array(json.dumps(tree))}, **arrays)
    return buffer.getvalue()


def decode(data: bytes, max_bytes: int | None = None):
    """The value encoded in `data`; `NotData` placeholders stand for what was not data.

    Raises:
        WireError: `data` is not an encoding made by `encode`, or is over `max_bytes`.
    """
    if max_bytes is not None and len(data) > max_bytes:
        raise WireError(f"{len(data)} bytes, more than the {max_bytes} allowed")
    _check_unpacked_size(data, max_bytes if max_bytes is not None else len(data))
    try:
        with np.load(io.BytesIO(data), allow_pickle=False) as archive:
            arrays = {name: archive[name] for name in archive.files}
    except Exception as error:  # not an npz, an object array, a truncated file...
        raise WireError(f"not an encoded value ({type(error).__name__})") from None
    tree_array = arrays.pop(_TREE, None)
    if tree_array is None or tree_array.dtype.kind != "U" or tree_array.shape != ():
        raise WireError("not an encoded value (no structure)")
    try:
        tree = json.loads(str(tree_array))
    except (json.JSONDecodeError, RecursionError):
        raise WireError("not an encoded value (bad structure)") from None
    return _Decoder(arrays).node(tree, 0)


def _check_unpacked_size(data: bytes, limit: int) -> None:
    """An archive may be compressed: refuse one that would unpack to more than `limit`
    bytes (plus room for headers) before anything is unpacked."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(entry.file_size for entry in archive.infolist())
    except (zipfile.BadZipFile, ValueError, OSError):
        raise WireError("not an encoded value (not an archive)") from None
    if unpacked > limit + (1 << 16):
        raise WireError(f"would unpack to {unpacked} bytes, more than the {limit} allowed")


class _Decoder:
    def __init__(self, arrays: dict[str, np.ndarray]):
        self.arrays = arrays
        self.nodes = 0

    def array(self, index) -> np.ndarray:
        array = self.arrays.get(f"a{index}") if type(index) is int else None
        if array is None or array.dtype.kind not in ARRAY_KINDS:
            raise WireError("not an encoded value (bad array reference)")
        return array

    def node(self, tree, depth: int):
        self.nodes += 1
        if self.nodes > MAX_NODES or depth > MAX_DEPTH:
            raise WireError("too large or too deeply nested")
        if tree is None or type(tree) in (bool, str):
            return tree
        if type(tree) is not dict or len(tree) != 1:
            raise WireError("not an encoded value (bad node)")
        ((tag, body),) = tree.items()
        if tag == "int" and type(body) is str:
            return int(body)
        if tag == "float" and type(body) is str:
            return float(body)
        if tag == "array":
            return self.array(body).copy()
        if tag == "scalar":
            return self.array(body)[()]
        if tag == "notdata" and type(body) is str:
            return NotData(body)
        if tag in ("list", "tuple", "set") and type(body) is list:
            items = [self.node(item, depth + 1) for item in body]
            if tag == "set":
                try:
                    return set(items)
                except TypeError:
                    raise WireError("not an encoded value (unhashable set item)") from None
            return items if tag == "list" else tuple(items)
        if tag == "dict" and type(body) is list:
            result = {}
            for pair in body:
                if type(pair) is not list or len(pair) != 2:
                    raise WireError("not an encoded value (bad dict entry)")
                key = self.node(pair[0], depth + 1)
                try:
                    result[key] = self.node(pair[1], depth + 1)
                except TypeError:
                    raise WireError("not an encoded value (unhashable key)") from None
            return result
        raise WireError(f"not an encoded value (unknown node {tag!r})")


def find_not_data(value, path: str = "") -> tuple[str, NotData] | None:
    """The first `NotData` inside `value` and where it is ("[0]['w']"), or None."""
    if isinstance(value, NotData):
        return path, value
    if isinstance(value, (list, tuple)):
        items = enumerate(value)
    elif isinstance(value, dict):
        items = value.items()
    else:
        return None
    for key, item in items:
        found = find_not_data(item, f"{path}[{key!r}]")
        if found:
            return found
    return None


def roundtrip(value):
    """`decode(encode(value))`: what the grader would receive."""
    return decode(encode(value))
