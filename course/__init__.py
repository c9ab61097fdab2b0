"""Helper library imported by the course notebooks.

Importing this package keeps TensorFlow's C++ log quiet (it must happen before
TensorFlow is imported); `setup()` then seeds everything and routes library
warnings to stdout, so that a warning can never fail an autograded test cell.
"""

import os

# Before any `import tensorflow`: hide C++ log lines (level 3: even a spurious
# "NodeDef mentions attribute" error that fit() prints), which TF writes
# straight to file descriptor 2 (Jupyter shows them as stderr output).
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from course.quiet import route_library_logs_to_stdout  # noqa: E402
from course.seeding import seed_everything  # noqa: E402

__all__ = ["route_library_logs_to_stdout", "seed_everything", "setup"]


def setup(seed: int = 0, deterministic: bool = True) -> None:
    """Prepares a notebook: quiet library logs, seeded and deterministic execution.

    Call it once, in the first code cell of every notebook.

    Args:
        seed: seed for Python's `random`, NumPy and TensorFlow.
        deterministic: also ask TensorFlow for deterministic kernels.
    """
    route_library_logs_to_stdout()
    seed_everything(seed, deterministic=deterministic)
