"""Library warnings never reach a test cell's stderr (nbgrader would score it zero)."""

import nbformat
from nbclient import NotebookClient

from autograder.execution import KERNEL_ARGUMENTS

NOISY_CELL = """
import warnings
import keras
f = tf.function(lambda x: x * 2.0)
for length in range(1, 8):  # retracing: TensorFlow logs a warning
    f(tf.ones((length,)))
tf.get_logger().warning("a TensorFlow warning")
warnings.warn("a Python warning", UserWarning)
keras.Sequential([keras.layers.Dense(2, input_shape=(3,))])  # Keras warns about input_shape
"""


def run_cells(*sources, monkeypatch):
    # No grading environment here: the library alone must keep stderr clean.
    monkeypatch.delenv("TF_CPP_MIN_LOG_LEVEL", raising=False)
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s) for s in sources])
    NotebookClient(
        notebook, timeout=120, kernel_name="python3", extra_arguments=KERNEL_ARGUMENTS
    ).execute()
    return notebook


def streams(cell, name):
    return "".join(o["text"] for o in cell.outputs if o.get("name") == name)


def test_library_warnings_go_to_stdout_not_stderr(monkeypatch):
    setup = "import course\ncourse.setup(seed=0)\nimport tensorflow as tf"
    notebook = run_cells(setup, NOISY_CELL, monkeypatch=monkeypatch)
    setup_cell, noisy_cell = notebook.cells
    assert streams(setup_cell, "stderr") == "", "importing TensorFlow printed C++ logs"
    assert streams(noisy_cell, "stderr") == ""
    shown = streams(noisy_cell, "stdout")
    assert "retracing" in shown and "a TensorFlow warning" in shown
    assert "a Python warning" in shown  # still visible to the student


def test_without_the_library_the_same_cell_writes_to_stderr(monkeypatch):
    # The control experiment: proves the test above can fail.
    notebook = run_cells("import tensorflow as tf", NOISY_CELL, monkeypatch=monkeypatch)
    assert streams(notebook.cells[1], "stderr") != ""
