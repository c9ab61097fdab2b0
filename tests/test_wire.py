"""What crosses between a student's kernel and the judge is data, and only data."""

import io
import zipfile

import numpy as np
import pytest

from course.wire import NotData, WireError, decode, encode, find_not_data, roundtrip


@pytest.mark.parametrize(
    "value",
    [
        None,
        True,
        3,
        2**80,
        -0.5,
        "naïve",
        [1, [2, (3, "x")]],
        {"a": 1, 2: "b", (1, 2): None},
        {1, 2, 3},
        frozenset({"x"}),
    ],
    ids=repr,
)
def test_plain_python_values_come_back_equal_and_of_the_same_type(value):
    again = roundtrip(value)
    assert again == value and type(again) in (type(value), set)


def test_arrays_and_numpy_scalars_keep_dtype_and_shape():
    for value in [np.arange(6, dtype=np.int16).reshape(2, 3), np.zeros(()), np.array(["a", "bc"]),
                  np.ones((2, 0)), np.arange(12.0).reshape(3, 4)[:, ::2]]:  # fmt: skip
        again = roundtrip(value)
        assert again.dtype == value.dtype and again.shape == value.shape
        assert np.array_equal(again, value)
    for scalar in [np.float32(1.5), np.int64(-3), np.bool_(True), np.float64(2.0)]:
        again = roundtrip(scalar)
        assert type(again) is type(scalar) and again == scalar


def test_nan_and_infinity_survive():
    again = roundtrip([float("nan"), float("inf"), np.array([np.nan, -np.inf])])
    assert np.isnan(again[0]) and again[1] == float("inf") and np.isnan(again[2][0])


def test_tensors_and_variables_arrive_as_arrays():
    import tensorflow as tf

    again = roundtrip({"t": tf.constant([[1.0, 2.0]]), "v": tf.Variable(3.0)})
    assert isinstance(again["t"], np.ndarray) and again["t"].shape == (1, 2)
    assert isinstance(again["v"], np.ndarray) and again["v"].shape == ()


def test_subclasses_lose_their_behaviour():
    class Sly(float):
        def __eq__(self, other):
            return True

    class Listy(list):
        pass

    class Arrayish(np.ndarray):
        def __eq__(self, other):
            return True

    again = roundtrip([Sly(1.0), Listy([1]), np.zeros(2).view(Arrayish)])
    assert type(again[0]) is float and type(again[1]) is list
    assert type(again[2]) is np.ndarray and not (again[2] == 1).any()


def test_objects_become_placeholders_that_name_their_type():
    class Layer:
        pass

    again = roundtrip({"ok": 1, "layer": [Layer()], "objects": np.array([object()])})
    assert again["ok"] == 1
    assert isinstance(again["layer"][0], NotData) and "Layer" in again["layer"][0].type_name
    assert isinstance(again["objects"], NotData)
    assert find_not_data(again) == ("['layer'][0]", again["layer"][0])
    assert find_not_data({"fine": [1, 2.0, "x"]}) is None


def test_garbage_and_pickles_are_refused():
    with pytest.raises(WireError):
        decode(b"not an archive")
    buffer = io.BytesIO()
    np.savez(buffer, __tree__=np.array('{"array": 0}'), a0=np.array([object()], dtype=object))
    with pytest.raises(WireError):
        decode(buffer.getvalue())
    buffer = io.BytesIO()
    np.savez(buffer, __tree__=np.array('{"exec": "print(1)"}'))
    with pytest.raises(WireError, match="unknown node"):
        decode(buffer.getvalue())


def test_size_limits_hold_before_anything_is_unpacked():
    data = encode(np.zeros(1000))
    with pytest.raises(WireError, match="more than"):
        decode(data, max_bytes=100)
    bomb = io.BytesIO()  # a tiny archive that unpacks to 200 MB
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("a0.npy", b"\0" * (200 << 20))
    with pytest.raises(WireError, match="unpack"):
        decode(bomb.getvalue(), max_bytes=1 << 20)


def test_deep_nesting_is_refused_on_both_sides():
    deep: list = []
    for _ in range(100):
        deep = [deep]
    with pytest.raises(WireError):
        encode(deep)


def test_lists_and_dicts_keras_tracks_stay_lists_and_dicts():
    import keras

    class Cell(keras.layers.Layer):
        def __init__(self):
            super().__init__()
            self.state_size = [6, 6]
            self.table = {"a": 1}

    cell = Cell()
    assert roundtrip(cell.state_size) == [6, 6] and roundtrip(cell.table) == {"a": 1}
