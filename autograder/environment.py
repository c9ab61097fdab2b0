"""The environment every grading kernel starts with: quiet, seeded, on a chosen device."""

import contextlib
import os
import sys
from collections.abc import Iterator
from pathlib import Path

DEVICES = ("auto", "cpu", "gpu")


def kernel_environment(device: str = "cpu") -> dict[str, str]:
    """Environment variables for a grading kernel.

    Args:
        device: "cpu" hides any GPU; "gpu" and "auto" leave GPUs visible. The course's
            tolerance profile (`course.checks`) follows `DLCOURSE_DEVICE`.
    """
    if device not in DEVICES:
        raise ValueError(f"Expected device to be one of {DEVICES}, received: {device!r}")
    env = {
        "TF_CPP_MIN_LOG_LEVEL": "3",  # level 2 still prints a spurious C++ error from fit()
        "PYTHONHASHSEED": "0",
        "PYTHONWARNINGS": "ignore::DeprecationWarning",
        "MPLBACKEND": "module://matplotlib_inline.backend_inline",
        "DLCOURSE_DEVICE": "cpu" if device == "cpu" else "gpu",
        # nbgrader runs `alembic` and the kernelspec runs `python`: both from this env.
        "PATH": os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")]),
    }
    if device == "cpu":
        env["CUDA_VISIBLE_DEVICES"] = "-1"
    else:
        env["TF_FORCE_GPU_ALLOW_GROWTH"] = "true"
        env["NVIDIA_TF32_OVERRIDE"] = "0"  # full float32 matmuls: CPU-like tolerances
    if device == "auto":
        env["DLCOURSE_DEVICE"] = "gpu" if _has_gpu() else "cpu"
    return env


def _has_gpu() -> bool:
    return Path("/dev/nvidia0").exists() or bool(
        os.environ.get("CUDA_VISIBLE_DEVICES", "").strip("-1")
    )


@contextlib.contextmanager
def grading_environment(device: str = "cpu") -> Iterator[dict[str, str]]:
    """Sets the kernel environment in this process (kernels inherit it), then restores."""
    env = kernel_environment(device)
    saved = {key: os.environ.get(key) for key in env}
    os.environ.update(env)
    try:
        yield env
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
