"""Steps added to nbgrader's autograde and feedback chains."""

import json
import re
from pathlib import Path

import nbformat
from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import Unicode

from autograder.notebooks import is_test_cell


class DemoteStderr(NbGraderPreprocessor):
    """Turns stderr output of test cells into stdout, so only an exception fails a test.

    nbgrader scores any test cell that wrote to stderr as failed; libraries write
    warnings there (TensorFlow, Keras, NumPy deprecations), which would zero correct
    answers. Our tests signal failure by raising, never by printing. Runs after
    `Execute` and before `SaveAutoGrades`.
    """

    def preprocess_cell(self, cell, resources, index):
        if is_test_cell(cell):
            for output in cell.get("outputs", []):
                if output.get("output_type") == "stream" and output.get("name") == "stderr":
                    output["name"] = "stdout"
        return cell, resources


class ShortenTestTracebacks(NbGraderPreprocessor):
    """Keeps only "ExceptionName: message" of errors in test cells, for feedback.

    A full traceback prints source lines around the failing one, which can show
    hidden tests; the message alone says what is wrong, which is what a student needs.
    """

    def preprocess_cell(self, cell, resources, index):
        if is_test_cell(cell):
            for output in cell.get("outputs", []):
                if output.get("output_type") == "error":
                    output["traceback"] = [f"{output.get('ename')}: {output.get('evalue')}"]
        return cell, resources


class ReplayOutputs(NbGraderPreprocessor):
    """Stands in for nbgrader's `Execute`: puts back the outputs of the sandboxed run.

    `dlcourse grade` executes every submission in a sandbox first (see
    `autograder.worker`) and saves the graded notebook with its outputs under
    `executed_dir/<student>/<assignment>/<notebook>.ipynb`; this step copies those
    outputs, cell by cell, into the notebook nbgrader is autograding. Nothing runs.
    """

    executed_dir = Unicode("", help="where the sandboxed runs are saved").tag(config=True)

    def preprocess(self, nb, resources):
        info = resources["nbgrader"]
        path = (
            Path(self.executed_dir)
            / info["student"]
            / info["assignment"]
            / f"{info['notebook']}.ipynb"
        )
        executed = nbformat.read(path, as_version=4)
        if len(executed.cells) != len(nb.cells) or any(
            a.source != b.source for a, b in zip(executed.cells, nb.cells, strict=True)
        ):
            raise ValueError(f"{path} does not match the notebook being autograded")
        for cell, done in zip(nb.cells, executed.cells, strict=True):
            if cell.cell_type == "code":
                cell.outputs = done.get("outputs", [])
                cell.execution_count = done.get("execution_count")
        return nb, resources


class FeedbackWithoutTestOutput(NbGraderPreprocessor):
    """Feedback shows only the error of a test cell, never what else it printed.

    Student code called by a hidden test could print the test's own source (for
    example through `inspect`); dropping test cells' other outputs closes that leak.
    """

    def preprocess_cell(self, cell, resources, index):
        if is_test_cell(cell):
            cell.outputs = [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]
        return cell, resources


_HIDDEN_REGION = re.compile(r"### BEGIN HIDDEN TESTS\n(.*?)### END HIDDEN TESTS", re.S)
_REMOVED = "[output removed by the grader: it showed the source of hidden tests]\n"


def hidden_test_lines(notebook, min_length: int = 16) -> set[str]:
    """Distinctive lines of the hidden parts of a notebook's test cells."""
    return {
        line.strip()
        for cell in notebook.cells
        if is_test_cell(cell)
        for region in _HIDDEN_REGION.findall(cell.source)
        for line in region.splitlines()
        if len(line.strip()) >= min_length
    }


class ScrubHiddenTestEcho(NbGraderPreprocessor):
    """Removes, from every cell's outputs, any output that quotes hidden test source.

    The kernel's input history holds every cell it ran, hidden tests included, so a
    student cell placed after a test could print them into its own output. Runs in
    generate_feedback before ClearHiddenTests (which removes the hidden source itself).
    """

    def preprocess(self, nb, resources):
        lines = hidden_test_lines(nb)
        for cell in nb.cells:
            if cell.cell_type != "code" or not lines:
                continue
            for index, output in enumerate(cell.get("outputs", [])):
                text = json.dumps(output, ensure_ascii=False).replace("\\n", "\n")
                if any(line in text for line in lines):
                    cell.outputs[index] = nbformat.v4.new_output(
                        "stream", name="stdout", text=_REMOVED
                    )
        return nb, resources
