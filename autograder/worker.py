"""Runs one submitted notebook in a sandbox and judges its tests: a grading worker's job.

`run_job` takes and returns plain data, so the same function runs in this process,
in a local process pool (`dlcourse grade --workers N`) or on a Dask cluster. It
never touches the gradebook: the caller records the results with nbgrader.
"""

import os
import signal
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellTimeoutError, DeadKernelError

from autograder.environment import kernel_environment
from autograder.execution import KERNEL_ARGUMENTS, KERNEL_STARTUP_TIMEOUT
from autograder.rebuild import rebuild
from autograder.sandbox import Limits, Sandbox
from autograder.verdict import (
    KEY_FILE,
    RECEIPTS_FILE,
    Receipts,
    TestVerdict,
    instrument,
    judge,
    restore,
)

_TRUNCATED = "\n[output truncated by the grader: more than {limit} bytes in this cell]\n"


@dataclass(frozen=True)
class Job:
    """One notebook of one student's submission."""

    student: str
    notebook_name: str
    source: str  # instructor notebook JSON (solutions and hidden tests)
    release: str  # student version JSON
    submitted: str  # the student's notebook JSON
    limits: Limits = field(default_factory=Limits)
    device: str = "cpu"
    threads: int = 1
    hidden_paths: tuple[str, ...] = ()
    data_dir: str | None = None


@dataclass
class JobResult:
    student: str
    notebook_name: str
    graded: str = ""  # the rebuilt notebook with outputs, JSON
    verdicts: list[TestVerdict] = field(default_factory=list)
    reason: str = ""  # why the run stopped early, if it did
    seconds: float = 0.0
    warnings: list[str] = field(default_factory=list)


class CappedClient(NotebookClient):
    """A NotebookClient that keeps at most `limit` bytes of output per cell."""

    def __init__(self, *args, output_limit: int, sandbox: Sandbox, **kwargs):
        super().__init__(*args, **kwargs)
        self.output_limit = output_limit
        self.sandbox = sandbox
        self._sizes: dict[int, int] = {}

    def create_kernel_manager(self):
        self.km = self.sandbox.kernel_manager()
        return self.km

    def output(self, outs, msg, display_id, cell_index):
        content = msg.get("content", {})
        size = len(str(content.get("text", ""))) + len(str(content.get("data", "")))
        used = self._sizes.get(cell_index, 0)
        self._sizes[cell_index] = used + size
        if used + size > self.output_limit:
            if used <= self.output_limit:
                notice = _TRUNCATED.format(limit=self.output_limit)
                outs.append(nbformat.v4.new_output("stream", name="stdout", text=notice))
            return None
        return super().output(outs, msg, display_id, cell_index)


def _thread_environment(threads: int) -> dict[str, str]:
    value = str(max(1, threads))
    return {
        "TF_NUM_INTRAOP_THREADS": value,
        "TF_NUM_INTEROP_THREADS": value,
        "OMP_NUM_THREADS": value,
        "OPENBLAS_NUM_THREADS": value,
        "MKL_NUM_THREADS": value,
    }


def run_job(job: Job) -> JobResult:
    """Rebuilds, instruments, executes and judges one notebook.

    Never raises: if grading itself breaks on this submission, every test scores zero
    with the reason, and the rest of the class is still graded.
    """
    try:
        return _run_job(job)
    except Exception as error:
        source = nbformat.reads(job.source, as_version=4)
        release = nbformat.reads(job.release, as_version=4)
        graded = rebuild(source, release, release)
        reason = f"the grader could not run it: {type(error).__name__}: {error}"[:300]
        verdicts = [TestVerdict(p.grade_id, False, reason) for p in instrument(graded).probes]
        return JobResult(
            job.student,
            job.notebook_name,
            graded=nbformat.writes(restore(graded, graded, verdicts)),
            verdicts=verdicts,
            reason=reason,
        )


def _run_job(job: Job) -> JobResult:
    result = JobResult(job.student, job.notebook_name)
    started = time.perf_counter()
    source = nbformat.reads(job.source, as_version=4)
    release = nbformat.reads(job.release, as_version=4)
    submitted = nbformat.reads(job.submitted, as_version=4)
    graded = rebuild(source, release, submitted)
    instrumented = instrument(graded, reference=source)

    sandbox = Sandbox(
        limits=job.limits,
        hidden_paths=tuple(Path(p) for p in job.hidden_paths),
        environment={**kernel_environment(job.device), **_thread_environment(job.threads)},
        data_dir=Path(job.data_dir) if job.data_dir else None,
    )
    result.warnings = list(sandbox.warnings)
    _give_key(sandbox, instrumented.key)
    receipts_text = ""
    client = CappedClient(
        instrumented.notebook,
        sandbox=sandbox,
        timeout=job.limits.cell_seconds,
        allow_errors=True,
        extra_arguments=KERNEL_ARGUMENTS,
        startup_timeout=KERNEL_STARTUP_TIMEOUT,
        resources={"metadata": {"path": str(sandbox.work)}},
        output_limit=job.limits.output_bytes,
    )
    watchdog = threading.Timer(job.limits.submission_seconds, _kill_kernel, args=(client,))
    watchdog.daemon = True
    try:
        watchdog.start()
        client.execute(
            cwd=str(sandbox.work),
            env=sandbox.kernel_environment(),
            # What the kernel process itself writes (not cell output) is not ours to show.
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
    except CellTimeoutError:
        result.reason = (
            f"timed out: cell {_running_cell(client)} ran longer than the "
            f"{job.limits.cell_seconds} s limit for a cell (an endless loop?)"
        )
    except DeadKernelError:
        result.reason = _death_reason(sandbox, job.limits, _running_cell(client), watchdog)
    except Exception as error:  # the kernel could not start, or nbclient broke
        result.reason = f"the notebook could not be run: {type(error).__name__}: {error}"[:300]
    finally:
        watchdog.cancel()
        if not result.reason and sandbox.elapsed() > job.limits.submission_seconds:
            result.reason = _death_reason(sandbox, job.limits, _running_cell(client), watchdog)
        _shutdown(client)
        receipts_text = _read_receipts(sandbox)
        sandbox.kill_everything()

    receipts = Receipts.parse(receipts_text, instrumented.key)
    result.verdicts = judge(instrumented.notebook, instrumented.probes, receipts)
    result.graded = nbformat.writes(restore(graded, instrumented.notebook, result.verdicts))
    result.seconds = time.perf_counter() - started
    return result


def _give_key(sandbox: Sandbox, key: bytes) -> None:
    """Leaves the signing key where the record cell reads (and deletes) it."""
    path = sandbox.work / KEY_FILE
    path.write_bytes(key)
    os.chmod(path, 0o600)
    if sandbox.caps.sandbox_uid is not None:
        os.chown(path, sandbox.caps.sandbox_uid, sandbox.caps.sandbox_uid)


def _read_receipts(sandbox: Sandbox, limit: int = 1 << 20) -> str:
    """The receipts the hook wrote (at most `limit` bytes; a student may append junk)."""
    try:
        with (sandbox.work / RECEIPTS_FILE).open("rb") as handle:
            return handle.read(limit).decode("utf-8", "replace")
    except OSError:
        return ""


def _running_cell(client: NotebookClient) -> int:
    """1-based position, in the graded notebook, of the last cell that started."""
    started = [
        cell.metadata.get("dlcourse_index")
        for cell in client.nb.cells
        if cell.get("execution_count") or cell.get("outputs")
    ]
    started = [i for i in started if i is not None]
    return (max(started) + 1) if started else 1


def _death_reason(sandbox: Sandbox, limits: Limits, cell: int, watchdog) -> str:
    if sandbox.out_of_memory():
        return f"killed: exceeded {limits.memory_bytes / (1 << 30):g} GiB memory in cell {cell}"
    if sandbox.hit_process_limit():
        return f"killed: started more than {limits.max_processes} processes in cell {cell}"
    if sandbox.elapsed() >= limits.submission_seconds:
        return f"timed out: the whole notebook ran longer than {limits.submission_seconds} s"
    return f"the kernel died in cell {cell} (os._exit, a crash, or a signal)"


def _kill_kernel(client: NotebookClient) -> None:
    """The watchdog: kills the kernel's process group (and with it, its namespace)."""
    try:
        pid = client.km.provisioner.pid
        os.killpg(pid, signal.SIGKILL)
    except Exception:  # already gone, or never started
        pass


def _shutdown(client: NotebookClient) -> None:
    try:
        if client.km is not None and client.km.has_kernel:
            client.km.shutdown_kernel(now=True)
    except Exception:
        pass
