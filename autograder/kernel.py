"""The student's side of grading: a sandboxed kernel run one cell at a time, and the
folder in the sandbox where a block's inputs and answers are exchanged.

Both face code the grader does not trust: the kernel's output is capped and its death
or time-out is reported with a reason; the folder is used only through a descriptor
opened before any student code ran.
"""

import os
import signal
import stat
import subprocess
import threading
import time
from typing import TYPE_CHECKING

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellTimeoutError, DeadKernelError

from autograder.execution import KERNEL_ARGUMENTS, KERNEL_STARTUP_TIMEOUT
from autograder.judge import ExchangeFailed
from autograder.sandbox import Sandbox

if TYPE_CHECKING:
    from autograder.worker import Job

_TRUNCATED = "\n[output truncated by the grader: more than {limit} bytes in this cell]\n"
EXCHANGE_FOLDER = "_dlcourse"


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


class SandboxKernel:
    """The student's sandboxed kernel, one cell at a time; remembers why it stopped."""

    def __init__(self, job: "Job", notebook, sandbox: Sandbox):
        self.job, self.sandbox = job, sandbox
        self.client = CappedClient(
            notebook,
            sandbox=sandbox,
            timeout=job.limits.cell_seconds,
            allow_errors=True,
            extra_arguments=KERNEL_ARGUMENTS,
            startup_timeout=KERNEL_STARTUP_TIMEOUT,
            resources={"metadata": {"path": str(sandbox.work)}},
            output_limit=job.limits.output_bytes,
            shutdown_kernel="immediate",
        )
        self._context = None
        self.stopped = ""  # why the kernel can no longer run cells
        self.position = 0  # 1-based position of the last cell started
        self.watchdog = threading.Timer(job.limits.submission_seconds, self._kill)
        self.watchdog.daemon = True

    def start(self):
        self.watchdog.start()
        self._context = self.client.setup_kernel(
            cwd=str(self.sandbox.work),
            env=self.sandbox.kernel_environment(),
            # What the kernel process itself writes (not cell output) is not ours to show.
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            self._context.__enter__()
        except Exception as error:  # the kernel could not start
            self.stopped = f"the notebook could not be run: {type(error).__name__}: {error}"[:300]
            self._context = None

    def run(self, cell, index: int) -> bool:
        """Runs `cell` (at `index` in the graded notebook); False if the kernel stopped."""
        if self.stopped:
            return False
        self.position = index + 1
        try:
            self.client.execute_cell(
                cell, index, execution_count=self.client.code_cells_executed + 1
            )
        except CellTimeoutError:
            self.stopped = (
                f"timed out: cell {self.position} ran longer than the "
                f"{self.job.limits.cell_seconds} s limit for a cell (an endless loop?)"
            )
            self._kill()
        except DeadKernelError:
            self.stopped = self._death_reason()
        except Exception as error:  # nbclient broke
            self.stopped = f"the notebook could not be run: {type(error).__name__}: {error}"[:300]
        if not self.stopped and self.sandbox.elapsed() > self.job.limits.submission_seconds:
            self.stopped = self._death_reason()
        return not self.stopped

    def _death_reason(self) -> str:
        limits, cell = self.job.limits, self.position
        if self.sandbox.out_of_memory():
            return f"killed: exceeded {limits.memory_bytes / (1 << 30):g} GiB memory in cell {cell}"
        if self.sandbox.hit_process_limit():
            return f"killed: started more than {limits.max_processes} processes in cell {cell}"
        if self.sandbox.elapsed() >= limits.submission_seconds:
            return f"timed out: the whole notebook ran longer than {limits.submission_seconds} s"
        return f"the kernel died in cell {cell} (os._exit, a crash, or a signal)"

    def _kill(self) -> None:
        """Kills the kernel's process group (and with it, its namespace)."""
        try:
            os.killpg(self.client.km.provisioner.pid, signal.SIGKILL)
        except Exception:  # already gone, or never started
            pass

    def close(self) -> None:
        """Kills the kernel (nothing in it needs a graceful end) and closes the channels."""
        self.watchdog.cancel()
        self._kill()
        if self._context is not None:
            try:
                self._context.__exit__(None, None, None)
            except Exception:
                pass


class ExchangeFolder:
    """Where a block's inputs and answers meet, inside the sandbox's working folder.

    The student's code can write there, so the grader (outside the sandbox, perhaps as
    root) opens the folder once, before any student code runs, and then works only
    through that descriptor: it never follows a link, reads only regular files, and at
    most `limit` bytes of them.
    """

    def __init__(self, sandbox: Sandbox):
        self.path = sandbox.work / EXCHANGE_FOLDER
        self.path.mkdir()
        if sandbox.caps.sandbox_uid is not None:
            os.chown(self.path, sandbox.caps.sandbox_uid, sandbox.caps.sandbox_uid)
        self.descriptor = os.open(self.path, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)

    def remove(self, name: str) -> None:
        try:
            os.unlink(name, dir_fd=self.descriptor)
        except FileNotFoundError:
            pass
        except IsADirectoryError:  # moved aside: the sandbox's clean-up removes it
            gone = f".gone-{time.monotonic_ns()}"
            os.rename(name, gone, src_dir_fd=self.descriptor, dst_dir_fd=self.descriptor)

    def put(self, name: str, data: bytes) -> str:
        """Writes a new file `name` (whatever stood there is removed); returns its path."""
        self.remove(name)
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW
        with os.fdopen(os.open(name, flags, 0o644, dir_fd=self.descriptor), "wb") as file:
            file.write(data)
        return str(self.path / name)

    def take(self, name: str, limit: int) -> bytes:
        """The contents of the regular file `name`, which is then removed.

        Raises:
            ExchangeFailed: no such regular file, or one larger than `limit` bytes.
        """
        flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK
        try:
            handle = os.open(name, flags, dir_fd=self.descriptor)
        except OSError:
            raise ExchangeFailed("NotGraded", "your kernel sent back no answers") from None
        with os.fdopen(handle, "rb") as file:
            if not stat.S_ISREG(os.fstat(file.fileno()).st_mode):
                raise ExchangeFailed("NotGraded", "your kernel sent back no answers")
            data = file.read(limit + 1)
        self.remove(name)
        if len(data) > limit:
            raise ExchangeFailed("NotGraded", f"the answers are larger than {limit >> 20} MiB")
        return data

    def close(self) -> None:
        os.close(self.descriptor)
