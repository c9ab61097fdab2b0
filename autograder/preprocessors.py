"""Steps added to nbgrader's autograde chain."""

from nbgrader.preprocessors import NbGraderPreprocessor

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
