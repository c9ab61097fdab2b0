"""The judge: the process that decides whether tests pass, and never runs student code.

`python -m autograder.judge FOLDER` reads commands, one JSON object per line, on its
standard input and answers on its standard output:

    {"op": "reset"}                         -> {"op": "ready"}
    {"op": "run", "code": ..., "name": ...} -> zero or more
        {"op": "exchange", "number": N, "inputs": PATH, "returns": [...]}
            (the grader runs block N in the student's kernel and answers
             {"op": "answers", "path": PATH} or {"op": "answers", "error": [name, message]})
        then {"op": "done", "stdout": ..., "error": null | [name, message]}

Code runs in one namespace, started afresh by "reset" (once per notebook); the
process itself is reused, so TensorFlow is imported once per grading worker. What
the code prints is captured and returned; the protocol has its own file descriptor,
so nothing a library prints can corrupt it.

`Judge` is the grader's side: it starts the process, sends commands and serves
exchanges through a callback.
"""

import atexit
import contextlib
import io
import json
import os
import secrets
import select
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace

from autograder.sandbox import Limits, capabilities, make_cgroups, remove_cgroups

MAX_ANSWER_BYTES = 64 << 20
MAX_STDOUT = 1 << 20


# -- the judge process ---------------------------------------------------------------


class _Server:
    def __init__(self, folder: Path, channel_in, channel_out):
        self.folder = folder
        self.channel_in = channel_in
        self.channel_out = channel_out
        self.exchanges = 0
        self.namespace: dict = {}

    def send(self, message: dict) -> None:
        self.channel_out.write(json.dumps(message) + "\n")
        self.channel_out.flush()

    def receive(self) -> dict:
        line = self.channel_in.readline()
        if not line:
            raise SystemExit(0)  # the grader is gone
        return json.loads(line)

    def reset(self) -> None:
        from course import answers

        if "keras" in sys.modules:
            sys.modules["keras"].backend.clear_session()
        for path in self.folder.glob("*.npz"):
            path.unlink()
        runtime = SimpleNamespace(pick=answers.pick, exchange=self.exchange)
        self.namespace = {"__name__": "__main__", "__builtins__": __builtins__,
                          "__dlcourse__": runtime}  # fmt: skip

    def exchange(self, number: int, payload: dict, returns) -> tuple:
        """Sends a block's inputs to the grader, waits for what the kernel returned."""
        from course import answers, wire

        sent = wire.decode(wire.encode(payload["values"]))
        found = wire.find_not_data(sent)
        if found:
            where, placeholder = found
            raise RuntimeError(
                f"grader error: answers block {number} reads the test's value {where} of type "
                f"{placeholder.type_name}, which is not data; compute it inside the block"
            )
        self.exchanges += 1
        inputs = self.folder / f"in-{self.exchanges}.npz"
        inputs.write_bytes(wire.encode(payload))
        self.send({"op": "exchange", "number": number, "inputs": str(inputs),
                   "returns": list(returns)})  # fmt: skip
        reply = self.receive()
        inputs.unlink(missing_ok=True)
        if reply.get("error"):
            name, message = reply["error"]
            raise answers.AnswerError(name, message)
        path = Path(reply["path"])
        try:
            result = wire.decode(path.read_bytes(), max_bytes=MAX_ANSWER_BYTES)
        except wire.WireError as error:
            raise AssertionError(f"the answers could not be read: {error}") from None
        finally:
            path.unlink(missing_ok=True)
        return answers.unpack(result, returns, number)

    def run(self, code: str, name: str) -> None:
        from course.answers import AnswerError

        captured = io.StringIO()
        error = None
        with contextlib.redirect_stdout(captured), contextlib.redirect_stderr(captured):
            try:
                exec(compile(code, name, "exec"), self.namespace)
            except AnswerError as raised:
                error = [raised.type_name, str(raised)]
            except BaseException as raised:  # a failed check, or a grader error
                error = [type(raised).__name__, str(raised)]
        self.send({"op": "done", "stdout": captured.getvalue()[:MAX_STDOUT], "error": error})

    def serve(self) -> None:
        while True:
            message = self.receive()
            if message["op"] == "reset":
                self.reset()
                self.send({"op": "ready"})
            elif message["op"] == "run":
                self.run(message["code"], message.get("name", "<judge>"))
            elif message["op"] == "quit":
                return


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    folder = Path(argv[0])
    # The protocol gets its own descriptors; 1 and 2 go nowhere, so that C++ logs and
    # stray prints cannot break a line of it.
    channel_out = os.fdopen(os.dup(1), "w", encoding="utf-8")
    channel_in = os.fdopen(os.dup(0), "r", encoding="utf-8")
    null = os.open(os.devnull, os.O_RDWR)
    for descriptor in (0, 1, 2):
        os.dup2(null, descriptor)
    _Server(folder, channel_in, channel_out).serve()


# -- the grader's side -------------------------------------------------------------------


class JudgeError(RuntimeError):
    """The judge process died, timed out or broke its protocol."""


@dataclass
class Outcome:
    stdout: str
    error: tuple[str, str] | None  # (exception name, message) if the code raised


# An exchange handler gets (block number, inputs file, returns) and gives back the path
# of the answers file, or raises `ExchangeFailed`.
ExchangeHandler = Callable[[int, Path, list[str]], Path]


class ExchangeFailed(Exception):
    """The kernel could not answer a block: `name` and `message` reach the test."""

    def __init__(self, name: str, message: str):
        super().__init__(message)
        self.name = name


class Judge:
    """One judge process, started with `environment` (device, threads, quiet logs).

    The judge runs only trusted code, but on data a student chose: with cgroups, it
    gets the kernel's memory limit, so a check that broadcasts a huge answer kills the
    judge (its test fails, a fresh judge goes on) rather than the grading machine.
    """

    def __init__(self, environment: dict[str, str], memory_bytes: int | None = None):
        self.environment = environment
        self.folder = Path(tempfile.mkdtemp(prefix="dlcourse-judge-"))
        self.process = subprocess.Popen(
            [sys.executable, "-m", "autograder.judge", str(self.folder)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            cwd=self.folder,
            env={**os.environ, **environment, "MPLBACKEND": "Agg"},
            start_new_session=True,
        )
        self._buffer = b""
        self.cgroups: list[Path] = []
        if memory_bytes and capabilities().cgroup:
            name = f"dlcourse-judge-{self.process.pid}-{secrets.token_hex(4)}"
            self.cgroups = make_cgroups(
                name, Limits(memory_bytes=memory_bytes), capabilities().cgroup
            )
            for group in self.cgroups:
                (group / "cgroup.procs").write_text(str(self.process.pid))

    def alive(self) -> bool:
        return self.process.poll() is None

    def _send(self, message: dict) -> None:
        try:
            self.process.stdin.write((json.dumps(message) + "\n").encode())
            self.process.stdin.flush()
        except OSError as error:
            raise JudgeError(f"the judge stopped ({error})") from None

    def _receive(self, timeout: float) -> dict:
        deadline = time.monotonic() + timeout
        descriptor = self.process.stdout.fileno()
        while b"\n" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0:
                raise JudgeError(f"the check ran longer than {timeout:g} s")
            ready, _, _ = select.select([descriptor], [], [], left)
            if ready:
                chunk = os.read(descriptor, 1 << 16)
                if not chunk:
                    raise JudgeError("the judge stopped")
                self._buffer += chunk
        line, _, self._buffer = self._buffer.partition(b"\n")
        return json.loads(line)

    def reset(self, timeout: float = 600) -> None:
        """A fresh namespace (the first call waits for the process to start)."""
        self._send({"op": "reset"})
        if self._receive(timeout).get("op") != "ready":
            raise JudgeError("the judge did not start")

    def run(
        self, code: str, name: str, timeout: float, on_exchange: ExchangeHandler | None = None
    ) -> Outcome:
        """Runs `code`; `timeout` bounds the judge's own time between exchanges."""
        self.start(code, name)
        return self.finish(timeout, on_exchange)

    def start(self, code: str, name: str) -> None:
        """Starts running `code`; `finish` waits for it (the grader may work meanwhile)."""
        self._send({"op": "run", "code": code, "name": name})

    def finish(self, timeout: float, on_exchange: ExchangeHandler | None = None) -> Outcome:
        """Serves the exchanges of the code `start` sent, and returns its outcome."""
        while True:
            message = self._receive(timeout)
            if message.get("op") == "done":
                error = message.get("error")
                return Outcome(message.get("stdout", ""), tuple(error) if error else None)
            if message.get("op") != "exchange" or on_exchange is None:
                raise JudgeError(f"unexpected message from the judge: {message.get('op')!r}")
            try:
                path = on_exchange(message["number"], Path(message["inputs"]), message["returns"])
                reply = {"op": "answers", "path": str(path)}
            except ExchangeFailed as failed:
                reply = {"op": "answers", "error": [failed.name, str(failed)]}
            self._send(reply)

    def answers_path(self, number: int) -> Path:
        """Where the grader leaves a block's answers for the judge to read."""
        return self.folder / f"out-{number}-{time.monotonic_ns()}.npz"

    def close(self) -> None:
        if self.alive():
            with contextlib.suppress(OSError, ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()
        remove_cgroups(self.cgroups)
        for path in self.folder.glob("*"):
            path.unlink(missing_ok=True)
        with contextlib.suppress(OSError):
            self.folder.rmdir()


_JUDGES: dict[tuple, Judge] = {}


def shared_judge(environment: dict[str, str], memory_bytes: int | None = None) -> Judge:
    """This process's judge for `environment`, started on first use and then reused."""
    key = (tuple(sorted(environment.items())), memory_bytes)
    judge = _JUDGES.get(key)
    if judge is None or not judge.alive():
        if judge is not None:
            judge.close()
        judge = _JUDGES[key] = Judge(environment, memory_bytes)
        if len(_JUDGES) == 1:
            atexit.register(close_judges)
    return judge


def discard_judge(judge: Judge) -> None:
    """Stops a judge that timed out or broke, so the next notebook starts a fresh one."""
    judge.close()
    for key, value in list(_JUDGES.items()):
        if value is judge:
            del _JUDGES[key]


def close_judges() -> None:
    for judge in list(_JUDGES.values()):
        judge.close()
    _JUDGES.clear()


if __name__ == "__main__":
    main()
