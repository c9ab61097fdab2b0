"""Keep library warnings off stderr.

nbgrader scores a test cell that wrote anything to stderr as failed, so a correct
answer that happens to trigger a TensorFlow or Keras warning would lose its points.
Warnings stay visible to the student, but on stdout.
"""

import logging
import os
import sys

_ROUTED_LOGGERS = ("py.warnings", "tensorflow", "absl", "keras", "tensorflow_datasets")


class _CurrentStdoutHandler(logging.StreamHandler):
    """Writes to whatever `sys.stdout` is at emit time (Jupyter swaps the stream)."""

    def __init__(self) -> None:
        super().__init__(sys.stdout)
        self.setFormatter(logging.Formatter("%(levelname)s:%(name)s: %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        self.stream = sys.stdout
        super().emit(record)


def route_library_logs_to_stdout() -> None:
    """Sends Python warnings and TF/Keras/absl log records to stdout.

    Also silences TensorFlow's C++ INFO/WARNING lines where TensorFlow is not yet
    imported. Safe to call more than once.
    """
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    logging.captureWarnings(True)
    # TensorFlow installs its stderr handler lazily in get_logger(): trigger it
    # first, then replace it.
    import tensorflow as tf

    tf.get_logger()
    handler = _CurrentStdoutHandler()
    for name in _ROUTED_LOGGERS:
        logger = logging.getLogger(name)
        logger.handlers = [handler]
        logger.propagate = False
